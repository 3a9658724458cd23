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
MAIL_SINK = "mail-sink"  # the sandbox profile's SMTP server
LONG_RUNNING = AIRFLOW_SERVICES - {"airflow-init"} | {"postgres", "redis", "webapp", MAIL_SINK} | set(
    SANDBOXES
)


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
    assert set(services) == AIRFLOW_SERVICES | {"postgres", "redis", "webapp", MAIL_SINK} | set(SANDBOXES)


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
    profiled = {name for name, service in services.items() if "profiles" in service}
    assert profiled == set(SANDBOXES) | {MAIL_SINK}


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


def _env_example() -> dict[str, str]:
    from dotenv import dotenv_values

    return {k: v or "" for k, v in dotenv_values(ROOT / ".env.example").items()}


@pytest.mark.parametrize(("variable", "conn_type"), [
    ("AIRFLOW_CONN_STRIPE_DEFAULT", "stripe"), ("AIRFLOW_CONN_NETSUITE_DEFAULT", "netsuite"),
    ("AIRFLOW_CONN_SMTP_DEFAULT", "smtp"),
], ids=["stripe", "netsuite", "smtp"])
def test_airflow_connections_are_json_built_from_the_env_file(
    services: dict[str, dict[str, Any]], variable: str, conn_type: str
) -> None:
    env = _env_example()
    connection = json.loads(_interpolate(services["airflow-init"]["environment"][variable], env))
    assert connection["conn_type"] == conn_type
    if conn_type == "netsuite":
        assert connection["extra"]["account_id"] == env["NETSUITE_ACCOUNT_ID"]
        assert connection["host"].startswith("http://netsuite-sandbox:12112/")
    elif conn_type == "smtp":  # the sandbox profile's sink by default, plain SMTP (booleans, not strings)
        assert (connection["host"], connection["port"]) == ("mail-sink", 8025)
        assert connection["extra"]["disable_ssl"] is True and connection["extra"]["disable_tls"] is True
        assert connection["extra"]["from_email"]
    else:
        assert connection["password"] == env["STRIPE_API_KEY"]


def test_a_real_smtp_relay_is_set_in_the_env_file_alone(services: dict[str, dict[str, Any]]) -> None:
    env = {**_env_example(), "SMTP_HOST": "smtp.example.com", "SMTP_PORT": "587", "SMTP_USER": "apikey",
           "SMTP_PASSWORD": "s3cret", "SMTP_DISABLE_TLS": "false", "FINANCE_EMAIL_FROM": "ledger@example.com"}
    text = services["airflow-init"]["environment"]["AIRFLOW_CONN_SMTP_DEFAULT"]
    connection = json.loads(_interpolate(text, env))
    assert (connection["host"], connection["port"]) == ("smtp.example.com", 587)
    assert connection["login"] == "apikey"
    assert connection["extra"]["disable_tls"] is False  # STARTTLS on 587
    assert connection["extra"]["from_email"] == "ledger@example.com"


def test_the_init_job_creates_the_connections_in_the_metadata_db(services: dict[str, dict[str, Any]]) -> None:
    script = _command(services["airflow-init"])
    assert "airflow connections import --overwrite" in script
    assert script.index("airflow db migrate") < script.index("airflow connections import")
    # Only the init job holds the connections' secrets; every other service reads them from the DB.
    expected = {f"AIRFLOW_CONN_{name}_DEFAULT" for name in ("STRIPE", "NETSUITE", "SMTP")}
    for name, service in services.items():
        held = {key for key in service.get("environment", {}) if key.startswith("AIRFLOW_CONN_")}
        assert held == (expected if name == "airflow-init" else set()), name


def test_finance_mail_and_views_are_configured_for_every_airflow_service(
    services: dict[str, dict[str, Any]],
) -> None:
    for name in AIRFLOW_SERVICES:
        env = services[name]["environment"]
        assert env["FINANCE_SMTP_CONN_ID"] == env["AIRFLOW__EMAIL__EMAIL_CONN_ID"] == "smtp_default", name
        assert env["FINANCE_AIRFLOW_URL"].startswith("${FINANCE_AIRFLOW_URL:-http"), name
        # The reports the DAGs write are read by the Finance view in the api-server: one shared volume.
        assert "connector-var:/opt/connector/var" in services[name]["volumes"], name


def test_the_mail_sink_keeps_mails_in_a_volume_in_the_sandbox_profile(
    services: dict[str, dict[str, Any]],
) -> None:
    sink = services[MAIL_SINK]
    assert sink["profiles"] == ["sandbox"]
    assert sink["command"][:3] == ["python", "-m", "aiosmtpd"]
    assert "0.0.0.0:8025" in sink["command"] and "aiosmtpd.handlers.Mailbox" in sink["command"]
    assert sink["command"][-1].startswith("/data/") and "mail-sink-data:/data" in sink["volumes"]
    assert "ports" not in sink  # reachable inside the stack only
