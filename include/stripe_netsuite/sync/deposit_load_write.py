"""Writing one deposit: a synchronous PUT by external id, or for a large one NetSuite's asynchronous request.

A deposit is one record, so NetSuite holds all of it or none. A large one (Stripe payouts can carry 10,000
transactions; Oracle warns that more than 1,000 lines hurt performance) can take NetSuite longer than the
client's read timeout: the client would give up and send the PUT again while the first is still running,
and every run would end the same way. So a deposit over ASYNC_LINES lines goes as `Prefer: respond-async`
(NetSuite answers 202 with a job at once and runs it, up to its 15-minute request limit), with an
idempotency key derived from the deposit's content and the run: a resend within the run finds the same job
instead of starting another. The run is in the key so that a job that failed (NetSuite refused the deposit,
or broke down) is not returned forever once its cause is fixed: the next run submits it again, which is safe
because the job is an upsert by external id, like the synchronous PUT (a job of an earlier, killed run that
is still working writes the same deposit).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from urllib.parse import quote

from stripe_netsuite.netsuite import NetSuiteClient, NetSuiteError
from stripe_netsuite.sync.deposit_records import Deposit

__all__ = ["ASYNC_LINES", "ASYNC_WAIT_SECONDS", "idempotency_key", "write_deposit"]

ASYNC_LINES = 1000
ASYNC_WAIT_SECONDS = 15 * 60.0  # NetSuite ends a request after 15 minutes
ASYNC_POLL_SECONDS = 2.0
_KEYS = uuid.UUID("6f1d3c52-6a8e-4f59-9a57-1d0c8b2f7e41")  # namespace of the connector's idempotency keys


def _lines(deposit: Deposit) -> int:
    return len(deposit.payments) + len(deposit.other) + len(deposit.cashback)


def idempotency_key(deposit: Deposit, run_id: str) -> str:
    """A UUID naming this deposit's content (body and sublists replaced) written by this run."""
    content = json.dumps([deposit.body(), list(deposit.replace)], sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(content.encode()).hexdigest()
    return str(uuid.uuid5(_KEYS, f"{deposit.external_id}:{digest}:{run_id}"))


def write_deposit(netsuite: NetSuiteClient, deposit: Deposit, run_id: str) -> str:
    """Create or replace the deposit by its external id; returns its internal id."""
    if _lines(deposit) <= ASYNC_LINES:
        return netsuite.upsert(deposit.record_type, deposit.external_id, deposit.body(),
                               replace=deposit.replace)  # fmt: skip
    replace = quote(",".join(deposit.replace), safe="")
    path = f"{deposit.record_type}/eid:{deposit.external_id}?replace={replace}"
    job = netsuite.submit_async("PUT", path, deposit.body(), idempotency_key=idempotency_key(deposit, run_id))
    result = netsuite.wait_for_job(job, timeout=ASYNC_WAIT_SECONDS, poll=ASYNC_POLL_SECONDS)
    internal_id = result.record_id or netsuite.find_by_external_id(deposit.record_type, deposit.external_id)
    if internal_id is None:
        raise NetSuiteError(result.status, detail=f"async job {job} wrote deposit eid:{deposit.external_id} "
                            "but it cannot be found")
    return internal_id
