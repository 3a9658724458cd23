"""Peak memory of the ledger audit and of the report reader over a month of a large account.

    python bench/audit_memory.py audit --charges 50000     # whole-period audit, then run_audit (chunked)
    python bench/audit_memory.py reports --charges 50000   # read_ledger over a state DB of that month

`audit` compares, in one process and under tracemalloc, the audit as it ran before it read in chunks (every
Stripe object and NetSuite record of the period held at once: fetch_stripe_side, entries_by_external_id,
entries_in_period, then the pure audit_ledger) with run_audit, and checks both find the same disagreements.
Stripe answers through stripe-python's own StripeClient with an in-process HTTP client that serves the month
page by page (100 per page, newest first, a realistic charge of ~2.5 KB with its PaymentIntent and customer
expanded); NetSuite is a stand-in answering the audit's SuiteQL from the same month, computed per row (neither
holds the month, so the peak is the audit's own). Each month has a few disagreements made on purpose: missing
payments, edited amounts, records under Stripe ids Stripe never issued, copies without an external id.

`reports` writes the month into a SQLite state DB (the connector's migrations and upsert) and measures
read_ledger over it. Run it at two commits to compare readers (the figures in bench/BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "include"))

import stripe  # noqa: E402

from stripe_netsuite.audit.compare import audit_ledger  # noqa: E402
from stripe_netsuite.audit.fetch_netsuite import (  # noqa: E402
    entries_by_external_id,
    entries_in_period,
    memo_only_in_period,
)
from stripe_netsuite.audit.fetch_stripe import fetch_stripe_side, lookup_ids  # noqa: E402
from stripe_netsuite.audit.findings import AuditResult  # noqa: E402
from stripe_netsuite.audit.period import AuditPeriod  # noqa: E402
from stripe_netsuite.audit.run import _customers, run_audit, wanted_external_ids  # noqa: E402
from stripe_netsuite.audit.sides import NetSuiteSide, StripeSide  # noqa: E402
from stripe_netsuite.stripe_api.api import StripeApi  # noqa: E402
from stripe_netsuite.sync import load_facts  # noqa: E402
from stripe_netsuite.sync.external_ids import LedgerRecord, external_id  # noqa: E402
from stripe_netsuite.sync.settings import LedgerSettings  # noqa: E402

PERIOD = AuditPeriod(date(2026, 10, 1), date(2026, 10, 30))
START = int(datetime(2026, 10, 1, tzinfo=UTC).timestamp())
SECONDS = PERIOD.days * 86400
SETTINGS = LedgerSettings(
    time_zone="UTC", base_currencies={"1": "USD"}, payment_option_id="1", undeposited_funds_account_id="7",
    clearing_accounts={"USD": "1"}, unallocated_customer_id="999", credit_memo_item_id="1",
)  # fmt: skip
CUSTOMERS = 500
STRANGERS, COPIES = 3, 2
PAYMENT, REFUND, DEPOSIT, STRANGER, COPY = 10_000_000, 30_000_000, 50_000_000, 70_000_000, 80_000_000


class Month:
    """N charges spread over the period, a refund of every 20th, one automatic payout a day; computed per
    object from its number, so the world itself takes no memory."""

    def __init__(self, charges: int) -> None:
        self.charges = charges

    def created(self, n: int) -> int:
        return START + n * SECONDS // self.charges

    def amount(self, n: int) -> int:
        return 1000 + n * 37 % 90_000

    @staticmethod
    def customer(n: int) -> str:
        return str(1000 + n % CUSTOMERS)

    @staticmethod
    def paid(n: int) -> bool:  # a payment deleted by hand in NetSuite
        return n % 1000 != 500

    @staticmethod
    def edited(n: int) -> bool:  # a payment whose amount was edited by hand
        return n % 997 == 3

    def refunds(self) -> range:
        return range(0, self.charges, 20)

    def charge(self, n: int) -> dict[str, Any]:
        created, amount, customer = self.created(n), self.amount(n), self.customer(n)
        return {
            "id": f"ch_{n:010d}", "object": "charge", "amount": amount, "amount_captured": amount,
            "amount_refunded": 0, "application": None, "application_fee": None,
            "application_fee_amount": None, "balance_transaction": f"txn_{n:010d}",
            "billing_details": {"address": {"city": "Portland", "country": "US", "line1": "1 Main St",
                                            "line2": None, "postal_code": "97201", "state": "OR"},
                                "email": f"payer{n % CUSTOMERS}@example.com", "name": "Pat Payer",
                                "phone": None},
            "calculated_statement_descriptor": "ACME", "captured": True, "created": created,
            "currency": "usd",
            "customer": {"id": f"cus_{customer}", "object": "customer", "created": START - 86400,
                         "email": f"payer{n % CUSTOMERS}@example.com", "livemode": False,
                         "metadata": {"netsuite_customer_id": customer}, "name": "Pat Payer"},
            "description": f"Invoice INV{n}", "disputed": False, "failure_code": None,
            "failure_message": None,
            "fraud_details": {}, "livemode": False, "metadata": {"netsuite_customer_id": customer},
            "outcome": {"network_status": "approved_by_network", "reason": None, "risk_level": "normal",
                        "risk_score": 32, "seller_message": "Payment complete.", "type": "authorized"},
            "paid": True,
            "payment_intent": {"id": f"pi_{n:010d}", "object": "payment_intent", "amount": amount,
                               "amount_received": amount, "capture_method": "automatic", "created": created,
                               "currency": "usd", "customer": f"cus_{customer}", "livemode": False,
                               "latest_charge": f"ch_{n:010d}", "metadata": {},
                               "payment_method_types": ["card"], "status": "succeeded"},
            "payment_method": f"pm_{n:010d}",
            "payment_method_details": {"card": {"brand": "visa", "checks": {"address_line1_check": "pass",
                                                "address_postal_code_check": "pass", "cvc_check": "pass"},
                                                "country": "US", "exp_month": 12, "exp_year": 2030,
                                                "fingerprint": "Xt5EWLLDS7FJjR1c", "funding": "credit",
                                                "last4": "4242", "network": "visa"}, "type": "card"},
            "receipt_email": None, "receipt_url": f"https://pay.stripe.com/receipts/ch_{n:010d}",
            "refunded": False, "review": None, "shipping": None, "source_transfer": None,
            "statement_descriptor": None, "status": "succeeded", "transfer_group": None,
        }  # fmt: skip

    def refund(self, n: int) -> dict[str, Any]:
        return {"id": f"re_{n:010d}", "object": "refund", "amount": self.amount(n) // 2,
                "balance_transaction": f"txn_re_{n:010d}", "charge": f"ch_{n:010d}",
                "created": self.created(n) + 60, "currency": "usd", "metadata": {},
                "payment_intent": f"pi_{n:010d}", "reason": "requested_by_customer", "status": "succeeded"}

    def payout(self, day: int) -> dict[str, Any]:
        return {"id": f"po_{day:010d}", "object": "payout", "amount": 100_000 + day,
                "arrival_date": START + day * 86400, "automatic": True, "created": START + (day - 2) * 86400,
                "currency": "usd", "livemode": False, "method": "standard", "status": "paid",
                "type": "bank_account"}  # fmt: skip

    def listing(self, path: str) -> tuple[Callable[[int], dict[str, Any]], list[int]]:
        """A list's objects by number, newest first (as Stripe lists)."""
        numbers = {"/v1/charges": range(self.charges), "/v1/refunds": self.refunds(),
                   "/v1/disputes": range(0), "/v1/payouts": range(PERIOD.days)}[path]
        make = {"/v1/charges": self.charge, "/v1/refunds": self.refund, "/v1/disputes": self.refund,
                "/v1/payouts": self.payout}[path]  # fmt: skip
        return make, list(reversed(numbers))


