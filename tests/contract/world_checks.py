"""A contract world and the checks every one gets: a module builds a World of the Stripe sandbox's raw answers
through stripe-python, then holds each answer to Stripe's OpenAPI spec and to the real example of its type.

A module takes the common checks by subclassing WorldChecks (and ListChecks where its world answers lists) in
a Test* class that names its object types; tests/contract/conftest.py parametrizes `kind` over them.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pytest
import stripe

from tests.contract.conftest import RawApi
from tests.contract.stripe_shapes import (
    FIXTURES,
    fixtures,
    invented_keys,
    list_errors,
    missing_keys,
    schema_errors,
)

# Keys of the real example that the sandbox may leave out, with the reason it is right to.
MISSING_KEY_EXCEPTIONS: dict[str, str] = {
    "charge.refunds": "not rendered unless expanded since API 2022-11-15 (expand[]=refunds)",
    "balance_transaction.source.refunds": "the expanded source is a charge: same rule as charge.refunds",
}


@dataclass
class World:
    """Raw JSON the sandbox answered, by object type, with where each came from."""

    samples: dict[str, list[tuple[str, Any]]] = field(default_factory=dict)
    lists: list[tuple[str, Any]] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)

    def add(self, where: str, body: Any) -> Any:
        """Record an answer: objects under their `object`, list envelopes with their items."""
        kind = body.get("object") if isinstance(body, dict) else None
        if kind == "list":
            self.lists.append((where, body))
            for item in body.get("data", []):
                self.add(f"{where} item", item)
        elif isinstance(kind, str):
            self.samples.setdefault(kind, []).append((where, body))
        return body

    def step(self, name: str, action: Callable[[], None]) -> None:
        """Run one flow; a failure is recorded (and reported) without stopping the others."""
        try:
            action()
        except Exception:
            self.failures[name] = traceback.format_exc(limit=4)


def raw_json(obj: Any) -> Any:
    """The JSON the sandbox sent for a stripe-python result."""
    response = obj.last_response
    assert response is not None
    return response.data


def built_world(build: Callable[[stripe.StripeClient, RawApi], World]) -> Callable[..., World]:
    """A module fixture `world`: the module's world, built once by `build` through the module's sandbox."""

    @pytest.fixture(scope="module", name="world")
    def world(client: stripe.StripeClient, raw: RawApi) -> World:
        return build(client, raw)

    return world


class WorldChecks:
    """Every flow ran; every object of `object_types` fits its schema and has exactly the keys of the real
    example (less MISSING_KEY_EXCEPTIONS); every event's payload fits its object's schema."""

    object_types: ClassVar[tuple[str, ...]]
    # Also hold each event payload to the real examples' keys (none invented), where they are at hand.
    events_invent_no_keys: ClassVar[bool]

    def test_every_flow_ran(self, world: World) -> None:
        assert world.failures == {}, "\n".join(f"{k}:\n{v}" for k, v in world.failures.items())

    def test_objects_fit_the_spec(self, world: World, kind: str) -> None:
        samples = world.samples.get(kind, [])
        assert samples, f"no {kind}; failed flows: {world.failures or 'none'}"
        problems = [f"{where}: {error}" for where, body in samples for error in schema_errors(kind, body)]
        assert not problems, "\n".join(problems)

    def test_objects_match_the_real_example(self, world: World, kind: str) -> None:
        if not FIXTURES.is_file():
            pytest.skip(f"{FIXTURES} is absent: fixtures3.json exists only in ../shared/reference/stripe/")
        samples = world.samples.get(kind, [])
        assert samples, f"no {kind}; failed flows: {world.failures or 'none'}"
        missing = sorted(
            {
                path
                for _, body in samples
                for path in missing_keys(kind, body, fixtures()[kind])
                if path not in MISSING_KEY_EXCEPTIONS
            }
        )
        invented = sorted({path for _, body in samples for path in invented_keys(kind, body)})
        assert not missing and not invented, f"missing: {missing}\ninvented: {invented}"

    def test_event_payloads_fit_their_objects_schema(self, world: World) -> None:
        problems = []
        for _, event in world.samples.get("event", []):
            payload = event["data"]["object"]
            kind = payload.get("object")
            problems += [f"{event['type']} {event['id']}: {e}" for e in schema_errors(kind, payload)]
            if self.events_invent_no_keys and FIXTURES.is_file():
                problems += [f"{event['type']}: invented {path}" for path in invented_keys(kind, payload)]
        assert not problems, "\n".join(problems)


class ListChecks:
    """Every list envelope the world answered fits the spec of its route."""

    def test_lists_fit_the_spec(self, world: World) -> None:
        problems = []
        for where, body in world.lists:
            path = where.split()[1]
            problems += [f"{where}: {e}" for e in list_errors("GET", path, body)]
        assert not problems, "\n".join(problems)
