"""Where a person opens a Stripe object or a NetSuite record: the one home of dashboard and record URLs.

Payment links (what customers open) are stripe_netsuite.links; these are the back-office pages a finance
person opens from a report row. Ids are checked before they go into a URL, so an odd id gives no link
rather than a link somewhere else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["RecordLinks", "netsuite_host", "netsuite_record_url", "stripe_dashboard_url"]

STRIPE_DASHBOARD = "https://dashboard.stripe.com"
_STRIPE_ID = re.compile(r"[A-Za-z0-9_]{1,255}")
_INTERNAL_ID = re.compile(r"[0-9]{1,20}")
_ACCOUNT = re.compile(r"[A-Za-z0-9]+(_[A-Za-z0-9]+)?")

# The Dashboard page of each Stripe object type, by its id prefix (charges and payment intents are both
# shown under /payments).
_STRIPE_PAGES = {
    "ch": "payments", "py": "payments", "pi": "payments", "re": "refunds", "pyr": "refunds",
    "dp": "disputes", "du": "disputes", "po": "payouts", "cus": "customers", "cs": "checkout/sessions",
}  # fmt: skip

# NetSuite's UI page of each record type the connector writes (/app/accounting/transactions/<page>.nl).
_NETSUITE_PAGES = {
    "customerPayment": "custpymt",
    "customerRefund": "custrfnd",
    "creditMemo": "custcred",
    "deposit": "deposit",
    "journalEntry": "journal",
}


def stripe_dashboard_url(stripe_id: str, *, livemode: bool = False, account: str = "") -> str | None:
    """The Dashboard page of a Stripe object, or None when its type has no page we know.

    Test-mode objects live under /test; a connected account's objects under /<acct_...>.
    """
    if not _STRIPE_ID.fullmatch(stripe_id or ""):
        return None
    page = _STRIPE_PAGES.get(stripe_id.split("_", 1)[0])
    if page is None:
        return None
    scope = f"/{account}" if account and _STRIPE_ID.fullmatch(account) else ""
    mode = "" if livemode else "/test"
    return f"{STRIPE_DASHBOARD}{scope}{mode}/{page}/{stripe_id}"


def netsuite_host(account_id: str) -> str:
    """The UI host of a NetSuite account: `1234567_SB1` -> `1234567-sb1.app.netsuite.com`."""
    if not _ACCOUNT.fullmatch(account_id):
        raise ValueError(f"not a NetSuite account id: {account_id!r}")
    return f"{account_id.lower().replace('_', '-')}.app.netsuite.com"


def netsuite_record_url(account_id: str | None, record_type: str, internal_id: str | None) -> str | None:
    """The NetSuite UI page of a transaction, or None without an account, an internal id or a known type."""
    page = _NETSUITE_PAGES.get(record_type)
    if not account_id or not internal_id or page is None or not _INTERNAL_ID.fullmatch(internal_id):
        return None
    return f"https://{netsuite_host(account_id)}/app/accounting/transactions/{page}.nl?id={internal_id}"


@dataclass(frozen=True)
class RecordLinks:
    """The URL builders of one deployment: its NetSuite account (None: no NetSuite links)."""

    netsuite_account_id: str | None = None

    def __post_init__(self) -> None:
        if self.netsuite_account_id is not None:
            netsuite_host(self.netsuite_account_id)  # refuse a malformed account id at once

    def stripe(self, stripe_id: str | None, *, livemode: bool = False, account: str = "") -> str | None:
        return stripe_dashboard_url(stripe_id, livemode=livemode, account=account) if stripe_id else None

    def netsuite(self, record_type: str, internal_id: str | None) -> str | None:
        return netsuite_record_url(self.netsuite_account_id, record_type, internal_id)
