"""The demo world seeded against both sandboxes: variety, NetSuite links, money invariants, determinism."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import STRIPE_TEST_KEY
from tests.integration.conftest import NetSuiteSandboxClient
from tests.servers import RunningServer, run_sandbox
from world_seeder import END, WorldError, WorldSummary, seed_world, world_end
from world_seeder.plan import NsCustomer, NsInvoice, plan_world

DAYS = 30
SEED = 42
LISTED = (
    "customers",
    "payment_intents",
    "charges",
    "refunds",
    "disputes",
    "payouts",
    "balance_transactions",
    "events",
    "checkout/sessions",
)


def seed_into(
    stripe_url: str, netsuite_env: dict[str, str], seed: int = SEED, end: int = END
) -> WorldSummary:
    return seed_world(
        stripe_url,
        STRIPE_TEST_KEY,
        netsuite_env["NETSUITE_BASE_URL"],
        netsuite_env,
        days=DAYS,
        seed=seed,
        end=end,
    )


@pytest.fixture(scope="module")
def world(stripe_sandbox: RunningServer, netsuite_env: dict[str, str]) -> WorldSummary:
    return seed_into(stripe_sandbox.url, netsuite_env)


def fetch_all(url: str, path: str, **params: str) -> list[dict[str, Any]]:
    """Every object of a list endpoint as raw JSON, paging with starting_after like any client."""
    objects: list[dict[str, Any]] = []
    query: dict[str, str] = {"limit": "100", **params}
    while True:
        response = requests.get(
            f"{url}/v1/{path}",
            params=query,
            timeout=60,
            headers={"Authorization": f"Bearer {STRIPE_TEST_KEY}"},
        )
        assert response.status_code == 200, response.text
        page = response.json()
        objects.extend(page["data"])
        if not page["has_more"]:
            return objects
        query["starting_after"] = page["data"][-1]["id"]


def by_id(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {obj["id"]: obj for obj in objects}


def test_world_has_every_kind_of_activity_the_connector_must_handle(world: WorldSummary) -> None:
    counts = world.counts
    assert (world.start, world.end, world.days) == (END - DAYS * 86_400, END, DAYS)
    assert counts["customers"] == 9  # NetSuite 102-110; the catch-all 101 has no Stripe customer
    assert counts["charges.invoice_payment"] >= 15
    assert counts["charges.on_account"] >= 5
    assert counts["charges.unallocated"] >= 1
    for currency in ("usd", "eur", "gbp", "jpy", "cad", "kwd"):
        assert counts[f"charges.currency.{currency}"] >= 1, currency
    assert counts["charges.international_card"] >= 1
    assert counts["charges.autopay_off_session"] == 1
    assert counts["charges.failed"] >= 2  # a decline on the hosted page, an unretried insufficient-funds
    assert counts["refunds.full"] >= 1 and counts["refunds.partial"] >= 2
    assert (
        counts["disputes.won"] == 1
        and counts["disputes.lost"] == 1
        and counts["disputes.needs_response"] == 1
    )
    assert counts["checkout_sessions.complete"] >= 3 and counts["checkout_sessions.expired"] == 1
    assert counts["payouts.failed"] == 1
    assert counts["payouts.paid"] >= DAYS // 2


def test_customers_and_payments_point_at_real_netsuite_records(
    world: WorldSummary, stripe_sandbox: RunningServer, netsuite_sandbox: RunningServer
) -> None:
    ns = NetSuiteSandboxClient(netsuite_sandbox.url)
    ns_customers = {row["id"]: row for row in ns.rows("SELECT id, email FROM customer")}
    currency_codes = {row["id"]: row["symbol"].lower() for row in ns.rows("SELECT id, symbol FROM currency")}
    invoices = {
        row["id"]: row
        for row in ns.rows(
            "SELECT id, entity, currency, foreignamountremaining FROM transaction WHERE type = 'CustInvc'"
        )
    }
    customers = by_id(fetch_all(stripe_sandbox.url, "customers"))
    for customer in customers.values():
        linked = ns_customers[customer["metadata"]["netsuite_customer_id"]]
        assert customer["email"] == linked["email"]
    paid: dict[str, int] = defaultdict(int)
    for charge in fetch_all(stripe_sandbox.url, "charges"):
        metadata = charge["metadata"]
        if charge["customer"]:
            assert (
                customers[charge["customer"]]["metadata"]["netsuite_customer_id"]
                == metadata["netsuite_customer_id"]
            )
        invoice_id = metadata.get("netsuite_invoice_id")
        if invoice_id is None or charge["status"] != "succeeded":
            continue
        invoice = invoices[invoice_id]
        assert invoice["entity"] == metadata["netsuite_customer_id"]
        assert charge["currency"] == currency_codes[invoice["currency"]]
        paid[invoice_id] += charge["amount"]
    exponent = {"jpy": 0, "kwd": 3}
    for invoice_id, amount in paid.items():
        currency = currency_codes[invoices[invoice_id]["currency"]]
        remaining = Decimal(invoices[invoice_id]["foreignamountremaining"]).scaleb(exponent.get(currency, 2))
        assert amount <= remaining, f"invoice {invoice_id} overpaid"


def test_every_paid_payout_equals_the_transactions_it_lists(
    world: WorldSummary, stripe_sandbox: RunningServer
) -> None:
    payouts = fetch_all(stripe_sandbox.url, "payouts")
    paid = [p for p in payouts if p["status"] == "paid"]
    assert paid
    for payout in paid:
        txns = fetch_all(stripe_sandbox.url, "balance_transactions", payout=payout["id"])
        own = [t for t in txns if t["type"] == "payout"]
        others = [t for t in txns if t["type"] != "payout"]
        assert len(own) == 1 and own[0]["source"] == payout["id"]
        assert sum(t["net"] for t in others) == payout["amount"] == -own[0]["net"]
        assert all(t["status"] == "available" and t["available_on"] <= payout["created"] for t in others)
        assert payout["arrival_date"] >= payout["created"]


def test_balance_is_the_available_transactions_not_yet_paid_out(
    world: WorldSummary, stripe_sandbox: RunningServer, stripe_client: Any
) -> None:
    swept: set[str] = set()
    for payout in fetch_all(stripe_sandbox.url, "payouts"):
        swept |= {t["id"] for t in fetch_all(stripe_sandbox.url, "balance_transactions", payout=payout["id"])}
    txns = fetch_all(stripe_sandbox.url, "balance_transactions")
    unswept = [t for t in txns if t["id"] not in swept]
    balance = stripe_client.v1.balance.retrieve()
    available = {entry.currency: entry.amount for entry in balance.available}
    pending = {entry.currency: entry.amount for entry in balance.pending}
    assert available == {"usd": sum(t["net"] for t in unswept if t["status"] == "available")}
    assert pending == {"usd": sum(t["net"] for t in unswept if t["status"] == "pending")}
    # The failed payout's money came back as its own transaction and went out again with a later payout.
    failures = [t for t in txns if t["type"] == "payout_failure"]
    assert len(failures) == 1 and failures[0]["id"] in swept


def test_fees_follow_the_schedule(world: WorldSummary, stripe_sandbox: RunningServer) -> None:
    checked = 0
    for txn in fetch_all(stripe_sandbox.url, "balance_transactions", **{"expand[]": "data.source"}):
        if txn["type"] == "charge":
            charge = txn["source"]
            percent = Decimal("2.9")
            if charge["payment_method_details"]["card"]["country"] != "US":
                percent += Decimal("1.5")
            if charge["currency"] != "usd":
                percent += Decimal("1")
                assert txn["exchange_rate"] is not None
            expected = int((Decimal(txn["amount"]) * percent / 100).quantize(Decimal(1), ROUND_HALF_UP)) + 30
            assert txn["fee"] == expected, (charge["id"], charge["currency"], txn)
            assert txn["net"] == txn["amount"] - txn["fee"]
            checked += 1
        elif txn["reporting_category"] == "dispute":
            assert txn["fee"] == 1500 and txn["amount"] < 0
        elif txn["type"] == "refund":
            assert txn["fee"] == 0 and txn["amount"] < 0
    assert checked == world.counts["charges.succeeded"]


def test_objects_are_dated_inside_the_world_and_the_clock_stops_at_its_end(
    world: WorldSummary, stripe_sandbox: RunningServer
) -> None:
    clock = requests.get(f"{stripe_sandbox.url}/_sandbox/clock", timeout=30).json()
    assert (clock["mode"], clock["now"]) == ("frozen", END)
    for path in ("charges", "payouts", "customers", "events"):
        for obj in fetch_all(stripe_sandbox.url, path):
            assert world.start <= obj["created"] <= END, (path, obj["id"])


def test_seeding_a_sandbox_that_already_has_data_is_refused(
    world: WorldSummary, stripe_sandbox: RunningServer, netsuite_env: dict[str, str]
) -> None:
    with pytest.raises(WorldError, match="already holds"):
        seed_into(stripe_sandbox.url, netsuite_env)


@pytest.fixture()
def second_sandbox(tmp_path: Path) -> Iterator[RunningServer]:
    args = ("--api-key", STRIPE_TEST_KEY, "--clock", "frozen")
    with run_sandbox("stripe_sandbox", tmp_path / "second", extra_args=args) as server:
        yield server


@pytest.fixture()
def third_sandbox(tmp_path: Path) -> Iterator[RunningServer]:
    args = ("--api-key", STRIPE_TEST_KEY, "--clock", "frozen")
    with run_sandbox("stripe_sandbox", tmp_path / "third", extra_args=args) as server:
        yield server


def snapshot(url: str) -> dict[str, Any]:
    """Every object the API lists, plus the balance, with the server's own address taken out."""
    listed: dict[str, Any] = {path: fetch_all(url, path) for path in LISTED}
    listed["payment_methods"] = [
        fetch_all(url, "payment_methods", customer=customer["id"]) for customer in listed["customers"]
    ]
    listed["balance"] = requests.get(
        f"{url}/v1/balance", timeout=30, headers={"Authorization": f"Bearer {STRIPE_TEST_KEY}"}
    ).json()
    result: dict[str, Any] = json.loads(json.dumps(listed).replace(url, "<sandbox>"))
    return result


