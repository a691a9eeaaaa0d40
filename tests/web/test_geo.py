"""Unit tests of pipeline.web.geo: theatre files → simplified, projected SVG paths."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pipeline.web import geo

PATH_RE = re.compile(r"^(M-?[\d.]+ -?[\d.]+l(-?[\d.]+ -?[\d.]+ ?)+z)+$")


def test_simplify_keeps_ends_and_drops_collinear_points() -> None:
    line = [(0.0, 0.0), (1.0, 0.01), (2.0, 0.0), (3.0, 5.0), (4.0, 0.0)]
    out = geo.simplify(line, 0.1)
    assert out[0] == line[0] and out[-1] == line[-1]
    assert (1.0, 0.01) not in out
    assert (3.0, 5.0) in out
    assert geo.simplify(line, 0) == line


def test_simplify_ring_never_degenerates() -> None:
    ring = [(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0), (0.0, 0.0)]
    out = geo.simplify_ring(ring, 100.0)
    assert len(out) >= 3


def test_ring_to_path_relative_and_rounded() -> None:
    d = geo.ring_to_path([(0.04, 0.0), (10.0, 0.0), (10.0, 10.26), (0.0, 10.0)], precision=1)
    assert d == "M0 0l10 0 0 10.3 -10 -0.3z"
    # Rounded absolute coordinates first: the relative steps add up exactly.
    assert geo.ring_to_path([(0, 0), (0.01, 0), (0.02, 0)], precision=1) == ""


def test_projection_fits_width_and_flips_y() -> None:
    proj = geo.Projection.fit((60.0, 29.0, 75.0, 39.0), 1000)
    x0, y0 = proj(60.0, 39.0)
    x1, y1 = proj(75.0, 29.0)
    assert (x0, y0) == (0.0, 0.0)
    assert x1 == pytest.approx(1000.0)
    assert y1 == pytest.approx(proj.height)
    assert 0 < proj.height < 1000  # cos(latitude) widens nothing, shortens x


def test_afghanistan_theatre_has_all_provinces_and_districts() -> None:
    g = geo.theatre_geo("afghanistan")
    assert g is geo.theatre_geo("afghanistan")  # cached
    provinces = g["layers"]["provinces"]
    districts = g["layers"]["districts"]
    assert len(provinces) == 34
    assert len(districts) == 399
    assert g["levels"] == {"provinces": "adm1", "districts": "adm2"}
    by_code = {p["pcode"]: p for p in provinces}
    assert by_code["AF02"]["name"] == "Kapisa"
    assert by_code["AF30"]["name"] == "Hilmand"
    assert {"AF27", "AF34"} <= set(by_code)
    assert all(d["parent"] == d["pcode"][:4] for d in districts)
    width, height = g["width"], g["height"]
    assert g["viewBox"] == f"0 0 {width} {height}"
    for feature in provinces + districts:
        assert PATH_RE.match(feature["d"]), feature["pcode"]
        assert 0 <= feature["cx"] <= width and 0 <= feature["cy"] <= height
    assert "CC BY-IGO 3.0" in g["attribution"]


def test_alias_and_json_bytes_are_small() -> None:
    body = geo.theatre_geo_json("AFG")
    data = json.loads(body)
    assert data["theatre"] == "afghanistan"
    assert len(body) < 600_000
    assert len(geo.theatre_geo_json_gzip("AFG")) < 150_000
    assert geo.default_theatre() == "afghanistan"


@pytest.mark.parametrize("name", ["nowhere", "../etc", "", "a/b"])
def test_unknown_theatre(name: str) -> None:
    with pytest.raises(geo.UnknownTheatre):
        geo.load_theatre_spec(name)


def test_a_new_theatre_is_only_data(tmp_path: Path) -> None:
    """Another theatre draws from its own files, with no code for it."""
    theatres, boundaries = tmp_path / "theatres", tmp_path / "boundaries"
    theatres.mkdir()
    boundaries.mkdir()
    square = [[[30.0, 50.0], [31.0, 50.0], [31.0, 51.0], [30.0, 51.0], [30.0, 50.0]]]
    hole = [[30.4, 50.4], [30.6, 50.4], [30.6, 50.6], [30.4, 50.6], [30.4, 50.4]]
    multi = [[[[32.0, 50.0], [33.0, 50.0], [33.0, 51.0], [32.0, 50.0]]], [[*square[0]], hole]]
    features = [
        {
            "type": "Feature",
            "properties": {"code": "XX01", "label": "One"},
            "geometry": {"type": "Polygon", "coordinates": square},
        },
        {
            "type": "Feature",
            "properties": {"code": "XX02", "label": "Two"},
            "geometry": {"type": "MultiPolygon", "coordinates": multi},
        },
        {
            "type": "Feature",
            "properties": {"label": "no code"},
            "geometry": {"type": "Polygon", "coordinates": square},
        },
    ]
    (boundaries / "x.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features})
    )
    (theatres / "xland.json").write_text(
        json.dumps(
            {
                "id": "xland",
                "aliases": ["XXX"],
                "width": 300,
                "layers": [
                    {"name": "regions", "file": "x.geojson", "code": "code", "label": "label"}
                ],
            }
        )
    )
    spec = geo.load_theatre_spec("XXX", theatres)
    g = geo.build_geo(spec, boundaries)
    assert [f["pcode"] for f in g["layers"]["regions"]] == ["XX01", "XX02"]
    assert g["width"] == 300
    two = g["layers"]["regions"][1]["d"]
    assert two.count("M") == 3  # triangle, square and its hole
    spec["layers"][0]["file"] = "../x.geojson"
    with pytest.raises(ValueError):
        geo.build_geo(spec, boundaries)
