"""Page data, in-flight accounting, the per-customer lock and event handling, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine

from stripe_netsuite.payments.accounts import AccountNotFoundError, fetch_customer_account, nominal_minor
from stripe_netsuite.payments.amounts import AmountError, InFlight, check_amount
from stripe_netsuite.payments.events import handle_event
from stripe_netsuite.payments.reservations import in_flight, payment_ids_to_confirm, reserve_attempt
from stripe_netsuite.store import (
    PaymentAttempt,
    get_engine,
    migrate,
    session_scope,
)
from webapp.dispatch import dag_for_event

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.fixture
def engine(state_db_url: str) -> Iterator[Engine]:
    """A migrated state DB on SQLite and on PostgreSQL (tests/conftest.py): the customer lock differs."""
    migrate(state_db_url)
    yield get_engine(state_db_url)


class FakeNetSuite:
    def __init__(self, rows: list[dict[str, str]]) -> None:
        self.rows = rows
        self.queries: list[str] = []

    def suiteql(self, query: str, *, page_size: int = 1000) -> Iterable[dict[str, str]]:
        self.queries.append(query)
        return iter(self.rows)


def test_customer_account_from_one_query() -> None:
    netsuite = FakeNetSuite(
        [
            {
                "kind": "customer",
                "id": "108",
                "name": "Al Noor",
                "email": "a@b.c",
                "amount": "1530.875",
                "currency": "KWD",
                "status": "F",
            },
            {
                "kind": "invoice",
                "id": "1038",
                "name": "INV1038",
                "amount": "280.125",
                "currency": "KWD",
                "trandate": "2026-09-05",
                "duedate": "2026-10-05",
                "status": "A",
            },
            {
                "kind": "invoice",
                "id": "1037",
                "name": "INV1037",
                "amount": "1250.75",
                "currency": "KWD",
                "trandate": "2026-08-11",
                "duedate": "2026-09-10",
                "status": "A",
            },
            {"kind": "payment", "id": "1060", "name": "ch_1", "status": "B"},
        ]
    )
    account = fetch_customer_account(netsuite, "108", ["pi_1", "ch_1", "x'); DROP"], NOW)
    assert len(netsuite.queries) == 1
    assert "'pi_1', 'ch_1'" in netsuite.queries[0] and "DROP" not in netsuite.queries[0]
    assert (account.currency, account.balance_minor) == ("KWD", 1530875)
    assert [i.number for i in account.invoices] == ["INV1037", "INV1038"]  # by due date
    assert account.invoices[0].due_date == date(2026, 9, 10)
    assert account.recorded_payment_ids == frozenset({"ch_1"})


@pytest.mark.parametrize(
    "rows",
    [[], [{"kind": "customer", "id": "1", "name": "x", "amount": "0", "currency": "USD", "status": "T"}]],
    ids=["unknown", "inactive"],
)
def test_unknown_or_inactive_customers_are_not_found(rows: list[dict[str, str]]) -> None:
    with pytest.raises(AccountNotFoundError):
        fetch_customer_account(FakeNetSuite(rows), "1", [], NOW)


def test_ids_must_be_digits_before_any_query() -> None:
    netsuite = FakeNetSuite([])
    with pytest.raises(AccountNotFoundError):
        fetch_customer_account(netsuite, "1 OR 1=1", [], NOW)
    assert netsuite.queries == []


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [("1530.875", "KWD", 1530875), ("405000", "JPY", 405000), ("1250.75", "KWD", 1250750), (None, "USD", 0)],
    ids=["kwd-odd", "jpy", "kwd-short", "missing"],
)
def test_nominal_minor_reads_netsuite_amounts(amount: str | None, currency: str, minor: int) -> None:
    assert nominal_minor(amount, currency) == minor


def attempt(
    engine: Engine,
    status: str,
    amount: int,
    *,
    expires: timedelta = timedelta(minutes=10),
    intent: str | None = None,
    invoices: tuple[str, ...] = (),
    currency: str = "USD",
) -> str:
    def check(_: list[InFlight]) -> tuple[int, tuple[str, ...]]:
        return amount, invoices

    made = reserve_attempt(
        engine,
        customer_id="102",
        currency=currency,
        link_kind="customer",
        recorded_ids=frozenset(),
        check=check,
        now=NOW,
    )
    with session_scope(engine) as session:
        row = session.get(PaymentAttempt, made.id)
        assert row is not None
        row.status, row.payment_intent_id, row.expires_at = status, intent, NOW + expires
    return made.id


def test_in_flight_counts_reserved_processing_and_unrecorded_paid(engine: Engine) -> None:
    attempt(engine, "open", 100)
    attempt(engine, "open", 200, expires=-timedelta(minutes=1))  # session expired: released
    attempt(engine, "processing", 400, expires=-timedelta(days=2))  # money on its way regardless
    attempt(engine, "paid", 800, intent="pi_recorded")
    attempt(engine, "paid", 1600, intent="pi_waiting")
    attempt(engine, "failed", 3200)
    attempt(engine, "canceled", 6400)
    attempt(engine, "open", 12800, currency="EUR")
    with session_scope(engine) as session:
        flights = in_flight(session, "102", "USD", frozenset({"pi_recorded"}), NOW)
        assert sorted(f.amount_minor for f in flights) == [100, 400, 1600]
        assert payment_ids_to_confirm(session, "102", NOW) == ["pi_recorded", "pi_waiting"]


def test_reserve_under_lock_never_exceeds_the_balance(engine: Engine) -> None:
    balance, threads_n = 290000, 8
    barrier = threading.Barrier(threads_n)
    results: list[str] = []

    def check(flights: list[InFlight]) -> tuple[int, tuple[str, ...]]:
        pending = sum(f.amount_minor for f in flights)
        return check_amount("1000.00", "USD", balance - pending), ()

    def worker() -> None:
        barrier.wait()
        try:
            reserve_attempt(
                engine,
                customer_id="102",
                currency="USD",
                link_kind="customer",
                recorded_ids=frozenset(),
                check=check,
                now=NOW,
            )
            results.append("ok")
        except AmountError:
            results.append("refused")

    threads = [threading.Thread(target=worker) for _ in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count("ok") == 2 and results.count("refused") == 6


def test_events_are_idempotent_and_only_move_forward(engine: Engine) -> None:
    attempt_id = attempt(engine, "open", 5000)
    obj = {
        "id": "pi_1",
        "object": "payment_intent",
        "metadata": {"payment_attempt_id": attempt_id},
        "latest_charge": "ch_1",
    }
    paid = {"id": "evt_1", "type": "payment_intent.succeeded", "created": 1, "data": {"object": obj}}
    assert handle_event(engine, paid, NOW, dag_for_event).target == "netsuite_payments"
    assert handle_event(engine, paid, NOW).duplicate
    expired = {
        "id": "evt_2",
        "type": "checkout.session.expired",
        "created": 2,
        "data": {
            "object": {
                "id": "cs_1",
                "object": "checkout.session",
                "metadata": {"payment_attempt_id": attempt_id},
            }
        },
    }
    handle_event(engine, expired, NOW)
    with session_scope(engine) as session:
        row = session.get(PaymentAttempt, attempt_id)
        assert row is not None and row.status == "paid" and row.payment_intent_id == "pi_1"
        # The charge id from the event is looked for in NetSuite too.
        assert payment_ids_to_confirm(session, "102", NOW) == ["ch_1", "pi_1"]


@pytest.mark.parametrize(
    ("event_type", "dag"),
    [
        ("payment_intent.succeeded", "netsuite_payments"),
        ("charge.dispute.closed", "netsuite_payments"),
        ("payout.paid", "netsuite_deposits"),
        ("checkout.session.expired", None),
        ("customer.created", None),
    ],
    ids=["payment", "dispute", "payout", "expired", "unhandled"],
)
def test_dag_for_event(event_type: str, dag: str | None) -> None:
    assert dag_for_event(event_type) == dag
