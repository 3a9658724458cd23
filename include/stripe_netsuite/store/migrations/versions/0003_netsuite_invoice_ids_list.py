"""Raw Stripe payments: the NetSuite invoices a payment settles as a JSON list, not one id.

A statement payment settles several invoices, which one String(64) column cannot hold (the page wrote
"1026,1027" and validation quarantined it). `netsuite_invoice_ids` (charges, PaymentIntents, Checkout
Sessions) replaces `netsuite_invoice_id`; it is filled from each row's raw metadata, and rows quarantined
under the old single-id rule go back to 'pending' so the next stripe_sync run validates them again.

The metadata decoding below is a frozen copy of stripe_netsuite.stripe_metadata as of this revision: a
migration must give the same result whatever the application code becomes later.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 07:55:00
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TABLES_WITH_OLD_COLUMN = ("stripe_charges", "stripe_payment_intents")
TABLES = (*TABLES_WITH_OLD_COLUMN, "stripe_checkout_sessions")
_IDS = re.compile(r"^[1-9][0-9]{0,17}(,[1-9][0-9]{0,17})*$")


def _invoice_ids(metadata: Any) -> list[str] | None:
    """The invoice ids the metadata names, or None when it names none or cannot be read."""
    if not isinstance(metadata, Mapping):
        return None
    single = metadata.get("netsuite_invoice_id")
    if isinstance(single, str) and _IDS.match(single):
        return single.split(",")  # one id, or the comma list the page wrote before this revision
    parts = [metadata.get("netsuite_invoice_ids")]
    number = 2
    while f"netsuite_invoice_ids_{number}" in metadata:
        parts.append(metadata[f"netsuite_invoice_ids_{number}"])
        number += 1
    if not all(isinstance(part, str) and _IDS.match(part) for part in parts):
        return None
    return ",".join(str(part) for part in parts).split(",")


def _raw(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def upgrade() -> None:
    for name in TABLES:
        with op.batch_alter_table(name) as batch:
            batch.add_column(sa.Column("netsuite_invoice_ids", JSON, nullable=True))
            if name in TABLES_WITH_OLD_COLUMN:
                batch.drop_column("netsuite_invoice_id")
    for name in TABLES:
        # Judged by the old rule, which refused every statement payment: judge again with the new one.
        op.execute(
            sa.table(name, sa.column("validation_status", sa.String))
            .update()
            .where(sa.column("validation_status") == "quarantined")
            .values(validation_status="pending")
        )
    if context.is_offline_mode():
        return  # rendered SQL (alembic --sql): the backfill decodes JSON in Python, so it needs a connection
    connection = op.get_bind()
    for name in TABLES:
        table = sa.table(
            name,
            sa.column("id", sa.String),
            sa.column("account", sa.String),
            sa.column("raw", JSON),
            sa.column("netsuite_invoice_ids", JSON),
        )
        # Only rows whose JSON mentions an invoice key: the others keep NULL, and most rows are not payments.
        mentions = sa.cast(table.c.raw, sa.Text).like("%netsuite_invoice_id%")
        rows = connection.execute(sa.select(table.c.id, table.c.account, table.c.raw).where(mentions)).all()
        for row in rows:
            ids = _invoice_ids((_raw(row.raw) or {}).get("metadata"))
            if ids is None:
                continue
            connection.execute(
                sa.update(table)
                .where(table.c.id == row.id, table.c.account == row.account)
                .values(netsuite_invoice_ids=ids)
            )


def downgrade() -> None:
    for name in TABLES_WITH_OLD_COLUMN:
        with op.batch_alter_table(name) as batch:
            batch.add_column(sa.Column("netsuite_invoice_id", sa.String(length=64), nullable=True))
        if context.is_offline_mode():
            continue
        connection = op.get_bind()
        table = sa.table(
            name,
            sa.column("id", sa.String),
            sa.column("account", sa.String),
            sa.column("netsuite_invoice_id", sa.String),
            sa.column("netsuite_invoice_ids", JSON),
        )
        rows = connection.execute(sa.select(table.c.id, table.c.account, table.c.netsuite_invoice_ids)).all()
        for row in rows:
            ids = _raw(row.netsuite_invoice_ids)
            if isinstance(ids, list) and len(ids) == 1:  # the old column held one invoice only
                connection.execute(
                    sa.update(table)
                    .where(table.c.id == row.id, table.c.account == row.account)
                    .values(netsuite_invoice_id=str(ids[0]))
                )
    for name in TABLES:
        with op.batch_alter_table(name) as batch:
            batch.drop_column("netsuite_invoice_ids")
