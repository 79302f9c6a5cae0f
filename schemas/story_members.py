from schemas.base import TableModel


class StoryMember(TableModel):
    """The story of one article: every current article has exactly one row."""

    table = "story_members"
    key_indexed = False  # replaced whole by the stories stage
    primary_key = ("article_id",)

    article_id: str
    story_id: str
    similarity: float  # cosine of its story terms with the story's mean; 1.0 for a story of one
    run_id: str
