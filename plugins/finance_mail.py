"""Finance mail through Airflow's SMTP provider: `send_mail` for the DAG tasks, the DAGs' failure notifier.

The SMTP server, login and default sender are the Airflow connection FINANCE_SMTP_CONN_ID names (default
`smtp_default`, from the metadata DB or an AIRFLOW_CONN_* variable); the recipients are FINANCE_EMAIL_TO.
With no recipients nothing is sent: mail is optional. What a mail says is the library's
(stripe_netsuite.notify); this module only delivers it.
"""

from __future__ import annotations

import logging
from typing import Any

from airflow.providers.smtp.hooks.smtp import SmtpHook
from airflow.sdk import BaseNotifier

from stripe_netsuite.config import NotifySettings, Settings
from stripe_netsuite.notify import Mail, finance_links, run_failed_mail

__all__ = ["FinanceFailureNotifier", "send_mail"]

log = logging.getLogger(__name__)


def send_mail(mail: Mail, settings: NotifySettings | None = None) -> bool:
    """Send `mail` to the finance list; False (and nothing sent) when no list is configured."""
    notify = settings or Settings.from_env().notify
    if not notify.enabled:
        return False
    with SmtpHook(smtp_conn_id=notify.smtp_conn_id) as hook:
        hook.send_email_smtp(
            to=list(notify.to), subject=mail.subject, html_content=mail.html, from_email=notify.from_email,
            files=list(mail.files) or None, custom_headers={"X-Stripe-NetSuite": "finance"},
        )  # fmt: skip
    log.info("mailed %r to %d finance recipient(s)", mail.subject, len(notify.to))
    return True


class FinanceFailureNotifier(BaseNotifier):
    """A DAG's on_failure_callback: mail `<dag> run failed` with the failed task and Airflow's reason.

    Airflow's notifier interface (as the provider's SmtpNotifier), reading the recipients when it fires, not
    when the DAG file is parsed. A DAG-level callback: one mail per failed run; task retries do not mail.
    """

    template_fields = ()

    def notify(self, context: Any) -> None:
        settings = Settings.from_env().notify
        dag = context.get("dag")
        dag_id = str(getattr(dag, "dag_id", None) or "?")
        run_id = str(context.get("run_id") or "?")
        ti = context.get("ti")
        failed = [str(ti.task_id)] if getattr(ti, "task_id", None) else []
        mail = run_failed_mail(dag_id, run_id, failed, str(context.get("reason") or ""),
                               finance_links(settings, dag_id, run_id))  # fmt: skip
        send_mail(mail, settings)  # an SMTP error raises: Airflow logs the callback's failure
