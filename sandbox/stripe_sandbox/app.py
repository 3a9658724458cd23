"""The WSGI app: /v1 (Stripe's API, authenticated), /_sandbox (controls), and the hosted pages if present."""

from __future__ import annotations

import base64
import contextlib
import importlib
import json
import socket
import time
from typing import Any

from flask import Flask, Response, request

from . import errors, idempotency, ids
from .expand import render
from .params import Params, decode
from .resources import all_routes, match
from .state import Sandbox

try:  # written by another part of the project; until it exists, unknown parameters are not refused
    from .openapi import unknown_parameters
except ImportError:  # pragma: no cover
    unknown_parameters = None  # type: ignore[assignment]


def _json(body: Any, status: int, headers: dict[str, str] | None = None) -> Response:
    # Stripe answers pretty-printed JSON.
    return Response(
        json.dumps(body, indent=2) + "\n", status=status, mimetype="application/json", headers=headers or {}
    )


class Api:
    """Handles every /v1 request: auth, faults, parsing, routing, idempotency, transaction, request log."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.routes = [(route, route.regex) for route in all_routes()]

    def _authenticate(self) -> None:
        header = request.headers.get("Authorization", "")
        key = ""
        if header.startswith("Bearer "):
            key = header[7:].strip()
        elif header.startswith("Basic "):
            try:
                key = base64.b64decode(header[6:]).decode().split(":", 1)[0]
            except (ValueError, UnicodeDecodeError):
                key = ""
        if not key:
            raise errors.api_key_missing()
        expected = self.sandbox.api_key
        if (expected and key != expected) or (not expected and not key.startswith(("sk_test_", "rk_test_"))):
            raise errors.api_key_invalid(key)

    def _log_start(self, params: Any, account: str | None, key: str | None) -> tuple[int, str]:
        store = self.sandbox.store
        with self.sandbox.transaction():
            cursor = store.execute(
                "INSERT INTO requests(method, path, params, account, idempotency_key, created) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    request.method,
                    request.path,
                    json.dumps(params, sort_keys=True),
                    account,
                    key,
                    self.sandbox.now(),
                ),
            )
            seq = int(cursor.lastrowid or 0)
            request_id = ids.derive(self.sandbox.seed, seq, "req")[:18]
            store.execute("UPDATE requests SET request_id = ? WHERE seq = ?", (request_id, seq))
        return seq, request_id

    def _log_end(self, seq: int, status: int) -> None:
        with self.sandbox.transaction():
            self.sandbox.store.execute("UPDATE requests SET status = ? WHERE seq = ?", (status, seq))

    def handle(self, rest: str = "") -> Response:
        config = self.sandbox.config
        pairs = list(request.args.items(multi=True)) + list(request.form.items(multi=True))
        params = decode(pairs)
        account = request.headers.get("Stripe-Account") or None
        key = request.headers.get("Idempotency-Key") or None
        seq, request_id = self._log_start(params, account, key)
        headers = {
            "Request-Id": request_id,
            "Stripe-Version": request.headers.get("Stripe-Version", "2024-04-10"),
        }
        if key:
            headers["Idempotency-Key"] = key
        status = 500
        if config.latency_ms:
            time.sleep(config.latency_ms / 1000)
        fault = self.sandbox.draw_fault()
        try:
            if fault == "500":
                raise errors.api_error()
            if fault == "429":
                raise errors.rate_limited()
            self._authenticate()
            status, body, replayed = self._dispatch(params, account, key, request_id)
            if replayed:
                headers["Idempotent-Replayed"] = "true"
            response = Response(body, status=status, mimetype="application/json", headers=headers)
        except errors.StripeError as exc:
            status = exc.status
            response = _json(exc.body(request_id, self.sandbox.now()), exc.status, {**headers, **exc.headers})
        finally:
            self._log_end(seq, status)
        if fault == "drop":
            # Whatever the request did (and its idempotency record) stands; only the answer is lost.
            self._drop_connection()
        return response

    @staticmethod
    def _drop_connection() -> None:
        """Fault "drop": the request took effect but its answer is lost, as on a broken connection."""
        conn = request.environ.get("werkzeug.socket")
        if isinstance(conn, socket.socket):
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def _dispatch(
        self, params: dict[str, Any], account: str | None, key: str | None, request_id: str
    ) -> tuple[int, str, bool]:
        method = request.method
        found = match(method, request.path, self.routes)
        if found is None:
            raise errors.not_found_route(method, request.path)
        route, path_params = found
        if unknown_parameters is not None:
            unknown = unknown_parameters(method, request.path, params)
            if unknown:
                raise errors.unknown_parameter(unknown[0])
        sandbox = self.sandbox
        ctx = sandbox.context(
            account,
            request_id=request_id,
            idempotency_key=key if method == "POST" else None,
            base_url=request.host_url.rstrip("/"),
        )
        print_ = idempotency.fingerprint(method, request.path, params)
        with sandbox.store.lock:
            if key and method == "POST":
                saved = idempotency.lookup(sandbox.store, ctx.account, key, print_, ctx.now)
                if saved is not None:
                    return saved.status, saved.body, True
            with sandbox.transaction():
                wrapped = Params(params)
                try:
                    result = route.handler(ctx, wrapped, **path_params)
                    status = 200
                    body = json.dumps(render(ctx, result, wrapped.strings("expand")), indent=2) + "\n"
                except errors.StripeError as exc:
                    if not exc.commit:
                        raise
                    status = exc.status
                    body = json.dumps(exc.body(request_id, ctx.now), indent=2) + "\n"
                if key and method == "POST":
                    idempotency.save(sandbox.store, ctx.account, key, print_, status, body, ctx.now)
        return status, body, False


def _optional_hook(module: str, name: str) -> Any:
    """A function from a module another part of the project provides (the hosted pages), if present."""
    try:
        found = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise
        return None
    hook = getattr(found, name, None)
    return hook if callable(hook) else None


def create_app(sandbox: Sandbox) -> Flask:
    from .controls import create_blueprint

    app = Flask("stripe_sandbox")
    app.config["sandbox"] = sandbox
    api = Api(sandbox)
    app.add_url_rule("/v1/<path:rest>", "api", api.handle, methods=["GET", "POST", "DELETE"])
    app.add_url_rule("/v1", "api_root", api.handle, methods=["GET", "POST", "DELETE"])
    app.register_blueprint(create_blueprint(sandbox))
    register = _optional_hook("stripe_sandbox.hosted", "register")
    if register is not None:
        register(app, sandbox)
    return app
