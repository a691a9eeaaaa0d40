"""Security on the real broker: SASL end to end, clear auth failures, loopback-only HTTP."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pipeline.broker.clients import BrokerUnavailable, make_producer
from pipeline.broker.local import LocalKafka, free_port_block
from pipeline.client import FrontlineClient
from pipeline.config import PROJECT_ROOT, Settings
from tests.conftest import WorkerProcess, _free_port

pytestmark = pytest.mark.integration

USER, PASSWORD = "frontline", "s3cret-for-tests"


@pytest.fixture(scope="module")
def sasl_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A broker whose client listener requires SASL/PLAIN."""
    b = free_port_block(3, start=25092)
    jaas = (
        "org.apache.kafka.common.security.plain.PlainLoginModule required "
        f'user_{USER}="{PASSWORD}";'
    )
    kafka = LocalKafka(
        kafka_home=PROJECT_ROOT / "infra" / "kafka",
        state_dir=tmp_path_factory.mktemp("sasl-kafka"),
        base_port=b,
        extra_properties={
            "listeners": (
                f"PLAINTEXT://127.0.0.1:{b},CONTROLLER://127.0.0.1:{b + 1},"
                f"SASL_PLAINTEXT://127.0.0.1:{b + 2}"
            ),
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{b},SASL_PLAINTEXT://127.0.0.1:{b + 2}",
            "listener.security.protocol.map": (
                "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT"
            ),
            "sasl.enabled.mechanisms": "PLAIN",
            "listener.name.sasl_plaintext.plain.sasl.jaas.config": jaas,
        },
    )
    kafka.start()
    try:
        yield f"127.0.0.1:{b + 2}"
    finally:
        kafka.stop()


def sasl_settings(bootstrap: str, tmp_path: Path, password: str = PASSWORD) -> Settings:
    return Settings(
        kafka_bootstrap=bootstrap,
        kafka_security_protocol="SASL_PLAINTEXT",
        kafka_sasl_mechanism="PLAIN",
        kafka_sasl_username=USER,
        kafka_sasl_password=password,
        kafka_request_timeout_ms=5000,
        kafka_bootstrap_timeout_ms=3000,
        app_id="frontline-sasl",
        state_dir=tmp_path / "state",
        web_port=_free_port(),
        topic_partitions=1,
        store="memory://",
    )


def test_pipeline_runs_end_to_end_through_a_sasl_listener(
    sasl_bootstrap: str, tmp_path: Path, start_worker: Callable[[Settings], WorkerProcess]
) -> None:
    settings = sasl_settings(sasl_bootstrap, tmp_path)
    worker = start_worker(settings)  # Faust (aiokafka) authenticates too
    client = FrontlineClient(settings)
    report = client.publish({"id": "sasl-1", "body": "France withdraws its troops."})
    assert report.sent == 1
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if any(r.value["article_id"] == "sasl-1" for r in client.stream("ledger")):
            break
        time.sleep(0.5)
    else:
        raise AssertionError(f"article not processed through SASL:\n{worker.log()}")


def test_wrong_credentials_fail_with_a_message_naming_authentication(
    sasl_bootstrap: str, tmp_path: Path
) -> None:
    bad = sasl_settings(sasl_bootstrap, tmp_path, password="wrong")
    with pytest.raises(BrokerUnavailable) as info:
        make_producer(bad)
    message = str(info.value)
    assert "authentication" in message and "FRONTLINE_KAFKA_SASL_PASSWORD" in message
    assert "wrong" not in message  # never echo a secret


def _listening_addresses(port: int) -> set[str]:
    addrs = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            host, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:
                addrs.add(host)
    return addrs


def test_worker_http_binds_loopback_and_hides_faust_internals(
    make_settings: Callable[..., Settings], start_worker: Callable[[Settings], WorkerProcess]
) -> None:
    settings = make_settings()
    worker = start_worker(settings)
    # 0100007F is 127.0.0.1 in /proc/net/tcp's little-endian hex.
    assert _listening_addresses(settings.web_port) == {"0100007F"}
    for path in ("/table/", "/router/", "/graph/", "/stats/"):
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(worker.url + path, timeout=5)
        assert info.value.code == 404, path
