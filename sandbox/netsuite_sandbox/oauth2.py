"""OAuth 2.0 client credentials (JWT bearer assertion) and the bearer tokens it issues."""

from __future__ import annotations

import secrets
import time
from typing import Any

import jwt

from .config import OAuth2Client
from .store import Store

TOKEN_LIFETIME = 3600
ALGORITHMS = ("PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "RS256", "RS384", "RS512")
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


class OAuth2Error(Exception):
    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


class TokenService:
    """Checks client assertions and keeps issued tokens in the database, so they survive restarts."""

    def __init__(self, client: OAuth2Client | None, store: Store) -> None:
        self.client = client
        self.store = store

    def issue(self, form: dict[str, str], token_url: str, now: float | None = None) -> dict[str, Any]:
        now = time.time() if now is None else now
        if self.client is None:
            raise OAuth2Error(401, "invalid_client", "OAuth 2.0 is not configured on this account.")
        if form.get("grant_type") != "client_credentials":
            raise OAuth2Error(400, "unsupported_grant_type", "grant_type must be client_credentials.")
        if form.get("client_assertion_type") != ASSERTION_TYPE:
            raise OAuth2Error(400, "invalid_request", f"client_assertion_type must be {ASSERTION_TYPE}.")
        assertion = form.get("client_assertion", "")
        self._verify(assertion, token_url, now)
        token = secrets.token_urlsafe(48)
        with self.store.write() as conn:
            conn.execute("DELETE FROM _oauth2_token WHERE expires < ?", (now,))
            conn.execute(
                "INSERT INTO _oauth2_token (token, expires) VALUES (?, ?)", (token, now + TOKEN_LIFETIME)
            )
        # NetSuite sends expires_in as a string.
        return {"access_token": token, "expires_in": str(TOKEN_LIFETIME), "token_type": "bearer"}

    def _verify(self, assertion: str, token_url: str, now: float) -> dict[str, Any]:
        assert self.client is not None
        try:
            header = jwt.get_unverified_header(assertion)
        except jwt.PyJWTError as exc:
            raise OAuth2Error(400, "invalid_request", f"client_assertion is not a JWT: {exc}") from exc
        algorithm = header.get("alg")
        if algorithm not in ALGORITHMS:
            raise OAuth2Error(401, "invalid_client", f"JWT algorithm {algorithm!r} is not accepted.")
        if header.get("kid") != self.client.certificate_id:
            raise OAuth2Error(401, "invalid_client", "JWT kid is not a known certificate id.")
        try:
            claims: dict[str, Any] = jwt.decode(
                assertion,
                self.client.public_key_pem,
                algorithms=[algorithm],
                audience=token_url,
                options={"require": ["iss", "aud", "iat", "exp", "scope"]},
                leeway=60,
            )
        except jwt.PyJWTError as exc:
            raise OAuth2Error(401, "invalid_client", f"JWT rejected: {exc}") from exc
        if claims.get("iss") != self.client.client_id:
            raise OAuth2Error(401, "invalid_client", "JWT iss is not the client id.")
        scope = claims["scope"]
        scopes = scope if isinstance(scope, list) else str(scope).replace(",", " ").split()
        if "rest_webservices" not in scopes:
            raise OAuth2Error(401, "invalid_scope", "scope must include rest_webservices.")
        if float(claims["exp"]) - float(claims["iat"]) > TOKEN_LIFETIME:
            raise OAuth2Error(401, "invalid_client", "JWT exp may be at most one hour after iat.")
        if float(claims["iat"]) > now + 60:
            raise OAuth2Error(401, "invalid_client", "JWT iat is in the future.")
        return claims

    def is_valid(self, token: str, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        with self.store.read() as conn:
            row = conn.execute("SELECT expires FROM _oauth2_token WHERE token = ?", (token,)).fetchone()
        return row is not None and float(row[0]) > now
