"""bench/eval_language.py on a tiny devsets folder built here (no real devsets needed)."""
import json
import subprocess
import sys

from tests.conftest import ROOT

ENGLISH = ("The council approved the budget on Tuesday after a long debate about road repairs and school "
           "funding. The mayor said the vote showed the city could plan ahead for the first time in years. ")
GERMAN = ("Der Stadtrat hat am Dienstag nach einer langen Debatte über Straßenreparaturen und die Finanzierung "
          "der Schulen den Haushalt beschlossen. Die Bürgermeisterin sagte, die Stadt könne nun endlich planen. ")


def _page(lang: str, text: str) -> str:
    return (f'<!DOCTYPE html><html lang="{lang}"><head><title>Haushalt</title></head><body><article><h1>Haushalt'
            f"</h1><p>{text * 3}</p><p>{text}</p></article></body></html>")


def _devsets(tmp_path):
    root = tmp_path / "devsets"
    for name in ("reuters_dev", "bbc_dev", "giveme5w1h_gold"):
        (root / name).mkdir(parents=True)
        rows = [{"id": f"{name}-{i}", "title": "T", "body": ENGLISH * (i + 1)} for i in range(3)]
        (root / name / "dev.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    (root / "newsplease_dev").mkdir()
    (root / "newsplease_dev" / "a.json").write_text(json.dumps({"title": "T", "text": ENGLISH * 2}), encoding="utf-8")
    (root / "htmldate_dev" / "html").mkdir(parents=True)
    # A German article under a template's lang="en": the declared language is wrong, the detector right.
    (root / "htmldate_dev" / "html" / "de.html").write_text(_page("en", GERMAN), encoding="utf-8")
    (root / "htmldate_dev" / "html" / "en.html").write_text(_page("en-GB", ENGLISH), encoding="utf-8")
    return root


def test_detectors_are_measured_and_a_wrong_declared_language_is_shown(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "eval_language.py"), "--devsets",
                           str(_devsets(tmp_path)), "--rounds", "1"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "12 texts (12 of known language; non-English: 0)" in out
    assert "dateline: 11/12 as known, 0 no answer, 1 another language" in out  # the German page, declared en
    # Every English text is plainly English by its function words; the German page is not.
    assert "function-word shortcut: 11/12 texts settled as English" in out
    assert "the detector agrees on 11/11; of them, known to be in another language: 0" in out
    assert "page: declared en, dateline de" in out
    assert "ms per text" in out and "peak RSS" in out


def test_missing_devsets_is_not_an_error(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "eval_language.py"), "--devsets",
                           str(tmp_path / "none")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "devsets not found" in done.stdout
