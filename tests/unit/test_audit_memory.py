"""The ledger audit's memory does not grow with the period: Stripe's objects are compared a chunk at a time.

A charge with its PaymentIntent and customer expanded is ~15 KB as Python objects; the audit used to hold
every charge, refund, dispute and payout of the period, and every NetSuite record, at once (a month of a large
account: gigabytes). The month here is bench/audit_memory.py's: stripe-python's own StripeClient over an
in-process HTTP client serving 100 objects a page, and a NetSuite stand-in answering the audit's SuiteQL, both
computing each object from its number (so neither holds the month and the peak is the audit's own).
"""

from __future__ import annotations

import tracemalloc

import stripe

from bench.audit_memory import PERIOD, SETTINGS, Month, MonthHttpClient, MonthNetSuite
from stripe_netsuite.audit import Code
from stripe_netsuite.audit.run import run_audit

CHARGES = 2500


def _month(charges: int) -> tuple[MonthNetSuite, stripe.StripeClient]:
    month = Month(charges)
    client = stripe.StripeClient("sk_test_memory", http_client=MonthHttpClient(month), max_network_retries=0)
    return MonthNetSuite(month), client


def test_a_month_is_audited_in_memory_bounded_by_its_chunk_not_its_size() -> None:
    run_audit(*_month(150), SETTINGS, PERIOD, chunk=100)  # first use: stripe-python's lazy imports
    netsuite, client = _month(CHARGES)
    tracemalloc.start()
    try:
        result = run_audit(netsuite, client, SETTINGS, PERIOD, chunk=100)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    print(f"run_audit peak {peak / 2**20:.1f} MiB over {CHARGES} charges")
    assert result.checked["charges"] == CHARGES and result.checked["refunds"] == CHARGES // 20
    missing = {d.stripe_id for d in result.disagreements if d.code is Code.MISSING_PAYMENT}
    assert missing == {f"ch_{n:010d}" for n in range(CHARGES) if n % 1000 == 500}
    # Measured: 3.4 MiB; the audit that held the whole period peaked at 31.1 MiB on this month.
    assert peak < 8 * 2**20, f"peak {peak / 2**20:.1f} MiB"
