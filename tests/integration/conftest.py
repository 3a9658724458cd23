"""NetSuite sandbox fixtures: a generic OAuth 1.0 client (requests_oauthlib), never the project's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
import requests
from requests_oauthlib import OAuth1

from tests.conftest import NETSUITE_TEST_ENV
from tests.servers import RunningServer


def tba_auth(env: Mapping[str, str] = NETSUITE_TEST_ENV, **overrides: Any) -> OAuth1:
    """requests_oauthlib's OAuth1 exactly as a NetSuite integration would configure it."""
    options: dict[str, Any] = {
        "client_key": env["NETSUITE_CONSUMER_KEY"],
        "client_secret": env["NETSUITE_CONSUMER_SECRET"],
        "resource_owner_key": env["NETSUITE_TOKEN_ID"],
        "resource_owner_secret": env["NETSUITE_TOKEN_SECRET"],
        "signature_method": "HMAC-SHA256",
        "realm": env["NETSUITE_ACCOUNT_ID"],
    }
    options.update(overrides)
    return OAuth1(**options)


class NetSuiteSandboxClient:
    """A thin generic REST client: requests + OAuth1, plus the sandbox's unauthenticated control routes."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.base = url + "/services/rest"
        self.session = requests.Session()
        self.session.auth = tba_auth()

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(method, self.base + path, timeout=60, **kwargs)

    def create(self, record_type: str, body: dict[str, Any]) -> str:
        response = self.request("POST", f"/record/v1/{record_type}", json=body)
        assert response.status_code == 204, response.text
        return response.headers["Location"].rsplit("/", 1)[-1]

    def get(self, record_type: str, key: str, **params: Any) -> dict[str, Any]:
        response = self.request("GET", f"/record/v1/{record_type}/{key}", params=params)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def suiteql(self, query: str, limit: int = 1000, offset: int = 0) -> requests.Response:
        return self.request(
            "POST",
            "/query/v1/suiteql",
            params={"limit": limit, "offset": offset},
            json={"q": query},
            headers={"Prefer": "transient"},
        )

    def rows(self, query: str) -> list[dict[str, Any]]:
        response = self.suiteql(query)
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = requests.request(method, f"{self.url}/_sandbox{path}", json=body, timeout=120)
        assert response.ok, response.text
        result: dict[str, Any] = response.json()
        return result


def error_of(response: requests.Response) -> dict[str, Any]:
    """The first o:errorDetails entry of a NetSuite error answer."""
    body = response.json()
    assert body["status"] == response.status_code
    detail: dict[str, Any] = body["o:errorDetails"][0]
    return detail


@pytest.fixture(scope="module")
def ns(netsuite_sandbox: RunningServer) -> NetSuiteSandboxClient:
    return NetSuiteSandboxClient(netsuite_sandbox.url)
