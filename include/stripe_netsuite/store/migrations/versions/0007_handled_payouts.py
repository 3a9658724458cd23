"""Payouts recorded in NetSuite by hand (`handled_payouts`): who, when and why, so that a manual or debit
payout stops being reported once a person has recorded it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 11:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "handled_payouts",
        sa.Column("payout_id", sa.String(255), nullable=False),
        sa.Column("handled_by", sa.String(255), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("handled_at", UTC_DATETIME, nullable=False),
        sa.Column("run_id", sa.String(250), nullable=True),
        sa.PrimaryKeyConstraint("payout_id", name=op.f("pk_handled_payouts")),
    )


def downgrade() -> None:
    op.drop_table("handled_payouts")
