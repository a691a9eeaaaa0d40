"""Reducer of table `control` (key: Place.key): who controls each place, by event time.

Semantics, applied to the place's events sorted by (event_date, claim strength, event_id):

- gain / handover / hold, confirmed or reported -> `controlled` by the actor;
- gain / handover / hold, claimed or disputed -> `claimed` by the actor, unless the place is
  currently `controlled` (a claim alone never overwrites confirmed/reported control): the
  claim is then kept as `pending_claim` and the state is unchanged;
- contest, confirmed or reported -> `contested` (the controller stays; the actor becomes the
  contender); a claimed/disputed contest of a controlled place is only a pending claim.

A country's or province's controller comes only from a statement about the whole unit: a
statement about part of it ("large parts of Helmand", "several towns in Ukraine", "Syrian
towns", a country the sentence does not even name) goes to a region-level row of its own,
keyed `<unit key>~part` (`part_statement`), never to the unit's row.

An event dated only by its article's ingestion time (`date_basis` `ingestion`) counts as a
report, but never replaces a state that rests on a dated report; it can set the state of a
place nothing dated is known about, and the row says so (`date_basis`).

Because the state is re-folded from the retained observations on every event, the final row
does not depend on arrival order: an old article arriving late does not overwrite newer
knowledge. Observations beyond MAX_CONTROL_OBSERVATIONS are folded into `base`; an event older
than `base` is counted (reports, sources) but cannot change the state (`stale_reports`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from pipeline.tables._common import (
    STRENGTH,
    WEAK_CLAIMS,
    AnyEvent,
    NotApplicableError,
    add_source,
    clip,
    count_happening,
    effective_date,
    remember,
)
from pipeline.tables.dedup import fallback_happening_id
from schemas.common import Actor, ClaimStatus, DateBasis, Place, PlaceKind
from schemas.events import ControlChange, PlaceScope, TerritorialControlEvent
from schemas.rows import (
    MAX_CONTROL_HISTORY,
    MAX_CONTROL_OBSERVATIONS,
    MAX_EVENT_IDS,
    PART_SUFFIX,
    ControlClaim,
    ControlObservation,
    ControlRow,
    ControlState,
    ControlStatus,
    ControlTransition,
    EvidenceRef,
    SlotRef,
    SourceTally,
)


def accepts(event: AnyEvent) -> bool:
    """Territorial-control events located at a mappable place (not a territory share)."""
    return (
        isinstance(event, TerritorialControlEvent)
        and event.location is not None
        and event.location.kind != PlaceKind.TERRITORY_SHARE
    )


# Units whose controller needs a statement about the whole unit.
_UNITS = frozenset({PlaceKind.COUNTRY, PlaceKind.PROVINCE})
_DIRECTIONS = (
    r"(?:north|south|east|west|central|northern|southern|eastern|western"
    r"|north-?eastern|north-?western|south-?eastern|south-?western)"
)
# Wordings of "part of the unit". They are searched in the whole sentence: a sentence that
# speaks of towns or parts of somewhere is not a statement about a whole country or province.
_PART_CUES = re.compile(
    r"(?i:\b(?:parts?|much|most|swaths?|swathes|areas?|towns?|villages?|districts"
    r"|territory|territories|pockets?|portions?|half|outskirts|sections?|stretches|chunks?"
    r"|corners?|settlements?|positions|outposts|bases|cities)"
    r"\s+(?:of|in|across|throughout|around|near|inside|within|along)\b"
    r"|\b(?:several|many|some|numerous|dozens|scores|hundreds|a\s+number|a\s+string"
    r"|a\s+series|a\s+handful|a\s+few|two|three|four|five|six|seven|eight|nine|ten|\d+)"
    r"\s+(?:[\w-]+\s+){0,2}?(?:towns|villages|districts|cities|areas|positions|settlements"
    r"|outposts|bases|checkpoints)\b)"
    r"|\b[A-Z][a-z]+(?:an|ian|ese|i|ish)\s+(?:towns?|villages?|cities|districts?|areas?"
    r"|territory|territories|soil|positions|border)\b"
    r"|(?i:\b(?:percent|per\s+cent)\b)|%"
    rf"|\b(?i:{_DIRECTIONS})\s+(?=[A-Z])"
    rf"|(?i:\b{_DIRECTIONS}\s+(?:regions?|parts?|areas?|provinces?|districts?|border|front))"
    rf"|(?i:\bthe\s+{_DIRECTIONS}\s+of\b)"
)
# A country-level statement naming provinces or regions speaks of them, not of the whole
# country; at the province level the same words list the provinces themselves.
_COUNTRY_PART_CUES = re.compile(r"(?i:\b(?:provinces|regions|oblasts|governorates)\b)")
# Changes that make a controller; a contest leaves the controller as it was, so fighting
# in part of a unit is the unit contested.
_CONTROLLING = frozenset({ControlChange.GAIN, ControlChange.HOLD, ControlChange.HANDOVER})


def part_statement(event: TerritorialControlEvent) -> bool:
    """Whether a country- or province-level gain, hold or handover speaks of only part of
    that unit.

    The event's `place_scope`, when the extractor sets it, decides. Otherwise the evidence
    decides: a wording of "part of" anywhere in the sentence (a percentage included), or,
    for a country, a sentence that does not name it, or names it only in the possessive
    ("people fled Mariupol", "Mosul, Iraq's second city" are no statements about the
    country). Events counting places ("two of six districts") keep their own partial
    handling in the unit's row."""
    place = event.location
    if place is None or place.kind not in _UNITS or event.change not in _CONTROLLING:
        return False
    if event.place_scope is not None:
        return event.place_scope == PlaceScope.PART
    if event.place_count is not None:
        return False
    name = re.compile(rf"\b{re.escape(place.name)}\b", re.IGNORECASE)
    # The place's own name is no cue ("South Sudan", "North Waziristan").
    text = name.sub("Placename", event.evidence.text)
    if _PART_CUES.search(text):
        return True
    if place.kind != PlaceKind.COUNTRY:
        return False
    # Named only in the possessive ("Mosul, Iraq's second city", "Syria's territory"), the
    # country qualifies something else.
    named = re.search(r"Placename(?!['’]s\b)", text) is not None
    return not named or _COUNTRY_PART_CUES.search(text) is not None


