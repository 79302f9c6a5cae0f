"""The stories stage's reads and writes: signatures, keys and neighbour lists kept per article; the rows
of the candidate groups a pass touches replaced, the rest left as they are."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

import duckdb
import pyarrow as pa

from dateline.store import lake
from dateline.store.database import Database
from dateline.stories.evidence import MemberDates, YearlessMention
from schemas import DateEvidence, NearDuplicate, Story, StoryKey, StoryMember, StoryNeighbour, StorySignature
from schemas.ddl import to_arrow

#: Articles the stage clusters: current versions (an edited file's old version is left out).
CURRENT = "superseded_by IS NULL"
#: The stage's scratch tables (temporary: one cursor's only, so the re-clustering functions take that cursor): article ids of the run's new and gone articles,
#: and of the articles whose components it re-clusters.
_SCRATCH = ("stories_unclustered", "stories_new", "stories_gone", "stories_key_counts", "stories_seeds",
            "stories_affected", "stories_crossing_keys", "stories_listed", "stories_listed_keys")


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


def save_signatures(db: Database, rows: list[StorySignature], keys: "list[StoryKey] | pa.Table") -> None:
    """An article's signature and its keys, in one transaction (a key-less signature would hide it)."""
    signature_rows = to_arrow(StorySignature, rows)
    key_rows = to_arrow(StoryKey, keys)
    def save(con: duckdb.DuckDBPyConnection) -> None:
        # on a lake another run may have signed some meanwhile: those are left alone
        con.register("key_rows", key_rows)
        con.register("signature_rows", signature_rows)
        con.execute('INSERT INTO "story_keys" BY NAME SELECT * FROM key_rows'
                    ' WHERE article_id NOT IN (SELECT article_id FROM story_signatures)')
        con.execute('INSERT INTO "story_signatures" BY NAME SELECT * FROM signature_rows'
                    ' WHERE article_id NOT IN (SELECT article_id FROM story_signatures)')
        con.unregister("key_rows")
        con.unregister("signature_rows")

    with db.cursor() as con:  # run again whole if another run's commit (on a lake) came first
        lake.transaction(con, save)


def forget_all(db: Database) -> None:
    """For a rebuild: every signature, key and story is computed again."""
    def forget(con: duckdb.DuckDBPyConnection) -> None:
        for table in ("story_signatures", "story_keys", "story_neighbours", "near_duplicates", "stories",
                      "story_members"):
            con.execute(f'DELETE FROM "{table}"')
        con.execute("DELETE FROM date_evidence WHERE kind = 'story'")

    with db.cursor() as con:
        lake.transaction(con, forget)


def built_before_components(db: Database, top_k: int) -> bool:
    """Story rows written before components, keys and neighbour lists were kept, or with lists of another
    length: the stage rebuilds once."""
    with db.cursor() as con:
        return con.execute("SELECT EXISTS (SELECT 1 FROM story_members WHERE component_id IS NULL"
                           " OR top_k IS DISTINCT FROM ?)", [top_k]).fetchone()[0]


def has_stories(con: duckdb.DuckDBPyConnection) -> bool:
    return con.execute("SELECT EXISTS (SELECT 1 FROM story_members)").fetchone()[0]


def new_and_gone(con: duckdb.DuckDBPyConnection, hot_df: int, limit: int, crossings: bool = True) -> tuple[int, int]:
    """Fill the scratch tables ``stories_new`` (the first ``limit`` current articles without a story, by
    claimed date, undated last, then id), ``stories_gone`` (story rows of articles no longer current) and
    ``stories_seeds`` (with ``crossings``: stored articles holding a key term whose side of ``hot_df``
    changed since their lists were made, i.e. between the articles with a story and all current ones).
    Returns (new, gone)."""
    for table in _SCRATCH:
        con.execute(f"DROP TABLE IF EXISTS {table}")
    con.execute(f"""CREATE TEMP TABLE stories_unclustered AS SELECT article_id, published_claimed FROM articles a
                    ANTI JOIN story_members m USING (article_id) WHERE {CURRENT}""")
    con.execute(f"""CREATE TEMP TABLE stories_new AS SELECT article_id FROM stories_unclustered
                    ORDER BY published_claimed NULLS LAST, article_id LIMIT {int(limit)}""")
    con.execute(f"""CREATE TEMP TABLE stories_gone AS SELECT m.article_id, m.component_id FROM story_members m
                    ANTI JOIN (SELECT article_id FROM articles WHERE {CURRENT}) USING (article_id)""")
    con.execute(f"""
        CREATE TEMP TABLE stories_key_counts AS
        WITH touched AS (  -- key terms of articles without a story and of gone ones: their counts moved
            SELECT DISTINCT key FROM story_keys
            WHERE {'true' if crossings else 'false'} AND key LIKE 't%'
              AND article_id IN (SELECT article_id FROM stories_unclustered UNION ALL SELECT article_id FROM stories_gone))
        SELECT k.key,
               count(*) FILTER (WHERE a.{CURRENT}) AS now,
               count(*) FILTER (WHERE k.article_id IN (SELECT article_id FROM story_members)) AS before
        FROM story_keys k JOIN touched USING (key) JOIN articles a USING (article_id) GROUP BY k.key""")
    con.execute(f"""
        CREATE TEMP TABLE stories_seeds AS
        SELECT DISTINCT article_id FROM story_keys
        WHERE key IN (SELECT key FROM stories_key_counts WHERE (now > {hot_df}) <> (before > {hot_df}))
          AND article_id IN (SELECT article_id FROM story_members)""")
    return (con.execute("SELECT count(*) FROM stories_new").fetchone()[0],
            con.execute("SELECT count(*) FROM stories_gone").fetchone()[0])


