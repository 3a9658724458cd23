"""Deposits built from a payout, written through the project's NetSuite client, total the payout in NetSuite.

The client sends `X-NetSuite-PropertyNameValidation: Error` on every write, so a deposit field the REST API
Browser does not name fails here. Customer payments and a refund are created through the API first; the sync
records the builder needs are read back from NetSuite as the loader reads them; the expected totals are the
sums of Stripe's balance transaction nets, computed here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from stripe_netsuite.money import from_minor
from stripe_netsuite.netsuite import ConcurrencyLimiter, NetSuiteClient, NetSuiteSettings, NetSuiteUserError
from stripe_netsuite.sync.deposit_blocks import Blocked
from stripe_netsuite.sync.deposit_facts import SyncedRecord, index_records
from stripe_netsuite.sync.deposit_records import Deposit
from stripe_netsuite.sync.deposit_settings import DepositSettings
from stripe_netsuite.sync.deposits import PayoutAction, build_deposit, classify_payout
from stripe_netsuite.sync.external_ids import LedgerRecord
from stripe_netsuite.sync.records import ApplyLine, CustomerPayment, CustomerRefund, LedgerWrite
from tests.unit.test_sync_deposit_fixtures import PAYOUT_TXN, payout, txn

D = Decimal
UNDEPOSITED, FEES, CLEARING_USD = "7", "8", "1"  # seeded accounts (SEED.md)


@pytest.fixture(scope="module")
def client(netsuite_env: dict[str, str]) -> Iterator[NetSuiteClient]:
    settings = NetSuiteSettings.from_env(netsuite_env)
    with NetSuiteClient(settings, limiter=ConcurrencyLimiter(settings.concurrency_limit)) as netsuite:
        yield netsuite


@dataclass
class World:
    currency_ids: dict[str, str]
    customer: str  # USD, with EUR
    settings: DepositSettings


@pytest.fixture(scope="module")
def world(client: NetSuiteClient) -> World:
    ids = {
        row["symbol"]: str(row["id"]) for row in client.suiteql("SELECT id, symbol FROM currency ORDER BY id")
    }
    bank = client.create(
        "account",
        {
            "acctNumber": "1000",
            "acctName": "Operating USD",
            "acctType": "Bank",
            "currency": {"id": ids["USD"]},
            "subsidiary": {"id": "1"},
        },
    )
    adjustments = client.create(
        "account",
        {
            "acctNumber": "6150",
            "acctName": "Stripe Adjustments",
            "acctType": "Expense",
            "subsidiary": {"id": "1"},
        },
    )
    customer = client.create(
        "customer",
        {
            "companyName": "Deposit Acme",
            "email": "ap@deposit-acme.example",
            "currency": {"id": ids["USD"]},
            "subsidiary": {"id": "1"},
            "currencyList": {"items": [{"currency": {"id": ids["EUR"]}}]},
        },
    )
    settings = DepositSettings(
        bank_accounts={"USD": bank},
        fee_account_id=FEES,
        adjustment_account_id=adjustments,
        clearing_accounts={"USD": CLEARING_USD, "EUR": "4"},
        undeposited_funds_account_id=UNDEPOSITED,
    )
    return World(ids, customer, settings)


def write(client: NetSuiteClient, record: LedgerWrite) -> str:
    assert record.external_id is not None
    return client.upsert(record.record_type, record.external_id, record.body(), replace=record.replace)


def customer_payment(
    client: NetSuiteClient, world: World, charge_id: str, amount: str, currency: str, rate: str | None = None
) -> str:
    return write(
        client,
        CustomerPayment(
            external_id=charge_id,
            customer_id=world.customer,
            currency_id=world.currency_ids[currency],
            amount=D(amount),
            tran_date=date(2026, 9, 28),
            exchange_rate=D(rate) if rate else None,
            memo=f"Stripe: {charge_id}",
            payment_option_id="1",
            account_id=UNDEPOSITED,
            applications=(),
        ),
    )


def synced_payment(client: NetSuiteClient, world: World, charge_id: str, stripe_amount: int) -> SyncedRecord:
    """A payment's sync record as the loader reads it from NetSuite: id, amount, account, deposit."""
    internal_id = client.find_by_external_id("customerPayment", charge_id)
    assert internal_id is not None
    doc = client.get("customerPayment", internal_id)
    symbols = {v: k for k, v in world.currency_ids.items()}
    currency = symbols[str(doc["currency"]["id"])]
    decimals = {"USD": 2, "EUR": 2}[currency]
    deposits = list(
        client.suiteql(
            "SELECT nextdoc FROM nexttransactionlinelink WHERE linktype = 'Deposit' "
            f"AND previousdoc = {internal_id}"
        )
    )
    customer = client.get("customer", str(doc["customer"]["id"]), expand_sub_resources=True)
    currencies = {symbols[str(customer["currency"]["id"])]}
    currencies |= {symbols[str(line["currency"]["id"])] for line in customer["currencyList"]["items"]}
    return SyncedRecord(
        LedgerRecord.PAYMENT,
        charge_id,
        internal_id,
        currency,
        amount=int(D(str(doc["payment"])).scaleb(decimals)),
        stripe_amount=stripe_amount,
        account_id=UNDEPOSITED if doc["undepFunds"]["id"] == "T" else str(doc["account"]["id"]),
        deposit_id=str(deposits[0]["nextdoc"]) if deposits else None,
        customer_id=world.customer,
        customer_currencies=frozenset(currencies),
    )


