"""Reading articles from files for publish/extract."""

from __future__ import annotations

from pathlib import Path

from pipeline.inputs import count_items, iter_inputs


def test_txt_json_and_jsonl_are_read_with_defaults(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Some article text.")
    (tmp_path / "b.json").write_text('[{"body": "one"}, {"body": "two", "source": "X"}]')
    (tmp_path / "c.jsonl").write_text('{"text": "corpus shape", "outlets": ["BBC"]}\n\nnot json\n')
    items = list(
        iter_inputs(
            [str(tmp_path / n) for n in ("a.txt", "b.json", "c.jsonl")],
            published_at="2021-07-12",
            source="Wire",
        )
    )
    good = [i.data for i in items if i.data]
    assert [d["body"] for d in good] == ["Some article text.", "one", "two", "corpus shape"]
    assert [d["source"] for d in good] == ["Wire", "Wire", "X", "BBC"]
    assert all(d["published_at"] == "2021-07-12" for d in good)
    bad = [i for i in items if i.problem]
    assert len(bad) == 1 and bad[0].origin.endswith("c.jsonl:3")


def test_missing_file_and_empty_text_are_problems(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("  \n")
    items = list(iter_inputs([str(tmp_path / "nope.jsonl"), str(tmp_path / "empty.txt")]))
    assert [i.problem for i in items] == ["no such file", "empty text"]


def test_count_items_counts_jsonl_lines(tmp_path: Path) -> None:
    (tmp_path / "c.jsonl").write_text('{"body": "1"}\n{"body": "2"}\n\n')
    assert count_items([str(tmp_path / "c.jsonl")]) == 2
    assert count_items(["-"]) is None
