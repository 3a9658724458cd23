"""stripe_sync: remember the id of the newest event read, so the next read starts right after it.

A time cursor alone cannot tell which events of its last second were already read (Stripe stamps events
in whole seconds, and a frozen test clock stamps many with the same second); `ending_before=<event id>`
can.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 17:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("extraction_cursors") as batch:
        batch.add_column(sa.Column("events_last_id", sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("extraction_cursors") as batch:
        batch.drop_column("events_last_id")
