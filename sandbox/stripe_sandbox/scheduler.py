"""Work that falls due on the sandbox clock, run in time order: availability, payouts, expiries, bank debits.

Each due instant is processed with the context's `now` set to that instant, so objects and events carry the
time they would have on Stripe, not the time the clock was advanced to.
"""

from __future__ import annotations

import threading

from .clock import DAY, day_start
from .resources.balance import release_due
from .resources.checkout_sessions import expire_session
from .resources.payment_intents import settle_debit
from .resources.payouts import advance, run_automatic
from .resources.refunds import fail_refund
from .state import Sandbox


def _next_due(sandbox: Sandbox, until: int) -> int | None:
    row = sandbox.store.execute("SELECT MIN(due) FROM objects WHERE due IS NOT NULL").fetchone()
    candidates = [row[0]] if row and row[0] is not None else []
    next_run = sandbox.store.meta("next_payout_at")
    if next_run is not None:
        candidates.append(int(next_run))
    due = min(candidates) if candidates else None
    return due if due is not None and due <= until else None


def _process(sandbox: Sandbox, at: int) -> None:
    store = sandbox.store
    release_due(sandbox, at)
    for row in store.select(
        "SELECT * FROM objects WHERE due IS NOT NULL AND due <= ? AND type != 'balance_transaction' "
        "ORDER BY due, seq",
        (at,),
    ):
        ctx = sandbox.context(row.account, now=at)
        if row.type == "payout":
            advance(ctx, row.data)
        elif row.type == "checkout.session" and row.data.get("status") == "open":
            expire_session(ctx, row.data)
        elif row.type == "payment_intent":
            settle_debit(ctx, row.data)
        elif row.type == "refund":
            fail_refund(ctx, row.data)
        else:
            store.set_columns(row.id, due=None)
    next_run = store.meta("next_payout_at")
    if next_run is not None and int(next_run) <= at:
        if sandbox.config.payout_schedule:
            run_automatic(sandbox, at)
        store.set_meta("next_payout_at", day_start(at) + DAY)


def run_due(sandbox: Sandbox, until: int) -> int:
    """Run everything due up to `until`, earliest first; returns how many instants were processed."""
    steps = 0
    with sandbox.store.lock:
        while True:
            with sandbox.transaction():
                at = _next_due(sandbox, until)
                if at is None:
                    break
                _process(sandbox, at)
            steps += 1
    sandbox.webhooks.wake()
    return steps


def _next_delivery(sandbox: Sandbox, until: int) -> int | None:
    row = sandbox.store.execute(
        "SELECT MIN(due) FROM deliveries WHERE status = 'pending' AND due <= ?", (until,)
    ).fetchone()
    return int(row[0]) if row and row[0] is not None else None


def advance_to(sandbox: Sandbox, target: int) -> tuple[int, int]:
    """Move the clock forward to `target`, running due work and webhook attempts in time order.

    The clock stops at each instant a delivery falls due, the attempt is made there (so a retry's backoff
    is measured on the sandbox clock and a long jump makes every attempt the schedule holds), then moves
    on. Returns (instants of due work processed, delivery attempts made). Attempts are sent without the
    store lock held, so a receiver may call the API back.
    """
    steps = attempts = 0
    with sandbox.webhooks.exclusive() as send_due:
        while True:
            with sandbox.store.lock:
                now = sandbox.now()
                due = _next_delivery(sandbox, target)
                stop = target if due is None else max(due, now)
                steps += run_due(sandbox, stop)
                if stop > now:
                    with sandbox.transaction():
                        sandbox.clock.set(stop)
                        sandbox.save_clock()
            if due is None:
                break
            attempts += send_due()
    sandbox.webhooks.wake()
    return steps, attempts


def run_payouts_now(sandbox: Sandbox) -> list[str]:
    """POST /_sandbox/payouts/run: sweep now, outside the daily schedule."""
    with sandbox.transaction():
        return [payout["id"] for payout in run_automatic(sandbox, sandbox.now())]


class Ticker:
    """In running-clock mode, runs due work every second so time passes as on Stripe."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self._stop = threading.Event()

    def start(self) -> None:
        threading.Thread(target=self._loop, name="ticker", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        while not self._stop.wait(1.0):
            if self.sandbox.clock.mode == "running":
                run_due(self.sandbox, self.sandbox.now())
