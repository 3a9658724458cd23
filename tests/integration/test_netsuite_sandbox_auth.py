"""TBA and OAuth 2.0 against the NetSuite sandbox, with generic clients (requests_oauthlib, PyJWT)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.conftest import NETSUITE_TEST_ENV
from tests.integration.conftest import NetSuiteSandboxClient, error_of, tba_auth
from tests.servers import ROOT, run_sandbox


def test_generic_oauth1_client_reads_and_writes_with_json_bodies(ns: NetSuiteSandboxClient) -> None:
    assert ns.request("GET", "/record/v1/customer/102").status_code == 200
    created = ns.request(
        "POST", "/record/v1/customer", json={"companyName": "Auth Test Co", "email": "a@b.example"}
    )
    assert created.status_code == 204
    customer_id = created.headers["Location"].rsplit("/", 1)[-1]
    patched = ns.request("PATCH", f"/record/v1/customer/{customer_id}", json={"email": "new@b.example"})
    assert patched.status_code == 204
    upserted = ns.request("PUT", "/record/v1/customer/eid:auth-test-upsert", json={"companyName": "Upserted"})
    assert upserted.status_code == 204
    query = ns.suiteql(f"SELECT email FROM customer WHERE id = {customer_id}")
    assert query.status_code == 200
    assert query.json()["items"][0]["email"] == "new@b.example"


def test_query_parameters_are_part_of_the_signature(ns: NetSuiteSandboxClient) -> None:
    response = ns.request(
        "GET", "/record/v1/customer", params={"limit": 2, "offset": 1, "q": 'companyName START_WITH "A"'}
    )
    assert response.status_code == 200


def _assert_invalid_login(response: requests.Response) -> None:
    assert response.status_code == 401
    assert error_of(response)["o:errorCode"] == "INVALID_LOGIN"


@pytest.mark.parametrize(
    "overrides",
    [
        {"client_secret": "wrong-consumer-secret"},
        {"client_key": "wrong-consumer-key"},
        {"resource_owner_key": "wrong-token"},
        {"resource_owner_secret": "wrong-token-secret"},
        {"realm": "9999999"},
        {"signature_method": "HMAC-SHA1"},
        {"timestamp": str(int(time.time()) - 600)},
    ],
    ids=["consumer-secret", "consumer-key", "token", "token-secret", "realm", "sha1", "old-timestamp"],
)
def test_bad_tba_credentials_are_refused(ns: NetSuiteSandboxClient, overrides: dict[str, str]) -> None:
    response = requests.get(ns.base + "/record/v1/customer/102", auth=tba_auth(**overrides), timeout=30)
    _assert_invalid_login(response)


def test_tampered_signature_is_refused(ns: NetSuiteSandboxClient) -> None:
    prepared = requests.Request("GET", ns.base + "/record/v1/customer/102", auth=tba_auth()).prepare()
    # Send the signature made for customer 102 to customer 103: same header, different URL.
    prepared.url = ns.base + "/record/v1/customer/103"
    _assert_invalid_login(requests.Session().send(prepared, timeout=30))


def test_reused_nonce_is_refused(ns: NetSuiteSandboxClient) -> None:
    prepared = requests.Request("GET", ns.base + "/record/v1/customer/102", auth=tba_auth()).prepare()
    session = requests.Session()
    assert session.send(prepared, timeout=30).status_code == 200
    _assert_invalid_login(session.send(prepared, timeout=30))


def test_missing_authorization_is_refused(ns: NetSuiteSandboxClient) -> None:
    _assert_invalid_login(requests.get(ns.base + "/record/v1/customer/102", timeout=30))


def test_server_refuses_to_start_without_a_credential(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NETSUITE_")}
    env.update({k: v for k, v in NETSUITE_TEST_ENV.items() if k != "NETSUITE_TOKEN_SECRET"})
    result = subprocess.run(
        [sys.executable, "-m", "netsuite_sandbox", "serve", "--port", "0", "--data", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "NETSUITE_TOKEN_SECRET" in result.stderr


# ---------------------------------------------------------------- OAuth 2.0 client credentials

CLIENT_ID = "oauth2-client-abc"
CERTIFICATE_ID = "cert-id-123"


OAuth2Sandbox = tuple[str, rsa.RSAPrivateKey]


@pytest.fixture(scope="module")
def oauth2_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OAuth2Sandbox]:
    """A sandbox configured with a freshly generated RSA public key; yields its URL and the private key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    folder = tmp_path_factory.mktemp("oauth2")
    public = folder / "public.pem"
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    env = {
        **NETSUITE_TEST_ENV,
        "NETSUITE_OAUTH2_CLIENT_ID": CLIENT_ID,
        "NETSUITE_OAUTH2_CERTIFICATE_ID": CERTIFICATE_ID,
        "NETSUITE_OAUTH2_PUBLIC_KEY_FILE": str(public),
    }
    with run_sandbox("netsuite_sandbox", folder / "data", env=env, extra_args=("--seed",)) as server:
        yield server.url, key


