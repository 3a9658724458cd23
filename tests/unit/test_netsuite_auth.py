"""TBA signatures (checked against requests_oauthlib and a hand-computed vector) and OAuth 2.0 assertions."""

from __future__ import annotations

import re
from urllib.parse import unquote

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from requests_oauthlib import OAuth1

from stripe_netsuite.netsuite import NetSuiteAuthError, NetSuiteSettings
from stripe_netsuite.netsuite.auth import (
    OAuth2ClientCredentials,
    TokenBasedAuth,
    base_string_uri,
    build_assertion,
    signature_base_string,
    tba_signature,
)

ACCOUNT = "1234567_SB1"
CONSUMER_KEY, CONSUMER_SECRET = "ck-0123", "cs+secret/=&x"
TOKEN_ID, TOKEN_SECRET = "tk-4567", "ts&secret~ü"
HEADER_PARAM = re.compile(r'(\w+)="([^"]*)"')


def header_params(header: str) -> dict[str, str]:
    assert header.startswith("OAuth ")
    return {name: unquote(value) for name, value in HEADER_PARAM.findall(header)}


def ours(method: str, url: str, nonce: str = "n0nce", timestamp: int = 1_700_000_000) -> dict[str, str]:
    auth = TokenBasedAuth(
        ACCOUNT, CONSUMER_KEY, CONSUMER_SECRET, TOKEN_ID, TOKEN_SECRET,
        clock=lambda: float(timestamp), nonce=lambda: nonce,
    )
    return header_params(auth.authorization(method, url))


def oracle(method: str, url: str, body: object = None, nonce: str = "n0nce", timestamp: int = 1_700_000_000
           ) -> dict[str, str]:
    """What requests_oauthlib signs for the same request, nonce and timestamp."""
    auth = OAuth1(
        CONSUMER_KEY, client_secret=CONSUMER_SECRET, resource_owner_key=TOKEN_ID,
        resource_owner_secret=TOKEN_SECRET, signature_method="HMAC-SHA256", realm=ACCOUNT,
        nonce=nonce, timestamp=str(timestamp),
    )
    prepared = requests.Request(method, url, json=body).prepare()
    signed = auth(prepared)
    header = signed.headers["Authorization"]
    return header_params(header.decode() if isinstance(header, bytes) else header)


BASE = "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest"


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("GET", f"{BASE}/record/v1/customer/101", None),
        ("GET", f"{BASE}/record/v1/customer/101?expandSubResources=true&fields=email%2CcompanyName", None),
        ("POST", f"{BASE}/query/v1/suiteql?limit=1000&offset=2000", {"q": "SELECT id FROM customer"}),
        ("PUT", f"{BASE}/record/v1/customerPayment/eid:ch_3PzX-1_a", {"payment": 12.5}),
        ("PATCH", f"{BASE}/record/v1/customerPayment/7?replace=apply", {"apply": {"items": []}}),
        ("DELETE", f"{BASE}/record/v1/invoice/1001", None),
        ("GET", f"{BASE}/record/v1/customer?q=email%20IS%20%22a%2Bb%40x.io%22&limit=5&offset=0", None),
        ("GET", "http://127.0.0.1:12112/services/rest/record/v1/customer?limit=10", None),
        ("GET", "https://1234567-SB1.SuiteTalk.api.netsuite.com:443/services/rest/record/v1/customer", None),
    ],
    ids=[
        "get", "get-fields", "suiteql", "upsert-eid", "patch-replace", "delete", "list-q", "port",
        "case-port",
    ],
)
def test_signature_matches_requests_oauthlib(method: str, url: str, body: object) -> None:
    expected = oracle(method, url, body)
    actual = ours(method, url)
    assert actual["oauth_signature"] == expected["oauth_signature"]
    assert actual == expected


def test_signature_matches_hand_computed_vector() -> None:
    # Base string written out by hand; signature from
    # `printf %s BASE | openssl dgst -sha256 -hmac 'cs%2Bsecret&ts%26secret' -binary | base64`.
    url = "https://1234567-SB1.suitetalk.api.netsuite.com:443/services/rest/query/v1/suiteql?offset=0&limit=2"
    params = {
        "oauth_consumer_key": "ck", "oauth_nonce": "abc123", "oauth_signature_method": "HMAC-SHA256",
        "oauth_timestamp": "1700000000", "oauth_token": "tk", "oauth_version": "1.0",
    }
    base = signature_base_string("post", url, params)
    assert base == (
        "POST&https%3A%2F%2F1234567-sb1.suitetalk.api.netsuite.com%2Fservices%2Frest%2Fquery%2Fv1%2Fsuiteql&"
        "limit%3D2%26oauth_consumer_key%3Dck%26oauth_nonce%3Dabc123%26oauth_signature_method%3DHMAC-SHA256"
        "%26oauth_timestamp%3D1700000000%26oauth_token%3Dtk%26oauth_version%3D1.0%26offset%3D0"
    )
    assert tba_signature(base, "cs+secret", "ts&secret") == "o5ZiGDu0/7kDLTYqzL3vx0i7sfQ3SR0nUwt5LfthN38="


