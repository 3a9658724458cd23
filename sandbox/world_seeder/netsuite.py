"""Reading the NetSuite sandbox (or NetSuite) as an integration would: SuiteQL over REST, signed with TBA.

Read only: the connector, not the seeder, writes Stripe's payments to NetSuite.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests
from requests_oauthlib import OAuth1

from .errors import WorldError
from .plan import NsCustomer, NsInvoice, to_minor

_NETSUITE_KEYS = ("ACCOUNT_ID", "CONSUMER_KEY", "CONSUMER_SECRET", "TOKEN_ID", "TOKEN_SECRET")


@dataclass(frozen=True)
class NetSuiteCredentials:
    """Token-based authentication for the NetSuite REST API (the NETSUITE_* settings)."""

    account_id: str
    consumer_key: str
    consumer_secret: str
    token_id: str
    token_secret: str

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> NetSuiteCredentials:
        missing = [f"NETSUITE_{key}" for key in _NETSUITE_KEYS if not env.get(f"NETSUITE_{key}")]
        if missing:
            raise WorldError(f"NetSuite credentials missing: set {', '.join(missing)}")
        return cls(*(env[f"NETSUITE_{key}"] for key in _NETSUITE_KEYS))

    def auth(self) -> requests.auth.AuthBase:
        auth: requests.auth.AuthBase = OAuth1(
            self.consumer_key,
            self.consumer_secret,
            self.token_id,
            self.token_secret,
            signature_method="HMAC-SHA256",
            realm=self.account_id,
        )
        return auth


class NetSuiteReader:
    """SuiteQL over the REST API, signed with TBA like any integration."""

    def __init__(self, base_url: str, credentials: NetSuiteCredentials) -> None:
        base = base_url.rstrip("/")
        self.base = base if base.endswith("/services/rest") else base + "/services/rest"
        self.http = requests.Session()
        self.http.auth = credentials.auth()

    def rows(self, query: str) -> list[dict[str, str]]:
        """Every row of `query`, following SuiteQL's pages."""
        items: list[dict[str, str]] = []
        offset = 0
        while True:
            body = self._page(query, offset)
            items.extend(body["items"])
            if not body.get("hasMore"):
                return items
            offset += int(body["count"])

    def _page(self, query: str, offset: int) -> dict[str, Any]:
        for attempt in range(6):
            response = self.http.post(
                f"{self.base}/query/v1/suiteql",
                params={"limit": 1000, "offset": offset},
                json={"q": query},
                headers={"Prefer": "transient"},
                timeout=60,
            )
            if response.status_code == 429 and attempt < 5:
                time.sleep(0.2 * 2**attempt)  # the account's concurrency limit: wait for a free slot
                continue
            if response.status_code != 200:
                raise WorldError(f"NetSuite SuiteQL answered {response.status_code}: {response.text[:500]}")
            body: dict[str, Any] = response.json()
            return body
        raise WorldError("NetSuite kept answering 429 (concurrency limit)")

    def customers_and_invoices(self) -> tuple[list[NsCustomer], list[NsInvoice]]:
        codes = {row["id"]: row["symbol"].lower() for row in self.rows("SELECT id, symbol FROM currency")}
        extra: dict[str, list[str]] = {}
        for row in self.rows(
            "SELECT customer, currency FROM customercurrencybalance ORDER BY customer, currency"
        ):
            extra.setdefault(row["customer"], []).append(codes[row["currency"]])
        customers = []
        for row in self.rows("SELECT id, companyname, email, currency FROM customer ORDER BY id"):
            primary = codes[row["currency"]]
            others = tuple(code for code in extra.get(row["id"], []) if code != primary)
            name = row.get("companyname") or f"Customer {row['id']}"
            customers.append(
                NsCustomer(
                    row["id"], name, row.get("email"), (primary, *others), catch_all="Unallocated" in name
                )
            )
        invoices = []
        for row in self.rows(
            "SELECT id, tranid, entity, currency, foreignamountremaining, trandate FROM transaction "
            "WHERE type = 'CustInvc' AND status = 'A' ORDER BY id"
        ):
            currency = codes[row["currency"]]
            day = datetime.strptime(row["trandate"], "%Y-%m-%d").replace(tzinfo=UTC)
            invoices.append(
                NsInvoice(
                    row["id"],
                    row["tranid"],
                    row["entity"],
                    currency,
                    to_minor(row["foreignamountremaining"], currency),
                    int(day.timestamp()),
                )
            )
        return customers, invoices

