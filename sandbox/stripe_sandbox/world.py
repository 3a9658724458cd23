"""The demo world: a month of a merchant's Stripe activity that matches the NetSuite sandbox's ledger.

Everything goes through the sandboxes' public interfaces, as an outside client would: Stripe's API through
stripe-python, the hosted Checkout page through HTTP form posts, `/_sandbox/` routes for the clock and
payouts, and NetSuite through SuiteQL signed with TBA (requests_oauthlib). The same seed on fresh sandboxes
gives the same world, id for id: every choice comes from `world_plan`, and every POST carries an idempotency
key derived from the seed (stripe-python would otherwise send random ones, which end up in events).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import requests

from .world_plan import (
    CARDS,
    DAY,
    Action,
    NsCustomer,
    NsInvoice,
    bulk_payment,
    plan_bulk,
    plan_world,
    to_minor,
)

if TYPE_CHECKING:
    from .state import Sandbox

# Where the world ends unless told otherwise (`end`, `--end`), so that tests get the same dates on any day.
# NetSuite's seeded invoices are dated August to October 2026, so a month ending on 1 November pays them after
# issue. The demo ends the world at today's midnight instead, so that the sandbox clock can then run in real
# time as Stripe's does, and the same seed and end date give the same world.
END = int(datetime(2026, 11, 1, tzinfo=UTC).timestamp())
SUCCESS_URL = "https://pay.honeycomb.example/paid?session_id={CHECKOUT_SESSION_ID}"
CANCEL_URL = "https://pay.honeycomb.example/cancelled"
BUSINESS = {"business_name": "Honeycomb Holdings Inc.", "statement_descriptor": "HONEYCOMB"}
_TOKEN = re.compile(r'name="token" value="([^"]+)"')
_NETSUITE_KEYS = ("ACCOUNT_ID", "CONSUMER_KEY", "CONSUMER_SECRET", "TOKEN_ID", "TOKEN_SECRET")


class WorldError(RuntimeError):
    """The world could not be built; the message says what to fix."""


def world_end(value: str | date) -> int:
    """Midnight UTC that starts `value` ("today" = the UTC date of this machine's clock, or YYYY-MM-DD)."""
    if isinstance(value, str):
        try:
            day = datetime.now(UTC).date() if value == "today" else date.fromisoformat(value)
        except ValueError:
            raise WorldError(f"end must be 'today' or a date YYYY-MM-DD, not {value!r}") from None
    else:
        day = value
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


@dataclass(frozen=True)
class NetSuiteCredentials:
    """Token-based authentication for the NetSuite REST API (the NETSUITE_* settings)."""

    account_id: str
    consumer_key: str
    consumer_secret: str
    token_id: str
    token_secret: str

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> NetSuiteCredentials:
        missing = [f"NETSUITE_{key}" for key in _NETSUITE_KEYS if not env.get(f"NETSUITE_{key}")]
        if missing:
            raise WorldError(f"NetSuite credentials missing: set {', '.join(missing)}")
        return cls(*(env[f"NETSUITE_{key}"] for key in _NETSUITE_KEYS))

    def auth(self) -> requests.auth.AuthBase:
        from requests_oauthlib import OAuth1

        auth: requests.auth.AuthBase = OAuth1(
            self.consumer_key,
            self.consumer_secret,
            self.token_id,
            self.token_secret,
            signature_method="HMAC-SHA256",
            realm=self.account_id,
        )
        return auth


@dataclass
class WorldSummary:
    """What was built: the period, counts per kind of object and outcome, and how long it took."""

    seed: int
    days: int
    start: int
    end: int
    counts: dict[str, int] = field(default_factory=dict)
    bulk_charges: int = 0
    bulk_seconds: float = 0.0
    elapsed_seconds: float = 0.0

    @property
    def bulk_rate(self) -> float:
        return self.bulk_charges / self.bulk_seconds if self.bulk_seconds else 0.0

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "bulk_charges_per_second": round(self.bulk_rate, 1)}

    def __str__(self) -> str:
        return json.dumps(self.to_json(), indent=2, sort_keys=True)


# ---- NetSuite (read only: the connector, not the seeder, writes Stripe's payments there) -------------------


