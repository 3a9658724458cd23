"""NetSuiteClient: records, upserts by external id, collection and SuiteQL paging, over one shared budget."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter

from stripe_netsuite.netsuite.auth import Authenticator, authenticator_for
from stripe_netsuite.netsuite.errors import (
    NetSuiteConnectionError,
    NetSuiteError,
    NetSuiteNotFoundError,
    SuiteQLCutoffError,
    error_from_response,
)
from stripe_netsuite.netsuite.limiter import ConcurrencyLimiter, shared_limiter
from stripe_netsuite.netsuite.retry import RetryPolicy, parse_retry_after
from stripe_netsuite.netsuite.settings import NetSuiteSettings
from stripe_netsuite.netsuite.stats import ClientStats, StatsCounter

__all__ = ["SUITEQL_MAX_ROWS", "WRITE_HEADERS", "AsyncResult", "NetSuiteClient"]

logger = logging.getLogger(__name__)

MAX_PAGE_SIZE = 1000
# Oracle, "Executing SuiteQL Queries Through REST Web Services": "Using SuiteQL queries, you can return a
# maximum of 100,000 results"; "Collection Paging": at most 1000 pages, so fewer with a smaller limit. Past
# the cutoff the result just stops (hasMore false): nothing in the answer says rows are missing.
SUITEQL_MAX_ROWS = 100_000
SUITEQL_MAX_PAGES = 1000
# NetSuite drops an unknown property name with only a warning unless asked for Error, so a misspelt
# field would lose money silently; every write asks for Error (DESIGN.md section 6).
WRITE_HEADERS = {"X-NetSuite-PropertyNameValidation": "Error"}
_WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})
WARNING_HEADER = "X-NetSuite-Warning"
IDEMPOTENCY_HEADER = "X-NetSuite-Idempotency-Key"
_RECORD_TYPE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_EXTERNAL_ID = re.compile(r"^[A-Za-z0-9_-]+$")
# An alias, because inside the class `list` is the method of that name.
Items = list[dict[str, Any]]


def _record_type(value: str) -> str:
    if not _RECORD_TYPE.match(value):
        raise ValueError(f"not a NetSuite record type: {value!r}")
    return value


def _internal_id(value: str | int) -> str:
    text = str(value)
    if not text.isdigit():
        raise ValueError(f"a NetSuite internal id is digits, got {value!r}")
    return text


def _external_id(value: str) -> str:
    # NetSuite allows only these in an external id used in a URL, so anything else is a bug upstream.
    if not _EXTERNAL_ID.match(value):
        raise ValueError(f"an external id may hold only letters, digits, '_' and '-': {value!r}")
    return value


@dataclass(frozen=True)
class AsyncResult:
    """What an asynchronous request answered: its status, Location (writes) and JSON body (reads)."""

    status: int
    location: str | None
    body: Any

    @property
    def record_id(self) -> str | None:
        """The internal id a create/upsert/transform made, from its Location."""
        if not self.location:
            return None
        last = urlsplit(self.location).path.rstrip("/").rsplit("/", 1)[-1]
        return last if last.isdigit() else None


def _page_size(value: int) -> int:
    if not 1 <= value <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be 1 to {MAX_PAGE_SIZE}, got {value}")
    return value


class NetSuiteClient:
    """A thread-safe NetSuite REST client; share one per process and account.

    Every HTTP attempt holds a slot of the account's ConcurrencyLimiter, is signed afresh, and has
    (connect, read) timeouts. 429, 5xx and lost connections are retried with backoff (401 once); 4xx user
    errors raise at once as typed NetSuiteError subclasses.
    """

    def __init__(
        self,
        settings: NetSuiteSettings,
        session: requests.Session | None = None,
        *,
        limiter: ConcurrencyLimiter | None = None,
        retry: RetryPolicy | None = None,
        auth: Authenticator | None = None,
    ) -> None:
        self.settings = settings
        self._owns_session = session is None
        self.session = session if session is not None else self._new_session(settings.concurrency_limit)
        self.limiter = limiter or shared_limiter(settings.base_url, settings.concurrency_limit)
        self.retry = retry or RetryPolicy(max_retries=settings.max_retries)
        self.auth = auth or authenticator_for(settings, self.session)
        self._stats = StatsCounter()
        # NetSuite's documented cutoff; a test against a sandbox started with a smaller one sets it here too.
        self.suiteql_max_rows = SUITEQL_MAX_ROWS

    @staticmethod
    def _new_session(concurrency: int) -> requests.Session:
        session = requests.Session()
        # One pooled connection per slot, so threads at the limit never queue for a socket.
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=max(10, concurrency))
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        return session

    def close(self) -> None:
        if self._owns_session:
            self.session.close()

    def __enter__(self) -> NetSuiteClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def stats(self) -> ClientStats:
        return self._stats.snapshot()

    # ------------------------------------------------------------------ records

    def get(
        self,
        record_type: str,
        internal_id: str | int,
        *,
        expand_sub_resources: bool = False,
        fields: Sequence[str] | None = None,
    ) -> dict[str, Any]:
        """GET a record by internal id."""
        return self._get_record(f"{_record_type(record_type)}/{_internal_id(internal_id)}",
                                expand_sub_resources, fields)

    def get_by_external_id(
        self,
        record_type: str,
        external_id: str,
        *,
        expand_sub_resources: bool = False,
        fields: Sequence[str] | None = None,
    ) -> dict[str, Any]:
        """GET a record by external id (`eid:`)."""
        return self._get_record(f"{_record_type(record_type)}/eid:{_external_id(external_id)}",
                                expand_sub_resources, fields)

    def find_by_external_id(self, record_type: str, external_id: str) -> str | None:
        """The internal id of the record with this external id, or None when there is none."""
        try:
            record = self.get_by_external_id(record_type, external_id, fields=["externalId"])
        except NetSuiteNotFoundError:
            return None
        if "id" in record:
            return str(record["id"])
        # A `fields` selection may leave out `id`; the self link always names the record.
        self_links = [link["href"] for link in record.get("links", []) if link.get("rel") == "self"]
        internal_id = urlsplit(self_links[0]).path.rsplit("/", 1)[-1] if self_links else ""
        if not internal_id.isdigit():
            raise NetSuiteError(detail=f"{record_type} eid:{external_id} came back without an id")
        return internal_id

    def create(self, record_type: str, body: Mapping[str, Any]) -> str:
        """POST a new record; returns its internal id. Not retried after an ambiguous failure: use upsert."""
        path = f"/record/v1/{_record_type(record_type)}"
        response = self._request("POST", path, json=body, replayable=False)
        return self._id_from_location(response)

    def update(
        self,
        record_type: str,
        internal_id: str | int,
        body: Mapping[str, Any],
        *,
        replace: Sequence[str] = (),
    ) -> None:
        """PATCH fields of a record; sublists named in `replace` are replaced whole instead of merged."""
        params = {"replace": ",".join(replace)} if replace else None
        path = f"/record/v1/{_record_type(record_type)}/{_internal_id(internal_id)}"
        self._request("PATCH", path, params=params, json=body)

    def upsert(
        self,
        record_type: str,
        external_id: str,
        body: Mapping[str, Any],
        *,
        replace: Sequence[str] = (),
    ) -> str:
        """PUT by external id: creates or updates; returns the internal id.

        On an existing record PUT merges like PATCH, so unkeyed sublists (deposit `other`/`cashback`,
        invoice `item`) would be appended again on a repeat: name them in `replace` to keep it idempotent.
        """
        params = {"replace": ",".join(replace)} if replace else None
        path = f"/record/v1/{_record_type(record_type)}/eid:{_external_id(external_id)}"
        response = self._request("PUT", path, params=params, json=body)
        if response.headers.get("Location"):
            return self._id_from_location(response)
        # Oracle does not document a Location header on upsert, so ask for the id when it is missing.
        found = self.find_by_external_id(record_type, external_id)
        if found is None:
            raise NetSuiteError(response.status_code, detail=f"upsert of {record_type} eid:{external_id} "
                                "succeeded but the record cannot be found", request=f"PUT {path}")
        return found

    def transform(
        self,
        source_type: str,
        source_id: str | int,
        target_type: str,
        body: Mapping[str, Any] | None = None,
        *,
        replace: Sequence[str] = (),
    ) -> str:
        """POST {source}/{id}/!transform/{target}: a new record pre-filled from the source; returns its id.

        Like create, not retried after an ambiguous failure: give the body an externalId and look it up.
        """
        params = {"replace": ",".join(replace)} if replace else None
        path = (
            f"/record/v1/{_record_type(source_type)}/{_internal_id(source_id)}"
            f"/!transform/{_record_type(target_type)}"
        )
        response = self._request("POST", path, params=params, json=body or {}, replayable=False)
        return self._id_from_location(response)

    def delete(self, record_type: str, internal_id: str | int) -> None:
        """DELETE a record; a 404 on a retry means an earlier attempt already deleted it."""
        path = f"/record/v1/{_record_type(record_type)}/{_internal_id(internal_id)}"
        self._request("DELETE", path, gone_is_done=True)

    # ------------------------------------------------------------------ asynchronous requests

    def submit_async(
        self,
        method: str,
        record_path: str,
        body: Mapping[str, Any] | None = None,
        *,
        idempotency_key: str,
    ) -> str:
        """Send `METHOD /record/v1/{record_path}` with `Prefer: respond-async`; returns the job id.

        The idempotency key makes a resend safe: NetSuite answers a reused key with IDEMPOTENCY_ERROR and the
        earlier job's Location, which this returns as the job.
        """
        path = "/record/v1/" + record_path.lstrip("/")
        headers = {"Prefer": "respond-async", IDEMPOTENCY_HEADER: idempotency_key}
        response = self._request(method.upper(), path, json=body, headers=headers,
                                 keep_codes=frozenset({"IDEMPOTENCY_ERROR"}))
        location = response.headers.get("Location", "")
        job_id = urlsplit(location).path.rstrip("/").rsplit("/", 1)[-1]
        if not job_id.isdigit():
            raise NetSuiteError(response.status_code, detail=f"no job id in Location header {location!r}")
        return job_id

    def async_job(self, job_id: str) -> dict[str, Any]:
        """The job's status document: {id, completed, progress, ...}."""
        result: dict[str, Any] = self._request("GET", f"/async/v1/job/{_internal_id(job_id)}").json()
        return result

    def wait_for_job(self, job_id: str, *, timeout: float = 60.0, poll: float = 0.5) -> AsyncResult:
        """Poll until the job completes, then return its request's answer (raising its error if it failed)."""
        deadline = time.monotonic() + timeout
        while not self.async_job(job_id).get("completed"):
            if time.monotonic() > deadline:
                raise NetSuiteError(detail=f"async job {job_id} did not complete within {timeout}s")
            self.retry.sleep(poll)
        tasks = self._request("GET", f"/async/v1/job/{_internal_id(job_id)}/task").json()
        task_id = _internal_id(str(tasks["items"][0]["id"]))
        response = self._request("GET", f"/async/v1/job/{_internal_id(job_id)}/task/{task_id}/result")
        location = response.headers.get("Location")
        body = response.json() if response.content else None
        absolute = urljoin(self.settings.base_url, location) if location else None
        return AsyncResult(response.status_code, absolute, body)

    # ------------------------------------------------------------------ collections and SuiteQL

    def list(
        self, record_type: str, *, q: str | None = None, page_size: int = MAX_PAGE_SIZE
    ) -> Iterator[str]:
        """Internal ids of a record type (optionally filtered by `q`), page by page until hasMore is false."""
        path = f"/record/v1/{_record_type(record_type)}"
        for page in self._pages("GET", path, _page_size(page_size), {"q": q} if q else {}, None):
            for item in page:
                yield str(item["id"])

    def suiteql(self, query: str, *, page_size: int = MAX_PAGE_SIZE) -> Iterator[dict[str, str]]:
        """Rows of a SuiteQL query minus NetSuite's per-row `links`; ORDER BY a unique key to page safely.

        NetSuite returns at most 100,000 rows of a query and then simply stops, so a result that reaches the
        cutoff raises SuiteQLCutoffError after its last row rather than end as if it were whole (a result of
        exactly 100,000 rows too: the answer cannot tell them apart). Read such results with suiteql_after.
        """
        cutoff = self.suiteql_cutoff(page_size)
        read = 0
        for row in self._suiteql_rows(query, page_size):
            read += 1
            yield row
        if read >= cutoff:
            raise SuiteQLCutoffError(
                detail=f"the SuiteQL query reached NetSuite's cutoff of {cutoff} rows; rows past it are not "
                "returned, so the result may be incomplete: read it by key (NetSuiteClient.suiteql_after)",
                request="POST /query/v1/suiteql",
            )

    def suiteql_after(
        self, query: Callable[[int], str], *, key: str = "id", page_size: int = MAX_PAGE_SIZE
    ) -> Iterator[dict[str, str]]:
        """Every row of a result larger than NetSuite's 100,000-row cutoff, by keyset.

        `query(after)` is the SuiteQL of the rows whose integer `key` column is above `after`, ORDER BY that
        key (`... WHERE t.id > {after} ORDER BY t.id`). A query whose answer reaches the cutoff may have been
        cut there, so the next one starts after the last key read, until one ends short of it. Rows are
        yielded as they come: memory stays one page.
        """
        cutoff = self.suiteql_cutoff(page_size)
        after = 0
        while True:
            read = 0
            for row in self._suiteql_rows(query(after), page_size):
                value = int(row[key])
                if value <= after:
                    raise ValueError(f"suiteql_after: {key} {value} after {after}; the query must select "
                                     f"{key} > after and ORDER BY {key}")
                after, read = value, read + 1
                yield row
            if read < cutoff:
                return

    def suiteql_cutoff(self, page_size: int = MAX_PAGE_SIZE) -> int:
        """How many rows one SuiteQL query can return when read `page_size` at a time."""
        return min(self.suiteql_max_rows, SUITEQL_MAX_PAGES * _page_size(page_size))

    def _suiteql_rows(self, query: str, page_size: int) -> Iterator[dict[str, str]]:
        for page in self._pages("POST", "/query/v1/suiteql", _page_size(page_size), {}, {"q": query}):
            for row in page:
                yield {key: value for key, value in row.items() if key != "links"}

    def governance_limits(self) -> dict[str, Any]:
        """The account's concurrency limits as NetSuite reports them."""
        result: dict[str, Any] = self._request("GET", "/system/v1/governanceLimits").json()
        return result

    def _get_record(self, key: str, expand: bool, fields: Sequence[str] | None) -> dict[str, Any]:
        params: dict[str, str] = {}
        if expand:
            params["expandSubResources"] = "true"
        if fields:
            params["fields"] = ",".join(fields)
        result: dict[str, Any] = self._request("GET", f"/record/v1/{key}", params=params).json()
        return result

    def _pages(
        self, method: str, path: str, limit: int, params: dict[str, str], body: Mapping[str, Any] | None
    ) -> Iterator[Items]:
        # SuiteQL paging is only stable under ORDER BY; `transient` keeps NetSuite from caching the query.
        headers = {"Prefer": "transient"} if method == "POST" else None
        offset = 0
        while True:
            page_params = {**params, "limit": str(limit), "offset": str(offset)}
            page = self._request(method, path, params=page_params, json=body, headers=headers).json()
            items: Items = page.get("items") or []
            yield items
            if not page.get("hasMore") or not items:
                return
            offset += len(items)

    @staticmethod
    def _id_from_location(response: requests.Response) -> str:
        location = response.headers.get("Location", "")
        internal_id = urlsplit(location).path.rstrip("/").rsplit("/", 1)[-1]
        if not internal_id.isdigit():
            raise NetSuiteError(response.status_code, detail=f"no record id in Location header {location!r}")
        return internal_id

    # ------------------------------------------------------------------ transport

    def _url(self, path: str, params: Mapping[str, str] | None) -> str:
        url = self.settings.base_url + path
        if params:
            # Encode once, here, so the query NetSuite receives is byte for byte the one that was signed.
            url += "?" + urlencode(params, quote_via=quote, safe="")
        return url

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        replayable: bool = True,
        gone_is_done: bool = False,
        keep_codes: frozenset[str] = frozenset(),
    ) -> requests.Response:
        url = self._url(path, params)
        if method in _WRITE_METHODS:
            headers = {**WRITE_HEADERS, **(headers or {})}
        label = f"{method} {path}"
        retries = auth_retries = 0
        while True:
            attempt = retries + 1
            retry_after: float | None = None
            error: NetSuiteError
            try:
                response = self._send(method, url, json, headers, label, attempt)
            except NetSuiteError as exc:  # no answer, or the OAuth 2.0 token request failed
                error = exc
            else:
                if response.ok:
                    self._log_warning(response, label)
                    return response
                if gone_is_done and response.status_code == 404 and attempt > 1:
                    return response
                error = error_from_response(response.status_code, response.text, label)
                if error.code in keep_codes:
                    return response
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if not self.retry.should_retry(error, retries, auth_retries, replayable):
                self._stats.failed()
                logger.warning("netsuite %s failed after %d attempt(s): %s", label, attempt, error)
                raise error
            if error.status == 401:
                auth_retries += 1
                self.auth.invalidate()
            delay = self.retry.delay(retries, retry_after)
            logger.info("netsuite %s attempt %d: %s; retrying in %.2fs", label, attempt,
                        error.code or error.status or type(error).__name__, delay)
            self._stats.retried()
            retries += 1
            self.retry.sleep(delay)

    @staticmethod
    def _log_warning(response: requests.Response, label: str) -> None:
        warning = response.headers.get(WARNING_HEADER)
        if warning:
            # E.g. a create-only field sent on an update: NetSuite ignored it, which may not be what we meant.
            logger.warning("netsuite %s answered with a warning: %s", label, warning[:500])

    def _send(
        self, method: str, url: str, json: Any, headers: Mapping[str, str] | None, label: str, attempt: int
    ) -> requests.Response:
        with self.limiter.slot() as slot:
            request_headers = {"Accept": "application/json", **(headers or {})}
            # Signed inside the slot: a TBA timestamp must not go stale while waiting for a turn.
            request_headers["Authorization"] = self.auth.authorization(method, url)
            started = time.monotonic()
            self._stats.started()
            status: int | None = None
            try:
                response = self.session.request(
                    method, url, json=json, headers=request_headers, timeout=self.settings.timeout
                )
                status = response.status_code
            except requests.RequestException as exc:
                # The message names host and path only; credentials travel in headers, never in the URL.
                raise NetSuiteConnectionError(detail=f"no answer: {type(exc).__name__}: {exc}"[:500],
                                              request=label) from exc
            finally:
                self._stats.finished(status)
                logger.debug("netsuite %s status=%s attempt=%d elapsed=%.3fs", label, status, attempt,
                             time.monotonic() - started)
            if status == 429:
                slot.mark_throttled()
            else:
                slot.mark_answered()
            return response