class MonthHttpClient(stripe.HTTPClient):
    """Stripe's list and retrieve endpoints over a Month, for stripe-python's own StripeClient."""

    name = "bench-month"

    def __init__(self, month: Month) -> None:
        super().__init__()
        self.month = month

    def request(
        self, method: str, url: str, headers: Mapping[str, str] | None, post_data: Any = None, *,
        _usage: list[str] | None = None,
    ) -> tuple[str, int, Mapping[str, str]]:  # fmt: skip
        parts = urlsplit(url)
        if parts.path.count("/") == 3:  # /v1/charges/ch_...: only made-up ids are asked for
            error = {"error": {"type": "invalid_request_error", "code": "resource_missing",
                               "message": f"No such object: '{parts.path.rsplit('/', 1)[1]}'"}}
            return json.dumps(error), 404, {}
        make, numbers = self.month.listing(parts.path)
        query = parse_qs(parts.query)
        after = query.get("starting_after", [None])[0]
        at = numbers.index(int(after.rsplit("_", 1)[1])) + 1 if after else 0
        page = numbers[at : at + 100]
        body = {"object": "list", "data": [make(n) for n in page], "has_more": at + 100 < len(numbers),
                "url": parts.path}
        return json.dumps(body), 200, {"request-id": "req_bench"}

    def close(self) -> None:
        pass


