"""Settings read once from the environment when the server starts."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


class ConfigError(Exception):
    """A required setting is missing or unusable; the message names it."""


@dataclass(frozen=True)
class TbaCredentials:
    """The one integration + token pair the sandbox accepts, like a single NetSuite account."""

    account_id: str
    consumer_key: str
    consumer_secret: str
    token_id: str
    token_secret: str


@dataclass(frozen=True)
class OAuth2Client:
    """An OAuth 2.0 client-credentials mapping: client id, certificate id and its public key."""

    client_id: str
    certificate_id: str
    public_key_pem: bytes


_TBA_VARIABLES = (
    "NETSUITE_ACCOUNT_ID",
    "NETSUITE_CONSUMER_KEY",
    "NETSUITE_CONSUMER_SECRET",
    "NETSUITE_TOKEN_ID",
    "NETSUITE_TOKEN_SECRET",
)
_OAUTH2_VARIABLES = (
    "NETSUITE_OAUTH2_CLIENT_ID",
    "NETSUITE_OAUTH2_CERTIFICATE_ID",
    "NETSUITE_OAUTH2_PUBLIC_KEY_FILE",
)


def load_tba(env: Mapping[str, str] = os.environ) -> TbaCredentials:
    """Read the TBA credentials, failing with the first missing variable's name."""
    values = []
    for name in _TBA_VARIABLES:
        value = env.get(name, "").strip()
        if not value:
            raise ConfigError(f"{name} is not set: the NetSuite sandbox needs it to check TBA signatures")
        values.append(value)
    return TbaCredentials(*values)


def load_oauth2(env: Mapping[str, str] = os.environ) -> OAuth2Client | None:
    """Read the optional OAuth 2.0 client; None when none of its variables is set."""
    values = {name: env.get(name, "").strip() for name in _OAUTH2_VARIABLES}
    if not any(values.values()):
        return None
    for name, value in values.items():
        if not value:
            raise ConfigError(f"{name} is not set: OAuth 2.0 needs all of {', '.join(_OAUTH2_VARIABLES)}")
    key_file = Path(values["NETSUITE_OAUTH2_PUBLIC_KEY_FILE"])
    try:
        pem = key_file.read_bytes()
    except OSError as exc:
        raise ConfigError(f"NETSUITE_OAUTH2_PUBLIC_KEY_FILE: cannot read {key_file}: {exc}") from exc
    return OAuth2Client(values["NETSUITE_OAUTH2_CLIENT_ID"], values["NETSUITE_OAUTH2_CERTIFICATE_ID"], pem)