def part_place(unit: Place) -> Place:
    """The region-level place of statements about part of `unit`."""
    return Place(
        name=f"Parts of {unit.name}",
        kind=PlaceKind.REGION,
        country=unit.country,
        adm1=unit.adm1,
        lat=unit.lat,
        lon=unit.lon,
    )


def table_key(event: AnyEvent) -> str:
    if not accepts(event):
        raise NotApplicableError(f"event {event.event_id} does not feed table control")
    assert isinstance(event, TerritorialControlEvent) and event.location is not None
    if part_statement(event):
        return event.location.key + PART_SUFFIX
    return event.location.key


def _is_ingestion(basis: DateBasis) -> bool:
    return basis == DateBasis.INGESTION


def _observation(
    event: TerritorialControlEvent, day: date, happening_id: str
) -> ControlObservation:
    return ControlObservation(
        event_id=event.event_id,
        happening_id=happening_id,
        event_date=day,
        strength=STRENGTH[event.claim_status],
        change=event.change,
        claim_status=event.claim_status,
        actor=event.actor,
        counter_actor=event.counter_actor,
        claimant=event.claimant,
        article_id=event.article_id,
        source=event.source,
        published_at=event.published_at,
        evidence_text=clip(event.evidence.text),
        partial=event.place_count is not None
        and event.change in (ControlChange.HOLD, ControlChange.GAIN),
        date_basis=event.date_basis,
    )


def _code(actor: object) -> str | None:
    return getattr(actor, "code", None)


# Enum members as module constants: a member lookup on the class goes through a descriptor,
# and the fold does several per step.
_CONTROLLED = ControlStatus.CONTROLLED
_CONTESTED = ControlStatus.CONTESTED
_CLAIMED = ControlStatus.CLAIMED
_CONTEST = ControlChange.CONTEST


