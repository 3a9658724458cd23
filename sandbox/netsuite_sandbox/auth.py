"""OAuth 1.0 Token-Based Authentication, checked the way NetSuite checks it (HMAC-SHA256 only)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import threading
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from .config import TbaCredentials

MAX_CLOCK_SKEW = 300  # seconds either way
_PARAM = re.compile(r'([A-Za-z0-9_]+)\s*=\s*"([^"]*)"')


class AuthError(Exception):
    """Why a request was refused; the client only ever sees INVALID_LOGIN, the reason goes to the log."""


def pct(value: str) -> str:
    """RFC 3986 percent-encoding as OAuth 1.0 requires (only unreserved characters stay)."""
    return quote(value, safe="~-._")


def parse_authorization(header: str) -> dict[str, str]:
    if not header.startswith("OAuth "):
        raise AuthError("Authorization header is not OAuth")
    return {name: unquote(value) for name, value in _PARAM.findall(header[6:])}


def base_string_uri(scheme: str, host: str, path: str) -> str:
    """Scheme and host lower-cased, default port dropped, no query."""
    scheme = scheme.lower()
    host = host.lower()
    if (scheme == "http" and host.endswith(":80")) or (scheme == "https" and host.endswith(":443")):
        host = host.rsplit(":", 1)[0]
    return f"{scheme}://{host}{path}"


def signature_base_string(method: str, uri: str, params: list[tuple[str, str]]) -> str:
    encoded = sorted((pct(k), pct(v)) for k, v in params)
    normalized = "&".join(f"{k}={v}" for k, v in encoded)
    return "&".join([method.upper(), pct(uri), pct(normalized)])


def sign(base_string: str, consumer_secret: str, token_secret: str) -> str:
    key = f"{pct(consumer_secret)}&{pct(token_secret)}"
    digest = hmac.new(key.encode(), base_string.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


@dataclass(frozen=True)
class SignedRequest:
    """What the signature covers: method, the URL the client used, and any form-encoded body."""

    method: str
    scheme: str
    host: str
    raw_uri: str
    form_body: str | None = None


class NonceCache:
    """Nonces seen in the last skew window; a second use of one is a replay."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str, str], float] = {}
        self._lock = threading.Lock()

    def check_and_add(self, consumer_key: str, token: str, nonce: str, now: float) -> bool:
        with self._lock:
            if len(self._seen) > 10_000:
                horizon = now - 2 * MAX_CLOCK_SKEW
                self._seen = {k: t for k, t in self._seen.items() if t > horizon}
            key = (consumer_key, token, nonce)
            if key in self._seen:
                return False
            self._seen[key] = now
            return True


class TbaVerifier:
    def __init__(self, credentials: TbaCredentials) -> None:
        self.credentials = credentials
        self.nonces = NonceCache()

    def verify(self, request: SignedRequest, authorization: str, now: float | None = None) -> None:
        """Raise AuthError unless the header is a valid, fresh HMAC-SHA256 signature by our credentials."""
        now = time.time() if now is None else now
        params = parse_authorization(authorization)
        creds = self.credentials
        if params.get("realm") != creds.account_id:
            raise AuthError(f"realm {params.get('realm')!r} is not the account id")
        method = params.get("oauth_signature_method")
        if method != "HMAC-SHA256":
            raise AuthError(f"signature method {method!r} is not allowed (HMAC-SHA256 only)")
        for name in (
            "oauth_consumer_key",
            "oauth_token",
            "oauth_nonce",
            "oauth_timestamp",
            "oauth_signature",
        ):
            if not params.get(name):
                raise AuthError(f"{name} is missing")
        if params.get("oauth_version", "1.0") != "1.0":
            raise AuthError("oauth_version must be 1.0")
        if not hmac.compare_digest(params["oauth_consumer_key"], creds.consumer_key):
            raise AuthError("unknown consumer key")
        if not hmac.compare_digest(params["oauth_token"], creds.token_id):
            raise AuthError("unknown token")
        try:
            timestamp = int(params["oauth_timestamp"])
        except ValueError as exc:
            raise AuthError("oauth_timestamp is not an integer") from exc
        if abs(now - timestamp) > MAX_CLOCK_SKEW:
            raise AuthError(f"timestamp {timestamp} is more than {MAX_CLOCK_SKEW}s from the server clock")
        path, _, query = request.raw_uri.partition("?")
        signed = [(k, v) for k, v in params.items() if k.startswith("oauth_") and k != "oauth_signature"]
        signed += parse_qsl(query, keep_blank_values=True)
        if request.form_body is not None:
            signed += parse_qsl(request.form_body, keep_blank_values=True)
        uri = base_string_uri(request.scheme, request.host, urlsplit(path).path or path)
        expected = sign(
            signature_base_string(request.method, uri, signed), creds.consumer_secret, creds.token_secret
        )
        if not hmac.compare_digest(expected, params["oauth_signature"]):
            raise AuthError("signature does not match")
        # Only a correctly signed request consumes its nonce, so a forged copy cannot block the real one.
        if not self.nonces.check_and_add(
            params["oauth_consumer_key"], params["oauth_token"], params["oauth_nonce"], now
        ):
            raise AuthError("nonce already used")
