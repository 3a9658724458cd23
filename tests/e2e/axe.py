"""axe-core (npm package `axe-core`) run inside the page under test: no violation allowed.

The script is served to the page from the page's own origin through a Playwright route, so it loads under the
pages' Content-Security-Policy (script-src 'self') and the CSP stays on while the pages are tested.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from tests.servers import ROOT

AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"
_AXE_PATH = "/__axe-core__/axe.min.js"
# The issue asks for no serious or critical violation; the pages have none of any impact, so a new moderate or
# minor one (a region outside every landmark, say) fails too rather than piling up unseen.
BLOCKING = ("minor", "moderate", "serious", "critical")
# WCAG 2.1 A and AA plus axe's best practices (landmarks, headings, ...), as a customer-facing page should.
_RUN_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}
}


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Every axe violation on the page as it is now (all impacts)."""
    if not AXE_SCRIPT.exists():
        raise AssertionError(f"{AXE_SCRIPT} is missing: run `make install` (npm install) first")
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(page.url))
    page.route(
        origin + _AXE_PATH,
        lambda route: route.fulfill(path=str(AXE_SCRIPT), content_type="application/javascript"),
    )
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=origin + _AXE_PATH)
    result: dict[str, Any] = page.evaluate("options => window.axe.run(document, options)", _RUN_OPTIONS)
    return list(result["violations"])


def assert_accessible(page: Any, state: str) -> None:
    """Fail with a readable list when the page has an accessibility violation in this state."""
    blocking = [v for v in axe_violations(page) if v.get("impact") in BLOCKING]
    report = [
        {
            "rule": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [node["target"] for node in v["nodes"]][:5],
            "why": [node.get("failureSummary", "") for node in v["nodes"]][:2],
        }
        for v in blocking
    ]
    assert not report, f"axe-core found problems on {state}:\n" + json.dumps(report, indent=2)
