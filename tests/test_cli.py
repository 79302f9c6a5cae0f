"""The CLI as a user calls it, including the commands the README shows."""

import json
import re
import shlex
import subprocess
import sys

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


@pytest.mark.parametrize("command", readme_sql_commands())
def test_readme_sql_examples_run_on_the_seeded_database(command, seeded_db):
    args = shlex.split(command)[1:] + ["--db", str(seeded_db)]
    assert cli.main(args) == 0
