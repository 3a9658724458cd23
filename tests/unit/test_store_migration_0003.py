"""Migration 0003: statement payments stored before it get their invoice list and are validated again."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa

from stripe_netsuite.store import downgrade, get_engine, migrate

ROW = {"account": "", "created": "2026-11-01 00:00:00", "livemode": False, "content_hash": "h",
       "first_seen_at": "2026-11-01 00:00:00", "changed_at": "2026-11-01 00:00:00"}  # fmt: skip


@pytest.fixture
def url(state_db_url: str) -> str:
    return state_db_url  # SQLite and PostgreSQL (tests/conftest.py)


def insert(
    url: str, table: str, object_id: str, metadata: dict[str, str], status: str, **columns: Any
) -> None:
    raw = {"id": object_id, "metadata": metadata}
    values = {**ROW, "id": object_id, "raw": json.dumps(raw), "validation_status": status, **columns}
    names = ", ".join(values)
    with get_engine(url).begin() as connection:
        connection.execute(sa.text(f"INSERT INTO {table} ({names}) VALUES (:{', :'.join(values)})"), values)


def rows(url: str, table: str, *columns: str) -> dict[str, tuple[Any, ...]]:
    with get_engine(url).connect() as connection:
        found = connection.execute(sa.text(f"SELECT id, {', '.join(columns)} FROM {table}")).all()
    return {row[0]: tuple(json.loads(v) if isinstance(v, str) and v[:1] == "[" else v for v in row[1:])
            for row in found}  # fmt: skip


def test_upgrade_fills_the_invoice_list_and_revalidates_quarantined_payments(url: str) -> None:
    migrate(url, "0002")
    intents = "stripe_payment_intents"
    pi = {"amount": 100, "currency": "usd"}
    insert(url, intents, "pi_statement", {"netsuite_invoice_id": "1026,1027"}, "quarantined",
           netsuite_invoice_id="1026,1027", **pi)  # fmt: skip
    insert(
        url, intents, "pi_single", {"netsuite_invoice_id": "1001"}, "ready", netsuite_invoice_id="1001", **pi
    )
    insert(url, intents, "pi_none", {}, "ready", **pi)
    insert(url, "stripe_charges", "ch_garbage", {"netsuite_invoice_id": "INV-9"}, "quarantined", amount=100,
           currency="usd", netsuite_invoice_id="INV-9")  # fmt: skip
    insert(url, "stripe_checkout_sessions", "cs_list", {"netsuite_invoice_count": "2",
           "netsuite_invoice_ids": "1026,1027"}, "ready")  # fmt: skip

    migrate(url)

    assert rows(url, intents, "netsuite_invoice_ids", "validation_status") == {
        "pi_statement": (["1026", "1027"], "pending"),  # quarantined by the old rule: judged again
        "pi_single": (["1001"], "ready"),
        "pi_none": (None, "ready"),
    }
    assert rows(url, "stripe_charges", "netsuite_invoice_ids", "validation_status") == {
        "ch_garbage": (None, "pending")  # the new rule will quarantine it again, with its reason
    }
    assert rows(url, "stripe_checkout_sessions", "netsuite_invoice_ids") == {"cs_list": (["1026", "1027"],)}

    downgrade(url, "0002")
    assert rows(url, intents, "netsuite_invoice_id") == {
        "pi_statement": (None,), "pi_single": ("1001",), "pi_none": (None,)
    }  # fmt: skip
