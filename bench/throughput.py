"""Throughput benchmark (issue 5): dateline against the I/O floor and a naive Prefect pipeline.

    .venv/bin/python bench/throughput.py                    # N = 20,000 (reuters_dev, renamed copies), all modes
    .venv/bin/python bench/throughput.py --n 100000 --modes floor,dateline,split
    .venv/bin/python bench/throughput.py --corpus DIR       # any folder of .txt files, used as is
    .venv/bin/python bench/throughput.py --profile --modes= # only the cProfile of the pure path

One run measures every mode on the same corpus, each in a fresh child process (so each peak RSS is its
own), and reports ratios measured in that run (this machine is noisy; compare ratios, not absolutes):

- ``floor``: read every file, SHA-256 it, bulk-load the raw text into DuckDB (Arrow insert).
- ``dateline``: the real ``news-etl`` flow in Prefect's ephemeral mode. Prefect start-up (a trivial
  flow run, which starts the server) is timed apart from processing; per-stage times are the task
  runs' ``total_run_time`` read back through the Prefect client.
- ``naive``: a typical first Prefect pipeline (one task per article, ``dateparser.search.search_dates``
  over the whole text, row-by-row ``INSERT``) on ``--naive-n`` articles, extrapolated per article.
- ``nostories``: the same flow with stories off (``stories=False``: no signing, no stories stage, no corpus
  date check) into its own database: what stories cost in all is this run against ``dateline``.
- ``rerun``: ``news-etl`` again over the unchanged corpus into the same database.
- ``split``: normalize split into text parse / dates / sanity / records by timing the pure functions on
  a sample (``--split-n``, cold caches), used to apportion the run's ``normalize_batch`` time.

The corpus is built from ``../shared/devsets/reuters_dev/txt`` (read in place, never copied into the
repo): the originals, then copies of them up to N files in a temp dir, each copy with its own vocabulary
(``--kind renamed``, the default: distinct stories) or perturbed (``--kind copies``: every story again).
When the devsets are absent the script says so and exits 0.

Results: a table on stdout and the same figures as JSON in ``bench/results/latest.json`` (git-ignored),
plus a time-stamped copy, so runs can be compared.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import re
import shutil
import statistics
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RESULTS_DIR = ROOT / "bench" / "results"
ALL_MODES = ("floor", "dateline", "nostories", "naive", "rerun", "split")
# nostories: the same flow with stories off, on the same corpus, so what stories cost in all (signing in
# the parse workers, the signatures' load, the stage, the corpus date check) is a ratio within one bench run
DEFAULT_MODES = "floor,dateline,nostories,naive,rerun,split"

# Targets from issue 5 (the throughput one is stated at N = 100k, start-up excluded).
TARGET_RATE = 2000.0
TARGET_VS_NAIVE = 100.0
TARGET_VS_FLOOR = 0.25
TARGET_RSS_MB = 1536.0
TARGET_RERUN = 0.05
TARGET_STORIES_SHARE = 0.15  # issue 20: the stories stage adds at most 15% to a run
TARGET_STAGE_SHARE = 0.10
WARM_N = 200  # files used to warm a process up (imports, dateparser data) before split / profile timings


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def _prefect_env() -> None:
    """Prefect's ephemeral mode on an offline machine; must run before prefect is imported."""
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")


def _proc_status(pid: int | str = "self") -> dict[str, int]:
    """VmHWM / VmRSS of a process in kB (empty when /proc is not there)."""
    out: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(("VmHWM:", "VmRSS:")):
                    k, v = line.split(":", 1)
                    out[k] = int(v.split()[0])
    except OSError:
        pass
    return out


def _peak_rss_mb() -> float | None:
    hwm = _proc_status().get("VmHWM")
    if hwm is not None:
        return round(hwm / 1024, 1)
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def own_rss_kb() -> int:
    """This process's RSS in kB, from /proc/self/statm: one short read, cheap enough to sample every
    0.05-0.1 s while a stage runs (``ChildrenRss``, ``eval_stories.rss_growth``)."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)


def _cpu_s(pid: int | str = "self") -> float | None:
    """User + system CPU seconds a process has used so far (from /proc; None if it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def _role(pid: int) -> str:
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return "other"
    if "uvicorn" in cmd or "prefect.server" in cmd:
        return "Prefect server"
    if "resource_tracker" in cmd:
        return "other"
    if "multiprocessing" in cmd or "dask" in cmd or "distributed" in cmd:
        return "parse workers"
    return "other"


def _rss_pss_kb(pid: int | str) -> tuple[int, int]:
    """(RSS, PSS) of a process in kB, from /proc/<pid>/smaps_rollup ((0, 0) where it cannot be read).

    PSS charges each shared page to its processes in equal parts, so PSS summed over the run's
    processes is the memory they take together; summed RSS counts every shared library (Python,
    numpy, pyarrow, DuckDB, each mapped by the flow and both workers) once per process."""
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


class ChildrenRss:
    """Samples this process's descendants (parse workers, Prefect server) twice a second: their summed
    RSS (workers end with the run, so their peaks cannot be read afterwards) and the CPU seconds each
    has used, by role. CPU a child used in its last half second before exiting is missed.

    It also sums the whole run's memory at each sample, this process included: ``tree_rss_mb`` and
    ``tree_pss_mb`` are the largest of those sums (processes' peaks at the same moment, unlike the
    flow's peak plus the children's)."""

    def __init__(self) -> None:
        import threading

        self.peak_mb, self._stop = 0.0, threading.Event()
        # This process's RSS over time (epoch s, kB), every 0.1 s (``own_rss_kb``):
        # what a stage adds to the flow's memory is read from it over the stage's task-run window.
        self.own_rss: list[tuple[float, int]] = []
        self._own_thread = threading.Thread(target=self._sample_own, daemon=True)
        self.tree_rss_mb = self.tree_pss_mb = 0.0
        self._cpu0: dict[int, float] = {}  # CPU a child had used when sampling began (the server's start-up)
        self._cpu: dict[int, tuple[str, float]] = {}
        self._thread = threading.Thread(target=self._sample, daemon=True)
        for pid in _descendant_pids():
            self._cpu0[pid] = _cpu_s(pid) or 0.0
        self.own_cpu0 = _cpu_s()

    def cpu_by_role(self) -> dict[str, float]:
        """CPU seconds used during the block: this process ("flow") and its children by role."""
        out: dict[str, float] = {"flow": round((_cpu_s() or 0.0) - (self.own_cpu0 or 0.0), 1)}
        for pid, (role, used) in self._cpu.items():
            out[role] = round(out.get(role, 0.0) + used - self._cpu0.get(pid, 0.0), 1)
        return out

    def __enter__(self) -> "ChildrenRss":
        self._thread.start()
        self._own_thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._own_thread.join()

    def _sample_own(self) -> None:
        while True:
            try:
                self.own_rss.append((time.time(), own_rss_kb()))
            except OSError:  # no /proc: no samples, and no figure
                return
            if self._stop.wait(0.1):
                return

    def rss_over(self, start: float, end: float) -> dict[str, float] | None:
        """This process's RSS at ``start`` (the last sample before it), its peak from ``start`` to ``end``
        and its peak before ``start`` (what the run had reached), in MB; None without samples in the window."""
        before = [kb for t, kb in self.own_rss if t < start]
        during = [kb for t, kb in self.own_rss if start <= t <= end]
        if not before or not during:
            return None
        return {"at_start_mb": round(before[-1] / 1024, 1), "peak_mb": round(max(during) / 1024, 1),
                "peak_before_mb": round(max(before) / 1024, 1)}

    def _sample(self) -> None:
        while not self._stop.wait(0.5):
            pids = _descendant_pids()
            children = [_rss_pss_kb(p) for p in pids]  # one read of each child gives both figures
            own_rss, own_pss = _rss_pss_kb(os.getpid())
            self.peak_mb = max(self.peak_mb, sum(r for r, _ in children) / 1024)
            self.tree_rss_mb = max(self.tree_rss_mb, (own_rss + sum(r for r, _ in children)) / 1024)
            self.tree_pss_mb = max(self.tree_pss_mb, (own_pss + sum(p for _, p in children)) / 1024)
            for pid in pids:
                used = _cpu_s(pid)
                if used is not None:
                    role = self._cpu[pid][0] if pid in self._cpu else _role(pid)
                    self._cpu[pid] = (role, used)


def _descendant_pids() -> set[int]:
    parents: dict[int, int] = {}
    for d in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as fh:
                parents[int(d)] = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
    mine, frontier = set(), {os.getpid()}
    while frontier:
        frontier = {p for p, pp in parents.items() if pp in frontier and p not in mine}
        mine |= frontier
    return mine


def _descendants_peak_rss_mb() -> dict[str, float]:
    """Peak RSS of this process's live descendants (the Prefect ephemeral server), by pid and command."""
    mine = _descendant_pids()
    out = {}
    for pid in sorted(mine):
        hwm = _proc_status(pid).get("VmHWM")
        if hwm:
            try:
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:80].strip()
            except OSError:
                cmd = "?"
            out[f"{pid} {cmd}"] = round(hwm / 1024, 1)
    return out


