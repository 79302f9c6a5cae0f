"""Run the `dateline_articles` Great Expectations suite on a DataFrame of articles, per article.

`validate_articles(df)` validates one batch of article rows (see the input contract below) and maps GX's
per-expectation results back to one row per (article, expectation), plus a status per article:
"quarantined" (a critical expectation failed on it), "warned" (only warnings failed) or "passed".

GX is imported lazily (5-6 s) and its ephemeral context, datasource, suite and validation definition are
built once per process (on first use) and reused: a call then costs only the validation itself.

Input columns: article_id (str, unique), title (str|None), body (str), word_count (int), published_claimed,
published_inferred_min, published_inferred_max (datetime-like or missing), date_status (str), date_score
(float 0..1 or NaN), misplaced_mentions (int: date mentions whose offsets miss the body, see
``grading.misplaced_mentions``), dateline_text (str|None), pubdate_confidence (str). The caller's frame is
never modified.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from dateline.settings import Settings
    import numpy as np
    import pandas as pd
    from great_expectations.core import ExpectationSuiteValidationResult

log = logging.getLogger(__name__)

__all__ = [
    "INPUT_COLUMNS",
    "ExpectationOutcome",
    "QualityOutcome",
    "QualityValidationError",
    "build_suite",
    "validate_articles",
]

INPUT_COLUMNS: tuple[str, ...] = (
    "article_id",
    "title",
    "body",
    "word_count",
    "published_claimed",
    "published_inferred_min",
    "published_inferred_max",
    "date_status",
    "date_score",
    "misplaced_mentions",
    "dateline_text",
    "pubdate_confidence",
)
_DATE_COLUMNS = ("published_claimed", "published_inferred_min", "published_inferred_max")
# The frame GX sees is indexed by the row's position, under this name, so every unexpected row maps back to
# exactly one input row (even when its article_id is null or duplicated). A *named* index, not index
# columns, lets GX report failing rows as one list instead of looking each up (docs/performance.md).
_ROW = "_dateline_row"
_RESULT_FORMAT = {
    "result_format": "COMPLETE",
    "unexpected_index_column_names": [_ROW],
    # The failing values themselves are read back from our own frame, for failing rows only (see
    # `_observed_rows`); GX need not copy them into the result.
    "exclude_unexpected_values": True,
    "return_unexpected_index_query": False,
}
_OBSERVED_MAX = 120
# A failing verdict is shown with what it judged: the claimed date against the window the evidence allows.
_SHOWN_WITH = {"date_status": _DATE_COLUMNS}

PASSED, WARNED, QUARANTINED = "passed", "warned", "quarantined"
_RANK = {PASSED: 0, WARNED: 1, QUARANTINED: 2}


class QualityValidationError(Exception):
    """GX could not evaluate the suite (an expectation raised, or failed without saying on which rows)."""

    def __init__(self, message: str, result: "ExpectationSuiteValidationResult | None") -> None:
        super().__init__(message)
        self.message = message
        self.result = result


@dataclass(frozen=True)
class ExpectationOutcome:
    """One expectation over the batch: the rows it failed on, and what each of them showed."""

    name: str  # e.g. expect_column_values_to_not_be_null(title): quality_results.expectation
    column: str | None
    severity: str  # critical | warning
    failed: dict[int, tuple[str | None, str | None]] = field(default_factory=dict)  # row -> (observed, details)


@dataclass(frozen=True)
class QualityOutcome:
    """What the suite said of one batch: per expectation the failing rows, and a status per article.

    Kept per expectation rather than per (article, expectation): a batch of 2,000 articles has 28,000
    results, and all but a few are "passed". ``results`` spells them out one dict each (for reading and
    tests); ``columns`` gives the same values column by column, which is what the load needs.
    """

    keys: list[str] = field(default_factory=list)  # row position -> the article key its results carry
    expectations: list[ExpectationOutcome] = field(default_factory=list)  # in suite order
    status: dict[str, str] = field(default_factory=dict)
    suite_name: str = "dateline_articles"
    success: bool = True
    statistics: dict = field(default_factory=dict)

    @property
    def quarantined(self) -> list[str]:
        return [a for a, s in self.status.items() if s == QUARANTINED]

    @property
    def warned(self) -> list[str]:
        return [a for a, s in self.status.items() if s == WARNED]

    @property
    def results(self) -> list[dict]:
        """One dict per (row, expectation), rows in input order, expectations in suite order."""
        cols = self.columns()
        names = list(cols)
        return [dict(zip(names, values)) for values in zip(*(cols[n].tolist() for n in names))]

    def columns(self) -> dict[str, "np.ndarray"]:
        """The results as columns (same order as ``results``): article_id, expectation, column, severity,
        success, observed, details; built with numpy, without a Python object per result."""
        import numpy as np

        n, e = len(self.keys), len(self.expectations)
        keys = np.empty(n, dtype=object)
        keys[:] = self.keys

        def tiled(values: list) -> np.ndarray:
            row = np.empty(e, dtype=object)
            row[:] = values
            return np.tile(row, n)

        success = np.ones(n * e, dtype=bool)
        observed = np.full(n * e, None, dtype=object)
        details = np.full(n * e, None, dtype=object)
        for j, exp in enumerate(self.expectations):
            if exp.failed:
                cells = np.fromiter(exp.failed, dtype=np.int64, count=len(exp.failed)) * e + j
                success[cells] = False
                shown = list(exp.failed.values())
                observed[cells] = [o for o, _ in shown]
                details[cells] = [d for _, d in shown]
        return {
            "article_id": np.repeat(keys, e),
            "expectation": tiled([x.name for x in self.expectations]),
            "column": tiled([x.column for x in self.expectations]),
            "severity": tiled([x.severity for x in self.expectations]),
            "success": success,
            "observed": observed,
            "details": details,
        }


# ----------------------------------------------------------------------------------------------------------
# The per-process GX runtime.
# ----------------------------------------------------------------------------------------------------------


@dataclass
class _Runtime:
    context: Any
    suite: Any
    validation_definition: Any
    suite_name: str
    # expectation name -> (severity, column or None, regex list for rendering the offending marker)
    info: dict[str, tuple[str, str | None, list[str]]]


class _RuntimeOnce:
    """The process's one GX runtime, built on first use. The GX context and its pandas execution engine
    are not meant for concurrent runs (the engine keeps the loaded batch as state): build once, and run
    one validation at a time per process (``lock``)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.runtime: _Runtime | None = None

    def get(self) -> _Runtime:
        with self.lock:
            if self.runtime is None:
                self.runtime = _build_runtime()
                from dateline.orchestration.runtime import freeze_heap

                freeze_heap()  # GX's object graph lives as long as the process: keep the collector off it
            return self.runtime


