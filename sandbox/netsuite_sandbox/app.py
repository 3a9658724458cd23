"""The Flask app: REST record routes, SuiteQL, OAuth 2.0 token endpoint and /_sandbox control routes."""

from __future__ import annotations

import io
import json
import sqlite3
from contextlib import closing
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Flask, Response, current_app, request

from . import jobs, periods, qfilter, records, seed, suiteql, transforms, writes
from .auth import TbaVerifier
from .config import OAuth2Client, TbaCredentials
from .errors import NetSuiteError, error_body, invalid_parameter, nonexistent_id
from .fields import READ_ONLY_TYPES, RECORD_TYPES, Field, RecordType, lookup_type
from .governance import REST_PREFIX, ConfigValueError, Governance, RestGate, WsgiApp
from .oauth2 import OAuth2Error, TokenService
from .parse import NAME_VALIDATION_HEADER, WARNING_HEADER, NameCheck
from .store import Store, load_record

SINGULAR = "application/vnd.oracle.resource+json; type=singular; charset=UTF-8"
COLLECTION = "application/vnd.oracle.resource+json; type=collection; charset=UTF-8"
MAX_PAGE = 1000

rest = Blueprint("rest", __name__, url_prefix=REST_PREFIX)
control = Blueprint("control", __name__, url_prefix="/_sandbox")


class Sandbox:
    """Everything one running sandbox shares between requests."""

    def __init__(
        self, store: Store, tba: TbaCredentials, oauth2: OAuth2Client | None, concurrency_limit: int
    ) -> None:
        self.store = store
        self.tba = tba
        self.governance = Governance(concurrency_limit)
        self.tokens = TokenService(oauth2, store)


def create_app(sandbox: Sandbox) -> WsgiApp:
    app = Flask(__name__)
    app.extensions["netsuite_sandbox"] = sandbox
    app.register_blueprint(rest)
    app.register_blueprint(control)

    @app.errorhandler(NetSuiteError)
    def _netsuite_error(exc: NetSuiteError) -> Response:
        response = _json(
            exc.body(), exc.status, "application/vnd.oracle.resource+json; type=error; charset=UTF-8"
        )
        if isinstance(exc, jobs.IdempotencyConflict):
            response.headers["Preference-Applied"] = "respond-async"
            response.headers["Location"] = jobs.job_location(exc.job_id)
        return response

    @app.errorhandler(404)
    def _not_found(exc: Exception) -> Response:
        return _json(error_body(404, "NONEXISTENT_ID", f"No such resource: {request.path}"), 404)

    @app.errorhandler(405)
    def _not_allowed(exc: Exception) -> Response:
        return _json(
            error_body(405, "INVALID_PARAMETER", f"{request.method} is not allowed on {request.path}"), 405
        )

    # Async jobs run their request through the app behind the gate: it was authenticated when submitted.
    app.extensions["netsuite_sandbox_inner"] = app.wsgi_app
    gate = RestGate(app.wsgi_app, sandbox.governance, TbaVerifier(sandbox.tba), sandbox.tokens)
    app.wsgi_app = gate  # type: ignore[method-assign]
    return app


@rest.before_request
def _respond_async() -> Response | None:
    """Prefer: respond-async on a record or SuiteQL request: run it as a job, answer 202 + its Location."""
    if "respond-async" not in request.headers.get("Prefer", "").lower():
        return None
    if not request.path.startswith((REST_PREFIX + "/record/", REST_PREFIX + "/query/")):
        return None  # job status routes and the rest answer synchronously
    environ = dict(request.environ)
    environ["HTTP_PREFER"] = ",".join(
        p for p in environ.get("HTTP_PREFER", "").split(",") if p.strip().lower() != "respond-async"
    )
    body = request.get_data(cache=True)
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    inner = current_app.extensions["netsuite_sandbox_inner"]
    key = request.headers.get(jobs.IDEMPOTENCY_HEADER) or None
    sandbox = _sandbox()
    delay = sandbox.governance.config.async_delay_ms / 1000
    job_id = jobs.submit(
        sandbox.store, request.method, request.full_path, key, lambda: jobs.run_inner(inner, environ), delay
    )
    response = Response(status=202, content_type="application/json")
    response.headers["Preference-Applied"] = "respond-async"
    response.headers["Location"] = jobs.job_location(job_id)
    return response