class NetSuiteReader:
    """SuiteQL over the REST API, signed with TBA like any integration."""

    def __init__(self, base_url: str, credentials: NetSuiteCredentials) -> None:
        base = base_url.rstrip("/")
        self.base = base if base.endswith("/services/rest") else base + "/services/rest"
        self.http = requests.Session()
        self.http.auth = credentials.auth()

    def rows(self, query: str) -> list[dict[str, str]]:
        """Every row of `query`, following SuiteQL's pages."""
        items: list[dict[str, str]] = []
        offset = 0
        while True:
            body = self._page(query, offset)
            items.extend(body["items"])
            if not body.get("hasMore"):
                return items
            offset += int(body["count"])

    def _page(self, query: str, offset: int) -> dict[str, Any]:
        for attempt in range(6):
            response = self.http.post(
                f"{self.base}/query/v1/suiteql",
                params={"limit": 1000, "offset": offset},
                json={"q": query},
                headers={"Prefer": "transient"},
                timeout=60,
            )
            if response.status_code == 429 and attempt < 5:
                time.sleep(0.2 * 2**attempt)  # the account's concurrency limit: wait for a free slot
                continue
            if response.status_code != 200:
                raise WorldError(f"NetSuite SuiteQL answered {response.status_code}: {response.text[:500]}")
            body: dict[str, Any] = response.json()
            return body
        raise WorldError("NetSuite kept answering 429 (concurrency limit)")

    def customers_and_invoices(self) -> tuple[list[NsCustomer], list[NsInvoice]]:
        codes = {row["id"]: row["symbol"].lower() for row in self.rows("SELECT id, symbol FROM currency")}
        extra: dict[str, list[str]] = {}
        for row in self.rows(
            "SELECT customer, currency FROM customercurrencybalance ORDER BY customer, currency"
        ):
            extra.setdefault(row["customer"], []).append(codes[row["currency"]])
        customers = []
        for row in self.rows("SELECT id, companyname, email, currency FROM customer ORDER BY id"):
            primary = codes[row["currency"]]
            others = tuple(code for code in extra.get(row["id"], []) if code != primary)
            name = row.get("companyname") or f"Customer {row['id']}"
            customers.append(
                NsCustomer(
                    row["id"], name, row.get("email"), (primary, *others), catch_all="Unallocated" in name
                )
            )
        invoices = []
        for row in self.rows(
            "SELECT id, tranid, entity, currency, foreignamountremaining, trandate FROM transaction "
            "WHERE type = 'CustInvc' AND status = 'A' ORDER BY id"
        ):
            currency = codes[row["currency"]]
            day = datetime.strptime(row["trandate"], "%Y-%m-%d").replace(tzinfo=UTC)
            invoices.append(
                NsInvoice(
                    row["id"],
                    row["tranid"],
                    row["entity"],
                    currency,
                    to_minor(row["foreignamountremaining"], currency),
                    int(day.timestamp()),
                )
            )
        return customers, invoices


# ---- Stripe --------------------------------------------------------------------------------


