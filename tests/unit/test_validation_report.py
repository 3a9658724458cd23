"""The stripe_sync run report: totals, the DagRun note (bounded) and the Markdown page."""

from __future__ import annotations

from stripe_netsuite.validation.report import NOTE_LIMIT, build_summary, render_markdown, render_note

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
    summary = build_summary("run_1", EXTRACTS, VALIDATION, QUARANTINED)
    assert (summary["extracted"], summary["inserted"], summary["updated"], summary["requests"]) == (
        123,
        101,
        17,
        10,
    )
    assert (summary["ready"], summary["quarantined"]) == (114, 2)
    assert summary["per_type"]["charge"]["quarantined"] == 2


def test_note_names_counts_quarantine_by_type_and_the_report() -> None:
    note = render_note(build_summary("run_1", EXTRACTS, VALIDATION), "var/reports/stripe_sync/run_1.md")
    assert note == (
        "stripe_sync: extracted 123 (new 101, changed 17) in 10 requests; ready 114, quarantined 2 "
        "(charge 2). Report: var/reports/stripe_sync/run_1.md"
    )


def test_note_never_exceeds_airflows_column() -> None:
    many = {f"type_{n}": {"evaluated": 1, "ready": 0, "quarantined": 1} for n in range(200)}
    note = render_note(build_summary("r", EXTRACTS, {**VALIDATION, "per_type": many}), "x" * 500)
    assert len(note) == NOTE_LIMIT


def test_markdown_lists_every_quarantined_row_with_escaped_reasons() -> None:
    page = render_markdown(build_summary("run_1", EXTRACTS, VALIDATION, QUARANTINED))
    assert "| charges | 120 | 100 | 15 | 5 | 15 | 6 |" in page
    assert "| charge | ch_1 | c(currency) | currency is missing |" in page
    assert "a \\| b" in page
    assert "Data Docs: var/reports/data_docs/run/index.html" in page
