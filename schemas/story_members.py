from schemas.base import TableModel


class StoryMember(TableModel):
    """The story of one article: every current article has exactly one row."""

    table = "story_members"
    key_indexed = False  # rows of re-clustered components replaced by the stories stage
    primary_key = ("article_id",)

    article_id: str
    story_id: str
    similarity: float  # cosine of its story terms with the story's mean; 1.0 for a story of one
    # The connected component of candidate edges it was clustered in (its smallest article_id): the unit
    # the stage re-clusters when a new article links to one of its members. NULL: built before it existed.
    component_id: str | None = None
    run_id: str
