"""Reading Stripe references: an expandable field is an id string, the expanded object, or null."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def expandable_id(value: Any) -> str | None:
    """The id an expandable field names: the string itself, an expanded object's `id`, else None.

    Stripe sends `"ch_1"` or, when the request asked `expand[]=charge`, `{"id": "ch_1", ...}`; null, "" and
    values of any other shape (a corrupted object) name nothing.
    """
    if isinstance(value, Mapping):
        value = value.get("id")
    return value if isinstance(value, str) and value else None
