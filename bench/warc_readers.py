"""warcio against fastwarc on the work dateline gives a WARC reader (issue 21): iterate every record,
read the HTTP headers and the payload of each response. Prints records/s of each side by side, timed in
alternation, for an uncompressed and a gzipped (per-record members, as crawlers write) archive generated
under /tmp from ``reuters_dev`` texts, and what each makes of an archive cut mid-record.

    .venv/bin/python bench/warc_readers.py [--n 5000] [--rounds 3]

fastwarc is an optional import here: ``uv pip install fastwarc`` to include it (dateline depends on warcio).
Reading a WARC costs little next to extracting each page's text (trafilatura: several ms a page), so the
choice rests on how each treats a damaged archive as much as on speed; see docs/performance.md.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEVSET = ROOT.parent / "shared" / "devsets" / "reuters_dev" / "reuters_dev.jsonl"


def make_warc(n: int, gz: bool) -> bytes:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    rows = [json.loads(line) for line in DEVSET.open(encoding="utf-8")]
    buf = io.BytesIO()
    w = WARCWriter(buf, gzip=gz)
    for i in range(n):
        r = rows[i % len(rows)]
        html = (f"<html><head><title>{r['title']}</title></head><body><article><p>"
                + r["body"].replace("\n\n", "</p><p>") + f" ({i})</p></article></body></html>").encode()
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        w.write_record(w.create_warc_record(f"https://example.org/{i}", "response", payload=io.BytesIO(html),
                                            http_headers=http))
    return buf.getvalue()


def read_warcio(data: bytes) -> int:
    from warcio.archiveiterator import ArchiveIterator

    n = 0
    for rec in ArchiveIterator(io.BytesIO(data)):
        if rec.rec_type == "response":
            rec.http_headers.get_header("Content-Type")
            rec.content_stream().read()
            n += 1
    return n


def read_fastwarc(data: bytes) -> int:
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    n = 0
    for rec in ArchiveIterator(io.BytesIO(data), record_types=WarcRecordType.response, parse_http=True):
        rec.http_headers.get("Content-Type")
        rec.reader.read()
        n += 1
    return n


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    if not DEVSET.exists():
        print(f"bench/warc_readers.py: {DEVSET} is absent; nothing measured")
        return 0
    readers = {"warcio": read_warcio}
    try:
        import fastwarc  # noqa: F401

        readers["fastwarc"] = read_fastwarc
    except ImportError:
        print("fastwarc is not installed: measuring warcio alone")
    print(f"{'archive':>8} {'reader':>9} {'records/s':>10} {'MB/s':>7}")
    for gz in (False, True):
        data = make_warc(args.n, gz)
        times: dict[str, list[float]] = {k: [] for k in readers}
        for _ in range(args.rounds):
            for name, read in readers.items():
                t0 = time.perf_counter()
                assert read(data) == args.n
                times[name].append(time.perf_counter() - t0)
        for name in readers:
            sec = statistics.median(times[name])
            print(f"{'warc.gz' if gz else 'warc':>8} {name:>9} {args.n / sec:>10,.0f} {len(data) / 1e6 / sec:>7.1f}")
    data = make_warc(3, True)
    print("\nA .warc.gz of 3 pages cut 400 bytes short (the last record's member half there):")
    from warcio.archiveiterator import ArchiveIterator

    it = ArchiveIterator(io.BytesIO(data[:-400]))
    got = [(len(r.content_stream().read()), r.raw_stream.limit) for r in it]
    print(f"  warcio: {len(got)} records read, bytes missing per record {[m for _, m in got]}, stopped at byte "
          f"{it.offset} of {len(data) - 400} (the gap is what dateline rejects)")
    if "fastwarc" in readers:
        from fastwarc.warc import ArchiveIterator as FastIterator

        got = [(len(r.reader.read()), r.content_length) for r in FastIterator(io.BytesIO(data[:-400]))]
        print(f"  fastwarc: {len(got)} records, (payload read, content length) {got}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
