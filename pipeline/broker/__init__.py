"""Kafka plumbing: the local broker, topic definitions and kafka-python client settings."""
