from schemas.base import TableModel


class StoryKey(TableModel):
    """The keys the stories stage finds an article's candidates by, so a run joins its new articles'
    keys against these in SQL instead of re-reading every signature: ``b<band>:<hex>`` MinHash-LSH band
    keys (near-duplicates) and ``t<term>`` key terms (stories), see ``dateline/stories/clusters.py``."""

    table = "story_keys"
    key_indexed = False  # written once per article, with its signature, by the stories stage
    primary_key = ("article_id", "key")

    article_id: str
    key: str
    run_id: str
