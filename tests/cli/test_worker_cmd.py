"""`frontline worker` options reach the worker as settings, not through the environment."""

from __future__ import annotations

import os
from pathlib import Path

from pipeline.cli import build_parser
from pipeline.cli.worker_cmd import worker_settings
from pipeline.config import Settings


def test_options_override_the_base_settings_and_leave_the_environment_alone(
    tmp_path: Path,
) -> None:
    base = Settings(kafka_bootstrap="broker:9092", topic_prefix="p.", web_port=6066)
    environ = dict(os.environ)
    args = build_parser().parse_args(
        ["worker", "--web-port", "7001", "--datadir", str(tmp_path / "w1")]
    )

    settings = worker_settings(args, base)

    assert (settings.web_port, settings.worker_datadir) == (7001, tmp_path / "w1")
    assert (settings.kafka_bootstrap, settings.topic_prefix) == ("broker:9092", "p.")
    assert base.web_port == 6066 and base.worker_datadir is None
    assert dict(os.environ) == environ


def test_no_options_keep_the_base_settings() -> None:
    base = Settings(kafka_bootstrap="broker:9092")
    assert worker_settings(build_parser().parse_args(["worker"]), base) is base
