"""The report reader's memory: a period is read as the columns a report shows, not as whole Stripe objects.

A charge's raw JSON is kilobytes (its PaymentIntent, card details, metadata); a payment row is a few hundred
bytes. Before, read_ledger loaded every charge of the period as an ORM object with its raw JSON (and kept
them in the session until the end): a month of a large account was hundreds of megabytes. Here 800 charges
of ~8 KB each are read; the reader's peak stays well under what their raw JSON alone would take.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from stripe_netsuite.reports.ledger import Scope
from stripe_netsuite.reports.read import read_ledger
from stripe_netsuite.store import (
    BalanceTransaction,
    Charge,
    dispose_engines,
    get_engine,
    migrate,
    session_scope,
    upsert_stripe_object,
)

CHARGES = 800
DAY = date(2026, 10, 5)
NOON = int(datetime(2026, 10, 5, 12, tzinfo=UTC).timestamp())
PADDING = {f"note_{k}": "x" * 400 for k in range(20)}  # ~8 KB of metadata, as a busy integration sends


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path / 'connector.db'}"
    migrate(url)
    engine = get_engine(url)
    with session_scope(engine) as session:
        for n in range(CHARGES):
            upsert_stripe_object(session, Charge, {
                "id": f"ch_mem{n:05d}", "object": "charge", "livemode": False, "created": NOON + n,
                "amount": 1000 + n, "currency": "usd", "status": "succeeded", "paid": True,
                "balance_transaction": f"txn_mem{n:05d}", "description": f"Invoice {n}", "metadata": PADDING,
            })  # fmt: skip
            upsert_stripe_object(session, BalanceTransaction, {
                "id": f"txn_mem{n:05d}", "object": "balance_transaction", "livemode": False,
                "created": NOON + n, "amount": 1000 + n, "currency": "usd", "fee": 59, "net": 941 + n,
                "type": "charge", "source": f"ch_mem{n:05d}", "status": "available",
            })  # fmt: skip
    yield engine
    dispose_engines()


def test_a_period_is_read_without_holding_its_raw_stripe_objects(engine: Engine) -> None:
    read_ledger(engine, Scope.day(DAY), ZoneInfo("UTC"))  # first use: SQLAlchemy compiles and caches
    tracemalloc.start()
    try:
        ledger = read_ledger(engine, Scope.day(DAY), ZoneInfo("UTC"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(ledger.payments) == CHARGES
    assert {p.description for p in ledger.payments} == {f"Invoice {n}" for n in range(CHARGES)}
    assert all(p.fee == 59 and p.settled_currency == "USD" for p in ledger.payments)
    raw_json = CHARGES * len(str(PADDING))
    print(f"read_ledger peak {peak / 2**20:.2f} MiB")
    assert peak < raw_json / 4, f"peak {peak / 2**20:.1f} MiB for {raw_json / 2**20:.1f} MiB of raw JSON"
