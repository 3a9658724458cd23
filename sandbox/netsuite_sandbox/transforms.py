"""Transforms: `POST /record/v1/{type}/{id}/!transform/{target}` makes a new record pre-filled from another.

The pairs the connector needs: invoice -> customerPayment (customer, currency, the invoice applied for what
remains), invoice -> creditMemo (customer, currency, the invoice's items, the invoice applied),
customerPayment -> customerRefund and creditMemo -> customerRefund (customer, currency, the credit applied
for what is left of it). The request body is merged over the pre-filled record like a PATCH: keyed lines
(`apply` by doc) update the pre-filled ones, unkeyed lines (`item`) append unless ?replace= names them.
"""

from __future__ import annotations

import copy
import sqlite3
from collections.abc import Callable
from typing import Any

from . import writes
from .errors import invalid_parameter
from .fields import RecordType, lookup_type
from .ledger import Doc
from .parse import NameCheck, parse_body
from .store import StoredRecord


def _applied_to(source: StoredRecord) -> list[Doc]:
    # No amount: the rules apply what is left of the source (within the new record's own total).
    return [{"doc": {"id": str(source.id)}, "apply": True}]


def _invoice_to_payment(source: StoredRecord) -> Doc:
    doc = source.doc
    base: Doc = {"customer": doc["entity"], "currency": doc["currency"], "apply": _applied_to(source)}
    if doc.get("account") is not None:
        base["arAcct"] = doc["account"]
    return base


def _invoice_to_credit_memo(source: StoredRecord) -> Doc:
    doc = source.doc
    items = [
        {name: line[name] for name in ("item", "description", "quantity", "rate", "amount") if name in line}
        for line in doc.get("item") or []
    ]
    return {
        "entity": doc["entity"],
        "currency": doc["currency"],
        "item": copy.deepcopy(items),
        "apply": _applied_to(source),
    }


def _credit_to_refund(source: StoredRecord) -> Doc:
    doc = source.doc
    base: Doc = {
        "customer": doc.get("customer") or doc["entity"],
        "currency": doc["currency"],
        "apply": _applied_to(source),
    }
    if doc.get("paymentOption") is not None:
        base["paymentOption"] = doc["paymentOption"]
    return base


TRANSFORMS: dict[tuple[str, str], Callable[[StoredRecord], Doc]] = {
    ("invoice", "customerPayment"): _invoice_to_payment,
    ("invoice", "creditMemo"): _invoice_to_credit_memo,
    ("customerPayment", "customerRefund"): _credit_to_refund,
    ("creditMemo", "customerRefund"): _credit_to_refund,
}


def transform(
    conn: sqlite3.Connection,
    source_type: RecordType,
    key: str,
    target_name: str,
    body: Any,
    replace: set[str],
    names: NameCheck,
) -> tuple[RecordType, int]:
    """Create the target record from the source; returns its type and internal id."""
    target = lookup_type(target_name)
    builder = TRANSFORMS.get((source_type.name, target.name)) if target else None
    if target is None or builder is None:
        supported = ", ".join(f"{a} -> {b}" for a, b in TRANSFORMS)
        raise invalid_parameter(
            f"Transformation from {source_type.name} to {target_name} is not supported "
            f"(supported: {supported})."
        )
    source = writes.find_or_404(conn, source_type, key)
    patch = parse_body(conn, target, body, names)
    return target, writes.insert(conn, target, patch, builder(source), replace)
