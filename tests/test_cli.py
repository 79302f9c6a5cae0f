"""The CLI as a user calls it, including the commands the README shows."""

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from dateline import cli
from tests.conftest import ROOT


def run_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dateline.cli", *args], input=stdin, capture_output=True,
                          text=True, cwd=ROOT, timeout=120)


def test_dates_from_stdin_as_json():
    out = run_cli("dates", "-", "--dct", "2021-05-25", "--json",
                  stdin="Biden will meet Putin in Geneva on June 16, next month.\n")
    assert out.returncode == 0, out.stderr
    by_text = {m["text"]: m for m in json.loads(out.stdout)}
    assert by_text["June 16"]["value"] == "2021-06-16"
    assert by_text["next month"]["value"] == "2021-06"
    text = "Biden will meet Putin in Geneva on June 16, next month.\n"
    assert all(text[m["start"]:m["end"]] == m["text"] for m in by_text.values())
    assert {"start", "end", "text", "type", "value"} <= set(by_text["June 16"])


def test_dates_jsonl_many_texts_in_one_process(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(
        json.dumps({"id": "a", "text": "They met last week.", "dct": "2021-05-25"}) + "\n"
        + json.dumps({"id": "b", "text": "No dates here at all.", "dct": "2021-05-25"}) + "\n",
        encoding="utf-8",
    )
    out = run_cli("dates", "--jsonl", str(src))
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["a", "b"]
    assert rows[0]["mentions"][0]["text"] == "last week" and rows[1]["mentions"] == []


def test_run_refuses_a_missing_path(capsys, tmp_path):
    assert cli.main(["run", str(tmp_path / "nope"), "--db", str(tmp_path / "x.duckdb")]) == 2
    assert "no such file or folder" in capsys.readouterr().err


def test_sql_on_a_missing_database_says_what_to_do(capsys, tmp_path):
    assert cli.main(["sql", "SELECT 1", "--db", str(tmp_path / "none.duckdb")]) == 2
    assert "run `dateline run` first" in capsys.readouterr().err


def readme_sql_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return [line for block in re.findall(r"```bash\n(.*?)```", readme, re.S) for line in block.splitlines()
            if line.startswith(".venv/bin/dateline sql ")]


def test_the_readme_shows_three_sql_examples():
    assert len(readme_sql_commands()) >= 3


def _readme_articles(rows: list[dict]) -> None:
    assert sorted(r["quality_status"] for r in rows) == ["passed", "passed", "quarantined", "warned", "warned"]
    (lying,) = [r for r in rows if r["date_status"] == "inconsistent"]
    assert lying["published_claimed"] == "2024-03-29" and lying["quality_status"] == "quarantined"
    assert sum(r["title"] is None for r in rows) == 2


def _readme_anomalies(rows: list[dict]) -> None:
    (row,) = rows
    assert (row["published_claimed"], row["published_inferred_min"], row["published_inferred_max"]) == (
        "2024-03-29", "2021-05-01", "2021-05-31")
    assert "'June 16, 2021' (2021-06-16 told as future)" in row["date_evidence"]


def _readme_evidence(rows: list[dict]) -> None:
    # why seed 001 is an anomaly, row by row: the explicit date told as upcoming bounds it before the summit
    assert ("explicit_date", "June 16, 2021", None, "2021-06-15") in [
        (r["kind"], r["text"], r["earliest"], r["latest"]) for r in rows]
    assert all(0 <= r["weight"] <= 1 for r in rows)


def _readme_quality(rows: list[dict]) -> None:
    failed = {r["expectation"].split("(")[0]: r["failed"] for r in rows if r["failed"]}
    assert failed == {"expect_column_values_to_not_be_null": 2, "expect_column_values_to_not_be_in_set": 1}
    assert rows[0]["failed"] == 2  # ORDER BY failed DESC


def _readme_stories(rows: list[dict]) -> None:
    (row,) = rows  # the five seeds are one story, and its last claimed date is in the latest week
    assert row["n_articles"] == 5 and row["n_publishers"] == 2
    assert (row["first_published"], row["last_published"]) == ("2021-05-24", "2024-03-29")


def _readme_timeline(rows: list[dict]) -> None:
    assert len(rows) == 5 and all(r["copy_of"] is None for r in rows)
    assert [r["published_claimed"] for r in rows] == ["2021-05-24", "2024-03-29", None, None, None]
    assert {r["publisher"] for r in rows} == {"CNN", "The Moscow Times", None}


#: What each README query must show on the seeds, by the table it reads: what the README says it shows.
README_RESULTS = {"FROM articles": _readme_articles, "FROM date_anomalies": _readme_anomalies,
                  "FROM date_evidence": _readme_evidence,
                  "FROM quality_results": _readme_quality, "FROM stories": _readme_stories,
                  "FROM story_timeline": _readme_timeline}


@pytest.mark.parametrize("command", readme_sql_commands())
def test_readme_sql_examples_return_what_the_readme_says(command, seeded_db, capsys):
    args = shlex.split(command)[1:] + ["--db", str(seeded_db), "--format", "json"]
    assert cli.main(args) == 0
    rows = json.loads(capsys.readouterr().out)
    (check,) = [check for source, check in README_RESULTS.items() if source in command]
    check(rows)


def test_sql_formats(seeded_db, capsys):
    query = "SELECT title, date_status FROM articles WHERE date_status = 'inconsistent'"
    assert cli.main(["sql", query, "--db", str(seeded_db), "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "title,date_status", "The Biden-Putin summit is set to take place in Switzerland next month,inconsistent"]
    assert cli.main(["sql", query, "--db", str(seeded_db), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == [
        {"title": "The Biden-Putin summit is set to take place in Switzerland next month", "date_status": "inconsistent"}]


def test_export_parquet_round_trips_every_table(seeded_db, tmp_path, capsys):
    import duckdb

    assert cli.main(["export", "--parquet", str(tmp_path / "pq"), "--db", str(seeded_db)]) == 0
    con = duckdb.connect()
    assert con.execute(f"SELECT count(*) FROM '{tmp_path}/pq/articles.parquet'").fetchone() == (5,)
    assert con.execute(f"SELECT count(*) FROM '{tmp_path}/pq/date_mentions.parquet'").fetchone()[0] > 20
    from schemas import TABLES

    assert {p.stem for p in (tmp_path / "pq").iterdir()} == {model.table for model in TABLES}


def test_report_points_at_the_data_docs(seeded_db, capsys):
    assert cli.main(["report", "--db", str(seeded_db)]) == 0
    out = capsys.readouterr().out
    index = out.splitlines()[0].removeprefix("Data Docs: ")
    assert index.endswith("index.html") and Path(index).is_file()
    assert "expect_column_values_to_not_be_in_set" in out


def test_views_for_analysts(seeded_db):
    from dateline.store.database import query

    _, rows = query(seeded_db, "SELECT publisher, articles, share_quarantined FROM publisher_quality"
                                     " WHERE publisher = 'CNN'")
    assert rows == [("CNN", 1, 1.0)]
    _, rows = query(seeded_db, "SELECT sum(articles) FROM daily_article_counts")
    assert rows == [(5,)]
    _, rows = query(seeded_db, "SELECT status, files_seen, already_loaded FROM latest_runs")
    assert rows == [("Completed", 5, 5), ("Completed", 5, 0)]


def test_serve_registers_a_scheduled_deployment(prefect_harness, tmp_path):
    import os
    import time

    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value()}
    proc = subprocess.Popen([sys.executable, "-m", "dateline.cli", "serve", "--drop-folder", str(tmp_path / "in"),
                             "--db", str(tmp_path / "x.duckdb"), "--cron", "15 * * * *"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        with get_client(sync_client=True) as client:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                try:
                    dep = client.read_deployment_by_name("news-etl/drop-folder-local")
                    break
                except Exception:
                    time.sleep(1)
            else:
                raise AssertionError("dateline serve registered no deployment")
        assert dep.parameters["paths"] == [str(tmp_path / "in")]
        assert dep.schedules and dep.schedules[0].schedule.cron == "15 * * * *"
        assert (tmp_path / "in").is_dir()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_the_story_timeline_picture_draws_the_seeds_story_from_the_database(seeded_db, tmp_path):
    """docs/story_timeline.py, as the README's picture is made: the seeds' story, its two dated articles,
    the lying dateline in red."""
    import xml.etree.ElementTree as ET

    out = tmp_path / "timeline.svg"
    done = subprocess.run([sys.executable, str(ROOT / "docs" / "story_timeline.py"), "--db", str(seeded_db),
                           "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    svg = out.read_text(encoding="utf-8")
    ET.fromstring(svg)  # well-formed
    assert "The Biden-Putin summit is set to take place" in svg  # seed 001, claimed 2024-03-29
    assert "2 dated articles, 2021-05-24 to 2024-03-29" in svg
    assert svg.count('fill="#c0392b"') == 1  # one red dot: the one inconsistent date
