"""Which objects to re-fetch after reading the events feed (pure: events in, ids out)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any


def object_of(event: Mapping[str, Any]) -> Mapping[str, Any]:
    """The event's data.object (only its id and type are trusted; the object itself is re-fetched)."""
    data = event.get("data") or {}
    obj = data.get("object") if isinstance(data, Mapping) else None
    return obj if isinstance(obj, Mapping) else {}


def ids_to_refetch(
    events: Sequence[Mapping[str, Any]],
    object_type: str,
    listed_ids: Iterable[str] = (),
    probe_id: str | None = None,
) -> list[str]:
    """Object ids to re-fetch, each once, in the order of their first event.

    `events` are oldest first. Those up to and including `probe_id` (the newest event seen before this
    run's created pass) are already reflected in the objects that pass listed, so their objects are
    skipped when listed; any later event means the object may have changed after it was listed.
    """
    listed = set(listed_ids)
    ids = [str(event.get("id")) for event in events]
    boundary = ids.index(probe_id) if probe_id in ids else -1
    seen: set[str] = set()
    wanted: list[str] = []
    for position, event in enumerate(events):
        obj = object_of(event)
        object_id = obj.get("id")
        if not object_id or obj.get("object") != object_type or object_id in seen:
            continue
        if position <= boundary and object_id in listed:
            continue
        seen.add(str(object_id))
        wanted.append(str(object_id))
    return wanted
