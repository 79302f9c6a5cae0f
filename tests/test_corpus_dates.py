"""The corpus check: an article whose nearest articles (by shared names and events) all lie far from its
claimed date is accused, as `corpus` evidence listed in date_anomalies; run over a real database by the
news-etl flow, the same rows whatever the runs."""

from datetime import date, timedelta

import duckdb
import pytest

from dateline.dating import corpus
from dateline.dating.corpus import GAP, MIN_AGREEING, Neighbour, judge_by_neighbours
from tests.test_stories import UNRELATED

CLAIM = date(1991, 3, 10)


def _around(day: date, n: int, step: int = 5) -> list[Neighbour]:
    return [Neighbour(f"n{i}", day + timedelta(days=step * i), 0.5 - i / 100) for i in range(n)]


def test_neighbours_that_agree_far_from_the_claim_accuse_it():
    a = judge_by_neighbours("x", CLAIM, _around(date(1987, 3, 1), 5))
    assert a is not None and len(a.agreeing) == 5 and a.voters == 5
    assert (a.earliest, a.latest) == (date(1987, 3, 1) - GAP, date(1987, 3, 21) + GAP)
    assert "5 of the 5 articles" in a.reason() and "n0,n1" in a.reason()  # best first


def test_two_neighbours_near_the_claim_say_the_story_was_news_then_too():
    far = _around(date(1987, 3, 1), 5)
    one = judge_by_neighbours("x", CLAIM, far + [Neighbour("back", CLAIM - GAP, 0.1)])
    assert one is not None and one.voters == 6 and "back" not in one.reason()  # one may be misdated itself
    two = far + [Neighbour("back", CLAIM - GAP, 0.1), Neighbour("again", CLAIM + GAP, 0.1)]
    assert judge_by_neighbours("x", CLAIM, two) is None


def test_too_few_or_scattered_neighbours_do_not_accuse():
    assert judge_by_neighbours("x", CLAIM, _around(date(1987, 3, 1), MIN_AGREEING - 1)) is None
    # six neighbours, each a year from the next: no MIN_AGREEING of them within SPREAD of each other
    assert judge_by_neighbours("x", CLAIM, _around(date(1981, 1, 1), 6, step=365)) is None
    # two agreeing groups of MIN_AGREEING: the largest holds half the voters, which is enough ...
    split = _around(date(1985, 1, 1), MIN_AGREEING) + _around(date(1988, 1, 1), MIN_AGREEING)
    assert judge_by_neighbours("x", CLAIM, split) is not None
    # ... a third such group is not
    assert judge_by_neighbours("x", CLAIM, split + _around(date(1996, 6, 1), MIN_AGREEING)) is None


# Four reports of one (invented) event with its names, in March 1987, and a fifth with the same names whose
# date line says 1991. None of them prints a year, so each one alone has no evidence against its claim.
STRIKE = [
    ("Grellmont foundry workers walk out", "March 3, 1987",
     "Workers at the Grellmont foundry in Varskholm walked out on Monday after Halvorsen Mining rejected the "
     "union's pay claim. Union leader Oduya Tembe said the strike would last until the Halvorsen board returned "
     "to the table, and the Varskholm port stood idle by the afternoon."),
    ("Varskholm port idle as Grellmont strike spreads", "March 5, 1987",
     "The strike at the Grellmont foundry spread to the Varskholm docks on Wednesday. Oduya Tembe told a rally "
     "that Halvorsen Mining had until Friday to improve its offer, while ore barges queued outside Varskholm."),
    ("Halvorsen offers talks to Grellmont strikers", "March 9, 1987",
     "Halvorsen Mining offered on Sunday to meet the Grellmont strikers, and Oduya Tembe said the union would "
     "listen. Shipping through Varskholm remained halted for a seventh day as the foundry stood cold."),
    ("Grellmont strike ends with pay deal", "March 14, 1987",
     "The Grellmont foundry strike ended on Saturday when Halvorsen Mining agreed a pay rise. Oduya Tembe called "
     "the deal a victory, and the first ore barges left Varskholm the same evening."),
]
LIAR = ("Grellmont strikers reject Halvorsen offer", "March 10, 1991",
        "Strikers at the Grellmont foundry rejected a new offer from Halvorsen Mining on Tuesday. Oduya Tembe said "
        "Varskholm dockers would stay out with them, and ore barges were turned away from the foundry wharf.")


