"""The stories stage's reads and writes: signatures kept per article, the story tables replaced whole."""

from __future__ import annotations

from collections.abc import Iterator

from dateline.store import lake
from dateline.store.database import Database
from schemas import DateEvidence, NearDuplicate, Story, StoryMember, StorySignature
from schemas.ddl import to_arrow

#: Articles the stage clusters: current versions (an edited file's old version is left out).
CURRENT = "superseded_by IS NULL"


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


def save_signatures(db: Database, rows: list[StorySignature]) -> None:
    with db.cursor() as con:  # on a lake another run may have signed some meanwhile: those are left alone
        con.register("signature_rows", to_arrow(StorySignature, rows))
        lake.retry(lambda: con.execute('INSERT INTO "story_signatures" BY NAME SELECT * FROM signature_rows'
                                       ' WHERE article_id NOT IN (SELECT article_id FROM story_signatures)'))


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
    evidence_rows = to_arrow(DateEvidence, evidence)
    def replace(con) -> None:
        for table, rows in tables.items():
            con.execute(f'DELETE FROM "{table}"')
            con.register("new_rows", rows)
            con.execute(f'INSERT INTO "{table}" BY NAME SELECT * FROM new_rows')
            con.unregister("new_rows")
        con.execute("DELETE FROM date_evidence WHERE kind = 'story'")
        con.register("evidence_rows", evidence_rows)
        con.execute("INSERT INTO date_evidence BY NAME SELECT * FROM evidence_rows")
        con.unregister("evidence_rows")

    with db.cursor() as con:  # run again whole if another run's commit (on a lake) came first
        lake.transaction(con, replace)
