"""Page data cache: served at once, refreshed in the background (stale-while-revalidate).

NetSuite is slow (hundreds of ms a query) and metered, and a payment page only displays what it reads: every
payment is checked against a fresh read anyway (DESIGN §6). So no visitor should wait for NetSuite because
an entry grew old. An entry is fresh for about `ttl` seconds; after that it is still served, for up to
`max_stale` seconds, while one background thread per key reads it again. Freshness is spread (`jitter`) so
entries loaded together do not all go stale at the same moment and refresh in waves. Only a missing entry
(or one older than `max_stale`) is loaded in the visitor's request, and concurrent visitors of the same
page then wait for that one load instead of each starting their own.
"""

from __future__ import annotations

import logging
import os
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

__all__ = ["TTLCache"]

log = logging.getLogger(__name__)

V = TypeVar("V")

Runner = Callable[[Callable[[], None]], None]


class SharedStore(Protocol):
    """The level below a process's cache, shared by every process (payments/snapshots.py)."""

    def get(self, key: Any) -> tuple[Any, float] | None:
        """(value, age in seconds), or None."""

    def put(self, key: Any, value: Any) -> None: ...


@dataclass
class _Entry(Generic[V]):
    value: V
    stored_at: float
    fresh_until: float


class _BackgroundRunner:
    """A small thread pool for refreshes, made anew in a forked child (a fork keeps no threads)."""

    def __init__(self, threads: int) -> None:
        self._threads = threads
        self._pool: ThreadPoolExecutor | None = None
        self._pid = 0
        self._lock = threading.Lock()

    def __call__(self, job: Callable[[], None]) -> None:
        with self._lock:
            if self._pool is None or self._pid != os.getpid():
                self._pool = ThreadPoolExecutor(self._threads, thread_name_prefix="page-cache-refresh")
                self._pid = os.getpid()
            pool = self._pool
        pool.submit(job)


class TTLCache(Generic[V]):
    """At most `max_items` entries (least recently stored evicted first); see the module docstring.

    `run_in_background(job)` runs refreshes (default: a pool of 2 threads); `random` draws the jitter.
    With `shared`, a page this process has no copy of is first looked for there, a stale copy is replaced by
    a fresh one found there before NetSuite is asked, and every value loaded is stored there too.
    """

    def __init__(
        self,
        ttl: float = 30.0,
        max_items: int = 1024,
        clock: Callable[[], float] = time.monotonic,
        *,
        max_stale: float = 300.0,
        jitter: float = 0.2,
        run_in_background: Runner | None = None,
        random: Callable[[], float] = random.random,
        shared: SharedStore | None = None,
    ):
        self.ttl = ttl
        self.max_items = max_items
        self.max_stale = max_stale
        self.jitter = jitter
        self._clock = clock
        self._random = random
        self._run = run_in_background or _BackgroundRunner(2)
        self._shared = shared
        self._items: OrderedDict[Hashable, _Entry[V]] = OrderedDict()
        self._loading: dict[Hashable, Future[V]] = {}
        self._refreshing: set[Hashable] = set()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        """The value if it is still fresh, else None."""
        with self._lock:
            entry = self._items.get(key)
            if entry is None or self._clock() > entry.fresh_until:
                return None
            return entry.value

    def put(self, key: Hashable, value: V) -> None:
        with self._lock:
            self._store(key, value)

    def _store(self, key: Hashable, value: V, age: float = 0.0) -> _Entry[V]:
        stored_at = self._clock() - age
        fresh_for = self.ttl * (1.0 - self.jitter * self._random())
        entry = self._items[key] = _Entry(value, stored_at, stored_at + fresh_for)
        self._items.move_to_end(key)
        while len(self._items) > self.max_items:
            self._items.popitem(last=False)
        return entry

    def _from_shared(self, key: Hashable, younger_than: float) -> _Entry[V] | None:
        """The shared copy of `key` stored here, if there is one younger than `younger_than` seconds."""
        found = self._shared.get(key) if self._shared is not None else None
        if found is None or found[1] >= younger_than:
            return None
        with self._lock:
            return self._store(key, found[0], found[1])

    def _load(self, key: Hashable, load: Callable[[], V]) -> V:
        value = load()
        if self._shared is not None:
            self._shared.put(key, value)
        return value

    def get_or_load(self, key: Hashable, load: Callable[[], V]) -> V:
        """The cached value (refreshed in the background once stale), or `load()`'s when there is none."""
        refresh = False
        with self._lock:
            entry = self._items.get(key)
            now = self._clock()
            if entry is not None and now <= entry.fresh_until:
                return entry.value
            if entry is not None and now - entry.stored_at <= self.max_stale:
                refresh = key not in self._refreshing
                self._refreshing.add(key)
            else:
                entry = None
                pending = self._loading.get(key)
                if pending is None:
                    mine: Future[V] = Future()
                    self._loading[key] = mine
        if entry is not None:
            if refresh:
                self._run(lambda: self._refresh(key, load))
            return entry.value
        if pending is not None:
            return pending.result()  # another request is loading this very page: share its answer
        try:
            shared = self._from_shared(key, younger_than=self.max_stale)
            if shared is not None and self._clock() > shared.fresh_until:
                with self._lock:
                    refresh = key not in self._refreshing
                    self._refreshing.add(key)
                if refresh:
                    self._run(lambda: self._refresh(key, load))
            value = shared.value if shared is not None else self._load(key, load)
        except BaseException as error:
            mine.set_exception(error)
            raise
        else:
            mine.set_result(value)
        finally:
            with self._lock:
                self._loading.pop(key, None)
        if shared is None:
            self.put(key, value)
        return value

    def _refresh(self, key: Hashable, load: Callable[[], V]) -> None:
        try:
            # Another process may have read NetSuite for this page a moment ago.
            if self._from_shared(key, younger_than=self.ttl * (1.0 - self.jitter)) is not None:
                return
            value = self._load(key, load)
        except Exception:
            # The stale copy stays (until max_stale); try again after a share of the ttl, not every view.
            log.warning("refreshing page data failed; the cached copy is served meanwhile", exc_info=True)
            with self._lock:
                entry = self._items.get(key)
                if entry is not None:
                    entry.fresh_until = self._clock() + self.ttl * self.jitter
        else:
            with self._lock:
                self._store(key, value)
        finally:
            with self._lock:
                self._refreshing.discard(key)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
