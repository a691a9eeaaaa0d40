from pipeline.evaluate import match_item, score, slot_results


def _g(**kw):  # gold/pred helper
    base = {
        "event_type": "withdrawal",
        "actor": {"code": "USA"},
        "location": {
            "name": "Afghanistan",
            "kind": "country",
            "country": "AFG",
            "adm1": None,
            "adm2": None,
        },
    }
    base.update(kw)
    return base


def test_actor_also_and_kind_also() -> None:
    gold = _g(actor={"code": "NATO"}, actor_also=["ISAF"])
    pairs, fps, misses = match_item([_g(actor={"code": "ISAF"})], [gold])
    assert pairs == [(0, 0)] and not fps and not misses
    gold2 = _g(
        location={"kind": "territory_share", "country": "AFG"}, location_kind_also=["country"]
    )
    assert match_item([_g()], [gold2])[0] == [(0, 0)]


def test_pcode_precision_adm1_vs_adm2() -> None:
    gold = _g(location={"kind": "province", "country": "AFG", "adm1": "AF02", "adm2": None})
    pred = _g(location={"kind": "district", "country": "AFG", "adm1": "AF02", "adm2": "AF0205"})
    assert match_item([pred], [gold])[0] == [(0, 0)]
    gold2 = _g(location={"kind": "city", "country": "AFG", "adm1": "AF19", "adm2": "AF1901"})
    pred2 = _g(location={"kind": "province", "country": "AFG", "adm1": "AF19", "adm2": None})
    assert match_item([pred2], [gold2])[0] == []


def test_optional_neither_required_nor_fp() -> None:
    rep = score([("a", [_g()], [_g(optional=True)]), ("b", [], [_g(optional=True)])])
    assert (rep.overall.tp, rep.overall.fp, rep.overall.fn) == (0, 0, 0)


def test_one_to_one_matching() -> None:
    rep = score([("a", [_g(), _g()], [_g()])])
    assert (rep.overall.tp, rep.overall.fp, rep.overall.fn) == (1, 1, 0)


def test_slots_at_gold_precision() -> None:
    gold = _g(status="announced", deadline="2012-12", claim_status="confirmed", troops=400)
    res = slot_results(
        {
            "status": "announced",
            "deadline": "2012-12-31",
            "claim_status": "confirmed",
            "troops": 400,
        },
        gold,
    )
    assert res == {"status": True, "deadline": True, "claim_status": True, "troops": True}
    assert slot_results({"deadline": "2013-01-01"}, _g(deadline="2012"))["deadline"] is False
    assert slot_results({"status": "completed"}, _g(status="ongoing", status_also=["completed"]))[
        "status"
    ]
