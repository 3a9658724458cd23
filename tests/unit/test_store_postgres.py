"""The state DB on a real PostgreSQL (tests/postgres.py starts one), and the throw-away cluster itself.

The schema tests that hold on both databases are in test_store_migrations.py; these are PostgreSQL's own.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from stripe_netsuite.store import (
    BalanceTransaction,
    PaymentAttempt,
    UpsertResult,
    get_engine,
    migrate,
    session_scope,
    upsert_stripe_object,
)
from tests.postgres import ENV_URL, PostgresUnavailable, Schemas, local_cluster, server_bin_dir


def test_upsert_on_postgresql(postgres_url: str) -> None:
    migrate(postgres_url)
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


def test_migration_0004_backfills_paid_attempts_on_postgresql(postgres_url: str) -> None:
    """0004 reads JSONB payloads (dicts, not the strings SQLite gives) and timezone-aware timestamps."""
    migrate(postgres_url, "0003")
    attempts = sa.table(
        "payment_attempts",
        *map(sa.column, ("id", "link_kind", "netsuite_customer_id", "amount_minor", "currency")),
        *map(sa.column, ("payment_intent_id", "status", "created_at", "updated_at")),
        sa.column("netsuite_invoice_ids", sa.JSON),
        sa.column("save_payment_method", sa.Boolean),
    )
    events = sa.table(
        "webhook_events",
        *map(sa.column, ("event_id", "type", "account", "created", "received_at", "object_id")),
        sa.column("payload", sa.JSON),
    )
    at = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)
    intent = {"id": "pi_old", "amount_received": 5000, "latest_charge": {"id": "ch_old"}}
    with get_engine(postgres_url).begin() as connection:
        connection.execute(attempts.insert().values(
            id="a1", link_kind="customer", netsuite_customer_id="102", netsuite_invoice_ids=[],
            amount_minor=5000, currency="USD", payment_intent_id="pi_old", status="paid",
            save_payment_method=False, created_at=at, updated_at=at,
        ))  # fmt: skip
        connection.execute(events.insert().values(
            event_id="evt_old", type="payment_intent.succeeded", account="", created=at, received_at=at,
            object_id="pi_old", payload={"data": {"object": intent}},
        ))  # fmt: skip

    migrate(postgres_url)

    with session_scope(get_engine(postgres_url)) as session:
        row = session.get(PaymentAttempt, "a1")
        assert row is not None
        assert (row.charge_id, row.paid_amount_minor, row.paid_at) == ("ch_old", 5000, at)


def test_each_test_database_sees_only_its_own_tables(postgres_url: str, postgres_schemas: Schemas) -> None:
    """Parallel workers share one server when CONNECTOR_TEST_POSTGRES_URL is set: schemas keep them apart."""
    other = postgres_schemas.create()
    try:
        migrate(postgres_url)
        with get_engine(postgres_url).connect() as mine, get_engine(other).connect() as theirs:
            assert "payment_attempts" in sa.inspect(mine).get_table_names()
            assert sa.inspect(theirs).get_table_names() == []
            schemas = [c.exec_driver_sql("SELECT current_schema()").scalar() for c in (mine, theirs)]
        assert schemas[0] != schemas[1] and all(name and name.startswith("test_") for name in schemas)
    finally:
        get_engine(other).dispose()
        postgres_schemas.release(other)


def test_the_private_cluster_is_stopped_and_deleted_even_when_the_session_fails() -> None:
    try:
        server_bin_dir()
    except PostgresUnavailable:
        if os.environ.get(ENV_URL):
            pytest.skip("no PostgreSQL server binaries here; the suite uses CONNECTOR_TEST_POSTGRES_URL")
        raise
    with pytest.raises(RuntimeError, match="the session failed"), local_cluster() as url:
        with sa.create_engine(url, poolclass=sa.NullPool).connect() as connection:
            data = Path(str(connection.exec_driver_sql("SHOW data_directory").scalar()))
            assert connection.exec_driver_sql("SHOW listen_addresses").scalar() == ""  # no TCP port
        postmaster = int((data / "postmaster.pid").read_text().split()[0])
        raise RuntimeError("the session failed")
    assert not data.parent.exists()
    with pytest.raises(ProcessLookupError):
        os.kill(postmaster, 0)
