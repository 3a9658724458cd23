"""expandable_id: the one reader of Stripe's expandable fields (an id, the expanded object, or null)."""

from __future__ import annotations

from typing import Any

import pytest

from stripe_netsuite.stripe_ids import expandable_id


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ch_1", "ch_1"),
        ({"id": "ch_1", "object": "charge", "amount": 500}, "ch_1"),
        (None, None),
        ("", None),
        ({"object": "charge"}, None),
        ({"id": None}, None),
        ({"id": 7}, None),
        (7, None),
        (["ch_1"], None),
    ],
    ids=["id", "expanded", "null", "empty", "expanded-without-id", "expanded-null-id", "expanded-int-id",
         "int", "list"],
)  # fmt: skip
def test_expandable_id_reads_an_id_or_an_expanded_object_and_nothing_else(value: Any, expected: str) -> None:
    assert expandable_id(value) == expected
