"""Stripe side of a payment: the customer's Stripe Customer, the Checkout Session, and cancelling it."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import stripe
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from stripe_netsuite.store.engine import session_scope
from stripe_netsuite.store.payments import PaymentAttempt, StripeCustomerLink
from stripe_netsuite.stripe_metadata import PaymentMetadata, customer_metadata

__all__ = [
    "SESSION_LIFETIME",
    "CheckoutOptions",
    "close_checkout_session",
    "create_checkout_session",
    "ensure_stripe_customer",
    "expire_checkout_session",
]

# Short sessions keep reservations short: an abandoned tab frees the balance after well under an hour.
# Stripe wants expires_at at least 30 minutes ahead *by its clock*; the 10 minutes over that absorb a
# Stripe clock ahead of ours (with 1 minute spare, a demo whose sandbox clock ran 1 minute ahead refused
# every payment).
SESSION_LIFETIME = timedelta(minutes=40)


@dataclass(frozen=True)
class CheckoutOptions:
    """Everything about a Checkout Session that is not in the PaymentAttempt."""

    product_name: str
    description: str
    success_url: str
    cancel_url: str
    statement_descriptor_suffix: str | None = None
    receipt_email: str | None = None
    locale: str | None = None


def ensure_stripe_customer(
    client: stripe.StripeClient, engine: Engine, customer_id: str, name: str, email: str | None
) -> str:
    """The Stripe Customer linked to a NetSuite customer, created (and linked) on first use."""
    with session_scope(engine) as session:
        found = session.scalar(
            select(StripeCustomerLink.stripe_customer_id).where(
                StripeCustomerLink.netsuite_customer_id == customer_id, StripeCustomerLink.account == ""
            )
        )
    if found:
        return found
    # Plain dicts: stripe-python's TypedDict params add nothing here but casts.
    params: Any = {"name": name, "metadata": customer_metadata(customer_id)}
    if email:
        params["email"] = email
    # One key per NetSuite customer: two first payments at once get the same Stripe Customer back.
    created = client.v1.customers.create(
        params,
        {"idempotency_key": f"netsuite-customer-{customer_id}"},
    )
    try:
        with session_scope(engine) as session:
            session.add(StripeCustomerLink(netsuite_customer_id=customer_id, stripe_customer_id=created.id))
    except IntegrityError:
        with session_scope(engine) as session:
            linked = session.scalar(
                select(StripeCustomerLink.stripe_customer_id).where(
                    StripeCustomerLink.netsuite_customer_id == customer_id, StripeCustomerLink.account == ""
                )
            )
        return linked or created.id
    return created.id


def create_checkout_session(
    client: stripe.StripeClient, attempt: PaymentAttempt, options: CheckoutOptions, now: datetime
) -> Any:
    """A hosted Checkout Session for exactly the attempt's amount and currency (idempotent per attempt)."""
    metadata = PaymentMetadata(
        attempt.netsuite_customer_id, tuple(attempt.netsuite_invoice_ids or ()), attempt.id
    ).encode()
    intent_data: dict[str, Any] = {"metadata": metadata, "description": options.description}
    if options.statement_descriptor_suffix:
        intent_data["statement_descriptor_suffix"] = options.statement_descriptor_suffix
    if options.receipt_email:
        intent_data["receipt_email"] = options.receipt_email
    if attempt.save_payment_method:
        intent_data["setup_future_usage"] = "off_session"
    params: Any = {
        "mode": "payment",
        "customer": attempt.stripe_customer_id,
        "client_reference_id": attempt.id,
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": attempt.currency.lower(),
                    "unit_amount": attempt.amount_minor,
                    "product_data": {"name": options.product_name},
                },
            }
        ],
        "payment_intent_data": intent_data,
        "metadata": metadata,
        "success_url": options.success_url,
        "cancel_url": options.cancel_url,
        "expires_at": int((now + SESSION_LIFETIME).timestamp()),
    }
    if options.locale:
        params["locale"] = options.locale
    return client.v1.checkout.sessions.create(params, {"idempotency_key": f"payment-attempt-{attempt.id}"})


def expire_checkout_session(client: stripe.StripeClient, session_id: str) -> None:
    """Close an open session so it can no longer be paid; a session already closed is left as it is."""
    # Already complete or expired: Stripe refuses to expire it again, and the webhook tells the outcome.
    with contextlib.suppress(stripe.InvalidRequestError):
        client.v1.checkout.sessions.expire(session_id)


def close_checkout_session(client: stripe.StripeClient, session_id: str) -> tuple[str, str | None]:
    """Expire a session if it is still open; its status afterwards and its PaymentIntent id.

    "expired": it can no longer be paid. "complete": the customer paid first (or a bank debit is on its
    way), so the money counts. Stripe expires only open sessions and refuses the others, whose status a
    retrieve then tells. Other Stripe errors (unreachable, 5xx) are raised: nothing may be assumed.
    """
    try:
        session = client.v1.checkout.sessions.expire(session_id)
    except stripe.InvalidRequestError:
        session = client.v1.checkout.sessions.retrieve(session_id)
    intent = session.payment_intent
    return str(session.status), intent if isinstance(intent, str) or intent is None else intent.id


def session_expiry(session: Any) -> datetime | None:
    """The session's expires_at as an aware datetime."""
    expires = getattr(session, "expires_at", None)
    return datetime.fromtimestamp(int(expires), UTC) if expires else None
