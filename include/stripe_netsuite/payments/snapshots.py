"""Page data shared by every process of the webapp, through the state DB.

Each gunicorn worker keeps its own page cache (payments/cache.py); this is the level below it. A worker that
has no copy of a page (just started, restarted, recycled) takes the newest one any worker stored here instead
of waiting for NetSuite, and a stale copy is refreshed from here when another worker already read NetSuite.
The data is display only, like the cache above it: every payment still reads NetSuite live.

Snapshots are JSON made from the page dataclasses (accounts.py) by their type hints, so a field added there
needs nothing here; a snapshot that no longer fits its class is ignored (read again from NetSuite).
"""

from __future__ import annotations

import dataclasses
import logging
import types
import typing
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError

from stripe_netsuite.store.engine import session_scope
from stripe_netsuite.store.payments import PageSnapshot

__all__ = ["PageSnapshots", "decode", "encode"]

log = logging.getLogger(__name__)

T = TypeVar("T")


def encode(value: Any) -> Any:
    """JSON-ready form of a page dataclass (dates as ISO text, tuples and sets as lists)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, date):  # datetime included
        return value.isoformat()
    if isinstance(value, (tuple, list, frozenset, set)):
        items = [encode(item) for item in value]
        return sorted(items) if isinstance(value, (frozenset, set)) else items
    return value


def _decode(hint: Any, data: Any) -> Any:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(hint)
        if data is None and type(None) in options:
            return None
        (real,) = [option for option in options if option is not type(None)]
        return _decode(real, data)
    if origin is tuple:
        return tuple(_decode(typing.get_args(hint)[0], item) for item in data)
    if origin is frozenset:
        return frozenset(_decode(typing.get_args(hint)[0], item) for item in data)
    if hint is datetime:
        return datetime.fromisoformat(data)
    if hint is date:
        return date.fromisoformat(data)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return decode(hint, data)
    if hint in (str, int, bool) and not isinstance(data, hint):
        raise TypeError(f"expected {hint.__name__}, got {type(data).__name__}")
    return data


def decode(cls: type[T], data: dict[str, Any]) -> T:
    """The dataclass `cls` from `encode`'s output; TypeError/KeyError/ValueError if it does not fit."""
    hints = typing.get_type_hints(cls)
    fields = [f for f in dataclasses.fields(cls) if f.init]  # type: ignore[arg-type]
    values = {f.name: _decode(hints[f.name], data[f.name]) for f in fields if f.name in data}
    return cls(**values)


class PageSnapshots:
    """get/put of page data by key ("customer", "102") in the state DB, for `TTLCache(shared=...)`.

    One row per page anyone opened (a few KB each), replaced on every NetSuite read of it.
    """

    def __init__(
        self, engine: Engine, types_by_kind: dict[str, type[Any]], clock: Callable[[], datetime]
    ) -> None:
        self._engine = engine
        self._types = types_by_kind
        self._clock = clock

    @staticmethod
    def _key(key: Any) -> tuple[str, str]:
        kind, ident = key
        return str(kind), f"{kind}:{ident}"

    def get(self, key: Any) -> tuple[Any, float] | None:
        """(value, age in seconds) of the newest snapshot of `key`, or None."""
        kind, text = self._key(key)
        try:
            with session_scope(self._engine) as session:
                row = session.execute(
                    select(PageSnapshot.payload, PageSnapshot.fetched_at).where(PageSnapshot.key == text)
                ).first()
        except SQLAlchemyError:
            log.warning("page snapshot read failed; reading NetSuite instead", exc_info=True)
            return None
        if row is None:
            return None
        try:
            value = decode(self._types[kind], row.payload)
        except (TypeError, KeyError, ValueError):
            return None  # stored by another version of the page data: read NetSuite again
        return value, max(0.0, (self._clock() - row.fetched_at).total_seconds())

    def put(self, key: Any, value: Any) -> None:
        """Store `value` as read from NetSuite now (an older write arriving late never replaces it)."""
        _kind, text = self._key(key)
        fetched_at = self._clock()
        try:
            with session_scope(self._engine) as session:
                row = session.get(PageSnapshot, text)
                if row is None:
                    session.add(PageSnapshot(key=text, payload=encode(value), fetched_at=fetched_at))
                elif row.fetched_at < fetched_at:
                    row.payload, row.fetched_at = encode(value), fetched_at
        except SQLAlchemyError:
            # Two workers storing the same page at once, or a busy database: the next read stores it.
            log.info("page snapshot not stored", exc_info=True)
