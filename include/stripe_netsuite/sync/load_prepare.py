"""Turning ready Stripe rows and NetSuite's facts into chains of writes (and the outcomes known up front)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from stripe_netsuite.sync import load_facts as facts
from stripe_netsuite.sync.applications import InvoiceFacts
from stripe_netsuite.sync.customers import CustomerSources, match_customer
from stripe_netsuite.sync.errors import LedgerMappingError
from stripe_netsuite.sync.external_ids import LedgerRecord, external_id
from stripe_netsuite.sync.load_plan import Chain, Outcome, PaymentStep, ReversalStep, WriteBack
from stripe_netsuite.sync.load_store import ReadyRows, SyncState, recorded_payment
from stripe_netsuite.sync.load_stripe import payment_metadata, reversal_metadata
from stripe_netsuite.sync.payments import PAYMENT_STATUSES
from stripe_netsuite.sync.refunds import RecordedPayment
from stripe_netsuite.sync.reversals import (
    Reversal,
    dispute_reversal,
    failed_payment_reversal,
    refund_failed_after_leaving,
    refund_failure_reversal,
    refund_reversal,
)
from stripe_netsuite.sync.settings import LedgerSettings
from stripe_netsuite.sync.stripe_facts import currency_of, id_of, requested_invoice_ids

__all__ = ["Plan", "prepare"]

SYNCED, FAILED = "synced", "failed"


@dataclass
class Plan:
    """The chains to write, the facts they draw on, and what is already decided."""

    chains: list[Chain] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    invoices: dict[str, InvoiceFacts] = field(default_factory=dict)
    currency_ids: dict[str, str] = field(default_factory=dict)
    existing: dict[tuple[str, str], facts.ExistingRecord] = field(default_factory=dict)
    own_applications: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    payments: dict[str, RecordedPayment] = field(default_factory=dict)  # charge id -> as first recorded
    reversal_ids: dict[str, set[str]] = field(default_factory=dict)  # charge id -> its refunds and disputes
    # Failures found while planning, to record: (stripe id, Stripe object, NetSuite record type, external id).
    new_failures: list[tuple[Outcome, str, str, str]] = field(default_factory=list)
    write_backs: list[WriteBack] = field(default_factory=list)

    def fail(self, outcome: Outcome, stripe_object: str, record_type: str, ext: str) -> None:
        self.outcomes.append(outcome)
        self.new_failures.append((outcome, stripe_object, record_type, ext))


def _reversal_of(
    raw: Mapping[str, Any], charge: Mapping[str, Any] | None, transactions: Mapping[str, dict[str, Any]]
) -> Reversal | None:
    stripe_id = str(raw.get("id"))
    if raw.get("object") == "dispute":
        return dispute_reversal(raw)
    if raw.get("object") == "refund":
        return refund_reversal(raw, transactions.get(stripe_id))
    assert charge is not None and stripe_id == charge.get("id")
    failure = transactions.get(stripe_id)
    failed_at = int((failure or {}).get("created") or charge.get("created") or 0)
    return failed_payment_reversal(charge, failed_at, failure)


def _reversal_outcome(step: ReversalStep, status: str, reason: str | None = None) -> Outcome:
    reversal = step.reversal
    return Outcome(reversal.stripe_id, step.kind, status, reversal.currency, reversal.amount, reason=reason)


def _chain_reversals(
    charge_id: str,
    charge: dict[str, Any] | None,
    siblings: list[tuple[dict[str, Any], str]],
    rows: ReadyRows,
    transactions: Mapping[str, dict[str, Any]],
    states: Mapping[tuple[str, str], SyncState],
    plan: Plan,
) -> list[ReversalStep]:
    """The charge's reversals to write, in Stripe's order; earlier ones counted, blocked ones reported."""
    candidates: list[tuple[dict[str, Any], bool]] = [(raw, status == "ready") for raw, status in siblings]
    if charge is not None and charge.get("status") == "failed":
        candidates.append((charge, True))
    steps: list[ReversalStep] = []
    for raw, ready in candidates:
        try:
            reversal = _reversal_of(raw, charge, transactions)
        except LedgerMappingError as error:
            stripe_id = str(raw.get("id"))
            plan.fail(
                Outcome(stripe_id, "refund", FAILED, reason=str(error)),
                str(raw.get("object")),
                "customerRefund",
                stripe_id,
            )
            continue
        if reversal is not None:
            account = rows.accounts.get(reversal.stripe_id, rows.accounts.get(charge_id, ""))
            steps.append(ReversalStep(reversal, raw, account, Decimal(0), ready))
            if raw.get("object") == "refund" and refund_failed_after_leaving(raw):
                steps += _refund_failure_step(raw, account, ready, transactions, plan)
    steps.sort(key=lambda s: (s.reversal.created, s.reversal.stripe_id))
    todo: list[ReversalStep] = []
    earlier = Decimal(0)
    blocked_by: str | None = None
    for step in steps:
        step.earlier_reversed = earlier
        if step.kind != "failed_refund":  # the payment's credit the refund used stays used (refunds.py)
            earlier += step.reversal.amount or Decimal(0)
        state = states.get((step.reversal.record.record_type, step.external_id))
        if state is not None and state.status == SYNCED and blocked_by is None:
            plan.outcomes.append(_reversal_outcome(step, "unchanged"))
            if "stripe_metadata" not in state.detail and state.internal_id and step.writes_back:
                values = reversal_metadata(state.internal_id, state.detail.get("credit_memo_id"))
                plan.write_backs.append(
                    WriteBack(step.obj, step.account, step.kind, values, "customerRefund", step.external_id)
                )
            continue
        if blocked_by is not None:
            if step.ready:
                plan.outcomes.append(_reversal_outcome(step, "blocked", f"waits for {blocked_by}"))
            continue
        if state is not None and state.status == FAILED:
            plan.outcomes.append(_reversal_outcome(step, FAILED, state.last_error))
            blocked_by = f"{step.reversal.stripe_id} (failed)"
            continue
        if not step.ready:
            blocked_by = f"{step.reversal.stripe_id} (not validated)"
            continue
        todo.append(step)
    return todo


def _refund_failure_step(
    refund: dict[str, Any], account: str, ready: bool, transactions: Mapping[str, dict[str, Any]], plan: Plan
) -> list[ReversalStep]:
    """A failed refund's money coming back, once stripe_sync holds its `refund_failure` transaction."""
    refund_id = str(refund.get("id"))
    ext = external_id(LedgerRecord.REFUND_FAILURE, refund_id)
    failure = transactions.get(str(refund.get("failure_balance_transaction")))
    if failure is None:
        plan.outcomes.append(Outcome(refund_id, "failed_refund", "blocked",
                                     reason="waits for its refund_failure balance transaction (stripe_sync)"))
        return []
    try:
        reversal = refund_failure_reversal(refund, failure)
    except LedgerMappingError as error:
        outcome = Outcome(refund_id, "failed_refund", FAILED, reason=str(error))
        plan.fail(outcome, "refund", "customerPayment", ext)
        return []
    return [] if reversal is None else [ReversalStep(reversal, refund, account, Decimal(0), ready)]


