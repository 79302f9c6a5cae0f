from schemas.base import TableModel


class NearDuplicate(TableModel):
    """An article that copies another one: another headline, boilerplate, typography, a cut, a spinner.

    One row per copy; the group's earliest member (claimed date, then article_id) has none and is the
    ``duplicate_of`` of all the others. Rebuilt whole by the stories stage.
    """

    table = "near_duplicates"
    key_indexed = False  # replaced whole by the stories stage
    primary_key = ("article_id",)

    article_id: str
    duplicate_of: str
    similarity: float  # estimated Jaccard of the two bodies' word 3-grams (MinHash)
    method: str  # "minhash-lsh"
    run_id: str
