"""The Stripe resources stripe_sync extracts: list path, state DB table and the events that change them."""

from __future__ import annotations

from dataclasses import dataclass

from stripe_netsuite.store import stripe_objects as tables
from stripe_netsuite.store.stripe_objects import StripeObject

# Stripe accepts at most 20 values in `types[]` on GET /v1/events.
MAX_EVENT_TYPES = 20


@dataclass(frozen=True)
class Resource:
    """One extractable Stripe resource; `event_types` are the events whose data.object is this resource."""

    name: str
    path: str
    model: type[StripeObject]
    event_types: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if len(self.event_types) > MAX_EVENT_TYPES:
            raise ValueError(f"{self.name}: at most {MAX_EVENT_TYPES} event types per events request")

    @property
    def object_type(self) -> str:
        return self.model.stripe_object

    def item_path(self, object_id: str) -> str:
        return f"{self.path}/{object_id}"


RESOURCES: dict[str, Resource] = {
    resource.name: resource
    for resource in (
        Resource(
            "charges",
            "/v1/charges",
            tables.Charge,
            (
                "charge.captured", "charge.expired", "charge.failed", "charge.pending", "charge.refunded",
                "charge.succeeded", "charge.updated",
            ),
        ),
        Resource(
            "refunds",
            "/v1/refunds",
            tables.Refund,
            ("refund.created", "refund.updated", "refund.failed", "charge.refund.updated"),
        ),
        Resource(
            "disputes",
            "/v1/disputes",
            tables.Dispute,
            (
                "charge.dispute.created", "charge.dispute.updated", "charge.dispute.closed",
                "charge.dispute.funds_withdrawn", "charge.dispute.funds_reinstated",
            ),
        ),
        Resource(
            "payouts",
            "/v1/payouts",
            tables.Payout,
            (
                "payout.created", "payout.updated", "payout.paid", "payout.failed", "payout.canceled",
                "payout.reconciliation_completed",
            ),
        ),
        # The ledger is append-only and has no events: created windows alone are complete for it, and
        # payout itemisation (see extract.itemise_payouts) refreshes the transactions a payout swept.
        Resource("balance_transactions", "/v1/balance_transactions", tables.BalanceTransaction),
        Resource(
            "customers",
            "/v1/customers",
            tables.Customer,
            ("customer.created", "customer.updated", "customer.deleted"),
        ),
        Resource(
            "payment_intents",
            "/v1/payment_intents",
            tables.PaymentIntent,
            (
                "payment_intent.created", "payment_intent.succeeded", "payment_intent.canceled",
                "payment_intent.processing", "payment_intent.payment_failed",
                "payment_intent.requires_action",
                "payment_intent.amount_capturable_updated", "payment_intent.partially_funded",
            ),
        ),
        Resource(
            "checkout_sessions",
            "/v1/checkout/sessions",
            tables.CheckoutSession,
            (
                "checkout.session.completed", "checkout.session.expired",
                "checkout.session.async_payment_succeeded", "checkout.session.async_payment_failed",
            ),
        ),
    )
}  # fmt: skip


def get_resource(name: str) -> Resource:
    """The resource called `name`; a clear error listing the valid names otherwise."""
    try:
        return RESOURCES[name]
    except KeyError:
        raise ValueError(f"unknown Stripe resource {name!r}; choose from {', '.join(RESOURCES)}") from None
