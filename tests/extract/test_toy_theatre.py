"""A new theatre is new data: a copy of pipeline/data with one more theatre, its state, forces,
an armed group and a curated base — and no code — yields that war's events."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from pipeline.config import PROJECT_ROOT
from tests.conftest import run_python

DATA = PROJECT_ROOT / "pipeline" / "data"

_SCRIPT = """
import json, sys
from pathlib import Path
import pipeline.extract.resources as resources
resources.DATA_DIR = Path(sys.argv[1])
from pipeline.extract import extract
from schemas import Article
body = sys.stdin.read()
events = extract(Article(id="toy", body=body, published_at="2031-03-03"))
print(json.dumps([e.model_dump(mode="json") for e in events]))
"""


def _toy_data(tmp: Path) -> Path:
    data = tmp / "data"
    shutil.copytree(DATA, data, ignore=shutil.ignore_patterns("parser"))
    theatres = json.loads((data / "theatres.json").read_text())
    theatres["theatres"].append(
        {"country": "BOL", "name": "Bolivia", "insurgent": None, "forces": "BOL-FORCES"}
    )
    (data / "theatres.json").write_text(json.dumps(theatres))
    actors = json.loads((data / "actors.json").read_text())
    actors["states"].append(
        {
            "code": "BOL",
            "name": "Bolivia",
            "aliases": ["Bolivia"],
            "demonyms": ["Bolivian"],
            "leaders": [],
            "capitals": ["La Paz"],
        }
    )
    actors["state_forces"].append(
        {"code": "BOL-FORCES", "name": "Bolivian forces", "country": "BOL", "aliases": []}
    )
    actors["armed_groups"].append(
        {
            "code": "TOY-FRONT",
            "name": "Toy Liberation Front",
            "aliases": ["Toy Liberation Front", "TLF"],
            "theatre": "BOL",
        }
    )
    (data / "actors.json").write_text(json.dumps(actors))
    with open(data / "places" / "bol.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["name", "aliases", "kind", "iso3166_2", "capital", "lat", "lon"])
        w.writerow(["Camp Esperanza", "Esperanza base", "base", "", "", "-17.10", "-65.40"])
    return data


@pytest.mark.slow
def test_a_theatre_made_of_data_alone_yields_its_events(tmp_path: Path) -> None:
    data = _toy_data(tmp_path)
    body = (
        "Fighters of the Toy Liberation Front seized Camp Esperanza in Bolivia on Monday, "
        "and Bolivian forces later recaptured the town of Villa Tunari."
    )
    out = run_python(
        _SCRIPT, str(data), stdin=body, env={"FRONTLINE_CACHE_DIR": str(tmp_path / "cache")}
    )
    events = json.loads(out)
    got = {
        (e["actor"]["code"], e["location"]["name"], e["location"]["kind"], e["change"])
        for e in events
    }
    assert ("TOY-FRONT", "Camp Esperanza", "base", "gain") in got, got
    assert ("BOL-FORCES", "Villa Tunari", "city", "gain") in got, got
    base = next(e["location"] for e in events if e["location"]["name"] == "Camp Esperanza")
    assert base["place_id"] == "frontline:bol:camp-esperanza"
    assert (base["lat"], base["lon"]) == (-17.1, -65.4)
