"""The Finance view in a real Airflow (api-server + plugins/finance_view.py) through chromium: a signed-in
user finds the report of the run the test triggered, by the nav entry and by the run's note; signed out,
refused. And the REST API refuses runs whose params break the DAGs' Param schemas.

The run is `airflow dags test netsuite_deposits` on an empty ledger (nothing to deposit, so no sandbox is
needed): it writes its report (a RunReport row and files) and the run-notes listener its note.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.airflow_server import USER, AirflowServer, running_airflow

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def airflow(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AirflowServer]:
    with running_airflow(tmp_path_factory.mktemp("finance-view")) as server:
        yield server


@pytest.fixture(scope="module")
def triggered(airflow: AirflowServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One netsuite_deposits run, finished; its DagRun as the REST API shows it."""
    started = time.monotonic()
    process = airflow.dags_test("netsuite_deposits", log=tmp_path_factory.mktemp("logs") / "dags-test.log")
    assert process.wait(timeout=600) == 0
    airflow.timings["dags_test_s"] = time.monotonic() - started
    runs = airflow.api().get(f"{airflow.url}/api/v2/dags/netsuite_deposits/dagRuns").json()["dag_runs"]
    assert len(runs) == 1 and runs[0]["state"] == "success", runs
    return dict(runs[0])


def test_anonymous_requests_are_refused(airflow: AirflowServer, triggered: dict[str, Any]) -> None:
    rows = airflow.api().get(f"{airflow.url}/finance/api/reports").json()
    report = rows[0]
    for path in ("/finance/", "/finance/api/reports", f"/finance/{report['href']}",
                 f"/finance/{report['files'][0][1]}", "/finance/run/netsuite_deposits/x"):  # fmt: skip
        answer = requests.get(f"{airflow.url}{path}", timeout=30)
        assert answer.status_code == 401, (path, answer.status_code)
        assert "deposited" not in answer.text and triggered["dag_run_id"] not in answer.text
    bad = requests.get(f"{airflow.url}/finance/", cookies={"_token": "forged"}, timeout=30)
    assert bad.status_code in (401, 403)


def sign_in(page: Any, airflow: AirflowServer) -> None:
    """Open the Finance view signed out, follow its sign-in link, sign in: back on the view."""
    page.goto(f"{airflow.url}/finance/")
    assert "Sign in to Airflow" in page.content()
    page.get_by_role("link", name="Sign in").click()
    page.locator("input[name='username']").fill(USER)
    page.locator("input[name='password']").fill(airflow.password)
    page.locator("button[type='submit']").click()
    page.wait_for_url(re.compile(r"/finance/"), timeout=60_000)  # back where the user was going


@pytest.fixture(scope="module")
def daily(airflow: AirflowServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One finance_reports run (the daily finance report, with charts, CSV and XLSX), finished."""
    process = airflow.dags_test("finance_reports", log=tmp_path_factory.mktemp("logs") / "daily.log")
    assert process.wait(timeout=600) == 0
    runs = airflow.api().get(f"{airflow.url}/api/v2/dags/finance_reports/dagRuns").json()["dag_runs"]
    assert len(runs) == 1 and runs[0]["state"] == "success", runs
    return dict(runs[0])


def test_the_daily_finance_report_opens_with_its_page_and_workbook(
    airflow: AirflowServer, daily: dict[str, Any], page: Any, shot: Callable[[Any, str], Path]
) -> None:
    sign_in(page, airflow)
    row = page.locator("tr", has_text=daily["dag_run_id"])
    row.get_by_role("link", name="finance_daily").click()
    report = page.frame_locator("iframe[title='report']")
    report.get_by_role("heading", level=1).wait_for(timeout=30_000)  # the report's own page, in the view
    assert report.get_by_role("heading", level=1).inner_text().startswith("Finance report")
    shot(page, "daily-report")
    with page.expect_download() as download:
        page.get_by_role("link", name="report.xlsx").click()
    assert Path(download.value.path()).read_bytes()[:2] == b"PK"  # an XLSX is a zip


@pytest.mark.parametrize(("dag_id", "conf"), [
    ("netsuite_payments", {"since": "yesterday"}),
    ("netsuite_payments", {"stripe_ids": ["ch_1'; DROP TABLE x"]}),
    ("stripe_sync", {"resources": ["charges", "nope"]}),
    ("netsuite_deposits", {"payout_ids": ["ch_1NotAPayout"]}),
], ids=str)  # fmt: skip
def test_the_rest_api_refuses_a_run_with_bad_params(
    airflow: AirflowServer, triggered: dict[str, Any], dag_id: str, conf: dict[str, Any]
) -> None:
    api = airflow.api()
    runs_url = f"{airflow.url}/api/v2/dags/{dag_id}/dagRuns"
    answer = api.post(runs_url, json={"logical_date": None, "conf": conf}, timeout=60)
    assert answer.status_code == 400, answer.text
    runs = [run["dag_run_id"] for run in api.get(runs_url, timeout=60).json()["dag_runs"]]
    assert runs == ([triggered["dag_run_id"]] if dag_id == "netsuite_deposits" else [])  # none created


def test_a_signed_in_user_finds_the_report_of_the_triggered_run(
    airflow: AirflowServer, triggered: dict[str, Any], browser: Any, page: Any,
    shot: Callable[[Any, str], Path],
) -> None:  # fmt: skip
    run_id = triggered["dag_run_id"]
    # The run's note, in the grid, links to its report in the Finance view.
    assert "[Report in the Finance view](" in (triggered["note"] or ""), triggered["note"]

    started = time.monotonic()
    sign_in(page, airflow)
    assert run_id in page.content()
    airflow.timings["sign_in_to_list_s"] = time.monotonic() - started

    # The nav entry: Airflow's UI shows the view in its own frame.
    page.goto(f"{airflow.url}/plugin/finance")
    frame = page.frame_locator("iframe[title='Finance']")
    # The run has two reports (the DAG's own and its finance report), each row linking the run.
    frame.get_by_role("link", name=run_id).first.wait_for(timeout=60_000)
    frame.get_by_role("link", name="netsuite_deposits", exact=True).first.click()
    frame.get_by_text("netsuite_deposits: deposited 0, unchanged 0, blocked 0").first.wait_for()
    shot(page, "report-in-airflow")

    # The note's link (what the grid shows) opens the run's report.
    link = re.search(r"\((http[^)]+)\)", triggered["note"]).group(1)  # type: ignore[union-attr]
    page.goto(link)
    # The run's page shows its newest report (the finance report, written last) and links its others.
    page.get_by_role("link", name=re.compile(r"^netsuite_deposits · ")).first.click()
    page.wait_for_load_state()
    assert "netsuite_deposits: deposited 0" in page.content()
    csv_or_json = page.get_by_role("link", name=re.compile(r"\.json$")).first
    with page.expect_download() as download:
        csv_or_json.click()
    assert b'"run_id"' in Path(download.value.path()).read_bytes()

    # Signed out (the session cookie gone), the same pages are refused.
    page.context.clear_cookies()
    answer = page.goto(link)
    assert answer is not None and answer.status == 401
    assert "netsuite_deposits: deposited" not in page.content()
    print("timings", airflow.timings)