def _discover(corpus: Path) -> list[str]:
    from dateline.sources.files import discover_files  # the flow's own discovery: same files, same order

    return discover_files([str(corpus)])


def _fmt(x, digits: int = 1) -> str:
    if x is None:
        return "-"
    if isinstance(x, bool):
        return "yes" if x else "NO"
    if isinstance(x, int):
        return f"{x:,}"
    if isinstance(x, float):
        if abs(x) >= 1000:
            return f"{x:,.0f}"
        return f"{x:,.{digits}f}"
    return str(x)


def _table(header: list[str], rows: list[list], title: str | None = None) -> str:
    cells = [[_fmt(c) if not isinstance(c, str) else c for c in r] for r in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in cells)) if cells else len(str(h)) for i, h in enumerate(header)]
    lines = []
    if title:
        lines.append(title)
    lines.append("  ".join(str(h).ljust(w) if i == 0 else str(h).rjust(w) for i, (h, w) in enumerate(zip(header, widths))))
    lines.append("  ".join("-" * w for w in widths))
    for r in cells:
        lines.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Corpus: the dev set and copies of it up to N files, every file with a distinct content hash
# --------------------------------------------------------------------------------------------

# Word swaps that change bytes without touching anything date-like.
_SWAPS = [
    (" said ", " says "), (" company ", " firm "), (" pct ", " percent "), (" dlrs ", " dollars "),
    (" shares ", " stock "), (" also ", " further "), (" will ", " would "),
    (" Inc ", " Inc. "), (" Corp ", " Corp. "), (" told ", " informed "), (" expected ", " anticipated "),
]
_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


def _code(i: int) -> str:
    """A letters-only reference (no digits: nothing a date tagger could take for a number)."""
    s = ""
    i += 24 * 24  # at least three letters
    while i:
        i, r = divmod(i, len(_LETTERS))
        s = _LETTERS[r] + s
    return s


def perturb(text: str, copy: int, seed: int) -> str:
    """Copy ``copy`` (>= 1) of an article: title and date lines kept, one or two word swaps in the body,
    and a letters-only reference line before the sign-off, so ids and content hashes all differ."""
    rng = random.Random(seed)
    head, sep, body = text.partition("\n\n")
    if not sep:
        head, body = "", text
    for _ in range(rng.randint(1, 2)):
        a, b = _SWAPS[rng.randrange(len(_SWAPS))]
        hits = [m.start() for m in re.finditer(re.escape(a), body)]
        if hits:
            at = hits[rng.randrange(len(hits))]
            body = body[:at] + b + body[at + len(a):]
    lines = body.rstrip("\n").split("\n")
    ref = f"    (Ref. {_code(seed)}-{_code(copy)})"
    if lines and 0 < len(lines[-1].strip()) <= 12:  # keep a wire sign-off ("Reuter") last
        lines.insert(len(lines) - 1, ref)
    else:
        lines.append(ref)
    return head + sep + "\n".join(lines) + "\n"


_LETTER_WORD = re.compile(r"[A-Za-z]+")
#: Words renamed among themselves: a band of this many words of similar frequency in the originals.
RENAME_BAND = 32
#: How a generated corpus's copies 1.. are made (``build_corpus``).
CORPUS_KINDS = ("copies", "renamed")


def kept_words() -> frozenset[str]:
    """The lower-case words a renamed copy keeps: the words of dateline's own string constants (its regexes
    and word lists, docstrings left out: month names, "ago", "quarter", "Reuter", ...), the stop words of
    the stories' terms, and words of one or two letters. Everything dateline reads a date or a language
    from stays as it was."""
    import ast

    from dateline.stories.features import STOPWORDS

    words: set[str] = set()
    for path in (ROOT / "dateline").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                      and node.body and isinstance(node.body[0], ast.Expr)
                      and isinstance(node.body[0].value, ast.Constant)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                words.update(w.lower() for w in _LETTER_WORD.findall(node.value))
    return frozenset(words | STOPWORDS)


def renamable_words(texts: list[str]) -> list[str]:
    """The originals' words a renamed copy renames (all but ``kept_words``), lower case, most frequent first."""
    kept = kept_words()
    counts: dict[str, int] = defaultdict(int)
    for t in texts:
        for w in _LETTER_WORD.findall(t):
            counts[w.lower()] += 1
    return sorted((w for w in counts if len(w) > 2 and w not in kept), key=lambda w: (-counts[w], w))


def renaming(ranked: list[str], copy: int) -> dict[str, str]:
    """Copy ``copy``'s vocabulary: each of ``ranked`` (``renamable_words``) renamed to another of similar
    frequency: shuffled within bands of RENAME_BAND, seeded by the copy."""
    rng = random.Random(copy)
    mapping = {}
    for start in range(0, len(ranked), RENAME_BAND):
        band = ranked[start:start + RENAME_BAND]
        shuffled = band[:]
        rng.shuffle(shuffled)
        mapping.update(zip(band, shuffled))
    return mapping


_DIGITS = re.compile(r"[0-9]+")


def renumbering(copy: int) -> dict[int, str]:
    """Copy ``copy``'s digits: 1-9 shuffled (seeded by the copy), 0 kept, so no number gains a leading zero."""
    digits = list("123456789")
    random.Random(-copy).shuffle(digits)
    return str.maketrans(dict(zip("123456789", digits)))


def rename(text: str, mapping: dict[str, str], digits: dict[int, str] | None = None) -> str:
    """``text`` with its words renamed (``renaming``), each keeping its case (Title, UPPER or lower), and with
    ``digits`` (``renumbering``) its numbers of three digits or more other than years (1900 to 2099): the
    figures of a wire's templated reports (results, dividends) are what tells one company's report from
    another's. Numbers of one or two digits stay: days, months, hours, minutes and seconds (a first version
    renumbered those over 31 and made date lines with 76 seconds)."""
    def swap(m: re.Match) -> str:
        w = m.group(0)
        new = mapping.get(w.lower())
        if new is None:
            return w
        return new.upper() if w.isupper() and len(w) > 1 else new.capitalize() if w[0].isupper() else new

    def renumber(m: re.Match) -> str:
        d = m.group(0)
        if len(d) <= 2 or len(d) == 4 and 1900 <= int(d) <= 2099:
            return d
        return d.translate(digits)

    text = _LETTER_WORD.sub(swap, text)
    return _DIGITS.sub(renumber, text) if digits else text


