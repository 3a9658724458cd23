"""One audit: read both sides for a period, resolve every Stripe id NetSuite names, compare."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

import stripe

from stripe_netsuite.audit.compare import (
    checked_counts,
    copy_finding,
    object_findings,
    ordered,
    stranger_finding,
)
from stripe_netsuite.audit.fetch_netsuite import (
    KeysetSuiteQL,
    entries_by_external_id,
    memo_only_in_period,
    period_entries,
)
from stripe_netsuite.audit.fetch_stripe import CHUNK, lookup_ids, stripe_chunks
from stripe_netsuite.audit.findings import AuditResult, Disagreement
from stripe_netsuite.audit.period import AuditPeriod
from stripe_netsuite.audit.sides import LedgerEntry, NetSuiteSide, StripeSide, named_stripe_id
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


# Customers kept between chunks (a few hundred bytes each): a customer paying all month is read once, not once
# per chunk; past this many the cache starts again, so memory stays bounded on an account of any size.
CUSTOMER_CACHE = 20_000


@dataclass
class _KnownCustomers:
    """Customers already read from NetSuite by internal id (None: NetSuite has no such customer)."""

    held: dict[str, CustomerFacts | None] = field(default_factory=dict)

    def by_id(
        self, netsuite: load_facts.SuiteQL, ids: set[str], symbols: dict[str, str]
    ) -> dict[str, CustomerFacts]:
        missing = ids - self.held.keys()
        if missing:
            if len(self.held) + len(missing) > CUSTOMER_CACHE:
                self.held.clear()
                missing = ids
            found = load_facts.customers_by_id(netsuite, missing, symbols)
            self.held |= {i: found.get(i) for i in missing}
        return {i: facts for i in ids if (facts := self.held.get(i)) is not None}


def _customers(
    netsuite: load_facts.SuiteQL,
    charges: Sequence[Mapping[str, Any]],
    settings: LedgerSettings,
    symbols: dict[str, str],
    known: _KnownCustomers | None = None,
) -> tuple[dict[str, CustomerFacts], list[CustomerFacts]]:
    sources = []
    for charge in charges:
        try:
            sources.append(CustomerSources.from_stripe(charge))
        except LedgerMappingError:
            continue  # the comparison reports the charge as unreadable
    ids = {i for s in sources for i in s.customer_ids(settings)} | {settings.unallocated_customer_id}
    by_id = (known or _KnownCustomers()).by_id(netsuite, ids, symbols)
    emails = {e for s in sources for e in s.emails}
    by_email = load_facts.customers_by_email(netsuite, emails, symbols) if settings.match_by_email else []
    return by_id, by_email


@dataclass
class _Audit:
    """What an audit keeps between chunks: the findings, counts, the kind of every Stripe object of the
    period by id (a few dozen bytes each, where the objects are kilobytes), and the few NetSuite records a
    chunk found that are dated outside the period (the period's own are read again, streamed, at the end)."""

    period: AuditPeriod
    found: list[Disagreement] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    kinds: dict[str, str] = field(default_factory=dict)
    outside: dict[tuple[str, str], LedgerEntry] = field(default_factory=dict)

    def compare(self, side: StripeSide, netsuite: NetSuiteSide, settings: LedgerSettings) -> None:
        self.found += object_findings(side, netsuite, settings)
        self.outside |= {k: e for k, e in netsuite.entries.items() if e.tran_date not in self.period}


def _side(field_name: str, objects: list[dict[str, Any]]) -> StripeSide:
    return StripeSide(**{field_name: objects})  # type: ignore[arg-type]


def run_audit(
    netsuite: KeysetSuiteQL,
    stripe_client: stripe.StripeClient,
    settings: LedgerSettings,
    period: AuditPeriod,
    *,
    accounts: Sequence[str] = ("",),
    chunk: int = CHUNK,
) -> AuditResult:
    """Read Stripe (every account in `accounts`, '' = the platform) and NetSuite for `period`; compare.

    Memory stays bounded for a month of a large account: Stripe's objects are compared CHUNK at a time
    against the NetSuite records and customers they name, and the period's NetSuite records are streamed by
    ascending id for the checks that need all of them (unknown to Stripe, copies)."""
    apis = [StripeApi(stripe_client, account) for account in accounts]
    symbols = {v: k for k, v in load_facts.currency_ids(netsuite).items()}
    audit, known = _Audit(period), _KnownCustomers()
    for field_name, objects in stripe_chunks(apis, period, settings.zone, chunk):
        side = _side(field_name, objects)
        audit.counts[field_name] += len(objects)
        audit.kinds |= {str(obj["id"]): str(obj.get("object") or "") for obj in objects}
        entries = entries_by_external_id(netsuite, wanted_external_ids(side))
        customers, by_email = (
            _customers(netsuite, side.charges, settings, symbols, known) if side.charges else ({}, [])
        )
        audit.compare(side, NetSuiteSide(entries, customers, by_email), settings)
    copies = memo_only_in_period(netsuite, period)
    targets = {(c.record_type, stripe_id) for c in copies if (stripe_id := named_stripe_id(c.memo))}
    ours: dict[tuple[str, str], LedgerEntry] = {}
    unknown: list[LedgerEntry] = []
    records = 0
    for entry in chain(period_entries(netsuite, period), list(audit.outside.values())):
        records += 1
        parsed = entry.ledger
        if parsed is None:
            continue
        if (entry.record_type, parsed[1]) in targets:
            ours[(entry.record_type, parsed[1])] = entry
        if parsed[1] in audit.kinds:
            finding = stranger_finding(entry, audit.kinds)
            if finding is not None:
                audit.found.append(finding)
        else:
            unknown.append(entry)  # named by NetSuite only: Stripe is asked below
    looked_up = lookup_ids(apis, {parsed[1] for e in unknown if (parsed := e.ledger) is not None})
    kinds = {stripe_id: str(obj.get("object") or "") for stripe_id, obj in looked_up.items()}
    audit.found += [d for entry in unknown if (d := stranger_finding(entry, kinds)) is not None]
    audit.found += [d for copy in copies if (d := copy_finding(copy, ours)) is not None]
    c = audit.counts
    checked = checked_counts(c["charges"], c["refunds"], c["disputes"], c["payouts"], records)
    return AuditResult(period, checked, ordered(audit.found))