@dataclass(slots=True)
class _Fold:
    """ControlState while folding: plain attributes, no validation per step (a place re-folds
    up to MAX_CONTROL_OBSERVATIONS observations per event; pydantic models per step made the
    control table the worker's costliest stage). `pending` is a ControlClaim from the base, or
    the observation that made the claim, turned into one only at the end."""

    status: ControlStatus
    controller: Actor | None
    contender: Actor | None
    claim_status: ClaimStatus
    since: date
    as_of: tuple[date, int, str]
    determining_event_id: str
    pending: ControlClaim | ControlObservation | None = None
    partial_holder: bool = False
    date_basis: DateBasis = DateBasis.PUBLISHED_AT

    @classmethod
    def of(cls, state: ControlState) -> _Fold:
        return cls(
            state.status,
            state.controller,
            state.contender,
            state.claim_status,
            state.since,
            state.as_of.key(),
            state.determining_event_id,
            state.pending_claim,
            state.partial_holder,
            state.date_basis,
        )

    def signature(self) -> tuple[ControlStatus, str | None, str | None]:
        return (self.status, _code(self.controller), _code(self.contender))

    def state(self) -> ControlState:
        pending = self.pending
        if isinstance(pending, ControlObservation):
            pending = ControlClaim(
                actor=pending.actor,
                claimant=pending.claimant,
                change=pending.change,
                claim_status=pending.claim_status,
                event_date=pending.event_date,
                event_id=pending.event_id,
            )
        event_date, rank, event_id = self.as_of
        return ControlState(
            status=self.status,
            controller=self.controller,
            contender=self.contender,
            claim_status=self.claim_status,
            since=self.since,
            as_of=SlotRef(event_date=event_date, rank=rank, event_id=event_id),
            determining_event_id=self.determining_event_id,
            pending_claim=pending,
            partial_holder=self.partial_holder,
            date_basis=self.date_basis,
        )


def _step(state: _Fold | None, obs: ControlObservation) -> _Fold:
    """Fold one observation into the state (observations arrive in event-time order); the
    state is the fold's own and is changed in place."""
    weak = obs.claim_status in WEAK_CLAIMS
    as_of = (obs.event_date, obs.strength, obs.event_id)
    if state is not None and _is_ingestion(obs.date_basis) and not _is_ingestion(state.date_basis):
        # Its date is only when the article was read: it cannot say what came after a
        # dated report. Counted as a report, the state unchanged.
        state.as_of = as_of
        return state
    if weak and state is not None and state.status == _CONTROLLED:
        state.as_of = as_of
        if obs.change != _CONTEST and _code(state.controller) == obs.actor.code:
            return state  # the controller's own claim to what it already holds: nothing new
        state.pending = obs
        return state

    if obs.partial:
        # Holding part of a place does not make its holder the controller of the whole.
        if state is not None and state.controller is not None:
            state.as_of = as_of
            if _code(state.controller) != obs.actor.code:
                state.contender = obs.actor
                state.partial_holder = True
            return state
        return _Fold(
            _CONTESTED,
            obs.counter_actor,
            obs.actor,
            obs.claim_status,
            obs.event_date,
            as_of,
            obs.event_id,
            None,
            True,
            obs.date_basis,
        )

    controller: Actor | None
    contender: Actor | None
    partial_holder = False
    if obs.change == _CONTEST:
        status = _CONTESTED
        if state is not None and state.controller is not None:
            controller = state.controller
        else:
            controller = obs.counter_actor
        contender = obs.actor
    else:
        status = _CLAIMED if weak else _CONTROLLED
        controller = obs.actor
        contender = None
        # A partial holder stays the contender unless it now holds the place itself.
        if (
            state is not None
            and state.partial_holder
            and state.contender is not None
            and state.contender.code != obs.actor.code
        ):
            contender = state.contender
            partial_holder = True

    same = (
        state is not None
        and state.status == status
        and _code(state.controller) == _code(controller)
    )
    since = state.since if same and state is not None else obs.event_date
    return _Fold(
        status,
        controller,
        contender,
        obs.claim_status,
        since,
        as_of,
        obs.event_id,
        None,
        partial_holder,
        obs.date_basis,
    )


def _fold(
    base: ControlState | None, observations: list[ControlObservation]
) -> tuple[ControlState | None, list[ControlTransition]]:
    state = _Fold.of(base) if base is not None else None
    transitions: list[ControlTransition] = []
    for obs in observations:
        before = state.signature() if state is not None else None
        state = _step(state, obs)
        after = state.signature()
        if after != before:
            transitions.append(
                ControlTransition(
                    event_date=obs.event_date,
                    strength=obs.strength,
                    event_id=obs.event_id,
                    status=state.status,
                    controller=after[1],
                    contender=after[2],
                    change=obs.change,
                    claim_status=obs.claim_status,
                    date_basis=obs.date_basis,
                )
            )
    return (state.state() if state is not None else None), transitions