class MonthNetSuite:
    """NetSuite's SuiteQL over the Month's records, answered per query (the audit's queries only)."""

    def __init__(self, month: Month) -> None:
        self.month = month
        self.queries = 0  # SuiteQL queries asked (a keyset stream counts as one)

    def _payment(self, n: int) -> dict[str, str]:
        amount = self.month.amount(n) + (100 if self.month.edited(n) else 0)
        return self._row(PAYMENT + n, "CustPymt", f"ch_{n:010d}", self.month.customer(n), amount,
                         self.month.created(n))

    def _refund(self, n: int) -> dict[str, str]:
        return self._row(REFUND + n, "CustRfnd", external_id(LedgerRecord.REFUND, f"re_{n:010d}"),
                         self.month.customer(n), self.month.amount(n) // 2, self.month.created(n) + 60)

    def _deposit(self, day: int) -> dict[str, str]:
        return self._row(DEPOSIT + day, "Deposit", external_id(LedgerRecord.DEPOSIT, f"po_{day:010d}"), None,
                         100_000 + day, START + day * 86400)

    @staticmethod
    def _row(id_: int, type_: str, ext: str, entity: str | None, minor: int, when: int,
             memo: str | None = None) -> dict[str, str]:  # fmt: skip
        row = {"id": str(id_), "type": type_, "externalid": ext, "currency": "USD",
               "foreigntotal": f"{minor / 100:.2f}", "trandate": datetime.fromtimestamp(when, UTC).date()
               .isoformat(), "memo": memo or f"Stripe: {ext}"}  # fmt: skip
        if entity:
            row["entity"] = entity
        return row

    def _by_external_id(self, ext: str) -> dict[str, str] | None:
        found = re.fullmatch(r".*?(ch|re|po)_(\d{10})", ext)
        if found is None:
            return None
        kind, n = found.group(1), int(found.group(2))
        stripe_id = f"{kind}_{n:010d}"
        if kind == "ch" and ext == stripe_id and n < self.month.charges and self.month.paid(n):
            return self._payment(n)
        if kind == "re" and ext == external_id(LedgerRecord.REFUND, stripe_id) and n in self.month.refunds():
            return self._refund(n)
        if kind == "po" and ext == external_id(LedgerRecord.DEPOSIT, stripe_id) and n < PERIOD.days:
            return self._deposit(n)
        return None

    def _period(self) -> Iterator[dict[str, str]]:
        yield from (self._payment(n) for n in range(self.month.charges) if self.month.paid(n))
        yield from (self._refund(n) for n in self.month.refunds())
        yield from (self._deposit(day) for day in range(PERIOD.days))
        for k in range(STRANGERS):
            yield self._row(STRANGER + k, "CustPymt", f"ch_MadeUpInNetSuite{k}", "1000", 4200, START + 86400)

    def _copies(self) -> Iterator[dict[str, str]]:
        for k in range(COPIES):
            row = self._payment(k * 7)
            yield {**row, "id": str(COPY + k), "externalid": ""}

    def suiteql(self, query: str, *, page_size: int = 1000) -> Iterator[dict[str, str]]:
        self.queries += 1
        if "FROM currency" in query:
            yield {"id": "1", "symbol": "USD"}
        elif "FROM customercurrencybalance" in query:
            return
        elif "FROM customer c WHERE c.id IN" in query:
            ids = sorted(int(i) for i in re.findall(r"\d+", query.split(" IN (", 1)[1].split(")", 1)[0]))
            for i in ids:
                if i == 999 or 1000 <= i < 1000 + CUSTOMERS:
                    yield {"id": str(i), "companyname": f"Customer {i}", "isinactive": "F", "subsidiary": "1",
                           "currency": "1", "email": f"payer{i - 1000}@example.com"}
        elif keyset := re.search(r"t\.id > (\d+) ORDER BY t\.id$", query):  # a reader paging by hand
            after = int(keyset.group(1))
            rows = self._copies() if "t.memo LIKE 'Stripe%'" in query else self._period()
            yield from (row for row in rows if int(row["id"]) > after)
        elif "t.externalid IN (" in query:
            wanted = re.findall(r"'([^']*)'", query.split("t.externalid IN (", 1)[1])
            rows = [row for ext in wanted if (row := self._by_external_id(ext)) is not None]
            yield from sorted(rows, key=lambda r: int(r["id"]))
        else:
            raise AssertionError(f"unexpected SuiteQL: {query[:200]}")

    def suiteql_after(
        self, query: Callable[[int], str], *, key: str = "id", page_size: int = 1000
    ) -> Iterator[dict[str, str]]:
        self.queries += 1
        text = query(0)
        return self._copies() if "t.memo LIKE 'Stripe%'" in text else self._period()


def whole_period_audit(netsuite: MonthNetSuite, client: stripe.StripeClient) -> AuditResult:
    """The audit before it read in chunks: both sides of the whole period held at once, then compared."""
    apis = [StripeApi(client)]
    listed = fetch_stripe_side(apis, PERIOD, SETTINGS.zone)
    entries = entries_by_external_id(netsuite, wanted_external_ids(listed))
    entries |= entries_in_period(netsuite, PERIOD)
    named = {parsed[1] for entry in entries.values() if (parsed := entry.ledger) is not None}
    known = {**listed.known, **lookup_ids(apis, named - set(listed.known))}
    side = StripeSide(listed.charges, listed.refunds, listed.disputes, listed.payouts, known)
    symbols = {v: k for k, v in load_facts.currency_ids(netsuite).items()}
    customers, by_email = _customers(netsuite, listed.charges, SETTINGS, symbols)
    netsuite_side = NetSuiteSide(entries, customers, by_email, memo_only_in_period(netsuite, PERIOD))
    return audit_ledger(side, netsuite_side, SETTINGS, PERIOD)


def measured(label: str, work: Callable[[], Any]) -> Any:
    tracemalloc.start()
    started = time.monotonic()
    result = work()
    elapsed = time.monotonic() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"  {label:<34} peak {peak / 2**20:8.1f} MiB  {elapsed:6.1f} s", flush=True)
    return result