def _write(folder, articles) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i, (title, line, body) in enumerate(articles):
        (folder / f"{title.split()[0].lower()}_{i}.txt").write_text(f"{title}\n{line}\n\n{body}\n")


FILLER = [(t, f"June {3 + i}, 1990", b) for i, (t, b) in enumerate(UNRELATED)]

ROWS = "SELECT a.title, e.earliest, e.latest, e.detail FROM date_evidence e JOIN articles a USING (article_id)" \
       " WHERE e.kind = 'corpus' ORDER BY ALL"


@pytest.fixture(scope="module")
def runs(prefect_harness, tmp_path_factory):
    from flows.news_etl import news_etl

    root = tmp_path_factory.mktemp("corpus")
    _write(root / "all", [*STRIKE, LIAR, *FILLER])
    once = news_etl(paths=[str(root / "all")], db=str(root / "once.duckdb"), data_docs=False)
    # the liar and the filler first, the reports that expose it in a later run
    _write(root / "first", [LIAR, *FILLER])
    _write(root / "second", STRIKE)
    first = news_etl(paths=[str(root / "first")], db=str(root / "halves.duckdb"), data_docs=False)
    with duckdb.connect(str(root / "halves.duckdb"), read_only=True) as con:
        after_first = con.execute(ROWS).fetchall()
    news_etl(paths=[str(root / "second")], db=str(root / "halves.duckdb"), data_docs=False)
    again = news_etl(paths=[str(root / "all")], db=str(root / "once.duckdb"), data_docs=False)
    return {"root": root, "once": once, "again": again, "first": first, "after_first": after_first}


def test_the_corpus_accuses_the_report_whose_date_line_is_years_from_its_event(runs):
    with duckdb.connect(str(runs["root"] / "once.duckdb"), read_only=True) as con:
        rows = con.execute(ROWS).fetchall()
        anomalies = con.execute("SELECT d.title, a.date_status, d.found_by, d.published_inferred_min,"
                                " d.published_inferred_max, d.quality_status FROM date_anomalies d"
                                " JOIN articles a USING (article_id)").fetchall()
    assert [(t, lo, hi) for t, lo, hi, _ in rows] == [
        (LIAR[0], date(1987, 3, 3) - corpus.GAP, date(1987, 3, 14) + corpus.GAP)]
    assert "4 of the 4 articles most alike" in rows[0][3]
    # the article's own text had nothing against the claim: the corpus found it, and it stays loaded as it was
    assert anomalies == [(LIAR[0], "no_evidence", "corpus", date(1987, 3, 3) - corpus.GAP,
                          date(1987, 3, 14) + corpus.GAP, "passed")]
    assert runs["once"]["corpus_check"]["accused"] == 1
    assert [a["found_by"] for a in runs["once"]["date_anomalies"]] == ["corpus"]


def test_a_later_run_that_brings_the_evidence_accuses_an_article_loaded_before(runs):
    assert runs["after_first"] == []
    with duckdb.connect(str(runs["root"] / "once.duckdb"), read_only=True) as con:
        once = con.execute(ROWS).fetchall()
    with duckdb.connect(str(runs["root"] / "halves.duckdb"), read_only=True) as con:
        halves = con.execute(ROWS).fetchall()
    assert halves == once and len(once) == 1


def _nearest(weights, **kwargs):
    """(article, claimed, [(neighbour, claimed, cosine), ...]) of every article with a neighbour, in order."""
    from dateline.dating import neighbours

    return [(b.ids[i], b.claimed[i], [(b.ids[j], b.claimed[j], s) for j, s in zip(b.cols[lo:hi], b.sims[lo:hi])])
            for b in neighbours.neighbour_blocks(weights, **kwargs) for i, lo, hi in b.spans()]


