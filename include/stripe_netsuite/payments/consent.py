"""The agreement a customer accepts to save a payment method, and its record.

The text is versioned in code: changing a word means a new TERMS_VERSION, so every Consent row names the
exact wording that was on screen (it also stores the text itself). It covers what card networks and Stripe
ask for off-session charges: who initiates, timing and frequency, how the amount is set, and cancellation.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from stripe_netsuite.store.payments import Consent, PaymentAttempt

__all__ = ["TERMS_VERSION", "attach_payment_method", "consent_text", "record_consent"]

TERMS_VERSION = "2026-11-save-method-v2"

_TERMS = (
    "I authorise {business} to save this payment method and to charge it for invoices that {business} "
    "issues to {customer}, without asking me again each time. {business} initiates each payment. Payments "
    "are taken on or after the due date of each invoice, at most once per invoice. The amount of each "
    "payment is the amount due on that invoice, in the invoice's currency. I can withdraw this "
    "authorisation at any time by contacting {business}; payments already initiated before then are not "
    "affected."
)


def consent_text(business: str, customer: str) -> str:
    """The agreement exactly as the page shows it."""
    return _TERMS.format(business=business, customer=customer)


def record_consent(
    session: Session,
    attempt: PaymentAttempt,
    *,
    text_shown: str,
    accepted_at: datetime,
    ip: str | None,
    user_agent: str | None,
) -> Consent:
    """Store the customer's agreement for an attempt that saves its payment method."""
    consent = Consent(
        payment_attempt_id=attempt.id,
        netsuite_customer_id=attempt.netsuite_customer_id,
        stripe_customer_id=attempt.stripe_customer_id,
        terms_version=TERMS_VERSION,
        text_shown=text_shown,
        accepted_at=accepted_at,
        ip=(ip or "")[:45] or None,
        user_agent=(user_agent or "")[:1000] or None,
    )
    session.add(consent)
    return consent


def attach_payment_method(session: Session, attempt_id: str, payment_method_id: str) -> None:
    """Fill in the payment method once Stripe reports it (the webhook of the successful payment)."""
    for consent in session.scalars(select(Consent).where(Consent.payment_attempt_id == attempt_id)):
        consent.payment_method_id = payment_method_id
