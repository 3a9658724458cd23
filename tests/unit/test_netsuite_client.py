"""NetSuiteClient over a scripted session: URLs, paging, upsert ids, retries and backoff, logging."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from stripe_netsuite.netsuite import (
    ConcurrencyLimiter,
    NetSuiteAuthError,
    NetSuiteClient,
    NetSuiteConnectionError,
    NetSuiteError,
    NetSuiteRateLimitError,
    NetSuiteServerError,
    NetSuiteSettings,
    NetSuiteUserError,
    RetryPolicy,
)
from stripe_netsuite.netsuite.retry import parse_retry_after

BASE = "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest"
SECRETS = ("cs-SECRET-4242", "ts-SECRET-2424")


def response(status: int = 200, body: Any = None, headers: dict[str, str] | None = None) -> requests.Response:
    result = requests.Response()
    result.status_code = status
    result._content = b"" if body is None else json.dumps(body).encode()
    result.headers.update(headers or {})
    return result


def netsuite_error(status: int, code: str, detail: str = "x", path: str | None = None) -> requests.Response:
    item = {"detail": detail, "o:errorCode": code, **({"o:errorPath": path} if path else {})}
    return response(status, {"title": "t", "status": status, "o:errorDetails": [item]})


Answer = requests.Response | Exception | Callable[[], requests.Response]


class ScriptedSession(requests.Session):
    """Answers requests from a script and records what was sent."""

    def __init__(self, *answers: Answer) -> None:
        super().__init__()
        self.answers = list(answers)
        self.sent: list[dict[str, Any]] = []

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.sent.append({"method": method, "url": url, **kwargs})
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer if isinstance(answer, requests.Response) else answer()


class Sleeps:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def make_client(
    *answers: Answer, max_retries: int = 5, sleeps: Sleeps | None = None
) -> tuple[NetSuiteClient, ScriptedSession]:
    settings = NetSuiteSettings(
        account_id="1234567_SB1", consumer_key="ck", consumer_secret=SECRETS[0], token_id="tk",
        token_secret=SECRETS[1], max_retries=max_retries, timeout=(3, 45),
    )
    session = ScriptedSession(*answers)
    # Upper bound of each jitter window instead of a random point, so the schedule is checkable.
    policy = RetryPolicy(max_retries=max_retries, sleep=sleeps or Sleeps(), random=lambda low, high: high)
    return NetSuiteClient(settings, session, limiter=ConcurrencyLimiter(5), retry=policy), session


def query(sent: dict[str, Any]) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(sent["url"]).query))


# ------------------------------------------------------------------------------------------- requests


def test_get_builds_url_with_fields_and_expand() -> None:
    client, session = make_client(response(200, {"id": "7"}))
    record = client.get("customer", 7, expand_sub_resources=True, fields=["email", "companyName"])
    assert record == {"id": "7"}
    sent = session.sent[0]
    assert sent["method"] == "GET"
    assert sent["url"].startswith(f"{BASE}/record/v1/customer/7?")
    assert query(sent) == {"expandSubResources": "true", "fields": "email,companyName"}
    assert sent["timeout"] == (3, 45)
    assert sent["headers"]["Authorization"].startswith('OAuth realm="1234567_SB1"')


def test_create_returns_id_from_location() -> None:
    client, session = make_client(response(204, headers={"Location": f"{BASE}/record/v1/customer/1234"}))
    assert client.create("customer", {"companyName": "A"}) == "1234"
    assert session.sent[0]["json"] == {"companyName": "A"}


def test_update_is_a_patch_with_replace() -> None:
    client, session = make_client(response(204))
    client.update("customerPayment", "55", {"apply": {"items": []}}, replace=["apply"])
    assert session.sent[0]["method"] == "PATCH"
    assert query(session.sent[0]) == {"replace": "apply"}


def test_upsert_puts_by_external_id_and_reads_location() -> None:
    client, session = make_client(response(204, headers={"Location": f"{BASE}/record/v1/customerPayment/9"}))
    assert client.upsert("customerPayment", "ch_3Pz-x_1", {"payment": 10}) == "9"
    assert session.sent[0]["method"] == "PUT"
    assert session.sent[0]["url"] == f"{BASE}/record/v1/customerPayment/eid:ch_3Pz-x_1"


def test_every_write_asks_for_property_name_errors_and_reads_do_not() -> None:
    location = {"Location": f"{BASE}/record/v1/customer/1"}
    client, session = make_client(
        response(204, headers=location), response(204), response(204, headers=location), response(204),
        response(204, headers=location), response(200, {"id": "1"}),
    )
    client.create("customer", {"companyName": "A"})
    client.update("customer", 1, {"companyName": "B"})
    client.upsert("customer", "c1", {"companyName": "C"})
    client.delete("customer", 1)
    client.transform("invoice", 5, "customerPayment")
    client.get("customer", 1)
    headers = {sent["method"]: sent["headers"] for sent in session.sent}
    for method in ("POST", "PATCH", "PUT", "DELETE"):
        assert headers[method]["X-NetSuite-PropertyNameValidation"] == "Error"
    assert "X-NetSuite-PropertyNameValidation" not in headers["GET"]


def test_transform_posts_to_the_transform_route_and_returns_the_new_id() -> None:
    client, session = make_client(response(204, headers={"Location": f"{BASE}/record/v1/customerRefund/77"}))
    assert client.transform("customerPayment", "12", "customerRefund", {"account": {"id": "1"}}) == "77"
    sent = session.sent[0]
    assert sent["method"] == "POST"
    assert sent["url"] == f"{BASE}/record/v1/customerPayment/12/!transform/customerRefund"
    assert sent["json"] == {"account": {"id": "1"}}


def test_async_submit_sends_prefer_and_key_and_a_reused_key_returns_the_earlier_job() -> None:
    conflict = netsuite_error(400, "IDEMPOTENCY_ERROR")
    conflict.headers["Location"] = "/services/rest/async/v1/job/41"
    client, session = make_client(
        response(202, headers={"Location": "/services/rest/async/v1/job/41"}), conflict
    )
    for _ in range(2):
        job = client.submit_async("PUT", "customerPayment/eid:ch_1", {"payment": 1}, idempotency_key="k1")
        assert job == "41"
    sent = session.sent[0]
    assert sent["headers"]["Prefer"] == "respond-async"
    assert sent["headers"]["X-NetSuite-Idempotency-Key"] == "k1"
    assert sent["url"] == f"{BASE}/record/v1/customerPayment/eid:ch_1"


def test_upsert_without_location_looks_the_id_up() -> None:
    client, session = make_client(response(204), response(200, {"id": "77", "externalId": "ch_1"}))
    assert client.upsert("customerPayment", "ch_1", {}) == "77"
    assert session.sent[1]["method"] == "GET"
    assert urlsplit(session.sent[1]["url"]).path.endswith("/customerPayment/eid:ch_1")


def test_find_by_external_id_falls_back_to_the_self_link() -> None:
    record = {"links": [{"rel": "self", "href": f"{BASE}/record/v1/customer/321"}], "externalId": "cus_1"}
    client, _ = make_client(response(200, record))
    assert client.find_by_external_id("customer", "cus_1") == "321"


def test_find_by_external_id_is_none_when_absent() -> None:
    client, _ = make_client(netsuite_error(404, "NONEXISTENT_ID"))
    assert client.find_by_external_id("customer", "cus_1") is None


@pytest.mark.parametrize(
    "bad", ["ch 1", "a/b", "x?y", "é", ""], ids=["space", "slash", "query", "accent", "empty"]
)
def test_external_id_outside_netsuite_alphabet_is_refused_before_sending(bad: str) -> None:
    client, session = make_client()
    with pytest.raises(ValueError):
        client.upsert("customer", bad, {})
    assert session.sent == []


def test_list_pages_until_has_more_is_false() -> None:
    page1 = {"items": [{"id": "1"}, {"id": "2"}], "hasMore": True, "count": 2, "offset": 0}
    page2 = {"items": [{"id": "3"}], "hasMore": False, "count": 1, "offset": 2}
    client, session = make_client(response(200, page1), response(200, page2))
    assert list(client.list("customer", q='email START_WITH "a"', page_size=2)) == ["1", "2", "3"]
    assert [query(s) for s in session.sent] == [
        {"q": 'email START_WITH "a"', "limit": "2", "offset": "0"},
        {"q": 'email START_WITH "a"', "limit": "2", "offset": "2"},
    ]
    assert "%20" in session.sent[0]["url"]  # spaces percent-encoded, as signed


def test_suiteql_posts_pages_with_prefer_transient_and_drops_links() -> None:
    page1 = {"items": [{"links": [], "id": "1"}, {"links": [], "id": "2"}], "hasMore": True}
    page2 = {"items": [{"links": [], "id": "3", "email": "a@b"}], "hasMore": False}
    client, session = make_client(response(200, page1), response(200, page2))
    rows = list(client.suiteql("SELECT id FROM customer ORDER BY id", page_size=2))
    assert rows == [{"id": "1"}, {"id": "2"}, {"id": "3", "email": "a@b"}]
    for sent in session.sent:
        assert sent["method"] == "POST"
        assert urlsplit(sent["url"]).path.endswith("/query/v1/suiteql")
        assert sent["headers"]["Prefer"] == "transient"
        assert sent["json"] == {"q": "SELECT id FROM customer ORDER BY id"}
    assert [query(s)["offset"] for s in session.sent] == ["0", "2"]


def test_page_size_above_netsuite_maximum_is_refused() -> None:
    client, _ = make_client()
    with pytest.raises(ValueError):
        list(client.suiteql("SELECT 1", page_size=1001))


# ------------------------------------------------------------------------------------------- retries


def test_backoff_schedule_is_exponential_with_full_jitter_and_bounded() -> None:
    sleeps = Sleeps()
    client, session = make_client(*[netsuite_error(503, "UNEXPECTED_ERROR")] * 6, sleeps=sleeps)
    with pytest.raises(NetSuiteServerError):
        client.get("customer", 1)
    assert sleeps.calls == [0.5, 1.0, 2.0, 4.0, 8.0]  # upper bounds of uniform(0, base * 2**n)
    assert len(session.sent) == 6
    assert client.stats.requests == 6
    assert client.stats.retries == 5
    assert client.stats.failures == 1


def test_backoff_is_capped() -> None:
    policy = RetryPolicy(max_delay=30.0, random=lambda low, high: high)
    assert [policy.delay(n) for n in (0, 5, 6, 20)] == [0.5, 16.0, 30.0, 30.0]


def test_jitter_draws_between_zero_and_the_ceiling() -> None:
    draws: list[tuple[float, float]] = []
    policy = RetryPolicy(random=lambda low, high: draws.append((low, high)) or 0.0)
    policy.delay(3)
    assert draws == [(0.0, 4.0)]


def test_retry_after_header_wins_over_backoff() -> None:
    sleeps = Sleeps()
    client, _ = make_client(
        response(429, {"o:errorDetails": [{"o:errorCode": "CONCURRENCY_LIMIT_EXCEEDED", "detail": "x"}]},
                 headers={"Retry-After": "7"}),
        response(200, {"id": "1"}),
        sleeps=sleeps,
    )
    assert client.get("customer", 1) == {"id": "1"}
    assert sleeps.calls == [7.0]
    assert client.stats.rate_limited == 1


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("3", 3.0), ("0.5", 0.5), ("-4", 0.0), ("86400", 120.0), ("Wed, 21 Oct 2015 07:28:10 GMT", 10.0),
     ("soon", None), (None, None)],
    ids=["seconds", "fraction", "negative", "capped", "http-date", "garbage", "absent"],
)
def test_retry_after_parsing(header: str | None, seconds: float | None) -> None:
    now = 1445412480.0  # 2015-10-21 07:28:00 UTC
    assert parse_retry_after(header, now=now) == seconds


def test_429_is_retried_then_raised_as_rate_limit_error() -> None:
    client, session = make_client(*[netsuite_error(429, "CONCURRENCY_LIMIT_EXCEEDED")] * 3, max_retries=2)
    with pytest.raises(NetSuiteRateLimitError):
        client.get("customer", 1)
    assert len(session.sent) == 3


def test_429_lowers_the_shared_limiter() -> None:
    client, _ = make_client(netsuite_error(429, "CONCURRENCY_LIMIT_EXCEEDED"), response(200, {}))
    client.get("customer", 1)
    assert client.limiter.effective_limit == 2


def test_connection_errors_and_timeouts_are_retried() -> None:
    client, _ = make_client(
        requests.ConnectionError("reset"), requests.ReadTimeout("slow"), response(200, {"id": "1"})
    )
    assert client.get("customer", 1) == {"id": "1"}
    assert client.stats.retries == 2


def test_connection_error_after_all_retries_is_typed() -> None:
    client, _ = make_client(*[requests.ConnectTimeout("no route")] * 2, max_retries=1)
    with pytest.raises(NetSuiteConnectionError, match="ConnectTimeout"):
        client.get("customer", 1)


def test_user_errors_are_not_retried() -> None:
    client, session = make_client(netsuite_error(400, "USER_ERROR", "too much", "apply.items[0].amount"))
    with pytest.raises(NetSuiteUserError) as caught:
        client.upsert("customerPayment", "ch_1", {})
    assert len(session.sent) == 1
    assert (caught.value.code, caught.value.path) == ("USER_ERROR", "apply.items[0].amount")


def test_401_is_retried_exactly_once() -> None:
    client, session = make_client(*[netsuite_error(401, "INVALID_LOGIN")] * 3)
    with pytest.raises(NetSuiteAuthError):
        client.get("customer", 1)
    assert len(session.sent) == 2


def test_401_then_success_recovers() -> None:
    client, _ = make_client(netsuite_error(401, "INVALID_LOGIN"), response(200, {"id": "1"}))
    assert client.get("customer", 1) == {"id": "1"}


def test_403_is_not_retried() -> None:
    client, session = make_client(netsuite_error(403, "INSUFFICIENT_PERMISSION"))
    with pytest.raises(NetSuiteAuthError):
        client.get("customer", 1)
    assert len(session.sent) == 1


def test_every_attempt_is_signed_afresh() -> None:
    client, session = make_client(netsuite_error(503, "UNEXPECTED_ERROR"), response(200, {}))
    client.get("customer", 1)
    first, second = (s["headers"]["Authorization"] for s in session.sent)
    assert first != second


def test_create_is_not_replayed_after_an_ambiguous_failure() -> None:
    client, session = make_client(netsuite_error(500, "UNEXPECTED_ERROR"), requests.ConnectionError())
    with pytest.raises(NetSuiteServerError):
        client.create("customer", {})
    with pytest.raises(NetSuiteConnectionError):
        client.create("customer", {})
    assert len(session.sent) == 2


def test_create_is_retried_after_429_which_netsuite_rejects_before_processing() -> None:
    client, _ = make_client(
        netsuite_error(429, "CONCURRENCY_LIMIT_EXCEEDED"),
        response(204, headers={"Location": f"{BASE}/record/v1/customer/5"}),
    )
    assert client.create("customer", {}) == "5"


def test_delete_404_after_a_lost_answer_means_done() -> None:
    client, _ = make_client(requests.ConnectionError(), netsuite_error(404, "NONEXISTENT_ID"))
    client.delete("invoice", 3)


def test_missing_location_is_an_error() -> None:
    client, _ = make_client(response(204))
    with pytest.raises(NetSuiteError, match="Location"):
        client.create("customer", {})


# ------------------------------------------------------------------------------------------- logging


def test_logs_method_path_status_attempt_but_never_secrets(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    client, session = make_client(
        netsuite_error(401, "INVALID_LOGIN"), netsuite_error(401, "INVALID_LOGIN"), response(200, {})
    )
    with pytest.raises(NetSuiteAuthError) as caught:
        client.get("customer", 1)
    client.get("customer", 2)
    text = caplog.text
    assert "GET /record/v1/customer/1 status=401 attempt=1" in text
    assert "GET /record/v1/customer/2 status=200 attempt=1" in text
    assert "elapsed=" in text
    authorization = session.sent[0]["headers"]["Authorization"]
    signature = authorization.split('oauth_signature="')[1].split('"')[0]
    for secret in (*SECRETS, "Authorization", "oauth_signature", signature):
        assert secret not in text
        assert secret not in str(caught.value)
