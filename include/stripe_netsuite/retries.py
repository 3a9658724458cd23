"""The retry policy, one layer per kind of failure: who retries what, how many times, with which waits.

README.md "Operations" tabulates these numbers; nothing else in the connector states them.

- A transient Stripe failure (429, 409, 5xx, a lost connection) on a read is retried by the library's
  client layer (`stripe_api.budget.Backoff`, jittered exponential backoff). stripe-python's own retries are
  off there: two layers would multiply (6 x 3 tries per call) and hide the count from the run's report.
- A transient NetSuite failure (429, 5xx or a lost connection on a replayable call, one 401) is retried by the
  NetSuite client (`netsuite.retry.RetryPolicy`), which also honours Retry-After.
- A failed Airflow task (a crashed worker, a timeout, the retries above exhausted) is retried by Airflow,
  minutes later, when an outage may be over; errors no retry can fix (a stale events cursor) fail the task at
  once (AirflowFailException).
- The payment pages answer a person who is waiting: one short layer each (stripe-python's idempotent retries
  for Stripe's writes, one NetSuite retry), never a long backoff.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

__all__ = [
    "AIRFLOW_TASK",
    "NETSUITE",
    "NETSUITE_PAGE",
    "STRIPE",
    "STRIPE_PAGE_NETWORK_RETRIES",
    "STRIPE_PYTHON_RETRIES",
    "BackoffSchedule",
    "TaskRetries",
]


@dataclass(frozen=True)
class BackoffSchedule:
    """Retries after the first try, waiting uniform(0, min(max_delay, base_delay * 2**retry)) before each."""

    max_retries: int
    base_delay: float
    max_delay: float

    @property
    def attempts(self) -> int:
        """Requests sent for one call that keeps failing: the first try and every retry."""
        return 1 + self.max_retries

    def longest_wait(self) -> float:
        """Upper bound of the summed waits of one call that keeps failing (full jitter draws below it)."""
        return sum(min(self.max_delay, self.base_delay * 2**retry) for retry in range(self.max_retries))


@dataclass(frozen=True)
class TaskRetries:
    """Airflow's default_args for a DAG's tasks.

    Airflow 3's `retry_exponential_backoff` is a multiplier, not a switch: `True` counts as 1.0, a constant
    delay. Airflow waits retry_delay * multiplier**(try - 1), plus a deterministic jitter of up to as
    much again.
    """

    retries: int
    retry_delay: timedelta
    multiplier: float

    def default_args(self) -> dict[str, object]:
        return {
            "retries": self.retries,
            "retry_delay": self.retry_delay,
            "retry_exponential_backoff": self.multiplier,
        }


# Stripe reads (extraction): 6 requests at most per call, waits up to 0.5, 1, 2, 4, 8 s (15.5 s in all).
STRIPE = BackoffSchedule(max_retries=5, base_delay=0.5, max_delay=30.0)
STRIPE_PYTHON_RETRIES = 0  # stripe-python's max_network_retries where STRIPE retries
# The pages' Stripe writes: stripe-python retries them with an idempotency key it generates, so a lost answer
# never creates a second PaymentIntent; twice, after its own short waits (0.5 s doubling, at most 5 s).
STRIPE_PAGE_NETWORK_RETRIES = 2

# NetSuite from tasks: 6 requests at most per call; Retry-After (at most 120 s) wins over the jitter.
NETSUITE = BackoffSchedule(max_retries=5, base_delay=0.5, max_delay=30.0)
NETSUITE_AUTH_RETRIES = 1  # NetSuite sometimes refuses a burst with INVALID_LOGIN; a bad login fails again
NETSUITE_MAX_RETRY_AFTER = 120.0  # a proxy's "Retry-After: 86400" must not park a worker for a day
# NetSuite from the pages: a person is waiting, so one retry within a second.
NETSUITE_PAGE = BackoffSchedule(max_retries=1, base_delay=0.3, max_delay=1.0)

# Airflow: 3 tries of a task, about 1-2 then 2-4 minutes apart; each try repeats the layers above.
AIRFLOW_TASK = TaskRetries(retries=2, retry_delay=timedelta(minutes=1), multiplier=2.0)
