"""Webhook-reported Stripe objects waiting for a loading run (`load_requests`), so that the webhook answers
at once and a burst of events is coalesced into one run by the webapp's dispatcher.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 09:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "load_requests",
        sa.Column("target", sa.String(128), nullable=False),
        sa.Column("stripe_id", sa.String(255), nullable=False),
        sa.Column("event_id", sa.String(255), nullable=False),
        sa.Column("requested_at", UTC_DATETIME, nullable=False),
        sa.Column("triggered_at", UTC_DATETIME, nullable=True),
        sa.Column("run_id", sa.String(255), nullable=True),
        sa.PrimaryKeyConstraint("target", "stripe_id", name=op.f("pk_load_requests")),
    )
    op.create_index(op.f("ix_load_requests_triggered_at"), "load_requests", ["triggered_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_load_requests_triggered_at"), table_name="load_requests")
    op.drop_table("load_requests")
