"""Webhook-reported Stripe objects -> Airflow DAG runs, outside the request and coalesced.

The webhook handler records what to load (store/load_requests.py, in the event's own transaction) and answers
Stripe at once; this dispatcher, one thread per webapp process, hands every pending id of a DAG to one run:

- no run of the DAG queued: trigger one with all pending ids (with `max_active_runs=1` it waits for the run
  in progress, so a burst during a run becomes one follow-up run, not a burst of runs);
- a run already queued: wait; the ids stay pending, and that run takes them when it starts (the DAG's
  fast path claims its target's pending ids: stripe_netsuite.sync.load_run.claim_reported), so a payment
  reported while a run waits in the queue is not put in a run queued behind it; waiting here costs nothing;
- Airflow down or the DAG missing: the ids stay pending (the client logs it once); the scheduled path
  (stripe_sync -> netsuite_payments on its Asset) loads them anyway.

The check-and-trigger holds a dispatch lock shared by the processes (PostgreSQL: a session advisory lock;
SQLite: an flock on a file beside the database), taken without waiting: while one worker dispatches, the
others skip their round, so gunicorn's workers together queue at most one follow-up run. It is not a database
write lock, so webhooks keep being recorded while Airflow is slow.

The thread runs only while something is pending: a webhook (or the app's start) wakes it, and it ends when
nothing is left, so an idle process holds no thread and no connection.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from stripe_netsuite.payments.events import is_handled
from stripe_netsuite.store.load_requests import mark_requested, pending_loads
from webapp.airflow_api import AirflowTrigger

__all__ = ["DAG_FOR_EVENTS", "LoadDispatcher", "dag_for_event"]

log = logging.getLogger(__name__)

# The DAGs that turn events into NetSuite records, each with the conf key (its param) that takes the ids.
PAYMENTS_DAG = "netsuite_payments"
DEPOSITS_DAG = "netsuite_deposits"
CONF_KEYS = {PAYMENTS_DAG: "stripe_ids", DEPOSITS_DAG: "payout_ids"}
DAG_FOR_EVENTS = tuple(CONF_KEYS)
MAX_IDS_PER_RUN = 5000  # a run's conf stays a few hundred kB at most


def dag_for_event(event_type: str) -> str | None:
    """The Airflow DAG that loads what this kind of event reports (None: nothing to load)."""
    if not is_handled(event_type) or event_type == "checkout.session.expired":
        return None
    return DEPOSITS_DAG if event_type.startswith("payout.") else PAYMENTS_DAG


_LOCK_KEY = int.from_bytes(hashlib.sha256(b"webapp:load-dispatch").digest()[:8], "big", signed=True)


@contextmanager
def dispatch_lock(engine: Engine) -> Iterator[bool]:
    """True when this process may dispatch now; False while another one does (never waits)."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            got = bool(connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": _LOCK_KEY}).scalar())
            connection.commit()
            try:
                yield got
            finally:
                if got:
                    connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _LOCK_KEY})
                    connection.commit()
        return
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield True  # one process owns such a database
        return
    with Path(f"{database}.dispatch.lock").open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class LoadDispatcher:
    """Triggers the DAGs for pending load requests: at most one queued run per DAG, one token per process."""

    def __init__(
        self,
        engine: Engine,
        airflow: AirflowTrigger,
        conf_keys: Mapping[str, str] = CONF_KEYS,
        *,
        poll_seconds: float = 2.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.engine = engine
        self.airflow = airflow
        self.conf_keys = dict(conf_keys)
        self.poll_seconds = poll_seconds
        self._clock = clock
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def notify(self) -> None:
        """Something was recorded: make sure the thread runs and looks soon. Never blocks on Airflow."""
        self._wake.set()
        with self._lock:
            if self._stop.is_set() or (self._thread is not None and self._thread.is_alive()):
                return
            self._thread = threading.Thread(target=self._run, name="load-dispatcher", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        with self._lock:
            thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                left = self.dispatch_once()
            except SQLAlchemyError:
                # The state DB is unreachable: end; the next webhook (which needs the DB too) wakes us.
                log.exception("load dispatcher: the state DB failed; pending loads wait for the next event")
                return
            with self._lock:
                if not left and not self._wake.is_set():
                    self._thread = None  # nothing pending: end (a notify after this starts a new thread)
                    return
            # Pending ids wait for a queued run to start: look again after a pause, or sooner when woken.
            self._stop.wait(self.poll_seconds)

    def dispatch_once(self) -> int:
        """One pass over the DAGs; returns how many ids are still pending afterwards."""
        with dispatch_lock(self.engine) as mine:
            if not mine:
                # Another process is dispatching; look again later while anything is pending.
                return sum(len(pending_loads(self.engine, d, 1)) for d in self.conf_keys)
            return self._dispatch()

    def _dispatch(self) -> int:
        left = 0
        for dag_id, conf_key in self.conf_keys.items():
            pending = pending_loads(self.engine, dag_id, MAX_IDS_PER_RUN)
            if not pending:
                continue
            active = self.airflow.active_runs(dag_id)
            if active is None or active["queued"]:
                # Airflow cannot say, or a follow-up run already waits: keep them. A DAG Airflow lacks is
                # not waited for (the next event asks again); the scheduled path loads its objects.
                left += 0 if self.airflow.recently_missing(dag_id) else len(pending)
                continue
            run_id = self.airflow.start_run(dag_id, {conf_key: [load.stripe_id for load in pending]})
            if run_id is None:
                left += 0 if self.airflow.recently_missing(dag_id) else len(pending)
                continue
            mark_requested(self.engine, dag_id, pending, run_id, self._clock())
            log.info("asked Airflow DAG %s run %s to load %d Stripe objects", dag_id, run_id, len(pending))
            left += len(pending_loads(self.engine, dag_id, 1))
        return left
