"""The corpus check's reads and writes: the tf-idf weights of each dated article's stored story terms (its
nearest articles by them are ``dateline.dating.neighbours``), and the ``corpus`` rows of ``date_evidence``,
replaced whole."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from dateline.store import lake
from dateline.store.database import Database
from schemas import DateEvidence
from schemas.ddl import to_arrow

# tf-idf over the terms the stories stage keeps per article (story_signatures.terms, joined by spaces; NULL
# when there are none, so string_split never gives an empty term), restricted to terms in 2..cap current
# dated articles: a term in one article links nothing, a common one links everything (and a term in k
# articles costs k^2 pairs, so the cap also bounds the products).
# - An article's stored terms are distinct (``features.story_terms`` gives a sorted set; the neighbour
#   search checks the rows it gets): a DISTINCT over all 5 million (article, term) rows of 100,000 articles
#   took 1.4 of the query's 2.5 s, list_distinct per row 1.1-2 s.
# - The weights are normalised per article in numpy (``neighbours.neighbour_blocks``), not by a SQL sum:
#   DuckDB's threads add in any order, so two articles with the same terms could get cosines an ulp apart
#   and their tie be broken by that, not by id.
_WEIGHTS_SQL = """
WITH t AS (
    SELECT s.article_id, unnest(string_split(s.terms, ' ')) AS term
    FROM story_signatures s JOIN articles a USING (article_id)
    WHERE a.superseded_by IS NULL AND a.published_claimed IS NOT NULL),
n AS (SELECT count(DISTINCT article_id) AS n FROM t),
df AS (SELECT term, count(*) AS df FROM t GROUP BY term),
w AS (SELECT t.article_id, t.term, ln(n.n / df.df) AS w
      FROM t JOIN df USING (term) CROSS JOIN n
      WHERE df.df > 1 AND df.df <= greatest(5, least($share * n.n, $cap)))
SELECT w.article_id, a.published_claimed AS claimed, w.term, w.w
FROM w JOIN articles a USING (article_id) ORDER BY w.article_id, w.term
"""

def read_term_weights(con: duckdb.DuckDBPyConnection, *, df_max: int, df_share: float) -> pa.Table:
    """(article_id, claimed, term, w): the tf-idf weight of each term kept of every current dated article,
    ordered by id and term (``dateline.dating.neighbours.neighbour_blocks`` takes it from there)."""
    return con.execute(_WEIGHTS_SQL, {"cap": df_max, "share": df_share}).to_arrow_table()


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