_RUNTIME = _RuntimeOnce()


def build_suite():
    """The suite definition (a fresh gx.ExpectationSuite), e.g. for a file context that builds Data Docs.

    Add it with `context.suites.add(build_suite())`; run it with
    `expectation_parameters=expectations.articles.expectation_parameters(today)` (the claimed-date bound).
    """
    from expectations.articles import build_suite as _build

    return _build()


def _get_runtime() -> _Runtime:
    return _RUNTIME.get()


def prepare_in_background() -> threading.Thread:
    """Import GX and build the suite (5-9 s) on a daemon thread, so it overlaps other start-up work
    (parse workers starting, the first batches being read and parsed). ``validate_articles`` waits for
    it; if the build fails there, the first validation builds again and raises the error itself."""

    def build() -> None:
        try:
            _get_runtime()
        except Exception as exc:  # noqa: BLE001 - raised again by the validation that needs it, in the flow's thread
            log.debug("building the Great Expectations runtime failed; the first validation retries: %s", exc)

    thread = threading.Thread(target=build, name="dateline-gx-build", daemon=True)
    thread.start()
    return thread


def _build_runtime() -> _Runtime:
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    from expectations.articles import SUITE_NAME, build_suite as _build, expectation_name

    context = gx.get_context(mode="ephemeral")
    # "Calculating Metrics" progress bars go to stderr on every run.
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    datasource = context.data_sources.add_pandas(name="dateline_pandas")
    asset = datasource.add_dataframe_asset(name="articles")
    batch_definition = asset.add_batch_definition_whole_dataframe(name="articles_batch")
    suite = context.suites.add(_build(SUITE_NAME))
    validation_definition = context.validation_definitions.add(
        gx.ValidationDefinition(name="dateline_articles_validation", data=batch_definition, suite=suite)
    )
    info: dict[str, tuple[str, str | None, list[str]]] = {}
    for exp in suite.expectations:
        cfg = exp.configuration
        name = expectation_name(cfg.type, cfg.kwargs)
        if name in info:  # results are keyed by name (and quality_results' primary key includes it)
            raise ValueError(f"two expectations share the name {name}")
        regexes = list(cfg.kwargs.get("regex_list") or ([cfg.kwargs["regex"]] if "regex" in cfg.kwargs else []))
        info[name] = (_severity(cfg.meta), cfg.kwargs.get("column"), regexes)
    return _Runtime(context, suite, validation_definition, SUITE_NAME, info)


