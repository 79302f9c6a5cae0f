"""The incremental stories stage on a real corpus slice (giveme5w1h_gold and reuters_dev texts, read in place
from the devsets; a 2016 event corpus and 1987 wire stories, so a run touches some components, not all):
loading it in three runs re-clusters only the components new articles touch, leaves the other stories'
rows as they were, and ends with the tables a `dateline stories --rebuild` gives; each run's counts (new
and grown stories, new near-duplicates) are those the tables show. Real Prefect, real DuckDB."""

import os
import shutil
from pathlib import Path

import duckdb
import pytest

from dateline.cli import main
from tests.conftest import SEEDS
from tests.test_stories_stage import TABLES, _tables

DEVSETS = Path(os.environ.get("DATELINE_DEVSETS", Path(__file__).resolve().parents[2] / "shared" / "devsets"))
GIVEME = DEVSETS / "giveme5w1h_gold" / "txt"
REUTERS = DEVSETS / "reuters_dev" / "txt"


def _signatures(db) -> list:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT * EXCLUDE (run_id) FROM story_signatures ORDER BY ALL").fetchall()


def _snapshot(db) -> dict:
    with duckdb.connect(str(db), read_only=True) as con:
        return {"stories": dict(con.execute("SELECT story_id, n_articles FROM stories").fetchall()),
                "copies": {a for (a,) in con.execute("SELECT article_id FROM near_duplicates").fetchall()},
                "run_of_story": dict(con.execute("SELECT story_id, run_id FROM stories").fetchall()),
                "evidence": con.execute("SELECT count(*) FROM date_evidence WHERE kind = 'story'").fetchone()[0]}


@pytest.mark.skipif(not (GIVEME.is_dir() and REUTERS.is_dir()), reason="giveme5w1h_gold or reuters_dev absent")
@pytest.mark.parametrize("hot_df, in_parts", [(None, False), (3, False), (3, True)],
                         ids=["default", "key-terms-turning-hot", "in-parts"])
def test_three_runs_touch_only_their_components_and_equal_a_rebuild(prefect_harness, tmp_path, monkeypatch, hot_df,
                                                                    in_parts):
    import dateline.stories.clusters as clusters
    import dateline.stories.stage as stage
    from flows.news_etl import news_etl

    if hot_df:  # key terms cross the hot line between runs: the stage must re-cluster their holders
        monkeypatch.setattr(clusters, "KEY_DF_MAX", hot_df)
        monkeypatch.setattr(stage, "KEY_DF_MAX", hot_df)
    in_memory_bytes = stage.IN_MEMORY_BYTES
    if in_parts:  # every run's clustering past the stage's memory, in batches of a few
        monkeypatch.setattr(stage, "IN_MEMORY_BYTES", 10**12)
        monkeypatch.setattr(stage, "GROUP_BATCH", 7)
    files = sorted(GIVEME.glob("*.txt"))[:30] + sorted(REUTERS.glob("*.txt"))[:45] + sorted(SEEDS.glob("*.txt"))
    parts = [files[0::3], files[1::3], files[2::3]]
    db = tmp_path / "runs.duckdb"
    before = _snapshot(db) if db.exists() else {"stories": {}, "copies": set(), "run_of_story": {}, "evidence": 0}
    reclustered, untouched_kept = [], 0
    for k, part in enumerate(parts):
        folder = tmp_path / f"part{k}"
        folder.mkdir()
        for f in part:
            shutil.copy(f, folder / f.name)
        counts = news_etl(paths=[str(folder)], db=str(db), data_docs=False)["stories"]
        after = _snapshot(db)
        new = {s for s, n in after["stories"].items() if s not in before["stories"] and n > 1}
        grown = {s for s, n in after["stories"].items() if s in before["stories"] and n > before["stories"][s]}
        assert counts["new_stories"] == len(new) and counts["grown_stories"] == len(grown)
        assert counts["new_near_duplicates"] == len(after["copies"] - before["copies"])
        assert counts["near_duplicates"] == len(after["copies"]) and counts["stories"] == len(after["stories"])
        assert counts["story_evidence"] == after["evidence"]
        assert counts["signed"] == 0  # the parse workers signed every article as they loaded it
        reclustered.append(counts["reclustered"])
        # stories the run did not touch keep the row an earlier run wrote
        untouched_kept += sum(1 for s, r in after["run_of_story"].items() if before["run_of_story"].get(s) == r)
        before = after
    with duckdb.connect(str(db), read_only=True) as con:
        n_articles = con.execute("SELECT count(*) FROM articles").fetchone()[0]
    if hot_df:  # on 80 articles the corpus's jargon ("mln", "dlrs") is not hot yet and keys reach everything
        assert untouched_kept > 0 and reclustered[-1] < n_articles, (reclustered, n_articles)  # incremental
    incremental = _tables(db)
    assert sum(1 for _ in incremental["story_members"]) == n_articles

    rebuilt = tmp_path / "rebuilt.duckdb"
    shutil.copy(db, rebuilt)
    if in_parts:  # the rebuild in memory: the runs' tables in parts must be its
        monkeypatch.setattr(stage, "IN_MEMORY_BYTES", in_memory_bytes)
    assert main(["stories", "--rebuild", "--db", str(rebuilt)]) == 0
    assert _tables(rebuilt) == incremental
    # the stage signs from the stored text what the parse workers signed from theirs: the same rows
    assert _signatures(rebuilt) == _signatures(db) and len(_signatures(db)) == n_articles
    assert len({s for _, s, _ in incremental["story_members"]}) < n_articles  # there are stories to compare
