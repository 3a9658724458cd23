"""A fast-path run takes what webhooks reported while it waited in the queue (load_run.claim_reported).

With one run at a time, a payment reported while a run is queued used to wait for that run to start, then for
the run the dispatcher queued behind it: two run lengths. The queued run now takes it when it starts.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from stripe_netsuite.store import get_engine, migrate
from stripe_netsuite.store.engine import session_scope
from stripe_netsuite.store.load_requests import mark_requested, pending_loads, request_loads
from stripe_netsuite.sync.load_run import claim_reported

TARGET = "netsuite_payments"
NOW = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)


def _report(url: str, ids: list[str], event: str, at: datetime) -> None:
    with session_scope(get_engine(url)) as session:
        request_loads(session, TARGET, ids, event, at)


def test_a_run_claims_what_was_reported_while_it_was_queued_and_keeps_it_on_a_retry(
    state_db_url: str,
) -> None:
    migrate(state_db_url)
    engine = get_engine(state_db_url)
    # The dispatcher asked run 1 for pi_a; pi_b and pi_c were reported while run 1 waited in the queue.
    _report(state_db_url, ["pi_a"], "evt_1", NOW)
    mark_requested(engine, TARGET, pending_loads(engine, TARGET, 10), "run1", NOW)
    _report(state_db_url, ["pi_b"], "evt_2", NOW + timedelta(seconds=1))
    _report(state_db_url, ["pi_c"], "evt_3", NOW + timedelta(seconds=2))
    with session_scope(engine) as session:  # another target's: not this DAG's
        request_loads(session, "netsuite_deposits", ["po_x"], "evt_4", NOW)

    assert claim_reported(engine, TARGET, "run1", NOW + timedelta(seconds=3)) == ["pi_a", "pi_b", "pi_c"]
    # Nothing is left pending, so the dispatcher asks for no follow-up run.
    assert pending_loads(engine, TARGET, 10) == []
    assert [p.stripe_id for p in pending_loads(engine, "netsuite_deposits", 10)] == ["po_x"]
    # Reported after the claim: pending, for the next run; a retry of run 1 keeps what run 1 took.
    _report(state_db_url, ["pi_d"], "evt_5", NOW + timedelta(seconds=4))
    retried = claim_reported(engine, TARGET, "run1", NOW + timedelta(seconds=5))
    assert retried == ["pi_a", "pi_b", "pi_c", "pi_d"]
    assert claim_reported(engine, TARGET, "run2", NOW + timedelta(seconds=6)) == []
    # pi_b reported again (the object changed): pending again, and the next run takes it.
    _report(state_db_url, ["pi_b"], "evt_6", NOW + timedelta(seconds=7))
    assert claim_reported(engine, TARGET, "run2", NOW + timedelta(seconds=8)) == ["pi_b"]