def deposit_total(client: NetSuiteClient, deposit_id: str) -> Decimal:
    return D(str(client.get("deposit", deposit_id)["total"]))


def test_a_usd_payout_holding_a_eur_payment_and_a_refund_is_one_deposit_equal_to_it(
    client: NetSuiteClient, world: World
) -> None:
    customer_payment(client, world, "ch_depUsd0001", "100.00", "USD")
    customer_payment(client, world, "ch_depEur0001", "100.00", "EUR", rate="1.0753")
    paid_back = customer_payment(client, world, "ch_depUsd0002", "60.00", "USD")
    refund = write(
        client,
        CustomerRefund(
            external_id="re_depRefund01",
            customer_id=world.customer,
            currency_id=world.currency_ids["USD"],
            tran_date=date(2026, 9, 29),
            exchange_rate=None,
            memo="Stripe: re_depRefund01",
            payment_option_id="1",
            account_id=CLEARING_USD,
            applications=(ApplyLine(paid_back, D("25.00")),),
        ),
    )
    transactions = [
        txn("txn_depC1", "charge", 10000, fee=320, source="ch_depUsd0001"),
        txn("txn_depC2", "charge", 10753, fee=342, source="ch_depEur0001", rate=1.0753),  # EUR 100.00 -> USD
        txn("txn_depC3", "charge", 6000, fee=204, source="ch_depUsd0002"),
        txn("txn_depR1", "refund", -2500, source="re_depRefund01"),
    ]
    amount = sum(t["net"] for t in transactions)  # Stripe's payout: the nets of what it holds
    paid = payout(amount, payout_id="po_depUsd00001")
    listed = [*transactions, txn(PAYOUT_TXN, "payout", -amount, source="po_depUsd00001")]
    records = index_records(
        [
            synced_payment(client, world, "ch_depUsd0001", 10000),
            synced_payment(client, world, "ch_depEur0001", 10000),
            synced_payment(client, world, "ch_depUsd0002", 6000),
            SyncedRecord(LedgerRecord.REFUND, "re_depRefund01", refund, "USD", account_id=CLEARING_USD),
        ]
    )
    assert (
        classify_payout(
            paid, deposit_id=None, settings=world.settings, currency_ids=world.currency_ids
        ).action
        is PayoutAction.DEPOSIT
    )
    deposit = build_deposit(paid, listed, records, world.settings)
    assert isinstance(deposit, Deposit)
    deposit_id = write(client, deposit)

    assert deposit_total(client, deposit_id) == from_minor(amount, "USD") == D("233.87")
    stored = client.get("deposit", deposit_id, expand_sub_resources=True)
    assert (stored["account"]["id"], stored["tranDate"]) == (
        world.settings.bank_accounts["USD"],
        "2026-10-02",
    )
    eur_id = records["ch_depEur0001"].internal_id
    eur_line = [line for line in stored["payment"]["items"] if str(line["id"]) == eur_id and line["deposit"]]
    assert D(str(eur_line[0]["paymentAmount"])) == D("107.53")  # the bank-currency amount, not EUR 100.00
    # The refund's cash back posts to the clearing account its customer refund was paid from.
    refund_doc = client.get("customerRefund", refund)
    refund_lines = [line for line in stored["cashback"]["items"] if line["memo"] == "Stripe: re_depRefund01"]
    assert [str(line["account"]["id"]) for line in refund_lines] == [str(refund_doc["account"]["id"])]
    # ... for what the refund paid out of it, so the clearing account nets to zero once deposited.
    to_clearing = [line for line in stored["cashback"]["items"] if str(line["account"]["id"]) == CLEARING_USD]
    assert sum(D(str(line["amount"])) for line in to_clearing) == D(str(refund_doc["total"])) == D("25.00")
    statuses = {
        client.get("customerPayment", r.internal_id or "")["status"]["id"]
        for r in records.values()
        if r.record is LedgerRecord.PAYMENT
    }
    assert statuses == {"Deposited"}

    # Written again (a re-run): the same deposit, the same total, nothing appended.
    again = build_deposit(
        paid,
        listed,
        index_records(
            [
                synced_payment(client, world, charge, stripe)
                for charge, stripe in (
                    ("ch_depUsd0001", 10000),
                    ("ch_depEur0001", 10000),
                    ("ch_depUsd0002", 6000),
                )
            ]
            + [records["re_depRefund01"]]
        ),
        world.settings,
        deposit_id=deposit_id,
    )
    assert isinstance(again, Deposit) and write(client, again) == deposit_id
    assert deposit_total(client, deposit_id) == from_minor(amount, "USD")


