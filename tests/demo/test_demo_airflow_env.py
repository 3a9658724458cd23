"""The demo's Airflow settings do not take the caller's Airflow DB (fast; no demo is started).

Every component the demo starts gets the caller's environment with the demo's settings on top
(scripts/demo_processes.py). In a pytest worker that environment holds tests/dags/conftest.py's SQLite
metadata DB: two demos then shared it, and `airflow connections import --overwrite` failed with
cryptography's InvalidToken on a connection another demo had encrypted under its own Fernet key.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def test_the_demos_airflow_uses_its_own_metadata_db_whatever_the_callers_environment_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(SCRIPTS))
    monkeypatch.setenv("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", f"sqlite:///{tmp_path / 'someone-elses.db'}")
    monkeypatch.setenv("AIRFLOW__CORE__UNIT_TEST_MODE", "True")
    sys.modules.pop("demo_airflow", None)
    from demo_airflow import airflow_env

    settings = airflow_env({"AIRFLOW_API_USER": "admin", "AIRFLOW_API_PASSWORD": "pw"}, tmp_path, 8080)
    component_env = {**os.environ, **settings}  # what run_step and the services pass on

    home = tmp_path / "airflow"
    assert component_env["AIRFLOW_HOME"] == str(home)
    assert component_env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == f"sqlite:///{home / 'airflow.db'}"
    assert component_env["AIRFLOW__CORE__UNIT_TEST_MODE"] == "False"
