"""The parse-based reading of a trigger's clause (pipeline.extract.syntax): own sentences."""

from __future__ import annotations

import pytest
from spacy.tokens import Doc

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


def _tokens(sentence: str) -> list[str]:
    return sentence.split()


def _gold_doc(words: list[str], heads: list[int], deps: list[str], tags: list[str]) -> Doc:
    """A hand-parsed sentence: the rules are tested apart from the model's accuracy."""
    model = syntax.model()
    assert model is not None
    return Doc(model.vocab, words=words, heads=heads, deps=deps, tags=tags)


def test_a_relative_clause_and_an_apposition_are_not_part_of_the_doer() -> None:
    words = _tokens("The militia , which a foreign power backs , captured the port .")
    heads = [1, 9, 7, 7, 6, 6, 7, 1, 7, 9, 11, 9, 9]
    deps = ["det", "nsubj", "punct", "obj", "det", "amod", "nsubj", "acl:relcl", "punct",
            "ROOT", "det", "obj", "punct"]  # fmt: skip
    tags = ["DT", "NN", ",", "WDT", "DT", "JJ", "NN", "VBZ", ",", "VBD", "DT", "NN", "."]
    doc = _gold_doc(words, heads, deps, tags)
    r = syntax.roles(doc, doc[9], 0)
    assert r.agent is not None and doc.text[r.agent[0] : r.agent[1]] == "The militia"
    assert r.patient is not None and doc.text[r.patient[0] : r.patient[1]] == "the port"


def test_the_by_agent_of_a_participle_is_not_the_doer() -> None:
    words = _tokens("Kurdish fighters , backed by foreign jets , retook the town .")
    heads = [1, 8, 3, 1, 6, 6, 3, 8, 8, 10, 8, 8]
    deps = ["amod", "nsubj", "punct", "acl", "case", "amod", "obl:agent", "punct", "ROOT",
            "det", "obj", "punct"]  # fmt: skip
    tags = ["JJ", "NNS", ",", "VBN", "IN", "JJ", "NNS", ",", "VBD", "DT", "NN", "."]
    doc = _gold_doc(words, heads, deps, tags)
    r = syntax.roles(doc, doc[8], 0)
    assert r.agent is not None and doc.text[r.agent[0] : r.agent[1]] == "Kurdish fighters"


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
