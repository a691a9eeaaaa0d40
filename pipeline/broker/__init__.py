"""Kafka plumbing: the local broker (`local`) and kafka-python clients and topic creation
configured from Settings (`clients`); topic names and configs are defined in `pipeline.topics`."""
