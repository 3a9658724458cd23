"""TBA signatures (fixed vectors computed with openssl, not with oauthlib) and OAuth 2.0 assertions.

TokenBasedAuth is oauthlib now, so oauthlib (or requests_oauthlib, which wraps it) can no longer be the
oracle: each vector's base string is written out by hand from RFC 5849 and NetSuite's rules (realm
unsigned, query parameters signed, host lower-cased, default port dropped), and its signature comes from
`printf %s BASE | openssl dgst -sha256 -hmac KEY -binary | base64`. The NetSuite sandbox's own verifier is the
oracle through the HTTP path (tests/integration/test_netsuite_client.py, test_netsuite_client_*).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
from urllib.parse import unquote

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from stripe_netsuite.netsuite import NetSuiteAuthError, NetSuiteSettings
from stripe_netsuite.netsuite.auth import OAuth2ClientCredentials, TokenBasedAuth, build_assertion

ACCOUNT = "1234567_SB1"
CONSUMER_KEY, CONSUMER_SECRET = "ck-0123", "cs+secret/=&x"
TOKEN_ID, TOKEN_SECRET = "tk-4567", "ts&secret~\u00fc"
HEADER_PARAM = re.compile(r'(\w+)="([^"]*)"')


def header_params(header: str) -> dict[str, str]:
    assert header.startswith("OAuth ")
    return {name: unquote(value) for name, value in HEADER_PARAM.findall(header)}


def signed(
    method: str, url: str, *, realm: str = ACCOUNT, keys: tuple[str, str, str, str] | None = None,
    nonce: str = "n0nce", timestamp: int = 1_700_000_000,
) -> dict[str, str]:
    consumer_key, consumer_secret, token_id, token_secret = keys or (
        CONSUMER_KEY, CONSUMER_SECRET, TOKEN_ID, TOKEN_SECRET
    )
    auth = TokenBasedAuth(
        realm, consumer_key, consumer_secret, token_id, token_secret,
        clock=lambda: float(timestamp), nonce=lambda: nonce,
    )
    return header_params(auth.authorization(method, url))


BASE = "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest"


# (method, url, keys, nonce, hand-written base string, openssl key, openssl signature)
VECTORS = {
    # Lower-case method, upper-case host, explicit default port, query parameters out of order.
    "suiteql-post": (
        "post",
        "https://1234567-SB1.suitetalk.api.netsuite.com:443/services/rest/query/v1/suiteql?offset=0&limit=2",
        ("ck", "cs+secret", "tk", "ts&secret"),
        "abc123",
        "POST&https%3A%2F%2F1234567-sb1.suitetalk.api.netsuite.com%2Fservices%2Frest%2Fquery%2Fv1%2Fsuiteql&"
        "limit%3D2%26oauth_consumer_key%3Dck%26oauth_nonce%3Dabc123%26oauth_signature_method%3DHMAC-SHA256"
        "%26oauth_timestamp%3D1700000000%26oauth_token%3Dtk%26oauth_version%3D1.0%26offset%3D0",
        "cs%2Bsecret&ts%26secret",
        "o5ZiGDu0/7kDLTYqzL3vx0i7sfQ3SR0nUwt5LfthN38=",
    ),
    # A q filter with escaped space, quote, plus and at (decoded, then encoded twice); a non-default port
    # kept; secrets with reserved and non-ASCII characters.
    "list-q-port": (
        "GET",
        "http://127.0.0.1:12112/services/rest/record/v1/customer?q=email%20IS%20%22a%2Bb%40x.io%22&limit=5",
        None,
        "n0nce",
        "GET&http%3A%2F%2F127.0.0.1%3A12112%2Fservices%2Frest%2Frecord%2Fv1%2Fcustomer&limit%3D5"
        "%26oauth_consumer_key%3Dck-0123%26oauth_nonce%3Dn0nce%26oauth_signature_method%3DHMAC-SHA256"
        "%26oauth_timestamp%3D1700000000%26oauth_token%3Dtk-4567%26oauth_version%3D1.0"
        "%26q%3Demail%2520IS%2520%2522a%252Bb%2540x.io%2522",
        "cs%2Bsecret%2F%3D%26x&ts%26secret~%C3%BC",
        "Nhrcz0/2qdmE5Bc46WvvzECSUVBc5ttZo/MkRm+piNo=",
    ),
    # An external-id path (its colon encoded in the base string), a comma-separated field list, a PATCH.
    "eid-patch": (
        "PATCH",
        f"{BASE}/record/v1/customerPayment/eid:ch_3PzX-1_a?replace=apply&fields=email%2CcompanyName",
        None,
        "n0nce",
        "PATCH&https%3A%2F%2F1234567-sb1.suitetalk.api.netsuite.com%2Fservices%2Frest%2Frecord%2Fv1"
        "%2FcustomerPayment%2Feid%3Ach_3PzX-1_a&fields%3Demail%252CcompanyName%26oauth_consumer_key%3Dck-0123"
        "%26oauth_nonce%3Dn0nce%26oauth_signature_method%3DHMAC-SHA256%26oauth_timestamp%3D1700000000"
        "%26oauth_token%3Dtk-4567%26oauth_version%3D1.0%26replace%3Dapply",
        "cs%2Bsecret%2F%3D%26x&ts%26secret~%C3%BC",
        "6b4EzU8nLyY6YN3V6pPyDevcJ8rt5TGwZenQ64sbM+8=",
    ),
}


@pytest.mark.parametrize("name", list(VECTORS))
def test_vectors_are_self_consistent(name: str) -> None:
    """The hand-written base string and key give the openssl signature (guards the vectors, not the code)."""
    _method, _url, _keys, _nonce, base, key, signature = VECTORS[name]
    digest = hmac.new(key.encode(), base.encode(), hashlib.sha256).digest()
    assert base64.b64encode(digest).decode() == signature


@pytest.mark.parametrize("name", list(VECTORS))
def test_signature_matches_the_openssl_vector(name: str) -> None:
    method, url, keys, nonce, _base, _key, signature = VECTORS[name]
    params = signed(method, url, keys=keys, nonce=nonce)
    assert params["oauth_signature"] == signature
    consumer_key, token_id = (keys[0], keys[2]) if keys else (CONSUMER_KEY, TOKEN_ID)
    assert params == {
        "realm": ACCOUNT,
        "oauth_consumer_key": consumer_key,
        "oauth_token": token_id,
        "oauth_signature_method": "HMAC-SHA256",
        "oauth_timestamp": "1700000000",
        "oauth_nonce": nonce,
        "oauth_version": "1.0",
        "oauth_signature": signature,
    }


def test_header_values_are_quoted_and_percent_encoded() -> None:
    auth = TokenBasedAuth(
        ACCOUNT, "ck", "cs+secret", "tk", "ts&secret", clock=lambda: 1_700_000_000.0, nonce=lambda: "abc123"
    )
    header = auth.authorization("POST", f"{BASE}/query/v1/suiteql?offset=0&limit=2")
    assert header.startswith(f'OAuth realm="{ACCOUNT}", ')
    # "/", "+" and "=" of the base64 signature are percent-encoded inside the quotes (RFC 5849 3.5.1).
    assert 'oauth_signature="o5ZiGDu0%2F7kDLTYqzL3vx0i7sfQ3SR0nUwt5LfthN38%3D"' in header


def test_realm_is_sent_but_not_signed() -> None:
    url = f"{BASE}/record/v1/customer/1"
    ours, other = signed("GET", url), signed("GET", url, realm="7654321")
    assert (ours["realm"], other["realm"]) == (ACCOUNT, "7654321")
    assert ours["oauth_signature"] == other["oauth_signature"]


@pytest.mark.parametrize(
    ("url", "changed"),
    [
        (f"{BASE}/record/v1/customer?limit=5", f"{BASE}/record/v1/customer?limit=6"),
        (f"{BASE}/record/v1/customer?limit=5", f"{BASE}/record/v1/customer"),
        (f"{BASE}/record/v1/customer/1", f"{BASE}/record/v1/customer/2"),
        (f"{BASE}/record/v1/customer/1", "https://1234567-sb1.suitetalk.api.netsuite.com:8443/services/rest/record/v1/customer/1"),
    ],
    ids=["query-value", "query-dropped", "path", "port"],
)
def test_query_path_and_port_are_signed(url: str, changed: str) -> None:
    assert signed("GET", url)["oauth_signature"] != signed("GET", changed)["oauth_signature"]


def test_method_is_signed() -> None:
    url = f"{BASE}/record/v1/invoice/1001"
    assert signed("GET", url)["oauth_signature"] != signed("DELETE", url)["oauth_signature"]


def test_signing_at_debug_level_logs_nothing_of_the_request(caplog: pytest.LogCaptureFixture) -> None:
    # oauthlib logs the base string and the signature at DEBUG; auth.py drops those records.
    caplog.set_level(logging.DEBUG)
    params = signed("GET", f"{BASE}/record/v1/customer/1?limit=5")
    assert params["oauth_signature"] not in caplog.text
    assert "oauth_" not in caplog.text and "limit" not in caplog.text


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
