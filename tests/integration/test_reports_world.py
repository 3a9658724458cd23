"""The daily finance report over the seeded 30-day world, after its payments and deposits were loaded.

The world, the loads and the held-back payment are test_sync_deposits_load's fixtures (both sandboxes as real
servers). Every expectation is computed here from Stripe's data, listed with stripe-python, and from NetSuite
through SuiteQL; the report is read back from the CSV files it wrote, never from the builder under test.
"""

# ruff: noqa: F811 (the fixtures imported from test_sync_deposits_load are parameters of these tests)
from __future__ import annotations

import csv
import time
from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import stripe
from sqlalchemy import Engine

from stripe_netsuite.reports.files import list_reports
from stripe_netsuite.reports.publish import ReportOptions, write_daily_report
from stripe_netsuite.reports.urls import RecordLinks
from tests.conftest import NETSUITE_TEST_ENV
from tests.integration.conftest import NetSuiteSandboxClient
from tests.integration.test_sync_deposits_load import (  # noqa: F401 (fixtures)
    ZONE,
    Held,
    Payouts,
    deposits_in_netsuite,
    engine,
    first_run,
    held,
    monkeypatch_module,
    netsuite,
    ns,
    payouts,
    settings,
    stripe_api,
    world,
)
from tests.integration.test_sync_load import major

pytestmark = pytest.mark.slow
ACCOUNT = NETSUITE_TEST_ENV["NETSUITE_ACCOUNT_ID"]


def day_of(created: int) -> date:
    return datetime.fromtimestamp(created, ZONE).date()


def arrival_of(payout: Any) -> date:
    return datetime.fromtimestamp(payout.arrival_date, UTC).date()


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def charges(world: Any, stripe_api: stripe.StripeClient) -> list[Any]:
    return [c for c in stripe_api.v1.charges.list(params={"limit": 100}).auto_paging_iter()
            if c.status == "succeeded"]  # fmt: skip


@pytest.fixture(scope="module")
def report(
    first_run: dict[str, Any], engine: Engine, charges: list[Any], payouts: Payouts,
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    """The report of every day the world spans, written after the first loads (one payment held back)."""
    days = [day_of(c.created) for c in charges] + [arrival_of(p) for p in payouts.all]
    start, end = min(days), max(days)
    options = ReportOptions(RecordLinks(ACCOUNT), str(ZONE), "en_US", tmp_path_factory.mktemp("finance"))
    started = time.perf_counter()
    summary = write_daily_report(engine, end, options=options, now=datetime.now(UTC), run_id="daily-1",
                                 days=(end - start).days + 1)  # fmt: skip
    print(f"finance report of {(end - start).days + 1} days, {summary['payments']} payments,"
          f" {sum(summary['payouts'].values())} payouts: {time.perf_counter() - started:.2f} s")
    return Path(summary["html"]).parent


def test_payments_loaded_per_day_and_currency_match_stripe(
    report: Path, charges: list[Any], held: Held
) -> None:
    expected: dict[tuple[str, str], list[int]] = defaultdict(list)
    for charge in charges:
        if charge.id != held.charge_id:
            expected[(day_of(charge.created).isoformat(), charge.currency.upper())].append(charge.amount)
    rows = read_csv(report / "payments_by_day.csv")
    found = {(r["Day"], r["Currency"]): (int(r["Payments"]), Decimal(r["Amount"])) for r in rows}
    assert found == {key: (len(v), major(sum(v), key[1].lower())) for key, v in expected.items()}
    assert len({currency for _, currency in found}) >= 2  # the world pays in more than one currency


def test_fees_per_day_are_stripe_s_balance_transaction_fees_in_the_settlement_currency(
    report: Path, charges: list[Any], stripe_api: stripe.StripeClient
) -> None:
    listed = stripe_api.v1.balance_transactions.list(params={"limit": 100}).auto_paging_iter()
    txns = {t.id: t for t in listed}
    volume: dict[tuple[str, str], int] = defaultdict(int)
    fees: dict[tuple[str, str], int] = defaultdict(int)
    for charge in charges:
        txn = txns[charge.balance_transaction]
        key = (day_of(charge.created).isoformat(), txn.currency.upper())
        volume[key] += txn.amount
        fees[key] += txn.fee
    rows = read_csv(report / "fees_by_day.csv")
    found = {(r["Day"], r["Currency"]): (Decimal(r["Volume"]), Decimal(r["Fees"])) for r in rows}
    assert found == {k: (major(volume[k], k[1].lower()), major(fees[k], k[1].lower())) for k in volume}
    for row in rows:
        share = Decimal(row["Fees"]) * 100 / Decimal(row["Volume"])
        assert abs(Decimal(row["Share"]) - share) <= Decimal("0.005")


def test_every_payout_is_reconciled_against_its_deposit_and_the_held_one_says_what_to_do(
    report: Path, payouts: Payouts, held: Held, ns: NetSuiteSandboxClient
) -> None:
    rows = {r["Payout"]: r for r in read_csv(report / "payouts.csv")}
    deposits = deposits_in_netsuite(ns)
    for payout in payouts.deposited:
        row = rows[payout.id]
        assert row["Arrival"] == arrival_of(payout).isoformat()
        assert Decimal(row["Amount"]) == major(payout.amount, payout.currency)
        assert row["Payout URL"] == f"https://dashboard.stripe.com/test/payouts/{payout.id}"
        if payout.id == held.payout_id:
            assert (row["Status"], row["Code"]) == ("blocked", "missing_payment")
            assert row["Balance transaction"] == held.transaction
            assert held.charge_id in row["What to do"] and "load it" in row["What to do"]
            assert row["NetSuite deposit"] == ""
            continue
        internal_id = str(deposits[payout.id]["id"])
        assert row["Status"] == "deposited", payout.id
        assert Decimal(row["Deposit total"]) == Decimal(str(deposits[payout.id]["foreigntotal"]))
        assert row["NetSuite deposit URL"] == (
            f"https://{ACCOUNT.lower().replace('_', '-')}.app.netsuite.com"
            f"/app/accounting/transactions/deposit.nl?id={internal_id}"
        )


def test_disputes_are_counted_by_outcome_as_stripe_has_them(
    report: Path, stripe_api: stripe.StripeClient
) -> None:
    disputes = list(stripe_api.v1.disputes.list(params={"limit": 100}).auto_paging_iter())
    assert disputes  # the world has disputes, so the comparison below is not of two empty tables
    outcome = {"won": "won", "lost": "lost", "warning_closed": "closed"}
    expected = Counter((f"disputes {outcome.get(d.status, 'open')}", d.currency.upper()) for d in disputes)
    rows = read_csv(report / "refunds_disputes.csv")
    found = {(r["Kind"], r["Currency"]): int(r["Count"]) for r in rows if r["Kind"].startswith("disputes")}
    assert found == dict(expected)


def test_the_report_is_listed_with_its_html_and_spreadsheets(report: Path) -> None:
    (entry,) = list_reports(report.parents[2])
    assert entry.directory == report and entry.kind == "period"  # the world's days, not one day's report
    assert {"report.html", "report.xlsx", "payouts.csv"} <= set(entry.files)
    html = entry.html.read_text(encoding="utf-8")
    assert "<svg" in html and "missing_payment" in html
