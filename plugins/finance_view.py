"""Airflow plugin: the "Finance" view, the connector's reports by day and run, inside Airflow's UI and login.

Airflow 3 plugins add UI with a FastAPI app mounted on the api-server (`fastapi_apps`) and a nav entry that
shows a page of it in the UI (`external_views`). Airflow does not authenticate a plugin's app (a Starlette
mount inherits none of the core API's dependencies), so every route here asks for the caller with Airflow's
own `GetUserDep` (the UI's `_token` cookie or a bearer token) and shows a report only when the auth manager
lets that user read runs of the report's DAG. An anonymous request gets 401 and a link to Airflow's login.

Every report of the connector is a RunReport row (stripe_netsuite.reports.run_reports) whose `path` is its
Markdown file. The rows are the index: they carry the DAG id the authorization needs, and the run reports of
stripe_sync, netsuite_payments, netsuite_deposits and ledger_audit have no folder of their own. A finance
report's files (HTML with charts, CSV, XLSX, JSON) are what stripe_netsuite.reports.files lists for it.
"""

from __future__ import annotations

import mimetypes
import re
from collections import defaultdict
from datetime import date
from html import escape as html_escape
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from airflow.api_fastapi.app import get_auth_manager
from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity, DagDetails
from airflow.api_fastapi.core_api.security import GetUserDep
from airflow.plugins_manager import AirflowPlugin
from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from jinja2 import Environment
from markdown_it import MarkdownIt
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

__all__ = ["FinanceViewPlugin", "app", "report_link"]

URL_PREFIX = "/finance"
# Files a report may have beside its Markdown; anything else in a folder is never served.
SERVED_SUFFIXES = {".html", ".md", ".json", ".csv", ".xlsx", ".svg"}
# A report file is served from Airflow's own origin, where a script could act with the reader's session: no
# file may run one, whatever it holds (the HTML's own meta policy says the same; an SVG has none).
FILE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
LISTED = 500  # newest reports on the index page
# Readers of this DAG's runs may read the daily reports (a daily report is of no one DAG run).
DAILY_DAG = "finance_reports"

# Report text quotes NetSuite's and Stripe's messages: raw HTML in it is shown as text, never rendered.
_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")
_templates = Environment(autoescape=True)

_PAGE = _templates.from_string("""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title>
<style>
 body{font:14px/1.45 system-ui,sans-serif;margin:1.5rem;color:#1f2933}h1{font-size:1.4rem}
 table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #d9dee3;padding:.3rem .6rem;
 text-align:left;vertical-align:top}th{background:#f4f6f8}h2{margin-top:2rem}.muted{color:#66727f}
 .note{max-width:60rem}
</style></head><body>
<nav><a href="{{ root }}">Finance reports</a></nav>
<h1>{{ title }}</h1>
{{ body }}
</body></html>""")

_INDEX = _templates.from_string("""
{% if not days %}<p class="muted">No reports yet{% if problem %} ({{ problem }}){% endif %}.
The DAGs write one per run.</p>{% endif %}
{% for day, reports in days %}
<h2 id="day-{{ day }}">{{ day }}</h2>
<table><tr><th>time (UTC)</th><th>DAG</th><th>run</th><th>report</th><th>summary</th><th>files</th></tr>
{% for r in reports %}<tr>
 <td>{{ r.time }}</td><td>{{ r.dag_id }}</td>
 <td><a href="{{ r.run_page }}" target="_top">{{ r.run_id }}</a></td>
 <td><a href="{{ r.href }}">{{ r.kind }}</a></td>
 <td class="note">{{ r.note }}</td>
 <td>{% for name, href in r.files %}<a href="{{ href }}">{{ name }}</a> {% endfor %}</td>
</tr>{% endfor %}
</table>
{% endfor %}""")

_REPORT = _templates.from_string("""
<p class="muted">{{ dag_id }} · run {{ run_id }} · {{ kind }} · written {{ written }} UTC</p>
<p>Files: {% for name, href in files %}<a href="{{ href }}">{{ name }}</a> {% endfor %}</p>
{{ content }}""")

app = FastAPI(title="Finance reports", docs_url=None, redoc_url=None, openapi_url=None)


def _page(title: str, body: str, root: str, status: int = 200) -> HTMLResponse:
    from markupsafe import Markup

    return HTMLResponse(_PAGE.render(title=title, body=Markup(body), root=root), status_code=status)


