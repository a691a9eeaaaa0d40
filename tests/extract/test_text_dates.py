from datetime import date

from pipeline.extract.dates import find_dateline, find_dates
from pipeline.extract.text import find_numbers, parse_number, split_sentences


def _sents(text: str) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text)]


def test_sentences_keep_abbreviations_together() -> None:
    text = 'U.S. Gen. John Allen said "we will go." The Taliban took Kunduz. Lt. Col. Smith agreed.'
    assert _sents(text) == [
        'U.S. Gen. John Allen said "we will go."',
        "The Taliban took Kunduz.",
        "Lt. Col. Smith agreed.",
    ]


def test_sentences_initials_and_outlet_tail() -> None:
    text = "Army General Christopher T. Donahue leaves Afghanistan. (The Guardian) (Reuters)"
    assert _sents(text) == ["Army General Christopher T. Donahue leaves Afghanistan."]


def test_sentence_offsets_index_body() -> None:
    text = "Headline\n\nFirst one. Second one!\nThird?"
    for a, b in split_sentences(text):
        assert text[a:b].strip() == text[a:b]
    assert _sents(text) == ["Headline", "First one.", "Second one!", "Third?"]


def test_endless_sentence_is_bounded() -> None:
    spans = split_sentences("word " * 5000)
    assert all(b - a <= 2000 for a, b in spans)


def test_numbers() -> None:
    assert parse_number("1,500") == 1500
    assert parse_number("two") == 2
    assert parse_number("five thousand") == 5000
    assert parse_number("33,000") == 33000
    assert parse_number("2850") == 2850
    vals = [v for _, _, v in find_numbers("some 2,850 troops and two out of six districts")]
    assert vals == [2850, 2, 6]


def test_dates_relative_to_reference() -> None:
    ref = date(2012, 11, 20)
    text = "all French combat soldiers will leave next month and NATO troops leave in 2014"
    found = {
        text[d.start : d.end]: (d.value, d.precision) for d in find_dates(text, 0, len(text), ref)
    }
    assert found["next month"] == (date(2012, 12, 31), "month")
    assert found["2014"] == (date(2014, 12, 31), "year")


def test_by_the_end_of_month_and_weekday() -> None:
    ref = date(2021, 9, 19)
    text = "completed by the end of August. He left on Monday, July 12."
    ds = find_dates(text, 0, len(text), ref)
    assert ds[0].value == date(2021, 8, 31) and ds[0].precision == "month" and ds[0].is_by
    assert any(d.value == date(2021, 7, 12) and d.precision == "day" for d in ds)


def test_modal_may_is_not_a_month() -> None:
    text = "The Taliban may capture the city."
    assert find_dates(text, 0, len(text), date(2021, 1, 1)) == []


def test_dateline() -> None:
    assert find_dateline("September 19, 2021\n\nAfghanistan: ...") == date(2021, 9, 19)
    assert find_dateline("No date here") is None


def _spans(text: str, ref: date) -> list[tuple[date, str, bool]]:
    return [(d.value, d.precision, d.is_by) for d in find_dates(text, 0, len(text), ref)]


def test_a_span_ahead_ends_in_a_deadline() -> None:
    ref = date(2023, 5, 10)
    assert _spans("The force will leave within 90 days.", ref) == [(date(2023, 8, 8), "day", True)]
    assert _spans("Over the next three months the troops go home.", ref) == [
        (date(2023, 8, 31), "month", True)
    ]
    assert _spans("They pull out in the coming two weeks.", ref) == [
        (date(2023, 5, 24), "day", True)
    ]


def test_a_span_behind_is_no_date() -> None:
    assert _spans("Fighting over the past three months killed hundreds.", date(2023, 5, 10)) == []


def test_a_date_named_as_the_target_is_a_deadline() -> None:
    assert _spans("They kept to the June 30 date for the pullout.", date(2009, 7, 2)) == [
        (date(2009, 6, 30), "day", True)
    ]


def test_a_time_ago_counts_back_from_the_reference_day() -> None:
    ref = date(2015, 3, 20)
    assert _spans("The group seized the town two weeks ago.", ref) == [
        (date(2015, 3, 6), "day", False)
    ]
    assert _spans("A month ago the army left.", ref) == [(date(2015, 2, 28), "month", False)]


def test_an_open_ended_time_ago_is_no_day() -> None:
    assert _spans("They surrounded it more than a week ago.", date(2015, 3, 20)) == []