def candidate_pairs_of(con: duckdb.DuckDBPyConnection, article_ids: list[str], hot_df: int) -> list[tuple]:
    """(article, other current article, share a band key, how many key terms that are not hot they share)
    for the given articles, by joining their keys against ``story_keys``: the pairs the caller checks
    (``clusters.pair_links``). A key term is hot when more than ``hot_df`` current articles hold it."""
    ids = pa.table({"article_id": pa.array(article_ids, pa.string())})  # noqa: F841 - used by name below
    return con.execute(f"""
        WITH own AS (SELECT article_id, key FROM story_keys SEMI JOIN ids USING (article_id)),
        hot AS (SELECT k.key FROM story_keys k JOIN articles a USING (article_id)
                WHERE a.{CURRENT} AND k.key IN (SELECT key FROM own WHERE key LIKE 't%')
                GROUP BY k.key HAVING count(*) > {hot_df})
        SELECT n.article_id, o.article_id, bool_or(n.key LIKE 'b%'), count(*) FILTER (WHERE n.key LIKE 't%')
        FROM own n JOIN story_keys o USING (key) JOIN articles a ON a.article_id = o.article_id
        WHERE a.{CURRENT} AND o.article_id <> n.article_id AND n.key NOT IN (SELECT key FROM hot)
          AND (o.article_id IN (SELECT article_id FROM story_members)
               OR o.article_id IN (SELECT article_id FROM stories_new))  -- the others come in a later pass
        GROUP BY ALL ORDER BY ALL""").fetchall()


def relisted(con: duckdb.DuckDBPyConnection, hot_df: int, shared_keys: int) -> list[str]:
    """Stored current articles whose neighbour list must be computed again whole: those whose kept list
    names an article it was a candidate with only through key terms that have since turned hot (fewer
    than ``shared_keys`` key terms that are not hot shared now), holders of a key term that turned cold,
    and those whose list names a gone article.

    A term turning hot only takes candidates away: a holder whose listed neighbours all stay candidates
    keeps its list (its TOP_K best are still there, and nothing better came). A term turning cold (articles
    went) brings candidates: its holders are all relisted."""
    # staged in small temp tables: as one query DuckDB joined story_keys with itself whole (6 s at 20k)
    con.execute("DROP TABLE IF EXISTS stories_crossing_keys")
    con.execute(f"""CREATE TEMP TABLE stories_crossing_keys AS SELECT article_id, key FROM story_keys
                    WHERE key IN (SELECT key FROM stories_key_counts WHERE (now > {hot_df}) <> (before > {hot_df}))""")
    con.execute("DROP TABLE IF EXISTS stories_listed")
    con.execute("""CREATE TEMP TABLE stories_listed AS  -- kept entries of two holders of a crossed key term
                   SELECT DISTINCT n.article_id, n.neighbour_id FROM story_neighbours n
                   JOIN stories_crossing_keys a ON a.article_id = n.article_id
                   JOIN stories_crossing_keys b ON b.article_id = n.neighbour_id AND b.key = a.key
                   WHERE n.article_id IN (SELECT article_id FROM stories_seeds)""")
    con.execute("DROP TABLE IF EXISTS stories_listed_keys")
    con.execute("""CREATE TEMP TABLE stories_listed_keys AS SELECT article_id, key FROM story_keys
                   WHERE key LIKE 't%' AND article_id IN (SELECT article_id FROM stories_listed
                                                          UNION SELECT neighbour_id FROM stories_listed)""")
    return [a for (a,) in con.execute(f"""
        WITH pair_keys AS (
            SELECT l.article_id, l.neighbour_id, a.key FROM stories_listed l
            JOIN stories_listed_keys a ON a.article_id = l.article_id
            JOIN stories_listed_keys b ON b.article_id = l.neighbour_id AND b.key = a.key),
        hot AS (SELECT k.key FROM story_keys k JOIN articles x USING (article_id)
                WHERE x.{CURRENT} AND k.key IN (SELECT DISTINCT key FROM pair_keys)
                GROUP BY k.key HAVING count(*) > {hot_df}),
        still AS (SELECT article_id, neighbour_id, count(*) AS shared FROM pair_keys
                  WHERE key NOT IN (SELECT key FROM hot) GROUP BY ALL)
        SELECT l.article_id FROM stories_listed l LEFT JOIN still s USING (article_id, neighbour_id)
        WHERE coalesce(s.shared, 0) < {int(shared_keys)}
        UNION SELECT article_id FROM stories_crossing_keys  -- turned cold (articles went): candidates came
              WHERE key IN (SELECT key FROM stories_key_counts WHERE before > {hot_df} AND now <= {hot_df})
                AND article_id IN (SELECT article_id FROM story_members)
        UNION SELECT n.article_id FROM story_neighbours n
              WHERE n.neighbour_id IN (SELECT article_id FROM stories_gone)
        EXCEPT SELECT article_id FROM stories_new
        EXCEPT SELECT article_id FROM stories_gone ORDER BY 1""").fetchall()]