def _severity(meta: dict | None) -> str:
    severity = (meta or {}).get("severity", "critical")
    return str(getattr(severity, "value", severity))


# ----------------------------------------------------------------------------------------------------------
# Input preparation.
# ----------------------------------------------------------------------------------------------------------


def prepare_frame(df: "pd.DataFrame") -> "pd.DataFrame":
    """A new frame with the dtypes GX needs; the caller's frame is left alone."""
    import pandas as pd

    from expectations.articles import as_utc_naive

    missing = [c for c in INPUT_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"articles frame lacks column(s): {', '.join(missing)}")
    out = pd.DataFrame(index=pd.RangeIndex(len(df)))
    for col in ("article_id", "title", "body", "date_status", "dateline_text", "pubdate_confidence"):
        # object dtype with None for missing: GX's null checks and regexes behave the same on every string
        # backend (python or pyarrow strings, pandas 2 or 3).
        values = df[col].to_numpy(dtype=object, copy=True)
        out[col] = pd.Series(values, dtype=object).where(pd.notna(values), None)
    out["word_count"] = pd.to_numeric(df["word_count"].reset_index(drop=True), errors="coerce")
    out["misplaced_mentions"] = pd.to_numeric(df["misplaced_mentions"].reset_index(drop=True), errors="coerce")
    out["date_score"] = pd.to_numeric(df["date_score"].reset_index(drop=True), errors="coerce").astype("float64")
    for col in _DATE_COLUMNS:
        out[col] = as_utc_naive(df[col].reset_index(drop=True))
    out.index.name = _ROW
    return out


def _article_keys(prepared: "pd.DataFrame") -> list[str]:
    """The key each row is reported under: its article_id, or `<row N: no article_id>` when it has none."""
    keys = []
    for pos, value in enumerate(prepared["article_id"].tolist()):
        keys.append(f"<row {pos}: no article_id>" if value is None else str(value))
    return keys


# ----------------------------------------------------------------------------------------------------------
# Rendering offending values.
# ----------------------------------------------------------------------------------------------------------


def _short(text: str, limit: int = _OBSERVED_MAX) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _render_value(value: Any) -> str:
    import pandas as pd

    if value is None or (not isinstance(value, (str, list, dict)) and pd.isna(value)):
        return "null"
    if isinstance(value, pd.Timestamp):
        return value.isoformat() if (value.hour or value.minute or value.second) else value.date().isoformat()
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _render_observed(row: dict, column: str | None, regexes: list[str]) -> str:
    values = dict(row)
    if column is not None and len(values) > 1:  # a column shown with others (_SHOWN_WITH)
        others = ", ".join(f"{k.removeprefix('published_')}={_render_value(v)}" for k, v in values.items() if k != column)
        return _short(f"{_render_value(values[column])}: {others}")
    if column is not None:
        value = values.get(column, row.get(column))
        if regexes and isinstance(value, str):  # show the offending marker, not the whole body
            for rx in regexes:
                m = re.search(rx, value)
                if m:
                    start, end = max(0, m.start() - 20), min(len(value), m.end() + 20)
                    return _short(("…" if start else "") + value[start:end] + ("…" if end < len(value) else ""))
        if column == "body" and isinstance(value, str):
            return _short(f"{len(value)} chars: {value}")
        return _short(_render_value(value))
    if not values:
        return None  # type: ignore[return-value]
    return _short(", ".join(f"{k}={_render_value(v)}" for k, v in values.items()))


