"""The stories stage's reads and writes: signatures and keys kept per article; the rows of the candidate
components a run touches replaced, the rest left as they are."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import NamedTuple

import duckdb
import numpy as np
import pyarrow as pa

from dateline.store import lake
from dateline.store.database import Database, give_back_memory
from dateline.stories.evidence import MemberDates, YearlessMention
from dateline.stories.features import MIN_SHINGLES
from dateline.stories.spill import SpilledTable
from schemas import DateEvidence, NearDuplicate, Story, StoryMember, StorySignature
from schemas.ddl import arrow_schema, to_arrow

#: Articles the stage clusters: current versions (an edited file's old version is left out).
CURRENT = "superseded_by IS NULL"
#: The stage's scratch tables (temporary: one cursor's only, so the re-clustering functions take that
#: cursor): every signed article's key terms as (article, key) rows; the ids of the run's new, stored
#: (current, not new) and gone articles, and of the articles whose components it re-clusters.
_SCRATCH = ("stories_keys", "stories_new", "stories_stored", "stories_gone", "stories_key_counts", "stories_seeds",
            "stories_affected")


def articles_without_signature(db: Database, batch_rows: int = 5000) -> Iterator[list[tuple]]:
    """(article_id, title, body) of current articles that have no stored signature yet, in chunks.

    Each chunk is read on its own: between chunks (while the caller signs one) a run's DuckDB file is
    free for readers (``Database.for_run``).
    """
    import pyarrow as pa

    with db.cursor() as con:
        ids = [a for (a,) in con.execute(f"""
            SELECT a.article_id FROM articles a ANTI JOIN story_signatures s USING (article_id)
            WHERE {CURRENT} ORDER BY a.article_id""").fetchall()]
    for start in range(0, len(ids), batch_rows):
        wanted = pa.table({"article_id": pa.array(ids[start:start + batch_rows], pa.string())})  # noqa: F841
        with db.cursor() as con:
            yield con.execute("SELECT article_id, title, body FROM articles WHERE article_id IN"
                              " (SELECT article_id FROM wanted) ORDER BY article_id").fetchall()


def save_signatures(db: Database, rows: "list[StorySignature] | pa.Table") -> None:
    """Articles' signatures, in one transaction."""
    signature_rows = to_arrow(StorySignature, rows)

    def save(con: duckdb.DuckDBPyConnection) -> None:
        # on a lake another run may have signed some meanwhile: those are left alone
        con.register("signature_rows", signature_rows)
        con.execute('INSERT INTO "story_signatures" BY NAME SELECT * FROM signature_rows'
                    ' WHERE article_id NOT IN (SELECT article_id FROM story_signatures)')
        con.unregister("signature_rows")

    with db.cursor() as con:  # run again whole if another run's commit (on a lake) came first
        lake.transaction(con, save)


def forget_all(db: Database) -> None:
    """For a rebuild: every signature, key and story is computed again."""
    def forget(con: duckdb.DuckDBPyConnection) -> None:
        for table in ("story_signatures", "near_duplicates", "stories", "story_members"):
            con.execute(f'DELETE FROM "{table}"')
        con.execute("DELETE FROM date_evidence WHERE kind = 'story'")

    with db.cursor() as con:
        lake.transaction(con, forget)


def signed_before_features(db: Database) -> bool:
    """Signatures stored before ``story_signatures.numbers`` or ``.orgs`` were kept (NULL there): the
    near-duplicate test needs every article's numbers and the stories its organisations, so the stage
    signs everything again and rebuilds once."""
    with db.cursor() as con:
        return con.execute("SELECT EXISTS (SELECT 1 FROM story_signatures WHERE numbers IS NULL OR orgs IS NULL)"
                           ).fetchone()[0]


def built_before_components(db: Database) -> bool:
    """Story rows written before components and keys were kept: the stage rebuilds once."""
    with db.cursor() as con:
        return con.execute("SELECT EXISTS (SELECT 1 FROM story_members WHERE component_id IS NULL)").fetchone()[0]


