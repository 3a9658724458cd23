"""Screenshots for the README, taken from a running `make demo` (after its day) into docs/.

    .venv/bin/python scripts/screenshots.py            # the demo's default ports (.env.example)

Headless Debian chromium through Playwright, as the browser tests: a customer's payment page, the Airflow
grid of `netsuite_payments`, the Finance view inside Airflow, and the daily finance report. Airflow is
signed in through its own login form (the Finance view's "Sign in" link), with the demo's credentials.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from demo import ROOT, load_env_example  # the sibling module, found through the line above

CHROMIUM = Path("/usr/bin/chromium")
DOCS = ROOT / "docs"
WIDTH, HEIGHT = 1440, 900


def payment_link(env: dict[str, str], customer: str) -> str:
    flask = str(Path(sys.executable).parent / "flask")
    out = subprocess.run([flask, "--app", "webapp", "links", "create", "--customer", customer],
                         cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip().splitlines()[-1]


def sign_in(page: Any, airflow: str, user: str, password: str) -> None:
    page.goto(f"{airflow}/finance/")
    page.get_by_role("link", name="Sign in").click()
    page.locator("input[name='username']").fill(user)
    page.locator("input[name='password']").fill(password)
    page.locator("button[type='submit']").click()
    page.wait_for_url(re.compile(r"/finance/"), timeout=60_000)


def take(page: Any, name: str, out: Path, full_page: bool = False) -> Path:
    path = out / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path, flush=True)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="screenshots.py", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DOCS, help="where the PNG files go (default docs/)")
    parser.add_argument("--customer", default="109", help="whose payment page (default 109, Umbrella)")
    args = parser.parse_args(argv)
    env = {**os.environ, **load_env_example()}  # the flask CLI needs the caller's PATH too
    airflow = env["AIRFLOW_API_URL"].rstrip("/")
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT}, device_scale_factor=1)
        page.set_default_timeout(60_000)

        page.goto(payment_link(env, args.customer))
        take(page, "payment-page", out, full_page=True)  # down to its pay button

        sign_in(page, airflow, env["AIRFLOW_API_USER"], env["AIRFLOW_API_PASSWORD"])
        page.goto(f"{airflow}/dags/netsuite_payments")
        page.wait_for_load_state("networkidle")
        page.locator("a[href*='/runs/']").first.wait_for()  # a run's bar in the grid
        page.wait_for_timeout(3000)  # the charts and the rest of the bars
        take(page, "airflow-grid", out)

        page.goto(f"{airflow}/plugin/finance")
        frame = page.frame_locator("iframe[title='Finance']")
        frame.get_by_role("link", name="finance_daily").first.wait_for()
        take(page, "finance-view", out)

        page.goto(f"{airflow}/finance/")
        page.get_by_role("link", name="finance_daily").first.click()
        report = page.frame_locator("iframe[title='report']")
        report.locator("svg").first.wait_for(timeout=30_000)
        page.wait_for_timeout(1000)
        take(page, "daily-report", out)
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
