"""The sections of the process's settings: what the Stripe and NetSuite clients, the ledger, the pages need.

Each field names its environment variable, its validator and its default (`setting(...)`), and, where an
Airflow connection can carry it, the connection's field. Nothing here imports the clients that use them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from stripe_netsuite import retries
from stripe_netsuite.config import parsers as p
from stripe_netsuite.config.fields import check, setting
from stripe_netsuite.config.parsers import ConfigError

if TYPE_CHECKING:
    from stripe_netsuite.sync.deposit_settings import DepositSettings
    from stripe_netsuite.sync.settings import LedgerSettings

__all__ = [
    "DEFAULT_RATE_BUDGET",
    "AccountSettings",
    "AirflowApiSettings",
    "NetSuiteSettings",
    "PageConfig",
    "StateSettings",
    "StripeSettings",
    "default_base_url",
]

# Stripe's test mode allows 25 operations/s and live mode 100; 20 leaves room for the webapp and webhooks.
DEFAULT_RATE_BUDGET = 20.0
_OAUTH2_ALGORITHMS = ("PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "RS256", "RS384", "RS512")


def _empty() -> Mapping[str, str]:
    return MappingProxyType({})


def _account_id(text: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9]+(_[A-Za-z0-9]+)?", text):
        raise ValueError("must be a NetSuite account id such as 1234567 or 1234567_SB1")
    return text


def _algorithm(text: str) -> str:
    if text.upper() not in _OAUTH2_ALGORITHMS:
        raise ValueError(f"must be one of {', '.join(_OAUTH2_ALGORITHMS)}")
    return text.upper()


def _missing(names: list[str], why: str) -> ConfigError:
    return ConfigError(f"{', '.join(names)}: required {why} (see .env.example)")


@dataclass(frozen=True)
class StripeSettings:
    """What a Stripe client needs: from STRIPE_* or the `stripe_default` connection (stripe_api.connection).
    """

    api_key: str = setting(
        "STRIPE_API_KEY", p.prefixed("sk_", "rk_"), default="", secret=True, extra="password"
    )
    api_base: str | None = setting("STRIPE_API_BASE", p.url, extra="api_base")  # None = api.stripe.com
    connected_account_ids: tuple[str, ...] = setting(
        "STRIPE_CONNECTED_ACCOUNT_IDS", p.id_list, default=(), extra="connected_account_ids"
    )
    rate_budget: float = setting(
        "STRIPE_RATE_BUDGET", p.positive_number, default=DEFAULT_RATE_BUDGET, extra="rate_budget"
    )
    # 0: the library's backoff is the one retry layer of Stripe reads (stripe_netsuite.retries).
    max_network_retries: int = setting(
        "STRIPE_MAX_NETWORK_RETRIES",
        p.count,
        default=retries.STRIPE_PYTHON_RETRIES,
        extra="max_network_retries",
    )

    def __post_init__(self) -> None:
        if not self.api_key:
            raise _missing(
                ["STRIPE_API_KEY"], "(the Stripe secret key: the connection's password or STRIPE_API_KEY)"
            )
        check(StripeSettings, "api_key", self.api_key)
        if self.api_base is not None:
            object.__setattr__(self, "api_base", p.url(self.api_base))
        if not self.rate_budget > 0:
            raise ConfigError("STRIPE_RATE_BUDGET: must be > 0 operations per second")
        if self.max_network_retries < 0:
            raise ConfigError("STRIPE_MAX_NETWORK_RETRIES: must not be negative")

    @property
    def accounts(self) -> tuple[str, ...]:
        """The platform ('') followed by every connected account to extract."""
        return ("", *self.connected_account_ids)


def default_base_url(account_id: str) -> str:
    """The REST base Oracle derives from an account id: `1234567_SB1` -> `https://1234567-sb1.suitetalk...`.
    """
    host = account_id.strip().lower().replace("_", "-")
    return f"https://{host}.suitetalk.api.netsuite.com/services/rest"


_TBA = {
    "consumer_key": "NETSUITE_CONSUMER_KEY",
    "consumer_secret": "NETSUITE_CONSUMER_SECRET",
    "token_id": "NETSUITE_TOKEN_ID",
    "token_secret": "NETSUITE_TOKEN_SECRET",
}
_OAUTH2 = {
    "client_id": "NETSUITE_OAUTH2_CLIENT_ID",
    "certificate_id": "NETSUITE_OAUTH2_CERTIFICATE_ID",
    "private_key_pem": "NETSUITE_OAUTH2_PRIVATE_KEY_FILE",
}


@dataclass(frozen=True)
class NetSuiteSettings:
    """Everything a NetSuiteClient needs: from NETSUITE_* or the `netsuite_default` connection
    (netsuite.connection: host = base URL, login/password = token id/secret); secrets stay out of repr."""

    account_id: str = setting("NETSUITE_ACCOUNT_ID", _account_id, default="", extra="account_id")
    base_url: str = setting("NETSUITE_BASE_URL", p.url, default="", extra="host")  # "" = from the account id
    consumer_key: str | None = setting("NETSUITE_CONSUMER_KEY", secret=True, extra="consumer_key")
    consumer_secret: str | None = setting("NETSUITE_CONSUMER_SECRET", secret=True, extra="consumer_secret")
    token_id: str | None = setting("NETSUITE_TOKEN_ID", secret=True, extra="login")
    token_secret: str | None = setting("NETSUITE_TOKEN_SECRET", secret=True, extra="password")
    client_id: str | None = setting("NETSUITE_OAUTH2_CLIENT_ID", extra="oauth2_client_id")
    certificate_id: str | None = setting("NETSUITE_OAUTH2_CERTIFICATE_ID", extra="oauth2_certificate_id")
    # The connection holds the PEM itself (extra oauth2_private_key); the environment names a file.
    private_key_pem: bytes | None = setting("NETSUITE_OAUTH2_PRIVATE_KEY_FILE", p.file_bytes, secret=True)
    algorithm: str = setting(
        "NETSUITE_OAUTH2_ALGORITHM", _algorithm, default="PS256", extra="oauth2_algorithm"
    )
    # 5: a standard account's limit (15 with tier 1, +10 per SuiteCloud Plus licence).
    concurrency_limit: int = setting(
        "NETSUITE_CONCURRENCY_LIMIT", p.positive, default=5, extra="concurrency_limit"
    )
    timeout: tuple[float, float] = (5, 60)  # (connect, read) seconds
    max_retries: int = retries.NETSUITE.max_retries

    def __post_init__(self) -> None:
        if not self.account_id.strip():
            raise _missing(["NETSUITE_ACCOUNT_ID"], "(the NetSuite account id, e.g. 1234567_SB1)")
        check(NetSuiteSettings, "account_id", self.account_id)
        object.__setattr__(self, "base_url", p.url(self.base_url or default_base_url(self.account_id)))
        object.__setattr__(self, "algorithm", _algorithm(self.algorithm))
        if not isinstance(self.concurrency_limit, int) or self.concurrency_limit < 1:
            raise ConfigError("NETSUITE_CONCURRENCY_LIMIT: must be at least 1")
        if self.max_retries < 0:
            raise ValueError("max_retries must not be negative")
        oauth2 = {attribute: getattr(self, attribute) for attribute in _OAUTH2}
        if any(oauth2.values()):  # OAuth 2.0 wins when configured: Oracle steers new integrations to it
            missing = [name for attribute, name in _OAUTH2.items() if not oauth2[attribute]]
            if missing:
                raise _missing(missing, "for OAuth 2.0 (with " + ", ".join(_OAUTH2.values()) + ")")
        else:
            missing = [name for attribute, name in _TBA.items() if not getattr(self, attribute)]
            if missing:
                raise _missing(missing, "for token-based authentication (or the NETSUITE_OAUTH2_* settings)")

    @property
    def has_tba(self) -> bool:
        return all((self.consumer_key, self.consumer_secret, self.token_id, self.token_secret))

    @property
    def uses_oauth2(self) -> bool:
        return bool(self.client_id and self.certificate_id and self.private_key_pem)

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/auth/oauth2/v1/token"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> NetSuiteSettings:
        """The netsuite section of the process's settings; ConfigError names a missing or invalid variable."""
        from stripe_netsuite.config.settings import Settings

        return Settings.from_env(environ).require_netsuite()