class Changes(NamedTuple):
    """What ``new_and_gone`` found: counts of new, gone and stored current articles, and the candidate
    pairs of new with stored ones."""

    new: int
    gone: int
    stored: int
    pairs: pa.Table  # new_id, stored_id, band (bool), term (int64): one row a candidate pair

    @property
    def first_build(self) -> bool:
        """Nothing stored and nothing gone (a first run or a rebuild): every current article is new, so
        there are no pairs or seeds to find and the clustering counts the hot key terms itself."""
        return not self.stored and not self.gone


def new_and_gone(con: duckdb.DuckDBPyConnection, hot_df: int) -> Changes:
    """Fill the scratch tables ``stories_new`` (current articles without a story), ``stories_stored`` (the
    other current articles), ``stories_gone`` (story rows of articles no longer current) and
    ``stories_seeds`` (stored articles holding a key term whose side of ``hot_df`` changed: their edges
    changed). The candidate pairs are (new article, stored current article, share an LSH band, how many
    key terms that are not hot they share), for the caller to check which are edges (``add_seeds``).

    A first build (``Changes.first_build``) makes no key tables (0.7 s at 100,000 articles), and the stage
    asks ``hot_terms`` nothing."""
    for table in _SCRATCH:
        con.execute(f"DROP TABLE IF EXISTS {table}")
    con.execute(f"""CREATE TEMP TABLE stories_new AS SELECT article_id FROM articles a
                    ANTI JOIN story_members m USING (article_id) WHERE {CURRENT}""")
    con.execute(f"""CREATE TEMP TABLE stories_gone AS SELECT m.article_id, m.component_id FROM story_members m
                    ANTI JOIN (SELECT article_id FROM articles WHERE {CURRENT}) USING (article_id)""")
    con.execute(f"""CREATE TEMP TABLE stories_stored AS SELECT article_id FROM articles a
                    ANTI JOIN stories_new USING (article_id) WHERE a.{CURRENT}""")
    new, gone, stored = (con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                         for table in ("stories_new", "stories_gone", "stories_stored"))
    first = Changes(new, gone, stored, NO_PAIRS)
    if first.first_build:
        con.execute("CREATE TEMP TABLE stories_seeds (article_id VARCHAR)")
        return first
    # (article, key term) rows of every signed article, split once a run (0.3 s at 100,000 articles)
    con.execute("""CREATE TEMP TABLE stories_keys AS
                   SELECT article_id, unnest(string_split(keys, ' ')) AS key FROM story_signatures""")
    con.execute(f"""
        CREATE TEMP TABLE stories_key_counts AS
        WITH touched AS (  -- key terms of new and gone articles: their counts move
            SELECT DISTINCT key FROM stories_keys
            WHERE article_id IN (SELECT article_id FROM stories_new UNION ALL SELECT article_id FROM stories_gone))
        SELECT k.key,
               count(*) FILTER (WHERE a.{CURRENT}) AS now,
               count(*) FILTER (WHERE (a.{CURRENT} AND k.article_id NOT IN (SELECT article_id FROM stories_new))
                                OR k.article_id IN (SELECT article_id FROM stories_gone)) AS before
        FROM stories_keys k JOIN touched USING (key) JOIN articles a USING (article_id) GROUP BY k.key""")
    con.execute(f"""
        CREATE TEMP TABLE stories_seeds AS
        SELECT DISTINCT article_id FROM stories_keys
        WHERE key IN (SELECT key FROM stories_key_counts WHERE (now > {hot_df}) <> (before > {hot_df}))""")
    # Gone articles with nothing stored leave no stored article to compare with; the join below would
    # still match every new key with every other (3.4 s at 100,000 articles) before its filter leaves nothing.
    # The pairs come as Arrow columns, not Python rows: 2,000 articles added to 28,000 renamed wire copies
    # gave 290,000 pairs; as tuples, and again as index tuples where they were checked, they took the
    # increment's peak from +359 to +628 MB.
    pairs = NO_PAIRS if not stored else con.execute(f"""
        WITH new_keys AS (  -- the key terms new articles find candidates by: those not hot
            SELECT k.article_id, k.key FROM stories_keys k JOIN stories_key_counts c USING (key)
            WHERE k.article_id IN (SELECT article_id FROM stories_new) AND c.now <= {hot_df}),
        bands AS (  -- LSH bands of articles long enough to compare: (band, hash) is a bucket
            SELECT article_id, generate_subscripts(bands, 1) AS band, unnest(bands) AS hash
            FROM story_signatures WHERE n_shingles >= {MIN_SHINGLES}),
        new_bands AS (SELECT * FROM bands WHERE article_id IN (SELECT article_id FROM stories_new)),
        shared AS (
            SELECT n.article_id AS new_id, o.article_id AS stored_id, true AS band, 0 AS term
            FROM new_bands n JOIN bands o USING (band, hash) WHERE o.article_id IN (SELECT article_id FROM stories_stored)
            UNION ALL
            SELECT n.article_id, o.article_id, false, 1
            FROM new_keys n JOIN stories_keys o USING (key) WHERE o.article_id IN (SELECT article_id FROM stories_stored))
        SELECT new_id, stored_id, bool_or(band) AS band, sum(term)::BIGINT AS term FROM shared
        GROUP BY ALL""").to_arrow_table()  # no order: each pair is checked on its own
    return Changes(new, gone, stored, pairs)


