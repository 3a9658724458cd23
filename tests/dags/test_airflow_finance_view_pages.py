"""The Finance view's pages on hostile report content and URLs (FastAPI's test client, the caller's identity
and permission stubbed; the real sign-in and refusal are tests/e2e/test_airflow_finance_view.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

HOSTILE = "<script>alert(1)</script> [click](javascript:alert(2)) <img src=x onerror=alert(3)>"


@pytest.fixture
def client(state_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    import finance_view
    from airflow.api_fastapi.core_api.security import get_user
    from fastapi.testclient import TestClient

    from stripe_netsuite.store import migrate

    migrate(state_db)
    monkeypatch.setattr(finance_view, "_may_read", lambda user, dag_id: dag_id != "secret_dag")
    finance_view.app.dependency_overrides[get_user] = lambda: object()
    try:
        yield TestClient(finance_view.app)
    finally:
        finance_view.app.dependency_overrides.clear()


def _report(dag_id: str, path: Path | str | None, note: str) -> int:
    from stripe_netsuite.store import get_engine
    from stripe_netsuite.store.engine import session_scope
    from stripe_netsuite.store.pipeline import RunReport

    with session_scope(get_engine()) as session:
        row = RunReport(dag_id=dag_id, run_id="manual__1", kind=dag_id, created_at=datetime.now(UTC),
                        summary={"note": note}, path=str(path) if path else None)  # fmt: skip
        session.add(row)
        session.flush()
        return int(row.id)


def test_report_text_is_shown_as_text_never_as_markup(client: Any, tmp_path: Path) -> None:
    markdown = tmp_path / "reports" / "netsuite_payments" / "manual__1.md"
    markdown.parent.mkdir(parents=True)
    markdown.write_text(f"# run\n\n{HOSTILE}\n\n| a | b |\n|---|---|\n| {HOSTILE} | x |\n")
    report_id = _report("netsuite_payments", markdown, HOSTILE)

    for url in ("/", f"/report/{report_id}", "/run/netsuite_payments/manual__1"):
        page = client.get(url)
        assert page.status_code == 200
        assert "<script>alert" not in page.text and "<img src=x" not in page.text
        assert 'href="javascript:' not in page.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


def test_files_outside_a_report_or_the_reports_directory_are_never_served(
    client: Any, tmp_path: Path
) -> None:
    markdown = tmp_path / "reports" / "netsuite_deposits" / "manual__1.md"
    markdown.parent.mkdir(parents=True)
    markdown.write_text("# ok\n")
    (markdown.parent / "manual__1.json").write_text("{}")
    (markdown.parent / "other_run.json").write_text('{"secret": 1}')
    (tmp_path / "connector.env").write_text("STRIPE_API_KEY=sk_test_secret")
    report_id = _report("netsuite_deposits", markdown, "ok")
    outside_id = _report("netsuite_deposits", tmp_path / "connector.md", "outside")
    (tmp_path / "connector.md").write_text("# outside the reports directory\n")

    assert client.get(f"/report/{report_id}/manual__1.json").status_code == 200
    for name in ("other_run.json", "..%2F..%2Fconnector.env", "..%2Fother_run.json", "%2Fetc%2Fpasswd"):
        answer = client.get(f"/report/{report_id}/{name}")
        assert answer.status_code == 404 and "secret" not in answer.text, name
    assert client.get(f"/report/{outside_id}/connector.md").status_code == 404
    assert "outside the reports directory" not in client.get(f"/report/{outside_id}").text
    assert client.get("/report/not-a-number").status_code == 422
    assert client.get("/report/999999").status_code == 404


def test_a_report_of_a_dag_the_user_may_not_read_is_neither_listed_nor_served(client: Any) -> None:
    hidden = _report("secret_dag", None, "secret numbers")
    assert "secret numbers" not in client.get("/").text
    assert all(row["dag_id"] != "secret_dag" for row in client.get("/api/reports").json())
    assert client.get(f"/report/{hidden}").status_code == 403
    assert client.get("/run/secret_dag/manual__1").status_code == 403


def test_the_list_shows_a_note_without_the_report_s_path_on_the_airflow_host(client: Any) -> None:
    # Notes end with "Report: <path>" for the grid; the Finance view links the files, so the host's path is
    # left out of its summary column (it showed /work/.../var/demo/reports/...).
    _report("netsuite_payments", None, "netsuite_payments: loaded 1. Report: /srv/airflow/var/reports/r.md")
    page = client.get("/")
    assert page.status_code == 200
    assert "netsuite_payments: loaded 1." in page.text and "/srv/airflow" not in page.text


def test_a_report_file_can_run_no_script_in_airflow_s_origin(client: Any, tmp_path: Path) -> None:
    markdown = tmp_path / "reports" / "netsuite_payments" / "manual__1.md"
    markdown.parent.mkdir(parents=True)
    markdown.write_text("# run\n")
    (markdown.parent / "manual__1.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    )
    report_id = _report("netsuite_payments", markdown, "ok")

    for name in ("manual__1.svg", "manual__1.md"):
        answer = client.get(f"/report/{report_id}/{name}")
        assert answer.status_code == 200, name
        policy = answer.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "script-src" not in policy, name
