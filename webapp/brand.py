"""Branding: business name, logo and support contact for the templates, and the brand colour as a stylesheet.

By default the name and colour are the Stripe account's public details (what Stripe's Checkout page shows);
BUSINESS_NAME and BRAND_COLOR override them. The colour is served as CSS (not an inline style) so the
Content-Security-Policy can forbid inline styles; the text colour on it is picked for WCAG contrast.
"""

from __future__ import annotations

from typing import Any

import stripe
from flask import Blueprint, Flask, Response

from stripe_netsuite.payments.merchant import MerchantProfile, page_brand_color, page_business_name
from webapp.services import get_merchant_profiles, get_settings

__all__ = ["bp", "init_app", "text_color_on"]

bp = Blueprint("brand", __name__)

DEFAULT_COLOR = "#2f4bd6"


def _luminance(color: str) -> float:
    def channel(hex_pair: str) -> float:
        value = int(hex_pair, 16) / 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(color[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def text_color_on(color: str) -> str:
    """Black or white, whichever contrasts more with `color` (#rrggbb)."""
    light = _luminance(color)
    return "#000000" if (light + 0.05) / 0.05 > 1.05 / (light + 0.05) else "#ffffff"


def _profile() -> MerchantProfile | None:
    """Stripe's account details for display; an error page rendered because Stripe failed must not fail."""
    profiles = get_merchant_profiles()
    try:
        return profiles.get()
    except stripe.StripeError:
        return profiles.peek()


@bp.get("/brand.css")
def stylesheet() -> Response:
    color = page_brand_color(get_settings().page.brand_color, _profile(), DEFAULT_COLOR)
    css = f":root {{ --brand: {color}; --on-brand: {text_color_on(color)}; }}\n"
    return Response(css, mimetype="text/css", headers={"Cache-Control": "public, max-age=300"})


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.context_processor
    def branding() -> dict[str, Any]:
        settings = get_settings()
        profile = _profile()
        return {
            "business": page_business_name(settings.page.business_name, profile),
            "logo_url": settings.page.brand_logo_url,
            "support_email": profile.support_email if profile else None,
        }
