"""The pure step behind the normalize agent: validation, routing keys, rejections."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest

from pipeline.extract import engine, extract
from pipeline.normalize import dlq_headers, event_key, ledger_record, normalize
from schemas import Actor, Article, Evidence, Place, TerritorialControlEvent, WithdrawalEvent

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def one_event(article: Article) -> list[WithdrawalEvent | TerritorialControlEvent]:
    return [
        TerritorialControlEvent(
            event_id=f"{article.article_id}:1",
            article_id=article.article_id,
            actor=Actor(name="Taliban", code="TALIBAN", kind="armed_group"),
            location=Place(name="Kandahar", kind="province", country="AFG", adm1="AF27"),
            evidence=Evidence(text=article.body[:5], start=0, end=5),
            change="contest",
        )
    ]


def boom(article: Article) -> list[WithdrawalEvent | TerritorialControlEvent]:
    raise RuntimeError("extractor bug")


def run(raw: bytes, extractor=one_event):  # type: ignore[no-untyped-def]
    return normalize(raw, extractor=extractor, received_at=NOW, max_bytes=1000)


def test_valid_article_yields_keyed_records() -> None:
    out = run(b'{"id": "a1", "body": "Fighting in Kandahar."}')
    assert out.ok and out.article_id == "a1"
    (rec,) = out.records
    assert rec.stream == "territorial_control"
    assert rec.key == b"AF27"  # the province: the place's row and its activity windows
    assert orjson.loads(rec.value)["event_id"] == "a1:1"


def test_withdrawal_key_is_the_actor_code() -> None:
    ev = WithdrawalEvent(
        event_id="e",
        article_id="a",
        actor=Actor(name="France", code="FRA", kind="state"),
        evidence=Evidence(text="x", start=0, end=1),
        status="announced",
    )
    assert event_key(ev) == b"FRA"


def test_control_events_of_one_province_share_a_key() -> None:
    def control(place: Place) -> TerritorialControlEvent:
        return TerritorialControlEvent(
            event_id=f"e-{place.name}",
            article_id="a",
            actor=Actor(name="Taliban", code="TALIBAN", kind="armed_group"),
            location=place,
            evidence=Evidence(text="x", start=0, end=1),
            change="gain",
        )

    district = Place(name="Spin Boldak", kind="district", country="AFG", adm1="AF27", adm2="AF2709")
    city = Place(name="Kandahar", kind="city", country="AFG", adm1="AF27")
    unmapped = Place(name="Nowhere", kind="city", country="SYR")
    # One partition for every place of the province: the control agent updates the place's
    # row and the province's activity windows together.
    assert event_key(control(district)) == event_key(control(city)) == b"AF27"
    assert event_key(control(unmapped)) == unmapped.key.encode()


def test_each_kind_of_bad_input_is_rejected_with_its_stage_and_class() -> None:
    cases = {
        b"": ("decode", "EmptyPayload"),
        b"x" * 1001: ("decode", "PayloadTooLarge"),
        b"\xff\xfe": ("decode", "InvalidUtf8"),
        b"{nope": ("decode", "InvalidJson"),
        b"[1, 2]": ("validate", "NotAnObject"),
        b'{"body": 1}': ("validate", "ValidationError"),
        b'{"a":' * 40 + b"1" + b"}" * 40: ("validate", "TooDeep"),
    }
    for raw, (stage, cls) in cases.items():
        out = run(raw)
        assert out.rejection is not None, raw[:20]
        assert (out.rejection.stage, out.rejection.error_class) == (stage, cls), raw[:20]
        assert out.records == []


def test_an_extractor_crash_becomes_a_rejection_not_an_exception() -> None:
    out = run(b'{"id": "a2", "body": "text"}', extractor=boom)
    assert out.rejection is not None
    assert out.rejection.stage == "extract" and out.rejection.error_class == "RuntimeError"
    assert out.article_id == "a2"


def test_a_crash_in_the_real_extractor_is_a_dead_letter_not_an_article_without_events(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The extractor the agent uses, with a bug in its engine: no catch-all turns it into [].
    def broken(article: Article) -> list[WithdrawalEvent | TerritorialControlEvent]:
        raise KeyError("no such actor: " + "x" * 5000)

    monkeypatch.setattr(engine, "run", broken)
    with pytest.raises(KeyError):
        extract(Article(id="a3", body="France withdraws its troops."))
    out = run(b'{"id": "a3", "body": "France withdraws its troops."}', extractor=extract)
    assert out.rejection is not None and out.records == [] and out.digest is None
    assert (out.rejection.stage, out.rejection.error_class) == ("extract", "KeyError")
    headers = dict(
        dlq_headers(out.rejection, failed_at=NOW, topic="articles", partition=0, offset=3)
    )
    assert headers["error.stage"] == b"extract" and headers["error.class"] == b"KeyError"
    assert headers["error.message"].startswith(b"'no such actor: xxx")
    assert len(headers["error.message"]) == 2000  # bounded
    entry = orjson.loads(
        ledger_record(out, topic="articles", partition=0, offset=3, processed_at=NOW)
    )
    assert entry["outcome"] == "dlq" and entry["error_class"] == "KeyError"
    assert entry["article_id"] == "a3" and entry["event_ids"] == []


def test_dlq_headers_and_ledger_say_where_and_why() -> None:
    out = run(b"{nope")
    assert out.rejection is not None
    headers = dict(
        dlq_headers(out.rejection, failed_at=NOW, topic="articles", partition=1, offset=7)
    )
    assert headers["error.class"] == b"InvalidJson"
    assert headers["error.stage"] == b"decode"
    assert headers["source.offset"] == b"7"
    entry = orjson.loads(
        ledger_record(out, topic="articles", partition=1, offset=7, processed_at=NOW)
    )
    assert entry["outcome"] == "dlq" and entry["source_offset"] == 7


def test_unsupported_language_and_markup_bodies_are_rejected_with_advice() -> None:
    ps = run(b'{"body": "\\u0637\\u0627\\u0644\\u0628\\u0627\\u0646", "language": "ps"}')
    assert ps.rejection is not None and ps.rejection.error_class == "UnsupportedLanguage"
    assert "supported: en" in ps.rejection.message
    html = orjson.dumps({"body": "<div><p class='x'>Taliban</p><script>var a=1;</script></div>"})
    out = run(html)
    assert out.rejection is not None and out.rejection.error_class == "MarkupBody"
    # A stray comparison sign is not markup.
    assert run(b'{"body": "Troops < 400 remain, a > b."}').ok


def test_republishing_is_harmless_but_reusing_an_id_for_new_text_is_rejected() -> None:
    seen: dict[str, str] = {}
    first = normalize(
        b'{"id": "dup", "body": "one"}',
        extractor=one_event,
        received_at=NOW,
        max_bytes=1000,
        seen_digest=seen.get,
    )
    assert first.ok and first.digest
    seen["dup"] = first.digest
    again = normalize(
        b'{"id": "dup", "body": "one"}',
        extractor=one_event,
        received_at=NOW,
        max_bytes=1000,
        seen_digest=seen.get,
    )
    assert again.ok and [r.event_id for r in again.records] == [r.event_id for r in first.records]
    other = normalize(
        b'{"id": "dup", "body": "two"}',
        extractor=one_event,
        received_at=NOW,
        max_bytes=1000,
        seen_digest=seen.get,
    )
    assert other.rejection is not None and other.rejection.error_class == "DuplicateId"


def test_an_undated_article_gets_the_ingestion_time_as_its_last_resort_reference() -> None:
    seen: list[Article] = []

    def capture(article: Article) -> list[WithdrawalEvent | TerritorialControlEvent]:
        seen.append(article)
        return []

    run(b'{"body": "no date here"}', extractor=capture)
    run(b'{"body": "dated", "published_at": "2021-07-12"}', extractor=capture)
    assert seen[0].ingested_at == NOW
    assert seen[1].ingested_at is None  # published_at is the reference
