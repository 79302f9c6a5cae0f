"""The corpus check's reads and writes: each dated article's nearest articles by their stored story terms,
and the ``corpus`` rows of ``date_evidence``, replaced whole."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import duckdb

from dateline.store import lake
from dateline.store.database import Database
from schemas import DateEvidence
from schemas.ddl import to_arrow

# tf-idf over the terms the stories stage keeps per article (story_signatures.terms, joined by spaces; NULL
# when there are none, so string_split never gives an empty term), restricted to terms
# in 2..cap current dated articles: a term in one article links nothing, a common one links everything
# (and a term in k articles costs k^2 pairs, so the cap also bounds the join). Each article's weights are
# normalised, so the sum over shared terms below is the cosine.
_WEIGHTS_SQL = """
CREATE OR REPLACE TEMP TABLE corpus_weights AS
WITH t AS (
    SELECT DISTINCT s.article_id, unnest(string_split(s.terms, ' ')) AS term
    FROM story_signatures s JOIN articles a USING (article_id)
    WHERE a.superseded_by IS NULL AND a.published_claimed IS NOT NULL),
n AS (SELECT count(DISTINCT article_id) AS n FROM t),
df AS (SELECT term, count(*) AS df FROM t GROUP BY term),
w AS (SELECT t.article_id, t.term, ln(n.n / df.df) AS w
      FROM t JOIN df USING (term) CROSS JOIN n
      WHERE df.df > 1 AND df.df <= greatest(5, least($share * n.n, $cap))),
norm AS (SELECT article_id, sqrt(sum(w * w)) AS norm FROM w GROUP BY article_id)
SELECT w.article_id, w.term, w.w / norm.norm AS x, hash(w.article_id) % $parts AS part
FROM w JOIN norm USING (article_id)
"""

# The top ``$top`` partners (cosine >= ``$min_sim``) of the articles of one part: the pairs of a part are
# aggregated on their own, so memory follows the part's size, not the corpus's.
_NEAREST_SQL = """
WITH pairs AS (
    SELECT a.article_id AS x, b.article_id AS y, sum(a.x * b.x) AS s
    FROM corpus_weights a JOIN corpus_weights b ON a.term = b.term AND a.article_id <> b.article_id
    WHERE a.part = $part GROUP BY ALL),
top AS (SELECT x, y, s FROM pairs WHERE s >= $min_sim
        QUALIFY row_number() OVER (PARTITION BY x ORDER BY s DESC, y) <= $top)
SELECT top.x, ax.published_claimed,
       list({'id': top.y, 'claimed': ay.published_claimed, 's': top.s} ORDER BY top.s DESC, top.y)
FROM top JOIN articles ax ON ax.article_id = top.x JOIN articles ay ON ay.article_id = top.y
GROUP BY ALL ORDER BY top.x
"""

#: Articles per part of the pair join: 50,000 fit in the 384 MiB a run gives DuckDB, 100,000 in one part ran
#: out of it (bench/corpus_dates.py, docs/performance.md).
PART_ARTICLES = 50_000


def nearest_articles(con: duckdb.DuckDBPyConnection, *, top: int, min_similarity: float, df_max: int,
                     df_share: float, chunk: int = 5000
                     ) -> Iterator[tuple[str, date, list[tuple[str, date, float]]]]:
    """(article_id, claimed date, [(neighbour id, its claimed date, cosine), ...] best first) of every
    current dated article with at least one neighbour, streamed part by part."""
    (articles,) = con.execute("""SELECT count(*) FROM story_signatures s JOIN articles a USING (article_id)
                                 WHERE a.superseded_by IS NULL AND a.published_claimed IS NOT NULL""").fetchone()
    parts = max(1, -(-articles // PART_ARTICLES))
    con.execute(_WEIGHTS_SQL, {"cap": df_max, "share": df_share, "parts": parts})
    try:
        for part in range(parts):
            cur = con.execute(_NEAREST_SQL, {"top": top, "min_sim": min_similarity, "part": part})
            while rows := cur.fetchmany(chunk):
                for article_id, claimed, neighbours in rows:
                    yield article_id, claimed, [(n["id"], n["claimed"], n["s"]) for n in neighbours]
    finally:
        con.execute("DROP TABLE IF EXISTS corpus_weights")


def replace_corpus_evidence(db: Database, rows: list[DateEvidence]) -> None:
    """Every ``corpus`` row of ``date_evidence`` replaced by ``rows``, in one transaction."""
    evidence_rows = to_arrow(DateEvidence, rows)

    def work(con: duckdb.DuckDBPyConnection) -> None:
        con.execute("DELETE FROM date_evidence WHERE kind = 'corpus'")
        con.register("corpus_evidence_rows", evidence_rows)
        try:
            con.execute("INSERT INTO date_evidence BY NAME SELECT * FROM corpus_evidence_rows")
        finally:
            con.unregister("corpus_evidence_rows")

    with db.cursor() as con:
        lake.transaction(con, work)
