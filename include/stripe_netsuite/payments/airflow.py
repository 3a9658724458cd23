"""Ask Airflow to run a DAG now (Airflow 3 REST API), so a page payment reaches NetSuite in minutes.

Best effort by design: the schedule loads the payment anyway, so an Airflow outage is logged and never fails
the webhook that asked.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import requests

__all__ = ["AirflowTrigger"]

log = logging.getLogger(__name__)


class AirflowTrigger:
    """Triggers DAG runs through POST /api/v2/dags/<dag_id>/dagRuns with a JWT from POST /auth/token."""

    def __init__(
        self,
        base_url: str,
        username: str | None,
        password: str | None,
        *,
        timeout: tuple[float, float] = (2.0, 3.0),
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._credentials = {"username": username or "", "password": password or ""}
        self.timeout = timeout
        self.session = session or requests.Session()

    def _token(self) -> str:
        response = self.session.post(
            f"{self.base_url}/auth/token", json=self._credentials, timeout=self.timeout
        )
        response.raise_for_status()
        token = response.json().get("access_token")
        if not isinstance(token, str):
            raise ValueError("Airflow's /auth/token answer has no access_token")
        return token

    def trigger(self, dag_id: str, conf: Mapping[str, Any] | None = None) -> bool:
        """True when Airflow accepted a new run; False (logged, never raised) when it could not be asked."""
        try:
            response = self.session.post(
                f"{self.base_url}/api/v2/dags/{dag_id}/dagRuns",
                json={"logical_date": None, "conf": dict(conf or {})},
                headers={"Authorization": f"Bearer {self._token()}"},
                timeout=self.timeout,
            )
            response.raise_for_status()
        except (requests.RequestException, ValueError) as error:
            status = getattr(getattr(error, "response", None), "status_code", None)
            log.warning(
                "could not trigger Airflow DAG %s (%s%s); the schedule will pick the change up",
                dag_id,
                type(error).__name__,
                f", HTTP {status}" if status else "",
            )
            return False
        log.info("triggered Airflow DAG %s", dag_id)
        return True
