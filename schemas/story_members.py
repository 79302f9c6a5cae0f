from schemas.base import TableModel


class StoryMember(TableModel):
    """The story of one article: every current article has exactly one row."""

    table = "story_members"
    key_indexed = False  # rows of re-clustered components replaced by the stories stage
    primary_key = ("article_id",)

    article_id: str
    story_id: str
    similarity: float  # cosine of its story terms with the story's mean; 1.0 for a story of one
    # The candidate group it was clustered in (its smallest article_id; clusters.candidate_groups: a
    # component of story links cut down to at most MAX_GROUP articles): the unit the stage re-clusters when
    # a link within or around it changes. NULL: built before it existed.
    component_id: str | None = None
    # The TOP_K its links were chosen with (story_neighbours); NULL or another value: the stage rebuilds.
    top_k: int | None = None
    run_id: str
