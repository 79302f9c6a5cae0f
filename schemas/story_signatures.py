from schemas.base import TableModel


class StorySignature(TableModel):
    """What the stories stage keeps of an article so later runs never re-read its text: the MinHash
    signature of its cleaned body and its story terms (``dateline/stories/features.py``)."""

    table = "story_signatures"
    key_indexed = False  # written once per article by the stories stage, which skips articles that have one
    primary_key = ("article_id",)

    article_id: str
    # The 128 unsigned 32-bit MinHash values, little-endian, as one 512-byte BLOB
    # (``numpy.frombuffer(minhash, "<u4")``; ``signing.signature_blobs``): a BIGINT[] list until stop 28,
    # which the stage read more slowly and flattened through a copy (docs/performance.md, stop 28).
    minhash: bytes
    n_shingles: int  # distinct word 3-grams of the body; under 8 the article is too short to compare
    # Title and lede words and names (title words also as "t:word"), sorted and joined by spaces (a term has
    # none; ``string_split(terms, ' ')`` lists them); NULL: the article has none. One string an article
    # loads faster than a list of ~50: 0.020 s instead of 0.068 per 2,000 articles.
    terms: str | None
    run_id: str
    # The 32 LSH band hashes of ``minhash`` as signed 64-bit numbers (``clusters.band_hashes``): what a
    # new article's near-duplicate candidates are joined by. After ``terms``, as ALTER TABLE adds it to
    # older databases; NULL there until the stage signs them again (``numbers``).
    bands: list[int] | None = None
    # The key terms a new article's story candidates are joined by (``clusters.key_terms``: its 30 rarest
    # story terms), sorted and joined as ``terms`` are: one string an article loads faster than 30 rows of
    # a key table (0.015 s instead of 0.070 per 2,000 articles); the stage splits them once a run.
    keys: str | None = None
    # The body's distinct digit runs (``features.numbers``), sorted and joined by spaces; '' when it has
    # none. A near-duplicate must carry most of the numbers of what it copies: on a wire, most pairs that
    # pass the shingle test without it are one template filled in for other companies or days
    # (docs/performance.md, stop 22). NULL: signed before numbers were kept; the stage then signs every
    # article again and rebuilds the story tables once.
    numbers: str | None = None
    # The organisations title and body open with (``features.organisations``: "viacom_international_inc"),
    # sorted and joined by spaces; '' when neither opens with one. Two articles that open with different
    # ones, neither naming the other's, are not one story: on a wire, most same-story pairs were one
    # template for other companies before (docs/performance.md, stop 23). NULL: signed before they were
    # kept; the stage then signs every article again and rebuilds once, as for ``numbers``.
    orgs: str | None = None
