"""The stories stage's reads and writes: signatures kept per article, the story tables replaced whole."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from dateline.store.database import Database
from dateline.stories.evidence import MemberDates, YearlessMention
from schemas import DateEvidence, NearDuplicate, Story, StoryMember, StorySignature
from schemas.ddl import to_arrow

#: Articles the stage clusters: current versions (an edited file's old version is left out).
CURRENT = "superseded_by IS NULL"


def articles_without_signature(db: Database, batch_rows: int = 5000) -> Iterator[list[tuple]]:
    """(article_id, title, body) of current articles that have no stored signature yet, in chunks."""
    with db.cursor() as con:
        cur = con.execute(f"""
            SELECT a.article_id, a.title, a.body FROM articles a
            ANTI JOIN story_signatures s USING (article_id)
            WHERE {CURRENT} ORDER BY a.article_id""")
        while rows := cur.fetchmany(batch_rows):
            yield rows


def save_signatures(db: Database, rows: list[StorySignature]) -> None:
    signature_rows = to_arrow(StorySignature, rows)  # noqa: F841 - referenced by name in the SQL below
    with db.cursor() as con:
        con.execute('INSERT INTO "story_signatures" BY NAME SELECT * FROM signature_rows')


def forget_signatures(db: Database) -> None:
    """For a rebuild: every signature is computed again."""
    with db.cursor() as con:
        con.execute('DELETE FROM "story_signatures"')


def stored_features(db: Database) -> list[tuple]:
    """(article_id, claimed date, minhash, n_shingles, terms, title, publisher) of every current article
    that has a signature."""
    with db.cursor() as con:
        return con.execute(f"""
            SELECT a.article_id, a.published_claimed, s.minhash, s.n_shingles, s.terms, a.title, a.publisher
            FROM articles a JOIN story_signatures s USING (article_id)
            WHERE {CURRENT} ORDER BY a.article_id""").fetchall()


def member_dates(db: Database, article_ids: list[str]) -> dict[str, MemberDates]:
    """What story evidence needs of these articles: claimed date, verdict, year-less mentions told as
    past or upcoming, and the (month, day) / month their explicit dates print with a year."""
    wanted = [[a] for a in article_ids]
    out: dict[str, MemberDates] = {}
    if not wanted:
        return out
    with db.cursor() as con:
        con.execute("CREATE OR REPLACE TEMP TABLE story_wanted (article_id VARCHAR)")
        con.executemany("INSERT INTO story_wanted VALUES (?)", wanted)
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
        con.execute("DROP TABLE story_wanted")
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


def previous_state(db: Database) -> tuple[dict[str, int], set[str], int]:
    """Story sizes and copies as the last build left them, and how many current articles lack a story."""
    with db.cursor() as con:
        sizes = dict(con.execute("SELECT story_id, n_articles FROM stories").fetchall())
        copies = {a for (a,) in con.execute("SELECT article_id FROM near_duplicates").fetchall()}
        missing = con.execute(f"""SELECT count(*) FROM articles a ANTI JOIN story_members m USING (article_id)
                                  WHERE {CURRENT}""").fetchone()[0]
    return sizes, copies, missing


def replace_stories(db: Database, near_duplicates: list[NearDuplicate], stories: list[Story],
                    members: list[StoryMember], evidence: list[DateEvidence]) -> None:
    """Replace the story tables and every ``story`` row of ``date_evidence``, in one transaction."""
    tables = {"near_duplicates": to_arrow(NearDuplicate, near_duplicates), "stories": to_arrow(Story, stories),
              "story_members": to_arrow(StoryMember, members)}
    evidence_rows = to_arrow(DateEvidence, evidence)  # noqa: F841 - referenced by name in the SQL below
    with db.cursor() as con:
        con.execute("BEGIN TRANSACTION")
        try:
            for table, rows in tables.items():
                con.execute(f'DELETE FROM "{table}"')
                con.register("new_rows", rows)
                con.execute(f'INSERT INTO "{table}" BY NAME SELECT * FROM new_rows')
                con.unregister("new_rows")
            con.execute("DELETE FROM date_evidence WHERE kind = 'story'")
            con.execute("INSERT INTO date_evidence BY NAME SELECT * FROM evidence_rows")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
