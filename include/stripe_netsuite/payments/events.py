"""Verified Stripe events -> state DB: record each event once, move payment attempts and consents along.

Deliveries repeat and arrive out of order, so every step is idempotent by event id and status changes only
move forward (a late "expired" never undoes "paid"). The Stripe objects an event reports for loading are
recorded in the same transaction (store/load_requests.py) under the target the caller names for the event's
kind: the library names no DAG; the webapp passes its event -> DAG map.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from stripe_netsuite.payments.consent import attach_payment_method
from stripe_netsuite.store.attempt_status import RESERVED, AttemptStatus, move
from stripe_netsuite.store.engine import session_scope
from stripe_netsuite.store.load_requests import request_loads
from stripe_netsuite.store.payments import PaymentAttempt, WebhookEvent
from stripe_netsuite.stripe_ids import expandable_id as _id_of
from stripe_netsuite.stripe_metadata import PAYMENT_ATTEMPT_ID, metadata_of

__all__ = ["HANDLED_EVENT_TYPES", "EventOutcome", "handle_event", "is_handled", "reported_ids"]

log = logging.getLogger(__name__)

HANDLED_EVENT_TYPES = (
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "charge.refunded",
    "charge.refund.updated",
    "charge.dispute.*",
    "payout.paid",
    "payout.failed",
)

# Id prefixes of the objects each kind of event reports for loading (a Checkout Session's PaymentIntent
# stands for the session: the loader fetches the charge from it).
_REPORTED_PREFIXES = {
    "payment_intent.": ("pi_",),
    "charge.refunded": ("ch_", "py_"),
    # A refund that failed after it was loaded (its money back in the balance): the ledger books it now,
    # not with the next stripe_sync.
    "charge.refund.updated": ("re_", "pyr_"),
    "charge.dispute.": ("dp_", "du_"),
    "payout.": ("po_",),
}

Target = Callable[[str], str | None]


@dataclass(frozen=True)
class EventOutcome:
    """What handling an event did: `duplicate` when it was seen before; else the target (named by the
    caller) and the Stripe ids recorded for it, if any."""

    duplicate: bool
    target: str | None = None
    stripe_ids: tuple[str, ...] = ()


def is_handled(event_type: str) -> bool:
    return any(
        event_type == kind or (kind.endswith(".*") and event_type.startswith(kind[:-1]))
        for kind in HANDLED_EVENT_TYPES
    )


def reported_ids(event: Mapping[str, Any]) -> list[str]:
    """The Stripe objects this event asks to load (none for an expired session or an unhandled kind)."""
    kind = str(event.get("type"))
    obj: Mapping[str, Any] = (event.get("data") or {}).get("object") or {}
    if not is_handled(kind) or kind == "checkout.session.expired":
        return []
    prefixes: tuple[str, ...]
    if kind.startswith("checkout.session."):
        found, prefixes = _id_of(obj.get("payment_intent")), ("pi_",)
    else:
        found = _id_of(obj.get("id"))
        prefixes = next((p for k, p in _REPORTED_PREFIXES.items() if kind.startswith(k)), ())
    # Only the shape a Stripe id has: the id travels on to a DAG run's conf.
    if found and found.startswith(prefixes) and found.replace("_", "").isalnum() and len(found) <= 255:
        return [found]
    return []


def _find_attempt(session: Session, obj: Mapping[str, Any]) -> PaymentAttempt | None:
    attempt_id = metadata_of(obj).get(PAYMENT_ATTEMPT_ID) or obj.get("client_reference_id")
    if attempt_id:
        found = session.get(PaymentAttempt, attempt_id)
        if found is not None:
            return found
    column = (
        PaymentAttempt.checkout_session_id
        if obj.get("object") == "checkout.session"
        else (PaymentAttempt.payment_intent_id)
    )
    return session.scalar(select(PaymentAttempt).where(column == obj.get("id"))) if obj.get("id") else None


def _apply_session_event(attempt: PaymentAttempt, kind: str, obj: Mapping[str, Any], now: datetime) -> None:
    intent_id = _id_of(obj.get("payment_intent"))
    if intent_id and not attempt.payment_intent_id:
        attempt.payment_intent_id = intent_id
    if kind == "checkout.session.completed":
        paid = obj.get("payment_status") == "paid"  # Stripe's word for the session, not ours
        move(attempt, AttemptStatus.PAID if paid else AttemptStatus.PROCESSING, now)
    elif kind == "checkout.session.async_payment_succeeded":
        move(attempt, AttemptStatus.PAID, now)
    elif kind == "checkout.session.async_payment_failed":
        move(attempt, AttemptStatus.FAILED, now, "The bank payment failed.")
    elif kind == "checkout.session.expired":
        move(attempt, AttemptStatus.EXPIRED, now)


def _apply_intent_event(
    session: Session, attempt: PaymentAttempt, kind: str, obj: Mapping[str, Any], now: datetime
) -> None:
    if not attempt.payment_intent_id and obj.get("id"):
        attempt.payment_intent_id = str(obj["id"])
    if kind == "payment_intent.succeeded":
        move(attempt, AttemptStatus.PAID, now)
        method = _id_of(obj.get("payment_method"))
        if method and attempt.save_payment_method:
            attach_payment_method(session, attempt.id, method)
    elif kind == "payment_intent.payment_failed":
        message = ((obj.get("last_payment_error") or {}).get("message")) or "The payment failed."
        if attempt.status == AttemptStatus.PROCESSING:
            move(attempt, AttemptStatus.FAILED, now, message)
        elif attempt.status in RESERVED:
            # Checkout keeps the session open after a decline so the customer can try another card.
            attempt.failure_message = str(message)[:2000]
            attempt.updated_at = now


def _note_payment(attempt: PaymentAttempt, kind: str, obj: Mapping[str, Any], paid_at: datetime) -> None:
    """Keep on a paid attempt what the pages show and look up in NetSuite (they never decode events)."""
    if attempt.status != AttemptStatus.PAID:
        return
    if kind == "payment_intent.succeeded":
        attempt.charge_id = _id_of(obj.get("latest_charge")) or attempt.charge_id
        received = obj.get("amount_received")
        if isinstance(received, int) and not isinstance(received, bool):
            attempt.paid_amount_minor = received  # the PaymentIntent's figure wins over the session's
    elif attempt.paid_amount_minor is None:
        total = obj.get("amount_total")
        if isinstance(total, int) and not isinstance(total, bool):
            attempt.paid_amount_minor = total
    if attempt.paid_at is None:
        attempt.paid_at = paid_at


def _apply(session: Session, event: Mapping[str, Any], now: datetime) -> None:
    kind = str(event.get("type"))
    obj: Mapping[str, Any] = (event.get("data") or {}).get("object") or {}
    created = event.get("created")
    # When Stripe recorded it, not when the (possibly retried) delivery reached us.
    at = datetime.fromtimestamp(created, UTC) if isinstance(created, int) else now
    if kind.startswith("checkout.session."):
        attempt = _find_attempt(session, obj)
        if attempt is not None:
            _apply_session_event(attempt, kind, obj, now)
            _note_payment(attempt, kind, obj, at)
    elif kind.startswith("payment_intent."):
        attempt = _find_attempt(session, obj)
        if attempt is not None:
            _apply_intent_event(session, attempt, kind, obj, now)
            _note_payment(attempt, kind, obj, at)
    # charge.refunded, charge.refund.updated, charge.dispute.*, payout.*: recorded for the DAGs, which
    # re-fetch the objects.


def handle_event(
    engine: Engine, event: Mapping[str, Any], now: datetime, target_for: Target | None = None
) -> EventOutcome:
    """Record a verified event once and apply it; a repeat delivery changes nothing.

    `target_for(event type)` names what loads the event's objects (None: nothing); they are recorded as
    load requests for it in the same transaction, so a crash never keeps an event without its request.
    """
    target = target_for(str(event.get("type"))) if target_for else None
    ids = reported_ids(event) if target else []
    event_id = str(event["id"])
    kind = str(event.get("type"))
    obj: Mapping[str, Any] = (event.get("data") or {}).get("object") or {}
    try:
        with session_scope(engine) as session:
            row = session.get(WebhookEvent, event_id)
            if row is not None and row.processed_at is not None:
                return EventOutcome(duplicate=True)
            if row is None:
                row = WebhookEvent(
                    event_id=event_id,
                    type=kind,
                    account=str(event.get("account") or ""),
                    created=datetime.fromtimestamp(int(event.get("created") or now.timestamp()), UTC),
                    received_at=now,
                    object_id=_id_of(obj.get("id")),
                    payload=dict(event),
                )
                session.add(row)
                session.flush()
            _apply(session, event, now)
            if target and ids:
                request_loads(session, target, ids, event_id, now)
            row.processed_at = now
    except IntegrityError:
        # The same event delivered twice at the same moment: the other delivery recorded it.
        return EventOutcome(duplicate=True)
    log.info("stripe event %s (%s) recorded", event_id, kind)
    return EventOutcome(duplicate=False, target=target if ids else None, stripe_ids=tuple(ids))
