"""The state DB on a real PostgreSQL, when one is given: CONNECTOR_TEST_POSTGRES_URL=postgresql://... ."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from stripe_netsuite.store import (
    BalanceTransaction,
    UpsertResult,
    dispose_engines,
    downgrade,
    get_engine,
    metadata,
    migrate,
    session_scope,
    upsert_stripe_object,
)

POSTGRES_URL = os.environ.get("CONNECTOR_TEST_POSTGRES_URL", "")

pytestmark = pytest.mark.skipif(
    not POSTGRES_URL, reason="set CONNECTOR_TEST_POSTGRES_URL to an empty PostgreSQL database to run these"
)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    migrate(POSTGRES_URL)
    yield POSTGRES_URL
    downgrade(POSTGRES_URL, "base")
    dispose_engines()


def test_models_match_the_migrations_on_postgresql(postgres_url: str) -> None:
    with get_engine(postgres_url).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_upsert_on_postgresql(postgres_url: str) -> None:
    txn = {
        "id": "txn_pg",
        "object": "balance_transaction",
        "amount": 100,
        "currency": "usd",
        "exchange_rate": 1.0978,
        "created": 1740830400,
    }
    with session_scope(get_engine(postgres_url)) as session:
        assert upsert_stripe_object(session, BalanceTransaction, txn) is UpsertResult.INSERTED
        assert upsert_stripe_object(session, BalanceTransaction, txn) is UpsertResult.UNCHANGED
        assert (
            upsert_stripe_object(session, BalanceTransaction, txn, extra={"payout": "po_1"})
            is UpsertResult.UPDATED
        )
        assert (
            upsert_stripe_object(session, BalanceTransaction, {**txn, "amount": 90}) is UpsertResult.UPDATED
        )
        row = session.scalars(sa.select(BalanceTransaction)).one()
        assert (row.amount, row.payout, str(row.exchange_rate)) == (90, "po_1", "1.097800000000")
