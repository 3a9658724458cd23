"""The world seeder's second settlement currency, through its command line (`--settlement-currency EUR`).

The seeder is run as the demo runs it (a separate process) against a fresh Stripe sandbox; what it built is
read back through the Stripe API: EUR payments settle in EUR, unconverted, and are paid out in EUR to the
account's EUR bank account, while the other currencies still settle in USD. An unknown currency is refused
before anything is written.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.conftest import STRIPE_TEST_KEY
from tests.integration.test_stripe_world import fetch_all, run_seeder
from tests.servers import RunningServer, run_sandbox

HEADERS = {"Authorization": f"Bearer {STRIPE_TEST_KEY}"}


@pytest.fixture()
def sandbox(tmp_path: Path) -> Iterator[RunningServer]:
    args = ("--api-key", STRIPE_TEST_KEY, "--clock", "frozen")
    with run_sandbox("stripe_sandbox", tmp_path / "stripe", extra_args=args) as server:
        yield server


def test_the_seeder_gives_the_account_a_second_payout_currency(sandbox: RunningServer) -> None:
    result = run_seeder(
        "--stripe-url", sandbox.url, "--stripe-only", "--charges", "60", "--days", "4", "--threads", "1",
        "--end", "2031-03-15", "--settlement-currency", "EUR",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["bulk_charges"] == 60
    account = requests.get(f"{sandbox.url}/v1/account", headers=HEADERS, timeout=30).json()
    banks = {bank["currency"]: bank["id"] for bank in account["external_accounts"]["data"]}
    assert set(banks) == {"usd", "eur"}

    settled = {txn["source"]: txn for txn in fetch_all(sandbox.url, "balance_transactions", type="charge")}
    charges = fetch_all(sandbox.url, "charges")
    assert {c["currency"] for c in charges} >= {"usd", "eur", "gbp"}
    for charge in charges:
        txn = settled[charge["id"]]
        if charge["currency"] == "eur":
            assert (txn["currency"], txn["amount"], txn["exchange_rate"]) == ("eur", charge["amount"], None)
        else:
            assert txn["currency"] == "usd"
            assert (txn["exchange_rate"] is None) == (charge["currency"] == "usd")
    paid = [p for p in fetch_all(sandbox.url, "payouts") if p["status"] == "paid"]
    assert {p["currency"] for p in paid} == {"usd", "eur"}
    assert all(p["destination"] == banks[p["currency"]] for p in paid)


def test_an_unknown_settlement_currency_is_refused_and_nothing_is_written(sandbox: RunningServer) -> None:
    result = run_seeder(
        "--stripe-url", sandbox.url, "--stripe-only", "--charges", "3", "--days", "1",
        "--settlement-currency", "XYZ",
    )  # fmt: skip
    assert result.returncode == 2
    assert "settlement_currencies" in result.stderr and "xyz" in result.stderr
    stats = requests.get(f"{sandbox.url}/_sandbox/stats", timeout=30).json()
    assert sum(stats["objects"].values()) == 0
