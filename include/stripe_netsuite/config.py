"""Typed settings for one process, read once from the environment and validated at the edge.

Every field knows its environment variable (`Settings.env_name`); an invalid value raises ConfigError naming
that variable when the settings are read, a missing one only when a consumer `require`s it, so the webapp,
the DAG tasks and the CLI each demand just what they use.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from babel import Locale, UnknownLocaleError

from stripe_netsuite.money import MoneyError, normalize_currency

__all__ = [
    "ConfigError",
    "Settings",
    "database_url",
    "default_database_url",
    "project_root",
]


class ConfigError(ValueError):
    """A setting is missing or invalid; the message starts with the variable's name."""


def project_root(environ: Mapping[str, str] | None = None) -> Path:
    """The project directory: $CONNECTOR_HOME, else the checkout this module lives in, else the cwd."""
    env = os.environ if environ is None else environ
    if env.get("CONNECTOR_HOME"):
        return Path(env["CONNECTOR_HOME"]).expanduser().resolve()
    for parent in Path(__file__).resolve().parents:
        # A source checkout (editable install); an installed wheel lives in site-packages and has neither.
        if (parent / "pyproject.toml").is_file() and (parent / "include" / "stripe_netsuite").is_dir():
            return parent
    return Path.cwd()


def default_database_url(environ: Mapping[str, str] | None = None) -> str:
    """The embedded default: a SQLite file var/connector.db under the project root."""
    return f"sqlite:///{project_root(environ) / 'var' / 'connector.db'}"


def database_url(environ: Mapping[str, str] | None = None) -> str:
    """$CONNECTOR_DATABASE_URL or the embedded default."""
    env = os.environ if environ is None else environ
    return env.get("CONNECTOR_DATABASE_URL", "").strip() or default_database_url(env)


# --- parsers: raw text in, typed value out, or ValueError(reason) ---