def build_corpus(source: Path, n: int, dest: Path, kind: str = "renamed") -> dict:
    """Write ``n`` files under ``dest``: copy 0 is the originals as they are, copies 1.. are made by ``kind``:

    - ``renamed`` (the default since stop 26): each copy is the originals with their own vocabulary
      (``renaming``): dates, times, stop words and every word dateline matches on kept, other words
      renamed among words of similar frequency, figures of three digits or more but years renumbered. A copy has the originals'
      stories and near-duplicates among its own articles and fewer with another copy's (at 100,000: 16.4% of
      the articles have a near-duplicate; reuters_dev alone 1.6%): many distinct stories, as in a real dump,
      so the stories stage clusters 100,000 articles, not 2,000 told 50 times;
    - ``copies``: each original perturbed (``perturb``): at 100,000 articles every story is told by 50
      near-identical articles (2.5 M near-duplicate pairs). The benchmarks' corpus until stop 26; before
      stop 26's changes to the stage, it cost 0.12 ms per article there against 0.22 on ``renamed``.

    Files go to ``dest/cNNN/``, so the flow's sorted discovery meets all originals first, then all first
    copies, and so on: every batch holds distinct stories, as in a real dump.
    """
    if kind not in CORPUS_KINDS:
        raise SystemExit(f"unknown corpus kind {kind!r}: one of {', '.join(CORPUS_KINDS)}")
    originals = sorted(p for p in source.iterdir() if p.suffix.lower() == ".txt")
    if not originals:
        raise SystemExit(f"no .txt files in {source}")
    texts = [p.read_bytes().decode("utf-8", errors="replace") for p in originals]
    ranked = renamable_words(texts) if kind == "renamed" else []
    dest.mkdir(parents=True, exist_ok=True)
    written = 0
    size = 0
    hashes: set[str] = set()
    copy = 0
    while written < n:
        folder = dest / f"c{copy:03d}"
        folder.mkdir(exist_ok=True)
        mapping = renaming(ranked, copy) if kind == "renamed" and copy else None
        digits = renumbering(copy) if mapping is not None else None
        for j, (p, t) in enumerate(zip(originals, texts)):
            if written >= n:
                break
            made = (t if copy == 0 else rename(t, mapping, digits) if mapping is not None
                    else perturb(t, copy, j * 1000 + copy))
            data = made.encode("utf-8")
            h = hashlib.sha256(data).hexdigest()
            if h in hashes:  # a perturbed copy's reference line or a renamed copy's words make it rare: never twice
                data += f"\n    (Ref. {_code(written)})\n".encode()
                h = hashlib.sha256(data).hexdigest()
            hashes.add(h)
            (folder / f"{p.stem}-c{copy:03d}.txt").write_bytes(data)
            written += 1
            size += len(data)
        copy += 1
    return {"files": written, "bytes": size, "originals": len(originals), "copies": copy, "kind": kind}


def work_with_corpus(n: int, prefix: str) -> Path | None:
    """A new temp folder whose ``corpus/`` holds ``n`` generated articles (for scripts comparing runs over one
    corpus); None, said on stdout, without the devsets."""
    source = find_source(None)
    if source is None:
        print("no devset corpus to replicate (../shared/devsets/reuters_dev/txt): nothing measured")
        return None
    work = Path(tempfile.mkdtemp(prefix=prefix))
    print(f"building a corpus of {n:,} articles from {source} in {work}", flush=True)
    build_corpus(source, n, work / "corpus")
    return work


def find_source(arg: str | None) -> Path | None:
    cands = [arg] if arg else [
        os.environ.get("DATELINE_DEVSETS") and str(Path(os.environ["DATELINE_DEVSETS"]) / "reuters_dev" / "txt"),
        str(ROOT.parent / "shared" / "devsets" / "reuters_dev" / "txt"),
        "/work/shared/devsets/reuters_dev/txt",
    ]
    for c in cands:
        if c and Path(c).is_dir():
            return Path(c)
    return None


# --------------------------------------------------------------------------------------------
# Modes (each runs in its own child process)
# --------------------------------------------------------------------------------------------


def mode_floor(args) -> dict:
    """Read, hash, bulk-load the raw text: what the disk, hashing and DuckDB allow at best."""
    import duckdb
    import pyarrow as pa

    # Start-up, not throughput: pyarrow's first table build costs ~2 s once per process, like Prefect's start.
    t0 = time.perf_counter()
    con = duckdb.connect(args.db)
    con.execute("CREATE OR REPLACE TABLE raw_articles (path VARCHAR, content_sha256 VARCHAR, size_bytes BIGINT, body VARCHAR)")
    warm = pa.table({"path": ["x"], "content_sha256": ["x"], "size_bytes": [1], "body": ["x"]})  # noqa: F841
    con.execute("CREATE TEMP TABLE warm AS SELECT * FROM warm")
    startup_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    files = _discover(Path(args.corpus))
    t_discover = time.perf_counter() - t0
    t_read = t_load = 0.0
    chunk = 10_000
    nbytes = 0
    for start in range(0, len(files), chunk):
        t = time.perf_counter()
        paths, hashes, sizes, bodies = [], [], [], []
        for p in files[start:start + chunk]:
            with open(p, "rb") as fh:
                data = fh.read()
            paths.append(p)
            hashes.append(hashlib.sha256(data).hexdigest())
            sizes.append(len(data))
            bodies.append(data.decode("utf-8", errors="replace"))
        nbytes += sum(sizes)
        tbl = pa.table({"path": paths, "content_sha256": hashes, "size_bytes": sizes, "body": bodies})  # noqa: F841
        t_read += time.perf_counter() - t
        t = time.perf_counter()
        con.execute("BEGIN TRANSACTION")
        con.execute("INSERT INTO raw_articles SELECT * FROM tbl")
        con.execute("COMMIT")
        t_load += time.perf_counter() - t
    con.execute("CHECKPOINT")
    rows = con.execute("SELECT count(*) FROM raw_articles").fetchone()[0]
    con.close()
    total = time.perf_counter() - t0
    return {
        "articles": len(files), "rows_loaded": rows, "bytes": nbytes, "processing_s": total, "startup_s": startup_s,
        "stages": {"discover": t_discover, "read+hash": t_read, "load": t_load,
                   "checkpoint (rest)": max(0.0, total - t_discover - t_read - t_load)},
    }


def _task_run_times(flow_run_id: str, expected_min: int, timeout_s: float = 90.0) -> dict:
    """Sum of ``total_run_time`` per task name for one flow run, read back through the Prefect client.

    Task-run states reach the server as events, shortly after the run: poll until the count is stable
    and every task run is in a final state.
    """
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    flt = FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
    deadline = time.monotonic() + timeout_s
    runs: list = []
    with get_client(sync_client=True) as client:
        last = -1
        while True:
            runs, offset = [], 0
            while True:
                page = client.read_task_runs(flow_run_filter=flt, limit=200, offset=offset)
                runs.extend(page)
                if len(page) < 200:
                    break
                offset += 200
            final = all(r.state is not None and r.state.is_final() for r in runs)
            if (len(runs) >= expected_min and final and len(runs) == last) or time.monotonic() > deadline:
                break
            last = len(runs)
            time.sleep(1.0)
        flow_run = client.read_flow_run(flow_run_id)
    loads = [r.end_time for r in runs if r.name.startswith("load_batch") and r.end_time]
    first_load_end_s = (min(loads) - flow_run.start_time).total_seconds() if loads and flow_run.start_time else None
    per: dict[str, list[float]] = defaultdict(list)
    for r in runs:
        name = r.name.rsplit("-", 1)[0] if "-" in r.name else r.name
        per[name].append(r.total_run_time.total_seconds())
    return {
        "task_runs": len(runs),
        "all_final": all(r.state is not None and r.state.is_final() for r in runs),
        "per_task": {k: {"count": len(v), "total_s": sum(v), "max_s": max(v), "median_s": statistics.median(v)}
                     for k, v in sorted(per.items())},
        "first_by_start": _first_by_start(runs),
        "flow_run_total_run_time_s": flow_run.total_run_time.total_seconds(),
        "first_load_end_s": first_load_end_s,
        "windows": _windows(runs),
    }


def _windows(runs) -> dict[str, tuple[float, float]]:
    """Each task's first start and last end as epoch seconds (the stories stage runs once a run)."""
    out: dict[str, tuple[float, float]] = {}
    for r in runs:
        if r.start_time is None or r.end_time is None:
            continue
        name = r.name.rsplit("-", 1)[0]
        start, end = r.start_time.timestamp(), r.end_time.timestamp()
        out[name] = (min(start, out[name][0]), max(end, out[name][1])) if name in out else (start, end)
    return out


def _first_by_start(runs) -> dict[str, float]:
    """Duration of each task's first run (validate's first one pays the Great Expectations import)."""
    firsts: dict[str, tuple] = {}
    for r in runs:
        name = r.name.rsplit("-", 1)[0]
        st = r.start_time or r.expected_start_time
        if st is None:
            continue
        if name not in firsts or st < firsts[name][0]:
            firsts[name] = (st, r.total_run_time.total_seconds())
    return {k: v[1] for k, v in firsts.items()}


