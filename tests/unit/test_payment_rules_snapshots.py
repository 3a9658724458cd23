"""Page data shared by the webapp's processes through the state DB (issue 8 item 20)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from stripe_netsuite.payments.accounts import CurrencyBalance, CustomerAccount, InvoiceAccount, OpenInvoice
from stripe_netsuite.payments.snapshots import PageSnapshots, decode, encode
from stripe_netsuite.store import dispose_engines, get_engine, migrate, session_scope
from stripe_netsuite.store.payments import PageSnapshot

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
INVOICE = OpenInvoice("1001", "INV1001", date(2026, 9, 1), None, 150000, "USD", True)
ACCOUNT = CustomerAccount(
    customer_id="102",
    name="Acme Corporation",
    email=None,
    currency="USD",
    balance_minor=290000,
    invoices=(INVOICE,),
    recorded_payment_ids=frozenset({"pi_2", "ch_1"}),
    fetched_at=NOW,
    primary_currency="USD",
    balances=(CurrencyBalance("USD", 290000, (INVOICE,)), CurrencyBalance("EUR", 120000, ())),
)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    migrate(url)
    yield get_engine(url)
    dispose_engines()


def test_page_data_survives_the_round_trip_exactly() -> None:
    assert decode(CustomerAccount, encode(ACCOUNT)) == ACCOUNT
    invoice_page = InvoiceAccount(INVOICE, "102", "Acme", "ap@acme.example", 290000, frozenset(), NOW)
    assert decode(InvoiceAccount, encode(invoice_page)) == invoice_page


def test_snapshots_are_shared_newest_first_and_ignored_when_they_no_longer_fit(engine: Engine) -> None:
    now = [NOW]
    kinds: dict[str, type] = {"customer": CustomerAccount}
    snapshots = PageSnapshots(engine, kinds, clock=lambda: now[0])
    assert snapshots.get(("customer", "102")) is None
    snapshots.put(("customer", "102"), ACCOUNT)
    now[0] = NOW + timedelta(seconds=12)
    assert snapshots.get(("customer", "102")) == (ACCOUNT, 12.0)
    with session_scope(engine) as session:
        row = session.get(PageSnapshot, "customer:102")
        assert row is not None
        row.payload = {**row.payload, "balance_minor": "not a number"}
    assert snapshots.get(("customer", "102")) is None  # read from NetSuite again
