"""A NetSuite refusal for a closed accounting period, end to end: the charge is marked failed with NetSuite's
message and named in the run report, the rest of the run loads, and a replay loads it once the period is open.

The connector does not move a payment into another period itself: the reference product documents no such
setting (connector-behaviour.md), and NetSuite has its own accounting preferences for it (the sandbox honours
them, see test_netsuite_sandbox_periods.py). Dates are NetSuite's tranDate: the Stripe time in the account's
time zone (LEDGER_ENV), computed here from Stripe's `created`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
import stripe
from sqlalchemy import Engine

from stripe_netsuite.netsuite import NetSuiteClient
from stripe_netsuite.sync.load import LoadResult, load_payments
from stripe_netsuite.sync.load_report import build_summary, render_note
from stripe_netsuite.sync.load_run import replay, sync_status
from tests.integration import load_world
from tests.integration.conftest import NetSuiteSandboxClient
from tests.integration.load_world import LEDGER_ENV, ledger_settings, stripe_sync
from tests.integration.test_sync_load_cases import applied_to, pay, payment, remaining
from tests.servers import RunningServer

pytestmark = pytest.mark.slow
ZONE = ZoneInfo(LEDGER_ENV["NETSUITE_TIME_ZONE"])
CLOSED_DATE = "The transaction date you specified is within a closed period."


def tran_date(obj: Any) -> date:
    return datetime.fromtimestamp(obj.created, UTC).astimezone(ZONE).date()


# An empty state DB and the connector's NetSuite client; `ns` is tests/integration/conftest.py's.
engine = load_world.engine
netsuite = load_world.netsuite


@pytest.fixture(scope="module")
def charges(stripe_client: stripe.StripeClient, stripe_sandbox: RunningServer) -> dict[str, Any]:
    """One charge in a month that finance then closes, two in the next month (seeded ids, SEED.md)."""
    late = pay(stripe_client, 43000, "usd", {"netsuite_customer_id": "104", "netsuite_invoice_id": "1016"})
    month_end = (tran_date(late).replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    days = (month_end - tran_date(late)).days + 2
    requests.post(
        f"{stripe_sandbox.url}/_sandbox/clock/advance", json={"days": days}, timeout=60
    ).raise_for_status()
    on_time = pay(
        stripe_client, 150000, "usd", {"netsuite_customer_id": "102", "netsuite_invoice_id": "1001"}
    )
    unapplied = pay(stripe_client, 2500, "usd", {"netsuite_customer_id": "104"})
    assert tran_date(late).month != tran_date(on_time).month == tran_date(unapplied).month
    return {"late": late, "on_time": on_time, "unapplied": unapplied}


@pytest.fixture(scope="module")
def closed_run(
    charges: dict[str, Any],
    stripe_sandbox: RunningServer,
    engine: Engine,
    netsuite: NetSuiteClient,
    stripe_client: stripe.StripeClient,
    ns: NetSuiteSandboxClient,
) -> LoadResult:
    ns.control("POST", "/periods/close", {"period": tran_date(charges["late"]).isoformat()})
    stripe_sync(stripe_sandbox, engine, "sync-1")
    return load_payments(engine, netsuite, stripe_client, ledger_settings(), run_id="load-1")


def test_a_charge_dated_in_a_closed_period_fails_with_netsuites_message_and_the_rest_load(
    closed_run: LoadResult, charges: dict[str, Any], ns: NetSuiteSandboxClient, engine: Engine
) -> None:
    late = charges["late"].id
    failed = {o.stripe_id: o.reason or "" for o in closed_run.having("failed")}
    assert set(failed) == {late}
    assert "USER_ERROR" in failed[late] and CLOSED_DATE in failed[late]
    assert closed_run.retry == []  # nothing to retry: a person must reopen the period
    assert ns.rows(f"SELECT id FROM transaction WHERE externalid = '{late}'") == []
    assert remaining(ns, "1016") == 430  # seeded 430.00 open, untouched
    loaded = {o.stripe_id for o in closed_run.having("loaded")}
    assert loaded == {charges["on_time"].id, charges["unapplied"].id}
    assert applied_to(payment(ns, charges["on_time"].id)) == {"1001": 1500}
    [record] = sync_status(engine, late)
    assert record["status"] == "failed" and CLOSED_DATE in record["last_error"]


def test_the_run_report_names_the_refused_charge_and_netsuites_reason(
    closed_run: LoadResult, charges: dict[str, Any]
) -> None:
    summary = build_summary(closed_run)
    assert (summary["loaded"], summary["failed"], summary["retry"]) == (2, 1, 0)
    [problem] = summary["problems"]
    assert problem["stripe_id"] == charges["late"].id and CLOSED_DATE in problem["reason"]
    note = render_note(summary, None)
    assert f"Failed: {charges['late'].id}: " in note and "closed period" in note


def test_once_the_period_is_reopened_a_replay_loads_the_charge_into_it(
    closed_run: LoadResult,
    charges: dict[str, Any],
    ns: NetSuiteSandboxClient,
    engine: Engine,
    netsuite: NetSuiteClient,
    stripe_client: stripe.StripeClient,
) -> None:
    late = charges["late"]
    ns.control(
        "POST",
        "/periods/close",
        {
            "period": tran_date(late).isoformat(),
            "closed": False,
            "arLocked": False,
            "apLocked": False,
            "allLocked": False,
        },
    )
    assert replay(engine, late.id) == 1
    again = load_payments(
        engine, netsuite, stripe_client, ledger_settings(), run_id="load-2", stripe_ids=[late.id]
    )
    assert [o.stripe_id for o in again.having("loaded")] == [late.id] and again.having("failed") == []
    doc = payment(ns, late.id)
    assert doc["tranDate"] == tran_date(late).isoformat()
    assert doc["postingPeriod"]["refName"] == tran_date(late).strftime("%b %Y")
    assert applied_to(doc) == {"1016": 430} and remaining(ns, "1016") == 0
