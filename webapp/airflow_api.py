"""Ask Airflow to run a DAG now (Airflow 3 REST API), so a page payment reaches NetSuite in seconds.

The webapp's adapter to Airflow: it lives in webapp/ because the webapp is its only user (the library imports
no Airflow and names no DAG; the webapp may not import plugins/). One client per process: its JWT is fetched
once and reused until shortly before the `exp` Airflow wrote into it (or a 401 says it is no longer good).

Best effort by design: the webhook that asks has already recorded its request in the state DB, so an Airflow
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

import jwt
import requests

__all__ = ["ACTIVE_STATES", "AirflowTrigger"]

ACTIVE_STATES = ("queued", "running")
# A token is replaced this long before Airflow's expiry, so a request never carries one that lapses in flight.
_TOKEN_MARGIN = 30.0
_TOKEN_FALLBACK_LIFETIME = 300.0  # when the token carries no readable `exp`

log = logging.getLogger(__name__)


class AirflowTrigger:
    """Triggers DAG runs through POST /api/v2/dags/<dag_id>/dagRuns with a JWT from POST /auth/token."""

    def __init__(
        self,
        base_url: str,
        username: str | None,
        password: str | None,
        *,
        # Only the dispatcher's background thread waits on Airflow (no page request does), and an API server
        # under load can take several seconds to answer a trigger POST: a short read timeout made a slow
        # success look like an outage.
        timeout: tuple[float, float] = (3.05, 30.0),
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
        self._token_lock = threading.Lock()
        self._cached_token: tuple[str, float] | None = None  # (token, replace after this clock time)
        self.token_fetches = 0

    def _token(self) -> str:
        with self._token_lock:  # one fetch at a time: concurrent callers reuse its result
            cached = self._cached_token
            if cached is not None and self._clock() < cached[1]:
                return cached[0]
            response = self.session.post(
                f"{self.base_url}/auth/token", json=self._credentials, timeout=self.timeout
            )
            self.token_fetches += 1
            response.raise_for_status()
            token = response.json().get("access_token")
            if not isinstance(token, str):
                raise ValueError("Airflow's /auth/token answer has no access_token")
            self._cached_token = (token, self._clock() + self._lifetime(token) - _TOKEN_MARGIN)
            return token

    @staticmethod
    def _lifetime(token: str) -> float:
        """Seconds the token stays good, from its `exp` claim (read, not verified: Airflow verifies it)."""
        try:
            claims = jwt.decode(token, options={"verify_signature": False})
            return max(0.0, float(claims["exp"]) - time.time())
        except (jwt.PyJWTError, KeyError, TypeError, ValueError):
            return _TOKEN_FALLBACK_LIFETIME

    def _request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """An authenticated call; a 401 (token revoked or expired early) fetches a new token once."""
        for attempt in range(2):
            response = self.session.request(
                method,
                f"{self.base_url}{path}",
                headers={"Authorization": f"Bearer {self._token()}"},
                timeout=self.timeout,
                **kwargs,
            )
            if response.status_code != 401 or attempt:
                return response
            with self._token_lock:
                self._cached_token = None
        return response

    def recently_missing(self, dag_id: str) -> bool:
        """True when Airflow said within `recheck_after` seconds that it has no such DAG."""
        with self._lock:
            checked = self._missing.get(dag_id)
            # Airflow said moments ago that it has no such DAG; asking again changes nothing.
            return checked is not None and self._clock() - checked < self.recheck_after

    def active_runs(self, dag_id: str) -> dict[str, int] | None:
        """How many runs of the DAG are queued and running, or None when Airflow cannot say."""
        if self.recently_missing(dag_id):
            return None
        try:
            response = self._request(
                "GET",
                f"/api/v2/dags/{dag_id}/dagRuns",
                params=[("state", state) for state in ACTIVE_STATES] + [("limit", "100")],
            )
            if response.status_code == 404:
                self._note_missing(dag_id)
                return None
            response.raise_for_status()
            runs = response.json().get("dag_runs") or []
        except (requests.RequestException, ValueError) as error:
            self._note_failure(dag_id, error)
            return None
        counts = dict.fromkeys(ACTIVE_STATES, 0)
        for run in runs:
            state = run.get("state") if isinstance(run, Mapping) else None
            if state in counts:
                counts[state] += 1
        return counts

    def start_run(self, dag_id: str, conf: Mapping[str, Any] | None = None) -> str | None:
        """The id of the run Airflow accepted, or None (logged at most once per change)."""
        if self.recently_missing(dag_id):
            return None
        try:
            response = self._request(
                "POST",
                f"/api/v2/dags/{dag_id}/dagRuns",
                json={"logical_date": None, "conf": dict(conf or {})},
            )
            if response.status_code == 404:
                self._note_missing(dag_id)
                return None
            response.raise_for_status()
            run_id = response.json().get("dag_run_id")
        except (requests.RequestException, ValueError) as error:
            self._note_failure(dag_id, error)
            return None
        self._note_success(dag_id)
        return str(run_id or "")

    def trigger(self, dag_id: str, conf: Mapping[str, Any] | None = None) -> bool:
        """True when Airflow accepted a new run; False (logged at most once per change) otherwise."""
        return self.start_run(dag_id, conf) is not None

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