def _sandbox() -> Sandbox:
    value: Sandbox = current_app.extensions["netsuite_sandbox"]
    return value


def _json(body: Any, status: int = 200, content_type: str = "application/json") -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, content_type=content_type)


def _base_url() -> str:
    """Links use the host the client called, as NetSuite's use the account's own domain."""
    return request.host_url.rstrip("/") + REST_PREFIX


def _body(empty: Any = None) -> Any:
    """The JSON body; an empty one is refused unless the route accepts `empty` instead."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        if empty is not None:
            return empty
        raise invalid_parameter("The request body is empty; send a JSON object.")
    try:
        return json.loads(raw, parse_float=Decimal)
    except ValueError as exc:
        raise invalid_parameter(f"The request body is not valid JSON: {exc}.") from exc


def _record_type(name: str) -> RecordType:
    record = lookup_type(name)
    if record is None:
        raise NetSuiteError(404, "NONEXISTENT_ID", f"Record type '{name}' does not exist.")
    return record


def _writable_type(name: str) -> RecordType:
    record = _record_type(name)
    if record.name in READ_ONLY_TYPES:
        raise periods.read_only(record.name)
    return record


def _replace() -> set[str]:
    return {name.strip() for name in request.args.get("replace", "").split(",") if name.strip()}


def _names() -> NameCheck:
    return NameCheck.from_header(request.headers.get(NAME_VALIDATION_HEADER))


def _no_content(record: RecordType, record_id: int, names: NameCheck | None = None) -> Response:
    response = Response(status=204)
    response.headers["Location"] = records.record_url(_base_url(), record.name, record_id)
    warning = names.warning() if names is not None else None
    if warning is not None:
        response.headers[WARNING_HEADER] = warning
    return response


def _paging() -> tuple[int, int]:
    try:
        limit = int(request.args.get("limit", MAX_PAGE))
        offset = int(request.args.get("offset", 0))
    except ValueError as exc:
        raise invalid_parameter("limit and offset must be integers.") from exc
    if not 1 <= limit <= MAX_PAGE:
        raise invalid_parameter(
            f"Invalid value for parameter limit: {limit}. It must be 1 to {MAX_PAGE}.", "limit"
        )
    if offset < 0:
        raise invalid_parameter("Invalid value for parameter offset: it must not be negative.", "offset")
    return limit, offset


# ---------------------------------------------------------------- records


@rest.get("/record/v1/metadata-catalog")
@rest.get("/record/v1/metadata-catalog/")
def metadata_catalog() -> Response:
    base = _base_url()
    items = [
        {
            "name": name,
            "links": [
                {"rel": "canonical", "href": f"{base}/record/v1/{name}"},
                {"rel": "describedby", "href": f"{base}/record/v1/metadata-catalog/{name}"},
            ],
        }
        for name in RECORD_TYPES
    ]
    return _json({"links": [{"rel": "self", "href": f"{base}/record/v1/metadata-catalog"}], "items": items})


_JSON_TYPES = {
    "string": "string",
    "bool": "boolean",
    "decimal": "number",
    "integer": "integer",
    "date": "string",
    "datetime": "string",
    "ref": "object",
    "enum": "object",
    "sublist": "object",
    "unsupported": "object",
}


def _schema_of(fields: dict[str, Field]) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for name, spec in fields.items():
        prop: dict[str, Any] = {"type": _JSON_TYPES[spec.kind], "title": spec.title or name, "nullable": True}
        if spec.kind in ("date", "datetime"):
            prop["format"] = "date" if spec.kind == "date" else "date-time"
        if spec.readonly:
            prop["readOnly"] = True
        if spec.kind == "ref":
            prop["x-ns-record-type"] = spec.target
        if spec.choices:
            prop["enum"] = list(spec.choices)
        if name.startswith(("custentity", "custbody")):
            prop["x-ns-custom-field"] = True
        if spec.sublist is not None:
            prop["properties"] = {
                "items": {
                    "type": "array",
                    "items": {"type": "object", "properties": _schema_of(spec.sublist.fields)},
                }
            }
            if spec.sublist.key:
                prop["x-ns-sublist-key"] = spec.sublist.key
        properties[name] = prop
    return properties


@rest.get("/record/v1/metadata-catalog/<name>")
def metadata(name: str) -> Response:
    record = _record_type(name)
    schema = {
        "$schema": "http://json-schema.org/draft-06/hyper-schema#",
        "type": "object",
        "title": record.label,
        "properties": _schema_of(record.fields),
    }
    return _json(schema, content_type="application/schema+json")


@rest.get("/record/v1/<name>")
def list_records(name: str) -> Response:
    record = _record_type(name)
    limit, offset = _paging()
    q = request.args.get("q")
    base = _base_url()
    with _sandbox().store.read() as conn:
        ids = [
            int(r[0])
            for r in conn.execute("SELECT id FROM _record WHERE type = ? ORDER BY id", (record.name,))
        ]
        if q:
            matches = qfilter.matcher(qfilter.parse(q, record))
            ids = [i for i in ids if matches(_filter_view(conn, record, i))]
    window = ids[offset : offset + limit]
    collection = f"{base}/record/v1/{record.name}"
    suffix = f"&{urlencode({'q': q})}" if q else ""

    def href(at: int) -> str:
        return f"{collection}?limit={limit}&offset={at}{suffix}"

    links = [{"rel": "self", "href": href(offset)}]
    if offset > 0:
        links.append({"rel": "previous", "href": href(max(0, offset - limit))})
    if offset + limit < len(ids):
        links.append({"rel": "next", "href": href(offset + limit)})
    last = ((len(ids) - 1) // limit) * limit if ids else 0
    links += [{"rel": "first", "href": href(0)}, {"rel": "last", "href": href(last)}]
    items = [{"links": [{"rel": "self", "href": f"{collection}/{i}"}], "id": str(i)} for i in window]
    body = {
        "links": links,
        "count": len(items),
        "hasMore": offset + len(items) < len(ids),
        "items": items,
        "offset": offset,
        "totalResults": len(ids),
    }
    return _json(body, content_type=COLLECTION)


def _filter_view(conn: Any, record: RecordType, record_id: int) -> dict[str, Any]:
    stored = load_record(conn, record.family, record_id)
    return {} if stored is None else records.view_of(conn, stored)


@rest.post("/record/v1/<name>")
def create_record(name: str) -> Response:
    record = _writable_type(name)
    names = _names()
    body = _body()
    with _sandbox().store.write() as conn:
        record_id = writes.create(conn, record, body, names)
    return _no_content(record, record_id, names)


@rest.post("/record/v1/<name>/<key>/!transform/<target>")
def transform_record(name: str, key: str, target: str) -> Response:
    source = _writable_type(name)
    names = _names()
    body = _body(empty={})
    with _sandbox().store.write() as conn:
        made, record_id = transforms.transform(conn, source, key, target, body, _replace(), names)
    return _no_content(made, record_id, names)


@rest.get("/record/v1/<name>/<key>")
def get_record(name: str, key: str) -> Response:
    record = _record_type(name)
    expand = request.args.get("expandSubResources", "false").lower() == "true"
    fields_arg = request.args.get("fields")
    fields = {f.strip() for f in fields_arg.split(",") if f.strip()} if fields_arg else None
    with _sandbox().store.read() as conn:
        stored = writes.find_or_404(conn, record, key)
        body = records.render(conn, stored, _base_url(), expand, fields)
    return _json(body, content_type=SINGULAR)


@rest.get("/record/v1/<name>/<key>/<sublist>")
def get_sublist(name: str, key: str, sublist: str) -> Response:
    record = _record_type(name)
    spec = record.fields.get(sublist)
    if spec is None or spec.sublist is None:
        raise nonexistent_id(record.name, f"{key}/{sublist}")
    with _sandbox().store.read() as conn:
        stored = writes.find_or_404(conn, record, key)
        view = records.view_of(conn, stored, prefill=True)
        href = f"{records.record_url(_base_url(), record.name, stored.id)}/{sublist}"
        body = records.render_lines(conn, spec.sublist, view.get(sublist) or [], _base_url(), href)
    return _json(body, content_type=COLLECTION)


@rest.patch("/record/v1/<name>/<key>")
def patch_record(name: str, key: str) -> Response:
    record = _writable_type(name)
    names = _names()
    body = _body()
    with _sandbox().store.write() as conn:
        record_id = writes.update(conn, record, key, body, _replace(), names)
    return _no_content(record, record_id, names)


@rest.put("/record/v1/<name>/<key>")
def put_record(name: str, key: str) -> Response:
    record = _writable_type(name)
    names = _names()
    body = _body()
    with _sandbox().store.write() as conn:
        record_id, _created = writes.upsert(conn, record, key, body, _replace(), names)
    return _no_content(record, record_id, names)


@rest.delete("/record/v1/<name>/<key>")
def delete_record(name: str, key: str) -> Response:
    record = _writable_type(name)
    with _sandbox().store.write() as conn:
        writes.delete(conn, record, key)
    return Response(status=204)


# ---------------------------------------------------------------- asynchronous jobs


def _job(job_id: int) -> jobs.Job:
    # Read beside the writer (WAL), not behind the store's lock: NetSuite answers a job's status while the
    # job runs; behind the lock a client polling a long job (a 10,000-line deposit) waits and times out.
    with closing(sqlite3.connect(f"file:{_sandbox().store.path}?mode=ro", uri=True)) as conn:
        conn.row_factory = sqlite3.Row
        job = jobs.load(conn, job_id)
    if job is None:
        raise NetSuiteError(404, "NONEXISTENT_ID", f"The job {job_id} does not exist.")
    return job


def _task(job_id: int, task_id: int) -> jobs.Job:
    job = _job(job_id)
    if task_id != job.id:
        raise NetSuiteError(404, "NONEXISTENT_ID", f"The task {task_id} of job {job_id} does not exist.")
    return job


@rest.get("/async/v1/job/<int:job_id>")
def async_job(job_id: int) -> Response:
    return _json(jobs.job_document(_base_url(), _job(job_id)), content_type=SINGULAR)


@rest.get("/async/v1/job/<int:job_id>/task")
@rest.get("/async/v1/job/<int:job_id>/task/")
def async_tasks(job_id: int) -> Response:
    return _json(jobs.tasks_document(_base_url(), _job(job_id)), content_type=COLLECTION)


@rest.get("/async/v1/job/<int:job_id>/task/<int:task_id>")
def async_task(job_id: int, task_id: int) -> Response:
    return _json(jobs.task_document(_base_url(), _task(job_id, task_id)), content_type=SINGULAR)


@rest.get("/async/v1/job/<int:job_id>/task/<int:task_id>/result")
def async_result(job_id: int, task_id: int) -> Response:
    """The answer the request would have had synchronously (204 + Location for a write)."""
    job = _task(job_id, task_id)
    if job.status is None:
        raise invalid_parameter(f"The job {job_id} has not completed yet.")
    response = Response(job.body, status=job.status)
    for name, value in job.headers:
        response.headers[name] = value
    return response


# ---------------------------------------------------------------- SuiteQL, governance, OAuth 2.0


@rest.post("/query/v1/suiteql")
def suiteql_query() -> Response:
    limit, offset = _paging()
    body = _body()
    query = body.get("q") if isinstance(body, dict) else None
    if not isinstance(query, str) or not query.strip():
        raise invalid_parameter('The body must be {"q": "SELECT ..."}.', "q")
    conn = _sandbox().store.query_connection(suiteql.prepare_connection)
    base = _base_url() + "/query/v1/suiteql"
    page = suiteql.page(conn, query, limit, offset, f"{base}?limit={limit}&offset={offset}", base)
    return _json(page, content_type=COLLECTION)


@rest.get("/system/v1/governanceLimits")
def governance_limits() -> Response:
    limit = _sandbox().governance.config.concurrency_limit
    return _json({"accountConcurrencyLimit": limit, "accountUnallocatedConcurrencyLimit": limit})


@rest.post("/auth/oauth2/v1/token")
def oauth2_token() -> Response:
    try:
        body = _sandbox().tokens.issue(request.form.to_dict(), request.base_url)
    except OAuth2Error as exc:
        return _json(exc.body(), exc.status)
    return _json(body)


# ---------------------------------------------------------------- control routes (no auth)


@control.get("/stats")
def stats() -> Response:
    return _json(_sandbox().governance.stats())


@control.post("/stats/reset")
def stats_reset() -> Response:
    _sandbox().governance.reset_stats()
    return _json(_sandbox().governance.stats())


@control.get("/config")
def get_config() -> Response:
    return _json(_sandbox().governance.stats()["config"])


@control.post("/config")
def set_config() -> Response:
    changes = request.get_json(silent=True)
    if not isinstance(changes, dict):
        return _json({"error": "send a JSON object of settings"}, 400)
    try:
        return _json(_sandbox().governance.configure(changes))
    except ConfigValueError as exc:
        return _json({"error": str(exc)}, 400)


@control.post("/reset")
def reset() -> Response:
    """Wipe every record; {"seed": true} seeds the standard data again."""
    options = request.get_json(silent=True) or {}
    sandbox = _sandbox()
    sandbox.store.wipe()
    if options.get("seed"):
        seed.seed(sandbox.store)
    return _json({"reset": True, "seeded": bool(options.get("seed"))})


@control.post("/seed")
def seed_route() -> Response:
    """Seed the standard data if empty; optionally add many customers/invoices for paging tests."""
    options = request.get_json(silent=True) or {}
    try:
        customers = int(options.get("scale_customers", 0))
        invoices = int(options.get("scale_invoices", 0))
    except (TypeError, ValueError):
        return _json({"error": "scale_customers and scale_invoices must be integers"}, 400)
    store = _sandbox().store
    seeded = seed.seed(store) if store.is_empty() else False
    added = seed.scale(store, customers, invoices)
    return _json({"seeded": seeded, **added})


@control.get("/periods")
def get_periods() -> Response:
    """Every accounting period and the two accounting preferences that decide closed-period writes."""
    with _sandbox().store.read() as conn:
        return _json({"periods": periods.list_periods(conn), "preferences": periods.preferences(conn)})


@control.post("/periods/close")
def close_period() -> Response:
    """What NetSuite's Manage Accounting Periods page does: {"period": id | name | date, "closed": true,
    "arLocked": ..., "apLocked": ..., "allLocked": ..., "allowNonGLChanges": ...}; closing locks too."""
    options = request.get_json(silent=True)
    if not isinstance(options, dict) or "period" not in options:
        return _json({"error": 'send {"period": <id, name or date>, "closed": true}'}, 400)
    changes = {k: v for k, v in options.items() if k != "period"} or {"closed": True}
    try:
        with _sandbox().store.write() as conn:
            changed = periods.set_flags(conn, options["period"], changes)
    except periods.ControlError as exc:
        return _json({"error": str(exc)}, 400)
    return _json({"periods": changed})


@control.post("/periods/preferences")
def period_preferences() -> Response:
    """The accounting preferences for a transaction dated in a closed period (see periods.py)."""
    changes = request.get_json(silent=True)
    if not isinstance(changes, dict):
        return _json({"error": "send a JSON object of preferences"}, 400)
    try:
        with _sandbox().store.write() as conn:
            return _json(periods.set_preferences(conn, changes))
    except periods.ControlError as exc:
        return _json({"error": str(exc)}, 400)


@control.get("/requests")
def recent_requests() -> Response:
    limit = request.args.get("limit", 100, type=int) or 100
    return _json({"requests": _sandbox().governance.recent(limit)})


@control.get("/health")
def health() -> Response:
    return _json({"ok": True})