def _details(cfg: Any, row: dict, regexes: list[str], column: str | None) -> str:
    kw = {k: v for k, v in cfg.kwargs.items() if k not in ("batch_id", "column", "column_list")}
    if regexes and column is not None and isinstance(row.get(column), str):
        hit = next((rx for rx in regexes if re.search(rx, row[column])), None)
        if hit is not None:
            return f"matches {hit!r}"
    parts = [f"{k}={_render_value(v) if isinstance(v, datetime) else v}" for k, v in kw.items()]
    why = (cfg.meta or {}).get("why")
    return _short("; ".join(([why] if why else []) + parts), 300)


# ----------------------------------------------------------------------------------------------------------
# Validation.
# ----------------------------------------------------------------------------------------------------------


def _raised(exception_info: Any) -> list[str]:
    """Messages of raised exceptions in an ExpectationValidationResult.exception_info.

    GX reports either one {"raised_exception": ..., "exception_message": ...} dict, or (when a metric failed)
    a dict of such dicts keyed by the metric's id.
    """
    if not exception_info:
        return []
    if isinstance(exception_info, dict) and "raised_exception" in exception_info:
        infos = [exception_info]
    elif isinstance(exception_info, dict):
        infos = [v for v in exception_info.values() if isinstance(v, dict)]
    else:
        infos = [exception_info]
    messages = []
    for info in infos:
        if isinstance(info, dict) and info.get("raised_exception"):
            messages.append(str(info.get("exception_message") or "unknown error"))
    return messages


def validate_articles(
    df: "pd.DataFrame", *, today: date | None = None, settings: "Settings | None" = None
) -> QualityOutcome:
    """Validate a batch of articles; one result per (article, expectation) and a status per article.

    `today` sets the upper bound of plausible claimed dates (today + ``settings.claimed_future_days``);
    default: today in UTC. The lower bound is ``settings.claimed_floor``; default settings: `get_settings()`.
    Raises QualityValidationError when GX could not evaluate an expectation (never a silent pass), and
    ValueError when a contract column is missing.
    """
    if len(df) == 0:
        from expectations import SUITE_NAME  # cheap: does not import GX

        return QualityOutcome(suite_name=SUITE_NAME)

    prepared = prepare_frame(df)
    keys = _article_keys(prepared)
    runtime = _get_runtime()
    from expectations.articles import expectation_parameters

    if today is None:
        today = datetime.now(timezone.utc).date()
    if settings is None:
        from dateline.settings import get_settings

        settings = get_settings()
    params = expectation_parameters(today, floor=settings.claimed_floor, future_days=settings.claimed_future_days)
    with _RUNTIME.lock:
        # Batch.validate, not ValidationDefinition.run: run() also serialises the whole result into the
        # context's results store, which nothing here reads (a quarter of the validation's time).
        batch = runtime.validation_definition.data.get_batch(batch_parameters={"dataframe": prepared})
        result = batch.validate(
            runtime.suite, expectation_parameters=params, result_format=_RESULT_FORMAT
        )

    return _outcome(result, keys, runtime.info, runtime.suite_name, prepared)


def _failing_rows(er: Any) -> list[int] | None:
    """The row positions an expectation result names as unexpected, or None if it names none in our form.

    With ``exclude_unexpected_values`` GX gives ``[{"_dateline_row": [positions...]}]`` (or ``[]``); the
    form with values, ``[{"_dateline_row": position, ...}, ...]``, is read too.
    """
    index_list = (er.result or {}).get("unexpected_index_list")
    if index_list is None:
        return None
    rows: list[int] = []
    for item in index_list:
        if not isinstance(item, dict) or _ROW not in item:
            return None
        value = item[_ROW]
        rows += [int(v) for v in value] if isinstance(value, list) else [int(value)]
    return rows


