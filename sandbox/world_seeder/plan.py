"""The demo world as a plan: what happens when, decided from a seed and the NetSuite data, with no I/O.

`stripe_world.py` carries the plan out against the sandboxes' public APIs; keeping the decisions here makes
the world's variety testable without servers and keeps "same seed -> same world" a property of pure code.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

DAY = 86_400
# Not from stripe_sandbox.money on purpose: the seeder is a client and shares no code with the servers.
_EXPONENTS = {"jpy": 0, "krw": 0, "vnd": 0, "clp": 0, "bhd": 3, "jod": 3, "kwd": 3, "omr": 3, "tnd": 3}
# Steps customers pay in: 1.00 for two-decimal currencies, 100 yen, 0.010 KWD (Stripe wants a final 0).
_PAYMENT_STEP = {0: 100, 2: 100, 3: 10}


def exponent(currency: str) -> int:
    return _EXPONENTS.get(currency, 2)


def to_minor(amount: str | Decimal, currency: str) -> int:
    """NetSuite's decimal text ("1250.75") as integer minor units of `currency`; exact or an error."""
    value = Decimal(str(amount)).scaleb(exponent(currency))
    if value != value.to_integral_value():
        raise ValueError(f"{amount} {currency.upper()} has more decimals than the currency allows")
    return int(value)


def round_down(amount: int, step: int) -> int:
    return amount - amount % step


@dataclass(frozen=True)
class Card:
    """A test card by both of its names: the `pm_card_*` id (API) and the number (hosted page)."""

    name: str
    payment_method: str
    number: str
    cvc: str = "123"


CARDS = {
    card.name: card
    for card in (
        Card("visa", "pm_card_visa", "4242424242424242"),
        Card("mastercard", "pm_card_mastercard", "5555555555554444"),
        Card("amex", "pm_card_amex", "378282246310005", cvc="1234"),
        Card("visa_debit", "pm_card_visa_debit", "4000056655665556"),
        Card("gb", "pm_card_gb", "4000008260000000"),
        Card("de", "pm_card_de", "4000002760000016"),
        Card("jp", "pm_card_jp", "4000003920000003"),
        Card("instant", "pm_card_bypassPending", "4000000000000077"),
        Card("dispute", "pm_card_createDispute", "4000000000000259"),
        Card("declined", "pm_card_chargeDeclined", "4000000000000002"),
        Card("insufficient", "pm_card_chargeDeclinedInsufficientFunds", "4000000000009995"),
        Card("three_ds", "pm_card_threeDSecure2Required", "4000000000003220"),
    )
}
# How often each card is used for an ordinary payment (weights); the rest appear only in planned scenarios.
_CARD_MIX = (
    ("visa", 55),
    ("mastercard", 15),
    ("amex", 5),
    ("visa_debit", 6),
    ("gb", 6),
    ("de", 4),
    ("jp", 3),
    ("instant", 6),
)


@dataclass(frozen=True)
class NsCustomer:
    """A NetSuite customer as SuiteQL shows it; currencies are lower-case ISO codes, primary first."""

    id: str
    name: str
    email: str | None
    currencies: tuple[str, ...]
    catch_all: bool = False

    @property
    def currency(self) -> str:
        return self.currencies[0]


@dataclass(frozen=True)
class NsInvoice:
    """An open NetSuite invoice: what is still due, in minor units of its currency."""

    id: str
    tranid: str
    customer: str
    currency: str
    remaining: int
    trandate: int


@dataclass
class Action:
    """One thing that happens at `at` (sandbox time); `key` names its result for later actions."""

    at: int
    kind: str
    key: str
    data: dict[str, Any] = field(default_factory=dict)
    order: int = 0


@dataclass
class _Payment:
    key: str
    day: int
    customer: str | None
    currency: str
    amount: int
    invoice: NsInvoice | None
    via: str
    card: str
    extra: dict[str, Any] = field(default_factory=dict)


