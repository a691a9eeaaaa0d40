"""The parse-based reading of a trigger's clause (pipeline.extract.syntax), on sentences of our own."""

from __future__ import annotations

import pytest

from pipeline.extract import syntax


def _roles(sentence: str, trigger: str) -> syntax.Roles:
    at = sentence.index(trigger)
    roles = syntax.sentence_roles(sentence, 0, at)
    assert roles is not None
    return roles


def _text(sentence: str, span: tuple[int, int] | None) -> str:
    assert span is not None
    return sentence[span[0] : span[1]]


def test_the_committed_model_loads_once() -> None:
    assert syntax.available()
    assert syntax.model() is syntax.model()


def test_the_subject_is_the_doer() -> None:
    s = "Rebel fighters seized the airport on Monday."
    r = _roles(s, "seized")
    assert "fighters" in _text(s, r.agent)
    assert "airport" in _text(s, r.patient)
    assert not r.passive and not r.negated and not r.hypothetical


def test_the_by_agent_of_a_passive_is_the_doer() -> None:
    s = "The airport was seized by rebel fighters after a week of fighting."
    r = _roles(s, "seized")
    assert r.passive
    assert "fighters" in _text(s, r.agent)
    assert "airport" in _text(s, r.patient)


def test_a_pronoun_in_reported_speech_is_its_speaker() -> None:
    s = "The rebels said they had captured the port."
    r = _roles(s, "captured")
    assert _text(s, r.agent).lower().endswith("rebels")
    assert r.speech_lemma == "say"


def test_a_relative_clause_is_not_part_of_the_doer() -> None:
    s = "The militia, which is backed by a foreign power, captured the port."
    r = _roles(s, "captured")
    assert "foreign" not in _text(s, r.agent)


@pytest.mark.parametrize(
    ("sentence", "trigger"),
    [
        ("The army did not capture the port.", "capture"),
        ("The army never captured the port.", "captured"),
    ],
)
def test_negation_is_read_from_the_tree(sentence: str, trigger: str) -> None:
    assert _roles(sentence, trigger).negated


@pytest.mark.parametrize(
    ("sentence", "trigger"),
    [
        ("The army could capture the port within days.", "capture"),
        ("The militia threatened to seize the port.", "seize"),
        ("If the army captures the port, the siege will end.", "captures"),
    ],
)
def test_modality_and_conditions_are_hypothetical(sentence: str, trigger: str) -> None:
    assert _roles(sentence, trigger).hypothetical


def test_offsets_are_the_bodys() -> None:
    body = "Heavy fighting went on. Rebel fighters seized the airport."
    start = body.index("Rebel")
    roles = syntax.sentence_roles(body[start:], start, body.index("seized"))
    assert roles is not None and roles.agent is not None
    assert body[roles.agent[0] : roles.agent[1]] == "Rebel fighters"
