"""NetSuite's error document becomes a typed error that says status, code, detail and path."""

from __future__ import annotations

import json

import pytest

from stripe_netsuite.config import ConfigError
from stripe_netsuite.netsuite import (
    NetSuiteAuthError,
    NetSuiteConfigError,
    NetSuiteError,
    NetSuiteNotFoundError,
    NetSuiteRateLimitError,
    NetSuiteServerError,
    NetSuiteUserError,
)
from stripe_netsuite.netsuite.errors import error_from_response


def netsuite_body(status: int, code: str, detail: str, path: str | None = None) -> str:
    item = {"detail": detail, "o:errorCode": code}
    if path:
        item["o:errorPath"] = path
    return json.dumps({
        "type": "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.1",
        "title": "Bad Request", "status": status, "o:errorDetails": [item],
    })


def test_user_error_keeps_code_detail_and_path() -> None:
    text = netsuite_body(400, "USER_ERROR", "Amount exceeds remaining", "apply.items[0].amount")
    error = error_from_response(400, text, "PUT /record/v1/customerPayment/eid:ch_1")
    assert isinstance(error, NetSuiteUserError)
    assert (error.status, error.code, error.path, error.title) == (
        400, "USER_ERROR", "apply.items[0].amount", "Bad Request"
    )
    assert error.detail == "Amount exceeds remaining"
    assert error.body["o:errorDetails"][0]["o:errorCode"] == "USER_ERROR"
    assert str(error) == (
        "HTTP 400 USER_ERROR: Amount exceeds remaining (at apply.items[0].amount) "
        "[PUT /record/v1/customerPayment/eid:ch_1]"
    )


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        (400, "INVALID_PARAMETER", NetSuiteUserError),
        (401, "INVALID_LOGIN", NetSuiteAuthError),
        (403, "INSUFFICIENT_PERMISSION", NetSuiteAuthError),
        (404, "NONEXISTENT_ID", NetSuiteNotFoundError),
        (405, "INVALID_PARAMETER", NetSuiteUserError),
        (429, "CONCURRENCY_LIMIT_EXCEEDED", NetSuiteRateLimitError),
        (500, "UNEXPECTED_ERROR", NetSuiteServerError),
        (503, "UNEXPECTED_ERROR", NetSuiteServerError),
    ],
    ids=["400", "401", "403", "404", "405", "429", "500", "503"],
)
def test_status_picks_the_error_class(status: int, code: str, kind: type[NetSuiteError]) -> None:
    error = error_from_response(status, netsuite_body(status, code, "x"))
    assert type(error) is kind
    assert error.code == code


def test_non_json_body_is_kept_as_detail() -> None:
    error = error_from_response(502, "<html>Bad gateway</html>")
    assert isinstance(error, NetSuiteServerError)
    assert error.code is None
    assert str(error) == "HTTP 502: <html>Bad gateway</html>"


def test_empty_body_still_says_the_status() -> None:
    assert str(error_from_response(503, "")) == "HTTP 503"


def test_oauth2_error_shape_is_understood() -> None:
    error = error_from_response(401, '{"error": "invalid_client", "error_description": "bad kid"}')
    assert isinstance(error, NetSuiteAuthError)
    assert (error.code, error.detail) == ("invalid_client", "bad kid")


def test_config_error_is_also_the_library_config_error() -> None:
    error = NetSuiteConfigError(detail="NETSUITE_TOKEN_ID is not set")
    assert isinstance(error, ConfigError)
    assert isinstance(error, NetSuiteError)
    assert str(error) == "NETSUITE_TOKEN_ID is not set"
