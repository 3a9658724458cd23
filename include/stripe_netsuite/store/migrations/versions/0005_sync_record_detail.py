"""Ledger loading: what the loader remembers about each NetSuite record it wrote.

`sync_records.detail` (JSON) keeps a customer payment's original applications (a refund of it is computed
from them, not from what NetSuite shows after earlier refunds), a reversal's credit memo id, and whether the
NetSuite id was written back into the Stripe object's metadata.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 09:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("sync_records") as batch:
        batch.add_column(sa.Column("detail", JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sync_records") as batch:
        batch.drop_column("detail")
