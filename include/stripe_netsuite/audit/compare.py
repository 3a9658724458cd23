"""The audit itself: Stripe's objects of a period against NetSuite's records, pure (no network, no clock).

What NetSuite must hold is the connector's own rule, taken from the library's pure mappings rather than from
its sync records: a succeeded (or processing) charge is one customer payment of its gross amount in its
currency on the customer `match_customer` picks; a refund Stripe took, and a dispute whose funds were
withdrawn (whatever its outcome: the withdrawal stands in the ledger, a won dispute's money returns on a
later deposit), is a customer refund of its amount on its payment's customer; a paid automatic payout with
a positive amount is one deposit of that total, dated its arrival day. And every NetSuite record under a
Stripe external id names an object Stripe knows, of the kind the record stands for.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from stripe_netsuite.audit.findings import AuditResult, Code, Disagreement
from stripe_netsuite.audit.period import AuditPeriod
from stripe_netsuite.audit.sides import LedgerEntry, NetSuiteSide, StripeSide, named_stripe_id
from stripe_netsuite.money import MoneyError, from_minor
from stripe_netsuite.sync.customers import CustomerSources, match_customer
from stripe_netsuite.sync.deposits import arrival_day
from stripe_netsuite.sync.errors import LedgerMappingError
from stripe_netsuite.sync.external_ids import LedgerRecord, external_id
from stripe_netsuite.sync.payments import PAYMENT_STATUSES
from stripe_netsuite.sync.reversals import (
    dispute_reversal,
    refund_failed_after_leaving,
    refund_reversal,
)
from stripe_netsuite.sync.settings import LedgerSettings
from stripe_netsuite.sync.stripe_facts import charge_amount, currency_of, id_of, tran_date

__all__ = ["audit_ledger", "checked_counts", "copy_finding", "object_findings", "ordered", "stranger_finding"]

# The Stripe object each kind of ledger record stands for, by LedgerRecord name (a kind added to the ledger
# later is checked for existence in Stripe until it is named here).
KINDS = {
    "PAYMENT": ("charge",),
    "FAILED_PAYMENT_REFUND": ("charge",),
    "REFUND": ("refund", "dispute"),
    "CREDIT_MEMO": ("refund", "dispute"),
    "REFUND_FAILURE": ("refund",),
    "DEPOSIT": ("payout",),
    "DEPOSIT_REVERSAL": ("payout",),
}


def audit_ledger(
    stripe: StripeSide, netsuite: NetSuiteSide, settings: LedgerSettings, period: AuditPeriod
) -> AuditResult:
    """Every disagreement between the period's Stripe objects and NetSuite's records, by kind and id."""
    found = object_findings(stripe, netsuite, settings)
    kinds = {stripe_id: str(obj.get("object") or "") for stripe_id, obj in stripe.known.items()}
    found += [d for entry in netsuite.entries.values() if (d := stranger_finding(entry, kinds)) is not None]
    found += _copies(netsuite)
    checked = checked_counts(len(stripe.charges), len(stripe.refunds), len(stripe.disputes),
                             len(stripe.payouts), len(netsuite.entries))
    return AuditResult(period, checked, ordered(found))


def object_findings(
    stripe: StripeSide, netsuite: NetSuiteSide, settings: LedgerSettings
) -> list[Disagreement]:
    """What is wrong with the records of `stripe`'s charges, refunds, disputes and payouts; `netsuite` needs
    to hold only the records and customers those objects name (run_audit passes one chunk at a time)."""
    found: list[Disagreement] = []
    for charge in stripe.charges:
        found += _charge(charge, netsuite, settings)
    for refund in stripe.refunds:
        found += _reversal(refund, "refund", netsuite, settings)
    for dispute in stripe.disputes:
        found += _reversal(dispute, "dispute", netsuite, settings)
    for payout in stripe.payouts:
        found += _payout(payout, netsuite)
    return found


def checked_counts(charges: int, refunds: int, disputes: int, payouts: int, records: int) -> dict[str, int]:
    return {"charges": charges, "refunds": refunds, "disputes": disputes, "payouts": payouts,
            "netsuite_records": records}


def ordered(found: list[Disagreement]) -> tuple[Disagreement, ...]:
    """Findings by code (Code's order), then Stripe id; a stable sort keeps one id's findings in the order
    they were found."""
    order = {code: index for index, code in enumerate(Code)}
    return tuple(sorted(found, key=lambda d: (order[d.code], d.stripe_id)))


def _money(amount: Decimal, currency: str) -> str:
    return f"{amount} {currency}"


def _charge(
    charge: Mapping[str, Any], netsuite: NetSuiteSide, settings: LedgerSettings
) -> Iterator[Disagreement]:
    charge_id = id_of(charge) or "?"
    payment = netsuite.entry(LedgerRecord.PAYMENT, charge_id)
    status = str(charge.get("status"))
    side = {"object": f"charge {charge_id}", "status": status}
    if status not in PAYMENT_STATUSES:
        if payment is None:
            return
        fail = external_id(LedgerRecord.FAILED_PAYMENT_REFUND, charge_id)
        if status != "failed":
            yield Disagreement(Code.PAYMENT_FOR_UNPAID_CHARGE, charge_id, side, payment.describe())
        elif netsuite.entry(LedgerRecord.FAILED_PAYMENT_REFUND, fail) is None:
            yield Disagreement(Code.FAILED_DEBIT_NOT_REVERSED, charge_id, side, payment.describe(),
                               f"no customer refund {fail}")
        return
    try:
        currency = currency_of(charge)
        amount = charge_amount(charge, currency)
        side |= {"amount": _money(amount, currency), "date": tran_date(charge.get("created"), settings.zone)
                 .isoformat()}
    except LedgerMappingError as error:
        yield Disagreement(Code.UNREADABLE, charge_id, side, _describe(payment), str(error))
        return
    expected: str | None = None
    refusal = ""
    try:
        match = match_customer(CustomerSources.from_stripe(charge), netsuite.customers,
                               netsuite.customers_by_email, currency, settings)
        expected = match.customer.id
        side["customer"] = f"{expected} (by {match.source})"
    except LedgerMappingError as error:  # the connector refuses it too (CustomerCurrencyError, ...)
        refusal = f"the connector cannot record it: {error}"
        side["customer"] = "none"
    if payment is None:
        yield Disagreement(Code.MISSING_PAYMENT, charge_id, side, None, refusal)
        return
    if payment.currency != currency:
        yield Disagreement(Code.PAYMENT_CURRENCY, charge_id, side, payment.describe())
    elif payment.amount != amount:
        yield Disagreement(Code.PAYMENT_AMOUNT, charge_id, side, payment.describe(),
                           f"NetSuite {payment.amount}, Stripe {amount} {currency}")
    if payment.customer_id != expected:
        yield Disagreement(Code.PAYMENT_CUSTOMER, charge_id, side, payment.describe(),
                           refusal or f"NetSuite customer {payment.customer_id}, expected {expected}")


def _reversal(
    obj: Mapping[str, Any], kind: str, netsuite: NetSuiteSide, settings: LedgerSettings
) -> Iterator[Disagreement]:
    stripe_id = id_of(obj) or "?"
    entry = netsuite.entry(LedgerRecord.REFUND, stripe_id)
    side = {"object": f"{kind} {stripe_id} of charge {id_of(obj.get('charge')) or '?'}",
            "status": str(obj.get("status"))}
    try:
        reversal = refund_reversal(obj) if kind == "refund" else dispute_reversal(obj)
    except LedgerMappingError as error:
        yield Disagreement(Code.UNREADABLE, stripe_id, side, _describe(entry), str(error))
        return
    if reversal is None:  # no money left Stripe's balance
        if entry is not None:
            yield Disagreement(Code.REFUND_NOT_TAKEN, stripe_id, side, entry.describe())
        return
    amount = reversal.amount or Decimal(0)
    side |= {"amount": _money(amount, reversal.currency),
             "date": tran_date(reversal.created, settings.zone).isoformat()}
    if entry is None:
        yield Disagreement(Code.MISSING_REFUND, stripe_id, side, None)
        return
    if entry.currency != reversal.currency:
        yield Disagreement(Code.REFUND_CURRENCY, stripe_id, side, entry.describe())
    elif entry.amount != amount:
        yield Disagreement(Code.REFUND_AMOUNT, stripe_id, side, entry.describe(),
                           f"NetSuite {entry.amount}, Stripe {amount} {reversal.currency}")
    payment = netsuite.entry(LedgerRecord.PAYMENT, reversal.charge_id)
    if payment is not None and entry.customer_id != payment.customer_id:
        yield Disagreement(Code.REFUND_CUSTOMER, stripe_id, side, entry.describe(),
                           f"its payment {payment.internal_id} is on customer {payment.customer_id}")
    if kind == "refund" and refund_failed_after_leaving(obj):
        yield from _returned(stripe_id, side, amount, reversal.currency, entry, netsuite)


def _returned(stripe_id: str, side: dict[str, str], amount: Decimal, currency: str, refund: LedgerEntry,
              netsuite: NetSuiteSide) -> Iterator[Disagreement]:
    """A refund that failed after it left the balance: its money back is an `rf-` customer payment of the
    refund's amount on the refund's customer."""
    back_id = external_id(LedgerRecord.REFUND_FAILURE, stripe_id)
    back = netsuite.entry(LedgerRecord.REFUND_FAILURE, back_id)
    if back is None:
        yield Disagreement(Code.REFUND_RETURN, stripe_id, side, None, f"no customer payment {back_id}")
        return
    wrong = [f"{name}: NetSuite {found}, expected {wanted}" for name, found, wanted in (
        ("currency", back.currency, currency), ("amount", back.amount, amount),
        ("customer", back.customer_id, refund.customer_id)) if found != wanted]  # fmt: skip
    if wrong:
        yield Disagreement(Code.REFUND_RETURN, stripe_id, side, back.describe(), "; ".join(wrong))


def _payout(payout: Mapping[str, Any], netsuite: NetSuiteSide) -> Iterator[Disagreement]:
    payout_id = id_of(payout) or "?"
    deposit = netsuite.entry(LedgerRecord.DEPOSIT, payout_id)
    status, amount = str(payout.get("status")), payout.get("amount")
    side = {"object": f"payout {payout_id}", "status": status}
    if status in ("failed", "canceled"):
        reversal = external_id(LedgerRecord.DEPOSIT_REVERSAL, payout_id)
        if deposit is not None and netsuite.entry(LedgerRecord.DEPOSIT_REVERSAL, reversal) is None:
            yield Disagreement(Code.PAYOUT_FAILED_NOT_REVERSED, payout_id, side, deposit.describe(),
                               f"no journal entry {reversal}")
        return
    if status != "paid" or not payout.get("automatic") or not isinstance(amount, int) or amount <= 0:
        return  # manual and debit payouts are recorded by hand (netsuite_deposits reports them)
    try:
        currency = currency_of(payout)
        total, day = from_minor(amount, currency), arrival_day(payout)
    except (LedgerMappingError, MoneyError) as error:
        yield Disagreement(Code.UNREADABLE, payout_id, side, _describe(deposit), str(error))
        return
    side |= {"amount": _money(total, currency), "date": day.isoformat()}
    if deposit is None:
        yield Disagreement(Code.MISSING_DEPOSIT, payout_id, side, None)
        return
    if deposit.currency != currency:
        yield Disagreement(Code.DEPOSIT_CURRENCY, payout_id, side, deposit.describe())
    elif deposit.amount != total:
        yield Disagreement(Code.DEPOSIT_TOTAL, payout_id, side, deposit.describe(),
                           f"NetSuite {deposit.amount}, Stripe {total} {currency}")
    if deposit.tran_date != day:
        yield Disagreement(Code.DEPOSIT_DATE, payout_id, side, deposit.describe())


def stranger_finding(entry: LedgerEntry, kinds: Mapping[str, str]) -> Disagreement | None:
    """A record under a Stripe external id that Stripe does not know (`kinds`: each Stripe id Stripe
    answered for -> its `object`), or knows as another kind of object than the record stands for."""
    parsed = entry.ledger
    if parsed is None:
        return None  # not a Stripe external id
    record, stripe_id = parsed
    kind = kinds.get(stripe_id)
    if kind is None:
        return Disagreement(Code.UNKNOWN_TO_STRIPE, stripe_id, {"object": "none: Stripe answers 404"},
                            entry.describe())
    wanted = KINDS.get(record.name)
    if wanted is not None and kind not in wanted:
        return Disagreement(Code.WRONG_KIND, stripe_id, {"object": f"{kind or None} {stripe_id}"},
                            entry.describe(), f"a {entry.record_type} {entry.external_id} stands for a "
                            + " or ".join(wanted))
    return None


def _copies(netsuite: NetSuiteSide) -> Iterator[Disagreement]:
    ours = {(entry.record_type, parsed[1]): entry
            for entry in netsuite.entries.values() if (parsed := entry.ledger) is not None}
    for copy in netsuite.memo_only:
        finding = copy_finding(copy, ours)
        if finding is not None:
            yield finding


def copy_finding(copy: LedgerEntry, ours: Mapping[tuple[str, str], LedgerEntry]) -> Disagreement | None:
    """A record without our external id whose memo names a Stripe object that already has its record of that
    type (`ours`: (record type, Stripe id) -> our record): NetSuite holds that object twice."""
    stripe_id = named_stripe_id(copy.memo)
    original = ours.get((copy.record_type, stripe_id)) if stripe_id else None
    if not stripe_id or original is None:
        return None
    return Disagreement(Code.DUPLICATE, stripe_id, {"object": stripe_id}, copy.describe(),
                        f"{original.record_type} {original.internal_id} is the record under "
                        f"{original.external_id}; memo of the copy: {copy.memo[:80]}")


def _describe(entry: LedgerEntry | None) -> dict[str, str] | None:
    return entry.describe() if entry is not None else None
