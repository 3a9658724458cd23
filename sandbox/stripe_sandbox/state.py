"""The sandbox world (store, clock, settings, id counter) and the per-request context resources work in."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import errors, ids
from .clock import DAY, ClockState, day_start
from .config import Config
from .store import Store
from .webhooks import Dispatcher

API_VERSION = "2024-04-10"


class Sandbox:
    """Everything one sandbox process serves; safe to share between request threads."""

    def __init__(self, data_dir: Path, api_key: str | None = None, seed: int = 0) -> None:
        self.store = Store(data_dir)
        self.api_key = api_key
        self._after_commit: list[Callable[[], None]] = []
        self._local = threading.local()
        with self.store.transaction():
            if self.store.meta("seed") is None:
                self._initialise(seed)
        self._config = Config.from_json(self.store.meta("config", {}))
        self._clock = ClockState.from_json(self.store.meta("clock", {}))
        self._faults = random.Random()
        self._fault_lock = threading.Lock()
        self.reseed_faults()
        self.webhooks = Dispatcher(self)

    def _initialise(self, seed: int, clock: ClockState | None = None) -> None:
        store = self.store
        store.set_meta("seed", seed)
        store.set_meta("config", Config().to_json())
        clock = clock or ClockState()
        store.set_meta("clock", clock.to_json())
        store.set_meta("platform_account", ids.derive(seed, 0, "acct")[:21])
        store.set_meta("created", clock.now())
        store.set_meta("next_payout_at", day_start(clock.now()) + DAY)

    # ---- settings and clock -------------------------------------------------------------------

    @property
    def seed(self) -> int:
        return int(self.store.meta("seed", 0))

    @property
    def platform_account(self) -> str:
        return str(self.store.meta("platform_account"))

    @property
    def config(self) -> Config:
        return self._config

    def set_config(self, config: Config) -> None:
        with self.store.transaction():
            self.store.set_meta("config", config.to_json())
            self._config = config

    def reseed_faults(self) -> None:
        """Restart the fault-injection sequence from `fault_seed` (default: the sandbox's seed)."""
        seed = self._config.fault_seed
        with self._fault_lock:
            self._faults.seed(self.seed if seed is None else seed)

    def draw_fault(self) -> str | None:
        """The fault ("500", "429" or "drop") to inflict on the next /v1 request, if any."""
        config = self._config
        with self._fault_lock:
            if not config.fault_rate or self._faults.random() >= config.fault_rate:
                return None
            return self._faults.choice(config.fault_kinds or ["500"])

    @property
    def clock(self) -> ClockState:
        return self._clock

    def save_clock(self, rescheduled: bool = False) -> None:
        """Persist the clock; `rescheduled` (the clock was set, not advanced) moves the next payout run to the
        coming midnight of the new time, so a jump into the past does not wait years for it."""
        self.store.set_meta("clock", self._clock.to_json())
        if rescheduled:
            self.store.set_meta("next_payout_at", day_start(self._clock.now()) + DAY)

    def now(self) -> int:
        return self._clock.now()

    def reset(self) -> None:
        """An empty world with the same seed; the clock keeps its mode and time."""
        with self.store.lock:
            seed = self.seed
            self.store.wipe()
            with self.store.transaction():
                self._initialise(seed, self._clock)
            self._config = Config()
            self.reseed_faults()

    # ---- ids and transactions -----------------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        return ids.derive(self.seed, self.store.next_counter("id_counter"), prefix)

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once the current transaction has committed (webhook wake-ups)."""
        self._after_commit.append(callback)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.store.lock:
            outer = not getattr(self._local, "active", False)
            self._local.active = True
            try:
                with self.store.transaction():
                    yield
            finally:
                if outer:
                    self._local.active = False
                    callbacks, self._after_commit = self._after_commit, []
                    for callback in callbacks:
                        callback()

    def context(
        self,
        account: str | None = None,
        *,
        now: int | None = None,
        request_id: str | None = None,
        idempotency_key: str | None = None,
        api_version: str | None = None,
        base_url: str = "",
    ) -> Ctx:
        return Ctx(
            sandbox=self,
            account=account or self.platform_account,
            now=self.now() if now is None else now,
            request_id=request_id,
            idempotency_key=idempotency_key,
            api_version=api_version or API_VERSION,
            base_url=base_url,
        )


@dataclass
class Ctx:
    """Who is acting (account), when (sandbox time) and on behalf of which request (for events)."""

    sandbox: Sandbox
    account: str
    now: int
    request_id: str | None = None
    idempotency_key: str | None = None
    api_version: str = API_VERSION
    base_url: str = ""
    events: list[str] = field(default_factory=list)

    @property
    def store(self) -> Store:
        return self.sandbox.store

    @property
    def config(self) -> Config:
        return self.sandbox.config

    @property
    def settlement_currency(self) -> str:
        return self.sandbox.config.settlement_currency

    def settles_in(self, presentment: str) -> str:
        """The settlement currency of a charge presented in `presentment` (Config.settles_in)."""
        return self.sandbox.config.settles_in(presentment)

    def new_id(self, prefix: str) -> str:
        return self.sandbox.new_id(prefix)

    def load(self, object_id: str, object_type: str, noun: str, param: str = "id") -> dict[str, Any]:
        """An object of this account, or Stripe's 404 naming it."""
        found = self.store.get(object_id, self.account, object_type) if isinstance(object_id, str) else None
        if found is None:
            raise errors.resource_missing(noun, str(object_id), param)
        return found

    def find(self, object_id: str) -> dict[str, Any] | None:
        return self.store.get(object_id, self.account)

    def insert(self, obj: dict[str, Any], **columns: Any) -> dict[str, Any]:
        self.store.insert(obj, self.account, **columns)
        return obj

    def save(self, obj: dict[str, Any], **columns: Any) -> dict[str, Any]:
        self.store.update(obj, **columns)
        return obj