class StripeWorld:
    """Carries out a plan against one Stripe sandbox and remembers what each step created."""

    def __init__(self, url: str, api_key: str, seed: int, threads: int = 4) -> None:
        import stripe

        self.url = url.rstrip("/")
        self.seed = seed
        self.threads = max(1, threads)
        # Typed loosely: the plan builds params as plain dicts, which stripe-python's TypedDicts would refuse.
        self.client: Any = stripe.StripeClient(
            api_key, base_addresses={"api": self.url}, max_network_retries=2
        )
        self.http = requests.Session()
        self.results: dict[str, dict[str, Any]] = {}
        self._posts = 0
        self._customers: dict[str, dict[str, Any]] = {}
        self.bulk_charges = 0
        self.bulk_seconds = 0.0
        self._pool: ThreadPoolExecutor | None = None
        self.card_expiry = "12 / 30"

    # -- plumbing

    def options(self) -> dict[str, str]:
        """A fresh idempotency key that is the same on every run with this seed."""
        self._posts += 1
        return {"idempotency_key": f"world-{self.seed}-{self._posts:06d}"}

    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.http.request(method, f"{self.url}/_sandbox{path}", json=body, timeout=600)
        if not response.ok:
            raise WorldError(
                f"{method} /_sandbox{path} answered {response.status_code}: {response.text[:500]}"
            )
        result: dict[str, Any] = response.json()
        return result

    def prepare(self, start: int, reset: bool) -> None:
        """A fresh account, its clock frozen at the world's start, the merchant's name on the hosted page."""
        objects = self.control("GET", "/stats").get("objects", {})
        # Webhook endpoints are configuration (`serve --webhook`), not history: they may exist already.
        history = sum(count for kind, count in objects.items() if kind != "webhook_endpoint")
        if history:
            if not reset:
                raise WorldError(
                    f"the Stripe sandbox at {self.url} already holds {history} objects; seed a "
                    "fresh data directory (or reset it first)"
                )
            self.control("POST", "/reset")
        self.control("POST", "/clock/freeze", {"now": start})
        # Cards typed on the hosted page expire four years after the world starts, whenever that is.
        self.card_expiry = f"12 / {(datetime.fromtimestamp(start, UTC).year + 4) % 100:02d}"
        self.control("POST", "/config", BUSINESS)

    def now(self) -> int:
        return int(self.control("GET", "/clock")["now"])

    def advance_to(self, at: int) -> None:
        """Move the clock; the sandbox runs what falls due on the way (availability, payouts, expiries)."""
        if at > self.now():
            self.control("POST", "/clock/advance", {"to": at})

    def run(self, actions: Iterable[Action]) -> None:
        handlers: dict[str, Callable[[Action], None]] = {
            "customer": self._customer,
            "pay": self._pay,
            "refund": self._refund,
            "evidence": self._evidence,
            "fail_next_payout": self._fail_next_payout,
            "abandon": self._abandon,
            "bulk": self._bulk,
        }
        self._pool = ThreadPoolExecutor(self.threads) if self.threads > 1 else None
        try:
            for action in actions:
                self.advance_to(action.at)
                handlers[action.kind](action)
        finally:
            if self._pool is not None:
                self._pool.shutdown()
                self._pool = None

    # -- the story

    def _customer(self, action: Action) -> None:
        data = action.data
        customer = self.client.v1.customers.create(
            {
                "name": data["name"],
                "email": data["email"],
                "description": f"NetSuite customer {data['ns_customer']}",
                "metadata": {"netsuite_customer_id": data["ns_customer"]},
            },
            self.options(),
        )
        self._customers[data["ns_customer"]] = {
            "id": customer.id,
            "email": data["email"],
            "name": data["name"],
        }
        self.results[action.key] = {"customer": customer.id}

    def _metadata(self, data: Mapping[str, Any]) -> dict[str, str]:
        metadata = {"netsuite_customer_id": data["customer"]} if data.get("customer") else {}
        if data.get("invoice"):
            metadata["netsuite_invoice_id"] = data["invoice"]
        return metadata

    def _description(self, data: Mapping[str, Any]) -> str:
        if data.get("tranid"):
            return f"Invoice {data['tranid']}"
        return "Payment on account" if data.get("customer") else "Card payment"

    def _pay(self, action: Action) -> None:
        data = action.data
        if data["via"] == "checkout":
            intent = self._pay_by_checkout(action)
        elif data["via"] == "autopay":
            intent = self._pay_off_session(action)
        else:
            intent = self._pay_by_api(action)
        if intent is None:
            return
        result = {
            "payment_intent": intent.id,
            "charge": intent.latest_charge,
            "payment_method": intent.payment_method,
            "customer": intent.customer,
        }
        if data.get("dispute"):
            disputes = self.client.v1.disputes.list({"charge": intent.latest_charge})
            result["dispute"] = disputes.data[0].id
        self.results[action.key] = {**self.results.get(action.key, {}), **result}

    def _customer_of(self, data: Mapping[str, Any]) -> dict[str, Any] | None:
        return self._customers.get(data["customer"]) if data.get("customer") else None

    def _pay_by_api(self, action: Action) -> Any:
        data = action.data
        customer = self._customer_of(data)
        params: dict[str, Any] = {
            "amount": data["amount"],
            "currency": data["currency"],
            "payment_method": CARDS[data["card"]].payment_method,
            "payment_method_types": ["card"],
            "confirm": True,
            "description": self._description(data),
            "metadata": self._metadata(data),
        }
        if customer is not None:
            params["customer"] = customer["id"]
            params["receipt_email"] = customer["email"]
        import stripe

        try:
            return self.client.v1.payment_intents.create(params, self.options())
        except stripe.CardError as exc:
            if not data.get("fails"):
                raise WorldError(f"{action.key}: unexpected decline {exc.user_message}") from exc
            self.results[action.key] = {"declined": exc.code or "card_declined"}
            return None

    def _pay_off_session(self, action: Action) -> Any:
        data = action.data
        saved = self.results[data["saved_from"]]
        return self.client.v1.payment_intents.create(
            {
                "amount": data["amount"],
                "currency": data["currency"],
                "customer": saved["customer"],
                "payment_method": saved["payment_method"],
                "off_session": True,
                "confirm": True,
                "description": self._description(data) + " (AutoPay)",
                "metadata": {**self._metadata(data), "autopay": "true"},
            },
            self.options(),
        )

    def _new_session(self, data: Mapping[str, Any], save: bool) -> Any:
        customer = self._customer_of(data)
        intent_data: dict[str, Any] = {
            "description": self._description(data),
            "metadata": self._metadata(data),
        }
        if save:
            intent_data["setup_future_usage"] = "off_session"
        params: dict[str, Any] = {
            "mode": "payment",
            "line_items": [
                {
                    "price_data": {
                        "currency": data["currency"],
                        "unit_amount": data["amount"],
                        "product_data": {"name": self._description(data)},
                    },
                    "quantity": 1,
                }
            ],
            "payment_intent_data": intent_data,
            "success_url": SUCCESS_URL,
            "cancel_url": CANCEL_URL,
            "metadata": {"netsuite_invoice_id": data["invoice"]} if data.get("invoice") else {},
        }
        if customer is not None:
            params["customer"] = customer["id"]
        return self.client.v1.checkout.sessions.create(params, self.options())

    def _submit_card(self, session: Any, card_name: str, holder: str) -> requests.Response:
        card = CARDS[card_name]
        form = {"cardnumber": card.number, "exp-date": self.card_expiry, "cvc": card.cvc, "name": holder}
        response = self.http.post(session.url, data=form, allow_redirects=False, timeout=60)
        token = _TOKEN.search(response.text) if response.status_code == 200 else None
        if token is not None:
            # The 3-D Secure step: the customer completes the challenge.
            response = self.http.post(
                f"{session.url}/authenticate",
                data={"token": token.group(1), "result": "complete"},
                allow_redirects=False,
                timeout=60,
            )
        return response

    def _pay_by_checkout(self, action: Action) -> Any:
        data = action.data
        customer = self._customer_of(data)
        holder = customer["name"] if customer else "Card Holder"
        session = self._new_session(data, bool(data.get("save")))
        if data.get("decline_first"):
            refused = self._submit_card(session, data["decline_first"], holder)
            if refused.status_code != 402:
                raise WorldError(f"{action.key}: expected a decline, got {refused.status_code}")
        response = self._submit_card(session, data["card"], holder)
        if response.status_code != 303:
            raise WorldError(
                f"{action.key}: hosted Checkout answered {response.status_code}: {response.text[:300]}"
            )
        done = self.client.v1.checkout.sessions.retrieve(session.id)
        self.results.setdefault(action.key, {})["session"] = session.id
        return self.client.v1.payment_intents.retrieve(done.payment_intent)

    def _refund(self, action: Action) -> None:
        paid = self.results[action.data["payment"]]
        params: dict[str, Any] = {"charge": paid["charge"], "reason": "requested_by_customer"}
        if action.data.get("amount") is not None:
            params["amount"] = action.data["amount"]
        refund = self.client.v1.refunds.create(params, self.options())
        self.results[action.key] = {"refund": refund.id}

    def _evidence(self, action: Action) -> None:
        paid = self.results[action.data["payment"]]
        text = "winning_evidence" if action.data["outcome"] == "won" else "losing_evidence"
        dispute = self.client.v1.disputes.update(
            paid["dispute"],
            {
                "evidence": {
                    "uncategorized_text": text,
                    "product_description": "Consulting services as invoiced",
                }
            },
            self.options(),
        )
        self.results[action.key] = {"dispute": dispute.id, "status": dispute.status}

    def _fail_next_payout(self, action: Action) -> None:
        self.control("POST", "/config", {"fail_next_payout": True})

    def _abandon(self, action: Action) -> None:
        session = self._new_session(action.data, save=False)
        self.results[action.key] = {"session": session.id}

    # -- scale

    def _bulk(self, action: Action) -> None:
        first, count = action.data["first"], action.data["count"]

        def one(number: int) -> None:
            params = {**bulk_payment(self.seed, number), "confirm": True, "payment_method_types": ["card"]}
            self.client.v1.payment_intents.create(
                params, {"idempotency_key": f"world-{self.seed}-bulk-{number}"}
            )

        began = time.perf_counter()
        numbers = range(first, first + count)
        if self._pool is None:
            for number in numbers:
                one(number)
        else:
            list(self._pool.map(one, numbers))
        self.bulk_seconds += time.perf_counter() - began
        self.bulk_charges += count

    # -- what the world holds

    def listing(self, service: Any, params: dict[str, Any] | None = None) -> list[Any]:
        return list(service.list({"limit": 100, **(params or {})}).auto_paging_iter())

    def count(self, story: bool) -> dict[str, int]:
        """Counts per kind and outcome; a scale world is counted from the sandbox's stats, not by listing."""
        stats = self.control("GET", "/stats")["objects"]
        counts: Counter[str] = Counter({f"objects.{kind}": n for kind, n in stats.items()})
        if not story:
            return dict(sorted(counts.items()))
        v1 = self.client.v1
        for charge in self.listing(v1.charges):
            counts[f"charges.{charge.status}"] += 1
            if charge.status != "succeeded":
                continue
            counts[f"charges.currency.{charge.currency}"] += 1
            metadata = charge.metadata.to_dict()
            if "netsuite_invoice_id" in metadata:
                counts["charges.invoice_payment"] += 1
            elif "netsuite_customer_id" in metadata:
                counts["charges.on_account"] += 1
            else:
                counts["charges.unallocated"] += 1
            if metadata.get("autopay"):
                counts["charges.autopay_off_session"] += 1
            if charge.payment_method_details.card.country != "US":
                counts["charges.international_card"] += 1
        for refund in self.listing(v1.refunds):
            charge = v1.charges.retrieve(refund.charge)
            counts["refunds.full" if refund.amount == charge.amount else "refunds.partial"] += 1
        for dispute in self.listing(v1.disputes):
            counts[f"disputes.{dispute.status}"] += 1
        for payout in self.listing(v1.payouts):
            counts[f"payouts.{payout.status}"] += 1
        for session in self.listing(v1.checkout.sessions):
            counts[f"checkout_sessions.{session.status}"] += 1
        counts["customers"] = len(self.listing(v1.customers))
        return dict(sorted(counts.items()))


