"""Smoke test of the throughput benchmark (bench/throughput.py) on a tiny generated corpus.

No devsets needed. Runs the floor and naive modes end to end in child processes (the naive one starts
Prefect's ephemeral server: ~15-25 s); the full news-etl flow is tested in test_flow.py, not here.
"""

import argparse
import hashlib
import importlib.util
import json
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT

BENCH = ROOT / "bench" / "throughput.py"

CITIES = ["WASHINGTON", "NEW YORK", "LONDON", "TOKYO", "CHICAGO", "FRANKFURT"]


def _article(i: int) -> str:
    city = CITIES[i % len(CITIES)]
    return (
        f"COMPANY {i} SAYS QUARTERLY PROFIT ROSE\n"
        f"{i + 2}-MAR-1987 09:17:32.30\n\n"
        f"{city}, March {i + 2} - Company {i} Inc said its board will meet on April 15 to consider\n"
        "the offer, and the company expects to complete the sale next month.\n"
        "    The company said shares rose 12 pct last week after it told analysts the plan.\n"
        " Reuter\n"
    )


def _bench_module():
    spec = importlib.util.spec_from_file_location("bench_throughput", BENCH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _source(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for i in range(6):
        (src / f"story-{i:02d}.txt").write_text(_article(i), encoding="utf-8")
    return src


def test_corpus_copies_differ_but_keep_title_and_date(tmp_path):
    bench = _bench_module()
    info = bench.build_corpus(_source(tmp_path), 30, tmp_path / "corpus", "copies")
    files = sorted((tmp_path / "corpus").rglob("*.txt"))
    assert info["files"] == len(files) == 30
    assert len({hashlib.sha256(f.read_bytes()).hexdigest() for f in files}) == 30
    copy = (tmp_path / "corpus" / "c003" / "story-01-c003.txt").read_text()
    original = _article(1)
    assert copy.split("\n")[:3] == original.split("\n")[:3]  # title and date line untouched
    assert copy.rstrip().endswith("Reuter")  # the wire sign-off stays last


def test_renamed_copies_tell_other_stories_with_the_same_dates(tmp_path):
    # the default corpus: each copy renames the words dateline does not match on and renumbers figures of
    # three digits or more (not years); the date line (day, month, year, time) and the sign-off stay
    bench = _bench_module()
    src = tmp_path / "src"
    src.mkdir()
    original = _article(1).replace("rose 12 pct", "rose 12 pct to 1,541 mln dlrs")
    (src / "story-01.txt").write_text(original, encoding="utf-8")
    for i in (0, 2, 3):
        (src / f"story-{i:02d}.txt").write_text(_article(i), encoding="utf-8")
    info = bench.build_corpus(src, 12, tmp_path / "corpus")
    assert info["kind"] == "renamed" and info["files"] == 12
    files = sorted((tmp_path / "corpus").rglob("*.txt"))
    assert len({hashlib.sha256(f.read_bytes()).hexdigest() for f in files}) == 12
    copy = (tmp_path / "corpus" / "c002" / "story-01-c002.txt").read_text()
    assert copy.split("\n")[1] == original.split("\n")[1]  # "3-MAR-1987 09:17:32.30"
    assert copy.rstrip().endswith("Reuter")
    assert "March 3" in copy and "April 15" in copy and "12 pct" in copy and "mln dlrs" in copy
    assert "1,541" not in copy  # the report's figure is another company's
    renamed = set(copy.split()) ^ set(original.split())
    assert {"Company", "COMPANY", "board", "offer", "analysts"} & renamed  # words dateline never reads


def test_missing_devsets_is_not_an_error(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--source", str(tmp_path / "absent"), "--out", str(tmp_path / "out.json")],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "not found" in proc.stdout
    assert not (tmp_path / "out.json").exists()


def test_floor_and_naive_end_to_end(tmp_path):
    out = tmp_path / "out.json"
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--source", str(_source(tmp_path)), "--n", "30", "--modes", "floor,naive",
         "--naive-n", "10", "--workdir", str(tmp_path / "work"), "--out", str(out)],
        capture_output=True, text=True, timeout=170, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "articles/s" in proc.stdout
    res = json.loads(out.read_text())
    assert res["corpus"]["files"] == 30 and res["corpus"]["generated"]
    floor, naive = res["modes"]["floor"], res["modes"]["naive"]
    assert floor["articles"] == floor["rows_loaded"] == 30
    assert naive["articles"] == 10 and naive["dates_found"] > 0
    for r in (floor, naive):
        assert r["processing_s"] > 0 and r["articles_per_s"] > 0
        assert r["peak_rss_mb"] > 0
        assert set(r["stages"]) and all(v >= 0 for v in r["stages"].values())
    assert {"search_dates", "insert"} <= set(naive["stages"])
    assert naive["server_peak_rss_mb"] > 0  # the ephemeral Prefect server was measured apart
    assert "ratios" in res and "targets" in res


def test_repeated_runs_report_the_median_run_and_every_rate(tmp_path, monkeypatch):
    """--repeat: each cold run gets its own database; the run with the median rate is the one reported
    (its figures all come from that run), and the re-run goes over that run's file."""
    mod = _bench_module()
    rates = iter([300.0, 100.0, 200.0, 400.0])
    calls = []

    def fake_spawn(mode, args, work, corpus, db, extra=None, tag=""):
        calls.append((mode, db.name, tag))
        rate = next(rates)
        return {"articles_per_s": rate, "processing_s": 1000 / rate, "peak_rss_mb": rate, "tree_pss_mb": 2 * rate,
                "cpu_s": {"flow": 1.0}}

    monkeypatch.setattr(mod, "spawn", fake_spawn)
    args = type("Args", (), {"repeat": 4})()
    got = mod.repeat_dateline(args, tmp_path, tmp_path / "corpus")
    assert [c[1] for c in calls] == [f"dateline-{i}.duckdb" for i in range(1, 5)]
    assert got["articles_per_s"] == 200.0  # sorted 100, 200, 300, 400: the lower middle
    assert got["db"] == str(tmp_path / "dateline-3.duckdb")
    assert [r["articles_per_s"] for r in got["repeats"]] == [300.0, 100.0, 200.0, 400.0]


def test_batch_size_sweep_takes_sizes_in_turn_and_compares_within_a_round(tmp_path, monkeypatch):
    """--sweep-batch-sizes: every size runs once per round, in turn, each with its own batch size and a
    fresh database; a size's "vs first" is the median of its same-round ratios, so a machine that slows
    down between rounds does not make the later sizes look slow."""
    mod = _bench_module()
    calls = []
    speed = {1: 1.0, 2: 0.5}  # the machine runs at half speed in round 2

    def fake_spawn(mode, args, work, corpus, db, extra=None, tag=""):
        rnd = int(tag.rsplit("-", 1)[1])
        calls.append((mode, args.batch_size, db.name, rnd))
        assert not db.exists()
        rate = speed[rnd] * (100.0 + args.batch_size / 10)
        return {"articles_per_s": rate, "processing_s": 1000 / rate, "peak_rss_mb": args.batch_size / 10 + rnd,
                "tree_pss_mb": args.batch_size / 5 + rnd, "first_batch_loaded_s": 1.0,
                "prefect": {"task_runs": 5}, "cpu_s": {"flow": 1.0}}

    monkeypatch.setattr(mod, "spawn", fake_spawn)
    args = argparse.Namespace(repeat=2, batch_size=5000, workers=0)
    got = mod.sweep_batch_sizes(args, tmp_path, tmp_path / "corpus", [1000, 3000])
    assert calls == [("dateline", 1000, "sweep-1000-1.duckdb", 1), ("dateline", 3000, "sweep-3000-1.duckdb", 1),
                     ("dateline", 1000, "sweep-1000-2.duckdb", 2), ("dateline", 3000, "sweep-3000-2.duckdb", 2)]
    assert args.batch_size == 5000  # the caller's arguments are left alone
    first, second = got["rows"]
    assert first["vs_first"] == 1.0
    assert second["vs_first"] == pytest.approx(400 / 200)  # same in both rounds, whatever the machine's speed
    assert second["articles_per_s_range"] == [200.0, 400.0]
    assert second["tree_pss_mb_max"] == 3000 / 5 + 2 and second["peak_rss_mb_max"] == 300 + 2
    assert "vs 1,000 (same round)" in mod.sweep_report(got, 10_000)


def test_stories_cost_is_counted_against_the_run_and_against_stories_off():
    """The stories stage's share is of the run's wall-clock processing, not of the summed stage times
    (parse workers overlap: that sum halved it), and a stories-off run beside it gives what stories cost in
    all (signing, load, stage, corpus check)."""
    mod = _bench_module()

    def run(processing_s, stages, rss):
        return {"articles": 100_000, "processing_s": processing_s, "articles_per_s": 100_000 / processing_s,
                "peak_rss_mb": rss, "task_runner": "process", "stages": stages, "summary": {}}

    base = {"read": 10.0, "normalize": 120.0, "validate": 6.0, "load": 20.0}
    on = run(110.0, {**base, "normalize": 150.0, "load": 24.0, "stories (near-duplicates, story clusters)": 10.0,
                     "corpus date check": 2.0}, 1100.0)
    off = run(80.0, base, 950.0)
    ratios, targets = mod.ratios_and_targets({"dateline": on, "nostories": off}, 100_000)
    by_name = {t["target"]: t for t in targets}
    stage = by_name["stories stage: what it adds to the run"]
    assert stage["measured"] == pytest.approx(10.0 / 100.0) and stage["met"]
    whole = by_name["all of stories: what they add to the run (vs stories off)"]
    assert whole["measured"] == pytest.approx(110.0 / 80.0 - 1) and not whole["met"]
    assert "+30.0 s" in whole["note"] and "load +4.0 s" in whole["note"] and "950 -> 1,100 MB" in whole["note"]
    assert ratios["stories_on_vs_off"] == pytest.approx(80.0 / 110.0)
    # without a stories-off run there is no whole-cost line, and the stage's share stands alone
    _, targets = mod.ratios_and_targets({"dateline": on}, 100_000)
    assert [t["target"] for t in targets if "stories" in t["target"]] == ["stories stage: what it adds to the run"]


def test_the_stories_stage_memory_is_read_over_its_task_window():
    """The flow's RSS samples inside the stage's task-run window give what it adds (peak during it over
    the RSS at its start) per article, and whether it raised the run's high-water mark."""
    mod = _bench_module()
    sampler = mod.ChildrenRss()
    sampler.own_rss = [(t, kb * 1024) for t, kb in [(0.0, 300), (1.0, 900), (2.0, 600), (3.0, 700), (4.0, 1000),
                                                      (5.0, 800), (6.0, 650)]]
    mem = sampler.rss_over(2.5, 5.5)  # the stage: samples at 3, 4 and 5 s
    assert mem == {"at_start_mb": 600.0, "peak_mb": 1000.0, "peak_before_mb": 900.0}
    assert sampler.rss_over(10.0, 11.0) is None  # no sample inside the window: no figure, not a zero

    run = {"articles": 100_000, "processing_s": 110.0, "articles_per_s": 100_000 / 110.0, "peak_rss_mb": 1000.0,
           "task_runner": "process", "stages": {"load": 20.0, "validate": 5.0, "stories (near-duplicates, story clusters)": 10.0},
           "summary": {}, "stories_rss": mem}
    _, targets = mod.ratios_and_targets({"dateline": run}, 100_000)
    line = next(t for t in targets if t["target"] == "stories stage: memory it adds while it runs")
    assert line["measured"] == pytest.approx(400 * 1024 / 100_000) and line["met"] == "-"
    assert "+400 MB" in line["note"] and "raised by 100 MB" in line["note"]


def test_a_stage_pass_memory_is_its_rise_above_its_start():
    """``eval_stories.eval_stage`` reports each stage pass's RSS growth: what the pass held at its peak over
    the RSS it started at, and the pass's result."""
    import numpy as np

    spec = importlib.util.spec_from_file_location("bench_eval_stories", ROOT / "bench" / "eval_stories.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # its dataclasses look their module up there
    spec.loader.exec_module(mod)

    def hold_80_mb_a_moment() -> int:
        block = np.ones(80 * 2**20 // 8)  # written, so resident
        time.sleep(0.3)  # the sampler's 0.05 s steps see it
        return int(block.size)

    result, grew = mod.rss_growth(hold_80_mb_a_moment)
    assert result == 80 * 2**20 // 8 and 70 <= grew <= 120
    _, idle = mod.rss_growth(lambda: time.sleep(0.2))
    assert idle < 10