class Planner:
    """Builds the action list; every random choice comes from one `random.Random(seed)` in a fixed order."""

    def __init__(self, seed: int, start: int, days: int) -> None:
        if days < 1:
            raise ValueError("days must be at least 1")
        self.rng = random.Random(seed)
        self.start = start
        self.days = days
        self.actions: list[Action] = []
        self._used_moments: set[int] = set()

    def moment(self, day: int, earliest: int = 8 * 3600, latest: int = 20 * 3600) -> int:
        """A distinct business-hours minute of `day` (distinct so the plan's order is the clock's order)."""
        day = min(max(day, 0), self.days - 1)
        while True:
            at = self.start + day * DAY + self.rng.randrange(earliest // 60, latest // 60) * 60
            if at not in self._used_moments:
                self._used_moments.add(at)
                return at

    def after(self, at: int, days: int) -> int:
        """A moment `days` days after `at`, within the world and strictly later than `at`."""
        day = min((at - self.start) // DAY + days, self.days - 1)
        later = self.moment(day)
        if later <= at:
            # The world ends too soon for the usual delay: the next free minute will do.
            self._used_moments.discard(later)
            later = at + 60
            while later in self._used_moments:
                later += 60
            self._used_moments.add(later)
        return later

    def add(self, at: int, kind: str, key: str, **data: Any) -> Action:
        action = Action(at, kind, key, data, order=len(self.actions))
        self.actions.append(action)
        return action

    def card(self) -> str:
        names = [name for name, _ in _CARD_MIX]
        weights = [weight for _, weight in _CARD_MIX]
        return self.rng.choices(names, weights)[0]


def plan_world(
    seed: int,
    start: int,
    days: int,
    customers: list[NsCustomer],
    invoices: list[NsInvoice],
) -> list[Action]:
    """The full business story of the world, in time order."""
    planner = Planner(seed, start, days)
    rng = planner.rng
    payers = [c for c in customers if not c.catch_all]
    by_id = {c.id: c for c in payers}
    for index, customer in enumerate(payers):
        planner.add(
            start + 7 * 3600 + index * 60,
            "customer",
            f"cus:{customer.id}",
            ns_customer=customer.id,
            name=customer.name,
            email=customer.email,
        )

    payments = _invoice_payments(planner, invoices, by_id)
    payments += _on_account_payments(planner, payers)
    for number in range(2):
        day = rng.randrange(days)
        amount = rng.randrange(20, 400) * 100
        payments.append(
            _Payment(f"pay:unallocated:{number}", day, None, "usd", amount, None, "api", planner.card())
        )
    payments.sort(key=lambda p: (p.day, p.key))
    _assign_scenarios(planner, payments, invoices, by_id)

    for payment in payments:
        at = planner.moment(payment.day)
        data: dict[str, Any] = {
            "customer": payment.customer,
            "currency": payment.currency,
            "amount": payment.amount,
            "card": payment.card,
            "via": payment.via,
            **payment.extra,
        }
        if payment.invoice is not None:
            data["invoice"] = payment.invoice.id
            data["tranid"] = payment.invoice.tranid
        planner.add(at, "pay", payment.key, **data)
        if "refund" in payment.extra:
            planner.add(
                planner.after(at, rng.randrange(1, 6)),
                "refund",
                f"refund:{payment.key}",
                payment=payment.key,
                amount=payment.extra["refund"],
            )
        if "dispute" in payment.extra and payment.extra["dispute"] in ("won", "lost"):
            planner.add(
                planner.after(at, rng.randrange(2, 5)),
                "evidence",
                f"evidence:{payment.key}",
                payment=payment.key,
                outcome=payment.extra["dispute"],
            )
    # The bank bounces one payout in the middle of the period; its money comes back and goes out again.
    if days >= 3:
        planner.add(start + (days // 2) * DAY + 23 * 3600, "fail_next_payout", "payout:fail")
    planner.actions.sort(key=lambda a: (a.at, a.order))
    return planner.actions


def _invoice_payments(
    planner: Planner, invoices: list[NsInvoice], customers: dict[str, NsCustomer]
) -> list[_Payment]:
    rng = planner.rng
    payments: list[_Payment] = []
    for invoice in sorted(invoices, key=lambda i: int(i.id)):
        first_day = max(0, (invoice.trandate - planner.start + DAY - 1) // DAY)
        if invoice.customer not in customers or first_day >= planner.days:
            continue
        step = _PAYMENT_STEP[exponent(invoice.currency)]
        roll = rng.random()
        if roll < 0.15 or invoice.remaining < step:
            continue  # some invoices stay open, as in any ledger
        day = rng.randrange(first_day, planner.days)
        via = "checkout" if rng.random() < 0.6 else "api"
        if roll < 0.6:
            # Paying "in full" still leaves what a card cannot carry (KWD's last digit, below 1 yen).
            amount = round_down(invoice.remaining, 10 if exponent(invoice.currency) == 3 else 1)
            payments.append(
                _Payment(
                    f"pay:inv:{invoice.id}",
                    day,
                    invoice.customer,
                    invoice.currency,
                    amount,
                    invoice,
                    via,
                    planner.card(),
                )
            )
            continue
        share = rng.choice((Decimal("0.25"), Decimal("0.4"), Decimal("0.5"), Decimal("0.6")))
        first = max(step, round_down(int(invoice.remaining * share), step))
        payments.append(
            _Payment(
                f"pay:inv:{invoice.id}:1",
                day,
                invoice.customer,
                invoice.currency,
                first,
                invoice,
                via,
                planner.card(),
            )
        )
        rest = round_down(invoice.remaining - first, 10 if exponent(invoice.currency) == 3 else 1)
        if rest >= step and rng.random() < 0.5:
            later = rng.randrange(day, planner.days)
            payments.append(
                _Payment(
                    f"pay:inv:{invoice.id}:2",
                    later,
                    invoice.customer,
                    invoice.currency,
                    rest,
                    invoice,
                    "api",
                    planner.card(),
                )
            )
    return payments


def _on_account_payments(planner: Planner, customers: list[NsCustomer]) -> list[_Payment]:
    rng = planner.rng
    payments: list[_Payment] = []
    for customer in customers:
        for number in range(rng.choice((1, 1, 2, 3))):
            currency = customer.currency if rng.random() < 0.8 else rng.choice(customer.currencies)
            places = exponent(currency)
            major = rng.randrange(50, 2500) if places != 0 else rng.randrange(50, 2500) * 100
            amount = major * 10**places
            payments.append(
                _Payment(
                    f"pay:acct:{customer.id}:{number}",
                    rng.randrange(planner.days),
                    customer.id,
                    currency,
                    amount,
                    None,
                    "api",
                    planner.card(),
                )
            )
    return payments


def _assign_scenarios(
    planner: Planner, payments: list[_Payment], invoices: list[NsInvoice], customers: dict[str, NsCustomer]
) -> None:
    """Give some payments the stories a connector must handle: disputes, refunds, declines, 3DS, AutoPay."""
    rng = planner.rng
    api_invoice = [p for p in payments if p.via == "api" and p.invoice is not None]
    on_account = [p for p in payments if p.invoice is None and p.customer is not None]
    checkout = [p for p in payments if p.via == "checkout"]
    rng.shuffle(api_invoice)
    rng.shuffle(on_account)
    rng.shuffle(checkout)
    taken: set[str] = set()

    def pick(pool: list[_Payment]) -> _Payment | None:
        for payment in pool:
            if payment.key not in taken:
                taken.add(payment.key)
                return payment
        return None

    for outcome in ("won", "lost"):
        disputed = pick(api_invoice) or pick(on_account)
        if disputed is not None:
            disputed.card, disputed.extra["dispute"] = "dispute", outcome
    left_open = pick(on_account)
    if left_open is not None:
        left_open.card, left_open.extra["dispute"] = "dispute", "needs_response"
        left_open.day = max(left_open.day, planner.days - 3)
    full = pick(on_account)
    if full is not None:
        full.extra["refund"] = None
    for _ in range(2):
        partial = pick(api_invoice) or pick(on_account)
        if partial is not None:
            step = _PAYMENT_STEP[exponent(partial.currency)]
            partial.extra["refund"] = max(
                step, round_down(partial.amount * rng.randrange(10, 40) // 100, step)
            )
    declined = pick(checkout)
    if declined is not None:
        declined.extra["decline_first"] = "declined"
    secure = pick(checkout)
    if secure is not None:
        secure.card = "three_ds"
    _plan_autopay(planner, payments, taken)
    failed = pick(on_account)
    if failed is not None:
        # The customer's attempt fails and is not retried: a failed charge with no money movement.
        failed.card, failed.extra["fails"] = "insufficient", True
    _plan_abandoned_checkout(planner, payments, invoices, customers)


def _plan_autopay(planner: Planner, payments: list[_Payment], taken: set[str]) -> None:
    """A customer saves their card on a Checkout payment; a later invoice is charged to it off-session."""
    by_customer: dict[str, list[_Payment]] = {}
    for payment in payments:
        if payment.invoice is not None and payment.customer is not None:
            by_customer.setdefault(payment.customer, []).append(payment)
    for customer in sorted(by_customer):
        ordered = sorted(by_customer[customer], key=lambda p: (p.day, p.key))
        first = next((p for p in ordered if p.via == "checkout" and p.key not in taken), None)
        if first is None:
            continue
        later = next(
            (p for p in ordered if p.day > first.day and p.invoice != first.invoice and p.key not in taken),
            None,
        )
        if later is None:
            continue
        taken.update((first.key, later.key))
        first.extra["save"] = True
        first.card = "visa"
        later.via, later.card = "autopay", "visa"
        later.extra["saved_from"] = first.key
        return


def _plan_abandoned_checkout(
    planner: Planner, payments: list[_Payment], invoices: list[NsInvoice], customers: dict[str, NsCustomer]
) -> None:
    """A customer opens the page for an invoice nobody pays in this world and leaves: the session expires."""
    paid = {p.invoice.id for p in payments if p.invoice is not None}
    for invoice in sorted(invoices, key=lambda i: int(i.id)):
        first_day = max(0, (invoice.trandate - planner.start + DAY - 1) // DAY)
        if invoice.id in paid or invoice.customer not in customers or first_day >= planner.days - 1:
            continue
        if invoice.remaining < _PAYMENT_STEP[exponent(invoice.currency)]:
            continue
        amount = round_down(invoice.remaining, 10 if exponent(invoice.currency) == 3 else 1)
        planner.add(
            planner.moment(planner.rng.randrange(first_day, planner.days - 1)),
            "abandon",
            f"abandon:{invoice.id}",
            customer=invoice.customer,
            currency=invoice.currency,
            amount=amount,
            invoice=invoice.id,
            tranid=invoice.tranid,
        )
        return


def plan_bulk(seed: int, start: int, days: int, count: int, chunks_per_day: int = 12) -> list[Action]:
    """`count` anonymous card payments spread over the days in hourly batches (for scale, not for story)."""
    planner = Planner(seed, start, days)
    per_day, extra = divmod(count, days)
    number = 0
    for day in range(days):
        today = per_day + (1 if day < extra else 0)
        size, rest = divmod(today, chunks_per_day)
        for chunk in range(chunks_per_day):
            batch = size + (1 if chunk < rest else 0)
            if batch:
                at = start + day * DAY + (8 + chunk) * 3600
                planner.add(at, "bulk", f"bulk:{day}:{chunk}", first=number, count=batch)
                number += batch
    return planner.actions


def bulk_payment(seed: int, number: int) -> dict[str, Any]:
    """The `number`th scale payment, from its own generator so that threads cannot change its content."""
    rng = random.Random(f"{seed}:{number}")
    currency = rng.choices(("usd", "eur", "gbp", "cad"), (80, 10, 6, 4))[0]
    card = rng.choices(("visa", "mastercard", "amex", "gb", "instant"), (70, 15, 5, 5, 5))[0]
    return {
        "amount": rng.randrange(5, 2000) * 100 + rng.choice((0, 0, 50, 99)),
        "currency": currency,
        "payment_method": CARDS[card].payment_method,
        "description": f"Scale payment {number}",
        "metadata": {"world": "scale", "number": str(number)},
    }