def _url(text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an http(s) URL such as https://example.com")
    return text.rstrip("/")


def _bool(text: str) -> bool:
    lowered = text.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError("must be true or false")


def _choice(*choices: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if text.lower() not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}")
        return text.lower()

    return parse


def _color(text: str) -> str:
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", text):
        raise ValueError("must be a colour like #1a2b3c")
    return text.lower()


def _statement_suffix(text: str) -> str:
    # Stripe: at most 22 characters (with the prefix), Latin characters only, at least one letter, and none of
    # < > \ ' " * (docs.stripe.com/get-started/account/statement-descriptors).
    if len(text) > 22:
        raise ValueError("must be at most 22 characters")
    if not all(" " <= ch <= "~" for ch in text) or any(ch in "<>\\'\"*" for ch in text):
        raise ValueError("may use Latin letters, digits and punctuation except < > \\ ' \" *")
    if not any(ch.isalpha() for ch in text):
        raise ValueError("must contain at least one letter")
    return text


def _locale(text: str) -> str:
    try:
        return str(Locale.parse(text.replace("-", "_")))
    except (UnknownLocaleError, ValueError):
        raise ValueError("must be a locale such as en_US") from None


def _internal_id(text: str) -> str:
    if not text.isdigit():
        raise ValueError("must be a NetSuite internal id (digits)")
    return text


def _prefixed(*prefixes: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if not text.startswith(prefixes):
            raise ValueError(f"must start with {' or '.join(prefixes)}")
        return text

    return parse


def _secret_key(text: str) -> str:
    if len(text) < 16:
        raise ValueError("must be at least 16 characters (a long random string)")
    return text


def _bank_accounts(text: str) -> Mapping[str, str]:
    accounts: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        currency, sep, account = (piece.strip() for piece in item.partition("="))
        if not sep or not currency or not account:
            raise ValueError(f"{item!r} is not CURRENCY=ACCOUNT_ID (e.g. USD=101,EUR=104)")
        try:
            code = normalize_currency(currency)
        except MoneyError as error:
            raise ValueError(str(error)) from None
        if code in accounts:
            raise ValueError(f"{code} is mapped twice")
        accounts[code] = _internal_id(account)
    return MappingProxyType(accounts)


def _key_ring(text: str) -> str:
    """`id:secret,id:secret`: ids unique, secrets long enough to sign links."""
    seen: set[str] = set()
    for entry in text.split(","):
        key_id, sep, secret = entry.strip().partition(":")
        if not sep or not key_id or key_id in seen:
            raise ValueError("expected unique id:secret pairs separated by commas")
        _secret_key(secret)
        seen.add(key_id)
    return text


def _count(text: str) -> int:
    if not text.isdigit():
        raise ValueError(f"expected a whole number >= 0, got {text!r}")
    return int(text)


# Storages of the `limits` library behind Flask-Limiter (limits.readthedocs.io, "Storage backends").
_RATE_LIMIT_SCHEMES = frozenset(
    {"memory", "redis", "rediss", "redis+unix", "redis+sentinel", "redis+cluster", "valkey", "valkeys"}
    | {"memcached", "mongodb"}
)


def _rate_limit_storage(text: str) -> str:
    if urlsplit(text).scheme not in _RATE_LIMIT_SCHEMES:
        raise ValueError("must be memory:// or a shared storage URI such as redis://host:6379/1")
    return text


def _rate(text: str) -> str:
    # The notation of the `limits` library, restricted to its plain form: "10/minute", "100 per hour".
    if not re.fullmatch(r"[1-9][0-9]*\s*(/|per)\s*(second|minute|hour|day)", text.strip().lower()):
        raise ValueError("must be a rate such as 10/minute or 100/hour")
    return text.strip().lower()


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"expected a whole number >= 1, got {text!r}")
    return int(text)


def _setting(
    env: str,
    parse: Callable[[str], Any] | None = None,
    *,
    default: Any = None,
    factory: Callable[[], Any] | None = None,
    secret: bool = False,
) -> Any:
    """A dataclass field bound to an environment variable; secrets are kept out of repr()."""
    metadata = {"env": env, "parse": parse}
    if factory is not None:
        return field(default_factory=factory, repr=not secret, metadata=metadata)
    return field(default=default, repr=not secret, metadata=metadata)


@dataclass(frozen=True)
class Settings:
    """All connector settings of one process (DESIGN §4); see .env.example for what each one means."""

    stripe_api_key: str | None = _setting("STRIPE_API_KEY", _prefixed("sk_", "rk_"), secret=True)
    stripe_api_base: str | None = _setting("STRIPE_API_BASE", _url)  # None = real Stripe
    stripe_webhook_secret: str | None = _setting("STRIPE_WEBHOOK_SECRET", _prefixed("whsec_"), secret=True)

    netsuite_account_id: str | None = _setting("NETSUITE_ACCOUNT_ID")
    netsuite_base_url: str | None = _setting("NETSUITE_BASE_URL", _url)
    netsuite_consumer_key: str | None = _setting("NETSUITE_CONSUMER_KEY", secret=True)
    netsuite_consumer_secret: str | None = _setting("NETSUITE_CONSUMER_SECRET", secret=True)
    netsuite_token_id: str | None = _setting("NETSUITE_TOKEN_ID", secret=True)
    netsuite_token_secret: str | None = _setting("NETSUITE_TOKEN_SECRET", secret=True)

    database_url: str = _setting("CONNECTOR_DATABASE_URL", factory=default_database_url, secret=True)
    webapp_secret_key: str | None = _setting("WEBAPP_SECRET_KEY", _secret_key, secret=True)
    payment_link_base_url: str | None = _setting("PAYMENT_LINK_BASE_URL", _url)
    payment_link_keys: str | None = _setting("PAYMENT_LINK_KEYS", _key_ring, secret=True)
    webapp_trusted_proxies: int = _setting("WEBAPP_TRUSTED_PROXIES", _count, default=0)
    webapp_workers: int | None = _setting("WEBAPP_WORKERS", _positive)  # None: gunicorn.conf.py decides
    rate_limit_enabled: bool = _setting("RATE_LIMIT_ENABLED", _bool, default=True)  # false: benchmarks only
    # memory:// counts in one process only; several workers or hosts need a shared storage (Redis).
    rate_limit_storage_uri: str = _setting(
        "RATE_LIMIT_STORAGE_URI", _rate_limit_storage, default="memory://", secret=True
    )
    rate_limit_pay: str = _setting("RATE_LIMIT_PAY", _rate, default="10/minute")  # POSTs per IP and link
    rate_limit_page: str = _setting("RATE_LIMIT_PAGE", _rate, default="60/minute")  # views per IP and link
    rate_limit_bad_link: str = _setting("RATE_LIMIT_BAD_LINK", _rate, default="20/minute")  # 404s per IP

    receipts: str = _setting("RECEIPTS", _choice("stripe", "netsuite"), default="stripe")
    business_name: str | None = _setting("BUSINESS_NAME")
    brand_color: str | None = _setting("BRAND_COLOR", _color)
    brand_logo_url: str | None = _setting("BRAND_LOGO_URL", _url)
    statement_descriptor_suffix: str | None = _setting("STATEMENT_DESCRIPTOR_SUFFIX", _statement_suffix)
    allow_partial_invoice_payment: bool = _setting("ALLOW_PARTIAL_INVOICE_PAYMENT", _bool, default=False)
    default_locale: str = _setting("DEFAULT_LOCALE", _locale, default="en_US")

    netsuite_bank_accounts: Mapping[str, str] = _setting(
        "NETSUITE_BANK_ACCOUNTS", _bank_accounts, factory=lambda: MappingProxyType({})
    )
    netsuite_undeposited_funds_account: str | None = _setting(
        "NETSUITE_UNDEPOSITED_FUNDS_ACCOUNT", _internal_id
    )
    netsuite_fee_account: str | None = _setting("NETSUITE_FEE_ACCOUNT", _internal_id)
    netsuite_payment_method: str | None = _setting("NETSUITE_PAYMENT_METHOD", _internal_id)
    netsuite_unallocated_customer: str | None = _setting("NETSUITE_UNALLOCATED_CUSTOMER", _internal_id)

    airflow_api_url: str | None = _setting("AIRFLOW_API_URL", _url)
    airflow_api_user: str | None = _setting("AIRFLOW_API_USER")
    airflow_api_password: str | None = _setting("AIRFLOW_API_PASSWORD", secret=True)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read and validate every setting; empty variables count as unset."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for spec in fields(cls):
            name = spec.metadata["env"]
            text = env.get(name, "").strip()
            if not text:
                continue
            parse = spec.metadata["parse"]
            try:
                values[spec.name] = parse(text) if parse else text
            except ValueError as error:
                raise ConfigError(f"{name}: {error}") from None
        values.setdefault("database_url", database_url(env))
        return cls(**values)

    @classmethod
    def env_names(cls) -> tuple[str, ...]:
        """Every environment variable the settings read, in declaration order."""
        return tuple(str(spec.metadata["env"]) for spec in fields(cls))

    @classmethod
    def env_name(cls, attribute: str) -> str:
        """The environment variable behind a field ("stripe_api_key" -> "STRIPE_API_KEY")."""
        for spec in fields(cls):
            if spec.name == attribute:
                return str(spec.metadata["env"])
        raise KeyError(attribute)

    def require(self, *names: str) -> Any:
        """Value of one required variable (or a tuple for several); ConfigError names each one missing."""
        by_env = {spec.metadata["env"]: spec.name for spec in fields(self)}
        unknown = [name for name in names if name not in by_env]
        if unknown:
            raise KeyError(f"not a connector setting: {', '.join(unknown)}")
        values = [getattr(self, by_env[name]) for name in names]
        missing = [name for name, value in zip(names, values, strict=True) if value in (None, "", {})]
        if missing:
            raise ConfigError(f"{', '.join(missing)}: required but not set (see .env.example)")
        return values[0] if len(values) == 1 else tuple(values)

    def bank_account_for(self, currency: str) -> str:
        """NetSuite bank account for payouts in `currency`; a clear error when the currency has none."""
        code = currency.upper()
        try:
            return self.netsuite_bank_accounts[code]
        except KeyError:
            mapped = ", ".join(sorted(self.netsuite_bank_accounts)) or "none"
            raise ConfigError(
                f"NETSUITE_BANK_ACCOUNTS: no bank account for {code} payouts (mapped: {mapped}); "
                f"add {code}=<internal id>"
            ) from None
