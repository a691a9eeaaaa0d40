"""Country outlines from the committed Natural Earth TopoJSON."""

from __future__ import annotations

import json
import re

import pytest

from pipeline.web import world


def path_bbox(d: str) -> tuple[float, float, float, float]:
    """Extent of an `M x y l dx dy ... z` path (absolute start, relative steps)."""
    xs: list[float] = []
    ys: list[float] = []
    for sub in re.findall(r"M([^z]+)z", d):
        start, _, rest = sub.partition("l")
        x, y = (float(v) for v in start.split())
        xs.append(x)
        ys.append(y)
        numbers = [float(v) for v in rest.split()]
        for dx, dy in zip(numbers[::2], numbers[1::2], strict=True):
            x, y = x + dx, y + dy
            xs.append(x)
            ys.append(y)
    return min(xs), min(ys), max(xs), max(ys)


def project(geo: dict, lon: float, lat: float) -> tuple[float, float]:
    p = geo["projection"]
    return ((lon - p["min_lon"]) * p["kx"] * p["scale"], (p["max_lat"] - lat) * p["scale"])


def test_syria_with_its_neighbours_and_damascus_inside_it():
    geo = json.loads(world.country_geo_json("SYR"))
    assert geo["theatre"] == "SYR" and geo["kind"] == "country" and geo["name"] == "Syria"
    codes = {f["pcode"] for f in geo["layers"]["countries"]}
    assert {"SYR", "TUR", "IRQ", "JOR", "LBN"} <= codes
    assert "USA" not in codes and "Natural Earth" in geo["attribution"]
    syria = next(f for f in geo["layers"]["countries"] if f["pcode"] == "SYR")
    x0, y0, x1, y1 = path_bbox(syria["d"])
    x, y = project(geo, 36.29, 33.51)  # Damascus
    assert x0 <= x <= x1 and y0 <= y <= y1
    assert x0 > 0 and x1 < geo["width"]
    assert y0 > 0 and y1 < geo["height"]


def test_a_huge_neighbour_is_clipped_to_the_view():
    ukraine = json.loads(world.country_geo_json("UKR"))
    russia = next(f for f in ukraine["layers"]["countries"] if f["pcode"] == "RUS")
    x0, _, x1, _ = path_bbox(russia["d"])
    margin = 0.05 * ukraine["width"]
    assert -margin <= x0 and x1 <= ukraine["width"] + margin
    assert len(russia["d"]) < 20_000


def test_world_overview_and_unknown_country():
    geo = json.loads(world.country_geo_json("world"))
    assert geo["kind"] == "world" and len(geo["layers"]["countries"]) > 170
    assert {"AFG", "UKR", "XKX"} <= {f["pcode"] for f in geo["layers"]["countries"]}
    with pytest.raises(world.UnknownCountry):
        world.build_country_geo("ZZZ")


def test_clip_to_rectangle():
    square = [(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)]
    clipped = world._clip(square, (5.0, -1.0, 20.0, 20.0))
    assert sorted(clipped) == [(5.0, 0.0), (5.0, 10.0), (10.0, 0.0), (10.0, 10.0)]
    assert world._clip(square, (20.0, 20.0, 30.0, 30.0)) == []
