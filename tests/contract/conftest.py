"""The Stripe sandbox as a real server (frozen clock), and a stripe-python client pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
import stripe

from tests.servers import RunningServer, run_sandbox

API_KEY = "sk_test_contract"


@pytest.fixture(scope="module")
def stripe_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    data_dir = tmp_path_factory.mktemp("stripe-sandbox")
    with run_sandbox("stripe_sandbox", data_dir, extra_args=("--clock", "frozen")) as server:
        yield server


@pytest.fixture(scope="module")
def client(stripe_server: RunningServer) -> stripe.StripeClient:
    # No retries: a contract test must see the first answer, not a retried one.
    return stripe.StripeClient(API_KEY, base_addresses={"api": stripe_server.url}, max_network_retries=0)


class RawApi:
    """Plain HTTP against the sandbox: the exact JSON it sends, and its /_sandbox control routes."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {API_KEY}"

    def get(self, path: str, params: Any = None) -> Any:
        response = self.session.get(self.url + path, params=params, timeout=30)
        assert response.status_code == 200, f"GET {path}: {response.status_code} {response.text[:500]}"
        return response.json()

    def control(self, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self.session.post(self.url + path, json=body or {}, timeout=60)
        assert response.ok, f"POST {path}: {response.status_code} {response.text[:500]}"
        return response.json() if response.content else None


@pytest.fixture(scope="module")
def raw(stripe_server: RunningServer) -> RawApi:
    return RawApi(stripe_server.url)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """`kind` over a check class's `object_types` (tests/contract/world_checks.py)."""
    object_types = getattr(metafunc.cls, "object_types", None)
    if object_types is not None and "kind" in metafunc.fixturenames:
        metafunc.parametrize("kind", object_types)
