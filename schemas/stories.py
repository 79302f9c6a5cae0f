from datetime import date

from schemas.base import TableModel


class Story(TableModel):
    """One story: articles from any source about the same event (a story of one is fine).

    ``story_id`` is the article_id of its earliest member (claimed date, then article_id). Rebuilt whole
    by the stories stage.
    """

    table = "stories"
    key_indexed = False  # replaced whole by the stories stage
    primary_key = ("story_id",)

    story_id: str
    title: str | None  # the title of its earliest titled member
    first_published: date | None  # earliest and latest claimed dates of its members
    last_published: date | None
    n_articles: int
    n_publishers: int  # distinct publishers named in the members' texts
    run_id: str
