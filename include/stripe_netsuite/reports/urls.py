"""Where a person opens a Stripe object or a NetSuite record: the one home of dashboard and record URLs.

Payment links (what customers open) are stripe_netsuite.links; these are the back-office pages a finance
person opens from a report row. Ids are checked before they go into a URL, so an odd id gives no link
rather than a link somewhere else.

Neither service documents these page addresses as an API; the forms below are the ones their UIs use,
with where each was checked:

- Stripe Dashboard: `https://dashboard.stripe.com[/<acct_...>][/test]/<page>/<id>`.
  Test-mode objects live under `/test`, and a live object under `/test` is a 404
  (github.com/mojoconf/nyc-2015-06-05 issue 24: "/test/payments/<id> -> /payments/<id>").
  An account's own objects open under `/<acct_...>`, before `/test` (the account switcher's form, used so
  in public integrations: `dashboard.stripe.com/${acct}/test/payments/${pi}`, `/${acct}/disputes/${du}`).
  Pages: `/payments/<ch_|py_|pi_>` (charges and PaymentIntents are both "payments"), `/refunds/<re_|pyr_>`,
  `/disputes/<du_|dp_>`, `/payouts/<po_>`, `/customers/<cus_>`, `/checkout/sessions/<cs_>` (Zulip's Stripe
  integration, zerver/webhooks/stripe/view.py linkified_id: py -> payments, re -> refunds, dp -> disputes,
  po -> payouts, cus -> customers; for ch and pi it has the older /charges and /payment_intents, where the
  integrations above open pi_ under /payments).
- NetSuite UI: the account-specific domain `https://<account id>.app.netsuite.com` (Oracle, "URLs for
  Account-Specific Domains", docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_1498251763.html;
  the N/url module's HostType.APPLICATION is `<accountID>.app.netsuite.com`, section_4834765371.html).
  In a domain the account id is lower case with `_` as `-`: sandbox `1234567_SB1` is
  `1234567-sb1.app.netsuite.com` (NetSuite's own file URLs pair `5260239-sb1.app.netsuite.com` with
  `c=5260239_SB1`; SuiteCloud's account list shows `9090450-sb1.app.netsuite.com`), as in the SuiteTalk
  domain (config.sections.default_base_url). Oracle asks integrations to copy domains from Setup > Company >
  Company Information > Company URLs rather than build them; the derived form is the one listed there.
  Record pages: transactions at `/app/accounting/transactions/<type>.nl?id=<internal id>` (custpymt,
  custrfnd, custcred, custinvc, deposit, journal), customers at `/app/common/entity/custjob.nl?id=<id>`
  (both listed in Oracle's NetSuite AI connector instructions, "Links").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "RecordLinks",
    "netsuite_domain_id",
    "netsuite_host",
    "netsuite_record_url",
    "stripe_dashboard_url",
    "stripe_key_livemode",
]

STRIPE_DASHBOARD = "https://dashboard.stripe.com"
_STRIPE_ID = re.compile(r"[A-Za-z0-9_]{1,255}")
_CONNECTED_ACCOUNT = re.compile(r"acct_[A-Za-z0-9]{1,255}")
_INTERNAL_ID = re.compile(r"[0-9]{1,20}")
# NETSUITE_ACCOUNT_ID as Company Information shows it (1234567, 1234567_SB1, TSTDRV1234567, 1234567_RP), or
# already in its domain form (1234567-sb1).
_ACCOUNT = re.compile(r"[A-Za-z0-9]{1,40}([_-][A-Za-z0-9]{1,10})?")

# The Dashboard page of each Stripe object type, by its id prefix (charges and payment intents are both
# shown under /payments).
_STRIPE_PAGES = {
    "ch": "payments", "py": "payments", "pi": "payments", "re": "refunds", "pyr": "refunds",
    "dp": "disputes", "du": "disputes", "po": "payouts", "cus": "customers", "cs": "checkout/sessions",
}  # fmt: skip
# Ids that name their own mode (Checkout Sessions: cs_test_..., cs_live_...): the id wins over the caller.
_MODE_IN_ID = frozenset({"cs"})
_ID_MODES = {"test": False, "live": True}

# NetSuite's UI page of each record type (REST record names) the connector writes or reports on.
_NETSUITE_PAGES = {
    "customerPayment": "/app/accounting/transactions/custpymt.nl",
    "customerRefund": "/app/accounting/transactions/custrfnd.nl",
    "creditMemo": "/app/accounting/transactions/custcred.nl",
    "invoice": "/app/accounting/transactions/custinvc.nl",
    "deposit": "/app/accounting/transactions/deposit.nl",
    "journalEntry": "/app/accounting/transactions/journal.nl",
    "customer": "/app/common/entity/custjob.nl",
}


def stripe_dashboard_url(stripe_id: str, *, livemode: bool = False, account: str = "") -> str | None:
    """The Dashboard page of a Stripe object, or None when its type has no page we know.

    Test-mode objects live under /test; a connected account's objects under /<acct_...>. An `account` that is
    not an account id gives no link: without it the link would open the platform's object of that id.
    """
    if not _STRIPE_ID.fullmatch(stripe_id or ""):
        return None
    prefix, _, rest = stripe_id.partition("_")
    page = _STRIPE_PAGES.get(prefix)
    if page is None or not rest:
        return None
    if account and not _CONNECTED_ACCOUNT.fullmatch(account):
        return None
    if prefix in _MODE_IN_ID:
        livemode = _ID_MODES.get(rest.split("_", 1)[0], livemode)
    scope = f"/{account}" if account else ""
    mode = "" if livemode else "/test"
    return f"{STRIPE_DASHBOARD}{scope}{mode}/{page}/{stripe_id}"


def stripe_key_livemode(api_key: str | None) -> bool:
    """Whether a Stripe secret or restricted key is a live one (sk_live_/rk_live_; Stripe's API keys page)."""
    return (api_key or "").startswith(("sk_live_", "rk_live_"))


def netsuite_domain_id(account_id: str) -> str:
    """The account id as domains write it: `1234567_SB1` -> `1234567-sb1`, `TSTDRV1` -> `tstdrv1`."""
    text = (account_id or "").strip()
    if not _ACCOUNT.fullmatch(text):
        raise ValueError(f"not a NetSuite account id: {account_id!r}")
    return text.lower().replace("_", "-")


def netsuite_host(account_id: str) -> str:
    """The UI host of a NetSuite account: `1234567_SB1` -> `1234567-sb1.app.netsuite.com`."""
    return f"{netsuite_domain_id(account_id)}.app.netsuite.com"


def netsuite_record_url(account_id: str | None, record_type: str, internal_id: str | None) -> str | None:
    """The NetSuite UI page of a record, or None without an account, an internal id or a known type."""
    page = _NETSUITE_PAGES.get(record_type)
    if not account_id or not internal_id or page is None or not _INTERNAL_ID.fullmatch(internal_id):
        return None
    return f"https://{netsuite_host(account_id)}{page}?id={internal_id}"


@dataclass(frozen=True)
class RecordLinks:
    """The URL builders of one deployment: its NetSuite account (None: no NetSuite links) and its Stripe
    mode, for rows that do not carry their object's own `livemode` (failed records, quarantined rows)."""

    netsuite_account_id: str | None = None
    stripe_livemode: bool = False

    def __post_init__(self) -> None:
        if self.netsuite_account_id is not None:
            netsuite_host(self.netsuite_account_id)  # refuse a malformed account id at once

    def stripe(self, stripe_id: str | None, *, livemode: bool | None = None, account: str = "") -> str | None:
        """`livemode` None: the deployment's mode."""
        if not stripe_id:
            return None
        mode = self.stripe_livemode if livemode is None else livemode
        return stripe_dashboard_url(stripe_id, livemode=mode, account=account)

    def netsuite(self, record_type: str, internal_id: str | None) -> str | None:
        return netsuite_record_url(self.netsuite_account_id, record_type, internal_id)
