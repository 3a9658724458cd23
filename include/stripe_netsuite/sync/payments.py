"""A succeeded Stripe charge as a NetSuite customer payment (plus a currency added to its customer if needed).

GROSS amount in the charge's currency (fees and conversion belong to the deposit); Stripe's exchange rate when
the charge currency is not the subsidiary's base currency and Stripe converted into that base; tranDate = the
charge's time in the account's time zone; Undeposited Funds; paymentOption "Stripe"; memo `Stripe: <charge>`;
externalId = the charge id, which is also how the payment page recognises that its payment is recorded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from stripe_netsuite.sync.applications import InvoiceFacts, plan_applications
from stripe_netsuite.sync.customers import CustomerMatch
from stripe_netsuite.sync.errors import LedgerMappingError
from stripe_netsuite.sync.external_ids import LedgerRecord, external_id
from stripe_netsuite.sync.records import CustomerCurrencyAddition, CustomerPayment, LedgerWrite
from stripe_netsuite.sync.settings import LedgerSettings
from stripe_netsuite.sync.stripe_facts import (
    charge_amount,
    currency_of,
    exchange_rate,
    expanded,
    id_of,
    rate_of,
    requested_invoice_ids,
    tran_date,
)

__all__ = ["PAYMENT_STATUSES", "ChargeLedger", "build_customer_payment", "currency_id", "stripe_memo"]

# A card charge is `succeeded`; a bank debit is `pending` while processing and is recorded then, as the
# reference product does, so that a later failure is reversed (never deleted) rather than never shown.
PAYMENT_STATUSES = ("succeeded", "pending")


def stripe_memo(stripe_id: str) -> str:
    """The memo every ledger record starts with: how finance finds the Stripe object."""
    return f"Stripe: {stripe_id}"


def currency_id(currency_ids: Mapping[str, str], currency: str) -> str:
    """NetSuite's internal id of a currency (ISO code), from the account's currency list."""
    if currency not in currency_ids:
        raise LedgerMappingError(f"NetSuite has no currency {currency}: add it to NetSuite's currencies")
    return currency_ids[currency]


@dataclass(frozen=True)
class ChargeLedger:
    """What a charge becomes in NetSuite, in write order, and the decisions behind it."""

    payment: CustomerPayment
    customer: CustomerMatch
    customer_update: CustomerCurrencyAddition | None = None
    application_error: str | None = None

    def writes(self) -> tuple[LedgerWrite, ...]:
        """The writes in order: the customer's new currency first, else NetSuite refuses the payment."""
        first: tuple[LedgerWrite, ...] = (self.customer_update,) if self.customer_update else ()
        return (*first, self.payment)


def build_customer_payment(
    charge: Mapping[str, Any],
    *,
    customer: CustomerMatch,
    invoices: Iterable[InvoiceFacts],
    currency_ids: Mapping[str, str],
    settings: LedgerSettings,
    balance_transaction: Mapping[str, Any] | None = None,
    payment_intent: Mapping[str, Any] | None = None,
) -> ChargeLedger:
    """The customer payment for `charge` (a Stripe Charge as JSON) on the matched customer.

    `balance_transaction` and `payment_intent` are the charge's (or the charge carries them expanded);
    `invoices` the named invoices and, for auto-apply, the customer's open ones, as NetSuite shows them
    without this payment.
    """
    charge_id = id_of(charge)
    if charge_id is None:
        raise LedgerMappingError("a charge without an id cannot be recorded")
    if charge.get("status") not in PAYMENT_STATUSES:
        raise LedgerMappingError(f"charge {charge_id} is {charge.get('status')!r}: only a succeeded charge "
                                 "(or a processing bank debit) is a payment")
    currency = currency_of(charge)
    amount = charge_amount(charge, currency)
    balance_transaction = balance_transaction or expanded(charge, "balance_transaction")
    payment_intent = payment_intent or expanded(charge, "payment_intent")
    base = settings.base_currency(customer.customer.subsidiary_id)
    plan = plan_applications(
        amount, currency, customer.customer.id, requested_invoice_ids(charge, payment_intent), invoices,
        auto_apply=settings.auto_apply,
    )
    currency_ref = currency_id(currency_ids, currency)
    payment = CustomerPayment(
        external_id=external_id(LedgerRecord.PAYMENT, charge_id),
        customer_id=customer.customer.id,
        currency_id=currency_ref,
        amount=amount,
        tran_date=tran_date(charge.get("created"), settings.zone),
        exchange_rate=exchange_rate(currency, base, rate_of(balance_transaction)),
        memo=plan.error_memo or stripe_memo(charge_id),
        payment_option_id=settings.payment_option_id,
        account_id=settings.undeposited_funds_account_id,
        applications=plan.lines,
    )
    update = CustomerCurrencyAddition(customer.customer.id, currency_ref) if customer.add_currency else None
    return ChargeLedger(payment, customer, update, plan.error_memo)
