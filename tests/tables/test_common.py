"""Helpers shared by the reducers: the UTC day of a clock, the one claim-strength order."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from pipeline.tables import today_from
from pipeline.tables._common import STRENGTH, strength
from schemas.common import CLAIM_STRENGTH, ClaimStatus
from tests.tables.conftest import Factory


def test_today_is_the_utc_date_of_a_clock_in_another_zone() -> None:
    new_york_evening = datetime(2026, 12, 2, 21, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert today_from(lambda: new_york_evening) == date(2026, 12, 3)
    kabul_morning = datetime(2026, 12, 3, 2, 0, tzinfo=timezone(timedelta(hours=4, minutes=30)))
    assert today_from(lambda: kabul_morning) == date(2026, 12, 2)
    assert today_from(lambda: datetime(2026, 12, 2, 23, 59, tzinfo=UTC)) == date(2026, 12, 2)


def test_a_naive_clock_is_refused() -> None:
    with pytest.raises(ValueError):
        today_from(lambda: datetime(2026, 12, 2, 12, 0))


def test_claim_strength_is_confirmed_reported_claimed_disputed_everywhere() -> None:
    order = sorted(ClaimStatus, key=CLAIM_STRENGTH.__getitem__, reverse=True)
    assert order == [
        ClaimStatus.CONFIRMED,
        ClaimStatus.REPORTED,
        ClaimStatus.CLAIMED,
        ClaimStatus.DISPUTED,
    ]
    assert STRENGTH is CLAIM_STRENGTH  # the reducers weigh claims by the contract's order


def test_an_events_strength_follows_its_claim_status(make: Factory) -> None:
    ranks = {s: strength(make.control(f"e-{s}", "2021-08-08", claim=s)) for s in ClaimStatus}
    assert ranks == CLAIM_STRENGTH