def test_a_payment_already_in_a_deposit_blocks_another_payout_and_nothing_is_written(
    client: NetSuiteClient, world: World
) -> None:
    customer_payment(client, world, "ch_depTwice001", "40.00", "USD")
    first_txns = [txn("txn_depT1", "charge", 4000, fee=146, source="ch_depTwice001")]
    first = payout(3854, payout_id="po_depTwice001")
    records = index_records([synced_payment(client, world, "ch_depTwice001", 4000)])
    built = build_deposit(first, first_txns, records, world.settings)
    assert isinstance(built, Deposit)
    write(client, built)
    # A second payout naming the same charge (as a bad sync would): NetSuite knows it is deposited.
    second = payout(3854, payout_id="po_depTwice002")
    result = build_deposit(
        second,
        first_txns,
        index_records([synced_payment(client, world, "ch_depTwice001", 4000)]),
        world.settings,
    )
    assert isinstance(result, Blocked)
    assert (result.code, result.balance_transaction) == ("already_deposited", "txn_depT1")
    assert client.find_by_external_id("deposit", "po_depTwice002") is None
    # Had it been written anyway, NetSuite would refuse it: the block is the same rule, found earlier.
    forced = Deposit(
        external_id="po_depTwice002",
        payout_id="po_depTwice002",
        account_id=built.account_id,
        currency="USD",
        tran_date=built.tran_date,
        memo="forced",
        payments=built.payments,
        other=(),
        cashback=(),
    )
    with pytest.raises(NetSuiteUserError, match="already been deposited"):
        write(client, forced)


def test_the_reversal_of_a_failed_deposited_payout_is_a_journal_entry_netsuite_accepts(
    client: NetSuiteClient, world: World
) -> None:
    failed: dict[str, Any] = {
        **payout(3854, payout_id="po_depTwice001", status="failed"),
        "failure_code": "account_closed",
    }
    deposit_id = client.find_by_external_id("deposit", "po_depTwice001")
    plan = classify_payout(
        failed,
        deposit_id=deposit_id,
        settings=world.settings,
        currency_ids=world.currency_ids,
        failed_at=1790985600,
        zone=ZoneInfo("America/Los_Angeles"),
    )
    assert plan.action is PayoutAction.REVERSE and plan.reversal is not None
    entry = write(client, plan.reversal)
    lines = client.get("journalEntry", entry, expand_sub_resources=True)["line"]["items"]
    assert [
        (str(line["account"]["id"]), D(str(line.get("debit") or 0)), D(str(line.get("credit") or 0)))
        for line in lines
    ] == [(CLEARING_USD, D("38.54"), D(0)), (world.settings.bank_accounts["USD"], D(0), D("38.54"))]
