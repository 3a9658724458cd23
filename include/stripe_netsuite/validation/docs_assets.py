"""Data Docs that render offline: the scripts and styles Great Expectations loads from CDNs, served locally.

GX 1.24's Data Docs pages load jQuery, Bootstrap 4, bootstrap-table, the datepicker, Font Awesome and Vega
from public CDNs, and the index page builds its tables in JavaScript, so without the internet it shows
nothing. The same files, at the versions GX's templates name, are npm packages of this project
(package.json); after GX writes a site, `localize_data_docs` copies them from node_modules into
`<site>/../_assets/` (shared by every run's site beside it) and points each page at them. The GX logo its
pages fetch from S3 is replaced by the copy GX itself writes into the site's static/ folder.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from stripe_netsuite.config import project_root, state_from_env

log = logging.getLogger(__name__)

ASSETS_DIR = "_assets"


@dataclass(frozen=True)
class Asset:
    """A file of an npm package; `extra` lists sibling folders it loads by relative URL (fonts)."""

    package: str
    path: str
    extra: tuple[str, ...] = ()


_FILTER = "dist/extensions/filter-control/bootstrap-table-filter-control"
_CDNJS = "https://cdnjs.cloudflare.com/ajax/libs"
_UNPKG = "https://unpkg.com/bootstrap-table"

# CDN address in GX's templates (render/view/templates/*.j2) -> the same file in its npm package.
CDN_ASSETS: Mapping[str, Asset] = {
    "https://cdn.jsdelivr.net/npm/vega@5": Asset("vega", "build/vega.min.js"),
    "https://cdn.jsdelivr.net/npm/vega-lite@5": Asset("vega-lite", "build/vega-lite.min.js"),
    "https://cdn.jsdelivr.net/npm/vega-embed@6": Asset("vega-embed", "build/vega-embed.min.js"),
    f"{_CDNJS}/font-awesome/6.6.0/css/all.min.css": Asset(
        "@fortawesome/fontawesome-free", "css/all.min.css", extra=("webfonts",)
    ),
    "https://code.jquery.com/jquery-3.7.1.min.js": Asset("jquery", "dist/jquery.min.js"),
    # GX names popper 1.12.9; Bootstrap 4.3.1 declares popper.js ^1.14.7, the version npm installs.
    f"{_CDNJS}/popper.js/1.12.9/umd/popper.min.js": Asset("popper.js", "dist/umd/popper.min.js"),
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": Asset(
        "bootstrap", "dist/js/bootstrap.min.js"
    ),
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": Asset(
        "bootstrap", "dist/css/bootstrap.min.css"
    ),
    f"{_UNPKG}@1.19.1/dist/bootstrap-table.min.js": Asset("bootstrap-table", "dist/bootstrap-table.min.js"),
    f"{_UNPKG}@1.19.1/dist/bootstrap-table.min.css": Asset("bootstrap-table", "dist/bootstrap-table.min.css"),
    f"{_UNPKG}@1.19.1/{_FILTER}.min.js": Asset("bootstrap-table", f"{_FILTER}.min.js"),
    # GX's pages name 1.19.0 for the filter-control styles; 1.19.1's are the same stylesheet.
    f"{_UNPKG}@1.19.0/{_FILTER}.css": Asset("bootstrap-table", f"{_FILTER}.css"),
    f"{_UNPKG}@1.19.0/{_FILTER}.min.css": Asset("bootstrap-table", f"{_FILTER}.min.css"),
    f"{_CDNJS}/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js": Asset(
        "bootstrap-datepicker", "dist/js/bootstrap-datepicker.min.js"
    ),
    f"{_CDNJS}/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css": Asset(
        "bootstrap-datepicker", "dist/css/bootstrap-datepicker.min.css"
    ),
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css": Asset(
        "@forevolve/bootstrap-dark", "dist/css/bootstrap-prefers-dark.css"
    ),
}
# GX's pages show a logo from its S3 bucket (with a cache-busting query); GX also writes it into static/.
_LOGO = re.compile(
    r"https://great-expectations-web-assets\.s3\.[a-z0-9-]+\.amazonaws\.com/logo-long\.png[^\"']*"
)
_TAG = re.compile(r"<(?:script|link|img)\b[^>]*>", re.IGNORECASE)
_URL_ATTR = re.compile(r"""\b(src|href)=(["'])(.*?)\2""", re.IGNORECASE)
# Subresource integrity and CORS mode belong to the CDN copies (and block file:// loads).
_CDN_ONLY_ATTRS = re.compile(r"""\s(?:integrity|crossorigin)=(["']).*?\1""", re.IGNORECASE)
_EXTERNAL = re.compile(r"^(?:https?:)?//", re.IGNORECASE)




def default_node_modules(environ: Mapping[str, str] | None = None) -> Path:
    """$CONNECTOR_NODE_MODULES, else the checkout's node_modules (`make install`), else $CONNECTOR_HOME's."""
    env = os.environ if environ is None else environ
    chosen = state_from_env(env).node_modules  # CONNECTOR_NODE_MODULES, validated by the settings
    if chosen:
        return chosen
    for parent in Path(__file__).resolve().parents:
        if (parent / "package.json").is_file() and (parent / "node_modules").is_dir():
            return parent / "node_modules"
    return project_root(env) / "node_modules"


def _package_dir(node_modules: Path, package: str) -> tuple[Path, str]:
    folder = node_modules / package
    version = json.loads((folder / "package.json").read_text(encoding="utf-8"))["version"]
    return folder, f"{package.replace('/', '+')}@{version}"


def _vendor(asset: Asset, node_modules: Path, assets_root: Path) -> Path:
    """Copy the asset (and the folders it loads) under assets_root once; returns the copy."""
    source, name = _package_dir(node_modules, asset.package)
    target = assets_root / name
    for relative in (asset.path, *asset.extra):
        copy = target / relative
        if copy.exists():
            continue
        copy.parent.mkdir(parents=True, exist_ok=True)
        if (source / relative).is_dir():
            shutil.copytree(source / relative, copy)
        else:
            shutil.copyfile(source / relative, copy)
    return target / asset.path


def _relative(target: Path, page: Path) -> str:
    return Path(os.path.relpath(target, page.parent)).as_posix()


def _rewrite_tag(tag: str, page: Path, site: Path, local: Mapping[str, Path]) -> str:
    def replace(match: re.Match[str]) -> str:
        attribute, quote, url = match.groups()
        if url in local:
            return f"{attribute}={quote}{_relative(local[url], page)}{quote}"
        if _LOGO.fullmatch(url):
            logo = site / "static" / "images" / "logo-long.png"
            return f"{attribute}={quote}{_relative(logo, page)}{quote}"
        return match.group(0)

    rewritten = _URL_ATTR.sub(replace, tag)
    return _CDN_ONLY_ATTRS.sub("", rewritten) if rewritten != tag else tag


def _rewrite_match(tag: re.Match[str], page: Path, site: Path, local: Mapping[str, Path]) -> str:
    return _rewrite_tag(tag.group(0), page, site, local)


def external_resources(html: str) -> list[str]:
    """Addresses a page loads from the network (scripts, stylesheets, images), not links a reader follows."""
    found: list[str] = []
    for tag in _TAG.findall(html):
        if tag.lower().startswith("<link") and "stylesheet" not in tag.lower() and "icon" not in tag.lower():
            continue
        found += [url for _, _, url in _URL_ATTR.findall(tag) if _EXTERNAL.match(url)]
    return found


def localize_data_docs(site: Path, node_modules: Path | None = None) -> list[str]:
    """Point every page of a Data Docs site at local copies; returns what still loads from the network.

    When node_modules lacks the packages (an image built without them), the pages keep their CDN links and a
    warning says so: the docs then need the internet, as GX ships them.
    """
    modules = node_modules or default_node_modules()
    assets_root = site.parent / ASSETS_DIR
    try:
        local = {url: _vendor(asset, modules, assets_root) for url, asset in CDN_ASSETS.items()}
    except FileNotFoundError as missing:
        log.warning("Data Docs keep their CDN links: %s is missing (run `make install`)", missing.filename)
        local = {}
    remaining: list[str] = []
    for page in sorted(site.rglob("*.html")):
        html = page.read_text(encoding="utf-8")
        rewritten = _TAG.sub(partial(_rewrite_match, page=page, site=site, local=local), html)
        if rewritten != html:
            page.write_text(rewritten, encoding="utf-8")
        remaining += external_resources(rewritten)
    return sorted(set(remaining))
