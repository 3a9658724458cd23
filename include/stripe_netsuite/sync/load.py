"""Loading: ready Stripe rows -> NetSuite customer payments, credit memos and customer refunds, exactly once.

    result = load_payments(engine, netsuite, stripe_client, settings, run_id="manual")

Every write is an upsert by the external id derived from the Stripe id (or an update by internal id), so a
re-run after any crash changes nothing that is right. Chains of writes (one charge: payment, then its
reversals in Stripe's order) run on one writer thread more than the account's NetSuite concurrency limit
(`NETSUITE_CONCURRENCY_LIMIT`); the client's limiter keeps requests under it whatever the thread count, and
the spare writer has its next request built and waiting when a slot frees (with exactly as many writers as
slots, a slot stayed idle while its writer recorded one payment and built the next).
The writers do nothing but NetSuite writes: their sync records go to one bookkeeping thread that commits them
in batches (load_books), and the NetSuite ids go back into Stripe's metadata on a few threads of their own,
so NetSuite is never idle while a writer waits for the state DB or Stripe. A writer waits for an earlier
record to be durable only before the next step of the same charge or customer (see load_books).
A record NetSuite refuses for good (a 4xx, or a mapping error) is marked failed with the reason and the rest
go on; a record that ran out of retries (5xx, 429, lost connection) stays pending and makes
`LoadResult.retry` non-empty, which fails the task so that Airflow retries it.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import stripe
from sqlalchemy import Engine

from stripe_netsuite.netsuite import NetSuiteClient, NetSuiteError
from stripe_netsuite.netsuite.errors import NetSuiteNotFoundError, NetSuiteUserError
from stripe_netsuite.sync import load_store as store
from stripe_netsuite.sync.applications import without_own_applications
from stripe_netsuite.sync.errors import LedgerMappingError
from stripe_netsuite.sync.external_ids import LedgerRecord, external_id
from stripe_netsuite.sync.load_books import Books
from stripe_netsuite.sync.load_plan import Chain, Outcome, PaymentStep, ReversalStep, WriteBack
from stripe_netsuite.sync.load_prepare import Plan, prepare
from stripe_netsuite.sync.load_store import SyncWrite
from stripe_netsuite.sync.load_stripe import payment_metadata, reversal_metadata, write_metadata
from stripe_netsuite.sync.payments import build_customer_payment
from stripe_netsuite.sync.records import LedgerWrite
from stripe_netsuite.sync.refunds import RecordedPayment, build_reversal
from stripe_netsuite.sync.settings import LedgerSettings
from stripe_netsuite.sync.stripe_facts import currency_of, requested_invoice_ids

__all__ = ["LoadResult", "load_payments"]

logger = logging.getLogger(__name__)
SYNCED, FAILED, PENDING = "synced", "failed", "pending"
# NetSuite refused the request itself: retrying the same request cannot help (a person must change something).
PERMANENT = (NetSuiteUserError, NetSuiteNotFoundError)
# Stripe refused the request itself (a closed dispute); the rest (connection, 429, 5xx) may pass later.
STRIPE_REFUSALS = (stripe.InvalidRequestError, stripe.PermissionError)
# Threads writing the NetSuite ids back into Stripe: a Stripe update is quicker than a NetSuite write, so a
# few keep up with the writers (the Stripe client's own rate budget paces them in the DAG).
WRITE_BACK_THREADS = 4
# Writers beyond the account's limit: one waits on the limiter with its request ready (see above).
SPARE_WRITERS = 1


@dataclass
class LoadResult:
    """What one load run did, record by record."""

    run_id: str
    outcomes: list[Outcome] = field(default_factory=list)
    requests: int = 0

    def having(self, status: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == status]

    @property
    def retry(self) -> list[Outcome]:
        """Records left for a retry (NetSuite or Stripe did not answer in time): the run must fail."""
        return self.having("retry")


class _StopChain(Exception):
    """The chain cannot go on in this run (its outcome is already recorded)."""


@dataclass
class _Group:
    """A writer's place in its group: the ticket of the group's last sync record (0: none yet)."""

    last: int = 0


@dataclass
class _Done:
    """A record NetSuite holds: its outcome, reported once its ids are back in Stripe (`back`)."""

    outcome: Outcome
    note: str | None = None
    back: WriteBack | None = None


def _write(netsuite: NetSuiteClient, record: LedgerWrite) -> str:
    if record.external_id is not None:
        return netsuite.upsert(record.record_type, record.external_id, record.body(), replace=record.replace)
    assert record.internal_id is not None
    netsuite.update(record.record_type, record.internal_id, record.body(), replace=record.replace)
    return record.internal_id


class _Loader:
    def __init__(
        self,
        netsuite: NetSuiteClient,
        stripe_client: stripe.StripeClient | None,
        settings: LedgerSettings,
        plan: Plan,
        run_id: str,
        books: Books,
        stripe_pool: ThreadPoolExecutor,
    ) -> None:
        self.netsuite, self.stripe, self.settings = netsuite, stripe_client, settings
        self.plan, self.run_id, self.books, self.stripe_pool = plan, run_id, books, stripe_pool
        self.outcomes: list[Outcome] = []
        self.write_backs: list[Future[None]] = []
        self.lock = threading.Lock()

    def add(self, outcome: Outcome) -> None:
        with self.lock:
            self.outcomes.append(outcome)

    def record(self, stripe_id: str, object_type: str, record_type: str, ext: str, status: str,
               **change: Any) -> int:  # fmt: skip
        """Hand one sync record to the bookkeeping thread; returns its ticket."""
        return self.books.save(
            SyncWrite(stripe_id, object_type, record_type, ext, status, self.run_id, **change)
        )

    def run_group(self, chains: list[Chain]) -> None:
        group = _Group()
        for chain in chains:
            try:
                self.run_chain(chain, group)
            except _StopChain:
                continue

    def run_chain(self, chain: Chain, group: _Group) -> None:
        position = -1  # the payment; then the index of the reversal being written
        try:
            if chain.payment is not None:
                payment = chain.payment
                self.guard(chain.charge_id, "payment", payment.external_id, "customerPayment", "charge",
                           lambda: self.write_payment(payment), group)  # fmt: skip
            for position in range(len(chain.reversals)):
                step = chain.reversals[position]
                self.guard(step.reversal.stripe_id, step.kind, step.external_id, step.record_type,
                           str(step.obj.get("object") or "refund"), lambda s=step: self.write_reversal(s),
                           group)  # fmt: skip
        except _StopChain:
            for later in chain.reversals[position + 1:]:
                reversal = later.reversal
                reason = f"waits for an earlier record of charge {chain.charge_id}"
                self.add(Outcome(reversal.stripe_id, later.kind, "blocked", reversal.currency,
                                 reversal.amount, reason=reason))
            raise

    def guard(
        self, stripe_id: str, kind: str, ext: str, record_type: str, object_type: str, work: Any,
        group: _Group,
    ) -> None:  # fmt: skip
        """Run one step; record its outcome; stop the chain on an error (later steps depend on it).

        The group's previous record must be durable first: this step's body was computed from what that one
        wrote (the payment a refund reduces, the invoice amounts a customer's next payment sees), and a re-run
        after a crash can only rebuild the same body if the state DB knows the earlier record.
        """
        self.books.wait(group.last)
        try:
            done: _Done
            done, group.last = work()
        except (LedgerMappingError, *PERMANENT) as error:
            status, outcome = FAILED, FAILED
            reason = str(error)
        except NetSuiteError as error:
            status, outcome, reason = PENDING, "retry", str(error)
        else:
            self.finish(done)
            return
        logger.warning("ledger %s %s: %s", kind, stripe_id, reason)
        group.last = self.record(stripe_id, object_type, record_type, ext, status, error=reason)
        self.add(Outcome(stripe_id, kind, outcome, reason=reason))
        raise _StopChain

    def finish(self, done: _Done) -> None:
        """Report the record; its ids go back to Stripe on a write-back thread (never holding a writer)."""
        if done.back is None or self.stripe is None:
            done.outcome.reason = done.note
            self.add(done.outcome)
            return
        future = self.stripe_pool.submit(self.write_back_then_report, done)
        with self.lock:
            self.write_backs.append(future)

    def write_back_then_report(self, done: _Done) -> None:
        assert done.back is not None
        try:
            refused = self._write_back(done.back)
        except stripe.StripeError as error:  # NetSuite holds the record; only the ids' way back failed
            self.add(Outcome(done.outcome.stripe_id, done.outcome.kind, "retry",
                             reason=f"Stripe metadata: {error}"))  # fmt: skip
            return
        done.outcome.reason = "; ".join(text for text in (done.note, refused) if text) or None
        self.add(done.outcome)

    # ------------------------------------------------------------------ payments

    def write_payment(self, step: PaymentStep) -> tuple[_Done, int]:
        charge_id = str(step.charge["id"])
        existing = self.plan.existing.get(("customerPayment", step.external_id))
        if existing is not None and self._reversed_in_netsuite(charge_id):
            # A refund of it is written: its original body would take back what the credit memos settle.
            raise LedgerMappingError(
                f"payment {existing.internal_id} of {charge_id} has refunds in NetSuite but the state DB "
                "lost how it was first applied: record it by hand, then replay the charge"
            )
        own = self.plan.own_applications.get(existing.internal_id, ()) if existing else ()
        customer = step.match.customer.id
        requested = set(store_requested(step))
        with self.lock:  # other workers update other customers' invoices meanwhile
            invoices = list(self.plan.invoices.values())
        relevant = [i for i in invoices if i.id in requested or i.customer_id == customer]
        before = without_own_applications(relevant, own)
        ledger = build_customer_payment(
            step.charge,
            customer=step.match,
            invoices=before,
            currency_ids=self.plan.currency_ids,
            settings=self.settings,
            balance_transaction=step.balance_transaction,
            payment_intent=step.payment_intent,
        )
        ids = [_write(self.netsuite, record) for record in ledger.writes()]
        payment = ledger.payment
        recorded = RecordedPayment(
            ids[-1],
            charge_id,
            payment.customer_id,
            currency_of(step.charge),
            payment.currency_id,
            payment.amount,
            payment.applications,
            step.match.customer.subsidiary_id,
        )
        ticket = self.record(
            charge_id, "charge", "customerPayment", step.external_id, SYNCED,
            internal_id=recorded.internal_id, detail=store.payment_detail(recorded),
        )  # fmt: skip
        with self.lock:
            self.plan.payments[charge_id] = recorded
            by_id = {i.id: i for i in before}
            for line in payment.applications:
                invoice = by_id[line.doc_id]
                self.plan.invoices[invoice.id] = dataclasses.replace(
                    invoice, amount_remaining=invoice.amount_remaining - line.amount
                )
        outcome = Outcome(charge_id, "payment", "loaded", recorded.currency, recorded.amount,
                          recorded.internal_id)  # fmt: skip
        back = WriteBack(step.charge, step.account, "payment", payment_metadata(recorded.internal_id),
                         "customerPayment", step.external_id)  # fmt: skip
        return _Done(outcome, ledger.application_error, back), ticket

    def _reversed_in_netsuite(self, charge_id: str) -> bool:
        ids = {
            *self.plan.reversal_ids.get(charge_id, ()),
            external_id(LedgerRecord.FAILED_PAYMENT_REFUND, charge_id),
        }
        return any(("customerRefund", ext) in self.plan.existing for ext in ids)

    # ------------------------------------------------------------------ reversals

    def write_reversal(self, step: ReversalStep) -> tuple[_Done, int]:
        reversal = step.reversal
        with self.lock:
            payment = self.plan.payments.get(reversal.charge_id)
        if payment is None:
            raise LedgerMappingError(f"the payment of {reversal.charge_id} is not in NetSuite yet")
        ledger = build_reversal(
            reversal, payment, earlier_reversed=step.earlier_reversed, settings=self.settings
        )
        credit_memo_id: str | None = None
        refund_id = ""
        for record in ledger.writes():
            written = _write(self.netsuite, record)
            if record is ledger.credit_memo:
                credit_memo_id = written
            if record is ledger.refund:
                refund_id = written
        detail = {"credit_memo_id": credit_memo_id, "amount": str(ledger.refund.amount)}
        ticket = self.record(
            reversal.stripe_id, str(step.obj.get("object")), step.record_type, step.external_id, SYNCED,
            internal_id=refund_id, detail=detail,
        )  # fmt: skip
        if ledger.payment_update is not None and ledger.credit_memo is None:
            # A failed debit: the invoices are open again for the payments that follow.
            with self.lock:
                for line in payment.applications:
                    invoice = self.plan.invoices.get(line.doc_id)
                    if invoice is not None:
                        self.plan.invoices[invoice.id] = dataclasses.replace(
                            invoice, amount_remaining=invoice.amount_remaining + line.amount
                        )
        outcome = Outcome(reversal.stripe_id, step.kind, "loaded", payment.currency, ledger.refund.amount,
                          refund_id)  # fmt: skip
        back = None
        if step.writes_back:
            back = WriteBack(step.obj, step.account, step.kind, reversal_metadata(refund_id, credit_memo_id),
                             "customerRefund", step.external_id)  # fmt: skip
        return _Done(outcome, None, back), ticket

    def _write_back(self, item: WriteBack) -> str | None:
        """Write the ids into the Stripe object; a note when Stripe refuses for good, raise if it may not."""
        assert self.stripe is not None
        note: str | None = None
        try:
            write_metadata(self.stripe, item.obj, item.values, item.account)
        except STRIPE_REFUSALS as error:
            # E.g. a closed dispute: the ledger is right, only the convenience copy of the ids is missing.
            note = f"Stripe refused the NetSuite ids in its metadata: {error.user_message or error}"
        self.record(
            str(item.obj["id"]), str(item.obj.get("object")), item.record_type, item.external_id, SYNCED,
            detail={"stripe_metadata": "refused" if note else item.values}, attempted=False,
        )  # fmt: skip
        return note

    def write_back(self, item: WriteBack) -> None:
        """A write-back left over from an earlier run (Stripe did not answer then)."""
        try:
            self._write_back(item)
        except stripe.StripeError as error:
            self.add(Outcome(str(item.obj["id"]), item.kind, "retry", reason=f"Stripe metadata: {error}"))


def store_requested(step: PaymentStep) -> tuple[str, ...]:
    try:
        return requested_invoice_ids(step.charge, step.payment_intent)
    except LedgerMappingError:
        return ()


def _touches_invoices(chain: Chain, plan: Plan, settings: LedgerSettings) -> bool:
    """Whether the chain may change what an invoice has remaining (then it shares its customer's worker)."""
    if chain.payment is not None and (settings.auto_apply or store_requested(chain.payment)):
        return True
    recorded = plan.payments.get(chain.charge_id)
    return any(step.kind == "failed_debit" for step in chain.reversals) and bool(
        recorded is None or recorded.applications
    )


def _groups(chains: list[Chain], plan: Plan, settings: LedgerSettings) -> list[list[Chain]]:
    """Chains drawing on one customer's invoices run in one worker, in order; the others each on their own.

    (A refund moves money from the payment's application to a credit memo on the same invoice: it leaves the
    invoice's amount remaining as it was, so only payments and failed debits need the customer's worker.)
    """
    groups: dict[str, list[Chain]] = {}
    for chain in chains:
        key = chain.customer_id if _touches_invoices(chain, plan, settings) else "charge:" + chain.charge_id
        groups.setdefault(key, []).append(chain)
    # Big groups first, so the longest sequential one starts at once.
    return sorted(groups.values(), key=lambda group: -len(group))


def load_payments(
    engine: Engine,
    netsuite: NetSuiteClient,
    stripe_client: stripe.StripeClient | None,
    settings: LedgerSettings,
    *,
    run_id: str,
    since: datetime | None = None,
    until: datetime | None = None,
    stripe_ids: list[str] | None = None,
    workers: int | None = None,
) -> LoadResult:
    """Load every ready charge, refund and dispute not yet in NetSuite (created in [`since`, `until`) when
    given, or just `stripe_ids`)."""
    started = netsuite.stats.requests
    rows = store.read_ready(engine, since=since, until=until, stripe_ids=stripe_ids)
    parents = {
        str(r.get("charge") if isinstance(r.get("charge"), str) else (r.get("charge") or {}).get("id"))
        for r in (*rows.refunds.values(), *rows.disputes.values())
    }
    charge_ids = set(rows.charges) | parents
    reversals_of = store.read_reversals_of(engine, charge_ids)
    all_ids = charge_ids | {str(raw.get("id")) for items in reversals_of.values() for raw, _ in items}
    states = store.read_sync_records(engine, all_ids)
    related = store.read_related(engine, rows.charges.values())
    failed_charges = [cid for cid, c in rows.charges.items() if c.get("status") == "failed"]
    # What reversals are dated and converted by: a failed debit's transaction (by its charge id) and each
    # refund's own (by its id), so a refund of a converted charge is booked at Stripe's rate of its day.
    refund_ids = [str(raw.get("id")) for items in reversals_of.values() for raw, _ in items
                  if raw.get("object") == "refund"]
    transactions = {**store.failure_transactions(engine, failed_charges),
                    **store.refund_transactions(engine, refund_ids),
                    **store.refund_failure_transactions(engine, refund_ids)}
    plan = prepare(rows, related, reversals_of, transactions, states, netsuite, settings,
                   concurrency=netsuite.settings.concurrency_limit)  # fmt: skip
    store.save_sync_records(
        engine,
        [
            SyncWrite(outcome.stripe_id, kind, record_type, ext, FAILED, run_id, error=outcome.reason)
            for outcome, kind, record_type, ext in plan.new_failures
        ],
    )
    groups = _groups(plan.chains, plan, settings)
    writers = max(1, min(workers or netsuite.settings.concurrency_limit + SPARE_WRITERS, len(groups)))
    with Books(engine) as books, ThreadPoolExecutor(WRITE_BACK_THREADS, "ledger-stripe") as stripe_pool:
        loader = _Loader(netsuite, stripe_client, settings, plan, run_id, books, stripe_pool)
        if stripe_client is not None:
            loader.write_backs += [stripe_pool.submit(loader.write_back, item) for item in plan.write_backs]
        if groups:
            with ThreadPoolExecutor(writers, "ledger-netsuite") as pool:
                for future in [pool.submit(loader.run_group, group) for group in groups]:
                    future.result()
        for future in loader.write_backs:  # complete once every writer is done: nothing adds to it now
            future.result()
    result = LoadResult(run_id, [*plan.outcomes, *loader.outcomes], netsuite.stats.requests - started)
    logger.info(
        "ledger run %s: %s",
        run_id,
        {s: len(result.having(s)) for s in ("loaded", "unchanged", "failed", "blocked", "retry")},
    )
    return result
