"""Raw Stripe objects, one table per type: typed columns the loaders query plus the full JSON.

A typed column is filled from the Stripe object by `stripe_columns.columns_from_stripe`: by default from the
field of the same name, or from the dotted path in the column's `info["stripe"]` (metadata keys), or by the
function in `info["from_stripe"]` (values decoded by the metadata contract, stripe_netsuite.stripe_metadata),
or not at all when `info["stripe"]` is None (facts the extractor knows but the object does not carry, like a
balance transaction's payout).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Numeric, String, false
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from stripe_netsuite import stripe_metadata as meta
from stripe_netsuite.store.base import Base, JSONType, UTCDateTime

VALIDATION_STATUSES = ("pending", "ready", "quarantined")
COMMON_COLUMNS = frozenset(
    {
        "id",
        "account",
        "created",
        "livemode",
        "raw",
        "content_hash",
        "first_seen_at",
        "changed_at",
        "validation_status",
        "validated_at",
    }
)


def _id(**kwargs: Any) -> Any:
    # Stripe ids are at most 255 characters.
    return mapped_column(String(255), **kwargs)


def _meta(key: str, **kwargs: Any) -> Any:
    """A column read from the object's metadata (how NetSuite ids travel on Stripe objects)."""
    return mapped_column(String(64), info={"stripe": f"metadata.{key}"}, **kwargs)  # ids: 64 is ample


def _invoice_ids() -> Any:
    """The NetSuite invoices a payment settles (a JSON list, in order); NULL for none or bad metadata."""
    return mapped_column(JSONType, info={"stripe": None, "from_stripe": meta.invoice_ids_or_none})


def _currency() -> Any:
    return mapped_column(String(3))  # lower-case ISO code, as Stripe sends it


class StripeObject(Base):
    """Columns every raw Stripe object table has; `account` is the connected account id or '' (platform)."""

    __abstract__ = True
    stripe_object: ClassVar[str]  # the Stripe `object` value stored in the table

    # sort_order < 0: the shared columns come first in every table, before the type's own columns.
    id: Mapped[str] = _id(primary_key=True, sort_order=-10)
    account: Mapped[str] = mapped_column(String(255), primary_key=True, server_default="", sort_order=-10)
    created: Mapped[datetime] = mapped_column(UTCDateTime(), index=True, sort_order=-10)
    livemode: Mapped[bool] = mapped_column(Boolean, server_default=false(), sort_order=-10)
    raw: Mapped[dict[str, Any]] = mapped_column(JSONType, sort_order=10)
    content_hash: Mapped[str] = mapped_column(String(64), sort_order=10)  # sha256 of the canonical JSON
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), sort_order=10)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), sort_order=10)
    validation_status: Mapped[str] = mapped_column(
        String(16), server_default="pending", index=True, sort_order=10
    )
    validated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), sort_order=10)

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        allowed = ", ".join(f"'{status}'" for status in VALIDATION_STATUSES)
        return (CheckConstraint(f"validation_status IN ({allowed})", name="validation_status"),)


class Charge(StripeObject):
    __tablename__ = "stripe_charges"
    stripe_object = "charge"

    amount: Mapped[int] = mapped_column(BigInteger)
    amount_captured: Mapped[int | None] = mapped_column(BigInteger)
    amount_refunded: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = _currency()
    status: Mapped[str | None] = mapped_column(String(32), index=True)
    paid: Mapped[bool | None] = mapped_column(Boolean)
    captured: Mapped[bool | None] = mapped_column(Boolean)
    refunded: Mapped[bool | None] = mapped_column(Boolean)
    disputed: Mapped[bool | None] = mapped_column(Boolean)
    customer: Mapped[str | None] = _id(index=True)
    payment_intent: Mapped[str | None] = _id(index=True)
    balance_transaction: Mapped[str | None] = _id(index=True)
    payment_method: Mapped[str | None] = _id()
    failure_code: Mapped[str | None] = mapped_column(String(64))
    failure_message: Mapped[str | None] = mapped_column(String(1024))
    receipt_email: Mapped[str | None] = mapped_column(String(320))
    netsuite_customer_id: Mapped[str | None] = _meta(meta.NETSUITE_CUSTOMER_ID, index=True)
    netsuite_invoice_ids: Mapped[list[str] | None] = _invoice_ids()


class Refund(StripeObject):
    __tablename__ = "stripe_refunds"
    stripe_object = "refund"

    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = _currency()
    status: Mapped[str | None] = mapped_column(String(32), index=True)
    reason: Mapped[str | None] = mapped_column(String(64))
    failure_reason: Mapped[str | None] = mapped_column(String(64))
    charge: Mapped[str | None] = _id(index=True)
    payment_intent: Mapped[str | None] = _id(index=True)
    balance_transaction: Mapped[str | None] = _id(index=True)
    failure_balance_transaction: Mapped[str | None] = _id()
    netsuite_credit_memo_id: Mapped[str | None] = _meta(meta.NETSUITE_CREDIT_MEMO_ID)


