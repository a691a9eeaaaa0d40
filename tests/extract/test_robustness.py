"""On hostile input extract() returns events that hold to the contract, and never hangs
(the time limits are hang guards)."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.extract import extract
from schemas import Article, parse_event


@pytest.fixture(autouse=True, scope="module")
def _loaded() -> None:
    """Knowledge and the parser load once per process: time the extraction, not the load."""
    extract(Article(id="warm", body="Rebels seized the town of Goma.", published_at="2012-11-20"))


def _checked(body: str) -> tuple[float, int]:
    """Seconds extract() took and events found; fails unless each event holds to the contract."""
    if not body.strip() or "\x00" in body:
        body = "x" + body.replace("\x00", " ") + "x"
    text = body[:200_000]
    t0 = time.perf_counter()
    events = extract(Article(id="h", body=text, published_at="2021-08-10"))
    dt = time.perf_counter() - t0
    for e in events:
        assert parse_event(e.model_dump_json()) == e  # what the worker publishes parses back
        assert e.article_id == "h"
        assert 0 <= e.evidence.start < e.evidence.end <= len(text)
        assert text[e.evidence.start : e.evidence.end] == e.evidence.text
    assert len({e.event_id for e in events}) == len(events)
    return dt, len(events)


def _run(body: str) -> float:
    return _checked(body)[0]


def test_the_checks_see_events() -> None:
    _, found = _checked("The Taliban captured Kandahar as US troops withdrew from Kabul.")
    assert found >= 1


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=3000))
def test_arbitrary_unicode_yields_valid_events_quickly(text: str) -> None:
    assert _run(text) < 2.0


WORDS = st.sampled_from(
    [
        "the",
        "Taliban",
        "captured",
        "seized",
        "withdraw",
        "troops",
        "from",
        "Kandahar",
        "Kabul",
        "province",
        "district",
        "U.S.",
        "NATO",
        "will",
        "may",
        "not",
        "by",
        "end",
        "of",
        "August",
        "2014",
        "1,500",
        "two",
        "out",
        "of",
        "six",
        "85%",
        "control",
        "fell",
        "to",
        ",",
        ".",
        ";",
        "–",
        "Tagab",
        "Kapisa",
        "İstanbul",
        "ﬁ",
        "\u200b",
        "\u202e",
        "Ω",
        "insurgents",
        "handed",
        "over",
        "security",
    ]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(WORDS, max_size=400))
def test_trigger_soup_yields_valid_events_quickly(words: list[str]) -> None:
    assert _run(" ".join(words)) < 2.0


def test_huge_and_pathological_inputs_are_fast() -> None:
    sentence = "The Taliban captured Kandahar and Helmand as troops withdraw from Kabul. "
    assert _run(sentence * (200_000 // len(sentence))) < 10.0
    assert _run(("the troops withdraw from " + "Kandahar, ") * 8000) < 10.0  # one endless sentence
    junk = bytes(range(256)).decode("latin-1") * 700
    assert _run(junk) < 5.0
    assert _run("(" * 50_000 + "Reuters" + ")" * 50_000) < 5.0
    assert _run("\u0130" * 100_000) < 5.0
