"""bench/eval_sanity.py: the date-line corruption keeps the format and really shifts the date, and the
script copes with absent devsets. All inputs are synthetic; nothing is written outside tmp_path."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from dateline.parse.text import parse_date_line

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "bench" / "eval_sanity.py"

_spec = importlib.util.spec_from_file_location("eval_sanity", SCRIPT)
ev = importlib.util.module_from_spec(_spec)
sys.modules["eval_sanity"] = ev  # dataclasses look their module up by name
_spec.loader.exec_module(ev)


def _shape(s: str) -> str:
    s = re.sub(r"\d+", "9", s)
    return re.sub(r"[A-Za-z]+", lambda m: "A" if m[0].isupper() else "a" if m[0].islower() else "Aa", s)


def _day(line: str) -> date | None:
    hit = parse_date_line(line)
    return hit.day if hit else None


@pytest.mark.parametrize(
    "line, months, expected",
    [
        # Reuters wire timestamps: day unpadded or not, upper-case month, time and junk kept verbatim
        ("26-MAR-1987 15:01:01.79", 12, "26-MAR-1988 15:01:01.79"),
        ("3-MAR-1987 09:17:32.30", -5, "3-OCT-1986 09:17:32.30"),
        ("31-MAR-1987 05:12:19.12", -1, "28-FEB-1987 05:12:19.12"),
        ("26-MAR-1987 15:01:01.79&#9;&#9;&#9;F", 24, "26-MAR-1989 15:01:01.79&#9;&#9;&#9;F"),
        # ISO dates and datetimes keep their zero padding and time
        ("2016-11-09 00:00:00", 3, "2017-02-09 00:00:00"),
        ("2016-11-09 22:58:21", -48, "2012-11-09 22:58:21"),
        ("1998-08-07", -36, "1995-08-07"),
        ("2013-03-31 10:00", -1, "2013-02-28 10:00"),
        # US slash date with time
        ("12/05/1998 09:42:00", 2, "02/05/1999 09:42:00"),
        # human formats: month names keep their style; a weekday is recomputed
        ("Tuesday, November 8, 2016", 12, "Wednesday, November 8, 2017"),
        ("Tue 8 Nov 2016", 1, "Thu 8 Dec 2016"),
        ("Updated: 10:33 EST, 8 November 2016", 5, "Updated: 10:33 EST, 8 April 2017"),
        ("Sept. 3, 2016", 2, "Nov. 3, 2016"),
        ("Feb 29, 2016", 12, "Feb 28, 2017"),
    ],
)
def test_shift_keeps_format_and_moves_date(line, months, expected):
    new = ev.shift_date_line(line, months)
    assert new == expected
    # the same shape: digit runs stay digit runs, words keep their case, separators are untouched
    assert _shape(new) == _shape(line)
    # the project's own parser reads the shifted date, the given number of months away
    before, after = _day(line), _day(new)
    assert before is not None and after is not None
    assert after == ev.shift_date(before, months)
    assert after != before


def test_shift_date_clamps_the_day():
    assert ev.shift_date(date(2016, 2, 29), 12) == date(2017, 2, 28)
    assert ev.shift_date(date(1987, 3, 31), -1) == date(1987, 2, 28)
    assert ev.shift_date(date(1987, 10, 15), 5) == date(1988, 3, 15)
    assert ev.shift_date(date(1987, 1, 15), -2) == date(1986, 11, 15)


def test_yearless_lines_shift_the_month_only():
    assert ev.shift_date_line("August 7", 3) == "November 7"
    assert ev.shift_date_line("August 11", -10) == "October 11"
    assert ev.shift_date_line("May 31", -3) == "February 29"  # no year: any day February can have
    assert ev.shift_date_line("7 August", 2) == "7 October"
    assert ev.shift_date_line("August 7", 12) is None  # a whole number of years changes nothing
    assert ev.shift_date_line("August 7", -36) is None
    assert ev.shift_date_line("Friday, August 7", 2) is None  # the weekday cannot be recomputed
    assert ev.is_yearless("August 7") and not ev.is_yearless("1998-08-07")
    hit = parse_date_line(ev.shift_date_line("August 13", 4))
    assert hit is not None and hit.confidence == "PARTIAL" and hit.day is None


@pytest.mark.parametrize("line", ["None", "", "Breaking news", "1987"])
def test_lines_without_a_date_are_not_shifted(line):
    assert ev.shift_date_line(line, 12) is None
    assert ev.shift_date_line(line, 3) is None


def test_corrupt_text_changes_only_the_date_line():
    text = "A title\n26-MAR-1987 15:01:01.79\n\nCHICAGO, March 26 - The board met on March 2, 1987.\nReuter\n"
    new = ev.corrupt_text(text, ev.Shift("years", -2))
    assert new == text.replace("26-MAR-1987", "26-MAR-1985")
    assert ev.corrupt_text("only one line", ev.Shift("years", 1)) is None
    assert ev.corrupt_text("Title\nNone\n\nbody", ev.Shift("months", 3)) is None


def _write_devsets(root: Path, n: int = 8) -> Path:
    txt = root / "reuters_dev" / "txt"
    txt.mkdir(parents=True)
    for i in range(n):
        (txt / f"a{i:02d}.txt").write_text(
            f"STORY {i}\n{i + 2}-MAR-1987 10:0{i}:00.00\n\n"
            f"NEW YORK, March {i + 2} - Acme Corp said it bought Widget Inc in January 1987 and that "
            f"the deal, announced on February 12, 1987, will close on June 30, 1987.\n Reuter\n",
            encoding="utf-8",
        )
    return root


def test_build_corpus_corrupts_half_deterministically(tmp_path):
    files = sorted((_write_devsets(tmp_path) / "reuters_dev" / "txt").glob("*.txt"))
    a = ev.build_corpus("reuters_dev", files, seed=7)
    b = ev.build_corpus("reuters_dev", files, seed=7)
    assert [(i.path, i.shift) for i in a] == [(i.path, i.shift) for i in b]
    assert sum(i.corrupted for i in a) == len(files) // 2
    for it in a:
        if it.corrupted:
            assert it.data != it.original and it.line_after != it.line_before
            assert it.data.decode().split("\n")[1] == it.line_after
            assert (it.shift.kind == "years" and 1 <= abs(it.shift.amount) <= 5) or \
                   (it.shift.kind == "months" and 2 <= abs(it.shift.amount) <= 11)
        else:
            assert it.data == it.original


def test_script_runs_on_a_small_synthetic_devset(tmp_path, capsys):
    _write_devsets(tmp_path)
    assert ev.main(["--devsets", str(tmp_path), "--show-errors", "2"]) == 0
    out = capsys.readouterr().out
    assert "reuters_dev" in out and "DATED EVIDENCE precision" in out and "untouched inconsistent" in out
    assert "explicit_year True" in out  # the dated-evidence definition is printed
    assert "giveme5w1h_gold: no txt/ folder" in out


def _run(args: list[str], env_devsets: str | None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("DATELINE_DEVSETS", None)
    if env_devsets is not None:
        env["DATELINE_DEVSETS"] = env_devsets
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, env=env,
                          cwd=str(ROOT), timeout=120)


def test_script_exits_0_when_devsets_are_absent(tmp_path):
    missing = tmp_path / "no-such-devsets"
    r = _run(["--devsets", str(missing)], None)
    assert r.returncode == 0, r.stderr
    assert "not found" in r.stdout and str(missing) in r.stdout
    r = _run([], str(missing))  # the environment variable is honoured too
    assert r.returncode == 0, r.stderr
    assert "not found" in r.stdout and str(missing) in r.stdout
    assert not missing.exists()