def _observed_rows(prepared: "pd.DataFrame", positions: list[int], cfg: Any) -> list[dict]:
    """The failing rows' values in the expectation's columns, read from the frame GX validated."""
    names = cfg.kwargs.get("column_list") or [cfg.kwargs["column"]]
    names = names + [c for c in _SHOWN_WITH.get(names[0], ()) if c not in names]
    columns = {c: prepared[c].iloc[positions].tolist() for c in names}  # boxed: Timestamps, None, NaT
    return [{c: values[i] for c, values in columns.items()} for i in range(len(positions))]


def _collect_failures(
    result: Any, info: dict[str, tuple[str, str | None, list[str]]], prepared: "pd.DataFrame"
) -> list[ExpectationOutcome]:
    """Per expectation, in suite order, the failing row positions with (observed, details).

    Raises QualityValidationError if any expectation raised, or failed without naming its rows (or named
    fewer or more rows than it counted as unexpected).
    """
    from expectations.articles import expectation_name

    errors: list[str] = []
    outcomes: list[ExpectationOutcome] = []
    for er in result.results:
        cfg = er.expectation_config
        name = expectation_name(cfg.type, cfg.kwargs)
        for message in _raised(er.exception_info):
            errors.append(f"{name}: {message}")
        severity, column, regexes = info.get(name, (_severity(cfg.meta), cfg.kwargs.get("column"), []))
        positions = _failing_rows(er)
        rows: dict[int, tuple[str | None, str | None]] = {}
        if positions is None:
            if not _raised(er.exception_info):
                listed = (er.result or {}).get("unexpected_index_list")
                errors.append(f"{name}: unexpected rows without row ids: {listed!r:.200}")
            positions = []
        elif len(positions) != (er.result or {}).get("unexpected_count", len(positions)):
            errors.append(f"{name}: {len(positions)} row ids for {er.result.get('unexpected_count')} unexpected rows")
        # Only a regex expectation's details depend on the row (which pattern matched): the others say
        # the same of every failing row, so say it once (a corpus can fail one expectation on every row).
        same_details = None if regexes else _details(cfg, {}, [], column)
        for pos, row in zip(positions, _observed_rows(prepared, positions, cfg)):
            rows[pos] = (_render_observed(row, column, regexes),
                         same_details if same_details is not None else _details(cfg, row, regexes, column))
        if not er.success and not rows and not _raised(er.exception_info):
            errors.append(f"{name}: failed without reporting any unexpected row")
        outcomes.append(ExpectationOutcome(name=name, column=column if column is not None else _columns_of(name),
                                           severity=severity, failed=rows))
    if errors:
        raise QualityValidationError(
            "Great Expectations could not evaluate the articles suite: " + " | ".join(errors), result
        )
    return outcomes


def _outcome(
    result: Any, keys: list[str], info: dict[str, tuple[str, str | None, list[str]]], suite_name: str,
    prepared: "pd.DataFrame",
) -> QualityOutcome:
    expectations = _collect_failures(result, info, prepared)
    rank = [_RANK[PASSED]] * len(keys)  # per row: the worst severity it failed
    for exp in expectations:
        worst = _RANK[QUARANTINED] if exp.severity == "critical" else _RANK[WARNED] if exp.severity == "warning" else 0
        for pos in exp.failed:
            if rank[pos] < worst:
                rank[pos] = worst
    status_rank: dict[str, int] = {}
    for key, r in zip(keys, rank):  # duplicated ids share one status: the worst of their rows
        if r >= status_rank.get(key, 0):
            status_rank[key] = r
    by_rank = {v: k for k, v in _RANK.items()}
    return QualityOutcome(
        keys=keys,
        expectations=expectations,
        status={key: by_rank[r] for key, r in status_rank.items()},
        suite_name=suite_name,
        success=not any(exp.failed and exp.severity == "critical" for exp in expectations),
        statistics=dict(result.statistics),
    )


def _columns_of(name: str) -> str | None:
    inside = name[name.find("(") + 1 : -1] if "(" in name else ""
    return inside or None
