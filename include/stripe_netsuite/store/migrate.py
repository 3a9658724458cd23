"""Run the state DB's Alembic migrations from Python (tests, webapp, `make demo`, compose init job)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from stripe_netsuite.config import database_url
from stripe_netsuite.store.engine import get_engine

STORE_DIR = Path(__file__).resolve().parent


def alembic_config(url: str | None = None) -> Config:
    """Alembic configuration for the database at `url` (default: $CONNECTOR_DATABASE_URL or var/)."""
    config = Config(str(STORE_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(STORE_DIR / "migrations"))
    # ConfigParser interpolation would read a '%' in a URL-encoded password as a placeholder.
    config.set_main_option("sqlalchemy.url", (url or database_url()).replace("%", "%%"))
    config.attributes["configure_logger"] = False
    return config


def migrate(url: str | None = None, revision: str = "head") -> None:
    """Upgrade the database to `revision` (default the newest); a no-op when it is already there."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str | None = None, revision: str = "-1") -> None:
    """Downgrade the database to `revision` ("base" empties it)."""
    command.downgrade(alembic_config(url), revision)


def current_revision(url: str | None = None) -> str | None:
    """The revision the database is at, or None for an empty database."""
    with get_engine(url).connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """The newest revision shipped with the code."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
