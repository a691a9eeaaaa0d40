"""The same article yields the same events in any process and after any other article: a
replayed article after a crash must not produce different events (the tables count events by
id, and the audit compares them)."""

from __future__ import annotations

import json

from pipeline.extract import extract
from schemas import Article
from tests.conftest import run_python

# Names with namesakes in several theatres (Tripoli in Libya and Lebanon), a parse-dependent
# doer, troops that stay: every path where iteration order or a cache could leak in.
ARTICLE = (
    "Militias allied with the unity government said on Friday they had retaken the airport "
    "in Tripoli after weeks of fighting. In Lebanon, the army said it controlled the port of "
    "Tripoli. The United States will withdraw most of its troops from Syria by the end of the "
    "year, leaving about 400 in the country, officials said. Rebels, backed by Turkish "
    "artillery, captured the town of Tal Abyad on Sunday."
)
OTHER = "Kurdish forces pulled out of the town of Tal Abyad on Saturday, the monitor said."

_SCRIPT = (
    "import json, sys\n"
    "from pipeline.extract import extract\n"
    "from schemas import Article\n"
    "arts = [Article(id=f'a{len(b)}', body=b, published_at='2019-10-14') "
    "for b in json.loads(sys.stdin.read())]\n"
    "print(json.dumps([[e.model_dump(mode='json') for e in extract(a)] for a in arts]))\n"
)


def _in_process(bodies: list[str], seed: str) -> list[list[dict[str, object]]]:
    out = run_python(_SCRIPT, stdin=json.dumps(bodies), env={"PYTHONHASHSEED": seed})
    result: list[list[dict[str, object]]] = json.loads(out)
    return result


def test_events_do_not_depend_on_hash_seed_or_on_what_came_before() -> None:
    first = _in_process([ARTICLE, OTHER], "1")
    second = _in_process([OTHER, ARTICLE], "2")
    assert first[0], "the article must yield events for the comparison to mean anything"
    assert first[0] == second[1]
    assert first[1] == second[0]


def test_an_article_extracted_twice_in_one_process_gives_the_same_events() -> None:
    art = Article(id="same", body=ARTICLE, published_at="2019-10-14")
    once = [e.model_dump(mode="json") for e in extract(art)]
    extract(Article(id="other", body=OTHER, published_at="2019-10-14"))
    again = [e.model_dump(mode="json") for e in extract(art)]
    assert once == again
