"""Language detectors measured for ``articles.language`` (issue 21): py3langid against lingua, on dev texts.

    .venv/bin/python bench/eval_language.py [--devsets DIR] [--per-corpus N] [--prefix CHARS]

Texts and what is known of their language:
- ``reuters_dev``, ``bbc_dev``, ``giveme5w1h_gold`` bodies and ``newsplease_dev`` texts: English corpora
  (their READMEs say so; ``newsplease_dev`` carries no ``language`` value to compare with).
- ``htmldate_dev`` pages: the main text dateline extracts (``sources.htmlpage``), against the language the
  page declares on ``<html lang=...>`` (pages declaring none are counted apart, as unknown).

Reported per detector: accuracy per corpus on the first ``--prefix`` characters of the body (dateline detects
on a bounded prefix) and on the whole body, ms per text (median of alternating rounds, in this process,
after a warm-up), and in a fresh interpreter the import-and-first-detection time and the peak RSS it adds.
Then ``dateline.parse.language`` itself (py3langid on its prefix, ISO 639-1 only, its confidence floor) the
same way, and what it costs the ``.txt`` path: ``normalize_files`` with and without it, side by side.
Each disagreement on a page is printed with both answers, so the truth can be checked by eye. Reads the
devsets in place; says so and exits 0 when they are absent. A detector that is not installed is skipped.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.eval_pubdate import _find_devsets  # noqa: E402

_LANG_ATTR = re.compile(rb"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3})\b", re.IGNORECASE)


def _jsonl_bodies(folder: Path, n: int) -> list[str]:
    out: list[str] = []
    for p in sorted(folder.glob("*.jsonl")):
        with p.open(encoding="utf-8") as fh:
            for line in fh:
                if line.strip() and (body := json.loads(line).get("body")):
                    out.append(body)
                if len(out) >= n:
                    return out
    return out


def dev_texts(root: Path, n: int) -> list[tuple[str, str, str | None]]:
    """(corpus, text, language known) for every text measured."""
    rows: list[tuple[str, str, str | None]] = []
    for name in ("reuters_dev", "bbc_dev", "giveme5w1h_gold"):
        rows += [(name, t, "en") for t in _jsonl_bodies(root / name, n)]
    for p in sorted((root / "newsplease_dev").glob("*.json"))[:n]:
        obj = json.loads(p.read_text(encoding="utf-8"))
        if body := obj.get("maintext") or obj.get("text"):
            rows.append(("newsplease_dev", body, obj.get("language") or "en"))
    from dateline.sources.htmlpage import HtmlArticle, parse_html_article

    for p in sorted((root / "htmldate_dev" / "html").glob("*.htm*")):
        data = p.read_bytes()
        art = parse_html_article(data.decode("utf-8", "replace"))
        if isinstance(art, HtmlArticle):
            m = _LANG_ATTR.search(data)
            rows.append(("htmldate_dev", art.body, m.group(1).lower().decode() if m else None))
    return rows


def _detectors() -> dict:
    from dateline.parse import language

    found = {"dateline": lambda t: language.detect(t)[0]}
    try:
        import py3langid

        found["py3langid"] = lambda t: py3langid.classify(t)[0]
    except ImportError:
        pass
    try:
        from lingua import LanguageDetectorBuilder

        for label, builder in (("lingua", LanguageDetectorBuilder.from_all_languages()),
                               ("lingua-low", LanguageDetectorBuilder.from_all_languages().with_low_accuracy_mode())):
            det = builder.build()

            def detect(t: str, det=det) -> str | None:
                lang = det.detect_language_of(t)
                return lang.iso_code_639_1.name.lower() if lang is not None else None

            found[label] = detect
    except ImportError:
        pass
    return found


# Run in a fresh interpreter: what importing the detector and its first answer cost (models load lazily).
_COLD = {
    "dateline": "from dateline.parse import language; language.detect(TEXT)",
    "py3langid": "import py3langid; py3langid.classify(TEXT)",
    "lingua": "from lingua import LanguageDetectorBuilder as B; B.from_all_languages().build().detect_language_of(TEXT)",
    "lingua-low": "from lingua import LanguageDetectorBuilder as B; "
                  "B.from_all_languages().with_low_accuracy_mode().build().detect_language_of(TEXT)",
}


def cold_cost(name: str, texts: list[str]) -> tuple[float, float, float]:
    """(seconds to import and answer once, peak RSS MiB before, peak RSS MiB after all texts) in a fresh process.
    Peak RSS is the process's VmHWM (Linux): ``ru_maxrss`` would carry over the parent's peak across exec."""
    code = (
        "import json,sys,time\n"
        "texts=json.loads(sys.stdin.read()); TEXT=texts[0]\n"
        "hwm=lambda: int(open('/proc/self/status').read().split('VmHWM:')[1].split()[0])\n"
        "r0=hwm()\n"
        "t0=time.perf_counter()\n"
        f"{_COLD[name]}\n"
        "t1=time.perf_counter()\n"
        f"{_COLD[name].rsplit(';', 1)[0]}\n"
        f"d={_COLD[name].rsplit(';', 1)[1].strip().replace('(TEXT)', '')}\n"
        "for t in texts: d(t)\n"
        "r1=hwm()\n"
        "print(json.dumps([t1-t0, r0/1024, r1/1024]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, input=json.dumps(texts), capture_output=True, text=True,
                         check=True)
    return tuple(json.loads(out.stdout))


def txt_cost(root: Path, rounds: int) -> list[tuple[str, int, float, float]]:
    """(corpus, articles, CPU ms per article with detection, without) of ``normalize_files`` on the ``.txt``
    dumps of reuters_dev and giveme5w1h_gold, the two timed in alternating rounds in this process. Without =
    ``language.article_language`` answering None (every article judged by the English rules, as before)."""
    from dateline.parse import language
    from dateline.parse.normalize import normalize_files
    from dateline.sources.files import discover_files, read_file

    real = language.article_language
    out = []
    for name in ("reuters_dev", "giveme5w1h_gold"):
        if not (root / name / "txt").is_dir():
            continue
        files = [read_file(p, max_bytes=10 << 20) for p in discover_files([root / name / "txt"])]
        normalize_files(files[:50], "warm")
        with_, without = [], []
        for _ in range(rounds):
            for fn, sink in ((real, with_), (lambda body, declared=None: None, without)):
                language.article_language = fn
                try:
                    t0 = time.process_time()  # CPU time: the machine is shared, wall time swings 30%
                    n = len(normalize_files(files, "bench").articles)
                    sink.append((time.process_time() - t0) * 1000 / max(n, 1))
                finally:
                    language.article_language = real
        out.append((name, n, sorted(with_)[len(with_) // 2], sorted(without)[len(without) // 2]))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--devsets")
    ap.add_argument("--per-corpus", type=int, default=100, help="texts per English corpus")
    ap.add_argument("--prefix", type=int, default=1000, help="characters of the body a detector is given")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    root = _find_devsets(args.devsets)
    if root is None or not (root / "htmldate_dev").is_dir():
        print("devsets not found (looked for ../shared/devsets and $DATELINE_DEVSETS): nothing to evaluate.")
        return 0
    rows = dev_texts(root, args.per_corpus)
    detectors = _detectors()
    corpora = sorted({c for c, _, _ in rows})
    known = [r for r in rows if r[2]]
    print(f"{len(rows)} texts ({len(known)} of known language; non-English: "
          f"{sum(1 for r in known if r[2] != 'en')}), prefix {args.prefix} characters")
    answers: dict[str, list] = {}
    for name, detect in detectors.items():
        for t in (rows[0][1], rows[-1][1]):
            detect(t[: args.prefix])  # warm-up: lazily loaded models
        answers[name] = [detect(t[: args.prefix]) for _, t, _ in rows]
        full = [detect(t) for _, t, _ in rows]
        per = []
        for c in corpora:
            idx = [i for i, r in enumerate(rows) if r[0] == c and r[2]]
            ok = sum(answers[name][i] == rows[i][2] for i in idx)
            ok_full = sum(full[i] == rows[i][2] for i in idx)
            per.append(f"{c} {ok}/{len(idx)} (whole body {ok_full})")
        total = sum(a == r[2] for a, r in zip(answers[name], rows, strict=True) if r[2])
        unknown = sum(a is None for a, r in zip(answers[name], rows, strict=True) if r[2])
        non_en = [(a, r) for a, r in zip(answers[name], rows, strict=True) if r[2] and r[2] != "en"]
        print(f"{name}: {total}/{len(known)} as known, {unknown} no answer, {len(known) - total - unknown} another "
              f"language; non-English {sum(a == r[2] for a, r in non_en)}/{len(non_en)}; " + "; ".join(per))
    from dateline.parse import language

    fast = [i for i, (_, t, _) in enumerate(rows) if language.plainly_english(t)]
    agree = sum(language.classify(rows[i][1])[0] == "en" for i in fast)
    print(f"dateline's function-word shortcut: {len(fast)}/{len(rows)} texts settled as English without the "
          f"detector; the detector agrees on {agree}/{len(fast)}; of them, known to be in another language: "
          f"{sum(1 for i in fast if rows[i][2] not in (None, 'en'))}")
    times: dict[str, list[float]] = {n: [] for n in detectors}
    texts = [t[: args.prefix] for _, t, _ in rows]
    for _ in range(args.rounds):
        for name, detect in detectors.items():
            t0 = time.perf_counter()
            for t in texts:
                detect(t)
            times[name].append((time.perf_counter() - t0) * 1000 / len(texts))
    for name in detectors:
        cold, rss0, rss1 = cold_cost(name, texts)
        print(f"{name}: {sorted(times[name])[len(times[name]) // 2]:.3f} ms per text (median of {args.rounds}); "
              f"cold import + first answer {cold:.2f} s; peak RSS {rss0:.0f} -> {rss1:.0f} MiB "
              f"(+{rss1 - rss0:.0f}) over the {len(texts)} texts")
    for name, n, ms_with, ms_without in txt_cost(root, args.rounds):
        print(f"normalize on {name}/txt ({n} articles, median of {args.rounds} alternating rounds): "
              f"{ms_with:.3f} CPU ms per article with language detection, {ms_without:.3f} without "
              f"(ratio {ms_with / ms_without:.3f})")
    for i, (c, t, lang) in enumerate(rows):
        said = {n: answers[n][i] for n in detectors}
        if c == "htmldate_dev" and (lang is None or any(v != lang for v in said.values())):
            print(f"  page: declared {lang}, " + ", ".join(f"{n} {v}" for n, v in said.items())
                  + f": {t[:70]!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
