"""Payment-link tokens are bearer credentials: no log line this process writes may carry one.

A token only ever travels in a page path (/pay/c/<token>, /pay/i/<token>), so every log record is rewritten
at creation, whoever logs it (gunicorn's access and error logs, werkzeug, Flask, this project, tracebacks):
one record factory instead of a filter on each handler that some library may add later.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Any

__all__ = ["REDACTED", "install_redaction", "redact"]

REDACTED = "[redacted]"
_TOKEN_IN_PATH = re.compile(r"(/pay/[ci]/)[^/\s?#\"'<>]+")
_installing = threading.Lock()


def redact(text: str) -> str:
    """`text` with every payment-link token replaced by [redacted]."""
    return _TOKEN_IN_PATH.sub(rf"\g<1>{REDACTED}", text)


def _redacted_record(make: Any) -> Any:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = make(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: logging reports it itself when a handler formats the record
            return record
        if "/pay/" in message:
            record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            trace = logging.Formatter().formatException(record.exc_info)
            if "/pay/" in trace:  # otherwise leave the traceback to the handler's own formatter
                record.exc_text = redact(trace)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return record

    factory.redacts_tokens = True  # type: ignore[attr-defined]
    return factory


def install_redaction() -> None:
    """Redact tokens in every log record created from now on in this process (idempotent)."""
    with _installing:
        current = logging.getLogRecordFactory()
        if not getattr(current, "redacts_tokens", False):
            logging.setLogRecordFactory(_redacted_record(current))
