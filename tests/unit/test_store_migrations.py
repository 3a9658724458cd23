"""The state DB schema: Alembic migrations, the models they must match, SQLite tuning and the CLI.

The migration tests run on SQLite and on PostgreSQL (the `state_db_url` fixture, tests/conftest.py).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from stripe_netsuite.store import (
    current_revision,
    dispose_engines,
    downgrade,
    get_engine,
    head_revision,
    metadata,
    migrate,
)
from stripe_netsuite.store.__main__ import main as store_cli
from stripe_netsuite.store.migrate import alembic_config

EXPECTED_TABLES = {
    "stripe_charges",
    "stripe_refunds",
    "stripe_disputes",
    "stripe_payouts",
    "stripe_balance_transactions",
    "stripe_customers",
    "stripe_payment_intents",
    "stripe_checkout_sessions",
    "extraction_cursors",
    "quarantine",
    "validation_runs",
    "stripe_customer_links",
    "payment_attempts",
    "consents",
    "webhook_events",
    "page_snapshots",
    "sync_records",
    "run_reports",
    "load_requests",
    "handled_payouts",
}


@pytest.fixture
def db_url(state_db_url: str) -> str:
    """An empty state DB, once on SQLite and once on PostgreSQL."""
    return state_db_url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> Iterator[str]:
    yield f"sqlite:///{tmp_path / 'state' / 'connector.db'}"
    dispose_engines()


def _tables(url: str) -> set[str]:
    with get_engine(url).connect() as connection:
        return set(sa.inspect(connection).get_table_names()) - {"alembic_version"}


def test_migrate_creates_every_table_in_a_new_directory(db_url: str) -> None:
    migrate(db_url)
    assert _tables(db_url) == EXPECTED_TABLES
    assert current_revision(db_url) == head_revision()


def test_migrate_twice_is_a_no_op(db_url: str) -> None:
    migrate(db_url)
    migrate(db_url)
    assert current_revision(db_url) == head_revision()


def test_models_cover_exactly_the_expected_tables() -> None:
    assert set(metadata.tables) == EXPECTED_TABLES


def test_downgrade_to_base_and_up_again(db_url: str) -> None:
    migrate(db_url)
    downgrade(db_url, "base")
    assert _tables(db_url) == set()
    assert current_revision(db_url) is None
    migrate(db_url)
    assert _tables(db_url) == EXPECTED_TABLES


def test_each_revision_upgrades_and_downgrades_one_step_at_a_time(db_url: str) -> None:
    """Every migration's downgrade undoes its own upgrade, not only the whole chain from head to base."""
    script = ScriptDirectory.from_config(alembic_config(db_url))
    revisions = [revision.revision for revision in reversed(list(script.walk_revisions()))]
    for revision in revisions:
        migrate(db_url, revision)
        assert current_revision(db_url) == revision
    for previous in [*reversed(revisions[:-1]), None]:
        downgrade(db_url, "-1")
        assert current_revision(db_url) == previous
    assert _tables(db_url) == set()
    migrate(db_url)
    assert _tables(db_url) == EXPECTED_TABLES


def test_models_match_the_migrations(db_url: str) -> None:
    migrate(db_url)
    with get_engine(db_url).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_busy_timeout(sqlite_url: str) -> None:
    migrate(sqlite_url)
    with get_engine(sqlite_url).connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_get_engine_is_cached_per_url(sqlite_url: str, tmp_path: Path) -> None:
    assert get_engine(sqlite_url) is get_engine(sqlite_url)
    assert get_engine(sqlite_url) is not get_engine(f"sqlite:///{tmp_path / 'other.db'}")


def test_get_engine_defaults_to_the_environment(monkeypatch: pytest.MonkeyPatch, sqlite_url: str) -> None:
    monkeypatch.setenv("CONNECTOR_DATABASE_URL", sqlite_url)
    assert get_engine() is get_engine(sqlite_url)


def test_cli_upgrade_and_current(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert store_cli(["--url", db_url, "current"]) == 1  # empty database: not at head
    assert store_cli(["--url", db_url, "upgrade"]) == 0
    assert store_cli(["--url", db_url, "current"]) == 0
    output = capsys.readouterr().out
    assert f"at revision {head_revision()}" in output


def test_cli_downgrade(db_url: str) -> None:
    store_cli(["--url", db_url, "upgrade"])
    assert store_cli(["--url", db_url, "downgrade", "base"]) == 0
    assert current_revision(db_url) is None


def test_migrations_render_postgresql_ddl() -> None:
    config = alembic_config("postgresql://user:secret@db.invalid/connector")
    config.output_buffer = io.StringIO()
    command.upgrade(config, "head", sql=True)  # offline: renders SQL, connects to nothing
    sql = config.output_buffer.getvalue()
    assert "raw JSONB NOT NULL" in sql
    assert "amount BIGINT NOT NULL" in sql
    assert "created TIMESTAMP WITH TIME ZONE NOT NULL" in sql
    assert "exchange_rate NUMERIC(24, 12)" in sql
    assert "livemode BOOLEAN DEFAULT false NOT NULL" in sql
    assert "FLOAT" not in sql and "REAL" not in sql and "DOUBLE" not in sql