#: ``Changes.pairs`` when there are none.
NO_PAIRS = pa.table({"new_id": pa.array([], pa.string()), "stored_id": pa.array([], pa.string()),
                     "band": pa.array([], pa.bool_()), "term": pa.array([], pa.int64())})


def add_seeds(con: duckdb.DuckDBPyConnection, article_ids: list[str]) -> int:
    """Add the stored articles a new one has an edge to, then fill ``stories_affected``: the new articles
    and every current member of a seed's or a gone article's component. Returns its size."""
    ids = pa.table({"article_id": pa.array(article_ids, pa.string())})  # noqa: F841 - used by name below
    con.execute("INSERT INTO stories_seeds SELECT article_id FROM ids")
    con.execute(f"""
        CREATE TEMP TABLE stories_affected AS
        WITH components AS (
            SELECT DISTINCT component_id FROM story_members WHERE article_id IN (SELECT article_id FROM stories_seeds)
            UNION SELECT component_id FROM stories_gone)
        SELECT article_id FROM stories_new
        UNION
        SELECT m.article_id FROM story_members m JOIN articles a USING (article_id)
        WHERE a.{CURRENT} AND m.component_id IN (SELECT component_id FROM components)""")
    return con.execute("SELECT count(*) FROM stories_affected").fetchone()[0]


