"""The linguistic layer: a dependency parse of the sentences that can carry an event.

The model is Frontline's own (trained by ``make model`` from the UD English treebanks; UD
labels: ``nsubj``, ``nsubj:pass``, ``obj``, ``obl:agent``, ``appos``, ``acl:relcl``...).
It is loaded once per process and only sentences with a trigger are parsed. Which lemmas
count as verbs of saying, modals or attempts is data (``pipeline/data/syntax.json``).
"""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Token

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
MODEL_DIR = DATA_DIR / "parser"
log = logging.getLogger(__name__)

_SUBJ = ("nsubj", "csubj")
_SUBJ_PASS = ("nsubj:pass", "csubj:pass")
# dependents of a noun phrase that describe it rather than name who it is
_NOT_CORE = ("appos", "acl", "acl:relcl", "parataxis", "punct", "advcl", "dep", "list")


@dataclass(frozen=True, slots=True)
class Roles:
    """Who does what in one trigger's clause, as character spans into the article body."""

    agent: tuple[int, int] | None  # the doer: subject, or the by-agent of a passive
    agent_head: tuple[int, int] | None
    patient: tuple[int, int] | None  # what is taken / left: object, or passive subject
    passive: bool
    negated: bool
    hypothetical: bool  # modal, conditional, attempt, threat, plan not yet carried out
    speaker: tuple[int, int] | None  # subject of a verb of saying that governs the trigger
    speech_lemma: str | None
    conditional: bool = False  # under "if", "unless", "whether"
    modal: str | None = None  # the modal auxiliary of the verb chain ("could", "would")
    intent: bool = False  # under a verb of intent or attempt ("threatened to", "plans to")
    pronoun_agent: bool = False  # the doer is "we", "I", "you": a speaker the parse cannot name
    backdrop: bool = False  # in an "after"/"once"/"when" clause: a time frame, not the news


@lru_cache(maxsize=1)
def lexicon() -> dict[str, frozenset[str]]:
    with open(DATA_DIR / "syntax.json", encoding="utf-8") as fh:
        raw: dict[str, Any] = json.load(fh)
    return {k: frozenset(v) for k, v in raw.items() if not k.startswith("_")}


@lru_cache(maxsize=1)
def model() -> Language | None:
    """The committed parser, or None (with one warning) when it is not installed."""
    if not (MODEL_DIR / "meta.json").exists():
        log.warning("no parser model in %s (run `make model`): syntax-free fallback", MODEL_DIR)
        return None
    import spacy

    return spacy.load(MODEL_DIR)


def available() -> bool:
    return model() is not None


_CACHE_SIZE = 4096
_cache: OrderedDict[str, Doc] = OrderedDict()


def _remember(text: str, doc: Doc) -> None:
    _cache[text] = doc
    if len(_cache) > _CACHE_SIZE:
        _cache.popitem(last=False)


def parse(text: str) -> Doc | None:
    """The parse of one sentence (remembered: a sentence is parsed once per process)."""
    doc = _cache.get(text)
    if doc is not None:
        _cache.move_to_end(text)
        return doc
    nlp = model()
    if nlp is None:
        return None
    doc = nlp(text)
    _remember(text, doc)
    return doc


def parse_many(texts: list[str]) -> dict[str, Doc]:
    """Parse sentences in one batch (several times faster than one at a time). The batch is
    exactly these sentences, never a cached parse from another batch: an article's parses
    depend on the article alone, so a replayed article yields the same events."""
    nlp = model()
    if nlp is None:
        return {}
    todo = list(dict.fromkeys(texts))
    return dict(zip(todo, nlp.pipe(todo, batch_size=64), strict=True))


def clear_cache() -> None:
    _cache.clear()


def token_at(doc: Doc, offset: int) -> Token | None:
    """The token covering character ``offset`` of the parsed text."""
    for tok in doc:
        if tok.idx <= offset < tok.idx + max(len(tok.text), 1):
            return tok
    return None


def _core_span(head: Token) -> tuple[int, int]:
    """The phrase a noun heads, without appositions, relative clauses and the like."""
    toks = [head]
    stack = [c for c in head.children if c.dep_ not in _NOT_CORE]
    while stack:
        t = stack.pop()
        # "X, backed by Y": a participle modifier is not part of who X is
        if (
            t.dep_ in ("acl", "amod")
            and t.tag_ == "VBN"
            and any(c.dep_ in ("obl", "obl:agent") for c in t.children)
        ):
            continue
        toks.append(t)
        stack.extend(c for c in t.children if c.dep_ not in _NOT_CORE)
    lo = min(t.idx for t in toks)
    hi = max(t.idx + len(t.text) for t in toks)
    return lo, hi


def _children(tok: Token, *deps: str) -> list[Token]:
    return [c for c in tok.children if c.dep_ in deps]


def _subject(verb: Token) -> tuple[Token | None, bool]:
    """The subject of a verb, climbing through coordination and control ("began to take")."""
    cur: Token | None = verb
    hops = 0
    while cur is not None and hops < 4:
        s = _children(cur, *_SUBJ)
        if s:
            return s[0], False
        sp = _children(cur, *_SUBJ_PASS)
        if sp:
            return sp[0], True
        if cur.dep_ == "xcomp" and cur.head is not cur:
            objs = _children(cur.head, "obj", "iobj")
            if objs:
                return objs[0], False  # "ordered the families to leave": the object leaves
        if cur.dep_ in ("conj", "xcomp") and cur.head is not cur:
            cur = cur.head
            hops += 1
            continue
        break
    return None, False


