"""docker-compose.yaml: valid per the Compose specification, and shaped as DESIGN.md requires.

No Docker engine runs in CI, so the file is checked statically against the Compose spec JSON schema that
check-jsonschema vendors, plus the services, profiles and wiring the design names.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yaml"
DOCKERFILE = ROOT / "docker" / "Dockerfile"

AIRFLOW_SERVICES = {
    "airflow-init",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
}
SANDBOXES = {"stripe-sandbox": 12111, "netsuite-sandbox": 12112}
LONG_RUNNING = AIRFLOW_SERVICES - {"airflow-init"} | {"postgres", "redis", "webapp"} | set(SANDBOXES)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())
    return loaded


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = compose["services"]
    return found


def _command(service: dict[str, Any]) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else str(command)


def test_compose_file_follows_the_compose_specification(compose: dict[str, Any]) -> None:
    schema_file = resources.files("check_jsonschema") / "builtin_schemas" / "vendor" / "compose-spec.json"
    schema = json.loads(schema_file.read_text())
    validator_class = jsonschema.validators.validator_for(schema)
    errors = sorted(validator_class(schema).iter_errors(compose), key=lambda error: list(error.path))
    assert [f"{list(error.path)}: {error.message}" for error in errors] == []


def test_the_stack_has_every_service(services: dict[str, dict[str, Any]]) -> None:
    assert set(services) == AIRFLOW_SERVICES | {"postgres", "redis", "webapp"} | set(SANDBOXES)


def test_airflow_runs_the_celery_executor_on_postgres_and_redis(services: dict[str, dict[str, Any]]) -> None:
    for name in AIRFLOW_SERVICES:
        env = services[name]["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql"), name
        assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://redis:"), name
    commands = {name: _command(services[name]) for name in AIRFLOW_SERVICES - {"airflow-init"}}
    assert commands == {
        "airflow-apiserver": "api-server",
        "airflow-scheduler": "scheduler",
        "airflow-dag-processor": "dag-processor",
        "airflow-triggerer": "triggerer",
        "airflow-worker": "celery worker",
    }


def test_the_image_is_airflow_3_3_2() -> None:
    text = DOCKERFILE.read_text()
    assert re.search(r"^ARG AIRFLOW_IMAGE=apache/airflow:3\.3\.2(-python3\.11)?$", text, re.M)
    assert "FROM ${AIRFLOW_IMAGE}" in text


def test_init_job_migrates_both_databases_and_creates_the_netsuite_pool(
    services: dict[str, dict[str, Any]],
) -> None:
    script = _command(services["airflow-init"])
    assert "airflow db migrate" in script
    assert "python -m stripe_netsuite.store upgrade" in script
    assert re.search(r"airflow pools set netsuite_api ", script)


def test_services_wait_for_the_init_job(services: dict[str, dict[str, Any]]) -> None:
    for name in AIRFLOW_SERVICES - {"airflow-init"} | {"webapp"}:
        depends = services[name]["depends_on"]
        assert depends["airflow-init"] == {"condition": "service_completed_successfully"}, name
        assert depends["postgres"] == {"condition": "service_healthy"}, name


def test_dependencies_name_existing_services(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        assert set(service.get("depends_on", {})) <= set(services), name


def test_webapp_runs_under_gunicorn(services: dict[str, dict[str, Any]]) -> None:
    command = services["webapp"]["command"]
    assert command[:3] == ["python", "-m", "gunicorn"]
    assert command[-1] == "webapp:create_app()"
    assert "--config=webapp/gunicorn.conf.py" in command  # workers, limits and log redaction live there
    assert "8000:8000" in services["webapp"]["ports"]


def test_webapp_workers_share_one_rate_limit_in_redis(services: dict[str, dict[str, Any]]) -> None:
    environment = services["webapp"]["environment"]
    assert environment["RATE_LIMIT_STORAGE_URI"] == "redis://redis:6379/1"
    assert "redis" in services["webapp"]["depends_on"]


def test_connector_uses_postgresql_everywhere(services: dict[str, dict[str, Any]]) -> None:
    for name in AIRFLOW_SERVICES | {"webapp"}:
        url = services[name]["environment"]["CONNECTOR_DATABASE_URL"]
        assert url.startswith("postgresql+psycopg2://connector:") and url.endswith("@postgres:5432/connector")


@pytest.mark.parametrize(("name", "port"), sorted(SANDBOXES.items()), ids=sorted(SANDBOXES))
def test_sandboxes_run_only_in_the_sandbox_profile(
    services: dict[str, dict[str, Any]], name: str, port: int
) -> None:
    service = services[name]
    module = name.replace("-", "_")
    assert service["profiles"] == ["sandbox"]
    assert service["command"] == [
        *("python", "-m", module, "serve", "--host", "0.0.0.0", "--port", str(port), "--data", "/data")
    ]
    assert any(volume.endswith(":/data") for volume in service["volumes"])


def test_only_the_sandboxes_have_profiles(services: dict[str, dict[str, Any]]) -> None:
    assert {name for name, service in services.items() if "profiles" in service} == set(SANDBOXES)


@pytest.mark.parametrize("name", sorted(LONG_RUNNING))
def test_long_running_services_have_healthchecks(services: dict[str, dict[str, Any]], name: str) -> None:
    healthcheck = services[name]["healthcheck"]
    assert healthcheck["test"] and healthcheck["interval"]


def test_environment_comes_from_dotenv(services: dict[str, dict[str, Any]]) -> None:
    for name in AIRFLOW_SERVICES | {"webapp"} | set(SANDBOXES):
        assert services[name]["env_file"] == [{"path": ".env", "required": False}], name


def test_every_interpolated_variable_is_documented_in_env_example() -> None:
    used = set(re.findall(r"(?<!\$)\$\{([A-Z0-9_]+)", COMPOSE_FILE.read_text()))
    documented = set(re.findall(r"^#?\s*([A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert used - documented == set()


def test_postgres_init_script_creates_both_databases() -> None:
    script = (ROOT / "docker" / "postgres" / "init-databases.sh").read_text()
    assert "CREATE DATABASE airflow" in script
    assert "CREATE DATABASE connector" in script


def _interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:?msg}, ${VAR-default} and ${VAR:-default} against `env`."""
    def one(match: re.Match[str]) -> str:
        name, op, rest = match.group(1), match.group(2) or "", match.group(3) or ""
        if name in env and (env[name] or op in ("-", "")):
            return env[name]
        if op.endswith("?"):
            raise KeyError(f"{name}: {rest}")
        return rest
    return re.sub(r"\$\{(\w+)(:?[-?])?([^}]*)\}", one, text)


@pytest.mark.parametrize(("variable", "conn_type"), [
    ("AIRFLOW_CONN_STRIPE_DEFAULT", "stripe"), ("AIRFLOW_CONN_NETSUITE_DEFAULT", "netsuite"),
], ids=["stripe", "netsuite"])
def test_airflow_connections_are_json_built_from_the_env_file(
    compose: dict[str, Any], variable: str, conn_type: str
) -> None:
    from dotenv import dotenv_values

    env = {k: v or "" for k, v in dotenv_values(ROOT / ".env.example").items()}
    connection = json.loads(_interpolate(compose["x-airflow-common"]["environment"][variable], env))
    assert connection["conn_type"] == conn_type
    if conn_type == "netsuite":
        assert connection["extra"]["account_id"] == env["NETSUITE_ACCOUNT_ID"]
        assert connection["host"].startswith("http://netsuite-sandbox:12112/")
    else:
        assert connection["password"] == env["STRIPE_API_KEY"]
