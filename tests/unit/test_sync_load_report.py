"""The ledger run report (pure): counts, amounts per currency, reasons in the note; conf ids checked."""

from __future__ import annotations

from decimal import Decimal

import pytest

from stripe_netsuite.sync.load import LoadResult
from stripe_netsuite.sync.load_plan import Outcome
from stripe_netsuite.sync.load_report import NOTE_LIMIT, build_summary, render_note
from stripe_netsuite.sync.load_run import stripe_ids_from

D = Decimal


def result() -> LoadResult:
    return LoadResult("run-1", [
        Outcome("ch_1", "payment", "loaded", "USD", D("10.00"), "1101"),
        Outcome("ch_2", "payment", "loaded", "USD", D("5.50"), "1102",
                "Stripe Payment Error: could not apply to invoice INV1014: it is already paid"),
        Outcome("ch_3", "payment", "loaded", "JPY", D("125000"), "1103"),
        Outcome("re_1", "refund", "loaded", "USD", D("2.00"), "1104"),
        Outcome("ch_4", "payment", "unchanged", "USD", None, "1001"),
        Outcome("ch_5", "payment", "failed", reason="NetSuite customer 103 (Globex) has no USD currency"),
        Outcome("re_2", "refund", "blocked", reason="waits for re_9 (failed)"),
    ], requests=12)  # fmt: skip


def test_the_summary_counts_each_status_and_sums_loaded_amounts_per_currency_and_kind() -> None:
    summary = build_summary(result())
    assert (
        summary["loaded"],
        summary["unchanged"],
        summary["failed"],
        summary["blocked"],
        summary["retry"],
    ) == (4, 1, 1, 1, 0)
    assert summary["amounts"] == {"JPY": {"payment": "125000"}, "USD": {"payment": "15.50", "refund": "2.00"}}
    assert [p["stripe_id"] for p in summary["problems"]] == ["re_2", "ch_5"]
    assert summary["unapplied"][0]["stripe_id"] == "ch_2"


def test_the_note_names_counts_amounts_and_failures_within_airflows_limit() -> None:
    note = render_note(build_summary(result()), "/reports/netsuite_payments/run-1.md")
    assert note.startswith("netsuite_payments: loaded 4, unchanged 1, failed 1, blocked 1, left for retry 0")
    assert "USD payment 15.50, refund 2.00" in note and "ch_5: NetSuite customer 103" in note
    many = LoadResult("r", [Outcome(f"ch_{i}", "payment", "failed", reason="x" * 400) for i in range(50)])
    assert len(render_note(build_summary(many), "/r.md")) <= NOTE_LIMIT


@pytest.mark.parametrize(
    "value",
    ["ch_1; DROP TABLE", "../etc/passwd", "po_123", "", "ch_1'--"],
    ids=["sql", "path", "payout", "empty", "quote"],
)
def test_conf_ids_that_are_not_stripe_payment_ids_are_refused(value: str) -> None:
    with pytest.raises(ValueError, match="not a Stripe"):
        stripe_ids_from([value])


def test_conf_ids_are_kept_in_order_once() -> None:
    assert stripe_ids_from(["ch_1", "re_2", "ch_1", "pi_3", "py_4", "dp_5"]) == [
        "ch_1",
        "re_2",
        "pi_3",
        "py_4",
        "dp_5",
    ]