def test_the_neighbours_in_blocks_are_the_same_and_ties_go_by_id(runs):
    from dateline.dating.corpus_stage import judge_by_weights, read_weights

    with duckdb.connect(str(runs["root"] / "once.duckdb"), read_only=True) as con:
        weights = read_weights(con)

    def nearest(block):
        return _nearest(weights, top=corpus.NEIGHBOURS, min_similarity=corpus.MIN_SIMILARITY, block=block)

    whole, in_blocks = nearest(10_000), nearest(2)  # one block; four blocks of the 8 dated articles
    assert whole == in_blocks and len(whole) >= 5
    assert [a for a, _, _ in whole] == sorted(a for a, _, _ in whole)
    for _, _, found in whole:
        assert [(-s, b) for b, _, s in found] == sorted((-s, b) for b, _, s in found)
    assert sum(x is not None for _, x in judge_by_weights(weights)) == 1


def test_neighbours_are_the_cosines_of_the_weights_best_first_ties_by_id():
    import numpy as np
    import pyarrow as pa

    from dateline.dating.corpus_stage import judge_by_weights

    # four articles: b and c have the same terms (a tie for a: it goes to b, the lesser id), d shares nothing
    rows = [("a", "x", 1.0), ("a", "y", 1.0), ("b", "x", 2.0), ("b", "z", 1.0), ("c", "x", 2.0), ("c", "z", 1.0),
            ("d", "q", 1.0)]
    day = date(2020, 1, 1)
    weights = pa.table({"article_id": [r[0] for r in rows], "claimed": [day] * len(rows),
                        "term": [r[1] for r in rows], "w": [r[2] for r in rows]})
    got = {a: [(b, round(s, 12)) for b, _, s in found]
           for a, _, found in _nearest(weights, top=1, min_similarity=0.05)}
    ab = round(2 / (np.sqrt(2) * np.sqrt(5)), 12)
    assert got == {"a": [("b", ab)], "b": [("c", 1.0)], "c": [("b", 1.0)]}
    one_by_one = _nearest(weights, top=1, min_similarity=0.05, block=1)  # d's block: empty
    assert one_by_one == _nearest(weights, top=1, min_similarity=0.05)
    assert [a for a, _ in judge_by_weights(weights)] == ["a", "b", "c"]
    twice = pa.table({"article_id": ["a", "a"], "claimed": [day, day], "term": ["x", "x"], "w": [1.0, 1.0]})
    with pytest.raises(ValueError, match="distinct"):
        _nearest(twice, top=1, min_similarity=0.05)


def test_a_run_that_adds_nothing_keeps_the_rows_without_checking_again(runs):
    assert runs["again"]["corpus_check"]["skipped"] == 1 and runs["again"]["loaded"] == 0
    with duckdb.connect(str(runs["root"] / "once.duckdb"), read_only=True) as con:
        assert [r[0] for r in con.execute(ROWS).fetchall()] == [LIAR[0]]


def test_the_articles_may_accuse_passes_over_are_those_the_judge_clears_at_once():
    import random

    import numpy as np

    from dateline.dating.corpus import may_accuse

    rng = random.Random(7)
    claimed = date(1990, 6, 1)
    accused = 0
    for _ in range(2000):
        found = [Neighbour(f"n{k}", claimed + timedelta(days=rng.choice([-271, -270, 0, 270, 271, 400, 450, 500,
                                                                          550, 600])), rng.random())
                 for k in range(rng.randint(1, 10))]
        near = sum(abs(n.claimed - claimed) <= GAP for n in found)
        if not may_accuse(np.array([len(found)]), np.array([near]))[0]:
            assert judge_by_neighbours("a", claimed, found) is None
        else:
            accused += judge_by_neighbours("a", claimed, found) is not None
    assert accused > 200  # the draw reaches accusations: a may_accuse that passed over too many would show
