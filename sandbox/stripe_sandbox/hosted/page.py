"""What the hosted Checkout page shows: the session as a customer sees it, money text, and form parsing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..money import exponent
from ..state import Sandbox

# How Checkout writes each currency (code when no unambiguous symbol is customary, e.g. "KWD 1,250.750").
_SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "jpy": "¥", "cad": "CA$", "aud": "A$", "chf": "CHF "}
BANK_METHODS = {"us_bank_account": "US bank account", "sepa_debit": "SEPA Direct Debit"}
_EXPIRY = re.compile(r"^\s*(\d{1,2})\s*/?\s*(\d{2}|\d{4})\s*$")


def format_money(amount: int, currency: str) -> str:
    """`amount` minor units as the page prints it: the currency's decimals, grouped thousands."""
    code = currency.lower()
    places = exponent(code)
    value = Decimal(amount).scaleb(-places)
    number = f"{value:,.{places}f}"
    symbol = _SYMBOLS.get(code)
    if symbol is None:
        return f"{code.upper()} {number}"
    return f"-{symbol}{number[1:]}" if number.startswith("-") else f"{symbol}{number}"


def parse_expiry(text: str) -> tuple[int, int] | None:
    """`MM / YY` (or MM/YYYY, MMYY) as (month, four-digit year); None when it is not a date at all."""
    match = _EXPIRY.match(text or "")
    if match is None:
        compact = re.sub(r"\D", "", text or "")
        if len(compact) not in (4, 6):
            return None
        match = _EXPIRY.match(f"{compact[:2]}/{compact[2:]}")
        if match is None:
            return None
    month, year = int(match.group(1)), int(match.group(2))
    return month, year + 2000 if year < 100 else year


@dataclass
class LineItem:
    """One row of the order summary."""

    description: str
    quantity: int
    amount_text: str


@dataclass
class CheckoutView:
    """Everything the templates need about one session, already formatted."""

    session_id: str
    status: str
    mode: str
    business_name: str
    currency: str | None
    total_text: str | None
    items: list[LineItem] = field(default_factory=list)
    email: str | None = None
    email_locked: bool = False
    cancel_url: str | None = None
    success_url: str | None = None
    save: str | None = None
    """"required" when the session itself saves the card (setup_future_usage, setup mode), "optional" when the
    customer may choose (saved_payment_method_options.payment_method_save), else None."""
    methods: list[str] = field(default_factory=lambda: ["card"])
    """The session's payment_method_types the page offers ("card", "us_bank_account", "sepa_debit")."""

    @property
    def offers_card(self) -> bool:
        return "card" in self.methods

    @property
    def bank_kind(self) -> str | None:
        """The bank debit the page offers (the first of the session's), or None."""
        return next((kind for kind in self.methods if kind in BANK_METHODS), None)

    @property
    def bank_label(self) -> str:
        return BANK_METHODS.get(self.bank_kind or "", "Bank account")

    def mandate_text(self) -> str:
        """The debit authorisation the customer accepts before paying by bank account."""
        return (
            f"I authorise {self.business_name} to debit the bank account above for {self.total_text} for "
            f"this payment, and Stripe, {self.business_name}'s payment provider, to send instructions to my "
            f"bank to debit it. I can revoke this authorisation by contacting {self.business_name}."
        )

    @property
    def open(self) -> bool:
        return self.status == "open"

    @property
    def pay_label(self) -> str:
        if self.mode == "setup":
            return "Save card"
        return f"Pay {self.total_text}" if self.total_text else "Pay"

    def agreement(self) -> str:
        """The reuse agreement Stripe shows beside a card that will be kept for later charges."""
        return (
            f"By providing your card information, you allow {self.business_name} to charge your card for "
            "future payments in accordance with their terms. You can cancel this at any time by contacting "
            f"{self.business_name}."
        )


def load_view(sandbox: Sandbox, session_id: str) -> CheckoutView | None:
    """The session `session_id` as the page shows it, or None when there is no such Checkout Session."""
    with sandbox.transaction():
        row = sandbox.store.row(session_id)
        if row is None or row.type != "checkout.session":
            return None
        session = row.data
        items = sandbox.store.select(
            "SELECT * FROM objects WHERE type = 'item' AND source = ? ORDER BY seq", (session_id,)
        )
        customer = sandbox.store.get(session["customer"]) if session.get("customer") else None
        now = sandbox.now()
    status = str(session["status"])
    # The scheduler expires sessions when the clock reaches them; the page must not wait for its tick.
    if status == "open" and int(session["expires_at"]) <= now:
        status = "expired"
    currency = session.get("currency")
    email = session.get("customer_email") or (customer or {}).get("email")
    return CheckoutView(
        session_id=session_id,
        status=status,
        mode=str(session["mode"]),
        business_name=sandbox.config.business_name,
        currency=currency,
        total_text=format_money(int(session["amount_total"]), currency)
        if currency and session.get("amount_total") is not None
        else None,
        items=[_line_item(item.data) for item in items],
        email=email,
        email_locked=bool(email),
        cancel_url=session.get("cancel_url"),
        success_url=session.get("success_url"),
        save=_save_option(session),
        methods=[str(kind) for kind in session.get("payment_method_types") or ["card"]]
        if session["mode"] == "payment"
        else ["card"],
    )


def _line_item(item: dict[str, Any]) -> LineItem:
    return LineItem(
        description=str(item.get("description") or ""),
        quantity=int(item.get("quantity") or 1),
        amount_text=format_money(int(item["amount_total"]), str(item["currency"])),
    )


def _save_option(session: dict[str, Any]) -> str | None:
    if session["mode"] == "setup":
        return "required"
    intent_data = session.get("_sandbox", {}).get("payment_intent_data", {})
    if intent_data.get("setup_future_usage"):
        return "required"
    saved = session.get("saved_payment_method_options") or {}
    if saved.get("payment_method_save") == "enabled":
        return "optional"
    consent = session.get("consent_collection") or {}
    if consent.get("payment_method_reuse_agreement"):
        return "optional"
    return None
