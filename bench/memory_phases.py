"""Where a run's memory goes, phase by phase: the news-etl flow's process sampled while it loads, builds
stories and checks dates against the corpus.

    .venv/bin/python bench/memory_phases.py [--n 100000] [--batch-size 5000] [--no-stories] [--stage-alone]

A cold run of the real flow (ephemeral Prefect, process workers, a fresh DuckDB file) over N articles of
``bench/throughput.py``'s corpus (renamed copies of reuters_dev; the figures of stop 24 were on its
replicated corpus, ``--kind copies``, then the default). A thread of the flow's process reads its
VmRSS every 0.1 s and labels it with the phase the flow is in; the phases are marked by wrapping the
functions that run them (the batch loads, ``update_stories``, the corpus date check), nothing else is
touched. Prints the highest RSS of each phase, the process's VmHWM around the stories stage (a spike
shorter than the sampling shows there), and the highest RSS of every batch load. Needs the devsets; says
so and exits 0 without them. ``bench/ab.py`` gives what stories add to the whole run's peak; this says
which phase sets it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def _status() -> dict[str, int]:
    with open("/proc/self/status") as status:
        return {k: int(v.split()[0]) // 1024 for k, v in (line.split(":", 1) for line in status)
                if k in ("VmRSS", "VmHWM")}


class Phases:
    """The flow process's RSS, sampled, by the phase the flow is in."""

    def __init__(self) -> None:
        self.phase = "start"
        self.highest: dict[str, int] = defaultdict(int)
        self.order: list[str] = []
        self.marks: list[tuple[str, dict[str, int]]] = []

    def sample(self) -> None:
        while True:
            rss = _status()["VmRSS"]
            if self.phase not in self.highest:
                self.order.append(self.phase)
            self.highest[self.phase] = max(self.highest[self.phase], rss)
            time.sleep(0.1)

    def wrap(self, module, name: str, phase) -> None:
        """Run ``module.name`` labelled ``phase`` (a string, or a function of the call's number)."""
        original, calls = getattr(module, name), [0]

        def wrapped(*args, **kwargs):
            calls[0] += 1
            self.phase = label = phase(calls[0]) if callable(phase) else phase
            self.marks.append((f"{label} starts", _status()))
            try:
                return original(*args, **kwargs)
            finally:
                self.marks.append((f"{label} ends", _status()))
                self.phase = "between batch loads (parsing, validating)" if label.startswith("load") else f"after the {label}"

        setattr(module, name, wrapped)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=100_000, help="articles (bench/throughput.py's corpus)")
    ap.add_argument("--batch-size", type=int, default=5000)
    ap.add_argument("--no-stories", action="store_true", help="the same run with DATELINE_STORIES=false")
    ap.add_argument("--stage-alone", action="store_true",
                    help="then the stories stage again in a fresh process over the run's database (story tables "
                         "emptied): its own peak")
    ap.add_argument("--corpus", type=Path, help="a folder of .txt files to load as it is (instead of building one)")
    args = ap.parse_args()
    import throughput

    source = throughput.find_source(None)
    if source is None and not args.corpus:
        print("no devset corpus to replicate (../shared/devsets/reuters_dev/txt): nothing measured")
        return 0
    throughput._prefect_env()
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    if args.no_stories:
        os.environ["DATELINE_STORIES"] = "false"
    work = Path(tempfile.mkdtemp(prefix="dateline-memory-"))  # removed at the end
    corpus = args.corpus or work / "corpus"
    if not args.corpus:  # in a child: what building it leaves in a process is not the flow's
        print(f"building a corpus of {args.n:,} articles in {corpus}", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; sys.path[:0] = sys.argv[1:3]; "
                        "from throughput import build_corpus; build_corpus(Path(sys.argv[3]), int(sys.argv[4]), Path(sys.argv[5]))",
                        str(ROOT), str(ROOT / "bench"), str(source), str(args.n), str(corpus)], check=True,
                       stdout=subprocess.DEVNULL)

    import dateline.store.loads as loads
    import tasks.corpus_dates
    import tasks.stories
    from dateline.orchestration import runners
    from dateline.settings import get_settings
    from flows.news_etl import news_etl

    phases = Phases()
    phases.wrap(loads, "load_batch", lambda k: f"load batch {k}")
    phases.wrap(tasks.stories, "update_stories", "stories stage")
    phases.wrap(tasks.corpus_dates, "check_dates_against_corpus", "corpus date check")
    threading.Thread(target=phases.sample, daemon=True).start()
    flow = news_etl.with_options(task_runner=runners.task_runner_for(get_settings()))
    print(f"running news-etl, batches of {args.batch_size:,}, stories {'off' if args.no_stories else 'on'}",
          file=sys.stderr, flush=True)
    with runners.shared_api():
        t0 = time.perf_counter()
        flow(paths=[str(corpus)], db=str(work / "run.duckdb"), batch_size=args.batch_size)
        seconds = time.perf_counter() - t0
    loads_ = [p for p in phases.order if p.startswith("load batch")]
    print(f"\n{corpus}, stories {'off' if args.no_stories else 'on'}, {seconds:.0f} s; "
          f"the flow process's peak (VmHWM) {_status()['VmHWM']:,} MB\n")
    print("| phase | highest RSS sampled, MB |\n|---|---|")
    for phase in [p for p in phases.order if not p.startswith("load batch")]:
        print(f"| {phase} | {phases.highest[phase]:,} |")
    if loads_:
        top = max(loads_, key=phases.highest.__getitem__)
        print(f"| batch loads (highest: {top}) | {phases.highest[top]:,} |")
    for label, status in phases.marks:
        if label.startswith("stories stage"):
            print(f"| VmRSS / VmHWM when the {label} | {status['VmRSS']:,} / {status['VmHWM']:,} |")
    print("\nhighest RSS of each batch load, MB: " + " ".join(f"{p.split()[-1]}:{phases.highest[p]:,}" for p in loads_))
    if args.stage_alone and not args.no_stories:
        print(stage_alone(work / "run.duckdb", get_settings().duckdb_memory))
    shutil.rmtree(work, ignore_errors=True)
    return 0


#: In a fresh process: the loaded database's story tables emptied (its signatures kept, as the parse
#: workers wrote them), then the stage over every article, as a cold run's stage; its peak RSS.
_STAGE_ALONE = """
import sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from dateline.orchestration import runtime
from dateline.store.database import Database
from dateline.stories.stage import update_stories
runtime.return_freed_memory()  # as the flow's process does


def hwm():  # this process's peak: ru_maxrss would carry the parent's over from fork
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) // 1024 for line in status if line.startswith("VmHWM"))


with Database.for_run(Path(sys.argv[2]), memory_limit=sys.argv[3]) as db:
    with db.cursor() as con:
        for table in ("near_duplicates", "stories", "story_members"):
            con.execute(f'DELETE FROM "{table}"')
        con.execute("DELETE FROM date_evidence WHERE kind = 'story'")
    before = hwm()
    t = time.perf_counter()
    counts = update_stories(db, "stage-alone")
    seconds = time.perf_counter() - t
print(f"the stories stage alone, in a fresh process over the run's database ({counts['reclustered']:,} articles,"
      f" {counts['stories']:,} stories): {seconds:.1f} s, peak RSS {hwm():,} MB"
      f" ({before:,} MB before it)")
"""


def stage_alone(db: Path, memory_limit: str) -> str:
    out = subprocess.run([sys.executable, "-c", _STAGE_ALONE, str(ROOT), str(db), memory_limit],
                         check=True, capture_output=True, text=True)
    return out.stdout.strip()


if __name__ == "__main__":
    raise SystemExit(main())
