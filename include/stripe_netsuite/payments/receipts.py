"""What the "Paid" page confirms, as Stripe's own pages do: amount, date, card brand and last 4, receipt link.

Read from the PaymentIntent's latest charge (one Stripe call, expanded), only once the state DB says paid.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import stripe

__all__ = ["PaymentReceipt", "card_label", "fetch_payment_receipt"]

# Stripe's card brand codes (payment_method_details.card.brand) as a customer reads them.
_BRANDS = {
    "amex": "American Express",
    "cartes_bancaires": "Cartes Bancaires",
    "diners": "Diners Club",
    "discover": "Discover",
    "eftpos_au": "eftpos Australia",
    "interac": "Interac",
    "jcb": "JCB",
    "mastercard": "Mastercard",
    "unionpay": "UnionPay",
    "visa": "Visa",
}


@dataclass(frozen=True)
class PaymentReceipt:
    """A succeeded charge as the customer's confirmation shows it."""

    amount_minor: int
    currency: str
    paid_at: datetime
    card_brand: str | None
    card_last4: str | None
    receipt_url: str | None


def card_label(receipt: PaymentReceipt) -> str | None:
    """"Visa ending in 4242" (words a screen reader reads well), or None for a payment without a card."""
    if not receipt.card_last4:
        return None
    brand = _BRANDS.get(receipt.card_brand or "", (receipt.card_brand or "Card").replace("_", " ").title())
    return f"{brand} ending in {receipt.card_last4}"


def fetch_payment_receipt(client: stripe.StripeClient, payment_intent_id: str) -> PaymentReceipt | None:
    """The intent's succeeded latest charge, or None while there is none."""
    intent: dict[str, Any] = client.v1.payment_intents.retrieve(
        payment_intent_id, {"expand": ["latest_charge"]}
    ).to_dict()
    charge = intent.get("latest_charge")
    if not isinstance(charge, dict) or charge.get("status") != "succeeded":
        return None
    card = (charge.get("payment_method_details") or {}).get("card") or {}
    return PaymentReceipt(
        amount_minor=int(charge["amount"]),
        currency=str(charge["currency"]).upper(),
        paid_at=datetime.fromtimestamp(int(charge["created"]), UTC),
        card_brand=card.get("brand"),
        card_last4=card.get("last4"),
        receipt_url=charge.get("receipt_url"),
    )
