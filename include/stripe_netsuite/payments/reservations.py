"""Payments in flight and the per-customer lock that makes check-and-reserve atomic.

Two tabs paying the same balance at once must not together exceed it: the limit is re-checked and the
attempt inserted inside one transaction that holds a per-customer lock in the state DB (SQLite: BEGIN
IMMEDIATE, i.e. the database's single write lock; PostgreSQL: a transaction-scoped advisory lock on the
customer, which needs no row to exist yet). The reservation is the PaymentAttempt row itself.

A new payment from a page first closes (expires at Stripe) that page's unpaid Checkout Session, under the
same lock, and takes its place: a reservation is never a way to block the payer.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, or_, select, text, update
from sqlalchemy.orm import Session

from stripe_netsuite.payments.amounts import AmountError, FlightState, InFlight
from stripe_netsuite.payments.checkout import SESSION_LIFETIME
from stripe_netsuite.store.attempt_status import RESERVED, AttemptStatus, move
from stripe_netsuite.store.engine import session_scope
from stripe_netsuite.store.payments import PaymentAttempt

__all__ = [
    "PAID_WATCH_WINDOW",
    "REPLACED_MESSAGE",
    "RESERVATION_TTL",
    "customer_lock",
    "in_flight",
    "link_of",
    "mark_recorded",
    "others",
    "payment_ids_to_confirm",
    "record_session",
    "reserve_attempt",
]

# The reservation outlasts its Checkout Session a little, so a payment finished in the session's last second
# is still counted until its webhook arrives.
RESERVATION_TTL = SESSION_LIFETIME + timedelta(minutes=2)
# A paid attempt counts against the balance until NetSuite shows its payment; after this long a missing
# payment is an operations problem (see the run reports), not something to block the customer with.
PAID_WATCH_WINDOW = timedelta(days=30)
REPLACED_MESSAGE = "Replaced by a newer payment started from the same page."


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


def link_of(link_kind: str, customer_id: str, invoice_ids: Sequence[str]) -> str:
    """The page a payment is started from: a customer's page, or one invoice's page."""
    if link_kind == "invoice" and invoice_ids:
        return f"invoice:{invoice_ids[0]}"
    return f"customer:{customer_id}"


def others(flights: Sequence[InFlight], link: str) -> list[InFlight]:
    """The in-flight payments a new payment from `link` leaves in place (it replaces that page's own).

    Anyone holding a link could otherwise reserve its whole balance and block the payer for the session's
    life; so a new payment from a page closes that page's unpaid Checkout Session and takes its place.
    """
    return [f for f in flights if not (f.state == FlightState.RESERVED and f.link == link)]


def _unrecorded_paid(customer_id: str, now: datetime) -> Any:
    return (
        (PaymentAttempt.netsuite_customer_id == customer_id)
        & (PaymentAttempt.status == AttemptStatus.PAID)
        & PaymentAttempt.netsuite_recorded_at.is_(None)
        & (PaymentAttempt.updated_at > now - PAID_WATCH_WINDOW)
    )


def payment_ids_to_confirm(session: Session, customer_id: str, now: datetime) -> list[str]:
    """Stripe ids (PaymentIntent and charge) of paid attempts NetSuite was not yet seen to show."""
    rows = session.execute(
        select(PaymentAttempt.payment_intent_id, PaymentAttempt.charge_id).where(
            _unrecorded_paid(customer_id, now), PaymentAttempt.payment_intent_id.is_not(None)
        )
    )
    return sorted({found for row in rows for found in row if found})


def mark_recorded(engine: Engine, customer_id: str, recorded_ids: frozenset[str], now: datetime) -> None:
    """Remember which paid attempts NetSuite shows, so no page looks them up (or counts them) again."""
    if not recorded_ids:
        return
    ids = sorted(recorded_ids)
    with session_scope(engine) as session:
        session.execute(
            update(PaymentAttempt)
            .where(
                _unrecorded_paid(customer_id, now),
                or_(PaymentAttempt.payment_intent_id.in_(ids), PaymentAttempt.charge_id.in_(ids)),
            )
            .values(netsuite_recorded_at=now)
        )


def in_flight(
    session: Session, customer_id: str, currency: str, recorded_ids: frozenset[str], now: datetime
) -> list[InFlight]:
    """Payments of this customer in this currency that NetSuite's balance does not include yet.

    Reserved (created/open, session not expired) and processing attempts always count; paid ones count
    until NetSuite shows a customer payment whose external id is their PaymentIntent or charge id. One
    query on indexed columns, whatever the customer's history: no stored event is read.
    """
    rows = session.execute(
        select(
            PaymentAttempt.link_kind,
            PaymentAttempt.netsuite_invoice_ids,
            PaymentAttempt.amount_minor,
            PaymentAttempt.status,
            PaymentAttempt.payment_intent_id,
            PaymentAttempt.charge_id,
            PaymentAttempt.paid_amount_minor,
            PaymentAttempt.paid_at,
            PaymentAttempt.updated_at,
        ).where(
            PaymentAttempt.netsuite_customer_id == customer_id,
            PaymentAttempt.currency == currency,
            or_(
                PaymentAttempt.status == AttemptStatus.PROCESSING,
                PaymentAttempt.status.in_(RESERVED)
                & (PaymentAttempt.expires_at.is_(None) | (PaymentAttempt.expires_at > now)),
                _unrecorded_paid(customer_id, now),
            ),
        )
    )
    flights: list[InFlight] = []
    for kind, invoices, amount, status, intent, charge, paid_amount, paid_at, updated in rows:
        invoice_ids = tuple(invoices or ())
        if status == AttemptStatus.PAID:
            if {intent, charge} & recorded_ids:
                continue
            state, amount, received = FlightState.RECEIVED, paid_amount or amount, paid_at or updated
        else:
            processing = status == AttemptStatus.PROCESSING
            state, received = (FlightState.PROCESSING if processing else FlightState.RESERVED), None
        link = link_of(kind, customer_id, invoice_ids)
        flights.append(InFlight(amount, invoice_ids, state, link, received))
    return flights


def _replace_reservations(
    session: Session,
    customer_id: str,
    currency: str,
    link: str,
    close_session: Callable[[str], tuple[str, str | None]],
    now: datetime,
) -> None:
    """Close the unpaid Checkout Sessions started from `link` (same customer and currency).

    `close_session(id)` expires the session at Stripe and returns its status afterwards with its
    PaymentIntent: "expired", or "complete" when the customer paid first (then it is money on its way).
    A reservation whose session is still being created is cancelled here; its request notices (see
    record_session) and closes the session it gets.
    """
    reserved = session.scalars(
        select(PaymentAttempt).where(
            PaymentAttempt.netsuite_customer_id == customer_id,
            PaymentAttempt.currency == currency,
            PaymentAttempt.status.in_(RESERVED),
            PaymentAttempt.expires_at.is_(None) | (PaymentAttempt.expires_at > now),
        )
    )
    for attempt in reserved:
        if link_of(attempt.link_kind, customer_id, attempt.netsuite_invoice_ids or ()) != link:
            continue
        if not attempt.checkout_session_id:
            move(attempt, AttemptStatus.CANCELED, now, REPLACED_MESSAGE)
            continue
        status, intent = close_session(attempt.checkout_session_id)  # Stripe's session status
        if status == "complete":
            # Paid (or being paid) first: the webhook tells the outcome.
            move(attempt, AttemptStatus.PROCESSING, now)
            attempt.payment_intent_id = attempt.payment_intent_id or intent
        elif status == "expired":
            move(attempt, AttemptStatus.EXPIRED, now, REPLACED_MESSAGE)
        # Otherwise still payable: it keeps counting, and the new amount is checked against it.


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
    invoice_ids: Sequence[str] = (),
    close_session: Callable[[str], tuple[str, str | None]] | None = None,
) -> PaymentAttempt:
    """Re-check the amount against in-flight payments and insert the attempt, under the customer's lock.

    With `close_session`, the unpaid reservations of the same page (`link_kind` and the customer, or its
    one invoice in `invoice_ids`) are closed first and the new attempt takes their place.
    `check(in_flight)` returns (amount in minor units, invoice ids) or raises AmountError, which creates
    nothing (sessions already closed stay closed, and the state DB says so).
    """
    refused: AmountError | None = None
    with customer_lock(engine, customer_id) as session:
        if close_session is not None:
            link = link_of(link_kind, customer_id, invoice_ids)
            _replace_reservations(session, customer_id, currency, link, close_session, now)
            session.flush()
        try:
            amount_minor, chosen = check(in_flight(session, customer_id, currency, recorded_ids, now))
        except AmountError as error:
            refused = error
        else:
            attempt = PaymentAttempt(
                id=str(uuid.uuid4()),
                link_kind=link_kind,
                netsuite_customer_id=customer_id,
                netsuite_invoice_ids=list(chosen),
                amount_minor=amount_minor,
                currency=currency,
                stripe_customer_id=stripe_customer_id,
                status=AttemptStatus.CREATED,
                save_payment_method=save_payment_method,
                receipt_email=receipt_email,
                created_at=now,
                updated_at=now,
                expires_at=now + RESERVATION_TTL,
            )
            session.add(attempt)
    if refused is not None:
        raise refused
    return attempt


def record_session(
    engine: Engine, attempt_id: str, customer_id: str, checkout_session_id: str, now: datetime
) -> PaymentAttempt | None:
    """Store the attempt's new Checkout Session, under the customer's lock; None when a newer payment from
    the same page replaced the attempt meanwhile (the caller then closes this session and stops)."""
    with customer_lock(engine, customer_id) as session:
        stored = session.get(PaymentAttempt, attempt_id)
        if stored is None or stored.status == AttemptStatus.CANCELED:
            return None
        stored.checkout_session_id = checkout_session_id
        move(stored, AttemptStatus.OPEN, now)
        stored.updated_at = now
    return stored