def seed_world(
    stripe_url: str,
    api_key: str,
    netsuite_base_url: str | None,
    netsuite_credentials: NetSuiteCredentials | Mapping[str, str] | None,
    *,
    days: int = 30,
    seed: int = 42,
    charges: int | None = None,
    scale_only_stripe: bool = False,
    threads: int = 4,
    reset: bool = False,
    end: int = END,
) -> WorldSummary:
    """Build the world in a fresh Stripe sandbox, reading the NetSuite sandbox's customers and open invoices.

    The world covers the `days` before `end` (a unix time; see `world_end`) and leaves the sandbox clock
    frozen at `end`. `charges` adds that many anonymous card payments spread over the same days; with
    `scale_only_stripe` they are the whole world and NetSuite is not read. Scale payments run on
    `threads` concurrent connections, which keeps their content but not their ids deterministic (use
    threads=1 for that).
    """
    began = time.perf_counter()
    if days < 1:
        raise WorldError("days must be at least 1")
    start = end - days * DAY
    actions: list[Action] = []
    if not scale_only_stripe:
        if not netsuite_base_url:
            raise WorldError(
                "NetSuite is needed for the story world: set NETSUITE_BASE_URL (or pass --charges N "
                "for a Stripe-only scale world)"
            )
        credentials = (
            netsuite_credentials
            if isinstance(netsuite_credentials, NetSuiteCredentials)
            else NetSuiteCredentials.from_env(netsuite_credentials or {})
        )
        customers, invoices = NetSuiteReader(netsuite_base_url, credentials).customers_and_invoices()
        actions = plan_world(seed, start, days, customers, invoices)
    if charges:
        actions = sorted(
            [*actions, *plan_bulk(seed, start, days, charges)], key=lambda a: (a.at, a.kind == "bulk")
        )
    world = StripeWorld(stripe_url, api_key, seed, threads)
    world.prepare(start, reset)
    world.run(actions)
    world.advance_to(end)
    return WorldSummary(
        seed=seed,
        days=days,
        start=start,
        end=end,
        counts=world.count(story=not scale_only_stripe),
        bulk_charges=world.bulk_charges,
        bulk_seconds=round(world.bulk_seconds, 2),
        elapsed_seconds=round(time.perf_counter() - began, 2),
    )


