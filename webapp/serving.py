"""What gunicorn needs to serve the pages as the app itself would: logs without link tokens, the app's error
page and headers on the errors gunicorn answers by itself, and no `Server: gunicorn` banner.

Used by webapp/gunicorn.conf.py. gunicorn has no setting for the last two, so they replace one function
each (gunicorn is pinned below 24 in requirements.txt; tests/integration/test_webapp_gunicorn.py checks both).
"""

from __future__ import annotations

import socket
from typing import Any

from flask import Flask
from gunicorn import glogging, util
from gunicorn.http import wsgi

from webapp.errors import error_response
from webapp.logs import install_redaction

__all__ = ["RedactingLogger", "hide_server_header", "use_app_error_pages"]

_REQUEST_LINE_TOO_LONG = "Request Line is too large"


class RedactingLogger(glogging.Logger):
    """gunicorn's logger (access and error log) with payment-link tokens redacted from every line."""

    def __init__(self, cfg: Any) -> None:
        install_redaction()  # before gunicorn creates any record
        super().__init__(cfg)


def hide_server_header() -> None:
    """Drop the `Server: gunicorn` header from every response (it only helps someone choose an exploit)."""
    original = wsgi.Response.default_headers
    if getattr(original, "hides_server", False):
        return

    def default_headers(self: wsgi.Response) -> list[str]:
        return [line for line in original(self) if not line.startswith("Server:")]

    default_headers.hides_server = True  # type: ignore[attr-defined]
    wsgi.Response.default_headers = default_headers


def _canned(app: Flask, status: int, reason: str) -> bytes:
    response = error_response(app, status)
    body = response.get_data()
    headers = [
        (name, value)
        for name, value in response.headers.items()
        if name.lower() not in ("content-length", "set-cookie", "connection")
    ]
    head = [f"HTTP/1.1 {status} {reason}", "Connection: close", f"Content-Length: {len(body)}"]
    head += [f"{name}: {value}" for name, value in headers]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


def use_app_error_pages(app: Flask) -> None:
    """Answer the requests gunicorn refuses before the app sees them with the app's page and headers.

    A request line longer than gunicorn's limit can only be an over-long link, so it gets the app's 404, the
    answer every bad link gets; other malformed requests keep gunicorn's status.
    """
    pages: dict[int, bytes] = {}

    def write_error(sock: socket.socket, status_int: int, reason: str, mesg: str) -> None:
        status, text = (404, "Not Found") if mesg.startswith(_REQUEST_LINE_TOO_LONG) else (status_int, reason)
        if status not in pages:
            pages[status] = _canned(app, status, text)
        util.write_nonblock(sock, pages[status])

    util.write_error = write_error
