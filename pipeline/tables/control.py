"""Reducer of table `control` (key: Place.key): who controls each place, by event time.

Semantics, applied to the place's events sorted by (event_date, claim strength, event_id):

- gain / handover / hold, confirmed or reported -> `controlled` by the actor;
- gain / handover / hold, claimed or disputed -> `claimed` by the actor, unless the place is
  currently `controlled` (a claim alone never overwrites confirmed/reported control): the
  claim is then kept as `pending_claim` and the state is unchanged;
- contest, confirmed or reported -> `contested` (the controller stays; the actor becomes the
  contender); a claimed/disputed contest of a controlled place is only a pending claim.

Because the state is re-folded from the retained observations on every event, the final row
does not depend on arrival order: an old article arriving late does not overwrite newer
knowledge. Observations beyond MAX_CONTROL_OBSERVATIONS are folded into `base`; an event older
than `base` is counted (reports, sources) but cannot change the state (`stale_reports`).
"""

from __future__ import annotations

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
from schemas.common import Actor, PlaceKind
from schemas.events import ControlChange, TerritorialControlEvent
from schemas.tables import (
    MAX_CONTROL_HISTORY,
    MAX_CONTROL_OBSERVATIONS,
    MAX_EVENT_IDS,
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


def table_key(event: AnyEvent) -> str:
    if not accepts(event):
        raise NotApplicableError(f"event {event.event_id} does not feed table control")
    assert event.location is not None
    return event.location.key


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
    )


def _code(actor: object) -> str | None:
    return getattr(actor, "code", None)


def _step(state: ControlState | None, obs: ControlObservation) -> ControlState:
    """Fold one observation into the state (observations arrive in event-time order)."""
    weak = obs.claim_status in WEAK_CLAIMS
    as_of = SlotRef(event_date=obs.event_date, rank=obs.strength, event_id=obs.event_id)
    claim = ControlClaim(
        actor=obs.actor,
        claimant=obs.claimant,
        change=obs.change,
        claim_status=obs.claim_status,
        event_date=obs.event_date,
        event_id=obs.event_id,
    )
    controlled = state is not None and state.status == ControlStatus.CONTROLLED
    if weak and controlled:
        assert state is not None
        if obs.change != ControlChange.CONTEST and _code(state.controller) == obs.actor.code:
            # The controller's own claim to what it already holds: nothing new.
            return state.model_copy(update={"as_of": as_of})
        return state.model_copy(update={"as_of": as_of, "pending_claim": claim})

    if obs.partial:
        # Holding part of a place does not make its holder the controller of the whole.
        if state is not None and state.controller is not None:
            if _code(state.controller) == obs.actor.code:
                return state.model_copy(update={"as_of": as_of})
            return state.model_copy(
                update={"contender": obs.actor, "partial_holder": True, "as_of": as_of}
            )
        return ControlState(
            status=ControlStatus.CONTESTED,
            controller=obs.counter_actor,
            contender=obs.actor,
            claim_status=obs.claim_status,
            since=obs.event_date,
            as_of=as_of,
            determining_event_id=obs.event_id,
            partial_holder=True,
        )

    controller: Actor | None
    contender: Actor | None
    partial_holder = False
    if obs.change == ControlChange.CONTEST:
        status = ControlStatus.CONTESTED
        if state is not None and state.controller is not None:
            controller = state.controller
        else:
            controller = obs.counter_actor
        contender = obs.actor
    else:
        status = ControlStatus.CLAIMED if weak else ControlStatus.CONTROLLED
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
    return ControlState(
        status=status,
        controller=controller,
        contender=contender,
        claim_status=obs.claim_status,
        since=since,
        as_of=as_of,
        determining_event_id=obs.event_id,
        pending_claim=None,
        partial_holder=partial_holder,
    )


def _signature(state: ControlState | None) -> tuple[str, str | None, str | None] | None:
    if state is None:
        return None
    return (state.status.value, _code(state.controller), _code(state.contender))


def _fold(
    base: ControlState | None, observations: list[ControlObservation]
) -> tuple[ControlState | None, list[ControlTransition]]:
    state = base
    transitions: list[ControlTransition] = []
    for obs in observations:
        before = _signature(state)
        state = _step(state, obs)
        if _signature(state) != before:
            transitions.append(
                ControlTransition(
                    event_date=obs.event_date,
                    strength=obs.strength,
                    event_id=obs.event_id,
                    status=state.status,
                    controller=_code(state.controller),
                    contender=_code(state.contender),
                    change=obs.change,
                    claim_status=obs.claim_status,
                )
            )
    return state, transitions


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
    key = event.location.key
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
        )
    else:
        assert row is not None
        evidence = row.evidence

    latest_obs = max(observations, key=ControlObservation.key) if observations else obs
    place = event.location if row is None or obs.key() >= latest_obs.key() else row.place
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
        status=state.status,
        controller=state.controller,
        contender=state.contender,
        claim_status=state.claim_status,
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
