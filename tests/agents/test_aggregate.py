"""Tables end to end on the real broker: synthetic events -> worker -> HTTP, topics, CLI.

Events are published directly to the event topics, keyed as production keys them
(`pipeline.normalize.event_key`, `serialize_event`), so the extractor plays no part.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pipeline import topics as T
from pipeline.broker.clients import make_producer
from pipeline.client import FrontlineClient, load_read_model
from pipeline.config import PROJECT_ROOT, Settings, settings_env
from pipeline.normalize import event_key, serialize_event
from pipeline.readmodel import EVENT_ID_HEADER
from schemas.common import Actor, ClaimStatus, Evidence, Place
from schemas.events import TerritorialControlEvent, WithdrawalEvent
from schemas.rows import BOOKKEEPING_FIELDS
from tests.conftest import WorkerProcess

pytestmark = pytest.mark.integration

TALIBAN = Actor(name="Taliban", code="TALIBAN", kind="armed_group")
AFG_FORCES = Actor(name="Afghan forces", code="AFG-FORCES", kind="state_forces")
USA = Actor(name="United States", code="USA", kind="state")
FRA = Actor(name="France", code="FRA", kind="state")
KANDAHAR = Place(name="Kandahar", kind="province", country="AFG", adm1="AF33")
KANDAHAR_CITY = Place(
    name="Kandahar city", kind="district", country="AFG", adm1="AF33", adm2="AF3301"
)
KAPISA = Place(name="Kapisa", kind="province", country="AFG", adm1="AF02")
HELMAND = Place(name="Helmand", kind="province", country="AFG", adm1="AF30")
AFGHANISTAN = Place(name="Afghanistan", kind="country", country="AFG")
SHARE = Place(name="Afghanistan", kind="territory_share", country="AFG")


def control_event(
    event_id: str,
    place: Place,
    actor: Actor,
    change: str,
    day: str,
    claim: str = "reported",
    *,
    source: str = "Reuters",
    counter: Actor | None = None,
    share: float | None = None,
) -> TerritorialControlEvent:
    return TerritorialControlEvent(
        event_id=event_id,
        article_id=f"a-{event_id}",
        source=source,
        published_at=day,
        event_date=date.fromisoformat(day),
        date_precision="day",
        actor=actor,
        location=place,
        claim_status=ClaimStatus(claim),
        claimant=actor if claim == "claimed" else None,
        counter_actor=counter,
        change=change,
        territory_share_percent=share,
        evidence=Evidence(text=f"evidence of {event_id}", start=0, end=10),
    )


def withdrawal_event(
    event_id: str, actor: Actor, status: str, day: str, **slots: Any
) -> WithdrawalEvent:
    return WithdrawalEvent(
        event_id=event_id,
        article_id=f"a-{event_id}",
        source="AP",
        published_at=day,
        event_date=date.fromisoformat(day),
        date_precision="day",
        actor=actor,
        location=AFGHANISTAN,
        claim_status=ClaimStatus.REPORTED,
        status=status,
        evidence=Evidence(text=f"evidence of {event_id}", start=0, end=10),
        **slots,
    )


def publish(
    settings: Settings, events: Iterable[TerritorialControlEvent | WithdrawalEvent]
) -> None:
    producer = make_producer(settings)
    try:
        for ev in events:
            base = T.EVENTS_WITHDRAWAL if ev.event_type == "withdrawal" else T.EVENTS_CONTROL
            producer.send(
                T.topic_name(settings, base), key=event_key(ev), value=serialize_event(ev)
            ).get(timeout=30)
    finally:
        producer.close(timeout=10)


def get(url: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def wait_until(
    check: Callable[[], bool],
    what: str,
    timeout: float = 30.0,
    workers: Iterable[WorkerProcess] = (),
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.3)
    logs = "\n".join(w.log() for w in workers)
    raise AssertionError(f"timed out waiting for {what}\n{logs}")


def http_rows(worker: WorkerProcess, table: str, query: str = "") -> dict[str, dict[str, Any]]:
    status, body = get(f"{worker.url}/api/{table}?limit=500{query}")
    assert status == 200, body
    key = {"control": "place_key", "withdrawals": "key", "claims": "actor_code"}[table]
    return {row[key]: row for row in body["items"]}


# ---------------------------------------------------------------------------- scenario

# Kandahar: captured by the Taliban (07-10), recaptured by Afghan forces (07-20) —
# published recapture first; the capture is reported twice (same event id: re-published
# article) and once more by another outlet the next day (a duplicate report).
E_CAPTURE = control_event("k1", KANDAHAR, TALIBAN, "gain", "2021-07-10", counter=AFG_FORCES)
E_RECAPTURE = control_event(
    "k2", KANDAHAR, AFG_FORCES, "gain", "2021-07-20", "confirmed", counter=TALIBAN
)
E_CAPTURE_AGAIN = control_event(
    "k1b", KANDAHAR, TALIBAN, "gain", "2021-07-11", source="BBC", counter=AFG_FORCES
)
# Kapisa: the Taliban claim it (08-01), then it is confirmed (08-02).
E_CLAIM = control_event("p1", KAPISA, TALIBAN, "gain", "2021-08-01", "claimed")
E_CONFIRM = control_event("p2", KAPISA, TALIBAN, "gain", "2021-08-02", "confirmed")
# Helmand: held by Afghan forces (confirmed); a Taliban claim does not overwrite it.
E_HOLD = control_event("h1", HELMAND, AFG_FORCES, "hold", "2021-07-01", "confirmed")
E_HELMAND_CLAIM = control_event("h2", HELMAND, TALIBAN, "gain", "2021-07-05", "claimed")
# Share of territory: 85% claimed (07-23); an older 50% claim arrives later.
E_SHARE = control_event("s1", SHARE, TALIBAN, "hold", "2021-07-23", "claimed", share=85)
E_SHARE_OLD = control_event("s0", SHARE, TALIBAN, "hold", "2021-06-01", "claimed", share=50)
# Withdrawals: USA ongoing 90% (07-06) published before the announcement (04-14).
W_ONGOING = withdrawal_event(
    "u2", USA, "ongoing", "2021-07-06", percent_complete=90, deadline=date(2021, 8, 31)
)
W_ANNOUNCED = withdrawal_event(
    "u1", USA, "announced", "2021-04-14", troops=2500, deadline=date(2021, 9, 11)
)
W_FRANCE = withdrawal_event("f1", FRA, "completed", "2012-11-20", troops=400)

SCENARIO: list[TerritorialControlEvent | WithdrawalEvent] = [
    E_RECAPTURE,
    E_CAPTURE,
    E_CAPTURE,  # re-published article: same event id
    E_CAPTURE_AGAIN,
    E_CLAIM,
    E_CONFIRM,
    E_HELMAND_CLAIM,
    E_HOLD,
    E_SHARE,
    E_SHARE_OLD,
    W_ONGOING,
    W_ANNOUNCED,
    W_ANNOUNCED,
    W_FRANCE,
]
# Moves the watermark of group AF33 past the July windows (another place, same province).
E_LATER = control_event("k9", KANDAHAR_CITY, TALIBAN, "contest", "2021-10-01")


def check_control(rows: dict[str, dict[str, Any]]) -> None:
    assert set(rows) >= {"AF33", "AF02", "AF30"}
    kandahar = rows["AF33"]
    assert kandahar["status"] == "controlled"
    assert kandahar["controller"]["code"] == "AFG-FORCES"
    assert kandahar["since"] == "2021-07-20"
    assert kandahar["claim_status"] == "confirmed"
    assert kandahar["reports"] == 3  # k1, k1b, k2 (k1 twice counts once)
    assert kandahar["events"] == 2  # k1 and k1b are one happening
    assert kandahar["sources"]["names"] == ["BBC", "Reuters"]
    assert [h["controller"] for h in kandahar["history"]] == ["TALIBAN", "AFG-FORCES"]
    assert kandahar["evidence"]["event_id"] == "k2"
    kapisa = rows["AF02"]
    assert (kapisa["status"], kapisa["controller"]["code"]) == ("controlled", "TALIBAN")
    assert (kapisa["claim_status"], kapisa["since"]) == ("confirmed", "2021-08-02")
    helmand = rows["AF30"]
    assert (helmand["status"], helmand["controller"]["code"]) == ("controlled", "AFG-FORCES")
    assert helmand["pending_claim"]["actor"]["code"] == "TALIBAN"
    for row in rows.values():
        assert "observations" not in row and "event_ids" not in row


def check_withdrawals(rows: dict[str, dict[str, Any]]) -> None:
    usa = rows["USA:AFG"]  # one row per actor and country left
    assert usa["status"] == "ongoing" and usa["status_date"] == "2021-07-06"
    assert usa["percent_complete"] == 90
    assert usa["deadline"] == "2021-08-31"
    assert usa["troops"] == 2500
    assert (usa["first_event_date"], usa["last_event_date"]) == ("2021-04-14", "2021-07-06")
    assert (usa["reports"], usa["events"]) == (2, 2)
    assert rows["FRA:AFG"]["status"] == "completed" and rows["FRA:AFG"]["troops"] == 400
    assert (usa["actor_code"], usa["country"]) == ("USA", "AFG")


def check_claims(rows: dict[str, dict[str, Any]]) -> None:
    taliban = rows["TALIBAN"]
    assert taliban["territory_share_percent"] == 85
    assert taliban["event_date"] == "2021-07-23"
    assert taliban["claim_status"] == "claimed"
    assert taliban["claimant"]["code"] == "TALIBAN"
    assert [c["territory_share_percent"] for c in taliban["history"]] == [50, 85]


def settled(worker: WorkerProcess) -> bool:
    try:
        control = http_rows(worker, "control")
        withdrawals = http_rows(worker, "withdrawals")
        claims = http_rows(worker, "claims")
    except OSError:
        return False
    return (
        sum(r["reports"] for r in control.values()) == 7
        and sum(r["reports"] for r in withdrawals.values()) == 3
        and sum(r["reports"] for r in claims.values()) == 2
    )


def cli_json(settings: Settings, *args: str) -> Any:
    return json.loads(cli_text(settings, "tables", *args, "--json"))


def cli_text(settings: Settings, *args: str) -> str:
    env = {**os.environ, **settings_env(settings)}
    out = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def get_text(url: str) -> tuple[str, str]:
    with urllib.request.urlopen(url, timeout=30) as resp:
        return resp.headers.get("Content-Type", ""), resp.read().decode("utf-8")


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


def test_tables_over_http_topics_and_cli(
    settings: Settings, start_worker: Callable[[Settings], WorkerProcess]
) -> None:
    worker = start_worker(settings)
    publish(settings, SCENARIO)
    wait_until(lambda: settled(worker), "the tables to settle", workers=[worker])

    # HTTP
    control = http_rows(worker, "control")
    check_control(control)
    check_withdrawals(http_rows(worker, "withdrawals"))
    check_claims(http_rows(worker, "claims"))
    status, row = get(f"{worker.url}/api/control/AF33")
    assert status == 200 and row == control["AF33"]
    status, body = get(f"{worker.url}/api/control/AF99")
    assert status == 404 and body["param"] == "place_key"
    status, usa = get(f"{worker.url}/api/withdrawals/USA:AFG")
    assert status == 200 and usa["percent_complete"] == 90
    status, taliban = get(f"{worker.url}/api/claims/TALIBAN")
    assert status == 200 and taliban["territory_share_percent"] == 85

    # filters, pagination, as-of
    # actor matches the controller, the contender or a pending claim
    assert set(http_rows(worker, "control", "&actor=TALIBAN")) == {"AF02", "AF30"}
    assert set(http_rows(worker, "control", "&status=controlled&since=2021-07-15")) == {
        "AF33",
        "AF02",
    }
    _, page = get(f"{worker.url}/api/control?limit=2")
    assert page["total"] == 3 and len(page["items"]) == 2 and page["next_cursor"]
    _, rest = get(f"{worker.url}/api/control?cursor={page['next_cursor']}")
    assert [r["place_key"] for r in page["items"] + rest["items"]] == ["AF02", "AF30", "AF33"]
    _, as_of = get(f"{worker.url}/api/control?as_of=2021-07-15")
    then = {r["place_key"]: r for r in as_of["items"]}
    assert set(then) == {"AF30", "AF33"}  # Kapisa had no state yet
    assert then["AF33"]["controller"]["code"] == "TALIBAN" and then["AF33"]["since"] == "2021-07-10"
    for bad, param in [
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("country=afghanistan", "country"),
        ("since=yesterday", "since"),
        ("as_of=2021-13-01", "as_of"),
        ("colour=red", "colour"),
        ("cursor=notbase64!!", "cursor"),
    ]:
        status, body = get(f"{worker.url}/api/control?{bad}")
        assert status == 400 and body["param"] == param, (bad, body)
    status, body = get(f"{worker.url}/api/activity?spec=control-30d&limit=abc")
    assert status == 400 and body["param"] == "limit"

    # status
    status, st = get(f"{worker.url}/api/status")
    assert status == 200
    assert st["counts"]["control"] == 3 and st["counts"]["withdrawals"] == 2
    assert st["last_event_at"] and st["last_table_update_at"] and st["now"]

    # activity: window [07-10, 08-09) of Kandahar holds 2 happenings in 3 reports; an event
    # dated 2021-10-01 in the same province moves the watermark: the window becomes final.
    def window() -> dict[str, Any] | None:
        _, body = get(f"{worker.url}/api/activity?spec=control-30d&group=AF33&limit=500")
        found = [w for w in body["items"] if w["window_start"] == "2021-07-10"]
        return found[0] if found else None

    wait_until(lambda: window() is not None, "the Kandahar window")
    assert (window() or {})["count"] == 2 and (window() or {})["reports"] == 3
    publish(settings, [E_LATER])
    wait_until(lambda: bool((window() or {}).get("final")), "the window's final record")
    final = window() or {}
    assert final["closed"] is True and final["count"] == 2 and final["reports"] == 3

    # Kafka: the compacted topics rebuild the same rows (python client)
    client = FrontlineClient(settings)
    model = load_read_model(settings)
    assert model.snapshot("control") == http_rows(worker, "control")
    assert model.snapshot("withdrawals") == http_rows(worker, "withdrawals")
    assert model.snapshot("claims") == http_rows(worker, "claims")
    assert client.read_table("withdrawals")["USA:AFG"].percent_complete == 90
    # activity: one record per group (all its windows) or per closed window, read back as
    # the same window rows the worker serves
    _, served = get(f"{worker.url}/api/activity?spec=control-30d&group=AF33&limit=500")
    rebuilt = model.list_page("activity", {"spec": "control-30d", "group": "AF33", "limit": "500"})
    assert rebuilt == served and served["total"] > 30
    for r in client.stream("tables.activity"):
        assert isinstance(r.value, dict) and ("windows" in r.value or r.value.get("final"))
    # Each row change names the event behind it, and no row carries the reducers' id lists.
    published = {e.event_id for e in [*SCENARIO, E_LATER]}
    for table in ("control", "withdrawals", "claims", "activity"):
        records = list(client.stream(f"tables.{table}"))
        assert records, table
        for r in records:
            assert r.headers.get(EVENT_ID_HEADER, b"").decode() in published, (table, r.headers)
            assert isinstance(r.value, dict) and not BOOKKEEPING_FIELDS & set(r.value)

    # CLI: the same pages as HTTP
    for table in ("control", "withdrawals", "claims"):
        _, body = get(f"{worker.url}/api/{table}")
        assert cli_json(settings, table) == body
    _, body = get(f"{worker.url}/api/control?as_of=2021-07-15")
    assert cli_json(settings, "control", "--as-of", "2021-07-15") == body
    _, body = get(f"{worker.url}/api/activity?spec=control-30d&group=AF33")
    assert cli_json(settings, "activity", "--spec", "control-30d", "--group", "AF33") == body

    # Exports read back: control rows as GeoJSON features, events as CSV, the CLI's the same.
    media, text = get_text(f"{worker.url}/api/control.geojson")
    assert media.startswith("application/geo+json")
    doc = json.loads(text)
    assert doc["type"] == "FeatureCollection"
    features = {f["id"]: f for f in doc["features"]}
    assert set(features) == set(http_rows(worker, "control"))
    kandahar = features["AF33"]["properties"]
    assert (kandahar["status"], kandahar["controller_code"]) == ("controlled", "AFG-FORCES")
    assert kandahar["event_id"] == "k2" and kandahar["date_basis"] == "published_at"
    assert cli_text(settings, "export", "control", "--format", "geojson") == text
    media, text = get_text(f"{worker.url}/api/events.csv")
    assert media.startswith("text/csv")
    events = list(csv.DictReader(io.StringIO(text, newline="")))
    assert sorted(e["event_id"] for e in events) == sorted(published)  # once each
    capture = next(e for e in events if e["event_id"] == "k1")
    assert (capture["event_type"], capture["sub_event_type"]) == ("territorial_control", "gain")
    assert (capture["actor1_code"], capture["actor2_code"]) == ("TALIBAN", "AFG-FORCES")
    assert capture["event_date"] == "2021-07-10" and capture["admin1"] == "AF33"
    # (CSV lines end in CRLF; the subprocess reads its output in text mode)
    assert cli_text(settings, "export", "events") == text.replace("\r\n", "\n")
    _, only = get_text(f"{worker.url}/api/events.csv?type=withdrawal")
    assert len(list(csv.DictReader(io.StringIO(only, newline="")))) == 3
    status, body = get(f"{worker.url}/api/events.csv?colour=red")
    assert status == 400 and body["param"] == "colour"

    # Re-publishing everything changes nothing.
    before = {t: http_rows(worker, t) for t in ("control", "withdrawals", "claims")}
    publish(settings, [E_CAPTURE, E_CONFIRM, W_ONGOING])
    time.sleep(2.0)
    assert {t: http_rows(worker, t) for t in ("control", "withdrawals", "claims")} == before


def test_two_workers_answer_identically(
    settings: Settings, start_worker: Callable[[Settings], WorkerProcess], tmp_path: Path
) -> None:
    first = start_worker(settings.model_copy(update={"worker_datadir": tmp_path / "w1"}))
    second_settings = Settings(
        **{
            **settings.model_dump(),
            "web_port": _free_port(),
            "worker_datadir": tmp_path / "w2",
        }
    )
    second = start_worker(second_settings)
    publish(settings, SCENARIO)
    wait_until(lambda: settled(first) and settled(second), "both workers to settle", 45)
    for table in ("control", "withdrawals", "claims"):
        assert http_rows(first, table) == http_rows(second, table)
    check_control(http_rows(second, "control"))
    check_withdrawals(http_rows(first, "withdrawals"))
    check_claims(http_rows(second, "claims"))
    _, a = get(f"{first.url}/api/activity?spec=control-30d&limit=500")
    _, b = get(f"{second.url}/api/activity?spec=control-30d&limit=500")
    assert a == b and a["total"] > 0


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_restart_recovers_identical_tables(
    settings: Settings, start_worker: Callable[[Settings], WorkerProcess]
) -> None:
    worker = start_worker(settings)
    publish(settings, SCENARIO)
    wait_until(lambda: settled(worker), "the tables to settle", workers=[worker])
    before = {t: http_rows(worker, t) for t in ("control", "withdrawals", "claims")}
    worker.stop()

    again = start_worker(settings)
    wait_until(lambda: settled(again), "the restarted read side", workers=[again])
    assert {t: http_rows(again, t) for t in ("control", "withdrawals", "claims")} == before
    # The Faust tables came back from their changelogs: new events build on them, replays
    # of old ones change nothing.
    contest = control_event("k3", KANDAHAR, TALIBAN, "contest", "2021-07-25", counter=AFG_FORCES)
    publish(settings, [E_CAPTURE, contest])
    wait_until(
        lambda: http_rows(again, "control")["AF33"]["reports"] == 4,
        "the new event on the recovered row",
        workers=[again],
    )
    kandahar = http_rows(again, "control")["AF33"]
    assert (kandahar["status"], kandahar["controller"]["code"]) == ("contested", "AFG-FORCES")
    assert kandahar["contender"]["code"] == "TALIBAN" and kandahar["events"] == 3


def test_archive_replayed_after_recent_news_still_counts_in_activity(
    settings: Settings, start_worker: Callable[[Settings], WorkerProcess]
) -> None:
    """Regression: a per-partition watermark dropped 2012 reports once 2021 news had passed."""
    one_partition = settings.model_copy(update={"topic_partitions": 1})
    worker = start_worker(one_partition)
    publish(
        one_partition,
        [
            withdrawal_event("us-2021", USA, "ongoing", "2021-07-12", percent_complete=90),
            withdrawal_event("fr-2012", FRA, "ongoing", "2012-11-20", troops=400),
        ],
    )

    def groups() -> set[str]:
        _, body = get(f"{worker.url}/api/activity?spec=withdrawals-month&limit=500")
        return {w["group"] for w in body.get("items", [])}

    wait_until(lambda: groups() == {"FRA", "USA"}, "both eras in activity", workers=[worker])