def test_same_seed_builds_the_same_world_id_for_id(
    world: WorldSummary,
    stripe_sandbox: RunningServer,
    second_sandbox: RunningServer,
    netsuite_env: dict[str, str],
) -> None:
    again = seed_into(second_sandbox.url, netsuite_env)
    assert again.counts == world.counts
    first, second = snapshot(stripe_sandbox.url), snapshot(second_sandbox.url)
    for key in first:
        assert first[key] == second[key], key
    assert len(first["events"]) > 100


def test_another_seed_plans_another_world() -> None:
    customers = [
        NsCustomer("102", "Acme", "a@example.test", ("usd", "eur")),
        NsCustomer("103", "Globex", "g@example.test", ("gbp",)),
    ]
    invoices = [
        NsInvoice(
            str(1000 + n),
            f"INV{1000 + n}",
            "102" if n % 2 else "103",
            "usd" if n % 2 else "gbp",
            100_000 + n * 1_000,
            END - 60 * 86_400,
        )
        for n in range(12)
    ]
    plan = [
        (a.at, a.kind, a.key, a.data) for a in plan_world(1, END - DAYS * 86_400, DAYS, customers, invoices)
    ]
    same = [
        (a.at, a.kind, a.key, a.data) for a in plan_world(1, END - DAYS * 86_400, DAYS, customers, invoices)
    ]
    other = [
        (a.at, a.kind, a.key, a.data) for a in plan_world(2, END - DAYS * 86_400, DAYS, customers, invoices)
    ]
    assert plan == same
    assert plan != other


