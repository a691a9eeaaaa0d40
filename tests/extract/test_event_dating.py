"""When an event happened: causes, announcements and the article's narrative date."""

from __future__ import annotations

from typing import Any

from pipeline.extract import extract
from schemas import Article


def ev(text: str, published_at: str | None = "2021-08-10") -> list[dict[str, Any]]:
    return [
        e.model_dump(mode="json")
        for e in extract(Article(id="t", body=text, published_at=published_at))
    ]


def test_date_in_causal_clause_does_not_date_the_withdrawal() -> None:
    # "after / in response to ... <date>" dates the cause, not the withdrawal
    (e,) = ev(
        "Canada pulled its troops out of Kandahar in response to the March 2011 bombing.",
        "2011-07-07",
    )
    assert e["event_date"] is None or not e["event_date"].startswith("2011-03")
    out = ev(
        "Berlin has said all German soldiers will leave Mali next month. "
        "Berlin decided to speed up its withdrawal after a series of deadly ambushes "
        "in 2020 and 2021.",
        "2022-05-03",
    )
    (e,) = [x for x in out if x["actor"]["code"] == "DEU"]
    assert e["status"] == "announced" and e["deadline"] == "2022-06-30"
    assert e["event_date"] in (None, "2022-05-03")


def test_date_in_causal_clause_does_not_date_the_capture() -> None:
    (e,) = ev("The Taliban captured Nirkh District following the collapse of talks in May.")
    assert e["event_date"] != "2021-05-31"


def test_announcement_is_dated_the_day_it_was_said() -> None:
    (e,) = ev(
        "Oslo says all Norwegian troops will leave Afghanistan by the end of 2012.", "2011-09-02"
    )
    assert e["status"] == "announced"
    assert (e["event_date"], e["date_precision"]) == ("2011-09-02", "day")


def test_year_from_another_sentence_does_not_date_an_announcement() -> None:
    out = ev(
        "Germany will withdraw its troops from Mali next month. "
        "Berlin decided on the withdrawal in 2021.",
        "2022-05-03",
    )
    (e,) = out
    assert e["status"] == "announced" and e["deadline"] == "2022-06-30"
    assert e["event_date"] is None and e["date_precision"] == "unknown"
