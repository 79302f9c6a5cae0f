from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from dateline.quality.grading import grade
from schemas import Batch


@task(cache_policy=NO_CACHE)
def validate_batch(batch: Batch, run_id: str) -> Batch:
    """Run the Great Expectations suite over the batch's articles and set each one's quality status."""
    batch = grade(batch, run_id)
    statuses = batch.articles["quality_status"].to_pylist()
    get_run_logger().info(
        "validated %d articles: %d passed, %d warned, %d quarantined (%d expectation results)",
        len(statuses), statuses.count("passed"), statuses.count("warned"), statuses.count("quarantined"),
        batch.quality_results.num_rows,
    )
    return batch
