"""The views analysts query: derived from the tables, recreated whenever a database is opened for writing."""

VIEWS: dict[str, str] = {
    # Articles an analyst can trust: quarantined ones stay in `articles` but not here.
    # Superseded versions of edited files are kept in `articles` for the record, not counted here.
    "clean_articles": """
        SELECT * EXCLUDE (boilerplate) FROM articles
        WHERE quality_status <> 'quarantined' AND superseded_by IS NULL
    """,
    # Articles whose claimed date the content contradicts, with the window the content allows: found by
    # the article's own text (date_status 'inconsistent', which also quarantines it), or by the corpus
    # check after loading (`corpus` evidence: its nearest articles all lie far from the claim; the window is
    # then the one the corpus allows, and the article keeps its quality status).
    "date_anomalies": """
        SELECT a.article_id, a.source_path, a.title, a.publisher, a.dateline_text, a.published_claimed,
               CASE WHEN a.date_status = 'inconsistent' THEN a.published_inferred_min ELSE c.earliest END
                   AS published_inferred_min,
               CASE WHEN a.date_status = 'inconsistent' THEN a.published_inferred_max ELSE c.latest END
                   AS published_inferred_max,
               a.date_score, a.date_evidence, a.quality_status, a.run_id,
               CASE WHEN a.date_status = 'inconsistent' THEN 'text' ELSE 'corpus' END AS found_by,
               c.detail AS corpus_evidence
        FROM articles a
        LEFT JOIN (SELECT article_id, earliest, latest, detail FROM date_evidence WHERE kind = 'corpus') c
            ON c.article_id = a.article_id
        WHERE a.date_status = 'inconsistent' OR c.article_id IS NOT NULL
    """,
    # Articles per claimed publication day (NULL: the text claims no date), current versions only.
    "daily_article_counts": """
        SELECT published_claimed AS day, count(*) AS articles,
               count(*) FILTER (quality_status = 'quarantined') AS quarantined,
               count(*) FILTER (date_status = 'inconsistent') AS date_anomalies
        FROM articles WHERE superseded_by IS NULL
        GROUP BY ALL ORDER BY day NULLS LAST
    """,
    # Per publisher named in the text: how much of what it sends can be trusted.
    "publisher_quality": """
        SELECT coalesce(publisher, '(not stated)') AS publisher, count(*) AS articles,
               round(avg((quality_status = 'quarantined')::INT), 3) AS share_quarantined,
               round(avg((date_status = 'inconsistent')::INT), 3) AS share_date_anomalies,
               round(avg((title IS NULL)::INT), 3) AS share_untitled
        FROM articles WHERE superseded_by IS NULL
        GROUP BY ALL ORDER BY articles DESC, publisher
    """,
    # The most recent runs first, with what they did and how long they took.
    "latest_runs": """
        SELECT run_id, flow_run_name, deployment, status, started_at, ended_at, duration_s, files_seen,
               records_seen, articles_loaded, already_loaded, duplicates, rejected, quarantined, warned, date_anomalies,
               code_version, parameters
        FROM runs ORDER BY started_at DESC
    """,
    # A story's articles in claimed-date order (undated last), with publisher, title and date status.
    "story_timeline": """
        SELECT m.story_id, s.title AS story_title, s.n_articles, a.published_claimed, a.article_id,
               a.publisher, a.title, a.date_status, m.similarity,
               d.duplicate_of AS copy_of
        FROM story_members m
        JOIN stories s USING (story_id)
        JOIN articles a USING (article_id)
        LEFT JOIN near_duplicates d USING (article_id)
        ORDER BY s.n_articles DESC, m.story_id, a.published_claimed NULLS LAST, a.article_id
    """,
}