def affected_ids(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The ids in ``stories_affected``, sorted: the features are then read by id, a chunk per hold."""
    return [a for (a,) in con.execute("SELECT article_id FROM stories_affected ORDER BY article_id").fetchall()]


def features_for_clustering(con: duckdb.DuckDBPyConnection, article_ids: list[str]) -> pa.Table:
    """article_id, published_claimed, minhash, n_shingles, terms, numbers, orgs, title, publisher of the given articles, as
    Arrow: the signatures' BLOBs become one numpy block (``signing.signatures_of_blobs``), not Python ints
    (the row form took 4.7 s for 100,000 articles)."""
    ids = pa.table({"article_id": pa.array(article_ids, pa.string())})  # noqa: F841 - used by name below
    return con.execute("""
        SELECT a.article_id, a.published_claimed, s.minhash, s.n_shingles, s.terms, s.numbers,
               s.orgs, a.title, a.publisher
        FROM ids JOIN articles a USING (article_id) JOIN story_signatures s USING (article_id)
        ORDER BY a.article_id""").fetch_arrow_table()


def number_rows(con: duckdb.DuckDBPyConnection, article_ids: list[str]) -> None:
    """``stories_rows``: the articles to cluster (ascending ids) numbered 0.. as the clustering numbers
    its rows, for the pair searches below."""
    ids = pa.table({"article_id": pa.array(article_ids, pa.string())})  # noqa: F841 - used by name below
    con.execute("DROP TABLE IF EXISTS stories_rows")
    con.execute("CREATE TEMP TABLE stories_rows AS SELECT article_id, (row_number() OVER (ORDER BY article_id) - 1)::INTEGER"
                " AS i FROM ids")


def copy_candidates(con: duckdb.DuckDBPyConnection, n: int, row_block: int) -> Iterator[np.ndarray]:
    """The near-duplicate candidates among the ``n`` articles of ``stories_rows``: (i, j) rows, i < j, of
    articles long enough to compare that share an LSH bucket (a band's hash, ``story_signatures.bands``),
    a block for each ``row_block`` of i: the joins stay small and the pairs are never all listed at once."""
    con.execute("DROP TABLE IF EXISTS stories_bands")
    con.execute(f"""CREATE TEMP TABLE stories_bands AS
                    SELECT r.i, generate_subscripts(s.bands, 1)::TINYINT AS band, unnest(s.bands) AS hash
                    FROM stories_rows r JOIN story_signatures s USING (article_id) WHERE s.n_shingles >= {MIN_SHINGLES}""")
    for start in range(0, n, row_block):
        yield _pairs(con.execute(f"""
            SELECT DISTINCT a.i, b.i AS j FROM stories_bands a JOIN stories_bands b USING (band, hash)
            WHERE a.i >= {start} AND a.i < {start + row_block} AND a.i < b.i"""))
    con.execute("DROP TABLE stories_bands")


def copy_features(con: duckdb.DuckDBPyConnection, rows: np.ndarray) -> pa.Table:
    """i, minhash, n_shingles and numbers of the articles ``rows`` of ``stories_rows`` (ascending), by i:
    what checking a block of near-duplicate candidates reads."""
    wanted = pa.table({"i": pa.array(rows, pa.int32())})  # noqa: F841 - used by name below
    return con.execute("""SELECT r.i, s.minhash, s.n_shingles, s.numbers FROM stories_rows r JOIN story_signatures s
                          USING (article_id) WHERE r.i IN (SELECT i FROM wanted) ORDER BY r.i""").to_arrow_table()


def story_pairs(con: duckdb.DuckDBPyConnection, n: int, hot: set[str] | None, hot_df: int, shared_keys: int,
                row_block: int) -> Iterator[np.ndarray]:
    """(i, j) rows, i < j, of the ``n`` articles of ``stories_rows`` that share at least ``shared_keys`` key
    terms that are not hot: not in ``hot``, or when it is None, held by at most ``hot_df`` of these
    articles. What ``clusters.listed_pairs`` lists from the terms, listed here from the stored keys, a block
    for each ``row_block`` of i: the 4.7 million pairs of 100,000 distinct wire reports are never all in
    the process, and one join of all of them took DuckDB's whole memory (+400 MB at 100,000 articles,
    +176 a block at a time)."""
    for table in ("stories_keys_of_rows", "stories_hot"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    con.execute("""CREATE TEMP TABLE stories_keys_of_rows AS SELECT r.i, unnest(string_split(s.keys, ' ')) AS key
                   FROM stories_rows r JOIN story_signatures s USING (article_id)""")
    if hot is None:
        con.execute(f"CREATE TEMP TABLE stories_hot AS SELECT key FROM stories_keys_of_rows GROUP BY key HAVING count(*) > {hot_df}")
    else:
        hot_keys = pa.table({"key": pa.array(sorted(hot), pa.string())})  # noqa: F841 - used by name below
        con.execute("CREATE TEMP TABLE stories_hot AS SELECT key FROM hot_keys")
    con.execute("DELETE FROM stories_keys_of_rows WHERE key IN (SELECT key FROM stories_hot)")
    for start in range(0, n, row_block):
        yield _pairs(con.execute(f"""
            SELECT a.i, b.i AS j FROM stories_keys_of_rows a JOIN stories_keys_of_rows b USING (key)
            WHERE a.i >= {start} AND a.i < {start + row_block} AND a.i < b.i
            GROUP BY a.i, b.i HAVING count(*) >= {shared_keys}"""))
    for table in ("stories_keys_of_rows", "stories_hot"):
        con.execute(f"DROP TABLE {table}")


def _pairs(result: duckdb.DuckDBPyConnection) -> np.ndarray:
    """A query's (i, j) rows as an (m, 2) int32 array."""
    columns = result.fetchnumpy()
    return np.stack([columns["i"], columns["j"]], axis=1).astype(np.int32, copy=False)


def terms_for_clustering(con: duckdb.DuckDBPyConnection, article_ids: list[str]) -> pa.Table:
    """article_id, published_claimed and terms of the given articles, ordered by id: what the pair
    search's static vectors need."""
    ids = pa.table({"article_id": pa.array(article_ids, pa.string())})  # noqa: F841 - used by name below
    return con.execute("""
        SELECT a.article_id, a.published_claimed, s.terms
        FROM ids JOIN articles a USING (article_id) JOIN story_signatures s USING (article_id)
        ORDER BY a.article_id""").to_arrow_table()


def hot_terms(con: duckdb.DuckDBPyConnection, hot_df: int) -> set[str]:
    """The key terms held by more than ``hot_df`` current articles. The clustering asks it only of the
    affected articles' keys; asking it of every key answers it before they are known, so that the key
    rows can go (``forget_keys``) before the pairs are checked."""
    return {key for (key,) in con.execute(f"""
        SELECT k.key FROM stories_keys k JOIN articles a USING (article_id)
        WHERE a.{CURRENT} GROUP BY k.key HAVING count(*) > {hot_df}""").fetchall()}


def forget_keys(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the key rows (``stories_keys``, ``stories_key_counts``: 2.7 million rows at 100,000 articles)
    once the hot terms are known, and have DuckDB give back the memory they and the pair search held
    (``give_back_memory``): the stage's Python side is next."""
    for table in ("stories_keys", "stories_key_counts"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    give_back_memory(con)


def member_dates(con: duckdb.DuckDBPyConnection, article_ids: list[str]) -> dict[str, MemberDates]:
    """What story evidence needs of these articles: claimed date, verdict, year-less mentions told as
    past or upcoming, and the (month, day) / month their explicit dates print with a year."""
    out: dict[str, MemberDates] = {}
    if not article_ids:
        return out
    con.register("story_wanted", pa.table({"article_id": pa.array(article_ids, pa.string())}))
    heads = con.execute("""SELECT a.article_id, a.published_claimed, a.date_status FROM articles a
                           SEMI JOIN story_wanted USING (article_id)""").fetchall()
    # Year-less: value XXXX-MM(-DD), or the year the claimed date lent it; printed: an explicit day or month.
    rows = con.execute("""
        SELECT m.article_id, m.mention_index, m.start_char, m.end_char, m.text, m.value, m.tense,
               m.explicit_year, m.granularity, m.earliest
        FROM date_mentions m SEMI JOIN story_wanted USING (article_id)
        WHERE m.timex_type = 'DATE' AND (
              (NOT m.explicit_year AND m.tense IN ('past', 'future')
               AND regexp_matches(m.value, '^(XXXX|[0-9]{4})-[0-9]{2}(-[0-9]{2})?$'))
           OR (m.explicit_year AND m.granularity IN ('day', 'month') AND m.earliest IS NOT NULL))
        ORDER BY m.article_id, m.mention_index""").fetchall()
    con.unregister("story_wanted")
    yearless: dict[str, list[YearlessMention]] = defaultdict(list)
    printed: dict[str, dict[tuple[int, int | None], set[int]]] = defaultdict(lambda: defaultdict(set))
    for aid, index, start, end, text, value, tense, explicit, granularity, earliest in rows:
        if explicit:
            printed[aid][(earliest.month, None)].add(earliest.year)
            if granularity == "day":
                printed[aid][(earliest.month, earliest.day)].add(earliest.year)
        else:
            parts = value.split("-")
            yearless[aid].append(YearlessMention(index, start, end, text, int(parts[1]),
                                                 int(parts[2]) if len(parts) > 2 else None, tense))
    for aid, claimed, status in heads:
        out[aid] = MemberDates(aid, claimed, status, tuple(yearless.get(aid, ())), dict(printed.get(aid, {})))
    return out


def previous_state(con: duckdb.DuckDBPyConnection) -> tuple[dict[str, int], set[str]]:
    """Sizes of the stories the affected and gone articles were in, and which of them were copies."""
    sizes = dict(con.execute("""
        SELECT story_id, n_articles FROM stories WHERE story_id IN (
            SELECT story_id FROM story_members WHERE article_id IN (SELECT article_id FROM stories_affected
                                                                   UNION ALL SELECT article_id FROM stories_gone))
        """).fetchall())
    copies = {a for (a,) in con.execute("""SELECT article_id FROM near_duplicates
                                           WHERE article_id IN (SELECT article_id FROM stories_affected)""").fetchall()}
    return sizes, copies


def touched_articles(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The affected and gone articles (``add_seeds``): the rows ``replace_affected`` replaces."""
    return [a for (a,) in con.execute("SELECT article_id FROM stories_affected UNION "
                                      "SELECT article_id FROM stories_gone ORDER BY 1").fetchall()]


def replace_affected(con: duckdb.DuckDBPyConnection, touched_ids: list[str],
                     near_duplicates: "pa.Table | list[NearDuplicate] | SpilledTable",
                     stories: "pa.Table | list[Story] | SpilledTable",
                     members: "pa.Table | list[StoryMember] | SpilledTable",
                     evidence: "list[DateEvidence] | SpilledTable") -> dict[str, int]:
    """Replace the rows of the touched articles (``touched_articles``) and their old stories in one
    transaction; return the tables' totals after it. It needs no scratch table, so it runs on a cursor of
    its own after the clustering let the file go. The rows come as tables or lists, or from the stage in
    parts' scratch files (``spill.SpilledTable``), streamed in."""
    tables = {"near_duplicates": _rows(NearDuplicate, near_duplicates), "stories": _rows(Story, stories),
              "story_members": _rows(StoryMember, members), "date_evidence": _rows(DateEvidence, evidence)}
    touched = "(SELECT article_id FROM stories_touched)"
    touched_rows = pa.table({"article_id": pa.array(touched_ids, pa.string())})

    def replace(con: duckdb.DuckDBPyConnection) -> None:
        con.register("stories_touched", touched_rows)
        con.execute(f"DELETE FROM stories WHERE story_id IN (SELECT story_id FROM story_members"
                    f" WHERE article_id IN {touched})")
        con.execute(f"DELETE FROM story_members WHERE article_id IN {touched}")
        con.execute(f"DELETE FROM near_duplicates WHERE article_id IN {touched}")
        con.execute(f"DELETE FROM date_evidence WHERE kind = 'story' AND article_id IN {touched}")
        for table, rows in tables.items():
            con.register("new_rows", rows.reader() if isinstance(rows, SpilledTable) else rows)
            # in key order, as one build gives them, whether they come as one table or a batch at a time
            order = f" ORDER BY {_ORDER[table]}" if table in _ORDER else ""
            con.execute(f'INSERT INTO "{table}" BY NAME SELECT * FROM new_rows{order}')
            con.unregister("new_rows")

    lake.transaction(con, replace)  # run again whole if another run's commit (on a lake) came first
    return totals(con)


#: The story tables' keys: ``replace_affected`` writes their rows in this order.
_ORDER = {"near_duplicates": "article_id", "stories": "story_id", "story_members": "article_id"}


def _rows(model, rows: "pa.Table | list | SpilledTable") -> "pa.Table | SpilledTable":
    """``to_arrow`` of ``rows``, or the scratch file of the stage in parts (``spill.SpilledTable``) as it is,
    once its schema is the model's."""
    if isinstance(rows, SpilledTable):
        if not rows.schema.equals(arrow_schema(model)):
            raise TypeError(f"{model.table} rows have schema {rows.schema}, not the model's")
        return rows
    return to_arrow(model, rows)


def totals(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Stories (all, with more than one article), near-duplicates and story evidence rows in the tables."""
    return {"stories": con.execute("SELECT count(*) FROM stories").fetchone()[0],
            "multi_article_stories": con.execute("SELECT count(*) FROM stories WHERE n_articles > 1").fetchone()[0],
            "near_duplicates": con.execute("SELECT count(*) FROM near_duplicates").fetchone()[0],
            "story_evidence": con.execute("SELECT count(*) FROM date_evidence WHERE kind = 'story'").fetchone()[0]}
