"""Carrying a plan out against a Stripe sandbox: stripe-python for the API, HTTP form posts for the hosted
Checkout page, and the sandbox's `/_sandbox/` routes for its clock, configuration and counts."""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import requests
import stripe

from .errors import WorldError
from .plan import CARDS, Action, bulk_payment

SUCCESS_URL = "https://pay.honeycomb.example/paid?session_id={CHECKOUT_SESSION_ID}"
CANCEL_URL = "https://pay.honeycomb.example/cancelled"
BUSINESS = {"business_name": "Honeycomb Holdings Inc.", "statement_descriptor": "HONEYCOMB"}
_TOKEN = re.compile(r'name="token" value="([^"]+)"')


class StripeWorld:
    """Carries out a plan against one Stripe sandbox and remembers what each step created."""

    def __init__(self, url: str, api_key: str, seed: int, threads: int = 4) -> None:
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

    def prepare(self, start: int, reset: bool, settlement_currencies: tuple[str, ...] = ()) -> None:
        """A fresh account, its clock frozen at the world's start, the merchant's name on the hosted page, and
        a bank account in each of `settlement_currencies` besides the default one (charges presented in one
        settle and are paid out in it)."""
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
        self.control("POST", "/config", {**BUSINESS, "settlement_currencies": list(settlement_currencies)})

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

