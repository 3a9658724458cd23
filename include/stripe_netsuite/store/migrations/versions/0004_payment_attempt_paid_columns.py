"""Payment pages: a paid attempt's page data in columns instead of stored events; page data shared by workers.

Every page view used to load and decode the `payment_intent.succeeded` event of each paid attempt of the
customer to learn its charge id, so its cost grew with the customer's history. The webhook handler now
writes `paid_amount_minor`, `paid_at` and `charge_id`; `netsuite_recorded_at` marks the attempts a page has
seen in NetSuite, which then stop being looked up at all. Existing paid attempts are filled from their
stored events once, here (the decoding is a frozen copy: a migration must not change with the code).

`page_snapshots` keeps each payment page's NetSuite data as last read by any webapp process, so a process
that starts (or a sibling worker) shows a page at once and refreshes it in the background.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 08:05:00
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("payment_attempts") as batch:
        batch.add_column(sa.Column("paid_amount_minor", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("charge_id", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("netsuite_recorded_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index(batch.f("ix_payment_attempts_charge_id"), ["charge_id"], unique=False)
    op.create_table(
        "page_snapshots",
        sa.Column("key", sa.String(length=96), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_page_snapshots")),
    )
    if not context.is_offline_mode():  # the backfill decodes JSON in Python, so it needs a connection
        _backfill(op.get_bind())


def _id_of(value: Any) -> str | None:
    if isinstance(value, Mapping):
        value = value.get("id")
    return value if isinstance(value, str) else None


def _backfill(connection: sa.Connection) -> None:
    attempts = sa.table(
        "payment_attempts",
        sa.column("id", sa.String),
        sa.column("status", sa.String),
        sa.column("payment_intent_id", sa.String),
        sa.column("paid_amount_minor", sa.BigInteger),
        sa.column("paid_at", sa.DateTime(timezone=True)),
        sa.column("charge_id", sa.String),
    )
    events = sa.table(
        "webhook_events",
        sa.column("type", sa.String),
        sa.column("object_id", sa.String),
        sa.column("created", sa.DateTime(timezone=True)),
        sa.column("payload", JSON),
    )
    paid = connection.execute(
        sa.select(attempts.c.id, attempts.c.payment_intent_id).where(
            attempts.c.status == "paid", attempts.c.payment_intent_id.is_not(None)
        )
    ).all()
    for attempt_id, intent_id in paid:
        row = connection.execute(
            sa.select(events.c.created, events.c.payload)
            .where(events.c.type == "payment_intent.succeeded", events.c.object_id == intent_id)
            .limit(1)
        ).first()
        if row is None:
            continue
        payload = json.loads(row.payload) if isinstance(row.payload, str) else row.payload
        intent = ((payload or {}).get("data") or {}).get("object") or {}
        amount = intent.get("amount_received")
        created = row.created
        if isinstance(created, datetime) and created.tzinfo is None:
            created = created.replace(tzinfo=UTC)
        connection.execute(
            sa.update(attempts)
            .where(attempts.c.id == attempt_id)
            .values(
                charge_id=_id_of(intent.get("latest_charge")),
                paid_amount_minor=amount if isinstance(amount, int) else None,
                paid_at=created,
            )
        )


def downgrade() -> None:
    op.drop_table("page_snapshots")
    with op.batch_alter_table("payment_attempts") as batch:
        batch.drop_index(batch.f("ix_payment_attempts_charge_id"))
        batch.drop_column("netsuite_recorded_at")
        batch.drop_column("charge_id")
        batch.drop_column("paid_at")
        batch.drop_column("paid_amount_minor")