@app.exception_handler(StarletteHTTPException)
async def _refused(request: Request, error: StarletteHTTPException) -> Response:
    """401/403 as a page with a way to sign in (the browser), or JSON (an API client)."""
    if "text/html" not in request.headers.get("accept", ""):
        return JSONResponse({"detail": error.detail}, status_code=error.status_code)
    if error.status_code in (401, 403):
        login = get_auth_manager().get_url_login(next_url=str(request.url))
        why = ("Sign in to Airflow to see the finance reports." if error.status_code == 401
               else "Your Airflow user may not read these reports.")  # fmt: skip
        body = f'<p>{why}</p><p><a href="{html_escape(login)}">Sign in</a></p>'
        return _page("Finance reports", body, f"{URL_PREFIX}/", error.status_code)
    detail = f"<p>{html_escape(str(error.detail))}</p>"
    return _page("Finance reports", detail, f"{URL_PREFIX}/", error.status_code)


def _may_read(user: Any, dag_id: str | None) -> bool:
    details = DagDetails(id=dag_id or DAILY_DAG)
    return bool(get_auth_manager().is_authorized_dag(
        method="GET", access_entity=DagAccessEntity.RUN, details=details, user=user
    ))  # fmt: skip


def _rows(**where: Any) -> list[Any]:
    from stripe_netsuite.store import get_engine
    from stripe_netsuite.store.engine import session_scope
    from stripe_netsuite.store.pipeline import RunReport

    query = select(RunReport)
    for column, value in where.items():
        query = query.where(getattr(RunReport, column) == value)
    with session_scope(get_engine()) as session:
        rows = list(session.scalars(query.order_by(RunReport.id.desc()).limit(LISTED)))
        session.expunge_all()
    return rows


def report_files(markdown_path: str | None) -> dict[str, Path]:
    """The files of one report, by name, only under the reports directory: a finance report's folder as
    stripe_netsuite.reports lists it (`list_reports`, each file resolved by its `report_file`), else the
    report's Markdown and the files of the same name beside it (`<run>.md`, `<run>.json`)."""
    if not markdown_path:
        return {}
    from stripe_netsuite.reports.files import finance_root, list_reports, report_file
    from stripe_netsuite.validation.paths import reports_root

    root = reports_root().resolve()
    markdown = Path(markdown_path).resolve()
    if not markdown.is_relative_to(root) or not markdown.parent.is_dir():
        return {}
    if markdown.is_relative_to(finance_root().resolve()):
        day, name = markdown.parent.parent.name, markdown.parent.name
        try:
            entries = list_reports(day=date.fromisoformat(day))
        except ValueError:
            return {}
        files = next((entry.files for entry in entries if entry.name == name), ())
        return {file: path for file in files if (path := report_file(day, name, file)) is not None}
    found = {
        path.name: path
        for path in markdown.parent.iterdir()
        if path.suffix in SERVED_SUFFIXES and path.is_file() and path.stem == markdown.stem
    }
    return dict(sorted(found.items(), key=lambda item: (item[0] != f"{markdown.stem}.html", item[0])))


def report_link(dag_id: str, run_id: str, base_url: str = "") -> str:
    """The Finance view's page of a run's reports (what a DAG run's note links to)."""
    return f"{base_url.rstrip('/')}{URL_PREFIX}/run/{quote(dag_id, safe='')}/{quote(run_id, safe='')}"


# A run note ends with "Report: <path on the Airflow host>"; the view links the files instead, and a server
# path means nothing to a reader in the browser (and tells them how the host is laid out).
_REPORT_PATH = re.compile(r"\s*Report: \S+\s*$")


def _listing(row: Any, prefix: str) -> dict[str, Any]:
    note = _REPORT_PATH.sub("", str((row.summary or {}).get("note") or ""))
    return {
        "id": row.id, "dag_id": row.dag_id, "run_id": row.run_id, "kind": row.kind,
        "time": f"{row.created_at:%H:%M:%S}", "day": row.created_at.date().isoformat(),
        "note": note if len(note) <= 300 else note[:297] + "...",
        "href": f"{prefix}report/{row.id}",
        "run_page": f"{prefix}../dags/{quote(row.dag_id, safe='')}/runs/{quote(row.run_id, safe='')}",
        "files": [(name, f"{prefix}report/{row.id}/{quote(name)}") for name in report_files(row.path)],
    }  # fmt: skip


def _readable(user: Any, rows: list[Any]) -> list[Any]:
    allowed: dict[str | None, bool] = {}
    for row in rows:
        if row.dag_id not in allowed:
            allowed[row.dag_id] = _may_read(user, row.dag_id)
    return [row for row in rows if allowed[row.dag_id]]


@app.get("/", response_class=HTMLResponse)
def index(user: GetUserDep, day: Annotated[date | None, Query()] = None,
          dag_id: Annotated[str | None, Query(max_length=250)] = None) -> HTMLResponse:  # fmt: skip
    """Reports by day (newest first), each with its DAG, run, summary and files."""
    problem = ""
    try:
        rows = _readable(user, _rows(**({"dag_id": dag_id} if dag_id else {})))
    except SQLAlchemyError:  # no state DB yet (never migrated): nothing to list, say so
        rows, problem = [], "the connector's state DB is not reachable or not migrated"
    days: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        entry = _listing(row, "")
        if day is None or entry["day"] == day.isoformat():
            days[entry["day"]].append(entry)
    body = _INDEX.render(days=sorted(days.items(), reverse=True), problem=problem)
    return _page("Finance reports", body, "./")