@dataclass(frozen=True)
class AccountSettings:
    """The NetSuite records the connector writes to and the ledger's choices (internal ids)."""

    bank_accounts: Mapping[str, str] = setting("NETSUITE_BANK_ACCOUNTS", p.currency_map, factory=_empty)
    undeposited_funds_account: str | None = setting("NETSUITE_UNDEPOSITED_FUNDS_ACCOUNT", p.internal_id)
    fee_account: str | None = setting("NETSUITE_FEE_ACCOUNT", p.internal_id)
    # Deposits: fee types with their own account (others post to NETSUITE_FEE_ACCOUNT), and where Stripe
    # adjustments and won disputes' reinstatements post.
    fee_accounts: Mapping[str, str] = setting("NETSUITE_FEE_ACCOUNTS", p.fee_type_map, factory=_empty)
    adjustment_account: str | None = setting("NETSUITE_ADJUSTMENT_ACCOUNT", p.internal_id)
    payment_method: str | None = setting("NETSUITE_PAYMENT_METHOD", p.internal_id)
    unallocated_customer: str | None = setting("NETSUITE_UNALLOCATED_CUSTOMER", p.internal_id)
    time_zone: str | None = setting("NETSUITE_TIME_ZONE", p.time_zone)
    subsidiary_currencies: Mapping[str, str] = setting(
        "NETSUITE_SUBSIDIARY_CURRENCIES", p.subsidiary_currencies, factory=_empty
    )
    clearing_accounts: Mapping[str, str] = setting(
        "NETSUITE_CLEARING_ACCOUNTS", p.currency_map, factory=_empty
    )
    credit_memo_item: str | None = setting("NETSUITE_CREDIT_MEMO_ITEM", p.internal_id)
    auto_apply: bool = setting("NETSUITE_AUTO_APPLY", p.boolean, default=False)
    add_customer_currency: bool = setting("NETSUITE_ADD_CUSTOMER_CURRENCY", p.boolean, default=False)
    match_by_email: bool = setting("NETSUITE_MATCH_BY_EMAIL", p.boolean, default=False)

    def ledger_settings(self) -> LedgerSettings:
        """The ledger mappings' settings; ConfigError names every variable they need that is unset."""
        from stripe_netsuite.sync.settings import LedgerSettings

        needed = {
            "NETSUITE_TIME_ZONE": self.time_zone,
            "NETSUITE_SUBSIDIARY_CURRENCIES": self.subsidiary_currencies,
            "NETSUITE_PAYMENT_METHOD": self.payment_method,
            "NETSUITE_UNDEPOSITED_FUNDS_ACCOUNT": self.undeposited_funds_account,
            "NETSUITE_CLEARING_ACCOUNTS": self.clearing_accounts,
            "NETSUITE_UNALLOCATED_CUSTOMER": self.unallocated_customer,
            "NETSUITE_CREDIT_MEMO_ITEM": self.credit_memo_item,
        }
        missing = [name for name, value in needed.items() if not value]
        if missing:
            raise _missing(missing, "by the ledger")
        return LedgerSettings(
            time_zone=str(self.time_zone),
            base_currencies=self.subsidiary_currencies,
            payment_option_id=str(self.payment_method),
            undeposited_funds_account_id=str(self.undeposited_funds_account),
            clearing_accounts=self.clearing_accounts,
            unallocated_customer_id=str(self.unallocated_customer),
            credit_memo_item_id=str(self.credit_memo_item),
            auto_apply=self.auto_apply,
            add_customer_currency=self.add_customer_currency,
            match_by_email=self.match_by_email,
        )

    def deposit_settings(self) -> DepositSettings:
        """The deposits' accounts (sharing the ledger's clearing and Undeposited Funds accounts).

        ConfigError names every variable they need that is unset; a payout currency without a bank account is
        not an error here: its payouts are blocked (payout_currency_account_missing) until one is mapped.
        """
        from stripe_netsuite.sync.deposit_settings import DepositSettings

        ledger = self.ledger_settings()
        needed = {
            "NETSUITE_FEE_ACCOUNT": self.fee_account,
            "NETSUITE_ADJUSTMENT_ACCOUNT": self.adjustment_account,
        }
        missing = [name for name, value in needed.items() if not value]
        if missing:
            raise _missing(missing, "by deposits")
        return DepositSettings.for_ledger(
            ledger,
            bank_accounts=self.bank_accounts,
            fee_account_id=str(self.fee_account),
            adjustment_account_id=str(self.adjustment_account),
            fee_accounts=self.fee_accounts,
        )


