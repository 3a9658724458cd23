"""Facts read from Stripe objects (the JSON Stripe returns): ids, amounts, dates, rates, emails, invoices."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from stripe_netsuite import stripe_metadata as meta
from stripe_netsuite.money import MoneyError, from_minor, normalize_currency
from stripe_netsuite.sync.errors import LedgerMappingError

__all__ = [
    "StripeRate",
    "amount_of",
    "charge_amount",
    "currency_of",
    "emails_of",
    "exchange_rate",
    "expanded",
    "id_of",
    "integer_of",
    "metadata_customer_id",
    "rate_of",
    "requested_invoice_ids",
    "tran_date",
]


def id_of(value: Any) -> str | None:
    """The id of an expandable field: a string id, or an expanded object's `id`."""
    if isinstance(value, Mapping):
        value = value.get("id")
    return value if isinstance(value, str) and value else None


def integer_of(obj: Mapping[str, Any], field: str, noun: str) -> int:
    """An integer field read strictly (JSON true is no amount); the error names the `noun` and its id."""
    value = obj.get(field)
    if isinstance(value, bool) or not isinstance(value, int):
        raise LedgerMappingError(f"{noun} {obj.get('id')} has no integer {field} ({value!r})")
    return value


def expanded(obj: Mapping[str, Any], field: str) -> Mapping[str, Any] | None:
    """An expandable field's object when the caller asked Stripe to expand it, else None."""
    value = obj.get(field)
    return value if isinstance(value, Mapping) else None


def currency_of(obj: Mapping[str, Any]) -> str:
    """The object's currency as an upper-case ISO code (Stripe sends lower case)."""
    try:
        return normalize_currency(str(obj.get("currency") or ""))
    except ValueError:
        raise LedgerMappingError(f"{obj.get('id')} has no currency Stripe supports") from None


def amount_of(obj: Mapping[str, Any], field: str, currency: str) -> Decimal:
    """A minor-unit amount field as major units in `currency` (JPY 0 decimals, KWD 3)."""
    value = obj.get(field)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise LedgerMappingError(f"{obj.get('id')} has no positive {field} ({value!r})")
    try:
        return from_minor(value, currency)
    except MoneyError as error:
        raise LedgerMappingError(f"{obj.get('id')} {field}: {error}") from None


def charge_amount(charge: Mapping[str, Any], currency: str) -> Decimal:
    """What the charge took, GROSS: amount_captured after a (partial) capture, else amount."""
    field = "amount_captured" if charge.get("captured") and charge.get("amount_captured") else "amount"
    return amount_of(charge, field, currency)


def tran_date(created: Any, zone: ZoneInfo) -> date:
    """A Stripe time (Unix seconds) as a date in the NetSuite account's time zone."""
    if isinstance(created, bool) or not isinstance(created, int):
        raise LedgerMappingError(f"a Stripe time must be Unix seconds, got {created!r}")
    try:
        return datetime.fromtimestamp(created, tz=zone).date()
    except (OverflowError, OSError, ValueError):
        raise LedgerMappingError(f"{created} is not a Stripe time (Unix seconds)") from None


@dataclass(frozen=True)
class StripeRate:
    """A balance transaction's exchange_rate: its currency (the settlement currency) and the rate into it."""

    currency: str
    rate: Decimal


def rate_of(balance_transaction: Mapping[str, Any] | None) -> StripeRate | None:
    """Stripe's conversion on a balance transaction, or None when nothing was converted.

    Stripe: "if money was converted from currency A to currency B, then the amount in currency A, times
    exchange_rate, would be the amount in currency B"; B is the balance transaction's currency. JSON gives the
    rate as a float: str() of it is the shortest text that round-trips, i.e. the digits Stripe sent.
    """
    if not balance_transaction:
        return None
    raw = balance_transaction.get("exchange_rate")
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float | str | Decimal):
        raise LedgerMappingError(f"{balance_transaction.get('id')} has exchange_rate {raw!r}")
    try:
        rate = Decimal(str(raw))
    except InvalidOperation:
        raise LedgerMappingError(f"{balance_transaction.get('id')} has exchange_rate {raw!r}") from None
    if not rate.is_finite() or rate <= 0:
        raise LedgerMappingError(f"{balance_transaction.get('id')} has exchange_rate {raw!r}")
    return StripeRate(currency_of(balance_transaction), rate)


def exchange_rate(currency: str, base_currency: str, stripe_rate: StripeRate | None) -> Decimal | None:
    """NetSuite's exchangeRate (transaction currency -> base) for a transaction in `currency`.

    None (NetSuite's own rate table applies) when the currency is the base one, or when Stripe did not
    convert into the base currency: a rate into another settlement currency is not the rate NetSuite needs.
    """
    if currency == base_currency or stripe_rate is None or stripe_rate.currency != base_currency:
        return None
    return stripe_rate.rate


def metadata_customer_id(obj: Mapping[str, Any] | None) -> str | None:
    """`metadata.netsuite_customer_id` of a Stripe object, per the metadata contract."""
    if not obj:
        return None
    try:
        return meta.PaymentMetadata.decode({
            key: value for key, value in meta.metadata_of(obj).items() if key == meta.NETSUITE_CUSTOMER_ID
        }).netsuite_customer_id
    except meta.MetadataError as error:
        raise LedgerMappingError(f"{obj.get('id')}: {error}") from None


def requested_invoice_ids(
    charge: Mapping[str, Any], payment_intent: Mapping[str, Any] | None
) -> tuple[str, ...]:
    """The invoices the payment names (one, or a statement's list), in order: the charge's, else its PI's."""
    for obj in (charge, payment_intent or {}):
        try:
            ids = meta.decode_invoice_ids(meta.metadata_of(obj))
        except meta.MetadataError as error:
            raise LedgerMappingError(f"{obj.get('id')}: {error}") from None
        if ids:
            return ids
    return ()


def emails_of(charge: Mapping[str, Any], stripe_customer: Mapping[str, Any] | None) -> tuple[str, ...]:
    """The payer's email addresses, best first: billing details, receipt email, the Stripe customer's."""
    billing = charge.get("billing_details")
    found = [
        billing.get("email") if isinstance(billing, Mapping) else None,
        charge.get("receipt_email"),
        (stripe_customer or {}).get("email"),
    ]
    result: list[str] = []
    for email in found:
        if isinstance(email, str) and email.strip() and email.strip() not in result:
            result.append(email.strip())
    return tuple(result)
