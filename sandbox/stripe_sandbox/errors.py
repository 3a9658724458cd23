"""Stripe's error shape, `{"error": {type, code, message, param, decline_code, ...}}`, and real statuses."""

from __future__ import annotations

from typing import Any

DOCS = "https://stripe.com/docs/error-codes/"


class StripeError(Exception):
    """An API error as Stripe reports it.

    `commit` says whether the state changes made before the error stand: a card decline records a failed
    charge and a PaymentIntent update although the request answers 402; a validation error changes nothing.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        decline_code: str | None = None,
        commit: bool = False,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.code = code
        self.param = param
        self.decline_code = decline_code
        self.commit = commit
        self.extra = extra or {}
        self.headers = headers or {}

    def body(self, request_id: str | None, now: int) -> dict[str, Any]:
        """The JSON body Stripe sends for this error."""
        error: dict[str, Any] = {}
        if self.code:
            error["code"] = self.code
        if self.decline_code:
            error["decline_code"] = self.decline_code
        if self.code:
            error["doc_url"] = DOCS + self.code
        error["message"] = self.message
        if self.param:
            error["param"] = self.param
        if request_id:
            error["request_log_url"] = f"https://dashboard.stripe.com/test/logs/{request_id}?t={now}"
        error.update(self.extra)
        error["type"] = self.type
        return {"error": error}


def invalid(message: str, param: str | None = None, code: str | None = None) -> StripeError:
    return StripeError(400, message, param=param, code=code)


def missing(param: str) -> StripeError:
    return StripeError(400, f"Missing required param: {param}.", code="parameter_missing", param=param)


def unknown_parameter(param: str) -> StripeError:
    return StripeError(400, f"Received unknown parameter: {param}", code="parameter_unknown", param=param)


def invalid_integer(param: str, value: object) -> StripeError:
    return StripeError(400, f"Invalid integer: {value}", code="parameter_invalid_integer", param=param)


def invalid_boolean(param: str, value: object) -> StripeError:
    return StripeError(400, f"Invalid boolean: {value}", param=param)


def invalid_enum(param: str, value: object, allowed: list[str]) -> StripeError:
    choices = ", ".join(f"`{a}`" for a in allowed)
    return StripeError(400, f"Invalid {param}: must be one of {choices}", param=param)


def resource_missing(noun: str, object_id: str, param: str = "id") -> StripeError:
    return StripeError(404, f"No such {noun}: '{object_id}'", code="resource_missing", param=param)


def state_error(message: str, code: str = "payment_intent_unexpected_state", **extra: Any) -> StripeError:
    return StripeError(400, message, code=code, extra=extra)


def not_found_route(method: str, path: str) -> StripeError:
    return StripeError(
        404,
        f"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs or we can help at "
        "https://support.stripe.com/.",
    )


def api_key_missing() -> StripeError:
    return StripeError(
        401,
        "You did not provide an API key. You need to provide your API key in the Authorization header, using "
        "Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See "
        "https://stripe.com/docs/api#authentication "
        "for details, or we can help at https://support.stripe.com/.",
    )


def api_key_invalid(key: str) -> StripeError:
    shown = key[:8] + "*" * max(len(key) - 12, 0) + key[-4:] if len(key) > 12 else "****"
    return StripeError(401, f"Invalid API Key provided: {shown}", code="api_key_invalid")


def idempotency_conflict(key: str) -> StripeError:
    return StripeError(
        400,
        "Keys for idempotent requests can only be used with the same parameters they were first used with. "
        f"Try using a key other than '{key}' if you meant to execute a different request.",
        type="idempotency_error",
    )


def rate_limited() -> StripeError:
    return StripeError(
        429,
        "Request rate limit exceeded. You can learn more about rate limits here "
        "https://stripe.com/docs/rate-limits.",
        code="rate_limit",
    )


def api_error() -> StripeError:
    return StripeError(500, "An unknown error occurred (sandbox fault injection).", type="api_error")
