"""Validators of the connector's settings: raw text in, typed value out, or ValueError(reason).

Each variable has exactly one of these, whether its text comes from the environment or an Airflow connection;
the caller wraps the reason into a ConfigError naming the variable (or the connection field).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError

from stripe_netsuite.money import MoneyError, normalize_currency


class ConfigError(ValueError):
    """A setting is missing or invalid; the message starts with the variable's name."""


def url(text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an http(s) URL such as https://example.com")
    return text.rstrip("/")


def boolean(text: str) -> bool:
    lowered = text.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError("must be true or false")


def choice(*choices: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if text.lower() not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}")
        return text.lower()

    return parse


def color(text: str) -> str:
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", text):
        raise ValueError("must be a colour like #1a2b3c")
    return text.lower()


def statement_suffix(text: str) -> str:
    # Stripe: at most 22 characters (with the prefix), Latin characters only, at least one letter, and none of
    # < > \ ' " * (docs.stripe.com/get-started/account/statement-descriptors).
    if len(text) > 22:
        raise ValueError("must be at most 22 characters")
    if not all(" " <= ch <= "~" for ch in text) or any(ch in "<>\\'\"*" for ch in text):
        raise ValueError("may use Latin letters, digits and punctuation except < > \\ ' \" *")
    if not any(ch.isalpha() for ch in text):
        raise ValueError("must contain at least one letter")
    return text


def locale(text: str) -> str:
    try:
        return str(Locale.parse(text.replace("-", "_")))
    except (UnknownLocaleError, ValueError):
        raise ValueError("must be a locale such as en_US") from None


def internal_id(text: str) -> str:
    if not text.isdigit():
        raise ValueError("must be a NetSuite internal id (digits)")
    return text


def prefixed(*prefixes: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if not text.startswith(prefixes):
            raise ValueError(f"must start with {' or '.join(prefixes)}")
        return text

    return parse


def secret_key(text: str) -> str:
    if len(text) < 16:
        raise ValueError("must be at least 16 characters (a long random string)")
    return text


def key_ring(text: str) -> str:
    """`id:secret,id:secret`: ids unique, secrets long enough to sign links."""
    seen: set[str] = set()
    for entry in text.split(","):
        key_id, sep, secret = entry.strip().partition(":")
        if not sep or not key_id or key_id in seen:
            raise ValueError("expected unique id:secret pairs separated by commas")
        secret_key(secret)
        seen.add(key_id)
    return text


def count(text: str) -> int:
    if not text.isdigit():
        raise ValueError(f"expected a whole number >= 0, got {text!r}")
    return int(text)


# Storages of the `limits` library behind Flask-Limiter (limits.readthedocs.io, "Storage backends").
RATE_LIMIT_SCHEMES = frozenset(
    {"memory", "redis", "rediss", "redis+unix", "redis+sentinel", "redis+cluster", "valkey", "valkeys"}
    | {"memcached", "mongodb"}
)


def rate_limit_storage(text: str) -> str:
    if urlsplit(text).scheme not in RATE_LIMIT_SCHEMES:
        raise ValueError("must be memory:// or a shared storage URI such as redis://host:6379/1")
    return text


def rate(text: str) -> str:
    # The notation of the `limits` library, restricted to its plain form: "10/minute", "100 per hour".
    if not re.fullmatch(r"[1-9][0-9]*\s*(/|per)\s*(second|minute|hour|day)", text.strip().lower()):
        raise ValueError("must be a rate such as 10/minute or 100/hour")
    return text.strip().lower()


def positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"expected a whole number >= 1, got {text!r}")
    return int(text)


def _currency(text: str) -> str:
    try:
        return normalize_currency(text)
    except MoneyError as error:
        raise ValueError(str(error)) from None


def _pairs(
    text: str, key: Callable[[str], str], value: Callable[[str], str], shape: str, twice: str
) -> Mapping[str, str]:
    """`K=V,K=V` with each side validated and each key once; `shape` and `twice` word the errors."""
    pairs: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        left, sep, right = (piece.strip() for piece in item.partition("="))
        if not sep or not left or not right:
            raise ValueError(f"{item!r} is not {shape}")
        parsed = key(left)
        if parsed in pairs:
            raise ValueError(twice.format(parsed))
        pairs[parsed] = value(right)
    return MappingProxyType(pairs)


def currency_map(text: str) -> Mapping[str, str]:
    """`USD=101,EUR=104`: an internal id per currency, each currency once."""
    shape = "CURRENCY=ACCOUNT_ID (e.g. USD=101,EUR=104)"
    return _pairs(text, _currency, internal_id, shape, "{} is mapped twice")


def _fee_type(text: str) -> str:
    # A Stripe fee_details type: lower-case words joined by `_` (stripe_fee, application_fee, tax).
    if re.fullmatch(r"[a-z][a-z0-9_]{0,63}", text) is None:
        raise ValueError(f"{text!r} is not a Stripe fee type (e.g. stripe_fee, application_fee)")
    return text


def fee_type_map(text: str) -> Mapping[str, str]:
    """`stripe_fee=8,application_fee=12`: an account per Stripe fee type, each type once."""
    shape = "FEE_TYPE=ACCOUNT_ID (e.g. stripe_fee=8,application_fee=12)"
    return _pairs(text, _fee_type, internal_id, shape, "fee type {} is mapped twice")


def subsidiary_currencies(text: str) -> Mapping[str, str]:
    """`1=USD,3=GBP`: the base currency of each subsidiary (internal id)."""
    shape = "SUBSIDIARY_ID=CURRENCY (e.g. 1=USD,3=GBP)"
    return _pairs(text, internal_id, _currency, shape, "subsidiary {} is listed twice")


def time_zone(text: str) -> str:
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("must be an IANA time zone such as America/Los_Angeles") from None
    return text


def positive_number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"expected a number > 0, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise ValueError(f"expected a number > 0, got {text!r}")
    return value


def id_list(text: str) -> tuple[str, ...]:
    """`acct_1, acct_2`: a comma-separated list, blanks dropped."""
    return tuple(part.strip() for part in text.split(",") if part.strip())


def path(text: str) -> Path:
    return Path(text).expanduser().resolve()


def file_bytes(text: str) -> bytes:
    try:
        return Path(text).expanduser().read_bytes()
    except OSError as error:
        raise ValueError(f"cannot read {text}: {error.strerror}") from None
