"""How the `frontline` process sets itself up, before any sub-command runs."""

from __future__ import annotations

import subprocess
import sys

from pipeline.config import PROJECT_ROOT

PROBE = """
import os, select
os.close(0)
from pipeline.cli import reserve_standard_fds
reserve_standard_fds()
loop_fd = select.epoll().fileno()
print(os.readlink("/proc/self/fd/0"), loop_fd)
"""


def test_worker_started_with_stdin_closed_keeps_fd0_off_its_sockets() -> None:
    # Regression: with fd 0 closed the worker's event-loop epoll took fd 0, and the worker
    # shut itself down mid-stream (the SIGKILL fault test failed only under CI's closed stdin).
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.split()
    assert out[0] == "/dev/null"
    assert int(out[1]) > 2
