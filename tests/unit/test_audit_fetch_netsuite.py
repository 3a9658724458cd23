"""The audit's NetSuite reader over a period larger than one SuiteQL answer.

NetSuite answers at most 100,000 rows per SuiteQL query and drops the rest without an error (the NetSuite
sandbox does the same, sandbox/netsuite_sandbox/suiteql.py MAX_ROWS). `CappedNetSuite` stands in for that
one documented behaviour with a small cap, so the test needs no 100,000 records: it answers the rows of its
table with an id above the query's `t.id > N`, ascending, at most `cap` of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from stripe_netsuite.audit.fetch_netsuite import entries_in_period, memo_only_in_period
from stripe_netsuite.audit.period import AuditPeriod

PERIOD = AuditPeriod(date(2026, 10, 1), date(2026, 12, 30))


class CappedNetSuite:
    def __init__(self, rows: list[dict[str, str]], cap: int) -> None:
        self.rows, self.cap, self.queries = rows, cap, 0

    def suiteql(self, query: str, *, page_size: int = 1000) -> Iterable[dict[str, str]]:
        self.queries += 1
        after = re.search(r"t\.id > (\d+)", query)
        start = int(after.group(1)) if after else 0
        return sorted((r for r in self.rows if int(r["id"]) > start), key=lambda r: int(r["id"]))[: self.cap]


def _payments(count: int, external_id: str = "ch_{n}", memo: str = "Stripe: ch_{n}") -> list[dict[str, str]]:
    return [
        {"id": str(n), "type": "CustPymt", "externalid": external_id.format(n=n), "entity": "106",
         "currency": "USD", "foreigntotal": "10.00", "trandate": "2026-11-02", "memo": memo.format(n=n)}
        for n in range(1, count + 1)
    ]  # fmt: skip


def test_every_record_of_the_period_is_read_past_netsuites_row_cap() -> None:
    netsuite = CappedNetSuite(_payments(25), cap=10)
    found = entries_in_period(netsuite, PERIOD)
    assert sorted(int(entry.internal_id) for entry in found.values()) == list(range(1, 26))
    assert netsuite.queries == 4  # 10 + 10 + 5 rows, then an empty answer


def test_every_copy_of_the_period_is_read_past_netsuites_row_cap() -> None:
    netsuite = CappedNetSuite(_payments(25, external_id=""), cap=10)
    assert [int(entry.internal_id) for entry in memo_only_in_period(netsuite, PERIOD)] == list(range(1, 26))
