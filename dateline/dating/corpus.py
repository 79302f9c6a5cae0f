"""What the rest of the corpus says about when an article was written.

An article alone can expose a shifted year only when it prints a year, a weekday with its date or an
elapsed span: on the development corpora 62% of year-shifted articles print none of these. The corpus
knows more. The names and events an article shares with other articles (a company's takeover fight, a
minister, a strike) were news at one time: when the articles that share most of this article's rare terms
agree among themselves on a time, and none of them lies within ``GAP`` of this article's claim, the claim
is suspect. That is the "corpus itself" evidence of the dating issue: learned from the claimed dates of
the database, never from a list typed in by hand.

What it cannot tell: a name the corpus knows from one time only. An article about a company written years
after every other article that names it is accused (its neighbours all lie years away). The rule therefore
asks for several agreeing neighbours, all far away, and ``date_anomalies`` says the accusation came from
the corpus, so an analyst weighs it apart from the article's own evidence.

Neighbours are found over the stories stage's stored terms (their weights in SQL,
``dateline.store.corpus_dates``; the sparse products in ``dateline.dating.neighbours``): the
``NEIGHBOURS`` most similar articles by tf-idf cosine over terms rarer than ``TERM_DF_MAX`` articles, with
a cosine of at least ``MIN_SIMILARITY``. This module only judges them.

Chosen with eval_sanity's protocol (``bench/eval_sanity.py`` prints the corpus rows, dev and held-out
halves apart): a gap of 120 days also caught month shifts but flagged 2% of untouched Reuters articles,
whose topics come back within a year; 270 days flagged none, in the shifted corpora and in all untouched
articles of three corpora mixed (1987, 1989-98, 2016). On the development half of reuters_dev, letting one
of ten neighbours lie near the claim (it may be misdated itself) when four agree far away raised year-shift
recall from 156 to 228 of 334 with no untouched article flagged; also accepting 40% agreement flagged one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

NEIGHBOURS = 10  # how many of the most similar articles vote
MIN_SIMILARITY = 0.05  # a cosine below this shares too little to vote at all
TERM_DF_MAX = 30  # terms in more articles than this are topics, not names and events (also bounds the join)
TERM_DF_SHARE = 0.05  # ... or in more than this share of the corpus, when it is small
GAP = timedelta(days=270)  # "near the claim": within this of it, far beyond a story's span of weeks
MAX_NEAR = 1  # one near neighbour may itself be misdated; two say the content was news at the claimed time
SPREAD = timedelta(days=240)  # the agreeing neighbours lie within this of each other
MIN_AGREEING = 4  # at least this many neighbours agree
MIN_AGREEING_SHARE = 0.5  # ... and at least this share of those that voted


@dataclass(frozen=True, slots=True)
class Neighbour:
    article_id: str
    claimed: date
    similarity: float


@dataclass(frozen=True, slots=True)
class CorpusAccusation:
    """The claim lies more than GAP from every neighbour, and ``agreeing`` place the content in
    [first, last]."""

    article_id: str
    claimed: date
    agreeing: tuple[Neighbour, ...]
    voters: int

    @property
    def first(self) -> date:
        return min(n.claimed for n in self.agreeing)

    @property
    def last(self) -> date:
        return max(n.claimed for n in self.agreeing)

    @property
    def earliest(self) -> date:
        """The earliest publication date the corpus allows: GAP before the agreeing neighbours."""
        return self.first - GAP

    @property
    def latest(self) -> date:
        return self.last + GAP

    @property
    def share(self) -> float:
        return len(self.agreeing) / self.voters

    def reason(self) -> str:
        days = min(abs((self.claimed - n.claimed).days) for n in self.agreeing)
        return (f"{len(self.agreeing)} of the {self.voters} articles most alike in names and events are dated "
                f"{self.first.isoformat()}..{self.last.isoformat()}, none within {GAP.days} days of the claimed "
                f"{self.claimed.isoformat()} (nearest {days} days away): "
                + ",".join(n.article_id for n in self.agreeing))


def may_accuse(n_neighbours: np.ndarray, n_near: np.ndarray) -> np.ndarray:
    """Which articles ``judge_by_neighbours`` could accuse, from how many voters each has and how many of
    them lie within GAP of its claim (arrays over many articles): the others it answers None at once."""
    return (n_neighbours >= MIN_AGREEING) & (n_near <= MAX_NEAR)


def judge_by_neighbours(article_id: str, claimed: date, neighbours: Sequence[Neighbour]) -> CorpusAccusation | None:
    """An accusation when the article's most similar articles agree on a time far from its claim.

    ``neighbours`` are the article's voters (at most NEIGHBOURS, similarity >= MIN_SIMILARITY). At most
    MAX_NEAR of them may lie within GAP of the claim: more say the story was news then too (it came back).
    The largest group of them within SPREAD of each other must hold MIN_AGREEING and MIN_AGREEING_SHARE of
    the voters, and lie outside GAP: scattered dates say the terms are not tied to one time."""
    if len(neighbours) < MIN_AGREEING or sum(abs(n.claimed - claimed) <= GAP for n in neighbours) > MAX_NEAR:
        return None
    ordered = sorted(neighbours, key=lambda n: (n.claimed, n.article_id))
    best: tuple[Neighbour, ...] = ()
    lo = 0
    for hi in range(len(ordered)):
        while ordered[hi].claimed - ordered[lo].claimed > SPREAD:
            lo += 1
        if hi - lo + 1 > len(best):
            best = tuple(ordered[lo:hi + 1])
    if len(best) < MIN_AGREEING or len(best) < MIN_AGREEING_SHARE * len(neighbours) or \
            any(abs(n.claimed - claimed) <= GAP for n in best):
        return None
    return CorpusAccusation(article_id, claimed, tuple(sorted(best, key=lambda n: (-n.similarity, n.article_id))),
                            len(neighbours))

