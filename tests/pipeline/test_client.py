"""The public Python API: `from pipeline import FrontlineClient, extract, Settings`."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pipeline import FrontlineClient, Settings
from pipeline.broker.clients import ensure_topics
from schemas import Article
from tests.conftest import run_python

SENTENCE = "On 15 August 2021 the Taliban seized Kabul after government forces withdrew."


def test_the_public_names_import_and_extract_takes_a_dict_or_an_article() -> None:
    # Each order of first use: the subpackage imported before, or after, the public name.
    for first in ("import pipeline.extract.resources as r", "import pipeline"):
        out = run_python(
            f"{first}\n"
            "from pipeline import FrontlineClient, Settings, extract\n"
            "from schemas import Article\n"
            f"events = extract({{'body': {SENTENCE!r}}})\n"
            f"same = extract(Article(body={SENTENCE!r}))\n"
            "import pipeline.extract.resources as resources\n"
            "print(FrontlineClient.__name__, Settings.__name__, len(events) > 0, events == same,"
            " resources.__name__)\n"
        )
        assert out.split() == [
            "FrontlineClient",
            "Settings",
            "True",
            "True",
            "pipeline.extract.resources",
        ], first


def test_publish_refuses_text_for_articles() -> None:
    with pytest.raises(TypeError):
        FrontlineClient(Settings(kafka_bootstrap="127.0.0.1:1")).publish("France withdraws.")


@pytest.mark.integration
def test_publish_takes_dicts_and_models_and_reports_each(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings()
    ensure_topics(settings)
    client = FrontlineClient(settings)

    one = client.publish({"id": "one", "body": SENTENCE, "published_at": "2021-08-15"})
    assert (one.sent, one.rejected, one.failed, one.ids) == (1, 0, 0, ["one"])

    mixed = client.publish(
        [Article(id="two", body=SENTENCE), {"body": "   "}, {"id": "three", "body": SENTENCE}, 7]
    )
    assert (mixed.sent, mixed.rejected, mixed.failed) == (2, 2, 0)
    assert mixed.ids == ["two", "three"]
    assert any("body" in p for p in mixed.problems) and any("int" in p for p in mixed.problems)

    sent = [r.value for r in client.stream("articles")]
    assert sorted(a["id"] for a in sent) == ["one", "three", "two"]  # two partitions
    assert all(Article.model_validate(a).body == SENTENCE for a in sent)
