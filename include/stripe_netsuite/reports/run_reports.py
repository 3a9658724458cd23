"""A DAG run's report: its files (Markdown and JSON) and its RunReport row, written and read in one place.

Each DAG's report module builds its own summary and renders its own Markdown and note; how a report is
stored, and how the run-notes listener finds the newest one of a run, is the same for all of them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from stripe_netsuite.store.engine import session_scope
from stripe_netsuite.store.pipeline import RunReport

__all__ = ["NOTE_LIMIT", "latest_note", "publish_report"]

# Airflow's dag_run_note.content is VARCHAR(1000): every report's note, with the link the run-notes plugin
# adds to it, must fit.
NOTE_LIMIT = 1000

Summary = dict[str, Any]


def publish_report(
    engine: Engine,
    summary: Summary,
    *,
    base: Path,
    dag_id: str,
    run_id: str,
    kind: str,
    now: datetime,
    render_markdown: Callable[[Summary], str],
    render_note: Callable[[Summary, str], str],
) -> Summary:
    """Write `base`.md, `base`.json and the run's RunReport row; return the summary with path and note."""
    base.parent.mkdir(parents=True, exist_ok=True)
    markdown = base.with_suffix(".md")
    markdown.write_text(render_markdown(summary), encoding="utf-8")
    summary["path"] = str(markdown)
    summary["note"] = render_note(summary, str(markdown))
    base.with_suffix(".json").write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")
    with session_scope(engine) as session:
        session.add(
            RunReport(dag_id=dag_id, run_id=run_id, kind=kind, created_at=now, summary=summary,
                      path=str(markdown))
        )  # fmt: skip
    return summary


def latest_note(engine: Engine, dag_id: str, run_id: str, kind: str) -> str | None:
    """The note of the newest report of `kind` for a run (what the run-notes listener copies)."""
    with session_scope(engine) as session:
        summary = session.scalars(
            select(RunReport.summary)
            .where(RunReport.dag_id == dag_id, RunReport.run_id == run_id, RunReport.kind == kind)
            .order_by(RunReport.id.desc())
            .limit(1)
        ).first()
    return str(summary["note"]) if summary and summary.get("note") else None
