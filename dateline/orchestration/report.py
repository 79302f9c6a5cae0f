"""Human-readable summaries of a run: a markdown artifact for the Prefect UI and a terminal table."""

from __future__ import annotations

from schemas import Run


def _md_table(header: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join("" if v is None else str(v).replace("|", "\\|") for v in row) + " |" for row in rows]
    return "\n".join(lines)


def run_markdown(run: Run, summary: dict, *, data_docs: dict | None = None) -> str:
    duration = f" | {run.duration_s:.1f} s" if run.duration_s is not None else ""
    parts = [
        f"# news-etl run `{run.run_id}`",
        f"Inputs: {', '.join(run.input_paths)} | code {run.code_version}{duration}",
        "",
        "## Files",
        _md_table(
            ["seen", "loaded", "already loaded", "duplicates", "rejected", "passed", "warned", "quarantined"],
            [[run.files_seen, summary["loaded"], run.already_loaded, summary["duplicates"], summary["rejected"],
              summary["passed"], summary["warned"], summary["quarantined"]]],
        ),
    ]
    formats = summary.get("formats") or []
    if formats:  # a file of many records counts each line, row or WARC record
        parts += ["", f"## Records, by input format ({run.records_seen if run.records_seen is not None else '?'} seen)",
                  _md_table(["format", "records", "loaded", "duplicates", "rejected"],
                            [[f["format"], f["records"], f["loaded"], f["duplicates"], f["rejected"]] for f in formats])]
    parts += [
        "",
        "## Rejected records, by reason",
    ]
    reasons = summary.get("reject_reasons") or []
    parts.append(_md_table(["reason", "records"], [[r["reason"], r["files"]] for r in reasons]) if reasons else "None.")
    parts += ["", "## Quality failures"]
    failures = summary["expectation_failures"]
    parts.append(
        _md_table(["expectation", "severity", "articles"], [[f["expectation"], f["severity"], f["articles"]] for f in failures])
        if failures else "None."
    )
    parts += ["", "## Date anomalies (claimed date contradicted by the story)"]
    anomalies = summary["date_anomalies"]
    parts.append(
        _md_table(
            ["article", "title", "claimed", "inferred window", "score"],
            [[a["article_id"], a["title"], a["claimed"], f"{a['inferred_min']} .. {a['inferred_max']}", a["score"]]
             for a in anomalies],
        )
        if anomalies else "None."
    )
    stories = summary.get("stories")
    if stories:
        parts += ["", "## Stories (the whole database)",
                  _md_table(["stories", "new", "grew", "near-duplicates", "new near-duplicates", "story evidence"],
                            [[stories["stories"], stories["new_stories"], stories["grown_stories"],
                              stories["near_duplicates"], stories["new_near_duplicates"], stories["story_evidence"]]])]
    if data_docs:
        parts += ["", "## Great Expectations Data Docs",
                  f"{data_docs['successful_expectations']} of {data_docs['evaluated_expectations']} expectations met "
                  f"over {_sample(data_docs)}: [Data Docs](file://{data_docs['index']}) (`{data_docs['index']}`)"]
    return "\n".join(parts) + "\n"


def _sample(data_docs: dict) -> str:
    validated, loaded = data_docs.get("articles_validated"), data_docs.get("articles_loaded")
    if validated is None or validated == loaded:
        return "the whole run"
    return f"a random sample of {validated:,} of the run's {loaded:,} articles"
