"""A payment attempt's status: its words, its groups and the moves allowed between them, in one place.

Stripe's webhooks arrive repeated and out of order, and a page may close a session while its customer pays,
so a status only moves forward: a late "expired" never undoes "paid", and nothing replaces "paid".
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Protocol

__all__ = ["IN_FLIGHT", "RESERVED", "AttemptStatus", "may_move", "move"]


class AttemptStatus(StrEnum):
    CREATED = "created"  # reserved under the customer's lock; its Checkout Session is being created
    OPEN = "open"  # its Checkout Session may still be paid
    PROCESSING = "processing"  # Stripe has it (a bank debit takes days); a webhook tells the outcome
    PAID = "paid"
    FAILED = "failed"
    EXPIRED = "expired"
    CANCELED = "canceled"  # the customer came back without paying, or a newer payment replaced it


# Its Checkout Session may still be paid: the attempt reserves its amount of the balance.
RESERVED = (AttemptStatus.CREATED, AttemptStatus.OPEN)
# Its money may still arrive.
IN_FLIGHT = (*RESERVED, AttemptStatus.PROCESSING)

# Which statuses each status may replace: paid wins over everything, nothing replaces paid or goes back to
# created.
_MAY_REPLACE: dict[AttemptStatus, frozenset[AttemptStatus]] = {
    AttemptStatus.CREATED: frozenset(),
    AttemptStatus.OPEN: frozenset({AttemptStatus.CREATED}),
    AttemptStatus.PROCESSING: frozenset(RESERVED),
    AttemptStatus.PAID: frozenset(AttemptStatus) - {AttemptStatus.PAID},
    AttemptStatus.FAILED: frozenset(IN_FLIGHT),
    AttemptStatus.EXPIRED: frozenset(RESERVED),
    AttemptStatus.CANCELED: frozenset(RESERVED),
}


class _Attempt(Protocol):
    status: str
    updated_at: datetime
    failure_message: str | None


def may_move(current: str, new: AttemptStatus) -> bool:
    """Whether an attempt in `current` may become `new` (never to the status it has)."""
    return current != new and current in _MAY_REPLACE[new]


def move(attempt: _Attempt, new: AttemptStatus, now: datetime, message: str | None = None) -> bool:
    """Move the attempt to `new` if allowed, noting when and why; False (nothing changed) otherwise."""
    if not may_move(attempt.status, new):
        return False
    attempt.status = new
    attempt.updated_at = now
    if message:
        attempt.failure_message = message[:2000]
    return True
