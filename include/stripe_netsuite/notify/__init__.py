"""Mail to the finance list through Airflow's SMTP provider: blocked payouts, failed records, failed DAG runs,
the daily report.

`messages` builds each mail (pure, nothing secret in it), `problems` picks the problems not mailed yet and the
links a mail carries, `sink` is a local SMTP server keeping mails as files (tests, the demo's mailbox). The
library imports no Airflow: plugins/finance_mail.py sends through the SMTP provider's hook and is the DAGs'
failure notifier.
"""

from stripe_netsuite.notify.messages import (
    Mail,
    blocked_payouts_mail,
    daily_report_mail,
    failed_records_mail,
    redact,
    run_failed_mail,
)
from stripe_netsuite.notify.problems import (
    finance_links,
    mail_blocked_payouts,
    mail_daily_report,
    mail_failed_records,
    mail_new_problems,
)

__all__ = [
    "Mail",
    "blocked_payouts_mail",
    "daily_report_mail",
    "failed_records_mail",
    "finance_links",
    "mail_blocked_payouts",
    "mail_daily_report",
    "mail_failed_records",
    "mail_new_problems",
    "redact",
    "run_failed_mail",
]