class Dispute(StripeObject):
    __tablename__ = "stripe_disputes"
    stripe_object = "dispute"

    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = _currency()
    status: Mapped[str | None] = mapped_column(String(32), index=True)
    reason: Mapped[str | None] = mapped_column(String(64))
    charge: Mapped[str | None] = _id(index=True)
    payment_intent: Mapped[str | None] = _id(index=True)
    is_charge_refundable: Mapped[bool | None] = mapped_column(Boolean)


class Payout(StripeObject):
    __tablename__ = "stripe_payouts"
    stripe_object = "payout"

    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = _currency()
    status: Mapped[str | None] = mapped_column(String(32), index=True)
    arrival_date: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    automatic: Mapped[bool | None] = mapped_column(Boolean)
    method: Mapped[str | None] = mapped_column(String(32))
    type: Mapped[str | None] = mapped_column(String(32))
    destination: Mapped[str | None] = _id()
    balance_transaction: Mapped[str | None] = _id()
    failure_balance_transaction: Mapped[str | None] = _id()
    failure_code: Mapped[str | None] = mapped_column(String(64))
    reconciliation_status: Mapped[str | None] = mapped_column(String(32))


class BalanceTransaction(StripeObject):
    __tablename__ = "stripe_balance_transactions"
    stripe_object = "balance_transaction"

    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = _currency()
    fee: Mapped[int | None] = mapped_column(BigInteger)
    net: Mapped[int | None] = mapped_column(BigInteger)
    # Stripe sends a JSON number with up to ~10 significant digits; Numeric keeps it exact on PostgreSQL.
    exchange_rate: Mapped[Decimal | None] = mapped_column(Numeric(24, 12))
    type: Mapped[str | None] = mapped_column(String(64), index=True)
    reporting_category: Mapped[str | None] = mapped_column(String(64), index=True)
    status: Mapped[str | None] = mapped_column(String(32), index=True)
    source: Mapped[str | None] = _id(index=True)
    available_on: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Not a field of the object: known from listing /v1/balance_transactions?payout=po_... .
    payout: Mapped[str | None] = _id(index=True, info={"stripe": None})


class Customer(StripeObject):
    __tablename__ = "stripe_customers"
    stripe_object = "customer"

    email: Mapped[str | None] = mapped_column(String(320), index=True)
    name: Mapped[str | None] = mapped_column(String(256))
    currency: Mapped[str | None] = _currency()
    netsuite_customer_id: Mapped[str | None] = _meta(meta.NETSUITE_CUSTOMER_ID, index=True)


class PaymentIntent(StripeObject):
    __tablename__ = "stripe_payment_intents"
    stripe_object = "payment_intent"

    amount: Mapped[int] = mapped_column(BigInteger)
    amount_received: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = _currency()
    status: Mapped[str | None] = mapped_column(String(32), index=True)
    customer: Mapped[str | None] = _id(index=True)
    latest_charge: Mapped[str | None] = _id(index=True)
    payment_method: Mapped[str | None] = _id()
    setup_future_usage: Mapped[str | None] = mapped_column(String(32))
    cancellation_reason: Mapped[str | None] = mapped_column(String(64))
    netsuite_customer_id: Mapped[str | None] = _meta(meta.NETSUITE_CUSTOMER_ID, index=True)
    netsuite_invoice_ids: Mapped[list[str] | None] = _invoice_ids()
    payment_attempt_id: Mapped[str | None] = _meta(meta.PAYMENT_ATTEMPT_ID, index=True)


class CheckoutSession(StripeObject):
    __tablename__ = "stripe_checkout_sessions"
    stripe_object = "checkout.session"

    amount_total: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = _currency()
    status: Mapped[str | None] = mapped_column(String(32), index=True)
    payment_status: Mapped[str | None] = mapped_column(String(32))
    mode: Mapped[str | None] = mapped_column(String(32))
    customer: Mapped[str | None] = _id(index=True)
    payment_intent: Mapped[str | None] = _id(index=True)
    client_reference_id: Mapped[str | None] = mapped_column(String(200), index=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    netsuite_customer_id: Mapped[str | None] = _meta(meta.NETSUITE_CUSTOMER_ID)
    netsuite_invoice_ids: Mapped[list[str] | None] = _invoice_ids()
    payment_attempt_id: Mapped[str | None] = _meta(meta.PAYMENT_ATTEMPT_ID, index=True)


STRIPE_MODELS: dict[str, type[StripeObject]] = {
    model.stripe_object: model
    for model in (
        Charge,
        Refund,
        Dispute,
        Payout,
        BalanceTransaction,
        Customer,
        PaymentIntent,
        CheckoutSession,
    )
}


def model_for(stripe_object: str) -> type[StripeObject]:
    """The table class for a Stripe `object` value ("charge", "checkout.session", ...)."""
    try:
        return STRIPE_MODELS[stripe_object]
    except KeyError:
        raise ValueError(f"no state DB table for Stripe objects of type {stripe_object!r}") from None
