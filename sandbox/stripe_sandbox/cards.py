"""Stripe's test cards and `pm_card_*` / `tok_*` shortcuts, and what each does when charged."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Card:
    """A test card and its behaviour.

    `decline` is the decline code of a refused charge; `attach_declines` whether attaching it to a customer is
    refused too (true for plain decline cards, false for ...0341 which attaches then fails);
    `three_ds` is "required" (every payment), "on_session" (one-time payments only, saved off-session use
    passes) or None.
    """

    number: str
    brand: str = "visa"
    country: str = "US"
    funding: str = "credit"
    decline: str | None = None
    attach_declines: bool = True
    three_ds: str | None = None
    dispute: bool = False
    instantly_available: bool = False
    refund_fails: bool = False  # ...5126: a refund starts `succeeded`, then fails asynchronously

    @property
    def last4(self) -> str:
        return self.number[-4:]

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.number.encode()).hexdigest()[:16]


CARDS: dict[str, Card] = {
    card.number: card
    for card in (
        Card("4242424242424242"),
        Card("4000056655665556", funding="debit"),
        Card("5555555555554444", brand="mastercard"),
        Card("2223003122003222", brand="mastercard"),
        Card("5200828282828210", brand="mastercard", funding="debit"),
        Card("378282246310005", brand="amex"),
        Card("6011111111111117", brand="discover"),
        Card("4000000000000077", instantly_available=True),
        Card("4000000000000002", decline="generic_decline"),
        Card("4000000000009995", decline="insufficient_funds"),
        Card("4000000000009987", decline="lost_card"),
        Card("4000000000009979", decline="stolen_card"),
        Card("4000000000000127", decline="incorrect_cvc"),
        Card("4000000000000069", decline="expired_card"),
        Card("4000000000000119", decline="processing_error"),
        Card("4000000000000341", decline="generic_decline", attach_declines=False),
        Card("4000000000000259", dispute=True),
        Card("4000000000005126", refund_fails=True),
        Card("4000000000003220", three_ds="required"),
        Card("4000002760003184", three_ds="required"),
        Card("4000002500003155", three_ds="on_session"),
        Card("4000000760000002", country="BR"),
        Card("4000001240000000", country="CA"),
        Card("4000004840008001", country="MX"),
        Card("4000008260000000", country="GB"),
        Card("4000002760000016", country="DE"),
        Card("4000002500000003", country="FR"),
        Card("4000003920000003", country="JP"),
    )
}

# The `pm_card_*` ids (and matching `tok_*` tokens) Stripe accepts in test mode.
SHORTCUTS: dict[str, str] = {
    "visa": "4242424242424242",
    "visa_debit": "4000056655665556",
    "mastercard": "5555555555554444",
    "mastercard_debit": "5200828282828210",
    "amex": "378282246310005",
    "discover": "6011111111111117",
    "bypassPending": "4000000000000077",
    "chargeDeclined": "4000000000000002",
    "visa_chargeDeclined": "4000000000000002",
    "chargeDeclinedInsufficientFunds": "4000000000009995",
    "visa_chargeDeclinedInsufficientFunds": "4000000000009995",
    "chargeDeclinedLostCard": "4000000000009987",
    "visa_chargeDeclinedLostCard": "4000000000009987",
    "chargeDeclinedStolenCard": "4000000000009979",
    "visa_chargeDeclinedStolenCard": "4000000000009979",
    "chargeDeclinedIncorrectCvc": "4000000000000127",
    "visa_chargeDeclinedIncorrectCvc": "4000000000000127",
    "chargeDeclinedExpiredCard": "4000000000000069",
    "visa_chargeDeclinedExpiredCard": "4000000000000069",
    "chargeDeclinedProcessingError": "4000000000000119",
    "visa_chargeDeclinedProcessingError": "4000000000000119",
    "chargeCustomerFail": "4000000000000341",
    "visa_chargeCustomerFail": "4000000000000341",
    "createDispute": "4000000000000259",
    "refundFail": "4000000000005126",
    "threeDSecure2Required": "4000000000003220",
    "authenticationRequired": "4000002760003184",
    "authenticationRequiredOnSetup": "4000002500003155",
    "authenticationRequiredSetupForOffSession": "4000002500003155",
    "br": "4000000760000002",
    "ca": "4000001240000000",
    "mx": "4000004840008001",
    "gb": "4000008260000000",
    "de": "4000002760000016",
    "fr": "4000002500000003",
    "jp": "4000003920000003",
}


def card_for_number(number: str) -> Card:
    """A known test card, or an ordinary succeeding Visa-like card for any other valid-looking number."""
    digits = number.replace(" ", "")
    known = CARDS.get(digits)
    if known is not None:
        return known
    brand = {"4": "visa", "5": "mastercard", "2": "mastercard", "3": "amex", "6": "discover"}.get(
        digits[:1], "visa"
    )
    return Card(digits, brand=brand)


def card_for_shortcut(reference: str) -> Card | None:
    """The card behind `pm_card_visa` / `tok_visa`, or None when the name is not a shortcut."""
    for prefix in ("pm_card_", "tok_"):
        if reference.startswith(prefix):
            number = SHORTCUTS.get(reference[len(prefix) :])
            return CARDS[number] if number else None
    return None


def refund_fails(fingerprint: str) -> bool:
    """Whether refunds of the card with this fingerprint fail (Stripe's 4000000000005126)."""
    return any(card.refund_fails and card.fingerprint == fingerprint for card in CARDS.values())


def luhn_valid(number: str) -> bool:
    digits = [int(d) for d in number if d.isdigit()]
    if len(digits) < 12 or len(digits) != len(number):
        return False
    total = 0
    for position, digit in enumerate(reversed(digits)):
        if position % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


DECLINE_MESSAGES = {
    "generic_decline": ("card_declined", "Your card was declined."),
    "insufficient_funds": ("card_declined", "Your card has insufficient funds."),
    "lost_card": ("card_declined", "Your card was declined."),
    "stolen_card": ("card_declined", "Your card was declined."),
    "incorrect_cvc": ("incorrect_cvc", "Your card's security code is incorrect."),
    "expired_card": ("expired_card", "Your card has expired."),
    "processing_error": (
        "processing_error",
        "An error occurred while processing your card. Try again in a little bit.",
    ),
    "authentication_required": (
        "authentication_required",
        "Your card was declined. This transaction requires authentication.",
    ),
}


def decline_error(decline_code: str) -> tuple[str, str]:
    """(error code, message) Stripe answers for a decline code."""
    return DECLINE_MESSAGES.get(decline_code, ("card_declined", "Your card was declined."))
