"""Data Docs render offline: every script, stylesheet and image GX 1.24 loads from a CDN is served locally."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from stripe_netsuite.validation.checkpoint import Validator
from stripe_netsuite.validation.docs_assets import (
    ASSETS_DIR,
    CDN_ASSETS,
    default_node_modules,
    external_resources,
    localize_data_docs,
)
from stripe_netsuite.validation.rules import row_from_raw

LOCAL_REFERENCE = re.compile(
    r"""<(?:script|link|img)\b[^>]*\b(?:src|href)=["']([^"'#]+)["']""", re.IGNORECASE
)


def build_site(docs_dir: Path, run_id: str) -> Path:
    """A real GX Data Docs site: one charge suite validated on two rows (one failing)."""
    charges = [
        {"id": "ch_ok", "object": "charge", "amount": 500, "currency": "usd", "status": "succeeded"},
        {"id": "ch_bad", "object": "charge", "amount": 500, "currency": "usd", "status": "paid"},
    ]
    rows = [{**row_from_raw("charge", obj), "account": "", "content_hash": "h"} for obj in charges]
    validator = Validator(docs_dir)
    validator.validate("charge", pd.DataFrame(rows, dtype="object"), run_id)
    index = validator.docs_index()
    assert index is not None
    return docs_dir


def test_gx_pages_load_from_cdns_as_gx_ships_them(tmp_path: Path) -> None:
    # The premise, checked on the installed GX: without localisation every page needs the internet.
    site = build_site(tmp_path / "data_docs" / "run1", "run1")
    loaded = external_resources((site / "index.html").read_text(encoding="utf-8"))
    assert "https://code.jquery.com/jquery-3.7.1.min.js" in loaded
    assert set(loaded) - {url for url in loaded if "amazonaws.com" in url} <= set(CDN_ASSETS)


def test_localized_site_loads_nothing_from_the_network_and_every_file_exists(tmp_path: Path) -> None:
    site = build_site(tmp_path / "data_docs" / "run1", "run1")
    assert localize_data_docs(site) == []
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= 3  # index, the suite, the validation result
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert external_resources(html) == [], page
        assert "integrity=" not in html and "crossorigin=" not in html  # the CDN copies' hashes
        rewritten = [ref for ref in LOCAL_REFERENCE.findall(html) if ASSETS_DIR in ref or "logo-long" in ref]
        assert len(rewritten) >= len(CDN_ASSETS)
        for reference in rewritten:  # (GX's own favicon link is one level off on result pages: not ours)
            assert (page.parent / reference).resolve().is_file(), (page, reference)
    fonts = tmp_path / "data_docs" / ASSETS_DIR / "@fortawesome+fontawesome-free@6.6.0" / "webfonts"
    assert (fonts / "fa-solid-900.woff2").is_file()  # the icons' stylesheet loads them by relative URL


def test_runs_share_one_copy_of_the_assets(tmp_path: Path) -> None:
    first = build_site(tmp_path / "data_docs" / "run1", "run1")
    second = build_site(tmp_path / "data_docs" / "run2", "run2")
    localize_data_docs(first)
    jquery = next((tmp_path / "data_docs" / ASSETS_DIR).glob("jquery@*/dist/jquery.min.js"))
    stamp = jquery.stat().st_mtime_ns
    assert localize_data_docs(second) == []
    assert jquery.stat().st_mtime_ns == stamp
    assert sorted(p.name for p in (tmp_path / "data_docs").iterdir()) == [ASSETS_DIR, "run1", "run2"]


def test_without_the_npm_packages_pages_keep_their_cdn_links_and_say_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    site = build_site(tmp_path / "data_docs" / "run1", "run1")
    remaining = localize_data_docs(site, node_modules=tmp_path / "no_node_modules")
    assert "https://code.jquery.com/jquery-3.7.1.min.js" in remaining
    assert "Data Docs keep their CDN links" in caplog.text


def test_node_modules_can_be_named(tmp_path: Path) -> None:
    assert default_node_modules({"CONNECTOR_NODE_MODULES": str(tmp_path)}) == tmp_path
    assert (
        default_node_modules({}) / "jquery" / "package.json"
    ).is_file()  # the checkout's, from make install
