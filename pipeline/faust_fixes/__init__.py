"""Patches over faust-streaming internals, each containing one known defect of it."""

from __future__ import annotations

import os
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from typing import Any

# The patches reach into private Faust and aiokafka names (`Consumer._add_gap`,
# `Consumer._new_offset`, `Consumer._commit`, `Table._verify_source_topic_partitions`, ...)
# whose meaning can change in any release: a version is listed here only once the suite,
# fault tests included, has passed against it.
VERIFIED_FAUST_VERSIONS: tuple[str, ...] = ("0.15.3",)


class UnverifiedFaustVersion(RuntimeError):
    """The installed faust-streaming is not one the patches were verified against."""


def installed_faust_version() -> str | None:
    try:
        return version("faust-streaming")
    except PackageNotFoundError:
        return None


def check_faust_version(installed: str | None = None) -> None:
    """Raise `UnverifiedFaustVersion` unless faust-streaming is a verified version."""
    installed = installed if installed is not None else installed_faust_version()
    if installed not in VERIFIED_FAUST_VERSIONS:
        raise UnverifiedFaustVersion(
            f"faust-streaming {installed or '(not installed)'} is installed, but Frontline's "
            f"patches of its internals (pipeline/faust_fixes) were verified only against "
            f"{', '.join(VERIFIED_FAUST_VERSIONS)}: install one of those, or verify the "
            f"patches against {installed} and add it to VERIFIED_FAUST_VERSIONS"
        )


def install(
    app: Any,
    *,
    stats: dict[str, Any] | None = None,
    exit: Callable[[int], object] = os._exit,
    reread_after: float = 5.0,
) -> None:
    """Check the faust-streaming version, then install every patch on `app`.

    Call it once the agents and tables are registered (the partition check is patched per
    table) and before the worker starts. `stats["delivery"]` receives the delivery counters.
    """
    from pipeline.faust_fixes import delivery, metadata, offsets

    check_faust_version()
    offsets.install(app, reread_after=reread_after)
    delivery.install(app, stats if stats is not None else {}, exit=exit)
    metadata.install(app)
