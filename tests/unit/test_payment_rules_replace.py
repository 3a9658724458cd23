"""Replacing a page's unpaid reservation; the paid-attempt columns and their backfill (issue 8, 5 and 21)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from stripe_netsuite.payments.amounts import InFlight
from stripe_netsuite.payments.events import handle_event
from stripe_netsuite.payments.reservations import (
    REPLACED_MESSAGE,
    in_flight,
    mark_recorded,
    payment_ids_to_confirm,
    record_session,
    reserve_attempt,
)
from stripe_netsuite.store import PaymentAttempt, dispose_engines, get_engine, migrate, session_scope

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.fixture
def engine(state_db_url: str) -> Iterator[Engine]:
    """A migrated state DB on SQLite and on PostgreSQL (tests/conftest.py), whose customer locks differ."""
    migrate(state_db_url)
    yield get_engine(state_db_url)


def reserve(
    engine: Engine,
    amount: int,
    *,
    kind: str = "customer",
    invoices: tuple[str, ...] = (),
    closed: dict[str, str] | None = None,
    calls: list[str] | None = None,
) -> PaymentAttempt:
    """Reserve from a page; `closed` says what Stripe answers when a session of that id is expired."""

    def check(flights: list[InFlight]) -> tuple[int, tuple[str, ...]]:
        return amount, invoices

    def close_session(session_id: str) -> tuple[str, str | None]:
        if calls is not None:
            calls.append(session_id)
        return (closed or {}).get(session_id, "expired"), "pi_paid_first"

    return reserve_attempt(
        engine,
        customer_id="102",
        currency="USD",
        link_kind=kind,
        recorded_ids=frozenset(),
        check=check,
        now=NOW,
        invoice_ids=invoices,
        close_session=close_session,
    )


def statuses(engine: Engine) -> list[tuple[str, str | None]]:
    with session_scope(engine) as session:
        rows = session.scalars(sa.select(PaymentAttempt).order_by(PaymentAttempt.amount_minor))
        return [(row.status, row.failure_message) for row in rows]


def test_a_new_reservation_replaces_the_open_one_of_the_same_page_only(engine: Engine) -> None:
    first = reserve(engine, 100)
    assert record_session(engine, first.id, "102", "cs_first", NOW) is not None
    invoice = reserve(engine, 200, kind="invoice", invoices=("1001",))
    assert record_session(engine, invoice.id, "102", "cs_invoice", NOW) is not None
    calls: list[str] = []
    reserve(engine, 300, calls=calls)
    assert calls == ["cs_first"]  # the invoice page's session is another page's: left alone
    assert statuses(engine) == [("expired", REPLACED_MESSAGE), ("open", None), ("created", None)]


def test_a_session_paid_first_keeps_counting_as_processing(engine: Engine) -> None:
    first = reserve(engine, 100)
    record_session(engine, first.id, "102", "cs_paid", NOW)
    reserve(engine, 300, closed={"cs_paid": "complete"})
    with session_scope(engine) as session:
        paid = session.get(PaymentAttempt, first.id)
        assert paid is not None and paid.status == "processing" and paid.payment_intent_id == "pi_paid_first"
        assert sorted(f.amount_minor for f in in_flight(session, "102", "USD", frozenset(), NOW)) == [
            100,
            300,
        ]


def test_a_reservation_replaced_before_its_session_was_stored_is_told_so(engine: Engine) -> None:
    first = reserve(engine, 100)  # its request is still creating the Checkout Session
    second = reserve(engine, 200)
    assert record_session(engine, first.id, "102", "cs_late", NOW) is None  # the caller expires cs_late
    assert record_session(engine, second.id, "102", "cs_second", NOW) is not None
    assert statuses(engine) == [("canceled", REPLACED_MESSAGE), ("open", None)]


def pay(engine: Engine, attempt_id: str, intent: str, charge: str, amount: int, created: int) -> None:
    obj = {
        "id": intent,
        "object": "payment_intent",
        "amount_received": amount,
        "latest_charge": charge,
        "metadata": {"payment_attempt_id": attempt_id},
    }
    event = {
        "id": f"evt_{intent}",
        "type": "payment_intent.succeeded",
        "created": created,
        "data": {"object": obj},
    }
    handle_event(engine, event, NOW)


def test_paid_attempts_keep_amount_date_and_charge_and_stop_being_looked_up_once_recorded(
    engine: Engine,
) -> None:
    one, two = reserve(engine, 100, kind="invoice", invoices=("1001",)), reserve(engine, 200)
    paid_at = NOW - timedelta(hours=3)
    pay(engine, one.id, "pi_1", "ch_1", 100, int(paid_at.timestamp()))
    pay(engine, two.id, "pi_2", "ch_2", 200, int(paid_at.timestamp()))
    with session_scope(engine) as session:
        flights = in_flight(session, "102", "USD", frozenset(), NOW)
        assert {(f.amount_minor, f.state, f.received_at) for f in flights} == {
            (100, "received", paid_at),
            (200, "received", paid_at),
        }
        assert payment_ids_to_confirm(session, "102", NOW) == ["ch_1", "ch_2", "pi_1", "pi_2"]
    mark_recorded(engine, "102", frozenset({"ch_1"}), NOW)  # NetSuite shows the first one's payment
    with session_scope(engine) as session:
        assert payment_ids_to_confirm(session, "102", NOW) == ["ch_2", "pi_2"]
        assert [f.amount_minor for f in in_flight(session, "102", "USD", frozenset(), NOW)] == [200]


def test_migration_0004_fills_the_columns_of_paid_attempts_from_their_stored_events(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate(url, "0003")
    engine = get_engine(url)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO payment_attempts (id, link_kind, netsuite_customer_id, netsuite_invoice_ids,"
                " amount_minor, currency, payment_intent_id, status, save_payment_method, created_at,"
                " updated_at) VALUES ('a1', 'customer', '102', '[]', 5000, 'USD', 'pi_old', 'paid', 0,"
                " '2026-11-01 10:00:00', '2026-11-01 10:00:00')"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO webhook_events (event_id, type, account, created, received_at, object_id,"
                " payload) VALUES ('evt_old', 'payment_intent.succeeded', '', '2026-11-01 10:00:05',"
                " '2026-11-01 10:00:06', 'pi_old', :payload)"
            ),
            {
                "payload": '{"data": {"object": {"id": "pi_old", "amount_received": 5000,'
                ' "latest_charge": {"id": "ch_old"}}}}'
            },
        )
    migrate(url)
    with session_scope(engine) as session:
        row = session.get(PaymentAttempt, "a1")
        assert row is not None
        assert (row.charge_id, row.paid_amount_minor) == ("ch_old", 5000)
        assert row.paid_at == datetime(2026, 11, 1, 10, 0, 5, tzinfo=UTC)
        assert payment_ids_to_confirm(session, "102", datetime(2026, 11, 2, tzinfo=UTC)) == [
            "ch_old",
            "pi_old",
        ]
    dispose_engines()
