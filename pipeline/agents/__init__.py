"""Faust agents and web views: thin adapters over the pure code."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.app import Runtime

# Each module exposes register(runtime) -> None.
AGENT_MODULES = ("normalize", "health", "tables", "readside", "map", "watchdog", "heap")


def register_all(runtime: Runtime) -> None:
    for name in AGENT_MODULES:
        importlib.import_module(f"pipeline.agents.{name}").register(runtime)
