"""Whose payment a charge is: the NetSuite customer, decided over facts looked up in NetSuite.

In this order: `metadata.netsuite_customer_id` on the charge, on its PaymentIntent, on the Stripe customer;
then, when the setting is on, the one active NetSuite customer with the payer's email; else the configured
"Stripe Unallocated Charges" customer. An id that names no active NetSuite customer is passed over (and the
match says so), so the money still lands somewhere finance sees it. Then the currency: a customer that
lacks the charge's currency gets it added when the setting allows, else the charge fails with an error that
names the customer and the currency.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from stripe_netsuite.sync.errors import CustomerCurrencyError, LedgerMappingError
from stripe_netsuite.sync.settings import LedgerSettings
from stripe_netsuite.sync.stripe_facts import emails_of, expanded, metadata_customer_id

__all__ = ["CustomerFacts", "CustomerMatch", "CustomerSources", "match_customer"]


@dataclass(frozen=True)
class CustomerFacts:
    """A NetSuite customer: its currencies (ISO codes, primary first), subsidiary, email, whether inactive."""

    id: str
    name: str
    currencies: tuple[str, ...]
    subsidiary_id: str | None = None
    email: str | None = None
    is_inactive: bool = False


@dataclass(frozen=True)
class CustomerSources:
    """What a charge says about its NetSuite customer, before anything is looked up."""

    charge_id: str
    charge_customer_id: str | None = None
    payment_intent_customer_id: str | None = None
    stripe_customer_customer_id: str | None = None
    emails: tuple[str, ...] = ()

    @classmethod
    def from_stripe(
        cls,
        charge: Mapping[str, Any],
        payment_intent: Mapping[str, Any] | None = None,
        stripe_customer: Mapping[str, Any] | None = None,
    ) -> CustomerSources:
        """The sources of a charge, its PaymentIntent and its Stripe customer (given, or expanded on it)."""
        payment_intent = payment_intent or expanded(charge, "payment_intent")
        stripe_customer = stripe_customer or expanded(charge, "customer")
        return cls(
            str(charge.get("id")),
            metadata_customer_id(charge),
            metadata_customer_id(payment_intent),
            metadata_customer_id(stripe_customer),
            emails_of(charge, stripe_customer),
        )

    def customer_ids(self, settings: LedgerSettings) -> tuple[str, ...]:
        """The NetSuite customer ids to look up for `match_customer`, the catch-all included."""
        ids = (self.charge_customer_id, self.payment_intent_customer_id, self.stripe_customer_customer_id,
               settings.unallocated_customer_id)
        return tuple(dict.fromkeys(i for i in ids if i is not None))


@dataclass(frozen=True)
class CustomerMatch:
    """The customer a charge is recorded on, why, and whether its currency must be added first."""

    customer: CustomerFacts
    source: str
    add_currency: bool = False
    notes: tuple[str, ...] = ()


def _by_email(
    emails: Sequence[str], candidates: Sequence[CustomerFacts], notes: list[str]
) -> CustomerFacts | None:
    for email in emails:
        wanted = email.strip().casefold()
        found = {c.id: c for c in candidates
                 if c.email and c.email.strip().casefold() == wanted and not c.is_inactive}
        if len(found) == 1:
            return next(iter(found.values()))
        if len(found) > 1:
            notes.append(f"email {email} matches several NetSuite customers ({', '.join(sorted(found))})")
    return None


def _choose(
    sources: CustomerSources,
    customers: Mapping[str, CustomerFacts],
    by_email: Sequence[CustomerFacts],
    settings: LedgerSettings,
    notes: list[str],
) -> tuple[CustomerFacts, str]:
    for label, customer_id in (
        ("charge metadata", sources.charge_customer_id),
        ("PaymentIntent metadata", sources.payment_intent_customer_id),
        ("Stripe customer metadata", sources.stripe_customer_customer_id),
    ):
        if customer_id is None:
            continue
        found = customers.get(customer_id)
        if found is not None and not found.is_inactive:
            return found, label
        state = "is inactive" if found is not None else "does not exist"
        notes.append(f"NetSuite customer {customer_id} named by the {label} {state}")
    if settings.match_by_email:
        found = _by_email(sources.emails, by_email, notes)
        if found is not None:
            return found, "email"
    unallocated = customers.get(settings.unallocated_customer_id)
    if unallocated is None or unallocated.is_inactive:
        raise LedgerMappingError(
            f"charge {sources.charge_id} has no NetSuite customer and the Stripe Unallocated Charges "
            f"customer {settings.unallocated_customer_id} is missing or inactive in NetSuite: fix the "
            "setting or the customer, then replay the charge"
        )
    return unallocated, "unallocated"


def match_customer(
    sources: CustomerSources,
    customers: Mapping[str, CustomerFacts],
    by_email: Sequence[CustomerFacts],
    currency: str,
    settings: LedgerSettings,
) -> CustomerMatch:
    """The customer to record the charge on; CustomerCurrencyError when it lacks `currency` for good.

    `customers` holds what NetSuite returned for `sources.customer_ids(settings)` (missing ones absent);
    `by_email` the customers whose email NetSuite matched to `sources.emails` (compared here again).
    """
    notes: list[str] = []
    customer, source = _choose(sources, customers, by_email, settings, notes)
    if currency in customer.currencies:
        return CustomerMatch(customer, source, False, tuple(notes))
    if settings.add_customer_currency:
        notes.append(f"{currency} added to NetSuite customer {customer.id}")
        return CustomerMatch(customer, source, True, tuple(notes))
    raise CustomerCurrencyError(
        f"NetSuite customer {customer.id} ({customer.name}) has no {currency} currency, so charge "
        f"{sources.charge_id} cannot be recorded: add {currency} to the customer's currencies in NetSuite "
        "(or let the connector add missing customer currencies), then replay the charge"
    )