def neighbour_lists(con: duckdb.DuckDBPyConnection, article_ids: list[str]) -> dict[str, list[tuple[str, float]]]:
    """The kept neighbour lists of the given articles (best first; an article without one is left out)."""
    ids = pa.table({"article_id": pa.array(article_ids, pa.string())})  # noqa: F841 - used by name below
    out: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for a, n, cos in con.execute("SELECT article_id, neighbour_id, cosine FROM story_neighbours SEMI JOIN ids"
                                 " USING (article_id) ORDER BY article_id, cosine DESC, neighbour_id").fetchall():
        out[a].append((n, cos))
    return dict(out)


def features_of(con: duckdb.DuckDBPyConnection, article_ids: list[str]) -> list[tuple]:
    """(article_id, claimed date, minhash, n_shingles, terms) of the given articles."""
    ids = pa.table({"article_id": pa.array(article_ids, pa.string())})  # noqa: F841 - used by name below
    return con.execute("""
        SELECT a.article_id, a.published_claimed, s.minhash, s.n_shingles, s.terms
        FROM ids JOIN articles a USING (article_id) JOIN story_signatures s USING (article_id)
        ORDER BY a.article_id""").fetchall()


def group_mates(con: duckdb.DuckDBPyConnection, article_ids: list[str]) -> list[str]:
    """The current articles of the groups the given stored articles were clustered in (``component_id``)."""
    ids = pa.table({"article_id": pa.array(article_ids, pa.string())})  # noqa: F841 - used by name below
    return [a for (a,) in con.execute(f"""
        SELECT m.article_id FROM story_members m JOIN articles a USING (article_id)
        WHERE a.{CURRENT} AND m.component_id IN (SELECT component_id FROM story_members SEMI JOIN ids USING (article_id))
        ORDER BY 1""").fetchall()]


def near_duplicate_links(con: duckdb.DuckDBPyConnection, article_ids: list[str]) -> list[tuple[str, str]]:
    """(article, duplicate_of) rows of ``near_duplicates`` that name one of the given articles."""
    ids = pa.table({"article_id": pa.array(article_ids, pa.string())})  # noqa: F841 - used by name below
    return con.execute("""SELECT article_id, duplicate_of FROM near_duplicates
                          WHERE article_id IN (SELECT article_id FROM ids)
                             OR duplicate_of IN (SELECT article_id FROM ids)""").fetchall()


def copy_groups_of(con: duckdb.DuckDBPyConnection, article_ids: list[str]) -> list[tuple[str, str]]:
    """(article, duplicate_of) rows of the near-duplicate groups holding one of the given articles."""
    ids = pa.table({"article_id": pa.array(article_ids, pa.string())})  # noqa: F841 - used by name below
    return con.execute("""
        SELECT article_id, duplicate_of FROM near_duplicates WHERE duplicate_of IN (
            SELECT duplicate_of FROM near_duplicates
            WHERE article_id IN (SELECT article_id FROM ids) OR duplicate_of IN (SELECT article_id FROM ids))
        ORDER BY ALL""").fetchall()


