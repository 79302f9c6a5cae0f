from prefect import task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from dateline.report import run_markdown
from schemas import Run


@task(cache_policy=NO_CACHE)
def publish_summary(run: Run, summary: dict) -> str:
    """Attach the run's summary to the flow run in the Prefect UI."""
    markdown = run_markdown(run, summary)
    create_markdown_artifact(key="news-etl-summary", markdown=markdown, description="What this news-etl run did")
    return markdown
