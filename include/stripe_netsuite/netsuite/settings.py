"""NetSuite connection settings: the `netsuite` section of the process's settings (stripe_netsuite.config).

One class, one validator per NETSUITE_* variable: `NetSuiteSettings.from_env()` reads the environment,
`netsuite.connection.settings_from_connection` an Airflow connection.
"""

from __future__ import annotations

from stripe_netsuite.config.sections import NetSuiteSettings, default_base_url

__all__ = ["NetSuiteSettings", "default_base_url"]
