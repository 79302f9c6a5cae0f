"""bench/eval_quarantine.py on a tiny devsets folder built here from the seeds (no real devsets needed)."""

import importlib.util
import json
import shutil

from tests.conftest import ROOT


def _module():
    spec = importlib.util.spec_from_file_location("bench_eval_quarantine", ROOT / "bench" / "eval_quarantine.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_reports_rates_per_corpus_and_explains_each_quarantine(tmp_path, capsys):
    txt = tmp_path / "reuters_dev" / "txt"
    txt.mkdir(parents=True)
    for seed in sorted((ROOT / "seeds").glob("*.txt")):
        shutil.copy(seed, txt / seed.name)
    body = "The council met on Tuesday and agreed the budget for the coming year after a long debate. " * 3
    (tmp_path / "bbc_dev").mkdir()
    (tmp_path / "bbc_dev" / "bbc_dev.jsonl").write_text(json.dumps({"id": "b1", "title": "Budget agreed", "body": body}) + "\n")

    assert _module().main(["--devsets", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "## reuters_dev: 5 files, 5 articles loaded" in out
    assert "quarantined 1 (20.00%; target <= 3%)" in out  # seed 001, the lying dateline
    (line,) = [x for x in out.splitlines() if x.startswith("- quarantined ")]
    assert line.startswith("- quarantined 001_") and "inconsistent: claimed=2024-03-29" in line and "evidence:" in line
    assert "## bbc_dev: 1 files, 1 articles loaded" in out
    assert "| bbc_dev | 0.00% |" in out


def test_absent_devsets_are_said_and_not_an_error(tmp_path, capsys):
    assert _module().main(["--devsets", str(tmp_path / "nowhere")]) == 0
    assert "devsets absent" in capsys.readouterr().out