def apply(
    row: ControlRow | None,
    event: AnyEvent,
    *,
    happening_id: str | None = None,
    today: date | None = None,
) -> ControlRow:
    """Apply one territorial-control event to the place's row; return the new row.

    `happening_id` comes from the dedup registry (`DedupDecision.happening_id`); without it
    an exact-date fingerprint is used. `today` is only used for events with neither
    event_date nor published_at. Re-applying an event_id already seen returns `row` itself.
    """
    if not accepts(event):
        raise NotApplicableError(f"event {event.event_id} does not feed table control")
    assert isinstance(event, TerritorialControlEvent) and event.location is not None
    key = table_key(event)
    part_of = event.location.key if key.endswith(PART_SUFFIX) else None
    if row is not None and row.place_key != key:
        raise ValueError(f"row key {row.place_key!r} does not match the event's {key!r}")
    if row is not None and (
        event.event_id in row.event_ids
        or any(o.event_id == event.event_id for o in row.observations)
    ):
        return row

    day = effective_date(event, today)
    hid = happening_id or fallback_happening_id(event, day)
    obs = _observation(event, day, hid)

    base = row.base if row is not None else None
    observations = list(row.observations) if row is not None else []
    stale = row.stale_reports if row is not None else 0
    # Transitions at or before the base's horizon come from evicted observations: frozen.
    frozen = [
        h
        for h in (row.history if row is not None else [])
        if base is not None and h.key() <= base.as_of.key()
    ]
    if base is not None and obs.key() <= base.as_of.key():
        stale += 1  # older than the retained horizon: counted, cannot be re-folded
    else:
        observations.append(obs)
        observations.sort(key=ControlObservation.key)
    if len(observations) > MAX_CONTROL_OBSERVATIONS:
        evicted = observations[:-MAX_CONTROL_OBSERVATIONS]
        observations = observations[-MAX_CONTROL_OBSERVATIONS:]
        base, evicted_transitions = _fold(base, evicted)
        frozen += evicted_transitions

    state, transitions = _fold(base, observations)
    assert state is not None
    history = (frozen + transitions)[-MAX_CONTROL_HISTORY:]

    determining = next((o for o in observations if o.event_id == state.determining_event_id), None)
    if determining is not None:
        evidence = EvidenceRef(
            event_id=determining.event_id,
            article_id=determining.article_id,
            source=determining.source,
            published_at=determining.published_at,
            event_date=determining.event_date,
            claim_status=determining.claim_status,
            text=determining.evidence_text,
            date_basis=determining.date_basis,
        )
    else:
        assert row is not None
        evidence = row.evidence

    latest_obs = max(observations, key=ControlObservation.key) if observations else obs
    located = part_place(event.location) if part_of is not None else event.location
    place = located if row is None or obs.key() >= latest_obs.key() else row.place
    first = min(day, row.first_event_date) if row is not None else day
    last = max(day, row.last_event_date) if row is not None else day
    happening_ids, events = count_happening(
        row.happening_ids if row is not None else None, row.events if row is not None else 0, hid
    )

    return ControlRow(
        place_key=key,
        place=place,
        country=place.country,
        adm1=place.adm1,
        part_of=part_of,
        status=state.status,
        controller=state.controller,
        contender=state.contender,
        claim_status=state.claim_status,
        date_basis=state.date_basis,
        since=state.since,
        first_event_date=first,
        last_event_date=last,
        pending_claim=state.pending_claim,
        evidence=evidence,
        reports=(row.reports if row is not None else 0) + 1,
        events=events,
        sources=add_source(row.sources if row is not None else SourceTally(), event.source),
        history=history,
        observations=observations,
        base=base,
        stale_reports=stale,
        event_ids=remember(row.event_ids if row is not None else [], event.event_id, MAX_EVENT_IDS),
        happening_ids=happening_ids,
    )


def state_as_of(row: ControlRow, day: date) -> ControlTransition | None:
    """The place's (status, controller) as of the end of `day`, from the bounded history;
    None when the history holds nothing up to that day."""
    found: ControlTransition | None = None
    for transition in row.history:
        if transition.event_date <= day:
            found = transition
        else:
            break
    return found
