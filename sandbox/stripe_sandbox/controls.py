"""/_sandbox: test controls (clock, payouts, faults, config, reset) and introspection."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, request

from . import errors, webhooks
from .clock import DAY
from .events import public
from .resources.payment_intents import authenticate as authenticate_payment
from .resources.payouts import fail as fail_payout
from .resources.setup_intents import attempt as attempt_setup
from .resources.setup_intents import fail_authentication as fail_setup_authentication
from .scheduler import advance_to, run_payouts_now
from .state import Sandbox


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body, indent=2) + "\n", status=status, mimetype="application/json")


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if data is None and request.form:
        data = dict(request.form)
    return data if isinstance(data, dict) else {}


def _int(data: dict[str, Any], key: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise errors.invalid(f"{key} must be an integer", key) from None


def _merge_patch(target: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """RFC 7396: a null removes the key, nested objects merge."""
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            target[key] = _merge_patch(dict(target[key]), value)
        else:
            target[key] = value
    return target


def create_blueprint(sandbox: Sandbox) -> Blueprint:
    bp = Blueprint("sandbox_controls", __name__, url_prefix="/_sandbox")

    @bp.errorhandler(errors.StripeError)
    def stripe_error(exc: errors.StripeError) -> Response:
        return _json(exc.body(None, sandbox.now()), exc.status)

    def clock_state() -> dict[str, Any]:
        clock = sandbox.clock
        return {
            "now": clock.now(),
            "mode": clock.mode,
            "offset": clock.offset,
            "next_payout_at": sandbox.store.meta("next_payout_at"),
        }

    @bp.get("/clock")
    def get_clock() -> Response:
        return _json(clock_state())

    @bp.post("/clock/advance")
    def advance_clock() -> Response:
        data = _body()
        seconds = (
            (_int(data, "seconds") or 0) + (_int(data, "days") or 0) * DAY + (_int(data, "hours") or 0) * 3600
        )
        to = _int(data, "to")
        target = to if to is not None else sandbox.now() + seconds
        if target < sandbox.now():
            raise errors.invalid("The clock only moves forward; use /clock/freeze to set it.", "seconds")
        steps, attempts = advance_to(sandbox, target)
        return _json({**clock_state(), "steps": steps, "delivery_attempts": attempts})

    @bp.post("/clock/freeze")
    def freeze_clock() -> Response:
        at = _int(_body(), "now")
        with sandbox.transaction():
            sandbox.clock.freeze(at)
            sandbox.save_clock(rescheduled=at is not None)
        return _json(clock_state())

    @bp.post("/clock/run")
    def run_clock() -> Response:
        with sandbox.transaction():
            sandbox.clock.run()
            sandbox.save_clock()
        return _json(clock_state())

    @bp.post("/reset")
    def reset() -> Response:
        sandbox.reset()
        return _json({"reset": True, **clock_state()})

    @bp.get("/config")
    def get_config() -> Response:
        return _json(sandbox.config.to_json())

    @bp.post("/config")
    def set_config() -> Response:
        changes = _body()
        sandbox.set_config(sandbox.config.updated(changes))
        if "fault_seed" in changes:
            sandbox.reseed_faults()
        return _json(sandbox.config.to_json())

    @bp.post("/payouts/run")
    def payouts_run() -> Response:
        made = run_payouts_now(sandbox)
        sandbox.webhooks.wake()
        return _json({"payouts": made})

    @bp.post("/payouts/<payout_id>/fail")
    def payouts_fail(payout_id: str) -> Response:
        with sandbox.transaction():
            row = sandbox.store.row(payout_id)
            if row is None or row.type != "payout":
                raise errors.resource_missing("payout", payout_id)
            payout = fail_payout(sandbox.context(row.account), row.data)
        return _json(public(payout))

    @bp.post("/authenticate/<intent_id>")
    def authenticate(intent_id: str) -> Response:
        """Stands in for the bank's 3-D Secure page: {"result": "succeed"} (default) or "fail"."""
        succeed = str(_body().get("result", request.args.get("result", "succeed"))) != "fail"
        with sandbox.transaction():
            row = sandbox.store.row(intent_id)
            if row is None or row.type not in ("payment_intent", "setup_intent"):
                raise errors.resource_missing("intent", intent_id)
            ctx = sandbox.context(row.account)
            try:
                if row.type == "payment_intent":
                    result = authenticate_payment(ctx, row.data, succeed)
                elif succeed:
                    result = attempt_setup(ctx, row.data, authenticated=True)
                else:
                    result = fail_setup_authentication(ctx, row.data)
            except errors.StripeError as exc:
                if not exc.commit:
                    raise
                result = sandbox.store.get(intent_id) or row.data
        return _json(public(result))

    @bp.get("/authenticate/<intent_id>")
    def authenticate_page(intent_id: str) -> Response:
        page = (
            "<!doctype html><title>3D Secure test page</title><h1>3D Secure 2 test page</h1>"
            "<form method=post action='?result=succeed'><button>Complete authentication</button></form>"
            "<form method=post action='?result=fail'><button>Fail authentication</button></form>"
        )
        return Response(page, mimetype="text/html")

    @bp.get("/requests")
    def requests_log() -> Response:
        since = int(request.args.get("since", 0))
        with sandbox.transaction():
            rows = sandbox.store.execute(
                "SELECT * FROM requests WHERE seq > ? ORDER BY seq LIMIT 1000", (since,)
            ).fetchall()
        return _json(
            {
                "requests": [
                    {
                        "seq": r["seq"],
                        "request_id": r["request_id"],
                        "method": r["method"],
                        "path": r["path"],
                        "params": json.loads(r["params"]),
                        "status": r["status"],
                        "account": r["account"],
                        "idempotency_key": r["idempotency_key"],
                        "created": r["created"],
                    }
                    for r in rows
                ]
            }
        )

    @bp.get("/deliveries")
    def deliveries() -> Response:
        since = int(request.args.get("since", 0))
        return _json({"deliveries": webhooks.list_deliveries(sandbox, since, request.args.get("event"))})

    @bp.get("/stats")
    def stats() -> Response:
        with sandbox.transaction():
            store = sandbox.store
            objects = {r[0]: r[1] for r in store.execute("SELECT type, COUNT(*) FROM objects GROUP BY type")}
            requests_count = store.execute("SELECT COUNT(*) FROM requests").fetchone()[0]
            by_status = {
                r[0]: r[1] for r in store.execute("SELECT status, COUNT(*) FROM deliveries GROUP BY status")
            }
        return _json(
            {
                "objects": objects,
                "requests": requests_count,
                "deliveries": by_status,
                "clock": clock_state(),
                "platform_account": sandbox.platform_account,
            }
        )

    @bp.get("/objects/<object_id>")
    def get_object(object_id: str) -> Response:
        with sandbox.transaction():
            row = sandbox.store.row(object_id)
        if row is None:
            raise errors.resource_missing("object", object_id)
        return _json({"account": row.account, "payout": row.payout, "due": row.due, "data": row.data})

    @bp.post("/objects/<object_id>")
    def patch_object(object_id: str) -> Response:
        """Alter stored JSON without events, so downstream validators can be tested on bad data."""
        patch = _body().get("patch")
        if not isinstance(patch, dict):
            raise errors.invalid('Send {"patch": {...}} (a JSON merge patch; null removes a key).', "patch")
        with sandbox.transaction():
            row = sandbox.store.row(object_id)
            if row is None:
                raise errors.resource_missing("object", object_id)
            data = _merge_patch(row.data, patch)
            data["id"] = object_id
            data.setdefault("object", row.type)
            data.setdefault("created", row.created)
            sandbox.store.update(data)
        return _json(public(data))

    return bp