def _assertion(token_url: str, key: rsa.RSAPrivateKey, algorithm: str = "PS256", **changes: object) -> str:
    now = int(time.time())
    payload: dict[str, object] = {
        "iss": CLIENT_ID,
        "scope": ["rest_webservices"],
        "aud": token_url,
        "iat": now,
        "exp": now + 3600,
    }
    headers = {"typ": "JWT", "kid": str(changes.pop("kid", CERTIFICATE_ID))}
    payload.update(changes)
    return jwt.encode(payload, key, algorithm=algorithm, headers=headers)


def _token_request(url: str, assertion: str) -> requests.Response:
    return requests.post(
        url + "/services/rest/auth/oauth2/v1/token",
        timeout=30,
        data={
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion,
        },
    )


@pytest.mark.parametrize("algorithm", ["PS256", "RS256"])
def test_oauth2_client_credentials_token_works_as_bearer(
    oauth2_sandbox: OAuth2Sandbox, algorithm: str
) -> None:
    url, key = oauth2_sandbox
    token_url = url + "/services/rest/auth/oauth2/v1/token"
    response = _token_request(url, _assertion(token_url, key, algorithm))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"].lower() == "bearer" and int(body["expires_in"]) == 3600
    record = requests.get(
        url + "/services/rest/record/v1/customer/102",
        timeout=30,
        headers={"Authorization": f"Bearer {body['access_token']}"},
    )
    assert record.status_code == 200
    assert record.json()["companyName"] == "Acme Corporation"


@pytest.mark.parametrize(
    "changes",
    [
        {"kid": "other-cert"},
        {"iss": "someone-else"},
        {"scope": ["restlets"]},
        {"aud": "https://elsewhere/token"},
        {"exp": int(time.time()) + 7200},
    ],
    ids=["kid", "iss", "scope", "aud", "exp-too-far"],
)
def test_oauth2_bad_assertions_get_no_token(
    oauth2_sandbox: OAuth2Sandbox, changes: dict[str, object]
) -> None:
    url, key = oauth2_sandbox
    response = _token_request(url, _assertion(url + "/services/rest/auth/oauth2/v1/token", key, **changes))
    assert response.status_code in (400, 401)
    assert "access_token" not in response.json()


def test_oauth2_assertion_signed_by_another_key_is_refused(oauth2_sandbox: OAuth2Sandbox) -> None:
    url, _key = oauth2_sandbox
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    response = _token_request(url, _assertion(url + "/services/rest/auth/oauth2/v1/token", stranger))
    assert response.status_code == 401


def test_unknown_bearer_token_is_refused(oauth2_sandbox: OAuth2Sandbox) -> None:
    url, _key = oauth2_sandbox
    response = requests.get(
        url + "/services/rest/record/v1/customer/102",
        timeout=30,
        headers={"Authorization": "Bearer not-a-token"},
    )
    _assert_invalid_login(response)


def test_token_endpoint_without_oauth2_configuration_answers_invalid_client(
    ns: NetSuiteSandboxClient,
) -> None:
    response = _token_request(ns.url, "x.y.z")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
