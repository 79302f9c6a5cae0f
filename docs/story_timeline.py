"""Draw one story's timeline from a dateline database as an SVG (no plotting library needed).

    .venv/bin/python docs/story_timeline.py --db data/dateline.duckdb [--story STORY_ID] [--out docs/story-timeline.svg]

Without --story, the story with the most dated articles. One row per article (publisher and title), a dot at
its claimed date (red: its date_status is inconsistent; hollow: a near-duplicate of another article).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, timedelta
from html import escape
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dateline.store.database import query  # noqa: E402

W, ROW, LEFT, TOP = 1000, 26, 430, 60


def timeline(db: str, story: str | None) -> tuple[str, list[tuple]]:
    if story is None:
        story = query(db, "SELECT story_id FROM story_timeline WHERE published_claimed IS NOT NULL"
                          " GROUP BY story_id ORDER BY count(*) DESC, story_id LIMIT 1")[1][0][0]
    _, rows = query(db, "SELECT story_title, published_claimed, coalesce(publisher, '(not stated)'), title,"
                        " date_status, copy_of FROM story_timeline WHERE story_id = $1"
                        " AND published_claimed IS NOT NULL", [story])
    return rows[0][0] if rows else story, rows


def svg(story_title: str, rows: list[tuple]) -> str:
    rows = sorted(rows, key=lambda r: (r[1], r[2], r[3] or ""))
    labels = [f"{r[2]}: {r[3] or '(untitled)'}" if r[2] != "(not stated)" else (r[3] or "(untitled)") for r in rows]
    days = [r[1] for r in rows]
    lo, hi = min(days) - timedelta(days=1), max(days) + timedelta(days=1)
    span = max((hi - lo).days, 1)
    height = TOP + ROW * len(rows) + 50

    def x(d: date) -> float:
        return LEFT + (W - LEFT - 30) * (d - lo).days / span

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{height}" font-family="sans-serif"'
           ' font-size="12">', '<rect width="100%" height="100%" fill="white"/>',
           f'<text x="10" y="22" font-size="15" font-weight="bold">{escape(story_title[:110])}</text>',
           f'<text x="10" y="42" fill="#555">{len(rows)} dated articles,'
           f' {min(days)} to {max(days)} (claimed dates; red: date contradicted by the text;'
           ' hollow: a copy of another article)</text>']
    for k, label in enumerate(labels):
        y = TOP + ROW * k + ROW / 2
        out.append(f'<line x1="{LEFT}" x2="{W - 30}" y1="{y}" y2="{y}" stroke="#eee"/>')
        out.append(f'<text x="{LEFT - 8}" y="{y + 4}" text-anchor="end">{escape(label[:58])}</text>')
    d = lo
    step = max(1, span // 10)
    while d <= hi:
        out.append(f'<text x="{x(d):.1f}" y="{height - 20}" text-anchor="middle" fill="#555">{d:%b %d}</text>')
        d += timedelta(days=step)
    for k, (_, day, pub, title, status, copy_of) in enumerate(rows):
        y = TOP + ROW * k + ROW / 2
        colour = "#c0392b" if status == "inconsistent" else "#2c6fbb"
        fill = "white" if copy_of else colour
        out.append(f'<circle cx="{x(day):.1f}" cy="{y}" r="7" fill="{fill}" stroke="{colour}" stroke-width="2"'
                   f' fill-opacity="0.8"><title>{escape(str(day))} {escape(labels[k])}</title></circle>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="data/dateline.duckdb")
    parser.add_argument("--story")
    parser.add_argument("--out", default=str(Path(__file__).with_name("story-timeline.svg")))
    args = parser.parse_args()
    title, rows = timeline(args.db, args.story)
    if not rows:
        print("no dated articles in that story")
        return 1
    Path(args.out).write_text(svg(title, rows))
    print(f"wrote {args.out}: {len(rows)} articles")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
