"""NetSuiteClient with OAuth 2.0 client credentials against a sandbox that knows the client's public key."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from stripe_netsuite.netsuite import ConcurrencyLimiter, NetSuiteAuthError, NetSuiteClient, NetSuiteSettings
from tests.conftest import NETSUITE_TEST_ENV
from tests.servers import RunningServer, run_sandbox

CLIENT_ID = "oauth2-client-0123456789"
CERTIFICATE_ID = "cert-abcdef0123456789"


def pem_pair(key: rsa.RSAPrivateKey) -> tuple[bytes, bytes]:
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A key pair on disk: the sandbox gets the public half, the client the private half."""
    directory = tmp_path_factory.mktemp("oauth2-keys")
    private, public = pem_pair(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    (directory / "private.pem").write_bytes(private)
    (directory / "public.pem").write_bytes(public)
    return directory


@pytest.fixture(scope="module")
def oauth2_sandbox(tmp_path_factory: pytest.TempPathFactory, keys: Path) -> Iterator[RunningServer]:
    env = {
        **NETSUITE_TEST_ENV,
        "NETSUITE_OAUTH2_CLIENT_ID": CLIENT_ID,
        "NETSUITE_OAUTH2_CERTIFICATE_ID": CERTIFICATE_ID,
        "NETSUITE_OAUTH2_PUBLIC_KEY_FILE": str(keys / "public.pem"),
    }
    with run_sandbox("netsuite_sandbox", tmp_path_factory.mktemp("ns-oauth2"), env=env,
                     extra_args=("--seed",)) as server:
        yield server


@pytest.fixture(scope="module")
def settings(oauth2_sandbox: RunningServer, keys: Path) -> NetSuiteSettings:
    # Only the account id and OAuth 2.0 settings: no TBA variables at all.
    return NetSuiteSettings.from_env({
        "NETSUITE_ACCOUNT_ID": NETSUITE_TEST_ENV["NETSUITE_ACCOUNT_ID"],
        "NETSUITE_BASE_URL": oauth2_sandbox.url + "/services/rest",
        "NETSUITE_OAUTH2_CLIENT_ID": CLIENT_ID,
        "NETSUITE_OAUTH2_CERTIFICATE_ID": CERTIFICATE_ID,
        "NETSUITE_OAUTH2_PRIVATE_KEY_FILE": str(keys / "private.pem"),
    })


class CountingSession(requests.Session):
    """Counts token requests, to show the bearer token is reused."""

    def __init__(self) -> None:
        super().__init__()
        self.token_requests = 0

    def post(self, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if str(url).endswith("/auth/oauth2/v1/token"):
            self.token_requests += 1
        return super().post(url, *args, **kwargs)


def test_bearer_token_is_fetched_once_and_accepted(settings: NetSuiteSettings) -> None:
    assert settings.uses_oauth2 and not settings.has_tba
    session = CountingSession()
    with NetSuiteClient(settings, session, limiter=ConcurrencyLimiter(5)) as client:
        assert client.get("customer", 102)["companyName"] == "Acme Corporation"
        external_id = "oauth2-upsert-1"
        body = {"companyName": "OAuth Co", "currency": {"id": "1"}, "subsidiary": {"id": "1"}}
        first = client.upsert("customer", external_id, body)
        assert client.upsert("customer", external_id, body) == first
        assert [row["id"] for row in client.suiteql(
            f"SELECT id FROM customer WHERE externalid = '{external_id}' ORDER BY id")] == [first]
    assert session.token_requests == 1


@pytest.mark.parametrize(
    "change",
    [{"certificate_id": "cert-unknown"}, {"client_id": "client-unknown"}],
    ids=["unknown-certificate", "unknown-client"],
)
def test_wrong_oauth2_identity_is_an_auth_error(settings: NetSuiteSettings, change: dict[str, str]) -> None:
    with NetSuiteClient(replace(settings, **change), limiter=ConcurrencyLimiter(5)) as client, \
            pytest.raises(NetSuiteAuthError) as caught:
        client.get("customer", 102)
    assert caught.value.code == "invalid_client"


def test_assertion_signed_by_another_key_is_an_auth_error(settings: NetSuiteSettings) -> None:
    other, _ = pem_pair(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    with NetSuiteClient(replace(settings, private_key_pem=other), limiter=ConcurrencyLimiter(5)) as client, \
            pytest.raises(NetSuiteAuthError):
        client.get("customer", 102)


def test_forged_bearer_token_is_refused(oauth2_sandbox: RunningServer) -> None:
    answer = requests.get(
        oauth2_sandbox.url + "/services/rest/record/v1/customer/102",
        headers={"Authorization": "Bearer forged"}, timeout=10,
    )
    assert answer.status_code == 401


def test_tba_still_works_beside_oauth2(oauth2_sandbox: RunningServer) -> None:
    env = {**NETSUITE_TEST_ENV, "NETSUITE_BASE_URL": oauth2_sandbox.url + "/services/rest"}
    with NetSuiteClient(NetSuiteSettings.from_env(env), limiter=ConcurrencyLimiter(5)) as client:
        assert client.get("customer", 103)["companyName"] == "Globex Ltd"
