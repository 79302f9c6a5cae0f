"""Great Expectations Data Docs: a file-based GX context (``gx/`` beside the database by default, so
``data/gx/`` for the default database; not committed)
in which each news-etl run validates its articles through a checkpoint whose action rebuilds the docs.

Quarantine decisions are made per batch by ``dateline.quality.validation`` (ephemeral context, fast); this is the
human-facing record of each run's validation, browsable as HTML.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import pandas as pd

CHECKPOINT = "news_etl_articles"


def _context(gx_dir: Path):
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    gx_dir.mkdir(parents=True, exist_ok=True)
    context = gx.get_context(mode="file", project_root_dir=str(gx_dir))
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def _checkpoint(context):
    """The run checkpoint, created on first use; the suite is refreshed from code every time."""
    import great_expectations as gx
    from great_expectations.checkpoint import UpdateDataDocsAction

    from expectations.articles import SUITE_NAME, build_suite

    try:
        datasource = context.data_sources.get("dateline_pandas")
    except (KeyError, ValueError):
        datasource = context.data_sources.add_pandas(name="dateline_pandas")
    try:
        asset = datasource.get_asset("articles")
    except (KeyError, LookupError):
        asset = datasource.add_dataframe_asset(name="articles")
    try:
        batch_definition = asset.get_batch_definition("run_articles")
    except (KeyError, LookupError):
        batch_definition = asset.add_batch_definition_whole_dataframe(name="run_articles")

    # The suite lives in code (expectations/articles.py): replace the stored copy so docs never drift.
    suite = context.suites.add_or_update(build_suite(SUITE_NAME))
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name="run_articles_validation", data=batch_definition, suite=suite)
    )
    return context.checkpoints.add_or_update(
        gx.Checkpoint(
            name=CHECKPOINT,
            validation_definitions=[definition],
            actions=[UpdateDataDocsAction(name="update_data_docs")],
            result_format={"result_format": "SUMMARY"},
        )
    )


def index_path(gx_dir: str | Path) -> Path:
    return Path(gx_dir) / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"


def publish_data_docs(articles: pd.DataFrame, gx_dir: str | Path, run_name: str, *, today: date | None = None) -> dict:
    """Validate a run's articles through the checkpoint and rebuild Data Docs; return where and how it went."""
    from great_expectations.core.run_identifier import RunIdentifier

    from dateline.quality.validation import prepare_frame
    from expectations.articles import expectation_parameters

    gx_dir = Path(gx_dir)
    context = _context(gx_dir)
    checkpoint = _checkpoint(context)
    from dateline.settings import get_settings

    today = today or datetime.now(timezone.utc).date()
    settings = get_settings()
    result = checkpoint.run(
        batch_parameters={"dataframe": prepare_frame(articles)},
        expectation_parameters=expectation_parameters(
            today, floor=settings.claimed_floor, future_days=settings.claimed_future_days),
        run_id=RunIdentifier(run_name=run_name, run_time=datetime.now(timezone.utc)),
    )
    stats = next(iter(result.run_results.values())).statistics
    return {
        "index": str(index_path(gx_dir).resolve()),
        "success": bool(result.success),
        "evaluated_expectations": stats.get("evaluated_expectations"),
        "successful_expectations": stats.get("successful_expectations"),
    }