def seed(
    sandbox: Sandbox,
    *,
    days: int = 30,
    seed: int | None = None,
    charges: int | None = None,
    netsuite_url: str | None = None,
    env: Mapping[str, str] | None = None,
    threads: int = 4,
    end: int = END,
) -> WorldSummary:
    """`python -m stripe_sandbox seed --data DIR`: serve DIR on a private port and seed it over HTTP.

    Without a NetSuite address (`netsuite_url` or NETSUITE_BASE_URL) only a scale world (`charges`) is
    possible.
    """
    from werkzeug.serving import make_server

    from .app import create_app

    settings = os.environ if env is None else env
    netsuite = netsuite_url or settings.get("NETSUITE_BASE_URL")
    if not netsuite and not charges:
        raise WorldError(
            "set NETSUITE_BASE_URL and the NETSUITE_* credentials (or pass --netsuite-url), or "
            "pass --charges N for a Stripe-only world"
        )
    # One line per request would bury the summary; the sandbox's /_sandbox/requests keeps them.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, create_app(sandbox), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="world-seeder", daemon=True)
    thread.start()
    try:
        return seed_world(
            f"http://127.0.0.1:{server.server_port}",
            sandbox.api_key or "sk_test_world_seeder",
            netsuite,
            settings if netsuite else None,
            days=days,
            seed=sandbox.seed if seed is None else seed,
            charges=charges,
            scale_only_stripe=not netsuite,
            threads=threads,
            end=end,
        )
    finally:
        server.shutdown()
        thread.join()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The world's options, shared by `python -m stripe_sandbox seed` and this module's own command line."""
    parser.add_argument("--days", type=int, default=30, help="length of the world in days (default 30)")
    parser.add_argument("--charges", type=int, help="add N anonymous card payments (scale)")
    parser.add_argument("--netsuite-url", help="NetSuite REST base (default $NETSUITE_BASE_URL)")
    parser.add_argument("--threads", type=int, default=4, help="concurrent connections for --charges")
    default_end = datetime.fromtimestamp(END, UTC).date().isoformat()
    parser.add_argument(
        "--end",
        default=default_end,
        help=f"the world ends at 00:00 UTC of this date: YYYY-MM-DD or 'today' (default {default_end})",
    )


def options(args: argparse.Namespace) -> dict[str, Any]:
    """The keyword arguments of `seed` from options parsed with `add_arguments`."""
    return {
        "days": args.days,
        "charges": args.charges,
        "netsuite_url": args.netsuite_url,
        "threads": args.threads,
        "end": world_end(args.end),
    }


def main(argv: list[str] | None = None) -> int:
    """Seed a RUNNING Stripe sandbox: `python -m stripe_sandbox.world --stripe-url URL [--api-key K] ...`."""
    parser = argparse.ArgumentParser(prog="stripe_sandbox.world", description=__doc__.splitlines()[0])
    parser.add_argument("--stripe-url", required=True)
    parser.add_argument("--api-key", default=os.environ.get("STRIPE_API_KEY") or "sk_test_world_seeder")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--stripe-only", action="store_true", help="do not read NetSuite (needs --charges)")
    parser.add_argument("--reset", action="store_true", help="wipe the Stripe sandbox first")
    add_arguments(parser)
    args = parser.parse_args(argv)
    netsuite = None if args.stripe_only else (args.netsuite_url or os.environ.get("NETSUITE_BASE_URL"))
    try:
        end = world_end(args.end)
        summary = seed_world(
            args.stripe_url,
            args.api_key,
            netsuite,
            os.environ if netsuite else None,
            days=args.days,
            seed=args.seed,
            charges=args.charges,
            scale_only_stripe=netsuite is None,
            threads=args.threads,
            reset=args.reset,
            end=end,
        )
    except WorldError as exc:
        print(f"stripe_sandbox.world: {exc}", file=sys.stderr)
        return 2
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
