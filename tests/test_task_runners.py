"""The parse stage on other processes: a process pool (the default) and a 2-worker Dask LocalCluster
through prefect-dask must give the same tables as parsing in the flow's own process, cross-batch
duplicates included (batches in flight do not know of each other; the load step settles them)."""

from __future__ import annotations

import duckdb
import pytest

from conftest import SEEDS
from dateline.settings import get_settings

# What a run decides, without its run id and clock times.
COMPARED = {
    "articles": "article_id, source_path, title, published_claimed, published_inferred_min, "
                "published_inferred_max, date_status, quality_status, superseded_by",
    "date_mentions": "article_id, mention_index, start_char, value",
    "quality_results": "article_id, expectation, success",
    "source_files": "source_path, content_sha256, outcome, article_id",
    "rejects": "source_path, reason, detail",
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """19 files in 4 folders: the seeds, edited copies (new content), byte-identical copies in later
    folders (duplicates across batches) and one empty file and its copy (a reject, then its repeat)."""
    root = tmp_path_factory.mktemp("corpus")
    seeds = sorted(SEEDS.glob("*.txt"))
    for i, variant in enumerate(("a", "b", "c")):
        folder = root / f"{i}-{variant}"
        folder.mkdir()
        for s in seeds:
            text = s.read_text(encoding="utf-8")
            (folder / s.name).write_text(text if i == 0 else f"{text}\nReference {variant}-{s.stem}\n", encoding="utf-8")
    (root / "0-a" / "empty.txt").write_bytes(b"")
    copies = root / "9-copies"
    copies.mkdir()
    for src in (root / "0-a" / seeds[0].name, root / "1-b" / seeds[1].name, root / "0-a" / "empty.txt"):
        (copies / f"copy-of-{src.parent.name}-{src.name}").write_bytes(src.read_bytes())
    return root


def run_with(runner: str, corpus, db, **settings) -> dict:
    from dateline.orchestration.runners import task_runner_for
    from flows.news_etl import news_etl

    flow = news_etl.with_options(task_runner=task_runner_for(get_settings(task_runner=runner, **settings)))
    return flow(paths=[str(corpus)], db=str(db), batch_size=4, data_docs=False)


def tables(db) -> dict[str, list[tuple]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {t: con.execute(f"SELECT {cols} FROM {t} ORDER BY ALL").fetchall() for t, cols in COMPARED.items()}


@pytest.fixture(scope="module")
def in_process(prefect_harness, corpus, tmp_path_factory):
    db = tmp_path_factory.mktemp("thread") / "dateline.duckdb"
    return run_with("thread", corpus, db), tables(db)


def test_in_process_run_accounts_for_every_file(in_process):
    summary, rows = in_process
    assert (summary["files_seen"], summary["loaded"], summary["duplicates"], summary["rejected"]) == (19, 15, 2, 2)
    assert summary["unaccounted"] == 0
    assert len(rows["articles"]) == 15


@pytest.mark.parametrize("runner, settings", [("process", {"workers": 2}), ("dask", {"workers": 2})])
def test_parallel_parse_gives_identical_tables(runner, settings, in_process, corpus, tmp_path):
    summary, expected = in_process
    db = tmp_path / "dateline.duckdb"
    got = run_with(runner, corpus, db, **settings)
    assert {k: got[k] for k in ("loaded", "duplicates", "rejected", "unaccounted")} == \
           {k: summary[k] for k in ("loaded", "duplicates", "rejected", "unaccounted")}
    for table, rows in tables(db).items():
        assert rows == expected[table], table
    # A second run over the same files adds nothing, whatever parsed them.
    again = run_with(runner, corpus, db, **settings)
    assert again["already_loaded"] == again["files_seen"] and again["loaded"] == 0
