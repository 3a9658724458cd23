"""The stripe_sync run report: totals, the DagRun note (bounded) and the Markdown page."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from stripe_netsuite.store import dispose_engines, get_engine, migrate
from stripe_netsuite.validation.paths import docs_dir_for, reports_root
from stripe_netsuite.validation.report import (
    NOTE_LIMIT,
    build_summary,
    render_markdown,
    render_note,
    write_run_report,
)

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)

EXTRACTS = [
    {"resource": "charges", "extracted": 120, "inserted": 100, "updated": 15, "unchanged": 5, "refetched": 15,
     "requests": 6},
    {"resource": "payouts", "extracted": 3, "inserted": 1, "updated": 2, "unchanged": 0, "refetched": 2,
     "requests": 4},
]  # fmt: skip
VALIDATION = {
    "ready": 114,
    "quarantined": 2,
    "per_type": {
        "charge": {"evaluated": 115, "ready": 113, "quarantined": 2},
        "payout": {"evaluated": 1, "ready": 1, "quarantined": 0},
    },
    "data_docs": "var/reports/data_docs/run/index.html",
}
QUARANTINED = [
    {"object_type": "charge", "object_id": "ch_1", "check": "c(currency)", "reason": "currency is missing"},
    {"object_type": "charge", "object_id": "ch_2", "check": "c(amount)", "reason": "a | b"},
]


def test_summary_totals_per_resource_and_type() -> None:
    summary = build_summary("run_1", EXTRACTS, VALIDATION, QUARANTINED, dag_id="stripe_sync")
    assert (summary["extracted"], summary["inserted"], summary["updated"], summary["requests"]) == (
        123,
        101,
        17,
        10,
    )
    assert (summary["ready"], summary["quarantined"]) == (114, 2)
    assert summary["per_type"]["charge"]["quarantined"] == 2


def test_note_names_counts_quarantine_by_type_and_the_report() -> None:
    summary = build_summary("run_1", EXTRACTS, VALIDATION, dag_id="stripe_sync")
    note = render_note(summary, "var/reports/stripe_sync/run_1.md")
    assert note == (
        "stripe_sync: extracted 123 (new 101, changed 17) in 10 requests; ready 114, quarantined 2 "
        "(charge 2). Report: var/reports/stripe_sync/run_1.md"
    )


def test_note_never_exceeds_airflows_column() -> None:
    many = {f"type_{n}": {"evaluated": 1, "ready": 0, "quarantined": 1} for n in range(200)}
    summary = build_summary("r", EXTRACTS, {**VALIDATION, "per_type": many}, dag_id="stripe_sync")
    note = render_note(summary, "x" * 500)
    assert len(note) == NOTE_LIMIT


def test_markdown_lists_every_quarantined_row_with_escaped_reasons() -> None:
    page = render_markdown(build_summary("run_1", EXTRACTS, VALIDATION, QUARANTINED, dag_id="stripe_sync"))
    assert "| charges | 120 | 100 | 15 | 5 | 15 | 6 |" in page
    assert "| charge | ch_1 | c(currency) | currency is missing |" in page
    assert "a \\| b" in page
    assert "Data Docs: var/reports/data_docs/run/index.html" in page


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"CONNECTOR_REPORTS_DIR": "/srv/reports", "CONNECTOR_DATABASE_URL": "sqlite:////x/y.db"},
         "/srv/reports"),
        ({"CONNECTOR_DATABASE_URL": "sqlite:////srv/demo/connector.db"}, "/srv/demo/reports"),
        ({"CONNECTOR_DATABASE_URL": "postgresql+psycopg://u:p@db/connector", "CONNECTOR_HOME": "/opt/c"},
         "/opt/c/var/reports"),
        ({"CONNECTOR_HOME": "/opt/c"}, "/opt/c/var/reports"),  # the embedded default DB is var/connector.db
    ],
    ids=["explicit", "beside-sqlite", "postgresql-under-home", "embedded-default"],
)  # fmt: skip
def test_reports_follow_the_state_db(environ: dict[str, str], expected: str) -> None:
    assert reports_root(environ) == Path(expected)


def test_the_run_report_is_written_beside_the_state_db(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The demo keeps its state in var/demo/: deleting that folder must take the reports with it.
    url = f"sqlite:///{tmp_path / 'demo' / 'connector.db'}"
    monkeypatch.setenv("CONNECTOR_DATABASE_URL", url)
    monkeypatch.delenv("CONNECTOR_REPORTS_DIR", raising=False)
    migrate(url)
    try:
        summary = write_run_report(get_engine(url), "stripe_sync", "run_1", EXTRACTS, VALIDATION, now=NOW)
    finally:
        dispose_engines()
    assert Path(summary["path"]) == tmp_path / "demo" / "reports" / "stripe_sync" / "run_1.md"
    assert docs_dir_for("run:1") == tmp_path / "demo" / "reports" / "data_docs" / "run_1"


def test_the_itemisation_step_has_its_own_line() -> None:
    itemised = {"resource": "payout_itemisation", "extracted": 64, "inserted": 0, "updated": 64,
                "unchanged": 0, "refetched": 0, "requests": 22}  # fmt: skip
    summary = build_summary("run_1", [*EXTRACTS, itemised], VALIDATION, dag_id="stripe_sync")
    assert summary["per_resource"]["payouts"]["extracted"] == 3  # payouts only, not their transactions
    assert "| payout_itemisation | 64 | 0 | 64 | 0 | 0 | 22 |" in render_markdown(summary)
