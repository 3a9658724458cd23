"""Every state DB model, imported in one place so the metadata (Alembic's target) is complete."""

from __future__ import annotations

from stripe_netsuite.store.base import Base
from stripe_netsuite.store.handled_payouts import HandledPayout
from stripe_netsuite.store.load_requests import LoadRequest
from stripe_netsuite.store.payments import Consent, PaymentAttempt, StripeCustomerLink, WebhookEvent
from stripe_netsuite.store.pipeline import (
    ExtractionCursor,
    QuarantineEntry,
    RunReport,
    SyncRecord,
    ValidationRun,
)
from stripe_netsuite.store.stripe_objects import (
    STRIPE_MODELS,
    BalanceTransaction,
    Charge,
    CheckoutSession,
    Customer,
    Dispute,
    PaymentIntent,
    Payout,
    Refund,
    StripeObject,
    model_for,
)

metadata = Base.metadata

__all__ = [
    "STRIPE_MODELS",
    "BalanceTransaction",
    "Base",
    "Charge",
    "CheckoutSession",
    "Consent",
    "Customer",
    "Dispute",
    "ExtractionCursor",
    "HandledPayout",
    "LoadRequest",
    "PaymentAttempt",
    "PaymentIntent",
    "Payout",
    "QuarantineEntry",
    "Refund",
    "RunReport",
    "StripeCustomerLink",
    "StripeObject",
    "SyncRecord",
    "ValidationRun",
    "WebhookEvent",
    "metadata",
    "model_for",
]
