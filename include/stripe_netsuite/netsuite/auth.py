"""Authorization headers for NetSuite: OAuth 1.0 TBA (HMAC-SHA256) signed here, or OAuth 2.0 bearer tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from typing import Protocol
from urllib.parse import parse_qsl, quote, urlsplit

import jwt
import requests

from stripe_netsuite.netsuite.errors import NetSuiteConnectionError, NetSuiteError, error_from_response
from stripe_netsuite.netsuite.settings import NetSuiteSettings

__all__ = [
    "Authenticator",
    "OAuth2ClientCredentials",
    "TokenBasedAuth",
    "authenticator_for",
    "base_string_uri",
    "build_assertion",
    "percent_encode",
    "signature_base_string",
    "tba_signature",
]

Clock = Callable[[], float]
_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


class Authenticator(Protocol):
    """Gives the Authorization header for one attempt of one request."""

    def authorization(self, method: str, url: str) -> str: ...

    def invalidate(self) -> None:
        """Forget cached credentials after a 401, so the retry starts fresh."""


def percent_encode(value: str) -> str:
    """RFC 3986 encoding as OAuth 1.0 (RFC 5849 3.6) requires: only unreserved characters stay as they are."""
    return quote(value, safe="-._~")


def base_string_uri(url: str) -> str:
    """Scheme and host lower-cased, default port dropped, no query or fragment (RFC 5849 3.4.1.2)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    default_port = {"http": 80, "https": 443}.get(scheme)
    netloc = host if parts.port in (None, default_port) else f"{host}:{parts.port}"
    return f"{scheme}://{netloc}{parts.path or '/'}"


def signature_base_string(method: str, url: str, oauth_params: dict[str, str]) -> str:
    """METHOD & pct(URI) & pct(sorted params); the query string's params are signed, the realm and a JSON
    body are not."""
    params = [*oauth_params.items(), *parse_qsl(urlsplit(url).query, keep_blank_values=True)]
    encoded = sorted((percent_encode(name), percent_encode(value)) for name, value in params)
    normalized = "&".join(f"{name}={value}" for name, value in encoded)
    return "&".join((method.upper(), percent_encode(base_string_uri(url)), percent_encode(normalized)))


def tba_signature(base_string: str, consumer_secret: str, token_secret: str) -> str:
    key = f"{percent_encode(consumer_secret)}&{percent_encode(token_secret)}"
    digest = hmac.new(key.encode(), base_string.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


class TokenBasedAuth:
    """OAuth 1.0 Token-Based Authentication; each call (so each retry) gets a fresh nonce and timestamp."""

    def __init__(
        self,
        account_id: str,
        consumer_key: str,
        consumer_secret: str,
        token_id: str,
        token_secret: str,
        *,
        clock: Clock = time.time,
        nonce: Callable[[], str] = lambda: secrets.token_hex(16),
    ) -> None:
        self._realm = account_id
        self._consumer_key = consumer_key
        self._consumer_secret = consumer_secret
        self._token_id = token_id
        self._token_secret = token_secret
        self._clock = clock
        self._nonce = nonce

    def authorization(self, method: str, url: str) -> str:
        params = {
            "oauth_consumer_key": self._consumer_key,
            "oauth_nonce": self._nonce(),
            "oauth_signature_method": "HMAC-SHA256",
            "oauth_timestamp": str(int(self._clock())),
            "oauth_token": self._token_id,
            "oauth_version": "1.0",
        }
        base = signature_base_string(method, url, params)
        params["oauth_signature"] = tba_signature(base, self._consumer_secret, self._token_secret)
        fields = [("realm", self._realm), *params.items()]
        return "OAuth " + ", ".join(f'{name}="{percent_encode(value)}"' for name, value in fields)

    def invalidate(self) -> None:
        """Nothing is cached: each signature is new."""


def build_assertion(settings: NetSuiteSettings, now: float, lifetime: int = 3600) -> str:
    """The signed JWT a client-credentials token request carries (NetSuite allows exp <= iat + 1 hour)."""
    assert settings.client_id and settings.certificate_id and settings.private_key_pem
    issued = int(now)
    claims = {
        "iss": settings.client_id,
        "scope": "rest_webservices",
        "aud": settings.token_url,
        "iat": issued,
        "exp": issued + min(lifetime, 3600),
    }
    headers = {"typ": "JWT", "kid": settings.certificate_id}
    return jwt.encode(claims, settings.private_key_pem, algorithm=settings.algorithm, headers=headers)


class OAuth2ClientCredentials:
    """OAuth 2.0 client credentials: one token per client, fetched when missing or about to expire."""

    def __init__(
        self,
        settings: NetSuiteSettings,
        session: requests.Session,
        *,
        clock: Clock = time.time,
        refresh_margin: float = 300.0,
    ) -> None:
        self._settings = settings
        self._session = session
        self._clock = clock
        self._margin = refresh_margin
        self._token: str | None = None
        self._expires_at = 0.0
        # One lock so a burst of threads fetches one token, not one each.
        self._lock = threading.Lock()

    def authorization(self, method: str, url: str) -> str:
        with self._lock:
            if self._token is None or self._clock() >= self._expires_at - self._margin:
                self._token, self._expires_at = self._fetch_token()
            return f"Bearer {self._token}"

    def invalidate(self) -> None:
        with self._lock:
            self._token = None

    def _fetch_token(self) -> tuple[str, float]:
        now = self._clock()
        form = {
            "grant_type": "client_credentials",
            "client_assertion_type": _ASSERTION_TYPE,
            "client_assertion": build_assertion(self._settings, now),
        }
        try:
            response = self._session.post(self._settings.token_url, data=form, timeout=self._settings.timeout)
        except requests.RequestException as exc:
            raise NetSuiteConnectionError(
                detail=f"token request failed: {type(exc).__name__}", request="POST /auth/oauth2/v1/token"
            ) from exc
        if not response.ok:
            raise error_from_response(response.status_code, response.text, "POST /auth/oauth2/v1/token")
        body = response.json()
        try:
            token = str(body["access_token"])
            # NetSuite sends expires_in as a string.
            lifetime = float(body.get("expires_in", 3600))
        except (KeyError, TypeError, ValueError) as exc:
            raise NetSuiteError(
                response.status_code, detail="token response has no usable access_token/expires_in"
            ) from exc
        return token, now + lifetime


def authenticator_for(settings: NetSuiteSettings, session: requests.Session) -> Authenticator:
    if settings.uses_oauth2:
        return OAuth2ClientCredentials(settings, session)
    assert settings.consumer_key and settings.consumer_secret and settings.token_id and settings.token_secret
    return TokenBasedAuth(
        settings.account_id,
        settings.consumer_key,
        settings.consumer_secret,
        settings.token_id,
        settings.token_secret,
    )
