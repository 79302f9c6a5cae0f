"""Story evidence for dating: what a story's other members say about when one of them was written.

The dating stage (``dateline/dating``) reads these rows from ``date_evidence`` (kind ``story``); this
module only says which rows a story gives.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from schemas import DateEvidence

#: Siblings' claimed dates agree when they lie within this many days of their median...
AGREE_DAYS = 14
#: ... and the story allows its members this much before the first and after the last agreeing date.
SLACK_DAYS = 14
#: Agreement needs at least this many siblings.
MIN_AGREEING = 1
#: Weight per agreeing sibling, up to MAX_WEIGHT: other publishers' datelines are evidence, not proof
#: (one sibling against one article cannot say which of the two is wrong; the dating stage weighs it).
WEIGHT_PER_SIBLING, MAX_WEIGHT = 0.3, 0.9


def story_evidence(members: Sequence[tuple[str, date | None]], run_id: str) -> list[DateEvidence]:
    """The ``story`` evidence rows of one story, given its members as (article_id, claimed date).

    A member gets one row when its claimed date lies outside the window the agreeing claimed dates of
    the *other* members allow: ``earliest``/``latest`` is that window (first agreeing date minus
    SLACK_DAYS, last plus SLACK_DAYS), ``detail`` the siblings' ids, comma-separated, sorted. Members with
    no claimed date, and stories without MIN_AGREEING agreeing siblings, give none.
    """
    rows = []
    for article_id, claimed in sorted(members, key=lambda m: m[0]):
        if claimed is None:
            continue
        others = sorted((d, a) for a, d in members if a != article_id and d is not None)
        if len(others) < MIN_AGREEING:
            continue
        median = others[len(others) // 2][0]
        agreeing = [(d, a) for d, a in others if abs((d - median).days) <= AGREE_DAYS]
        if len(agreeing) < MIN_AGREEING:
            continue
        earliest = agreeing[0][0] - timedelta(days=SLACK_DAYS)
        latest = agreeing[-1][0] + timedelta(days=SLACK_DAYS)
        if earliest <= claimed <= latest:
            continue
        rows.append(DateEvidence(
            article_id=article_id, kind="story", evidence_index=0, start_char=None, end_char=None,
            text=None, earliest=earliest, latest=latest,
            weight=min(MAX_WEIGHT, WEIGHT_PER_SIBLING * len(agreeing)),
            detail=",".join(sorted(a for _, a in agreeing)), run_id=run_id))
    return rows