@app.get("/api/reports")
def reports_json(
    user: GetUserDep,
    dag_id: Annotated[str | None, Query(max_length=250)] = None,
    run_id: Annotated[str | None, Query(max_length=250)] = None,
) -> list[dict[str, Any]]:
    """The same listing as JSON (newest first); links relative to the view's root."""
    where = {key: value for key, value in (("dag_id", dag_id), ("run_id", run_id)) if value}
    return [_listing(row, "") for row in _readable(user, _rows(**where))]


def _row(user: Any, report_id: int) -> Any:
    rows = _rows(id=report_id)
    if not rows:
        raise HTTPException(404, "No such report")
    if not _may_read(user, rows[0].dag_id):
        raise HTTPException(403, "Your Airflow user may not read the runs of this report's DAG")
    return rows[0]


@app.get("/run/{dag_id}/{run_id}", response_class=HTMLResponse)
def run_reports(user: GetUserDep, dag_id: str, run_id: str) -> HTMLResponse:
    """The reports of one DAG run (where its note links): the newest shown, the others listed."""
    if not _may_read(user, dag_id):
        raise HTTPException(403, "Your Airflow user may not read the runs of this DAG")
    rows = _rows(dag_id=dag_id, run_id=run_id)
    if not rows:
        raise HTTPException(404, f"No report of {dag_id} run {run_id} yet")
    return _render(rows[0], "../../", others=rows[1:])


@app.get("/report/{report_id}", response_class=HTMLResponse)
def report(user: GetUserDep, report_id: int) -> HTMLResponse:
    """One report: its HTML (with charts) when it has one, else its Markdown rendered."""
    return _render(_row(user, report_id), "../")


def _render(row: Any, prefix: str, others: list[Any] | None = None) -> HTMLResponse:
    files = report_files(row.path)
    html = next((path for name, path in files.items() if name.endswith(".html")), None)
    markdown = Path(row.path) if row.path and Path(row.path).name in files else None
    if html is not None:
        content = f'<iframe src="{prefix}report/{row.id}/{quote(html.name)}" title="report" ' \
                  'style="width:100%;height:80vh;border:0"></iframe>'  # fmt: skip
    elif markdown is not None:
        content = _markdown.render(markdown.read_text(encoding="utf-8"))
    else:
        content = _markdown.render(str((row.summary or {}).get("note") or "The report's files are gone."))
    from markupsafe import Markup

    body = _REPORT.render(
        dag_id=row.dag_id, run_id=row.run_id, kind=row.kind, written=f"{row.created_at:%Y-%m-%d %H:%M:%S}",
        files=[(name, f"{prefix}report/{row.id}/{quote(name)}") for name in files], content=Markup(content),
    )  # fmt: skip
    if others:
        body += "<h2>Earlier reports of this run</h2><ul>" + "".join(
            f'<li><a href="{prefix}report/{o.id}">{o.kind} · {o.created_at:%Y-%m-%d %H:%M:%S}</a></li>'
            for o in others
        ) + "</ul>"
    return _page(f"{row.dag_id} · {row.run_id}", body, prefix)


@app.get("/report/{report_id}/{filename}")
def report_file(user: GetUserDep, report_id: int, filename: str) -> FileResponse:
    """One file of a report (HTML inline; CSV, XLSX, JSON, Markdown as downloads)."""
    path = report_files(_row(user, report_id).path).get(filename)
    if path is None:
        raise HTTPException(404, "No such file in this report")
    media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    inline = path.suffix in (".html", ".svg")
    return FileResponse(
        path, media_type=media, filename=None if inline else path.name,
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store",
                 "Content-Security-Policy": FILE_POLICY},
    )  # fmt: skip


class FinanceViewPlugin(AirflowPlugin):
    name = "finance_view"
    fastapi_apps = [{"app": app, "url_prefix": URL_PREFIX, "name": "Finance reports"}]
    # A nav entry; the UI shows the app's index in its own frame at /plugin/finance (relative href: it
    # follows Airflow's base URL behind a proxy).
    external_views = [
        {"name": "Finance", "href": "finance/", "url_route": "finance", "destination": "nav",
         "nav_top_level": True},
        # A tab on every DAG run: its reports (the UI fills in the run's DAG and id).
        {"name": "Finance report", "href": "finance/run/{DAG_ID}/{RUN_ID}", "url_route": "finance-report",
         "destination": "dag_run"},
    ]  # fmt: skip
