"""Property tests: no input makes the normalize step raise; rejections always say why.

The real extractor runs without a catch-all (`pipeline.extract.extract`), and no input may
make it crash: a rejection at stage `extract` fails the test.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.extract import extract
from pipeline.normalize import normalize

NOW = datetime(2026, 1, 1, tzinfo=UTC)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=20,
)

article_like = st.fixed_dictionaries(
    {"body": st.text(min_size=0, max_size=2000)},
    optional={
        "id": st.text(max_size=30),
        "title": st.text(max_size=50) | st.integers(),
        "published_at": st.text(max_size=30) | st.integers() | st.none(),
        "language": st.sampled_from(["en", "EN", "en-GB", "fr", "", "x" * 20]),
        "url": st.text(max_size=40),
    },
)


def check(raw: bytes) -> None:
    out = normalize(raw, extractor=extract, received_at=NOW, max_bytes=100_000)
    if out.rejection is not None:
        assert out.rejection.error_class and out.rejection.message and out.rejection.stage
        # A crash of the extractor is dead-lettered in production, but here it is a bug found.
        assert out.rejection.stage != "extract", (out.rejection.error_class, out.rejection.message)
        assert out.records == []
    else:
        for rec in out.records:
            assert orjson.loads(rec.value)["article_id"] == out.article_id


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=500))
def test_binary_junk_never_raises(raw: bytes) -> None:
    check(raw)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_arbitrary_json_never_raises(value: object) -> None:
    check(json.dumps(value).encode())  # stdlib: huge integers too


@settings(max_examples=200, deadline=None)
@given(article_like)
def test_article_shaped_json_never_raises(value: dict[str, object]) -> None:
    check(json.dumps(value).encode())  # stdlib: huge integers too
