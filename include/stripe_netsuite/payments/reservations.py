"""Payments in flight and the per-customer lock that makes check-and-reserve atomic.

Two tabs paying the same balance at once must not together exceed it: the limit is re-checked and the
attempt inserted inside one transaction that holds a per-customer lock in the state DB (SQLite: BEGIN
IMMEDIATE, i.e. the database's single write lock; PostgreSQL: a transaction-scoped advisory lock on the
customer, which needs no row to exist yet). The reservation is the PaymentAttempt row itself.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, or_, select, text
from sqlalchemy.orm import Session

from stripe_netsuite.payments.amounts import InFlight
from stripe_netsuite.store.payments import PaymentAttempt, WebhookEvent

__all__ = [
    "PAID_WATCH_WINDOW",
    "RESERVATION_TTL",
    "customer_lock",
    "in_flight",
    "payment_ids_to_confirm",
    "reserve_attempt",
]

# Checkout Sessions are created to expire after 31 minutes; the reservation lasts a little longer so a
# payment finished in the last second is still counted until its webhook arrives.
RESERVATION_TTL = timedelta(minutes=33)
# A paid attempt counts against the balance until NetSuite shows its payment; after this long a missing
# payment is an operations problem (see the run reports), not something to block the customer with.
PAID_WATCH_WINDOW = timedelta(days=30)


def _lock_key(customer_id: str) -> int:
    digest = hashlib.sha256(f"payment-page:{customer_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def customer_lock(engine: Engine, customer_id: str) -> Iterator[Session]:
    """A session whose transaction holds the customer's payment lock; commits when the block succeeds."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key(customer_id)})
        with Session(bind=connection, expire_on_commit=False) as session:
            yield session
            session.flush()
        connection.commit()


def _charges_of(session: Session, payment_intent_ids: Sequence[str]) -> dict[str, set[str]]:
    # The charge id reaches us only inside webhook payloads (PaymentAttempt has no column for it).
    found: dict[str, set[str]] = {}
    if not payment_intent_ids:
        return found
    rows = session.execute(
        select(WebhookEvent.object_id, WebhookEvent.payload).where(
            WebhookEvent.object_id.in_(payment_intent_ids), WebhookEvent.type == "payment_intent.succeeded"
        )
    )
    for intent_id, payload in rows:
        charge: Any = ((payload or {}).get("data") or {}).get("object", {}).get("latest_charge")
        charge_id = charge.get("id") if isinstance(charge, dict) else charge
        if isinstance(intent_id, str) and isinstance(charge_id, str):
            found.setdefault(intent_id, set()).add(charge_id)
    return found


def payment_ids_to_confirm(session: Session, customer_id: str, now: datetime) -> list[str]:
    """Stripe ids (PaymentIntent and charge) of recent paid attempts, to look up in NetSuite."""
    intents = list(
        session.scalars(
            select(PaymentAttempt.payment_intent_id).where(
                PaymentAttempt.netsuite_customer_id == customer_id,
                PaymentAttempt.status == "paid",
                PaymentAttempt.payment_intent_id.is_not(None),
                PaymentAttempt.updated_at > now - PAID_WATCH_WINDOW,
            )
        )
    )
    charges = _charges_of(session, [i for i in intents if i])
    return sorted({*(i for i in intents if i), *(c for ids in charges.values() for c in ids)})


def in_flight(
    session: Session, customer_id: str, currency: str, recorded_ids: frozenset[str], now: datetime
) -> list[InFlight]:
    """Payments of this customer in this currency that NetSuite's balance does not include yet.

    Reserved (created/open, session not expired) and processing attempts always count; paid ones count
    until NetSuite shows a customer payment whose external id is their PaymentIntent or charge id.
    """
    attempts = list(
        session.scalars(
            select(PaymentAttempt).where(
                PaymentAttempt.netsuite_customer_id == customer_id,
                PaymentAttempt.currency == currency,
                or_(
                    PaymentAttempt.status == "processing",
                    PaymentAttempt.status.in_(("created", "open"))
                    & (PaymentAttempt.expires_at.is_(None) | (PaymentAttempt.expires_at > now)),
                    (PaymentAttempt.status == "paid") & (PaymentAttempt.updated_at > now - PAID_WATCH_WINDOW),
                ),
            )
        )
    )
    charges = _charges_of(session, [a.payment_intent_id for a in attempts if a.payment_intent_id])
    flights: list[InFlight] = []
    for attempt in attempts:
        if attempt.status == "paid" and attempt.payment_intent_id:
            ids = {attempt.payment_intent_id, *charges.get(attempt.payment_intent_id, set())}
            if ids & recorded_ids:
                continue
        flights.append(InFlight(attempt.amount_minor, tuple(attempt.netsuite_invoice_ids or ())))
    return flights


def reserve_attempt(
    engine: Engine,
    *,
    customer_id: str,
    currency: str,
    link_kind: str,
    recorded_ids: frozenset[str],
    check: Callable[[list[InFlight]], tuple[int, tuple[str, ...]]],
    now: datetime,
    save_payment_method: bool = False,
    receipt_email: str | None = None,
    stripe_customer_id: str | None = None,
) -> PaymentAttempt:
    """Re-check the amount against in-flight payments and insert the attempt, under the customer's lock.

    `check(in_flight)` returns (amount in minor units, invoice ids) or raises AmountError, which leaves
    nothing behind.
    """
    with customer_lock(engine, customer_id) as session:
        amount_minor, invoice_ids = check(in_flight(session, customer_id, currency, recorded_ids, now))
        attempt = PaymentAttempt(
            id=str(uuid.uuid4()),
            link_kind=link_kind,
            netsuite_customer_id=customer_id,
            netsuite_invoice_ids=list(invoice_ids),
            amount_minor=amount_minor,
            currency=currency,
            stripe_customer_id=stripe_customer_id,
            status="created",
            save_payment_method=save_payment_method,
            receipt_email=receipt_email,
            created_at=now,
            updated_at=now,
            expires_at=now + RESERVATION_TTL,
        )
        session.add(attempt)
    return attempt