@dataclass(frozen=True)
class PageConfig:
    """The payment pages (webapp): links, rate limits, branding and what a payment sends to Stripe."""

    webapp_secret_key: str | None = setting("WEBAPP_SECRET_KEY", p.secret_key, secret=True)
    payment_link_base_url: str | None = setting("PAYMENT_LINK_BASE_URL", p.url)
    payment_link_keys: str | None = setting("PAYMENT_LINK_KEYS", p.key_ring, secret=True)
    stripe_webhook_secret: str | None = setting("STRIPE_WEBHOOK_SECRET", p.prefixed("whsec_"), secret=True)
    webapp_trusted_proxies: int = setting("WEBAPP_TRUSTED_PROXIES", p.count, default=0)
    webapp_workers: int | None = setting("WEBAPP_WORKERS", p.positive)  # None: gunicorn.conf.py decides
    rate_limit_enabled: bool = setting(
        "RATE_LIMIT_ENABLED", p.boolean, default=True
    )  # false: benchmarks only
    # memory:// counts in one process only; several workers or hosts need a shared storage (Redis).
    rate_limit_storage_uri: str = setting(
        "RATE_LIMIT_STORAGE_URI", p.rate_limit_storage, default="memory://", secret=True
    )
    rate_limit_pay: str = setting("RATE_LIMIT_PAY", p.rate, default="10/minute")  # POSTs per IP and link
    rate_limit_page: str = setting("RATE_LIMIT_PAGE", p.rate, default="60/minute")  # views per IP and link
    rate_limit_bad_link: str = setting("RATE_LIMIT_BAD_LINK", p.rate, default="20/minute")  # 404s per IP
    receipts: str = setting("RECEIPTS", p.choice("stripe", "netsuite"), default="stripe")
    business_name: str | None = setting("BUSINESS_NAME")
    brand_color: str | None = setting("BRAND_COLOR", p.color)
    brand_logo_url: str | None = setting("BRAND_LOGO_URL", p.url)
    statement_descriptor_suffix: str | None = setting("STATEMENT_DESCRIPTOR_SUFFIX", p.statement_suffix)
    allow_partial_invoice_payment: bool = setting("ALLOW_PARTIAL_INVOICE_PAYMENT", p.boolean, default=False)
    default_locale: str = setting("DEFAULT_LOCALE", p.locale, default="en_US")


@dataclass(frozen=True)
class AirflowApiSettings:
    """Airflow's REST API, which the webhooks ask to run a DAG at once (unset: the schedule runs it)."""

    api_url: str | None = setting("AIRFLOW_API_URL", p.url)
    api_user: str | None = setting("AIRFLOW_API_USER")
    api_password: str | None = setting("AIRFLOW_API_PASSWORD", secret=True)


@dataclass(frozen=True)
class StateSettings:
    """Where the connector keeps its state and reports."""

    # "" = the SQLite file var/connector.db under the project root (config.settings.default_database_url)
    database_url: str = setting("CONNECTOR_DATABASE_URL", default="", secret=True)
    home: Path | None = setting("CONNECTOR_HOME", p.path)  # noqa: RUF009
    reports_dir: Path | None = setting("CONNECTOR_REPORTS_DIR", p.path)  # noqa: RUF009
    node_modules: Path | None = setting("CONNECTOR_NODE_MODULES", p.path)  # noqa: RUF009