def set_affected(con: duckdb.DuckDBPyConnection, article_ids: list[str] | None) -> int:
    """Fill ``stories_affected``, the articles to cluster again: the given ones, or (None) every current
    article with a story and the new ones. Returns its size."""
    ids = pa.table({"article_id": pa.array(article_ids or [], pa.string())})  # noqa: F841 - used by name below
    if article_ids is None:
        con.execute(f"""CREATE TEMP TABLE stories_affected AS SELECT article_id FROM articles WHERE {CURRENT}
                        AND (article_id IN (SELECT article_id FROM story_members)
                             OR article_id IN (SELECT article_id FROM stories_new))""")
    else:
        con.execute("CREATE TEMP TABLE stories_affected AS SELECT DISTINCT article_id FROM ids")
    return con.execute("SELECT count(*) FROM stories_affected").fetchone()[0]


def affected_features(con: duckdb.DuckDBPyConnection, hot_df: int) -> tuple[list[tuple], set[str]]:
    """(article_id, claimed date, minhash, n_shingles, terms, title, publisher) of the affected articles,
    and which of their key terms are hot (held by more than ``hot_df`` current articles)."""
    rows = con.execute("""
        SELECT a.article_id, a.published_claimed, s.minhash, s.n_shingles, s.terms, a.title, a.publisher
        FROM stories_affected JOIN articles a USING (article_id) JOIN story_signatures s USING (article_id)
        ORDER BY a.article_id""").fetchall()
    hot = {key[1:] for (key,) in con.execute(f"""
        SELECT k.key FROM story_keys k JOIN articles a USING (article_id)
        WHERE a.{CURRENT} AND k.key IN (SELECT DISTINCT key FROM story_keys
                                        WHERE key LIKE 't%' AND article_id IN (SELECT article_id FROM stories_affected))
        GROUP BY k.key HAVING count(*) > {hot_df}""").fetchall()}
    return rows, hot


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
    """The affected and gone articles (``set_affected``): the rows ``replace_affected`` replaces."""
    return [a for (a,) in con.execute("SELECT article_id FROM stories_affected UNION "
                                      "SELECT article_id FROM stories_gone ORDER BY 1").fetchall()]


def replace_affected(con: duckdb.DuckDBPyConnection, touched_ids: list[str], near_duplicates: list[NearDuplicate],
                     stories: list[Story], members: list[StoryMember], evidence: list[DateEvidence],
                     relisted_ids: list[str], neighbours: "pa.Table") -> dict[str, int]:
    """Replace the rows of the touched articles (``touched_articles``) and their old stories, and the
    neighbour lists of ``relisted_ids`` (articles whose list changed, and gone articles), in one transaction; return the tables'
    totals after it. It needs no scratch table, so it runs on a cursor of its own after the clustering let
    the file go."""
    tables = {"near_duplicates": to_arrow(NearDuplicate, near_duplicates), "stories": to_arrow(Story, stories),
              "story_members": to_arrow(StoryMember, members), "date_evidence": to_arrow(DateEvidence, evidence),
              "story_neighbours": to_arrow(StoryNeighbour, neighbours)}
    touched = "(SELECT article_id FROM stories_touched)"
    touched_rows = pa.table({"article_id": pa.array(touched_ids, pa.string())})
    relisted_rows = pa.table({"article_id": pa.array(relisted_ids, pa.string())})

    def replace(con: duckdb.DuckDBPyConnection) -> None:
        con.register("stories_touched", touched_rows)
        con.register("stories_relisted", relisted_rows)
        con.execute("DELETE FROM story_neighbours WHERE article_id IN (SELECT article_id FROM stories_relisted)")
        con.execute(f"DELETE FROM stories WHERE story_id IN (SELECT story_id FROM story_members"
                    f" WHERE article_id IN {touched})")
        con.execute(f"DELETE FROM story_members WHERE article_id IN {touched}")
        con.execute(f"DELETE FROM near_duplicates WHERE article_id IN {touched}")
        con.execute(f"DELETE FROM date_evidence WHERE kind = 'story' AND article_id IN {touched}")
        for table, rows in tables.items():
            con.register("new_rows", rows)
            con.execute(f'INSERT INTO "{table}" BY NAME SELECT * FROM new_rows')
            con.unregister("new_rows")

    lake.transaction(con, replace)  # run again whole if another run's commit (on a lake) came first
    return totals(con)


def totals(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Stories (all, with more than one article), near-duplicates and story evidence rows in the tables."""
    return {"stories": con.execute("SELECT count(*) FROM stories").fetchone()[0],
            "multi_article_stories": con.execute("SELECT count(*) FROM stories WHERE n_articles > 1").fetchone()[0],
            "near_duplicates": con.execute("SELECT count(*) FROM near_duplicates").fetchone()[0],
            "story_evidence": con.execute("SELECT count(*) FROM date_evidence WHERE kind = 'story'").fetchone()[0]}
