"""gunicorn settings of the payment pages: the one place for server limits, logging and workers.

    python -m gunicorn --config webapp/gunicorn.conf.py --bind 127.0.0.1:8000 'webapp:create_app()'

`make demo` and docker-compose.yaml run exactly this; only --bind differs. Settings come from the environment
(.env.example) and are checked here, in the master, so a bad one stops the server at start by name.
"""

from __future__ import annotations

from typing import Any

from stripe_netsuite.config import ConfigError, Settings
from webapp import serving

_settings = Settings.from_env().page
# With limits off (load benchmarks only) there is no count to share between workers.
_per_process_limits = _settings.rate_limit_enabled and _settings.rate_limit_storage_uri.startswith("memory://")

# Workers: threads serve the pages' slow calls (NetSuite, Stripe) concurrently inside each process.
workers = _settings.webapp_workers or (1 if _per_process_limits else 2)
worker_class = "gthread"
threads = 8
if workers > 1 and _per_process_limits:
    raise ConfigError(
        f"RATE_LIMIT_STORAGE_URI: memory:// counts inside one process, so {workers} workers would each allow "
        "the full rate; set a shared storage (e.g. redis://host:6379/1) or WEBAPP_WORKERS=1"
    )
timeout = 30  # NetSuite and Stripe calls time out well before this (webapp/services.py)
graceful_timeout = 20
keepalive = 5

# Limits on what reaches the app. A request line of up to 8190 bytes (gunicorn's maximum; its default is
# 4094) gets to the app, so a long, mangled link is answered with the app's 404 like any bad link; anything
# longer, and malformed requests, get the app's error page and headers too (serving.use_app_error_pages).
# Bodies are limited by the app (MAX_CONTENT_LENGTH, chunked or not: webapp/security.py).
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190

# Logs: access and errors on stderr, with payment-link tokens redacted (webapp/logs.py).
accesslog = "-"
errorlog = "-"
logger_class = "webapp.serving.RedactingLogger"
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'

serving.hide_server_header()  # in the master, inherited by every forked worker


def post_worker_init(worker: Any) -> None:
    serving.use_app_error_pages(worker.wsgi)
