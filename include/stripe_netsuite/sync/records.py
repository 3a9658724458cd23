"""Typed NetSuite records the ledger writes, each rendering to the REST body the REST API Browser names.

Amounts are `Decimal` with exactly the currency's decimals and are sent as decimal strings, never floats (the
project's rule; NetSuite parses them as numbers). References are `{"id": ...}`, sublists `{"items": [...]}`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar, Protocol

__all__ = [
    "MEMO_LIMIT",
    "ApplyLine",
    "CreditMemo",
    "CustomerCurrencyAddition",
    "CustomerPayment",
    "CustomerRefund",
    "LedgerWrite",
    "PaymentApplications",
    "memo_text",
]

# NetSuite's transaction memo holds 999 characters; a longer one is refused, so reasons are cut to fit.
MEMO_LIMIT = 999
# undepFunds is an object in the REST API Browser: "T" posts to Undeposited Funds, "F" to `account`.
UNDEPOSITED_FUNDS = {"id": "T"}


def memo_text(text: str) -> str:
    """`text` cut to NetSuite's memo length."""
    return text if len(text) <= MEMO_LIMIT else text[: MEMO_LIMIT - 3] + "..."


def _ref(internal_id: str) -> dict[str, str]:
    return {"id": internal_id}


def _amount(value: Decimal) -> str:
    return format(value, "f")


@dataclass(frozen=True)
class ApplyLine:
    """One `apply` line: `amount` of this record applied to document `doc_id`; 0 unapplies the line."""

    doc_id: str
    amount: Decimal

    def body(self) -> dict[str, Any]:
        if self.amount == 0:
            return {"doc": _ref(self.doc_id), "apply": False}  # Oracle's documented way to unapply a line
        return {"doc": _ref(self.doc_id), "apply": True, "amount": _amount(self.amount)}


def _apply(lines: tuple[ApplyLine, ...]) -> dict[str, Any]:
    return {"items": [line.body() for line in lines]}


def _common(external_id: str, currency_id: str, tran_date: date, exchange_rate: Decimal | None,
            memo: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "externalId": external_id,
        "currency": _ref(currency_id),
        "tranDate": tran_date.isoformat(),
        "memo": memo_text(memo),
    }
    if exchange_rate is not None:
        body["exchangeRate"] = _amount(exchange_rate)
    return body


class LedgerWrite(Protocol):
    """What the loader needs from any record: its type, how it is addressed, its body.

    `external_id` set: an upsert (`PUT eid:`); else `internal_id`: an update (`PATCH`). `replace` names the
    sublists a repeat must replace rather than merge (unkeyed sublists would be appended again).
    """

    record_type: ClassVar[str]
    replace: ClassVar[tuple[str, ...]]

    @property
    def external_id(self) -> str | None: ...

    @property
    def internal_id(self) -> str | None: ...

    def body(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class CustomerPayment:
    """A Stripe charge as a NetSuite customer payment, GROSS, in the charge currency."""

    record_type: ClassVar[str] = "customerPayment"
    replace: ClassVar[tuple[str, ...]] = ()
    internal_id: ClassVar[None] = None

    external_id: str
    customer_id: str
    currency_id: str
    amount: Decimal
    tran_date: date
    exchange_rate: Decimal | None
    memo: str
    payment_option_id: str
    account_id: str
    applications: tuple[ApplyLine, ...]

    def body(self) -> dict[str, Any]:
        return {
            **_common(self.external_id, self.currency_id, self.tran_date, self.exchange_rate,
                      self.memo),
            "customer": _ref(self.customer_id),
            "payment": _amount(self.amount),
            "paymentOption": _ref(self.payment_option_id),
            "undepFunds": dict(UNDEPOSITED_FUNDS),
            "account": _ref(self.account_id),
            # Explicit: with the account's "auto apply" preference on, NetSuite would otherwise pick invoices.
            "autoApply": False,
            "apply": _apply(self.applications),
        }


@dataclass(frozen=True)
class PaymentApplications:
    """New amounts for some of a payment's applications (0 = unapplied), before a reversal is refunded."""

    record_type: ClassVar[str] = "customerPayment"
    replace: ClassVar[tuple[str, ...]] = ()
    external_id: ClassVar[None] = None

    internal_id: str
    lines: tuple[ApplyLine, ...]


    def body(self) -> dict[str, Any]:
        return {"apply": _apply(self.lines)}


@dataclass(frozen=True)
class CreditMemo:
    """The credit a refund or lost dispute puts on the invoices its payment had paid."""

    record_type: ClassVar[str] = "creditMemo"
    replace: ClassVar[tuple[str, ...]] = ("item",)
    internal_id: ClassVar[None] = None

    external_id: str
    customer_id: str
    currency_id: str
    amount: Decimal
    tran_date: date
    exchange_rate: Decimal | None
    memo: str
    item_id: str
    applications: tuple[ApplyLine, ...]

    def body(self) -> dict[str, Any]:
        line = {"item": _ref(self.item_id), "description": memo_text(self.memo),
                "amount": _amount(self.amount)}
        return {
            **_common(self.external_id, self.currency_id, self.tran_date, self.exchange_rate, self.memo),
            "entity": _ref(self.customer_id),
            "autoApply": False,
            "item": {"items": [line]},
            "apply": _apply(self.applications),
        }


@dataclass(frozen=True)
class CustomerRefund:
    """Money returned to the customer, paid from the Stripe clearing account, applied to the payment."""

    record_type: ClassVar[str] = "customerRefund"
    replace: ClassVar[tuple[str, ...]] = ()
    internal_id: ClassVar[None] = None

    external_id: str
    customer_id: str
    currency_id: str
    tran_date: date
    exchange_rate: Decimal | None
    memo: str
    payment_option_id: str
    account_id: str
    applications: tuple[ApplyLine, ...]

    @property
    def amount(self) -> Decimal:
        return sum((line.amount for line in self.applications), Decimal(0))

    def body(self) -> dict[str, Any]:
        return {
            **_common(self.external_id, self.currency_id, self.tran_date, self.exchange_rate,
                      self.memo),
            "customer": _ref(self.customer_id),
            "paymentOption": _ref(self.payment_option_id),
            "account": _ref(self.account_id),
            "apply": _apply(self.applications),
        }


@dataclass(frozen=True)
class CustomerCurrencyAddition:
    """A currency added to a customer's currency list (keyed by currency, so a repeat changes nothing)."""

    record_type: ClassVar[str] = "customer"
    replace: ClassVar[tuple[str, ...]] = ()
    external_id: ClassVar[None] = None

    internal_id: str  # the customer
    currency_id: str

    def body(self) -> dict[str, Any]:
        return {"currencyList": {"items": [{"currency": _ref(self.currency_id)}]}}
