"""The customer's locale (Accept-Language matched to Babel's locales); Jinja filters for money and dates."""

from __future__ import annotations

from datetime import date

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from flask import Flask, current_app, g, request

from stripe_netsuite.money import format_minor

__all__ = ["current_locale", "format_day", "format_money", "init_app", "negotiate_locale"]


def negotiate_locale(accepted: list[str], default: str) -> str:
    """The first language the browser accepts that Babel knows, else `default`."""
    for tag in accepted:
        if tag == "*":
            continue
        try:
            return str(Locale.parse(tag.replace("-", "_")))
        except (UnknownLocaleError, ValueError):
            continue
    return default


def current_locale() -> str:
    if "locale" not in g:
        default = current_app.config["SETTINGS"].page.default_locale
        g.locale = negotiate_locale([tag for tag, _ in request.accept_languages], default)
    return str(g.locale)


def format_money(minor: int, currency: str) -> str:
    """An amount in the customer's locale, e.g. "$1,500.00", "1.500,00 €", "KWD 280.125"."""
    return format_minor(minor, currency, current_locale())


def format_day(value: date | None) -> str:
    """A date in the customer's locale ("Nov 1, 2026"); empty for none."""
    return format_date(value, format="medium", locale=current_locale()) if value else ""


def _html_lang() -> str:
    return current_locale().replace("_", "-")


def init_app(app: Flask) -> None:
    app.jinja_env.filters["money"] = format_money
    app.jinja_env.filters["day"] = format_day
    app.jinja_env.globals["html_lang"] = _html_lang
