"""Typed NetSuite errors, built from NetSuite's REST error document."""

from __future__ import annotations

import json
from typing import Any

from stripe_netsuite.config import ConfigError

__all__ = [
    "NetSuiteAuthError",
    "NetSuiteConfigError",
    "NetSuiteConnectionError",
    "NetSuiteError",
    "NetSuiteNotFoundError",
    "NetSuiteRateLimitError",
    "NetSuiteServerError",
    "NetSuiteUserError",
    "SuiteQLCutoffError",
    "error_from_response",
]

_BODY_LIMIT = 2000  # keep exception messages readable when a proxy answers with a whole HTML page


class NetSuiteError(Exception):
    """A failed NetSuite call: HTTP status plus the first entry of `o:errorDetails`."""

    def __init__(
        self,
        status: int | None = None,
        code: str | None = None,
        detail: str = "",
        path: str | None = None,
        title: str | None = None,
        body: Any = None,
        *,
        request: str | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.path = path
        self.title = title
        self.body = body
        self.request = request  # "METHOD /path" of the failed call, for logs and reports

    def __str__(self) -> str:
        parts = [f"HTTP {self.status}" if self.status is not None else "NetSuite"]
        if self.code:
            parts.append(self.code)
        text = " ".join(parts)
        if self.detail:
            text += f": {self.detail}"
        if self.path:
            text += f" (at {self.path})"
        if self.request:
            text += f" [{self.request}]"
        return text


class NetSuiteAuthError(NetSuiteError):
    """401/403: bad credentials, signature, token or permission."""


class NetSuiteNotFoundError(NetSuiteError):
    """404: no such record (NONEXISTENT_ID) or route."""


class NetSuiteUserError(NetSuiteError):
    """Other 4xx: the request itself is wrong (USER_ERROR, INVALID_PARAMETER, ...); retrying cannot help."""


class NetSuiteRateLimitError(NetSuiteError):
    """429: over the account's concurrency limit, still so after every retry."""


class NetSuiteServerError(NetSuiteError):
    """5xx, still so after every retry."""


class NetSuiteConnectionError(NetSuiteError):
    """No HTTP answer at all (refused, reset, timed out), still so after every retry."""


class SuiteQLCutoffError(NetSuiteError):
    """A SuiteQL query's result reached NetSuite's row cutoff: rows past it were not returned."""


class NetSuiteConfigError(NetSuiteError, ConfigError):
    """A NetSuite setting is missing or invalid; the message starts with the variable's name."""

    def __str__(self) -> str:
        return self.detail


def _error_class(status: int) -> type[NetSuiteError]:
    if status in (401, 403):
        return NetSuiteAuthError
    if status == 404:
        return NetSuiteNotFoundError
    if status == 429:
        return NetSuiteRateLimitError
    if status >= 500:
        return NetSuiteServerError
    if status >= 400:
        return NetSuiteUserError
    return NetSuiteError


def error_from_response(status: int, text: str, request: str | None = None) -> NetSuiteError:
    """The typed error for a non-2xx answer; `request` ("METHOD /path") says which call failed."""
    body: Any
    try:
        body = json.loads(text) if text else None
    except ValueError:
        body = text[:_BODY_LIMIT]
    code: str | None = None
    detail = ""
    title: str | None = None
    error_path: str | None = None
    if isinstance(body, dict):
        title = _str_or_none(body.get("title"))
        details = body.get("o:errorDetails")
        first = details[0] if isinstance(details, list) and details and isinstance(details[0], dict) else {}
        code = _str_or_none(first.get("o:errorCode"))
        detail = _str_or_none(first.get("detail")) or title or ""
        error_path = _str_or_none(first.get("o:errorPath"))
        # The OAuth 2.0 token endpoint answers in RFC 6749's shape instead.
        if not details and "error" in body:
            code = _str_or_none(body.get("error"))
            detail = _str_or_none(body.get("error_description")) or detail
    elif isinstance(body, str):
        detail = body
    return _error_class(status)(status, code, detail, error_path, title, body, request=request)


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)
