from schemas.base import TableModel


class StoryKey(TableModel):
    """The key terms the stories stage finds an article's story candidates by (``t<term>``, its 30 rarest
    story terms), so a run joins its new articles' keys against these in SQL instead of re-reading every
    article's terms; near-duplicate candidates join by ``story_signatures.bands``. See
    ``dateline/stories/clusters.py``. (Databases signed before bands were kept also held ``b<band>:<hex>``
    band keys here: the stage drops them.)"""

    table = "story_keys"
    key_indexed = False  # written once per article, with its signature, by the stories stage
    primary_key = ("article_id", "key")

    article_id: str
    key: str
    run_id: str
