"""The connector's settings: one typed object per process, by section, from the environment or connections.

    settings = Settings.from_env()               # ConfigError("NAME: reason") for a bad variable
    settings.require_stripe().api_key            # the stripe section (or: the stripe_default connection)
    settings.accounts.ledger_settings()          # what the ledger mappings need

`parsers` holds the one validator of each variable, `sections` the fields with their variables and defaults,
`settings` the object itself. The Airflow connection mappings are `stripe_api.connection` and
`netsuite.connection`; the retry numbers are `stripe_netsuite.retries`.
"""

from stripe_netsuite.config.finance import NotifySettings, ReviewSettings
from stripe_netsuite.config.parsers import ConfigError
from stripe_netsuite.config.sections import *  # noqa: F403 (re-export every section)
from stripe_netsuite.config.sections import __all__ as _sections
from stripe_netsuite.config.settings import *  # noqa: F403 (re-export the settings object and its helpers)
from stripe_netsuite.config.settings import __all__ as _settings

__all__ = ["ConfigError", "NotifySettings", "ReviewSettings", *_sections, *_settings]