def test_base_string_includes_query_params_but_not_realm() -> None:
    base = signature_base_string("GET", f"{BASE}/record/v1/customer?limit=5&q=a%20b", {"oauth_nonce": "x"})
    assert "limit%3D5" in base
    assert "q%3Da%2520b" in base  # decoded, then encoded twice (once as a parameter, once in the base string)
    assert "realm" not in base
    assert "1234567_SB1" not in base


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://H.example.com:443/a/b?x=1", "https://h.example.com/a/b"),
        ("http://h.example.com:80/a", "http://h.example.com/a"),
        ("http://127.0.0.1:12112/services/rest/x?y=2#frag", "http://127.0.0.1:12112/services/rest/x"),
        ("https://h.example.com:8443/a", "https://h.example.com:8443/a"),
    ],
    ids=["https-default-port", "http-default-port", "other-port-kept", "https-other-port"],
)
def test_base_string_uri_normalises_scheme_host_and_port(url: str, expected: str) -> None:
    assert base_string_uri(url) == expected


def test_header_carries_realm_and_hmac_sha256() -> None:
    params = ours("GET", f"{BASE}/record/v1/customer/1")
    assert params["realm"] == ACCOUNT
    assert params["oauth_signature_method"] == "HMAC-SHA256"
    assert params["oauth_version"] == "1.0"
    assert params["oauth_token"] == TOKEN_ID


def test_every_call_gets_a_fresh_nonce_and_timestamp() -> None:
    auth = TokenBasedAuth(ACCOUNT, CONSUMER_KEY, CONSUMER_SECRET, TOKEN_ID, TOKEN_SECRET)
    first = header_params(auth.authorization("GET", f"{BASE}/record/v1/customer/1"))
    second = header_params(auth.authorization("GET", f"{BASE}/record/v1/customer/1"))
    assert first["oauth_nonce"] != second["oauth_nonce"]
    assert first["oauth_signature"] != second["oauth_signature"]


# ---------------------------------------------------------------------------------------------- OAuth 2.0


@pytest.fixture(scope="module")
def rsa_pair() -> tuple[bytes, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public


@pytest.fixture
def oauth2_settings(rsa_pair: tuple[bytes, bytes]) -> NetSuiteSettings:
    return NetSuiteSettings(
        account_id=ACCOUNT, base_url="http://127.0.0.1:9/services/rest",
        client_id="client-1", certificate_id="cert-1", private_key_pem=rsa_pair[0],
    )


def test_assertion_has_netsuite_header_and_claims(
    oauth2_settings: NetSuiteSettings, rsa_pair: tuple[bytes, bytes]
) -> None:
    token = build_assertion(oauth2_settings, now=1_700_000_000.7)
    header = jwt.get_unverified_header(token)
    assert header == {"typ": "JWT", "alg": "PS256", "kid": "cert-1"}
    claims = jwt.decode(
        token, rsa_pair[1], algorithms=["PS256"], audience=oauth2_settings.token_url,
        options={"verify_exp": False, "verify_iat": False},
    )
    assert claims == {
        "iss": "client-1", "scope": "rest_webservices", "aud": "http://127.0.0.1:9/services/rest/auth/oauth2/v1/token",
        "iat": 1_700_000_000, "exp": 1_700_003_600,
    }


class TokenEndpoint:
    """A stand-in session that answers token requests and records them."""

    def __init__(self, status: int = 200, lifetime: str = "3600") -> None:
        self.calls: list[dict[str, str]] = []
        self.status = status
        self.lifetime = lifetime

    def post(self, url: str, data: dict[str, str], timeout: object) -> requests.Response:
        self.calls.append(data)
        response = requests.Response()
        response.status_code = self.status
        if self.status == 200:
            response._content = (
                f'{{"access_token": "tok{len(self.calls)}", "expires_in": "{self.lifetime}", '
                '"token_type": "bearer"}'
            ).encode()
        else:
            response._content = b'{"error": "invalid_client", "error_description": "JWT rejected"}'
        return response


def test_token_is_cached_until_shortly_before_expiry(oauth2_settings: NetSuiteSettings) -> None:
    now = [1_700_000_000.0]
    endpoint = TokenEndpoint()
    auth = OAuth2ClientCredentials(
        oauth2_settings, endpoint, clock=lambda: now[0], refresh_margin=300  # type: ignore[arg-type]
    )
    assert auth.authorization("GET", "u") == "Bearer tok1"
    now[0] += 3000
    assert auth.authorization("GET", "u") == "Bearer tok1"
    now[0] += 301  # inside the refresh margin
    assert auth.authorization("GET", "u") == "Bearer tok2"
    assert endpoint.calls[0]["grant_type"] == "client_credentials"
    assert endpoint.calls[0]["client_assertion_type"].endswith(":client-assertion-type:jwt-bearer")


def test_invalidate_forces_a_new_token(oauth2_settings: NetSuiteSettings) -> None:
    endpoint = TokenEndpoint()
    auth = OAuth2ClientCredentials(oauth2_settings, endpoint)  # type: ignore[arg-type]
    auth.authorization("GET", "u")
    auth.invalidate()
    assert auth.authorization("GET", "u") == "Bearer tok2"


def test_refused_token_request_is_an_auth_error(oauth2_settings: NetSuiteSettings) -> None:
    auth = OAuth2ClientCredentials(oauth2_settings, TokenEndpoint(status=401))  # type: ignore[arg-type]
    with pytest.raises(NetSuiteAuthError) as caught:
        auth.authorization("GET", "u")
    assert caught.value.code == "invalid_client"
    assert "JWT rejected" in str(caught.value)
