"""One audit: read both sides for a period, resolve every Stripe id NetSuite names, compare."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import stripe

from stripe_netsuite.audit.compare import audit_ledger
from stripe_netsuite.audit.fetch_netsuite import (
    entries_by_external_id,
    entries_in_period,
    memo_only_in_period,
)
from stripe_netsuite.audit.fetch_stripe import fetch_stripe_side, lookup_ids
from stripe_netsuite.audit.findings import AuditResult
from stripe_netsuite.audit.period import AuditPeriod
from stripe_netsuite.audit.sides import NetSuiteSide, StripeSide
from stripe_netsuite.stripe_api.api import StripeApi
from stripe_netsuite.sync import load_facts
from stripe_netsuite.sync.customers import CustomerFacts, CustomerSources
from stripe_netsuite.sync.errors import LedgerMappingError
from stripe_netsuite.sync.external_ids import LedgerRecord, external_id
from stripe_netsuite.sync.settings import LedgerSettings
from stripe_netsuite.sync.stripe_facts import id_of

__all__ = ["run_audit", "wanted_external_ids"]


def wanted_external_ids(side: StripeSide) -> set[str]:
    """The external ids of every record the period's Stripe objects may have in NetSuite (the payment of a
    refunded or disputed charge too, whatever its date: a refund is checked against its payment)."""
    wanted: set[str] = set()
    for charge in side.charges:
        charge_id = str(charge["id"])
        wanted |= {external_id(LedgerRecord.PAYMENT, charge_id),
                   external_id(LedgerRecord.FAILED_PAYMENT_REFUND, charge_id)}
    for refund in side.refunds:  # a refund that failed later: its money back
        wanted.add(external_id(LedgerRecord.REFUND_FAILURE, str(refund["id"])))
    for obj in (*side.refunds, *side.disputes):
        wanted.add(external_id(LedgerRecord.REFUND, str(obj["id"])))
        parent = id_of(obj.get("charge"))
        if parent:
            wanted.add(external_id(LedgerRecord.PAYMENT, parent))
    for payout in side.payouts:
        payout_id = str(payout["id"])
        wanted |= {external_id(LedgerRecord.DEPOSIT, payout_id),
                   external_id(LedgerRecord.DEPOSIT_REVERSAL, payout_id)}
    return wanted


def _customers(
    netsuite: load_facts.SuiteQL, charges: Sequence[Mapping[str, Any]], settings: LedgerSettings
) -> tuple[dict[str, CustomerFacts], list[CustomerFacts]]:
    symbols = {v: k for k, v in load_facts.currency_ids(netsuite).items()}
    sources = []
    for charge in charges:
        try:
            sources.append(CustomerSources.from_stripe(charge))
        except LedgerMappingError:
            continue  # the comparison reports the charge as unreadable
    ids = {i for s in sources for i in s.customer_ids(settings)} | {settings.unallocated_customer_id}
    by_id = load_facts.customers_by_id(netsuite, ids, symbols)
    emails = {e for s in sources for e in s.emails}
    by_email = load_facts.customers_by_email(netsuite, emails, symbols) if settings.match_by_email else []
    return by_id, by_email


def run_audit(
    netsuite: load_facts.SuiteQL,
    stripe_client: stripe.StripeClient,
    settings: LedgerSettings,
    period: AuditPeriod,
    *,
    accounts: Sequence[str] = ("",),
) -> AuditResult:
    """Read Stripe (every account in `accounts`, '' = the platform) and NetSuite for `period`; compare."""
    apis = [StripeApi(stripe_client, account) for account in accounts]
    listed = fetch_stripe_side(apis, period, settings.zone)
    entries = entries_by_external_id(netsuite, wanted_external_ids(listed))
    entries |= entries_in_period(netsuite, period)
    named = {parsed[1] for entry in entries.values() if (parsed := entry.ledger) is not None}
    known = {**listed.known, **lookup_ids(apis, named - set(listed.known))}
    stripe_side = StripeSide(listed.charges, listed.refunds, listed.disputes, listed.payouts, known)
    customers, by_email = _customers(netsuite, listed.charges, settings)
    netsuite_side = NetSuiteSide(entries, customers, by_email, memo_only_in_period(netsuite, period))
    return audit_ledger(stripe_side, netsuite_side, settings, period)