def test_a_world_anchored_on_another_date_ends_there_and_is_the_same_for_the_same_date(
    second_sandbox: RunningServer, third_sandbox: RunningServer, netsuite_env: dict[str, str]
) -> None:
    # The demo ends its world on the day it is seeded, so that its clock can run on in real time.
    end = world_end("2031-03-15")
    assert end == 1_931_299_200  # 2031-03-15T00:00:00Z
    first = seed_into(second_sandbox.url, netsuite_env, end=end)
    assert (first.start, first.end) == (end - DAYS * 86_400, end)
    clock = requests.get(f"{second_sandbox.url}/_sandbox/clock", timeout=30).json()
    assert (clock["mode"], clock["now"]) == ("frozen", end)
    for path in ("charges", "payouts", "customers", "events", "checkout/sessions"):
        objects = fetch_all(second_sandbox.url, path)
        assert objects, path
        for obj in objects:
            assert first.start <= obj["created"] <= end, (path, obj["id"])
    assert first.counts["charges.invoice_payment"] >= 15 and first.counts["payouts.paid"] >= DAYS // 2
    again = seed_into(third_sandbox.url, netsuite_env, end=end)
    assert again.counts == first.counts
    one, other = snapshot(second_sandbox.url), snapshot(third_sandbox.url)
    for key in one:
        assert one[key] == other[key], key


def test_the_end_date_is_today_or_an_iso_date() -> None:
    today = datetime.now(UTC).date()
    assert world_end("today") == int(datetime(today.year, today.month, today.day, tzinfo=UTC).timestamp())
    assert world_end("2026-11-01") == END
    with pytest.raises(WorldError, match="YYYY-MM-DD"):
        world_end("next tuesday")


def run_seeder(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m world_seeder ...` as the demo runs it: a separate process, a client of the sandboxes."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("NETSUITE_", "STRIPE_"))}
    return subprocess.run(
        [sys.executable, "-m", "world_seeder", "--api-key", STRIPE_TEST_KEY, *args],
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_seeder_command_builds_a_stripe_only_scale_world(second_sandbox: RunningServer) -> None:
    result = run_seeder(
        "--stripe-url", second_sandbox.url, "--stripe-only", "--charges", "7", "--days", "2",
        "--threads", "1", "--end", "2031-03-15",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["end"], summary["days"]) == (world_end("2031-03-15"), 2)
    assert summary["bulk_charges"] == 7
    charges = fetch_all(second_sandbox.url, "charges")
    assert len(charges) == summary["counts"]["objects.charge"] == 7
    assert all(charge["status"] == "succeeded" for charge in charges)


def test_the_seeder_command_without_netsuite_says_what_to_set_and_writes_nothing(
    second_sandbox: RunningServer,
) -> None:
    result = run_seeder("--stripe-url", second_sandbox.url, "--seed", "42")
    assert result.returncode == 2
    assert "NETSUITE_BASE_URL" in result.stderr and "--netsuite-url" in result.stderr
    stats = requests.get(f"{second_sandbox.url}/_sandbox/stats", timeout=30).json()
    assert sum(stats["objects"].values()) == 0
    refused = run_seeder("--stripe-url", second_sandbox.url, "--stripe-only")
    assert refused.returncode == 2 and "--charges" in refused.stderr
