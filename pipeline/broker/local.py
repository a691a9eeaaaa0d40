"""Run real Apache Kafka brokers (KRaft) on loopback from the jars Maven resolves.

One node by default; `nodes=3` gives a three-broker cluster for fault tests. Each node is a
separate JVM with its own directory under `state_dir`, stopped by its own pid.
"""

from __future__ import annotations

import base64
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.config import Settings


class BrokerError(RuntimeError):
    """The local broker could not be prepared, started or stopped."""


@dataclass(frozen=True)
class NodePorts:
    node_id: int
    broker_port: int
    controller_port: int


@dataclass
class LocalKafka:
    """A local KRaft cluster of `nodes` combined broker+controller nodes on 127.0.0.1."""

    kafka_home: Path
    state_dir: Path
    base_port: int = 9092
    nodes: int = 1
    heap: str = "512m"
    host: str = "127.0.0.1"
    extra_properties: dict[str, str] = field(default_factory=dict)
    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic

    @classmethod
    def from_settings(cls, settings: Settings, nodes: int = 1) -> LocalKafka:
        return cls(
            kafka_home=settings.kafka_home,
            state_dir=settings.state_dir / "kafka",
            base_port=settings.local_kafka_port,
            nodes=nodes,
            heap=settings.local_kafka_heap,
        )

    # -- layout -------------------------------------------------------------------------
    @property
    def libs_dir(self) -> Path:
        return self.kafka_home / "libs"

    def ports(self) -> list[NodePorts]:
        # Single node: broker on base_port, controller on base_port+1 (9092/9093).
        # Cluster: node i gets base_port+2i and base_port+2i+1 (9092/9093, 9094/9095, 9096/9097).
        return [
            NodePorts(i + 1, self.base_port + 2 * i, self.base_port + 2 * i + 1)
            for i in range(self.nodes)
        ]

    @property
    def bootstrap(self) -> str:
        return ",".join(f"{self.host}:{p.broker_port}" for p in self.ports())

    def node_dir(self, node_id: int) -> Path:
        return self.state_dir / f"node-{node_id}"

    def pid_file(self, node_id: int) -> Path:
        return self.node_dir(node_id) / "kafka.pid"

    def log_file(self, node_id: int) -> Path:
        return self.node_dir(node_id) / "server.log"

    # -- jars -----------------------------------------------------------------------------
    def jars_present(self) -> bool:
        return self.libs_dir.is_dir() and any(self.libs_dir.glob("kafka_2.13-*.jar"))

    def ensure_jars(self) -> None:
        """Resolve the broker jars from Maven Central once; a no-op when present."""
        if self.jars_present():
            return
        mvn = shutil.which("mvn")
        if mvn is None:
            raise BrokerError("Maven (mvn) is not on PATH; it is needed once to fetch Kafka's jars")
        pom = self.kafka_home / "pom.xml"
        result = subprocess.run(
            [mvn, "-q", "-B", "-f", str(pom), "dependency:copy-dependencies"],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0 or not self.jars_present():
            raise BrokerError(
                "could not resolve Kafka jars with Maven:\n"
                + (result.stdout + result.stderr)[-2000:]
            )

    # -- configuration -------------------------------------------------------------------
    def server_properties(self, node: NodePorts) -> dict[str, str]:
        voters = ",".join(f"{p.node_id}@{self.host}:{p.controller_port}" for p in self.ports())
        rf = str(min(3, self.nodes))
        min_isr = "2" if self.nodes >= 3 else "1"
        props = {
            "process.roles": "broker,controller",
            "node.id": str(node.node_id),
            "controller.quorum.voters": voters,
            "listeners": (
                f"PLAINTEXT://{self.host}:{node.broker_port},"
                f"CONTROLLER://{self.host}:{node.controller_port}"
            ),
            "advertised.listeners": f"PLAINTEXT://{self.host}:{node.broker_port}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "log.dirs": str(self.node_dir(node.node_id) / "data"),
            # Topics are created explicitly by Frontline; never by accident.
            "auto.create.topics.enable": "false",
            "num.partitions": "4",
            "default.replication.factor": rf,
            "min.insync.replicas": min_isr,
            "offsets.topic.replication.factor": rf,
            "offsets.topic.num.partitions": "10",
            "transaction.state.log.replication.factor": rf,
            "transaction.state.log.min.isr": min_isr,
            "share.coordinator.state.topic.replication.factor": rf,
            "share.coordinator.state.topic.min.isr": min_isr,
            "group.initial.rebalance.delay.ms": "0",
            "log.retention.hours": "-1",
            "log.segment.bytes": str(64 * 1024 * 1024),
            "unclean.leader.election.enable": "false",
        }
        props.update(self.extra_properties)
        return props

    def _write_properties(self, node: NodePorts) -> Path:
        path = self.node_dir(node.node_id) / "server.properties"
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = [f"{k}={v}" for k, v in self.server_properties(node).items()]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    def _java(self) -> str:
        java_home = os.environ.get("JAVA_HOME")
        if java_home and (Path(java_home) / "bin" / "java").exists():
            return str(Path(java_home) / "bin" / "java")
        java = shutil.which("java")
        if java is None:
            raise BrokerError("java is not on PATH; Kafka needs Java 17")
        return java

    def _java_cmd(self, node_id: int, main: str, *args: str) -> list[str]:
        node_dir = self.node_dir(node_id)
        return [
            self._java(),
            f"-Xmx{self.heap}",
            "-Xms128m",
            "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20",
            "-Djava.awt.headless=true",
            f"-Dkafka.logs.dir={node_dir}",
            f"-Dlog4j2.configurationFile={self.kafka_home / 'log4j2.xml'}",
            "-cp",
            str(self.libs_dir / "*"),
            main,
            *args,
        ]

    def _cluster_id(self) -> str:
        path = self.state_dir / "cluster.id"
        if path.exists():
            return path.read_text(encoding="utf-8").strip()
        self.state_dir.mkdir(parents=True, exist_ok=True)
        cid = "-"
        while not cid[0].isalnum():  # a leading '-' would be read as a flag by StorageTool
            cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        path.write_text(cid, encoding="utf-8")
        return cid

    def _format(self, node: NodePorts, props_path: Path) -> None:
        data_dir = self.node_dir(node.node_id) / "data"
        if (data_dir / "meta.properties").exists():
            return
        cmd = self._java_cmd(
            node.node_id,
            "kafka.tools.StorageTool",
            "format",
            "-t",
            self._cluster_id(),
            "-c",
            str(props_path),
            "--ignore-formatted",
        )
        result = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise BrokerError(f"formatting node {node.node_id} failed:\n{result.stderr[-2000:]}")

    # -- lifecycle -----------------------------------------------------------------------
    def node_pid(self, node_id: int) -> int | None:
        try:
            pid = int(self.pid_file(node_id).read_text(encoding="utf-8").strip())
        except (FileNotFoundError, ValueError):
            return None
        if not _pid_alive(pid):
            return None
        return pid

    def is_running(self) -> bool:
        return all(self.node_pid(p.node_id) is not None for p in self.ports())

    def start(self, timeout: float = 90.0) -> str:
        """Start every node not yet running and wait until each accepts connections."""
        self.ensure_jars()
        for node in self.ports():
            self.start_node(node.node_id, wait=False)
        self.wait_ready(timeout=timeout)
        return self.bootstrap

    def start_node(self, node_id: int, wait: bool = True, timeout: float = 90.0) -> None:
        node = self._node(node_id)
        if self.node_pid(node_id) is not None:
            return
        for port in (node.broker_port, node.controller_port):
            if _port_open(self.host, port):
                raise BrokerError(
                    f"port {port} on {self.host} is taken by another process; "
                    "set FRONTLINE_LOCAL_KAFKA_PORT to another port or stop that process"
                )
        props = self._write_properties(node)
        self._format(node, props)
        log = open(self.node_dir(node_id) / "stdout.log", "ab")  # noqa: SIM115 - handed to the child
        proc = subprocess.Popen(
            self._java_cmd(node_id, "kafka.Kafka", str(props)),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C in the terminal must not kill the broker mid-write
        )
        log.close()
        self.pid_file(node_id).write_text(str(proc.pid), encoding="utf-8")
        if wait:
            self._wait_node(node, timeout)

    def _node(self, node_id: int) -> NodePorts:
        for node in self.ports():
            if node.node_id == node_id:
                return node
        raise BrokerError(f"no node {node_id} in a {self.nodes}-node cluster")

    def _wait_node(self, node: NodePorts, timeout: float) -> None:
        deadline = self.monotonic() + timeout
        while self.monotonic() < deadline:
            if self.node_pid(node.node_id) is None:
                tail = _tail(self.node_dir(node.node_id) / "stdout.log")
                tail += _tail(self.log_file(node.node_id))
                raise BrokerError(f"Kafka node {node.node_id} exited during start-up:\n{tail}")
            if _port_open(self.host, node.broker_port) and _metadata_ok(
                f"{self.host}:{node.broker_port}"
            ):
                return
            self.sleep(0.25)
        raise BrokerError(
            f"Kafka node {node.node_id} did not accept connections on "
            f"{self.host}:{node.broker_port} within {timeout:.0f}s; "
            f"see {self.log_file(node.node_id)}"
        )

    def wait_ready(self, timeout: float = 90.0) -> None:
        for node in self.ports():
            self._wait_node(node, timeout)

    def stop_node(self, node_id: int, timeout: float = 30.0, kill: bool = False) -> None:
        pid = self.node_pid(node_id)
        if pid is None:
            self.pid_file(node_id).unlink(missing_ok=True)
            return
        os.kill(pid, signal.SIGKILL if kill else signal.SIGTERM)
        deadline = self.monotonic() + timeout
        while _pid_alive(pid) and self.monotonic() < deadline:
            self.sleep(0.1)
        if _pid_alive(pid):
            os.kill(pid, signal.SIGKILL)
            while _pid_alive(pid):
                self.sleep(0.05)
        _reap(pid)
        self.pid_file(node_id).unlink(missing_ok=True)

    def stop(self, timeout: float = 30.0) -> None:
        for node in reversed(self.ports()):
            self.stop_node(node.node_id, timeout=timeout)

    def status(self) -> list[tuple[NodePorts, int | None]]:
        return [(node, self.node_pid(node.node_id)) for node in self.ports()]

    def wipe(self) -> None:
        """Delete all broker data. Refuses while a node runs."""
        if any(pid for _, pid in self.status()):
            raise BrokerError("stop the broker before wiping its data")
        shutil.rmtree(self.state_dir, ignore_errors=True)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child counts as dead.
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as fh:
            return fh.read().split(") ", 1)[1][:1] != "Z"
    except (FileNotFoundError, IndexError):
        return True


def _reap(pid: int) -> None:
    """Collect the exit status of a broker we started, so it leaves no zombie behind."""
    # ChildProcessError: started by another process (e.g. an earlier `frontline kafka start`).
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def _port_open(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def _metadata_ok(bootstrap: str) -> bool:
    """True once the broker answers a metadata request (KRaft has elected a leader)."""
    from kafka import KafkaAdminClient
    from kafka.errors import KafkaError

    try:
        admin = KafkaAdminClient(
            bootstrap_servers=bootstrap, request_timeout_ms=3000, client_id="frontline-probe"
        )
    except (KafkaError, OSError):
        return False
    try:
        admin.list_topics()
        return True
    except (KafkaError, OSError):
        return False
    finally:
        admin.close()


def _tail(path: Path, chars: int = 3000) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-chars:]
    except FileNotFoundError:
        return ""


def _bindable(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def free_port_block(size: int, start: int = 19092, host: str = "127.0.0.1") -> int:
    """The first base port from `start` whose `size` consecutive ports can all be bound.

    Pick `start` below the kernel's ephemeral range (32768 and up on Linux by default):
    there, outgoing connections can take a port between this check and the broker's bind.
    """
    port = start
    while port < 65000:
        if all(_bindable(host, p) for p in range(port, port + size)):
            return port
        port += size
    raise BrokerError("no free block of ports on loopback")