def prepare(
    rows: ReadyRows,
    related: Mapping[str, dict[str, Any]],
    reversals_of: Mapping[str, list[tuple[dict[str, Any], str]]],
    transactions: Mapping[str, dict[str, Any]],
    states: Mapping[tuple[str, str], SyncState],
    netsuite: facts.SuiteQL,
    settings: LedgerSettings,
    *,
    concurrency: int = 1,
) -> Plan:
    """The plan for these rows: one chain per charge with something to write, grouped later by customer.
    `concurrency`: how many of the external-id lookups may be in flight at once (the account's limit)."""
    plan = Plan()
    plan.reversal_ids = {cid: {str(raw.get("id")) for raw, _ in items} for cid, items in reversals_of.items()}
    charge_ids = set(rows.charges) | {
        id_of(r.get("charge")) or "" for r in (*rows.refunds.values(), *rows.disputes.values())
    }
    charge_ids.discard("")
    payment_states = {
        cid: states.get(("customerPayment", external_id(LedgerRecord.PAYMENT, cid))) for cid in charge_ids
    }
    needs_payment: dict[str, dict[str, Any]] = {}
    for cid in sorted(charge_ids):
        charge, state = rows.charges.get(cid), payment_states[cid]
        if charge is None or charge.get("status") not in PAYMENT_STATUSES:
            continue
        if state is not None and state.status == SYNCED:
            currency = currency_of(charge)
            plan.outcomes.append(Outcome(cid, "payment", "unchanged", currency, None, state.internal_id))
            if "stripe_metadata" not in state.detail and state.internal_id:
                plan.write_backs.append(
                    WriteBack(
                        charge,
                        rows.accounts.get(cid, ""),
                        "payment",
                        payment_metadata(state.internal_id),
                        "customerPayment",
                        state.external_id,
                    )
                )
        elif state is not None and state.status == FAILED:
            plan.outcomes.append(Outcome(cid, "payment", FAILED, reason=state.last_error))
        else:
            needs_payment[cid] = charge
    plan.currency_ids = facts.currency_ids(netsuite)
    symbols = {v: k for k, v in plan.currency_ids.items()}
    sources = {
        cid: CustomerSources.from_stripe(
            charge,
            related.get(id_of(charge.get("payment_intent")) or ""),
            related.get(id_of(charge.get("customer")) or ""),
        )
        for cid, charge in needs_payment.items()
    }
    customer_ids = {i for s in sources.values() for i in s.customer_ids(settings)}
    customers = facts.customers_by_id(netsuite, customer_ids, symbols)
    by_email = (
        facts.customers_by_email(netsuite, {e for s in sources.values() for e in s.emails}, symbols)
        if settings.match_by_email
        else []
    )
    chains: dict[str, Chain] = {}
    requested: set[str] = set()
    for cid, charge in needs_payment.items():
        intent = related.get(id_of(charge.get("payment_intent")) or "")
        try:
            match = match_customer(sources[cid], customers, by_email, currency_of(charge), settings)
            requested.update(requested_invoice_ids(charge, intent))
        except LedgerMappingError as error:
            plan.fail(Outcome(cid, "payment", FAILED, reason=str(error)), "charge", "customerPayment", cid)
            continue
        step = PaymentStep(
            charge,
            rows.accounts.get(cid, ""),
            match,
            intent,
            related.get(id_of(charge.get("balance_transaction")) or ""),
        )
        chains[cid] = Chain(cid, match.customer.id, step)
    for cid in sorted(charge_ids):
        state = payment_states[cid]
        recorded = recorded_payment(state) if state is not None and state.status == SYNCED else None
        if recorded is not None:
            plan.payments[cid] = recorded
        todo = _chain_reversals(
            cid, rows.charges.get(cid), reversals_of.get(cid, []), rows, transactions, states, plan
        )
        if not todo:
            continue
        if cid in chains:
            chains[cid].reversals = todo
        elif recorded is not None:
            chains[cid] = Chain(cid, recorded.customer_id, None, todo)
        else:
            for waiting in todo:
                if waiting.kind == "failed_debit" and cid not in needs_payment:
                    continue  # a bank debit that failed before its payment was recorded: nothing to reverse
                plan.outcomes.append(_reversal_outcome(waiting, "blocked", f"waits for the payment of {cid}"))
    plan.chains = list(chains.values())
    plan.invoices = facts.invoices_by_id(netsuite, requested, symbols)
    if settings.auto_apply:
        plan.invoices.update(facts.open_invoices(netsuite, {c.customer_id for c in plan.chains}, symbols))
    wanted = [c.payment.external_id for c in plan.chains if c.payment is not None]
    for chain in plan.chains:
        wanted += [s.external_id for s in chain.reversals] + [
            s.credit_memo_external_id for s in chain.reversals
        ]
        if chain.payment is not None:
            # Any reversal already in NetSuite means the payment's original body must not be sent again.
            wanted += [str(raw.get("id")) for raw, _ in reversals_of.get(chain.charge_id, [])]
            wanted.append(external_id(LedgerRecord.FAILED_PAYMENT_REFUND, chain.charge_id))
    plan.existing = facts.existing_records(netsuite, wanted, concurrency=concurrency)
    payment_ids = [
        plan.existing[("customerPayment", c.payment.external_id)].internal_id
        for c in plan.chains
        if c.payment is not None and ("customerPayment", c.payment.external_id) in plan.existing
    ]
    plan.own_applications = dict(facts.payment_applications(netsuite, payment_ids, concurrency=concurrency))
    return plan
