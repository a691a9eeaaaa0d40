"""`frontline` command line. Each sub-command lives in its own module with a `register`."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from pipeline import __version__

# Modules under pipeline.cli, each exposing register(subparsers) -> None.
# A sub-command sets `func(args) -> int` as its default.
COMMAND_MODULES = (
    "kafka_cmd",
    "topics_cmd",
    "publish_cmd",
    "subscribe_cmd",
    "worker_cmd",
    "demo_cmd",
    "extract_cmd",
    "eval_cmd",
    "tables_cmd",
    "export_cmd",
    "audit_cmd",
)


class CliError(Exception):
    """An error with a message meant for the user; exits non-zero without a traceback."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="frontline",
        description="News articles in, withdrawal and territorial-control events out.",
    )
    parser.add_argument("--version", action="version", version=f"frontline {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"pipeline.cli.{name}").register(sub)
    return parser


def reserve_standard_fds() -> None:
    """Put /dev/null on any of descriptors 0-2 the parent left closed.

    Otherwise the next descriptor opened takes the number: a worker started with stdin
    closed (as CI starts its jobs) had its event loop's epoll on fd 0, and shut itself down
    mid-stream, leaving its tables short
    (`tests/cli/test_process.py::test_worker_started_with_stdin_closed_keeps_fd0_off_its_sockets`).
    """
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
    if sys.stdin is None:
        sys.stdin = open(0, closefd=False)  # noqa: SIM115 - lives as long as the process


def main(argv: Sequence[str] | None = None) -> int:
    reserve_standard_fds()
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not args.verbose:
        # kafka-python logs transient metadata retries at WARNING; they are not the user's news.
        logging.getLogger("kafka").setLevel(logging.ERROR)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    try:
        return int(func(args) or 0)
    except CliError as exc:
        print(f"frontline: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
