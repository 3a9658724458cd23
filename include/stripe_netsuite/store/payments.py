"""What the payment pages record: Stripe customer links, payment attempts, consents, received webhooks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from stripe_netsuite.store.attempt_status import AttemptStatus
from stripe_netsuite.store.base import Base, BigIntId, JSONType, UTCDateTime, utcnow

LINK_KINDS = ("customer", "invoice")
ATTEMPT_STATUSES = tuple(status.value for status in AttemptStatus)


def _one_of(column: str, values: tuple[str, ...]) -> CheckConstraint:
    return CheckConstraint(f"{column} IN ({', '.join(repr(v) for v in values)})", name=column)


class StripeCustomerLink(Base):
    """The Stripe Customer created for a NetSuite customer (one per customer and Stripe account)."""

    __tablename__ = "stripe_customer_links"
    __table_args__ = (UniqueConstraint("netsuite_customer_id", "account"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    netsuite_customer_id: Mapped[str] = mapped_column(String(64))
    stripe_customer_id: Mapped[str] = mapped_column(String(255), index=True)
    account: Mapped[str] = mapped_column(String(255), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PaymentAttempt(Base):
    """One attempt to pay from a payment page: what was asked of Stripe and what became of it."""

    __tablename__ = "payment_attempts"
    __table_args__ = (
        _one_of("link_kind", LINK_KINDS),
        _one_of("status", ATTEMPT_STATUSES),
        CheckConstraint("amount_minor > 0", name="amount_minor_positive"),
        Index(None, "netsuite_customer_id", "status"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # uuid4 string
    link_kind: Mapped[str] = mapped_column(String(16))
    netsuite_customer_id: Mapped[str] = mapped_column(String(64))
    netsuite_invoice_ids: Mapped[list[str]] = mapped_column(JSONType, default=list)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    stripe_customer_id: Mapped[str | None] = mapped_column(String(255))
    checkout_session_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    payment_intent_id: Mapped[str | None] = mapped_column(String(255), index=True)
    status: Mapped[str] = mapped_column(
        String(16), default=AttemptStatus.CREATED.value, server_default=AttemptStatus.CREATED.value
    )
    save_payment_method: Mapped[bool] = mapped_column(default=False, server_default=false())
    receipt_email: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    failure_message: Mapped[str | None] = mapped_column(Text)
    # What the payment pages need of a paid attempt, written by the webhook handler so a page view never
    # decodes stored events: how much Stripe received and when, the charge (NetSuite's external id may be
    # the charge or the PaymentIntent), and when a page first saw NetSuite show the payment.
    paid_amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    charge_id: Mapped[str | None] = mapped_column(String(255), index=True)
    netsuite_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Consent(Base):
    """The customer's agreement to save a payment method: exactly what they saw and when they accepted."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    payment_attempt_id: Mapped[str] = mapped_column(
        ForeignKey("payment_attempts.id", ondelete="RESTRICT"), index=True
    )
    netsuite_customer_id: Mapped[str] = mapped_column(String(64), index=True)
    stripe_customer_id: Mapped[str | None] = mapped_column(String(255))
    payment_method_id: Mapped[str | None] = mapped_column(String(255))  # known once the payment succeeds
    terms_version: Mapped[str] = mapped_column(String(64))
    text_shown: Mapped[str] = mapped_column(Text)
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ip: Mapped[str | None] = mapped_column(String(45))  # fits an IPv6 address
    user_agent: Mapped[str | None] = mapped_column(Text)


class WebhookEvent(Base):
    """A verified Stripe event as received; the event id makes repeated deliveries idempotent."""

    __tablename__ = "webhook_events"

    event_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(128), index=True)
    account: Mapped[str] = mapped_column(String(255), default="", server_default="")
    created: Mapped[datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    object_id: Mapped[str | None] = mapped_column(String(255), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)


class PageSnapshot(Base):
    """A payment page's NetSuite data as some webapp process last read it: display only, shared by the
    processes so that a new one does not make visitors wait (see payments/snapshots.py)."""

    __tablename__ = "page_snapshots"

    key: Mapped[str] = mapped_column(String(96), primary_key=True)  # "customer:102", "invoice:1001"
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime())
