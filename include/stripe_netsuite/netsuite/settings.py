"""NetSuite connection settings: account, base URL, credentials (TBA or OAuth 2.0) and client limits."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from stripe_netsuite.netsuite.errors import NetSuiteConfigError

__all__ = ["NetSuiteSettings", "default_base_url"]

_TBA_VARIABLES = (
    "NETSUITE_CONSUMER_KEY",
    "NETSUITE_CONSUMER_SECRET",
    "NETSUITE_TOKEN_ID",
    "NETSUITE_TOKEN_SECRET",
)
_OAUTH2_VARIABLES = (
    "NETSUITE_OAUTH2_CLIENT_ID",
    "NETSUITE_OAUTH2_CERTIFICATE_ID",
    "NETSUITE_OAUTH2_PRIVATE_KEY_FILE",
)
_OAUTH2_ALGORITHMS = ("PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "RS256", "RS384", "RS512")


def default_base_url(account_id: str) -> str:
    """The REST base Oracle derives from the account id: `1234567_SB1` -> `https://1234567-sb1.suitetalk...`."""
    host = account_id.strip().lower().replace("_", "-")
    return f"https://{host}.suitetalk.api.netsuite.com/services/rest"


@dataclass(frozen=True)
class NetSuiteSettings:
    """Everything a NetSuiteClient needs; secrets are left out of repr so the object is safe to log."""

    account_id: str
    base_url: str = ""
    consumer_key: str | None = field(default=None, repr=False)
    consumer_secret: str | None = field(default=None, repr=False)
    token_id: str | None = field(default=None, repr=False)
    token_secret: str | None = field(default=None, repr=False)
    client_id: str | None = None
    certificate_id: str | None = None
    private_key_pem: bytes | None = field(default=None, repr=False)
    algorithm: str = "PS256"
    concurrency_limit: int = 5
    timeout: tuple[float, float] = (5, 60)  # (connect, read) seconds
    max_retries: int = 5

    def __post_init__(self) -> None:
        if not self.account_id.strip():
            raise NetSuiteConfigError(detail="NETSUITE_ACCOUNT_ID is empty")
        base = (self.base_url or default_base_url(self.account_id)).rstrip("/")
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise NetSuiteConfigError(detail=f"NETSUITE_BASE_URL must be an http(s) URL, got {base!r}")
        object.__setattr__(self, "base_url", base)
        if self.concurrency_limit < 1:
            raise NetSuiteConfigError(detail="NETSUITE_CONCURRENCY_LIMIT must be at least 1")
        if self.max_retries < 0:
            raise NetSuiteConfigError(detail="max_retries must not be negative")
        if self.algorithm not in _OAUTH2_ALGORITHMS:
            raise NetSuiteConfigError(
                detail=f"NETSUITE_OAUTH2_ALGORITHM must be one of {', '.join(_OAUTH2_ALGORITHMS)}"
            )
        if not (self.uses_oauth2 or self.has_tba):
            raise NetSuiteConfigError(
                detail="NETSUITE_CONSUMER_KEY, NETSUITE_CONSUMER_SECRET, NETSUITE_TOKEN_ID and "
                "NETSUITE_TOKEN_SECRET (or the NETSUITE_OAUTH2_* settings) are required"
            )

    @property
    def has_tba(self) -> bool:
        return all((self.consumer_key, self.consumer_secret, self.token_id, self.token_secret))

    @property
    def uses_oauth2(self) -> bool:
        """OAuth 2.0 wins when configured: Oracle steers new integrations to it."""
        return bool(self.client_id and self.certificate_id and self.private_key_pem)

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/auth/oauth2/v1/token"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> NetSuiteSettings:
        """Read the NETSUITE_* variables; a missing or invalid one raises NetSuiteConfigError naming it."""
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            return env.get(name, "").strip() or None

        def require(name: str, why: str) -> str:
            value = get(name)
            if value is None:
                raise NetSuiteConfigError(detail=f"{name} is not set: {why}")
            return value

        account_id = require("NETSUITE_ACCOUNT_ID", "the NetSuite account id, e.g. 1234567_SB1")
        oauth2 = {name: get(name) for name in _OAUTH2_VARIABLES}
        private_key: bytes | None = None
        if any(oauth2.values()):
            for name in _OAUTH2_VARIABLES:
                require(name, "OAuth 2.0 needs all of " + ", ".join(_OAUTH2_VARIABLES))
            private_key = _read_key(oauth2["NETSUITE_OAUTH2_PRIVATE_KEY_FILE"] or "")
            tba = {name: get(name) for name in _TBA_VARIABLES}
        else:
            tba = {name: require(name, "token-based authentication needs it") for name in _TBA_VARIABLES}
        return cls(
            account_id=account_id,
            base_url=get("NETSUITE_BASE_URL") or "",
            consumer_key=tba["NETSUITE_CONSUMER_KEY"],
            consumer_secret=tba["NETSUITE_CONSUMER_SECRET"],
            token_id=tba["NETSUITE_TOKEN_ID"],
            token_secret=tba["NETSUITE_TOKEN_SECRET"],
            client_id=oauth2["NETSUITE_OAUTH2_CLIENT_ID"],
            certificate_id=oauth2["NETSUITE_OAUTH2_CERTIFICATE_ID"],
            private_key_pem=private_key,
            algorithm=get("NETSUITE_OAUTH2_ALGORITHM") or "PS256",
            concurrency_limit=_positive_int(env, "NETSUITE_CONCURRENCY_LIMIT", 5),
        )


def _read_key(path: str) -> bytes:
    try:
        return Path(path).expanduser().read_bytes()
    except OSError as exc:
        raise NetSuiteConfigError(
            detail=f"NETSUITE_OAUTH2_PRIVATE_KEY_FILE: cannot read {path}: {exc.strerror}"
        ) from exc


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise NetSuiteConfigError(detail=f"{name} must be a whole number, got {text!r}") from None
    if value < 1:
        raise NetSuiteConfigError(detail=f"{name} must be at least 1, got {value}")
    return value
