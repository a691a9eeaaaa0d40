"""Settings, topic definitions, broker properties and docker-compose agree."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline import topics as T
from pipeline.broker.clients import undescribed
from pipeline.broker.local import LocalKafka
from pipeline.cli import build_parser
from pipeline.config import PROJECT_ROOT, Settings, settings_env


def test_settings_read_the_frontline_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRONTLINE_KAFKA_BOOTSTRAP", "h1:9092,h2:9092")
    monkeypatch.setenv("FRONTLINE_TOPIC_PARTITIONS", "8")
    s = Settings()
    assert s.bootstrap == "h1:9092,h2:9092" and not s.uses_local_broker
    assert s.topic_partitions == 8
    assert s.web_host == "127.0.0.1"  # loopback unless configured otherwise


def test_settings_env_reproduces_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s = Settings(topic_prefix="x.", web_port=7000, state_dir=tmp_path, languages=["en", "fr"])
    env = settings_env(s)
    assert env["FRONTLINE_TOPIC_PREFIX"] == "x."
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert Settings() == s


def test_every_topic_is_defined_once_with_compaction_for_tables() -> None:
    specs = T.topic_specs(Settings(topic_prefix="p."))
    names = [s.name for s in specs]
    assert len(names) == len(set(names))
    assert set(names) == {f"p.{b}" for b in T.STREAMS.values()}
    for spec in specs:
        compacted = spec.config.get("cleanup.policy") == "compact"
        assert compacted == spec.name.startswith("p.tables."), spec.name


def test_changelog_topics_are_compacted_and_as_durable_as_the_rest() -> None:
    settings = Settings(topic_replication=3, topic_min_insync=2)
    (spec,) = T.changelog_specs(settings, [("app-tables-control-changelog", 4)])
    assert (spec.name, spec.partitions, spec.replication) == ("app-tables-control-changelog", 4, 3)
    assert spec.config["cleanup.policy"] == "compact"
    assert spec.config["min.insync.replicas"] == "2"


def _described(name: str, leaders: list[int], error_code: int = 0) -> dict[str, object]:
    parts = [{"partition_index": i, "leader_id": lead} for i, lead in enumerate(leaders)]
    return {"name": name, "error_code": error_code, "partitions": parts}


def test_a_new_topic_counts_as_ready_only_once_described_whole_with_leaders() -> None:
    specs = [T.TopicSpec(n, 2, 1) for n in ("a", "b", "c", "d", "e")]
    described = [
        _described("a", [1, 1]),  # ready
        _described("b", [1, -1]),  # a partition without a leader yet
        _described("c", [1]),  # not every partition reported yet
        _described("d", [], error_code=3),  # unknown topic or partition
    ]  # "e": not in the answer at all
    assert undescribed(described, specs) == ["b", "c", "d", "e"]
    assert undescribed([_described(s.name, [1, 1]) for s in specs], specs) == []


def test_local_broker_binds_loopback_and_never_auto_creates_topics(tmp_path: Path) -> None:
    kafka = LocalKafka(kafka_home=tmp_path, state_dir=tmp_path, base_port=9092, nodes=3)
    ports = kafka.ports()
    assert [p.broker_port for p in ports] == [9092, 9094, 9096]
    for node in ports:
        props = kafka.server_properties(node)
        assert props["auto.create.topics.enable"] == "false"
        assert "0.0.0.0" not in props["listeners"] and "127.0.0.1" in props["listeners"]
        assert props["min.insync.replicas"] == "2"
        assert props["controller.quorum.voters"].count("@") == 3


def test_docker_compose_agrees_with_settings_and_topics() -> None:
    compose = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    brokers = [n for n in services if n.startswith("kafka-")]
    assert len(brokers) == 3
    fields = set(Settings.model_fields)
    for name in ("topic-init", "worker"):
        env = services[name]["environment"]
        for key in env:
            assert key.startswith("FRONTLINE_"), key
            assert key.removeprefix("FRONTLINE_").lower() in fields, f"{name}: unknown {key}"
        settings = Settings(**{k.removeprefix("FRONTLINE_").lower(): v for k, v in env.items()})
        assert settings.topic_replication == len(brokers)
        assert settings.topic_min_insync == 2
        for host in settings.bootstrap.split(","):
            assert host.split(":")[0] in brokers
    assert services["topic-init"]["command"] == ["frontline", "topics", "create"]
    for svc in services.values():
        for port in svc.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), port
    for broker in brokers:
        env = services[broker]["environment"]
        assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
        assert env["KAFKA_MIN_INSYNC_REPLICAS"] == "2"


@pytest.mark.parametrize(
    ("argv", "attrs"),
    [
        (["publish", "a.jsonl", "--published-at", "2021-07-12"], {"published_at": "2021-07-12"}),
        (["subscribe", "withdrawals", "--follow", "--limit", "3"], {"follow": True, "limit": 3}),
        (["subscribe", "dlq", "--from-beginning"], {"from_beginning": True}),
        (["kafka", "--nodes", "3", "start"], {"nodes": 3, "action": "start"}),
        (["demo", "--exit"], {"exit": True}),
        (["worker", "--web-port", "6070"], {"web_port": 6070}),
    ],
)
def test_cli_parses_commands(argv: list[str], attrs: dict[str, object]) -> None:
    args = build_parser().parse_args(argv)
    assert callable(args.func)
    for key, value in attrs.items():
        assert getattr(args, key) == value


def test_cli_rejects_unknown_streams() -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["subscribe", "nope"])