def _by_agent(verb: Token) -> Token | None:
    for c in verb.children:
        if c.dep_ == "obl:agent":
            return c
        if c.dep_ == "obl" and any(g.lower_ == "by" and g.dep_ == "case" for g in c.children):
            return c
    return None


def _is_passive(verb: Token) -> bool:
    return bool(_children(verb, "aux:pass", *_SUBJ_PASS)) or (
        verb.tag_ == "VBN" and verb.dep_ in ("acl", "amod") and _by_agent(verb) is not None
    )


def roles(doc: Doc, trigger: Token, base: int) -> Roles:
    """The roles around a trigger token; ``base`` maps the doc's offsets to the body's."""
    lx = lexicon()
    verb = trigger
    # a nominal trigger ("the capture of X by Y", "took control of X") works through its verb
    if (
        verb.tag_.startswith("NN")
        and verb.dep_ in ("obj", "obl", "nmod")
        and verb.head.lemma_.lower() in lx["light_verbs"]
    ):
        verb = verb.head
    passive = _is_passive(verb)
    agent_tok: Token | None
    patient_tok: Token | None
    if passive:
        agent_tok = _by_agent(verb)
        subj, _ = _subject(verb)
        patient_tok = subj
    else:
        subj, subj_passive = _subject(verb)
        agent_tok = None if subj_passive else subj
        objs = _children(verb, "obj") or _children(trigger, "obj")
        patient_tok = objs[0] if objs else None
    speaker: Token | None = None
    speech: str | None = None
    # reported speech: "X said (that) Y took Z", "Y took Z, X said"
    gov = verb
    for _ in range(3):
        head = gov.head
        if gov.dep_ in ("ccomp", "parataxis", "xcomp") and head.lemma_.lower() in lx["say_verbs"]:
            s = _children(head, *_SUBJ)
            speaker = s[0] if s else None
            speech = head.lemma_.lower()
            break
        if gov.dep_ not in ("conj", "xcomp") or head is gov:
            break
        gov = head
    if speaker is None:
        for c in verb.children:
            if c.dep_ == "parataxis" and c.lemma_.lower() in lx["say_verbs"]:
                s = _children(c, *_SUBJ)
                speaker = s[0] if s else None
                speech = c.lemma_.lower()
    # "fighters who seized the town": the relative pronoun stands for the noun it modifies
    if (
        agent_tok is not None
        and agent_tok.lower_ in lx["relative_pronouns"]
        and verb.dep_ == "acl:relcl"
    ):
        agent_tok = verb.head
    # a pronoun agent inside reported speech is the speaker ("rebels said they had taken")
    if agent_tok is not None and agent_tok.tag_ == "PRP" and speaker is not None:
        agent_tok = speaker
    negated = _negated(verb) or (verb is not trigger and _negated(trigger))
    conditional, modal, intent = _mood(verb)
    hypothetical = conditional or modal is not None or intent

    def span(t: Token | None) -> tuple[int, int] | None:
        if t is None:
            return None
        lo, hi = _core_span(t)
        return base + lo, base + hi

    return Roles(
        agent=span(agent_tok),
        agent_head=(base + agent_tok.idx, base + agent_tok.idx + len(agent_tok.text))
        if agent_tok is not None
        else None,
        patient=span(patient_tok),
        passive=passive,
        negated=negated,
        hypothetical=hypothetical,
        conditional=conditional,
        modal=modal,
        intent=intent,
        pronoun_agent=agent_tok is not None and agent_tok.lower_ in lx["speaker_pronouns"],
        backdrop=any(c.dep_ == "mark" and c.lower_ in lx["time_marks"] for c in verb.children),
        speaker=span(speaker),
        speech_lemma=speech,
    )


def _negated(tok: Token) -> bool:
    lx = lexicon()
    return any(c.dep_ == "advmod" and c.lower_ in lx["negators"] for c in tok.children) or any(
        c.dep_ in ("aux", "aux:pass") and any(g.lower_ in lx["negators"] for g in c.children)
        for c in tok.children
    )


def _mood(verb: Token) -> tuple[bool, str | None, bool]:
    """(conditional, modal, intent) of a verb and the chain that governs it: "if X takes",
    "could fall", "threatened to seize"."""
    lx = lexicon()
    conditional, modal, intent = False, None, False
    cur: Token = verb
    for _ in range(4):
        perfect = any(c.dep_ == "aux" and c.lemma_.lower() == "have" for c in cur.children)
        for c in cur.children:
            # "may have seized" hedges a report of what happened; "may seize" is a forecast
            if c.dep_ == "aux" and c.lower_ in lx["modal_aux"] and modal is None and not perfect:
                modal = c.lower_
            if c.dep_ == "mark" and c.lower_ in lx["conditional_marks"]:
                conditional = True
        if cur.dep_ == "xcomp" and cur.head.lemma_.lower() in lx["intent_verbs"]:
            intent = True
        if cur.dep_ == "advcl" and any(c.dep_ == "mark" and c.lower_ == "to" for c in cur.children):
            intent = True  # "brought fighters in order to control the town": a purpose
        if cur.dep_ in ("xcomp", "conj", "ccomp") and cur.head is not cur:
            cur = cur.head
            continue
        break
    return conditional, modal, intent


def sentence_roles(
    text: str, base: int, offset: int, parsed: dict[str, Doc] | None = None
) -> Roles | None:
    """Parse ``text`` (a sentence starting at body offset ``base``; ``parsed`` holds parses
    made in advance) and read the roles of the trigger that covers body offset ``offset``.
    None without a model or a token there."""
    doc = parsed.get(text) if parsed is not None else None
    if doc is None:
        doc = parse(text)
    if doc is None:
        return None
    tok = token_at(doc, offset - base)
    if tok is None:
        return None
    return roles(doc, tok, base)
