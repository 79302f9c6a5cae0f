from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client

from dateline.store import runs
from dateline.store.database import Database
from dateline.orchestration.report import run_markdown
from schemas import Run


@task(cache_policy=NO_CACHE)
def name_flow_run(flow_run_id: str, name: str) -> str:
    """Give the run a name a person can scan in the UI once the number of files is known."""
    with get_client(sync_client=True) as client:
        client.update_flow_run(flow_run_id, name=name)
    return name


# Data Docs validate the run's articles a second time through a file-based GX context: the page is
# for people and is rebuilt from what landed in DuckDB. Retried because writing the pages may meet a
# full disk or a folder being synced.
@task(retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def publish_data_docs(database: Database, run_id: str, gx_dir: str, max_rows: int) -> dict:
    """Validate (a sample of at most ``max_rows`` of) the run's articles again and rebuild Data Docs."""
    from dateline.quality.datadocs import publish_data_docs as publish
    from dateline.quality.grading import ARTICLE_COLUMNS, with_misplaced_mentions

    loaded, articles = runs.sample_run_articles(database, run_id, ARTICLE_COLUMNS, max_rows)
    if articles.empty:
        return {}
    articles = with_misplaced_mentions(articles, runs.date_mentions_of(database, articles["article_id"].tolist()))
    docs = publish(articles, gx_dir, run_name=run_id)
    docs.update(articles_validated=len(articles), articles_loaded=loaded)
    get_run_logger().info("Data Docs updated: %s (%s of %s expectations met on %d of the run's %d articles)",
                          docs["index"], docs["successful_expectations"], docs["evaluated_expectations"],
                          len(articles), loaded)
    return docs


@task(cache_policy=NO_CACHE)
def publish_summary(run: Run, summary: dict, data_docs: dict | None = None) -> str:
    """Attach the run's summary and its date anomalies to the flow run in the Prefect UI."""
    markdown = run_markdown(run, summary, data_docs=data_docs)
    create_markdown_artifact(key="news-etl-summary", markdown=markdown, description="What this news-etl run did")
    anomalies = [{k: (str(v) if v is not None else "") for k, v in a.items()} for a in summary["date_anomalies"]]
    create_table_artifact(
        key="news-etl-date-anomalies",
        table=anomalies or [{"article_id": "", "title": "no date anomalies in this run", "claimed": "",
                             "inferred_min": "", "inferred_max": "", "score": ""}],
        description=f"{len(anomalies)} articles whose dateline the story contradicts",
    )
    return markdown
