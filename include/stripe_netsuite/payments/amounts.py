"""Amount rules of the payment pages, as pure functions: what a customer may pay, given what NetSuite says
is owed and what is already on its way. Every message is a plain sentence shown next to the amount field."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from stripe_netsuite.money import (
    MoneyError,
    charge_step_minor,
    format_minor,
    minimum_charge_minor,
    parse_amount,
    to_minor,
)

__all__ = [
    "AmountError",
    "FlightState",
    "InFlight",
    "allocate",
    "available_per_invoice",
    "chargeable_minor",
    "check_amount",
    "check_selection",
    "check_unchanged",
]


class AmountError(ValueError):
    """The amount (or invoice choice) cannot be paid; `str(error)` is the sentence to show."""


class FlightState(StrEnum):
    """Where an in-flight payment is, as the pages count it (the attempt's own status: AttemptStatus)."""

    RESERVED = "reserved"  # a Checkout Session that may still be paid
    PROCESSING = "processing"  # Stripe has it; the outcome is pending
    RECEIVED = "received"  # paid at `received_at`, not in NetSuite's balance yet


@dataclass(frozen=True)
class InFlight:
    """A payment that may still arrive: reserved on a page, processing, or paid but not yet in NetSuite.

    `link` names the page it was started from (see reservations.link_of); a new payment from that page
    replaces it.
    """

    amount_minor: int
    invoice_ids: tuple[str, ...] = ()
    state: FlightState = FlightState.RESERVED
    link: str | None = None
    received_at: datetime | None = None


def chargeable_minor(minor: int, currency: str) -> int:
    """The largest amount <= `minor` Stripe can charge (KWD 280.125 -> 280.120: three-decimal steps of 10)."""
    step = charge_step_minor(currency)
    return max(0, minor - minor % step)


def allocate(amount_minor: int, remaining: Sequence[tuple[str, int]]) -> dict[str, int]:
    """How a payment covers invoices in the given order, each up to its remaining amount."""
    shares: dict[str, int] = {}
    left = amount_minor
    for invoice_id, open_minor in remaining:
        share = min(left, max(open_minor, 0))
        shares[invoice_id] = share
        left -= share
    return shares


def available_per_invoice(remaining: Mapping[str, int], in_flight: Iterable[InFlight]) -> dict[str, int]:
    """Open amount of each invoice minus the in-flight payments that will be applied to it."""
    left = dict(remaining)
    for payment in in_flight:
        targets = [(iid, left[iid]) for iid in payment.invoice_ids if iid in left]
        for invoice_id, share in allocate(payment.amount_minor, targets).items():
            left[invoice_id] -= share
    return left


def check_selection(chosen: Iterable[str], open_ids: Sequence[str]) -> tuple[str, ...]:
    """The chosen invoice ids in page order; every one must be an open invoice of this page."""
    wanted = set(chosen)
    unknown = wanted - set(open_ids)
    if unknown:
        raise AmountError(
            "One of the invoices you chose is no longer open. Reload the page and choose again."
        )
    return tuple(iid for iid in open_ids if iid in wanted)


def check_amount(
    text: str, currency: str, limit_minor: int, *, in_flight_minor: int = 0, locale: str = "en_US"
) -> int:
    """Minor units of the typed amount if it can be charged and is within `limit_minor`; else AmountError.

    `currency` always comes from NetSuite. `limit_minor` is what is owed (balance, amount due or the chosen
    invoices) minus in-flight payments; `in_flight_minor` only changes the wording.
    """
    if not text or not text.strip():
        raise AmountError("Enter the amount you want to pay.")
    try:
        value = parse_amount(text, currency)
        if value <= 0:
            raise AmountError("Enter an amount greater than zero.")
        minor = to_minor(value, currency)
    except MoneyError as error:
        raise AmountError(str(error)) from None
    minimum = minimum_charge_minor(currency)
    if minor < minimum:
        raise AmountError(f"The smallest payment we can take is {format_minor(minimum, currency, locale)}.")
    if minor > limit_minor:
        if limit_minor < minimum and in_flight_minor > 0:
            raise AmountError("Payments already in progress cover what you owe; nothing is left to pay now.")
        if limit_minor < minimum:
            raise AmountError("There is nothing left to pay here.")
        most = format_minor(chargeable_minor(limit_minor, currency), currency, locale)
        if in_flight_minor > 0:
            pending = format_minor(in_flight_minor, currency, locale)
            raise AmountError(f"You can pay at most {most}: {pending} is already being paid.")
        raise AmountError(f"You can pay at most {most}, the amount you owe.")
    return minor


CHANGED_HINT = "Nothing was charged. Check the amount and pay again."


def check_unchanged(
    shown_text: str | None,
    payable_minor: int,
    currency: str,
    *,
    fixed: bool,
    in_flight_minor: int = 0,
    locale: str = "en_US",
) -> None:
    """Refuse a payment when what is payable now is not what the page showed (`shown_text`, the form's copy).

    NetSuite can change between the page's GET and its POST (a payment or credit applied, the invoice
    amended). Less payable now: the customer would pay toward a sum they no longer owe (perhaps a colleague
    paid it), so nothing is charged and the page comes back with the new figure. More payable now: a page
    where the customer chose the amount charges that amount (it is within what is due); a page with a fixed
    amount (`fixed`: an invoice page without partial payments) also comes back, because charging the new sum
    would take more than the customer agreed to and charging the old one a partial payment the merchant did
    not allow. No `shown_text` (a form from before the page carried it): no check; Checkout still shows the
    amount before the customer pays.
    """
    if shown_text is None:
        return
    try:
        shown_minor = to_minor(shown_text.strip(), currency)
    except (MoneyError, ArithmeticError, ValueError):
        shown_minor = -1
    if shown_minor < 0:  # not a figure any page of ours shows: an old or altered form
        raise AmountError("This page is out of date. " + CHANGED_HINT)
    if payable_minor == shown_minor or (payable_minor > shown_minor and not fixed):
        return
    was = format_minor(shown_minor, currency, locale)
    if payable_minor < minimum_charge_minor(currency):
        why = ": payments already in progress cover it" if in_flight_minor > 0 else ""
        raise AmountError(
            f"What you owe changed since this page showed {was}: nothing is left to pay now{why}. "
            "Nothing was charged."
        )
    now = format_minor(payable_minor, currency, locale)
    # Payments started elsewhere (another tab, the other page) lower what is payable too: say so.
    pending = (
        f", as {format_minor(in_flight_minor, currency, locale)} is already being paid"
        if in_flight_minor
        else ""
    )
    if fixed:
        raise AmountError(
            f"The amount due changed since this page showed {was}: it is now {now}{pending}. {CHANGED_HINT}"
        )
    raise AmountError(
        f"What you owe changed since this page showed {was}: you can now pay at most {now}{pending}. "
        + CHANGED_HINT
    )
