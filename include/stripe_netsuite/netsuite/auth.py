"""Authorization headers for NetSuite: OAuth 1.0 TBA (HMAC-SHA256, signed by oauthlib) or OAuth 2.0 bearer."""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from typing import Literal, Protocol, cast

import jwt
import requests
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA256, Client

from stripe_netsuite.netsuite.errors import NetSuiteConnectionError, NetSuiteError, error_from_response
from stripe_netsuite.netsuite.settings import NetSuiteSettings

__all__ = [
    "Authenticator",
    "OAuth2ClientCredentials",
    "TokenBasedAuth",
    "authenticator_for",
    "build_assertion",
]

Clock = Callable[[], float]
_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
# oauthlib logs every request's normalized parameters, base string and signature at DEBUG: dropped at the
# source, so no log configuration (a task run at DEBUG) puts a signed request in a log.
logging.getLogger("oauthlib.oauth1.rfc5849").addFilter(lambda record: record.levelno >= logging.WARNING)
# The methods the REST client sends (oauthlib's stubs type http_method as a Literal).
_Method = Literal["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"]


class Authenticator(Protocol):
    """Gives the Authorization header for one attempt of one request."""

    def authorization(self, method: str, url: str) -> str: ...

    def invalidate(self) -> None:
        """Forget cached credentials after a 401, so the retry starts fresh."""


class TokenBasedAuth:
    """OAuth 1.0 Token-Based Authentication; each call (so each retry) gets a fresh nonce and timestamp.

    oauthlib (RFC 5849) builds the base string and the HMAC-SHA256 signature. NetSuite adds the realm (the
    account id, never signed) and signs no JSON body, so sign() is given none.
    """

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
        # One Client per call: oauthlib takes the nonce and timestamp at construction, and a Client shared
        # between threads would have to be locked.
        client = Client(
            self._consumer_key,
            client_secret=self._consumer_secret,
            resource_owner_key=self._token_id,
            resource_owner_secret=self._token_secret,
            signature_method=SIGNATURE_HMAC_SHA256,
            realm=self._realm,
            nonce=self._nonce(),
            timestamp=str(int(self._clock())),
        )
        _, headers, _ = client.sign(url, http_method=cast(_Method, method.upper()))
        return str(headers["Authorization"])

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