def bench_audit(charges: int) -> None:
    month = Month(charges)
    client = stripe.StripeClient("sk_test_bench", http_client=MonthHttpClient(month), max_network_retries=0)
    netsuite = MonthNetSuite(month)
    whole = measured("whole period held (before)", lambda: whole_period_audit(netsuite, client))
    before, netsuite.queries = netsuite.queries, 0
    chunked = measured("run_audit, 500 at a time (after)",
                       lambda: run_audit(netsuite, client, SETTINGS, PERIOD))
    print(f"  SuiteQL queries: {before} before, {netsuite.queries} after")
    assert chunked.disagreements == whole.disagreements and chunked.checked == whole.checked
    print(f"  same findings: {len(whole.disagreements)} disagreements, checked {whole.checked}")


def bench_reports(charges: int, db: Path | None) -> None:
    from zoneinfo import ZoneInfo

    from stripe_netsuite.reports.ledger import Scope
    from stripe_netsuite.reports.read import read_ledger
    from stripe_netsuite.store import BalanceTransaction, Charge, get_engine, migrate, session_scope
    from stripe_netsuite.store import upsert_stripe_object as upsert
    from stripe_netsuite.sync.load_store import save_sync_record

    month = Month(charges)
    with tempfile.TemporaryDirectory() as tmp:
        path = db or Path(tmp) / "connector.db"
        url = f"sqlite:///{path}"
        exists = path.exists()
        migrate(url)
        engine = get_engine(url)
        started = time.monotonic()
        for first in range(0, 0 if exists else charges, 2000):
            with session_scope(engine) as session:
                for n in range(first, min(first + 2000, charges)):
                    charge = {**month.charge(n), "payment_intent": f"pi_{n:010d}", "customer": f"cus_{n}"}
                    upsert(session, Charge, charge)
                    upsert(session, BalanceTransaction, {
                        "id": f"txn_{n:010d}", "object": "balance_transaction", "livemode": False,
                        "created": charge["created"], "amount": charge["amount"], "currency": "usd",
                        "fee": 30 + charge["amount"] * 29 // 1000, "net": charge["amount"], "type": "charge",
                        "source": charge["id"], "status": "available"})  # fmt: skip
        for n in range(0, 0 if exists else charges, 10):  # a tenth synced (one transaction each: slow)
            save_sync_record(engine, stripe_id=f"ch_{n:010d}", stripe_object_type="charge",
                             record_type="customerPayment", external_id=f"ch_{n:010d}", status="synced",
                             run_id="load-1", internal_id=str(PAYMENT + n))  # fmt: skip
        print(f"  state DB written in {time.monotonic() - started:.0f} s", flush=True)
        scope = Scope(start=PERIOD.start, end=PERIOD.end)
        ledger = measured("read_ledger over the month", lambda: read_ledger(engine, scope, ZoneInfo("UTC")))
        print(f"  {len(ledger.payments)} payments read")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("part", choices=("audit", "reports"))
    parser.add_argument("--charges", type=int, default=20_000)
    parser.add_argument("--db", type=Path, help="reports: keep the state DB here (reused if it exists)")
    args = parser.parse_args()
    print(f"{args.part}: {args.charges} charges over {PERIOD.label()}; load average "
          + " ".join(f"{x:.1f}" for x in os.getloadavg()), flush=True)
    if args.part == "audit":
        bench_audit(args.charges)
    else:
        bench_reports(args.charges, args.db)


if __name__ == "__main__":
    main()
