"""Ask Airflow to run a DAG now (Airflow 3 REST API), so a page payment reaches NetSuite in minutes.

Best effort by design: the webhook that asks has already recorded its event in the state DB, so an Airflow
outage never fails it. The log says only what is known: a DAG that Airflow does not have (yet) is reported
once and then asked about again only every `recheck_after` seconds, and an outage is reported when it starts
and when it ends, not once per webhook.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
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
        recheck_after: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._credentials = {"username": username or "", "password": password or ""}
        self.timeout = timeout
        self.session = session or requests.Session()
        self.recheck_after = recheck_after
        self._clock = clock
        self._lock = threading.Lock()
        self._missing: dict[str, float] = {}  # dag_id -> when Airflow last said it has no such DAG
        self._failing: dict[str, str] = {}  # dag_id -> the failure already logged, until a success

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
        """True when Airflow accepted a new run; False (logged at most once per change) otherwise."""
        with self._lock:
            checked = self._missing.get(dag_id)
            if checked is not None and self._clock() - checked < self.recheck_after:
                return False  # Airflow said moments ago that it has no such DAG; asking again changes nothing
        try:
            response = self.session.post(
                f"{self.base_url}/api/v2/dags/{dag_id}/dagRuns",
                json={"logical_date": None, "conf": dict(conf or {})},
                headers={"Authorization": f"Bearer {self._token()}"},
                timeout=self.timeout,
            )
            if response.status_code == 404:
                self._note_missing(dag_id)
                return False
            response.raise_for_status()
        except (requests.RequestException, ValueError) as error:
            self._note_failure(dag_id, error)
            return False
        self._note_success(dag_id)
        return True

    def _note_missing(self, dag_id: str) -> None:
        with self._lock:
            first = dag_id not in self._missing
            self._missing[dag_id] = self._clock()
            self._failing.pop(dag_id, None)
        if first:
            log.info(
                "Airflow at %s has no DAG %s, so it is not triggered; the Stripe events stay recorded in "
                "the state DB (asked again at most every %.0f s)",
                self.base_url,
                dag_id,
                self.recheck_after,
            )

    def _note_failure(self, dag_id: str, error: Exception) -> None:
        status = getattr(getattr(error, "response", None), "status_code", None)
        reason = f"{type(error).__name__}{f', HTTP {status}' if status else ''}"
        with self._lock:
            known = self._failing.get(dag_id) == reason
            self._failing[dag_id] = reason
        if not known:
            log.warning(
                "could not trigger Airflow DAG %s at %s (%s); the Stripe event stays recorded in the state "
                "DB (logged again only when the reason changes)",
                dag_id,
                self.base_url,
                reason,
            )

    def _note_success(self, dag_id: str) -> None:
        with self._lock:
            failed = self._failing.pop(dag_id, None)
            missing = self._missing.pop(dag_id, None)
        recovered = failed is not None or missing is not None
        if recovered:
            log.info("Airflow DAG %s can be triggered again", dag_id)
        log.info("triggered Airflow DAG %s", dag_id)
