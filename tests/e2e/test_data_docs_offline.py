"""The stripe_sync Data Docs in a real browser with the network cut off: the index lists the run's results.

GX 1.24 builds the index tables in JavaScript from CDN-hosted jQuery and bootstrap-table; offline, as GX
ships it, the page shows headings and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.unit.test_validation_docs_assets import build_site

pytestmark = pytest.mark.e2e


def open_offline(page: Any, path: Path) -> list[str]:
    """Open a file:// page with every network request refused; returns what it tried to fetch."""
    refused: list[str] = []

    def route(request_route: Any) -> None:
        url = request_route.request.url
        if url.startswith("file://"):
            request_route.continue_()
        else:
            refused.append(url)
            request_route.abort()

    page.route("**/*", route)
    page.goto(path.as_uri(), wait_until="load")
    return refused


def test_data_docs_index_lists_the_validation_results_offline(
    page: Any, tmp_path: Path, shot: Callable[[Any, str], Path]
) -> None:
    from stripe_netsuite.validation.docs_assets import localize_data_docs

    site = build_site(tmp_path / "data_docs" / "run1", "run1")
    assert localize_data_docs(site) == []
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    refused = open_offline(page, site / "index.html")
    rows = page.locator("#section-1-content-block-2-1-body-table tbody tr")
    rows.first.wait_for()
    shot(page, "index")
    assert refused == [] and errors == []
    assert rows.count() == 1 and "run1" in rows.first.inner_text()
    # The failing row's result page opens from the index, styled (Bootstrap's grid is there).
    rows.first.click()
    page.wait_for_url("**/validations/**")
    assert page.locator(".container-fluid").count() > 0
    assert "paid" in page.inner_text("body")  # the unexpected status value, listed
