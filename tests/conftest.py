"""Shared fixtures. Integration tests share ONE real Kafka broker for the whole session."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pipeline.broker.clients import ensure_topics
from pipeline.broker.local import LocalKafka, free_port_block
from pipeline.client import FrontlineClient, StreamRecord
from pipeline.config import PROJECT_ROOT, Settings, settings_env

SHARED = PROJECT_ROOT.parent / "shared"
CLOSE_STDIN = ["/bin/sh", "-c", 'exec "$@" <&-', "sh"]  # runs the rest with fd 0 closed


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real single-node Apache Kafka (KRaft) on loopback, started once per test session."""
    external = os.environ.get("FRONTLINE_TEST_BOOTSTRAP")
    if external:
        yield external
        return
    kafka = LocalKafka(
        kafka_home=PROJECT_ROOT / "infra" / "kafka",
        state_dir=tmp_path_factory.mktemp("kafka"),
        base_port=free_port_block(2, start=29092),
    )
    t0 = time.monotonic()
    bootstrap = kafka.start(timeout=120)
    print(f"\n[frontline tests] real Kafka broker on {bootstrap} ({time.monotonic() - t0:.1f}s)")
    try:
        yield bootstrap
    finally:
        kafka.stop()


@pytest.fixture
def make_settings(kafka_bootstrap: str, tmp_path: Path) -> Callable[..., Settings]:
    """Settings isolated per test: own topic prefix, app id, state dir and web port."""
    tag = uuid.uuid4().hex[:8]

    def factory(**overrides: object) -> Settings:
        base: dict[str, object] = {
            "kafka_bootstrap": kafka_bootstrap,
            "topic_prefix": f"t{tag}.",
            "app_id": f"frontline-test-{tag}",
            "state_dir": tmp_path / "state",
            "web_port": _free_port(),
            "topic_partitions": 2,
            "store": "memory://",
            "broker_session_timeout": 15.0,  # a SIGKILLed worker's partitions move sooner
            "watchdog_stall_seconds": 30.0,  # a wedged worker exits sooner (restart: on-failure)
        }
        base.update(overrides)
        return Settings(**base)  # type: ignore[arg-type]

    return factory


class WorkerProcess:
    """A real `frontline worker` child process (``module``: the entry point run with -m)."""

    def __init__(self, settings: Settings, log_path: Path, module: str = "pipeline.cli") -> None:
        self.settings = settings
        self.log_path = log_path
        env = {**os.environ, **settings_env(settings), "PYTHONUNBUFFERED": "1"}
        self._log = log_path.open("wb")
        # stdin closed, as CI and some supervisors start processes: the worker must cope.
        self.proc = subprocess.Popen(
            [*CLOSE_STDIN, sys.executable, "-m", module, "worker", "-l", "info"],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=PROJECT_ROOT,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.settings.web_port}"

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker exited early:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=1) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.3)
        raise TimeoutError(f"worker not ready in {timeout}s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def describe(self) -> str:
        """Health counters and the log's tail, for a failing test's message."""
        state = "running" if self.proc.poll() is None else f"exited {self.proc.returncode}"
        try:
            with urllib.request.urlopen(self.url + "/health", timeout=2) as resp:
                health = resp.read().decode(errors="replace")[:3000]
        except OSError as exc:
            health = f"(no /health: {exc})"
        return f"--- worker {self.log_path.name} ({state})\n{health}\n{self.log()[-2500:]}"

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


LIVE_WORKERS: list[WorkerProcess] = []


def describe_workers() -> str:
    return "\n".join(w.describe() for w in LIVE_WORKERS)


def wait_for_stream(
    client: FrontlineClient,
    stream: str,
    done: Callable[[list[StreamRecord]], bool],
    timeout: float = 60.0,
) -> list[StreamRecord]:
    """Read ``stream`` from the beginning until ``done`` holds (or fail, saying why)."""
    deadline = time.monotonic() + timeout
    records: list[StreamRecord] = []
    while time.monotonic() < deadline:
        records = list(client.stream(stream, from_beginning=True))
        if done(records):
            return records
        time.sleep(0.5)
    raise AssertionError(
        f"{stream}: not done in {timeout}s; {len(records)} records\n{describe_workers()}"
    )


def run_python(code: str, *args: str, stdin: str = "", env: dict[str, str] | None = None) -> str:
    """Run ``code`` in a fresh interpreter at the project root; its standard output."""
    out = subprocess.run(
        [sys.executable, "-c", code, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=PROJECT_ROOT,
        check=True,
        timeout=300,
    )
    return out.stdout


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[Callable[[Settings], WorkerProcess]]:
    workers: list[WorkerProcess] = []

    def start(settings: Settings) -> WorkerProcess:
        ensure_topics(settings)
        w = WorkerProcess(settings, tmp_path / f"worker-{len(workers)}.log")
        workers.append(w)
        LIVE_WORKERS.append(w)
        w.wait_ready()
        return w

    yield start
    for w in workers:
        w.stop()
        LIVE_WORKERS.remove(w)
