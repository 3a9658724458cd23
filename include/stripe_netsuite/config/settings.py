"""Settings: the one typed settings object of a process, read once from the environment, validated at start.

Every variable is read by one validator (config.parsers) into one field of one section (config.sections);
an invalid value raises ConfigError naming the variable when the settings are read. A missing one is
reported when a consumer `require`s it, so the webapp, the DAG tasks and the CLI each demand just what they
use; a NetSuite account named without its credentials fails at once.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from stripe_netsuite.config.fields import env_fields, read_env
from stripe_netsuite.config.finance import NotifySettings, ReviewSettings
from stripe_netsuite.config.parsers import ConfigError
from stripe_netsuite.config.sections import (
    AccountSettings,
    AirflowApiSettings,
    NetSuiteSettings,
    PageConfig,
    StateSettings,
    StripeSettings,
)

__all__ = [
    "Settings",
    "database_url",
    "default_database_url",
    "netsuite_concurrency_limit",
    "project_root",
    "state_from_env",
]


def project_root(environ: Mapping[str, str] | None = None) -> Path:
    """The project directory: $CONNECTOR_HOME, else the checkout this module lives in, else the cwd."""
    env = os.environ if environ is None else environ
    if env.get("CONNECTOR_HOME", "").strip():
        return Path(env["CONNECTOR_HOME"].strip()).expanduser().resolve()
    for parent in Path(__file__).resolve().parents:
        # A source checkout (editable install); an installed wheel lives in site-packages and has neither.
        if (parent / "pyproject.toml").is_file() and (parent / "include" / "stripe_netsuite").is_dir():
            return parent
    return Path.cwd()


def default_database_url(environ: Mapping[str, str] | None = None) -> str:
    """The embedded default: a SQLite file var/connector.db under the project root."""
    return f"sqlite:///{project_root(environ) / 'var' / 'connector.db'}"


def database_url(environ: Mapping[str, str] | None = None) -> str:
    """$CONNECTOR_DATABASE_URL or the embedded default."""
    env = os.environ if environ is None else environ
    return env.get("CONNECTOR_DATABASE_URL", "").strip() or default_database_url(env)


def state_from_env(environ: Mapping[str, str] | None = None) -> StateSettings:
    """Just the state section (paths and the state DB), for code that needs no other setting."""
    env = os.environ if environ is None else environ
    state = StateSettings(**read_env(StateSettings, env))
    return replace(state, database_url=state.database_url or default_database_url(env))


def netsuite_concurrency_limit(environ: Mapping[str, str] | None = None) -> int:
    """NETSUITE_CONCURRENCY_LIMIT, else its default: without the credentials NetSuiteSettings requires, so a
    DAG can size its `netsuite_api` pool slots and writers by it when it is parsed."""
    env = os.environ if environ is None else environ
    name = "NETSUITE_CONCURRENCY_LIMIT"
    found = read_env(NetSuiteSettings, {name: env.get(name, "")})
    return int(found.get("concurrency_limit", NetSuiteSettings.concurrency_limit))


# The sections of Settings and their classes; stripe and netsuite are None when their account is not named.
_SECTIONS: dict[str, type] = {
    "stripe": StripeSettings,
    "netsuite": NetSuiteSettings,
    "accounts": AccountSettings,
    "page": PageConfig,
    "airflow": AirflowApiSettings,
    "state": StateSettings,
    "notify": NotifySettings,
    "review": ReviewSettings,
}


@dataclass(frozen=True)
class Settings:
    """All connector settings of one process (DESIGN §4), by section; see .env.example for each variable."""

    stripe: StripeSettings | None = None  # None: STRIPE_API_KEY unset
    netsuite: NetSuiteSettings | None = None  # None: NETSUITE_ACCOUNT_ID unset
    accounts: AccountSettings = field(default_factory=AccountSettings)
    page: PageConfig = field(default_factory=PageConfig)
    airflow: AirflowApiSettings = field(default_factory=AirflowApiSettings)
    state: StateSettings = field(default_factory=StateSettings)
    notify: NotifySettings = field(default_factory=NotifySettings)
    review: ReviewSettings = field(default_factory=ReviewSettings)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read and validate every variable; empty ones count as unset."""
        env = os.environ if environ is None else environ
        read = {name: read_env(section, env) for name, section in _SECTIONS.items()}
        stripe = StripeSettings(**read["stripe"]) if "api_key" in read["stripe"] else None
        netsuite = NetSuiteSettings(**read["netsuite"]) if "account_id" in read["netsuite"] else None
        return cls(
            stripe=stripe,
            netsuite=netsuite,
            accounts=AccountSettings(**read["accounts"]),
            page=PageConfig(**read["page"]),
            airflow=AirflowApiSettings(**read["airflow"]),
            state=state_from_env(env),
            notify=NotifySettings(**read["notify"]),
            review=ReviewSettings(**read["review"]),
        )

    @property
    def database_url(self) -> str:
        """The state DB's URL (the state section's, the default already applied)."""
        return self.state.database_url

    @classmethod
    def env_names(cls) -> tuple[str, ...]:
        """Every environment variable the settings read, in declaration order."""
        return tuple(name for name, _, _ in _variables())

    @classmethod
    def env_name(cls, section: str, attribute: str) -> str:
        """The environment variable behind a field (("stripe", "api_key") -> "STRIPE_API_KEY")."""
        for name, section_name, spec_name in _variables():
            if (section_name, spec_name) == (section, attribute):
                return name
        raise KeyError(f"{section}.{attribute}")

    def value(self, name: str) -> Any:
        """The value of variable `name` (None when its section is unset); KeyError for an unknown name."""
        for env, section_name, attribute in _variables():
            if env == name:
                section = getattr(self, section_name)
                return None if section is None else getattr(section, attribute)
        raise KeyError(f"not a connector setting: {name}")

    def require(self, *names: str) -> Any:
        """Value of one required variable (or a tuple for several); ConfigError names each one missing."""
        unknown = [name for name in names if name not in self.env_names()]
        if unknown:
            raise KeyError(f"not a connector setting: {', '.join(unknown)}")
        values = [self.value(name) for name in names]
        missing = [name for name, value in zip(names, values, strict=True) if value in (None, "", {})]
        if missing:
            raise ConfigError(f"{', '.join(missing)}: required but not set (see .env.example)")
        return values[0] if len(values) == 1 else tuple(values)

    def require_stripe(self) -> StripeSettings:
        """The Stripe section; ConfigError when STRIPE_API_KEY is unset."""
        if self.stripe is None:
            raise ConfigError("STRIPE_API_KEY: required but not set (see .env.example)")
        return self.stripe

    def require_netsuite(self) -> NetSuiteSettings:
        """The NetSuite section; ConfigError when NETSUITE_ACCOUNT_ID is unset."""
        if self.netsuite is None:
            raise ConfigError(
                "NETSUITE_ACCOUNT_ID: required but not set (the NetSuite account id, e.g. 1234567_SB1)"
            )
        return self.netsuite


def _variables() -> Iterator[tuple[str, str, str]]:
    """(variable, section, attribute) for every variable, in declaration order."""
    for spec in fields(Settings):
        for variable in env_fields(_SECTIONS[spec.name]):
            yield variable.metadata["env"], spec.name, variable.name
