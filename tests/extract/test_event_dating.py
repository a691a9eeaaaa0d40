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


_LEDE_ARTICLE = (
    "July 20, 2017\n\nIraq: the army closes in on Tal Afar\n\n"
    "Iraqi Prime Minister Haider al-Abadi visited Mosul on {lede_day}, to congratulate the "
    "armed forces. Officials expect a new offensive soon.\n\n"
    "The Islamic State still controls Tal Afar. US troops are withdrawing from Qayyarah air "
    "base. Iraqi forces recaptured Sinjar."
)


def _lede_events(lede_day: str) -> dict[str, dict[str, Any]]:
    art = Article(
        id="t",
        body=_LEDE_ARTICLE.format(lede_day=lede_day),
        published_at="2017-07-20",
        title="Iraq: the army closes in on Tal Afar",
    )
    out = [e.model_dump(mode="json") for e in extract(art)]
    return {(e.get("status") or e.get("change")): e for e in out}


def test_undated_present_tense_statement_takes_the_lede_date() -> None:
    by = _lede_events("Sunday, July 9")
    assert (by["hold"]["event_date"], by["hold"]["date_precision"]) == ("2017-07-09", "day")
    assert by["ongoing"]["event_date"] == "2017-07-09"
    # a past-tense statement is not re-dated to the lede
    assert by["gain"]["event_date"] == "2017-07-20"


def test_lede_date_after_publication_or_long_before_is_not_the_narrative_date() -> None:
    by = _lede_events("Monday, July 24")  # after publication: a plan, not the story's day
    assert by["hold"]["event_date"] == "2017-07-20"
    by = _lede_events("9 January 2017")  # more than 120 days before
    assert by["hold"]["event_date"] == "2017-07-20"


def test_a_later_update_does_not_move_the_articles_own_weekdays() -> None:
    from pipeline.extract import extract
    from schemas import Article

    text = (
        "Taliban fighters took the Warduj district of Badakhshan on Thursday, officials said.\n\n"
        "Update, Thursday, November 5: the army said the fighting had ended."
    )
    events = extract(Article(id="t", body=text, published_at="2015-10-03"))
    assert [str(e.event_date) for e in events] == ["2015-10-01"]
