"""The loader's bookkeeping thread: sync records reach the state DB in batches, in the order they were made.

NetSuite writers hand their sync records to `Books.save` instead of committing each one between two NetSuite
writes (which kept a NetSuite slot idle for a commit per record). One thread commits whatever has queued up
in one transaction, in order, so a write-back's record lands after its payment's. `save` returns a ticket;
a writer whose next NetSuite write depends on an earlier record being durable (the next step of the same
charge or customer: after a crash, the re-run must know how the earlier payment was first applied) calls
`wait(ticket)` first.

While no writer waits, the thread lets records gather for up to LINGER before it commits them: one commit (an
ORM session, a lookup of the records, a transaction) per few records instead of one per record, which was
most of the loader's CPU per payment, on cores the NetSuite writers share. A writer that waits ends the
lingering at once. A crash loses at most LINGER's worth of sync records, which the re-run's upserts restore
as they would any record not yet committed.
"""

from __future__ import annotations

import queue
import threading
from types import TracebackType

from sqlalchemy import Engine

from stripe_netsuite.sync.load_store import SyncWrite, save_sync_records

__all__ = ["Books", "BooksError"]

BATCH = 500  # records per transaction at most: bounded statements, and progress survives a crash
LINGER = 0.1  # seconds a first record waits for more while no writer waits for it


class BooksError(RuntimeError):
    """The state DB refused the sync records: the run stops (NetSuite's upserts let a re-run heal)."""


class Books:
    """An ordered, batching writer of sync records on its own thread; use as a context manager."""

    def __init__(self, engine: Engine, linger: float = LINGER) -> None:
        self._engine = engine
        self._linger = linger
        self._waiting = 0  # writers blocked in wait()
        self._queue: queue.SimpleQueue[SyncWrite | None] = queue.SimpleQueue()
        self._condition = threading.Condition()
        self._issued = 0  # tickets handed out, in queue order
        self._saved = 0  # tickets committed
        self._error: BaseException | None = None
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="ledger-books", daemon=True)
        self._thread.start()

    def __enter__(self) -> Books:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close(raise_error=kind is None)

    def save(self, write: SyncWrite) -> int:
        """Queue one change; returns its ticket (for `wait`)."""
        with self._condition:  # the ticket's number and the queue's order must agree
            self._check()
            self._issued += 1
            self._queue.put(write)
            return self._issued

    def wait(self, ticket: int) -> None:
        """Block until the record with this ticket (and every earlier one) is committed."""
        with self._condition:
            if self._saved < ticket:
                self._waiting += 1
                self._condition.notify_all()  # ends the thread's lingering
                try:
                    while self._saved < ticket and self._error is None:
                        self._condition.wait()
                finally:
                    self._waiting -= 1
            self._check()

    def close(self, *, raise_error: bool = True) -> None:
        """Commit what is queued and stop the thread; BooksError when a commit failed."""
        self._queue.put(None)
        with self._condition:
            self._closing = True
            self._condition.notify_all()
        self._thread.join()
        if raise_error:
            with self._condition:
                self._check()

    def _check(self) -> None:
        if self._error is not None:
            raise BooksError(f"sync records could not be saved: {self._error}") from self._error

    def _run(self) -> None:
        stop = False
        while not stop:
            batch = [self._queue.get()]
            if batch[-1] is not None:
                with self._condition:
                    self._condition.wait_for(lambda: self._waiting or self._closing, timeout=self._linger)
            while len(batch) < BATCH and batch[-1] is not None:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            writes = [item for item in batch if item is not None]
            stop = len(writes) < len(batch)  # None: close() was called after the last producer
            try:
                save_sync_records(self._engine, writes)
            except BaseException as error:  # handed to the writers, who raise it
                with self._condition:
                    self._error = error
                    self._condition.notify_all()
                return
            with self._condition:
                self._saved += len(writes)
                self._condition.notify_all()