def _prefect_startup() -> float:
    """Start the ephemeral server by running a trivial flow; returns the time it took."""
    from prefect import flow

    @flow(name="bench-warmup")
    def warmup() -> int:
        return 1

    t = time.perf_counter()
    warmup()
    return time.perf_counter() - t


def mode_dateline(args, stories: bool | None = None) -> dict:
    _prefect_env()
    t = time.perf_counter()
    import prefect  # noqa: F401
    from dateline.orchestration import runners
    from dateline.settings import get_settings
    from flows.news_etl import news_etl

    settings = get_settings(task_runner=args.task_runner, workers=args.workers or None)
    flow = news_etl.with_options(task_runner=runners.task_runner_for(settings))
    import_s = time.perf_counter() - t
    files = _discover(Path(args.corpus))
    t = time.perf_counter()
    # As `dateline run` does: a local server the parse workers share (Prefect's ephemeral server, started
    # explicitly), then a trivial flow run; both are start-up, not processing.
    with runners.shared_api():
        startup_s = time.perf_counter() - t + _prefect_startup()
        t = time.perf_counter()
        with ChildrenRss() as children:
            summary = flow(paths=[str(args.corpus)], db=args.db, batch_size=args.batch_size, stories=stories)
        processing_s = time.perf_counter() - t
        t = time.perf_counter()
        # read + drop_loaded per batch of the files left to read (none in a re-run over an unchanged corpus:
        # expecting the cold run's count there made the read-back wait out its 90 s timeout)
        batches = -(-(summary["files_seen"] - summary["already_loaded"]) // args.batch_size)
        tr = _task_run_times(summary["run_id"], expected_min=2 * batches + 3)
        readback_s = time.perf_counter() - t

    per = tr["per_task"]
    stage = lambda name: per.get(name, {}).get("total_s", 0.0)  # noqa: E731
    stages = {
        "discover": stage("discover_files"),
        "read": stage("read_records"),
        "drop_loaded": stage("drop_loaded"),
        "normalize": stage("normalize_batch"),
        "validate": stage("validate_batch"),
        "load": stage("load_batch"),
        "data docs (GX re-validates the run)": stage("publish_data_docs"),
        "stories (near-duplicates, story clusters)": stage("build_stories"),
        "corpus date check": stage("check_dates_by_corpus"),
        "run bookkeeping": sum(stage(t) for t in ("drop_unchanged", "name_flow_run", "save_run", "finish_run",
                                                  "publish_summary")),
    }
    stages["orchestration (rest)"] = max(0.0, processing_s - sum(stages.values()))
    window = tr["windows"].get("build_stories")
    return {
        "stories_rss": children.rss_over(*window) if window else None,
        "articles": len(files), "processing_s": processing_s, "startup_s": startup_s, "import_s": import_s,
        "task_runner": settings.task_runner, "workers": runners.parse_workers(settings), "stages": stages,
        "children_peak_rss_mb": round(children.peak_mb, 1), "tree_rss_mb": round(children.tree_rss_mb, 1),
        "tree_pss_mb": round(children.tree_pss_mb, 1), "cpu_s": children.cpu_by_role(), "prefect": tr,
        "readback_s": readback_s, "first_batch_loaded_s": tr.get("first_load_end_s"),
        "validate_first_batch_s": tr["first_by_start"].get("validate_batch"),
        "summary": {k: v for k, v in summary.items() if k not in ("date_anomalies", "expectation_failures")},
        "date_anomalies": len(summary.get("date_anomalies", [])),
    }


def mode_naive(args) -> dict:
    """A typical first Prefect pipeline: one task per article, search_dates over the whole text,
    row-by-row INSERTs. Run on ``--naive-n`` articles; the rate is extrapolated per article."""
    _prefect_env()
    import duckdb
    from prefect import flow, task

    files = _discover(Path(args.corpus))[: args.naive_n]
    con = duckdb.connect(args.db)
    con.execute("CREATE TABLE IF NOT EXISTS naive_articles (article_id VARCHAR PRIMARY KEY, path VARCHAR, title VARCHAR, "
                "published DATE, body VARCHAR)")
    con.execute("CREATE TABLE IF NOT EXISTS naive_dates (article_id VARCHAR, idx INTEGER, text VARCHAR, value TIMESTAMP)")
    con.close()
    spent = defaultdict(float)
    conns: dict[str, duckdb.DuckDBPyConnection] = {}

    def connection(db: str) -> duckdb.DuckDBPyConnection:
        # Generous to the naive pipeline: one connection per process, reused by every task. Opening one per
        # task (what a first pipeline often does) adds ~100 ms per article here on top.
        if db not in conns:
            conns[db] = duckdb.connect(db)
        return conns[db]

    @task
    def process_article(path: str, db: str) -> int:
        from dateparser.search import search_dates

        t = time.perf_counter()
        with open(path, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        aid = hashlib.sha256(text.encode()).hexdigest()[:16]
        title = text.split("\n", 1)[0].strip()
        spent["read"] += time.perf_counter() - t
        t = time.perf_counter()
        found = search_dates(text, languages=["en"]) or []
        spent["search_dates"] += time.perf_counter() - t
        t = time.perf_counter()
        published = found[0][1].date() if found else None
        c = connection(db)
        c.execute("INSERT OR IGNORE INTO naive_articles VALUES (?, ?, ?, ?, ?)", [aid, path, title, published, text])
        for i, (span, value) in enumerate(found):  # row by row, each INSERT its own (auto-committed) transaction
            c.execute("INSERT INTO naive_dates VALUES (?, ?, ?, ?)", [aid, i, span, value.replace(tzinfo=None)])
        spent["insert"] += time.perf_counter() - t
        return len(found)

    @flow(name="naive-etl")
    def naive_etl(paths: list[str], db: str) -> int:
        return sum(process_article(p, db) for p in paths)

    startup_s = _prefect_startup()
    t = time.perf_counter()
    dates = naive_etl(files, args.db)
    processing_s = time.perf_counter() - t
    for c in conns.values():
        c.close()
    stages = dict(spent)
    stages["orchestration (rest)"] = max(0.0, processing_s - sum(spent.values()))
    return {"articles": len(files), "processing_s": processing_s, "startup_s": startup_s, "stages": stages,
            "dates_found": dates}


def _clear_caches() -> None:
    from dateline.parse import text, timex

    for mod in (text, timex):
        for v in vars(mod).values():
            if callable(getattr(v, "cache_clear", None)):
                v.cache_clear()


def mode_split(args) -> dict:
    """Where normalize's time goes, timed on the pure functions over a sample with cold caches."""
    from dateline.parse import normalize, text, timex
    from dateline.dating import sanity
    from dateline.sources import files as sources

    files = _discover(Path(args.corpus))
    warm, files = files[:WARM_N], files[WARM_N: WARM_N + args.split_n]
    # Imports, compiled patterns and dateparser's language data load once per process: outside the timing.
    normalize.normalize_files([sources.read_file(p) for p in warm], "warm")
    raw = [sources.read_file(p) for p in files]
    _clear_caches()
    t_decode = t_parse = t_dates = t_sanity = 0.0
    for start in range(0, len(raw), args.batch_size):
        pend = []
        for f in raw[start:start + args.batch_size]:
            if not isinstance(f, sources.RawFile):
                continue
            t = time.perf_counter()
            dec = sources.decode_bytes(f.data)
            t_decode += time.perf_counter() - t
            if dec.text is None:
                continue
            t = time.perf_counter()
            p = text.parse_text(dec.text)
            t_parse += time.perf_counter() - t
            if not p.body.strip():
                continue
            t = time.perf_counter()
            ms = timex.extract_mentions(p.body, p.published_claimed)
            ad = normalize._dates_of(normalize.article_id_for(f.sha256), p, ms)  # includes the title's mentions
            t_dates += time.perf_counter() - t
            pend.append(ad)
        t = time.perf_counter()
        sanity.judge_batch(pend)
        t_sanity += time.perf_counter() - t
    _clear_caches()
    t_total = 0.0
    for start in range(0, len(raw), args.batch_size):
        t = time.perf_counter()
        normalize.normalize_files(raw[start:start + args.batch_size], "bench")
        t_total += time.perf_counter() - t
    parts = {"decode": t_decode, "text parse": t_parse, "dates": t_dates, "sanity": t_sanity}
    parts["records (rest)"] = max(0.0, t_total - sum(parts.values()))
    # The parts are timed in one pass and the whole in another: shares are of their sum (>= the whole).
    denom = max(t_total, sum(parts.values()))
    return {"articles": len(raw), "normalize_files_s": t_total, "processing_s": denom, "startup_s": 0.0,
            "stages": parts, "shares": {k: v / denom for k, v in parts.items()} if denom else {}}


def mode_profile(args) -> dict:
    """cProfile of read -> normalize_files -> grade -> load_batch on a sample, top functions by cumulative time."""
    import cProfile
    import io
    import pstats

    from dateline.quality import grading
    from dateline.parse import normalize
    from dateline.sources import files as sources
    from dateline.store import loads
    from dateline.store.database import Database
    from schemas import Batch

    files = _discover(Path(args.corpus))
    warm, sample = files[:WARM_N], files[WARM_N: WARM_N + args.profile_n]
    t = time.perf_counter()
    if not args.profile_cold:  # one-off imports (GX, dateparser data) and the suite build, outside the profile
        with Database.open(args.db) as database:
            loads.load_batch(database, grading.grade(Batch.of(normalize.normalize_files(
                [sources.read_file(p) for p in warm], "warm")), "warm"))
    warmup_s = time.perf_counter() - t

    def pure_path() -> None:
        seen: dict[str, str] = {}
        with Database.open(args.db) as database:
            for start in range(0, len(sample), args.batch_size):
                raw = [sources.read_file(p) for p in sample[start:start + args.batch_size]]
                n = normalize.normalize_files(raw, "profile", seen=seen)
                seen.update(n.hashes)
                loads.load_batch(database, grading.grade(Batch.of(n), "profile"))

    prof = cProfile.Profile()
    t = time.perf_counter()
    prof.enable()
    pure_path()
    prof.disable()
    wall = time.perf_counter() - t
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    prof.dump_stats(str(RESULTS_DIR / "profile.prof"))
    buf = io.StringIO()
    st = pstats.Stats(prof, stream=buf).strip_dirs().sort_stats("cumulative")
    st.print_stats(args.profile_top)
    top = []
    for (fn, line, name), (cc, nc, tt, ct, _callers) in sorted(st.stats.items(), key=lambda kv: -kv[1][3])[: args.profile_top]:
        top.append({"function": f"{fn}:{line}({name})", "ncalls": nc, "tottime_s": round(tt, 4), "cumtime_s": round(ct, 4)})
    st.sort_stats("tottime")
    buf2 = io.StringIO()
    pstats.Stats(prof, stream=buf2).strip_dirs().sort_stats("tottime").print_stats(15)
    return {"articles": len(sample), "processing_s": wall, "startup_s": 0.0, "warmup_s": warmup_s,
            "profile_cold": bool(args.profile_cold), "top_cumulative": top, "text": buf.getvalue(),
            "text_tottime": buf2.getvalue(), "stages": {}}


def mode_nostories(args) -> dict:
    return mode_dateline(args, stories=False)


MODES = {"floor": mode_floor, "dateline": mode_dateline, "nostories": mode_nostories, "rerun": mode_dateline,
         "naive": mode_naive, "split": mode_split, "profile": mode_profile}


PIPELINE_DIRS = ("dateline", "flows", "tasks", "schemas", "expectations")


def code_fingerprint() -> dict:
    """A hash of the pipeline's sources, and their newest mtime: other people edit them while this runs."""
    h = hashlib.sha256()
    newest = 0.0
    for d in PIPELINE_DIRS:
        for p in sorted((ROOT / d).rglob("*.py")) if (ROOT / d).is_dir() else []:
            h.update(str(p.relative_to(ROOT)).encode() + b"\0" + p.read_bytes())
            newest = max(newest, p.stat().st_mtime)
    return {"sha256": h.hexdigest()[:16], "newest_mtime": newest}


def run_child_mode(args) -> int:
    t = time.perf_counter()
    code = code_fingerprint()
    out = MODES[args.mode](args)
    out["mode"] = args.mode
    out["code"] = code
    out["code_changed_during_run"] = code_fingerprint()["sha256"] != code["sha256"]
    out["child_wall_s"] = time.perf_counter() - t
    out["peak_rss_mb"] = _peak_rss_mb()
    desc = _descendants_peak_rss_mb()
    if desc:
        out["descendants_peak_rss_mb"] = desc
        out["server_peak_rss_mb"] = max(desc.values())
    if out.get("articles") and out.get("processing_s"):
        out["articles_per_s"] = out["articles"] / out["processing_s"]
    Path(args.result_file).write_text(json.dumps(out, indent=2, default=str))
    sys.stdout.flush()
    # Skip interpreter teardown (the ephemeral server's shutdown prints harmless tracebacks and costs seconds),
    # but stop the children first: os._exit skips Prefect's own shutdown of its ephemeral server, which
    # would otherwise outlive the run, orphaned.
    for pid in _descendant_pids():
        try:
            os.kill(pid, signal.SIGTERM)
        except OSError:
            pass
    os._exit(0)


# --------------------------------------------------------------------------------------------
# The parent: corpus, children, table, JSON
# --------------------------------------------------------------------------------------------


def spawn(mode: str, args, work: Path, corpus: Path, db: Path, extra: list[str] | None = None, tag: str = "") -> dict:
    result = work / f"result-{mode}{tag}.json"
    log = work / f"log-{mode}{tag}.txt"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--mode", mode, "--corpus", str(corpus), "--db", str(db),
           "--batch-size", str(args.batch_size), "--task-runner", args.task_runner,
           "--workers", str(args.workers or 0), "--naive-n", str(args.naive_n), "--split-n", str(args.split_n),
           "--profile-n", str(args.profile_n), "--profile-top", str(args.profile_top),
           "--result-file", str(result)] + (extra or [])
    env = dict(os.environ)
    env.pop("PREFECT_API_URL", None)  # ephemeral mode, always
    env["PREFECT_HOME"] = str(args.prefect_home)
    env.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    env.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    env.setdefault("DO_NOT_TRACK", "1")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    print(f"  [{mode}{tag}] running ... ", end="", flush=True)
    t = time.perf_counter()
    with open(log, "w") as fh:
        rc = subprocess.call(cmd, stdout=fh, stderr=subprocess.STDOUT, cwd=str(ROOT), env=env)
    wall = time.perf_counter() - t
    if rc != 0 or not result.exists():
        tail = log.read_text(errors="replace").splitlines()[-40:]
        print(f"FAILED (exit {rc}); last lines of {log}:")
        print("\n".join("    " + s for s in tail))
        return {"mode": mode, "error": f"exit {rc}", "log": str(log)}
    out = json.loads(result.read_text())
    out["child_process_wall_s"] = wall
    out["log"] = str(log)
    rate = out.get("articles_per_s")
    print(f"done in {wall:.1f} s" + (f" ({rate:,.0f} articles/s)" if rate else ""), flush=True)
    return out


def repeat_dateline(args, work: Path, corpus: Path) -> dict:
    """Run the dateline mode ``--repeat`` times, each cold into its own database, and return the run with
    the median articles/s (all its figures from that one run), with every run's headline figures under
    ``repeats``. One run's speed is not the machine's: the same code measured 1,594-2,145 articles/s."""
    runs = []
    for i in range(1, args.repeat + 1):
        db = work / f"dateline-{i}.duckdb"
        for stale in (db, Path(f"{db}.wal")):
            stale.unlink(missing_ok=True)
        r = spawn("dateline", args, work, corpus, db, tag=f"-{i}")
        if "error" in r:
            return r
        runs.append((r, db))
    ranked = sorted(runs, key=lambda rd: rd[0]["articles_per_s"])
    median, db = ranked[(len(ranked) - 1) // 2]  # the lower middle one for an even count
    median["db"] = str(db)
    median["repeats"] = [{"articles_per_s": r["articles_per_s"], "processing_s": r["processing_s"],
                          "peak_rss_mb": r["peak_rss_mb"], "tree_pss_mb": r.get("tree_pss_mb"),
                          "cpu_s": r.get("cpu_s")} for r, _ in runs]
    return median


def sweep_batch_sizes(args, work: Path, corpus: Path, sizes: list[int]) -> dict:
    """Cold dateline runs at each batch size, ``--repeat`` rounds, every size once per round in turn.

    The batch size trades speed (each batch costs a fixed ~5 Prefect task runs and one GX validation)
    against memory (each worker holds a batch's records, the flow a few batches' tables). This machine's
    speed drifts over minutes, so sizes are compared within a round: ``vs_first`` is the median over
    rounds of (this size's articles/s / the first size's, same round)."""
    runs: dict[int, list[dict]] = {bs: [] for bs in sizes}
    for rnd in range(1, args.repeat + 1):
        for bs in sizes:
            db = work / f"sweep-{bs}-{rnd}.duckdb"
            for stale in (db, Path(f"{db}.wal")):
                stale.unlink(missing_ok=True)
            r = spawn("dateline", argparse.Namespace(**{**vars(args), "batch_size": bs}), work, corpus, db,
                      tag=f"-batch{bs}-{rnd}")
            for done in (db, Path(f"{db}.wal")):  # a 100k database is ~0.5 GB: keep the disk for the next
                done.unlink(missing_ok=True)
            if "error" in r:
                return {"error": r["error"], "log": r["log"], "batch_size": bs}
            runs[bs].append({"articles_per_s": r["articles_per_s"], "processing_s": r["processing_s"],
                             "peak_rss_mb": r["peak_rss_mb"], "tree_pss_mb": r.get("tree_pss_mb"),
                             "first_batch_loaded_s": r.get("first_batch_loaded_s"),
                             "task_runs": r["prefect"]["task_runs"], "cpu_s": r.get("cpu_s")})
    first = runs[sizes[0]]
    rows = []
    for bs in sizes:
        rs = runs[bs]
        rates = [x["articles_per_s"] for x in rs]
        rows.append({
            "batch_size": bs, "runs": rs, "articles_per_s_median": statistics.median(rates),
            "articles_per_s_range": [min(rates), max(rates)],
            "vs_first": statistics.median(x["articles_per_s"] / f["articles_per_s"] for x, f in zip(rs, first)),
            "tree_pss_mb_max": max((x["tree_pss_mb"] or 0.0) for x in rs),
            "peak_rss_mb_max": max(x["peak_rss_mb"] for x in rs),
            "first_batch_loaded_s_median": statistics.median((x["first_batch_loaded_s"] or 0.0) for x in rs),
            "task_runs": rs[0]["task_runs"],
        })
    return {"sizes": sizes, "rounds": args.repeat, "rows": rows}


def sweep_report(sweep: dict, n: int) -> str:
    rows = [[r["batch_size"], r["articles_per_s_median"],
             f"{r['articles_per_s_range'][0]:,.0f}-{r['articles_per_s_range'][1]:,.0f}", f"{r['vs_first']:.2f}",
             r["tree_pss_mb_max"], r["peak_rss_mb_max"], r["first_batch_loaded_s_median"], r["task_runs"]]
            for r in sweep["rows"]]
    return _table(["batch size", "articles/s (median)", "range", f"vs {sweep['sizes'][0]:,} (same round)",
                   "all processes PSS MB (max)", "flow peak RSS MB (max)", "first batch loaded s", "task runs"], rows,
                  title=f"\n== batch-size sweep: N={n:,} files, {sweep['rounds']} round(s), sizes in turn each round ==")


def ratios_and_targets(res: dict, n: int) -> tuple[dict, list[dict]]:
    d, f, nv, rr = res.get("dateline"), res.get("floor"), res.get("naive"), res.get("rerun")
    ok = lambda r: r and "error" not in r  # noqa: E731
    ratios: dict = {}
    if ok(d) and ok(f):
        ratios["dateline_vs_floor"] = d["articles_per_s"] / f["articles_per_s"]
    if ok(d) and ok(nv):
        ratios["dateline_vs_naive"] = d["articles_per_s"] / nv["articles_per_s"]
    if ok(d) and ok(rr):
        ratios["rerun_vs_cold"] = rr["processing_s"] / d["processing_s"]
    targets = []

    def add(name, measured, op, target, unit="", note=""):
        if measured is None:
            return
        # a figure with no target to judge it by at one corpus size is reported, not met or missed
        met = "-" if target is None else measured >= target if op == ">=" else measured <= target
        targets.append({"target": name, "measured": measured, "op": op, "required": target, "unit": unit,
                        "met": met, "note": note})

    if ok(d):
        at = "" if n >= 100_000 else f"target is at N=100k; measured at N={n:,}"
        add("dateline articles/s (start-up excluded)", d["articles_per_s"], ">=", TARGET_RATE, "art/s", at)
        add("dateline peak RSS (flow process)", d["peak_rss_mb"], "<=", TARGET_RSS_MB, "MB",
            (at + "; " if at else "") + f"Prefect server process peak {d.get('server_peak_rss_mb', '-')} MB")
        if d.get("children_peak_rss_mb"):  # parse workers and the server count too (flow peak + their peak sum)
            add("peak RSS, flow + workers + server", d["peak_rss_mb"] + d["children_peak_rss_mb"], "<=",
                TARGET_RSS_MB, "MB", f"children sampled every 0.5 s: {d['children_peak_rss_mb']:.0f} MB at most")
        if d.get("tree_pss_mb"):  # the same processes summed at each sample: what they take together
            add("memory of flow + workers + server at once (PSS)", d["tree_pss_mb"], "<=", TARGET_RSS_MB, "MB",
                f"largest summed RSS of a sample: {d['tree_rss_mb']:.0f} MB (shared libraries counted per process)")
        stage_sum = sum(d["stages"].values())
        total = stage_sum if d.get("task_runner", "thread") != "thread" and stage_sum > d["processing_s"] else d["processing_s"]
        docs = d["stages"].get("data docs (GX re-validates the run)", 0.0)
        add("GX validation share of total", (d["stages"]["validate"] + docs) / total, "<=", TARGET_STAGE_SHARE, "",
            f"per-batch validation + Data Docs ({_fmt(docs, 1)} s); first batch (GX import + suite build) "
            f"{_fmt(d.get('validate_first_batch_s'), 2)} s")
        add("DuckDB load share of total", d["stages"]["load"] / total, "<=", TARGET_STAGE_SHARE)
        stories_s = d["stages"].get("stories (near-duplicates, story clusters)")
        if stories_s is not None:  # issue 20: the stage adds <= 15% to a run, memory flat
            counts = (d.get("summary") or {}).get("stories") or {}
            # What the stage task adds to the run's wall-clock processing (it runs alone, after the last
            # batch): its seconds against the rest of the run. Until stop 29 this line divided by the summed
            # stage times, which count the parse workers' overlapping time twice and halved the share.
            add("stories stage: what it adds to the run", stories_s / max(1e-9, d["processing_s"] - stories_s), "<=",
                TARGET_STORIES_SHARE, "",
                f"{stories_s:.1f} s, {1000 * stories_s / max(1, d['articles']):.3f} ms/article, "
                f"{100 * stories_s / d['processing_s']:.1f}% of the run's {d['processing_s']:.1f} s; "
                f"{counts.get('reclustered', '-')} articles re-clustered, {counts.get('stories', '-')} stories; "
                f"flow peak RSS {_fmt(d['peak_rss_mb'], 0)} MB" + (f" ({at})" if at else ""))
        mem = d.get("stories_rss")
        if stories_s is not None and mem:
            # Memory flat would be a growth during the stage that does not scale with the articles it
            # re-clusters; one corpus size cannot show that, so this is a figure, not a target: compare it
            # across sizes (--n). The high-water mark says whether the stage sets the flow's peak.
            added = mem["peak_mb"] - mem["at_start_mb"]
            add("stories stage: memory it adds while it runs", 1024 * added / max(1, d["articles"]), "", None,
                "KB/article", f"flow RSS {_fmt(mem['at_start_mb'], 0)} MB at its start, {_fmt(mem['peak_mb'], 0)} MB "
                f"at its peak (+{added:,.0f} MB); the run's peak before it {_fmt(mem['peak_before_mb'], 0)} MB, "
                f"raised by {max(0.0, mem['peak_mb'] - mem['peak_before_mb']):,.0f} MB")
        ns = res.get("nostories")
        if stories_s is not None and ok(ns):
            ns_stage = lambda name: ns["stages"].get(name, 0.0)  # noqa: E731
            delta = lambda name: d["stages"].get(name, 0.0) - ns_stage(name)  # noqa: E731
            ratios["stories_on_vs_off"] = d["articles_per_s"] / ns["articles_per_s"]
            # Everything stories need, side by side with the same flow run with stories off: signing in the
            # parse workers (their task time, summed over workers), the signatures' load, the stage, the
            # corpus date check.
            add("all of stories: what they add to the run (vs stories off)", d["processing_s"] / ns["processing_s"] - 1,
                "<=", TARGET_STORIES_SHARE, "",
                f"{ns['processing_s']:.1f} -> {d['processing_s']:.1f} s; normalize (signing, summed over workers) "
                f"{delta('normalize'):+.1f} s, load {delta('load'):+.1f} s, stage {stories_s:.1f} s, corpus date check "
                f"{d['stages'].get('corpus date check', 0.0):.1f} s; flow peak RSS {_fmt(ns['peak_rss_mb'], 0)} -> "
                f"{_fmt(d['peak_rss_mb'], 0)} MB" + (f" ({at})" if at else ""))
    add("dateline / naive (articles/s)", ratios.get("dateline_vs_naive"), ">=", TARGET_VS_NAIVE, "x")
    add("dateline / floor (articles/s)", ratios.get("dateline_vs_floor"), ">=", TARGET_VS_FLOOR, "x")
    add("re-run / cold (processing time)", ratios.get("rerun_vs_cold"), "<=", TARGET_RERUN, "x")
    return ratios, targets


def report(out: dict) -> str:
    res, n = out["modes"], out["corpus"]["files"]
    lines = []
    rows = []
    for m in ("floor", "dateline", "nostories", "naive", "rerun"):
        r = res.get(m)
        if not r:
            continue
        if "error" in r:
            rows.append([m, "FAILED", "", "", "", "", "", r["log"]])
            continue
        note = ""
        if m == "naive":
            note = f"{r['articles']:,} articles; extrapolated to N: {n / r['articles_per_s']:,.0f} s"
        if m == "dateline":
            note = f"{r['prefect']['task_runs']} task runs"
            if r.get("repeats"):
                rates = sorted(x["articles_per_s"] for x in r["repeats"])
                note += f"; median of {len(rates)} cold runs ({rates[0]:,.0f}-{rates[-1]:,.0f} art/s)"
        rows.append([m, r["articles"], r["processing_s"], r["articles_per_s"], r.get("startup_s"),
                     r["peak_rss_mb"], r.get("server_peak_rss_mb"), note])
    lines.append(_table(["mode", "articles", "time s", "articles/s", "start-up s", "peak RSS MB", "server RSS MB", "note"],
                        rows, title=f"\n== throughput: N={n:,} files, {out['corpus']['bytes'] / 1e6:.1f} MB, "
                                    f"batch {out['batch_size']}, {out['host']['cpus']} CPUs =="))
    reps = (res.get("dateline") or {}).get("repeats")
    if reps:
        lines.append(_table(
            ["cold run", "articles/s", "time s", "flow peak RSS MB", "all processes PSS MB", "CPU s (all)"],
            [[i, x["articles_per_s"], x["processing_s"], x["peak_rss_mb"], x.get("tree_pss_mb"),
              sum((x.get("cpu_s") or {}).values()) or None] for i, x in enumerate(reps, 1)],
            title=f"\n-- dateline: each of {len(reps)} cold runs (the median one is reported above and below)"))
    for m in ("floor", "dateline", "nostories", "naive", "rerun", "split"):
        r = res.get(m)
        if not r or "error" in r or not r.get("stages"):
            continue
        tot = r["processing_s"]
        # Parse workers run stages side by side: their task-run times add up to more than the wall time,
        # so shares are of the summed stage time, and the wall time is its own row.
        overlapped = r.get("task_runner", "thread") != "thread" and sum(r["stages"].values()) > tot
        base = sum(r["stages"].values()) if overlapped else tot
        srows = [[k, v, 100 * v / base if base else 0.0, 1e3 * v / max(1, r["articles"])] for k, v in r["stages"].items()]
        if overlapped:
            srows.append(["sum of stages", base, 100.0, 1e3 * base / max(1, r["articles"])])
        srows.append(["total (wall)" if overlapped else "total", tot, 100.0 * tot / base if base else 100.0,
                      1e3 * tot / max(1, r["articles"])])
        title = f"\n-- {m}: per stage" + (" (Prefect task-run total_run_time)" if m in ("dateline", "nostories", "rerun")
                                          else "")
        if overlapped:
            title += f", {r.get('workers')} {r.get('task_runner')} workers overlapping"
        if m == "split":
            title = f"\n-- normalize split: pure functions on {r['articles']:,} articles, cold caches"
        lines.append(_table(["stage", "s", "% of total", "ms/article"], srows, title=title))
        if m in ("dateline", "nostories", "rerun") and r.get("cpu_s"):
            cpu = r["cpu_s"]
            cores = out["host"]["cpus"] or 1
            crows = [[k, v, 1e3 * v / max(1, r["articles"])] for k, v in cpu.items()]
            crows.append(["all", sum(cpu.values()), 1e3 * sum(cpu.values()) / max(1, r["articles"])])
            note = (f" ({sum(cpu.values()) / (cores * tot):.0%} of {cores} cores over {tot:.1f} s; first batch loaded "
                    f"{_fmt(r.get('first_batch_loaded_s'), 1)} s after the flow started)")
            lines.append(_table(["process", "CPU s", "CPU ms/article"], crows, title=f"\n-- {m}: CPU by process" + note))
        if m == "dateline" and out.get("normalize_split"):
            ns = out["normalize_split"]
            # the normalize stage's task-run time, split in the proportions the split sample measured
            whole = sum(ns.values()) or 1.0
            lines.append(_table(["normalize part (apportioned)", "s", "% of normalize"],
                                [[k, v, 100 * v / whole] for k, v in ns.items()]))
    if out.get("ratios") or out.get("targets"):
        lines.append(_table(["ratio", "value"], [[k, f"{v:.3g}"] for k, v in out["ratios"].items()],
                            title="\n-- ratios (same run; articles/s for speed, processing time for re-run)"))
        trows = [[t["target"], t["measured"], f"{t['op']} {_fmt(t['required'], 2)} {t['unit']}".strip(), t["met"], t["note"]]
                 for t in out["targets"]]
        for t in trows:
            if isinstance(t[1], float) and t[1] < 10:
                t[1] = f"{t[1]:.3f}"
        lines.append(_table(["target", "measured", "required", "met", "note"], trows, title="\n-- targets (issue 5)"))
    p = res.get("profile")
    if p and "error" not in p:
        lines.append(f"\n-- profile: pure path on {p['articles']:,} articles, {p['processing_s']:.1f} s under cProfile "
                     f"(warm-up outside the profile {p['warmup_s']:.1f} s; {RESULTS_DIR / 'profile.prof'})")
        lines.append(_table(["function (top by cumulative time)", "ncalls", "tottime s", "cumtime s"],
                            [[t["function"][:90], str(t["ncalls"]), f"{t['tottime_s']:.3f}", f"{t['cumtime_s']:.3f}"]
                             for t in p["top_cumulative"]]))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=20_000, help="articles in the generated corpus (default 20,000)")
    ap.add_argument("--corpus", help="use this folder of .txt files as is instead of generating one")
    ap.add_argument("--source", help="folder of .txt articles to replicate (default: the reuters_dev devset)")
    ap.add_argument("--kind", choices=CORPUS_KINDS, default="renamed",
                    help="how copies 1.. of the dev set are made: renamed (each copy with its own vocabulary: "
                         "distinct stories; default) or copies (perturbed: at 100,000 articles every story 50 times)")
    ap.add_argument("--modes", default=DEFAULT_MODES, help=f"comma-separated, from {','.join(ALL_MODES)} (default all)")
    from dateline.settings import Settings  # the defaults of `dateline run`, without the environment's overrides

    defaults = Settings.model_fields
    ap.add_argument("--batch-size", type=int, default=defaults["batch_size"].default,
                    help="files per task run in the flow (default: as `dateline run`, %(default)s)")
    ap.add_argument("--task-runner", default=defaults["task_runner"].default, choices=["process", "dask", "thread"],
                    help="where the flow parses batches (default: as `dateline run`, %(default)s)")
    ap.add_argument("--workers", type=int, default=0, help="parse workers (default 0: one per CPU)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="cold dateline runs, each into a fresh database; the median one is reported, with the "
                         "spread of all (this machine's speed varies by 10-20%% from run to run)")
    ap.add_argument("--sweep-batch-sizes", metavar="N,N,...",
                    help="instead of the modes: cold dateline runs at each of these batch sizes, --repeat rounds, "
                         "and a table of speed against memory")
    ap.add_argument("--naive-n", type=int, default=500, help="articles the naive pipeline runs on (default 500)")
    ap.add_argument("--split-n", type=int, default=2000, help="sample for the normalize split (default 2,000)")
    ap.add_argument("--profile", action="store_true", help="also cProfile the pure path on a sample")
    ap.add_argument("--profile-n", type=int, default=2000, help="articles profiled (default 2,000)")
    ap.add_argument("--profile-top", type=int, default=25)
    ap.add_argument("--profile-cold", action="store_true", help="profile the GX import and suite build too")
    ap.add_argument("--workdir", help="where the corpus and databases go (default: a fresh temp dir, removed after)")
    ap.add_argument("--keep", action="store_true", help="keep the work dir (corpus, databases, child logs)")
    ap.add_argument("--prefect-home", help="PREFECT_HOME for the children (default: <tmp>/dateline-bench-prefect-home)")
    ap.add_argument("--out", default=str(RESULTS_DIR / "latest.json"), help="JSON results (default bench/results/latest.json)")
    # internal: one mode in a child process
    ap.add_argument("--mode", choices=sorted(MODES), help=argparse.SUPPRESS)
    ap.add_argument("--db", help=argparse.SUPPRESS)
    ap.add_argument("--result-file", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.mode:
        return run_child_mode(args)

    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    bad = [m for m in modes if m not in ALL_MODES]
    if bad:
        ap.error(f"unknown mode(s) {bad}; choose from {ALL_MODES}")
    if "rerun" in modes and "dateline" not in modes:
        ap.error("rerun needs dateline in the same run (it re-runs over the database dateline wrote)")
    if args.profile:
        modes.append("profile")

    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="dateline-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    args.prefect_home = Path(args.prefect_home or Path(tempfile.gettempdir()) / "dateline-bench-prefect-home")
    args.prefect_home.mkdir(parents=True, exist_ok=True)
    try:
        if args.corpus:
            corpus = Path(args.corpus)
            if not corpus.is_dir():
                ap.error(f"--corpus {corpus} is not a folder")
            files = _discover(corpus)
            info = {"files": len(files), "bytes": sum(os.path.getsize(p) for p in files), "generated": False,
                    "path": str(corpus)}
        else:
            source = find_source(args.source)
            if source is None:
                print("bench/throughput.py: the development corpus reuters_dev/txt was not found "
                      "(looked in $DATELINE_DEVSETS, ../shared/devsets, /work/shared/devsets; or pass --source DIR "
                      "or --corpus DIR). Nothing measured.")
                return 0
            corpus = work / "corpus"
            t = time.perf_counter()
            info = build_corpus(source, args.n, corpus, args.kind)
            info.update({"generated": True, "source": str(source), "path": str(corpus),
                         "build_s": round(time.perf_counter() - t, 2)})
            print(f"corpus: {info['files']:,} files ({info['bytes'] / 1e6:.1f} MB) from {info['originals']:,} originals "
                  f"in {source} ({info['kind']}), written to {corpus} in {info['build_s']} s")

        if args.sweep_batch_sizes:
            return run_sweep(args, work, corpus, info)
        res: dict = {}
        dbs = {"floor": work / "floor.duckdb", "dateline": work / "dateline.duckdb", "rerun": work / "dateline.duckdb",
               "nostories": work / "nostories.duckdb",
               "naive": work / "naive.duckdb", "split": work / "split.duckdb", "profile": work / "profile.duckdb"}
        extra = {"profile": ["--profile-cold"] if args.profile_cold else []}
        for m in modes:
            if m == "dateline" and args.repeat > 1:
                res[m] = repeat_dateline(args, work, corpus)
                dbs["rerun"] = Path(res[m].get("db", dbs["rerun"]))  # the re-run reads the median run's file
                continue
            res[m] = spawn(m, args, work, corpus, dbs[m], extra.get(m))

        out = {
            "benchmark": "dateline throughput (issue 5)",
            "timestamp": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "git": _git_rev(), "host": _host(), "corpus": info, "batch_size": args.batch_size,
            "naive_n": args.naive_n, "modes": res,
        }
        s = res.get("split")
        d = res.get("dateline")
        if s and "error" not in s and d and "error" not in d and s.get("shares"):
            out["normalize_split"] = {k: v * d["stages"]["normalize"] for k, v in s["shares"].items()}
        out["ratios"], out["targets"] = ratios_and_targets(res, info["files"])
        measured = [r for m, r in res.items() if m != "profile"]  # the profile takes no part in the ratios
        codes = {r["code"]["sha256"] for r in measured if "code" in r}
        out["code_consistent"] = len(codes) <= 1 and not any(r.get("code_changed_during_run") for r in measured)
        if "profile" in res and "error" not in res["profile"]:
            res["profile"].pop("text", None)
        print(report(out))
        if not out["code_consistent"]:
            print("\nWARNING: the pipeline code changed during this run (see modes.*.code in the JSON): "
                  "the modes did not all measure the same code, so their ratios are not comparable.")
        if "profile" in res and "error" not in res["profile"]:
            print("\n-- profile: top 15 by own time (tottime)")
            print(res["profile"].get("text_tottime", ""))
        outp = Path(args.out)
        outp.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(out, indent=2, default=str)
        outp.write_text(text)
        if outp.resolve() == (RESULTS_DIR / "latest.json").resolve():
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
            (RESULTS_DIR / f"throughput-{stamp}-n{info['files']}.json").write_text(text)
        print(f"\nresults: {outp}" + (f"; work dir kept: {work}" if args.keep or args.workdir else ""))
        return 1 if any("error" in r for r in res.values()) else 0
    finally:
        if not args.keep and not args.workdir:
            shutil.rmtree(work, ignore_errors=True)


def run_sweep(args, work: Path, corpus: Path, info: dict) -> int:
    try:
        sizes = [int(x) for x in args.sweep_batch_sizes.split(",") if x.strip()]
    except ValueError:
        raise SystemExit(f"--sweep-batch-sizes: not a list of numbers: {args.sweep_batch_sizes!r}") from None
    if not sizes or min(sizes) < 1:
        raise SystemExit("--sweep-batch-sizes: give one or more positive batch sizes, e.g. 2000,3000,5000")
    sweep = sweep_batch_sizes(args, work, corpus, sizes)
    out = {"benchmark": "dateline batch-size sweep (issue 5)",
           "timestamp": datetime.now(timezone.utc).isoformat(timespec="seconds"),
           "git": _git_rev(), "host": _host(), "corpus": info, "sweep": sweep}
    if "error" not in sweep:
        print(sweep_report(sweep, info["files"]))
    outp = Path(args.out)
    outp.parent.mkdir(parents=True, exist_ok=True)
    outp.write_text(json.dumps(out, indent=2, default=str))
    print(f"\nresults: {outp}")
    return 1 if "error" in sweep else 0


def _git_rev() -> dict:
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "--", "dateline", "flows", "tasks", "schemas",
                                     "expectations"], cwd=ROOT, capture_output=True, text=True).stdout.strip())
        return {"rev": rev, "pipeline_code_dirty": dirty}
    except OSError:
        return {}


def _host() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    vers = {}
    for pkg in ("prefect", "great_expectations", "duckdb", "dateparser", "pandas", "pyarrow", "pydantic"):
        try:
            vers[pkg] = version(pkg)
        except PackageNotFoundError:
            vers[pkg] = None
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
            "loadavg_at_end": load, "versions": vers}


if __name__ == "__main__":
    sys.exit(main())
