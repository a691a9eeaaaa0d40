"""Time as an input: logic takes a Clock; only the adapters use the real one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]  # a timezone-aware "now"; injected, never implicit


def utc_now() -> datetime:
    return datetime.now(UTC)
