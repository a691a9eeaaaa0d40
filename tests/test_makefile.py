"""Every make target the Makefile declares has a rule."""

from __future__ import annotations

import re

from pipeline.config import PROJECT_ROOT


def test_every_declared_phony_target_has_a_rule() -> None:
    text = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    declared = {t for line in re.findall(r"^\.PHONY:(.*)$", text, re.M) for t in line.split()}
    rules = set(re.findall(r"^([\w.-]+):(?!=)", text, re.M))
    assert declared, "no .PHONY line found"
    assert declared - rules == set()
