"""The payment attempt's statuses and the moves between them (store/attempt_status.py), as a table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import CheckConstraint

from stripe_netsuite.store.attempt_status import IN_FLIGHT, RESERVED, AttemptStatus, may_move, move
from stripe_netsuite.store.payments import ATTEMPT_STATUSES, PaymentAttempt

S = AttemptStatus
# Every allowed (from, to): forward only; paid wins over everything and nothing replaces it.
ALLOWED = {
    (S.CREATED, S.OPEN),
    *((old, S.PROCESSING) for old in (S.CREATED, S.OPEN)),
    *((old, S.PAID) for old in S if old != S.PAID),
    *((old, S.FAILED) for old in (S.CREATED, S.OPEN, S.PROCESSING)),
    *((old, S.EXPIRED) for old in (S.CREATED, S.OPEN)),
    *((old, S.CANCELED) for old in (S.CREATED, S.OPEN)),
}


@pytest.mark.parametrize("new", list(S))
@pytest.mark.parametrize("old", list(S))
def test_moves_are_exactly_the_table(old: AttemptStatus, new: AttemptStatus) -> None:
    assert may_move(old.value, new) is ((old, new) in ALLOWED)


def test_groups() -> None:
    assert set(RESERVED) == {S.CREATED, S.OPEN}
    assert set(IN_FLIGHT) == {S.CREATED, S.OPEN, S.PROCESSING}


def test_the_database_accepts_exactly_the_enums_words() -> None:
    assert ATTEMPT_STATUSES == ("created", "open", "processing", "paid", "failed", "expired", "canceled")
    [check] = [
        c for c in PaymentAttempt.__table__.constraints
        if isinstance(c, CheckConstraint) and "status IN" in str(c.sqltext)
    ]
    assert str(check.sqltext) == (
        "status IN ('created', 'open', 'processing', 'paid', 'failed', 'expired', 'canceled')"
    )


@dataclass
class Attempt:
    status: str
    updated_at: datetime
    failure_message: str | None = None


BEFORE, NOW = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC)


def test_a_refused_move_changes_nothing() -> None:
    # A Checkout failure noticed after a newer payment replaced the attempt: it stays canceled, untouched.
    attempt = Attempt("canceled", BEFORE, "Replaced by a newer payment started from the same page.")
    assert move(attempt, S.FAILED, NOW, "Checkout Session not created: APIError") is False
    assert attempt == Attempt("canceled", BEFORE, "Replaced by a newer payment started from the same page.")


def test_an_allowed_move_notes_when_and_why() -> None:
    attempt = Attempt("processing", BEFORE)
    assert move(attempt, S.FAILED, NOW, "x" * 3000) is True
    assert (attempt.status, attempt.updated_at, attempt.failure_message) == ("failed", NOW, "x" * 2000)
    assert move(attempt, S.PAID, NOW) is True  # a late success still wins
    assert attempt.status == "paid"
    assert move(attempt, S.EXPIRED, NOW) is False
