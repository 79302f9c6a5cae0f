from schemas.base import TableModel


class StoryNeighbour(TableModel):
    """An article's best story candidates (``dateline/stories/clusters.py``, TOP_K): two articles are linked
    when each is in the other's list, so the stories stage keeps the lists to tell, when new articles come,
    whose links changed without reading every candidate again."""

    table = "story_neighbours"
    key_indexed = False  # rows of articles whose list changed replaced by the stories stage
    primary_key = ("article_id", "neighbour_id")

    article_id: str
    neighbour_id: str
    cosine: float  # static cosine of their story terms, rounded (clusters.COSINE_DIGITS)
    run_id: str
