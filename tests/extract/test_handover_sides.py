"""Who hands over: auxiliaries are no side; an implicit giver is the withdrawing side."""

from __future__ import annotations

from typing import Any

from pipeline.extract import extract
from schemas import Article


def ev(text: str) -> list[dict[str, Any]]:
    art = Article(id="t", body=text, published_at="2012-11-20")
    return [e.model_dump(mode="json") for e in extract(art)]


def _handover(out: list[dict[str, Any]]) -> dict[str, Any]:
    (h,) = [e for e in out if e.get("change") == "handover"]
    return h


def test_supporting_troops_are_not_the_side_handing_over() -> None:
    h = _handover(
        ev(
            "Italian troops left Herat province on Tuesday. Kandahar security will now be the "
            "responsibility of Afghan soldiers, supported by 200 American soldiers."
        )
    )
    assert h["actor"]["code"] == "AFG-FORCES"
    assert h["counter_actor"] is None  # not the USA: no one is reported leaving Kandahar


def test_handover_without_giver_takes_the_side_withdrawing_from_that_province() -> None:
    h = _handover(
        ev(
            "Italian troops left Herat province on Tuesday. Herat security will now be the "
            "responsibility of Afghan soldiers, supported by 200 American soldiers."
        )
    )
    assert h["actor"]["code"] == "AFG-FORCES"
    assert h["counter_actor"]["code"] == "ITA"


def test_explicit_giver_kept_when_an_auxiliary_is_named() -> None:
    h = _handover(
        ev("Britain handed over security in Helmand to Afghan forces, alongside US troops.")
    )
    assert (h["actor"]["code"], h["counter_actor"]["code"]) == ("AFG-FORCES", "GBR")
