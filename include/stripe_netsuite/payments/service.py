"""The payment pages' use cases: show what is owed, and start a payment, in the order that keeps them safe.

Starting a payment: read NetSuite fresh -> check the amount (nothing created on error) -> Stripe Customer ->
under the customer's lock: expire this page's unpaid Checkout Session, re-check and reserve -> Checkout
Session -> record it under the lock (unless a newer payment from the page replaced this one), consent -> URL.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from typing import Any, Generic, TypeVar

import stripe
from sqlalchemy import Engine

from stripe_netsuite.money import from_minor
from stripe_netsuite.payments.accounts import (
    CustomerAccount,
    InvoiceAccount,
    SuiteQLRunner,
    fetch_customer_account,
    fetch_invoice_account,
)
from stripe_netsuite.payments.amounts import (
    AmountError,
    FlightState,
    InFlight,
    available_per_invoice,
    chargeable_minor,
    check_amount,
    check_selection,
    check_unchanged,
)
from stripe_netsuite.payments.cache import TTLCache
from stripe_netsuite.payments.checkout import (
    CheckoutOptions,
    close_checkout_session,
    create_checkout_session,
    ensure_stripe_customer,
    expire_checkout_session,
)
from stripe_netsuite.payments.consent import consent_text, record_consent
from stripe_netsuite.payments.reservations import (
    in_flight,
    link_of,
    mark_recorded,
    others,
    payment_ids_to_confirm,
    record_session,
    reserve_attempt,
)
from stripe_netsuite.payments.snapshots import PageSnapshots
from stripe_netsuite.store.attempt_status import RESERVED, AttemptStatus, move
from stripe_netsuite.store.engine import session_scope
from stripe_netsuite.store.payments import PaymentAttempt
from stripe_netsuite.stripe_metadata import MetadataTooLarge, check_invoice_capacity

__all__ = [
    "CustomerView",
    "InvoiceView",
    "PageSettings",
    "PaymentError",
    "PaymentRequest",
    "PaymentServices",
    "ReplacedError",
    "cancel_attempt",
    "customer_view",
    "invoice_view",
    "start_customer_payment",
    "start_invoice_payment",
]


class PaymentError(RuntimeError):
    """Stripe refused or could not be reached; the attempt is marked failed and its reservation released."""


class ReplacedError(AmountError):
    """A newer payment from the same page replaced this one while its Checkout Session was being made."""


@dataclass
class PaymentServices:
    """The resources a payment page needs, shared by every request of one process."""

    netsuite: SuiteQLRunner
    stripe: stripe.StripeClient
    engine: Engine
    # Display data only (every payment reads NetSuite live): served at once, refreshed in the background,
    # shared with the other processes through the state DB.
    pages: TTLCache[CustomerAccount | InvoiceAccount] = field(init=False)
    # An invoice's customer never changes; knowing it lets the invoice query also look for our payments.
    invoice_customers: TTLCache[str] = field(default_factory=lambda: TTLCache(ttl=86_400.0, max_items=10_000))

    def __post_init__(self) -> None:
        kinds: dict[str, type[Any]] = {"customer": CustomerAccount, "invoice": InvoiceAccount}
        snapshots = PageSnapshots(self.engine, kinds, clock=lambda: datetime.now(UTC))
        self.pages = TTLCache(ttl=30.0, shared=snapshots)


@dataclass(frozen=True)
class CustomerView:
    """A customer page: the NetSuite data plus what is still payable after in-flight payments.

    `in_flight_minor` counts everything not yet in NetSuite's balance; `received` are the payments among
    them that Stripe already took (shown as received and being recorded, with amount and date).
    """

    account: CustomerAccount
    available_minor: int
    in_flight_minor: int
    invoice_available: dict[str, int]
    received: tuple[InFlight, ...] = ()
    # Payments started but not received yet (reserved from another page, or processing).
    in_progress_minor: int = 0
    # Unpaid sessions started from this very page: not counted, as a payment from it replaces them.
    replaceable: tuple[InFlight, ...] = ()


@dataclass(frozen=True)
class InvoiceView:
    """An invoice page: the invoice plus what is still payable on it (`received`: see CustomerView)."""

    account: InvoiceAccount
    available_minor: int
    in_flight_minor: int
    received: tuple[InFlight, ...] = ()
    in_progress_minor: int = 0
    replaceable: tuple[InFlight, ...] = ()
    # What the customer's balance leaves unpaid here: their unapplied payments and credits (or payments in
    # flight elsewhere) already stand against this much of the invoice, so the page does not charge it.
    covered_minor: int = 0

    @property
    def is_paid(self) -> bool:
        return not self.account.invoice.is_open or self.account.invoice.remaining_minor <= 0


@dataclass(frozen=True)
class PaymentRequest:
    """What the customer submitted, plus who they are as far as the request tells."""

    amount_text: str | None
    invoice_ids: Sequence[str] = ()
    save_payment_method: bool = False
    ip: str | None = None
    user_agent: str | None = None
    locale: str = "en_US"
    currency: str | None = None  # a customer page's currency (one the customer owes in); None = primary
    # What the page showed as payable when it was opened (the form's copy); see amounts.check_unchanged.
    shown_text: str | None = None


@dataclass(frozen=True)
class PageSettings:
    """Merchant settings a payment needs."""

    business_name: str
    statement_descriptor_suffix: str | None
    stripe_receipts: bool
    allow_partial_invoice_payment: bool


View = TypeVar("View", CustomerView, InvoiceView)
Account = TypeVar("Account", CustomerAccount, InvoiceAccount)
Result = TypeVar("Result")
UrlsFor = Callable[[PaymentAttempt], tuple[str, str]]
# The amount check on a list of in-flight payments: (amount in minor units, the invoices it pays).
_Check = Callable[[list[InFlight]], tuple[int, tuple[str, ...]]]
# A page's amount rule: the amount (minor units) and invoices a request may pay, given the page's numbers.
_Rule = Callable[[View, PaymentRequest, PageSettings], tuple[int, tuple[str, ...]]]


@dataclass(frozen=True)
class _Target(Generic[View]):
    """What a page pays, a customer's balance or one invoice: everything the one payment path needs of it."""

    kind: str  # the page, and the attempt's link kind: "customer" or "invoice"
    customer_id: str
    customer_name: str
    email: str | None
    currency: str
    recorded: frozenset[str]  # our payments NetSuite already shows: no longer in flight
    invoice_ids: tuple[str, ...]  # an invoice page's invoice; () for a customer page
    label: str  # what Checkout shows the customer
    numbers: Callable[[list[InFlight]], View]
    rule: _Rule[View]

    @property
    def link(self) -> str:
        return link_of(self.kind, self.customer_id, self.invoice_ids)

    def check(self, request: PaymentRequest, settings: PageSettings) -> _Check:
        """The amount check against a list of in-flight payments (run again under the customer's lock)."""

        def check(flights: list[InFlight]) -> tuple[int, tuple[str, ...]]:
            return self.rule(self.numbers(flights), request, settings)

        return check


def _cached(
    services: PaymentServices,
    page: tuple[str, str],
    kind: type[Account],
    load: Callable[[], Account],
    fresh: bool,
) -> Account:
    """A page's NetSuite data: `load()`ed now if `fresh` (a payment reads it live), else at most 30 s old."""
    if fresh:
        account = load()
        services.pages.put(page, account)
        return account
    cached = services.pages.get_or_load(page, load)
    assert isinstance(cached, kind)
    return cached


def _customer_account(
    services: PaymentServices, customer_id: str, now: datetime, fresh: bool
) -> CustomerAccount:
    def load() -> CustomerAccount:
        with session_scope(services.engine) as session:
            ids = payment_ids_to_confirm(session, customer_id, now)
        account = fetch_customer_account(services.netsuite, customer_id, ids, now)
        mark_recorded(services.engine, customer_id, account.recorded_payment_ids, now)
        return account

    return _cached(services, ("customer", customer_id), CustomerAccount, load, fresh)


def _invoice_account(
    services: PaymentServices, invoice_id: str, now: datetime, fresh: bool
) -> InvoiceAccount:
    def unconfirmed(customer_id: str | None) -> list[str]:
        if not customer_id:
            return []
        with session_scope(services.engine) as session:
            return payment_ids_to_confirm(session, customer_id, now)

    def load() -> InvoiceAccount:
        customer_id = services.invoice_customers.get(invoice_id)
        ids = unconfirmed(customer_id)
        account = fetch_invoice_account(services.netsuite, invoice_id, customer_id, ids, now)
        if customer_id is None and (ids := unconfirmed(account.customer_id)):
            # First sight of this invoice: only now is its customer known, whose paid attempts NetSuite may
            # already hold. Unchecked, they would count twice (in NetSuite's balance and as in flight) and
            # the page would offer less than the payment it then takes.
            account = fetch_invoice_account(services.netsuite, invoice_id, account.customer_id, ids, now)
        services.invoice_customers.put(invoice_id, account.customer_id)
        mark_recorded(services.engine, account.customer_id, account.recorded_payment_ids, now)
        return account

    return _cached(services, ("invoice", invoice_id), InvoiceAccount, load, fresh)


def _received(flights: list[InFlight]) -> tuple[InFlight, ...]:
    """Payments Stripe took that NetSuite does not show yet, newest first (the page lists the first few)."""
    received = [f for f in flights if f.state == FlightState.RECEIVED]
    oldest = datetime.min.replace(tzinfo=UTC)
    return tuple(sorted(received, key=lambda f: f.received_at or oldest, reverse=True))


def _in_progress(flights: list[InFlight]) -> int:
    return sum(f.amount_minor for f in flights if f.state != FlightState.RECEIVED)


def _customer_numbers(account: CustomerAccount, flights: list[InFlight]) -> CustomerView:
    pending = sum(f.amount_minor for f in flights)
    per_invoice = available_per_invoice({i.id: i.remaining_minor for i in account.invoices}, flights)
    available = max(0, account.balance_minor - pending)
    return CustomerView(account, available, pending, per_invoice, _received(flights), _in_progress(flights))


def _invoice_numbers(account: InvoiceAccount, flights: list[InFlight]) -> InvoiceView:
    pending = sum(f.amount_minor for f in flights)
    invoice = account.invoice
    on_invoice = available_per_invoice({invoice.id: invoice.remaining_minor}, flights)[invoice.id]
    # The invoice's own amount due, and the customer's balance in its currency, both bound the payment.
    available = max(0, min(on_invoice, account.balance_minor - pending))
    # Only payments for this invoice are news on its page; the customer page lists them all.
    received = tuple(f for f in _received(flights) if invoice.id in f.invoice_ids)
    covered = max(0, on_invoice - available)
    return InvoiceView(account, available, pending, received, _in_progress(flights), covered_minor=covered)


def _customer_rule(
    view: CustomerView, request: PaymentRequest, settings: PageSettings
) -> tuple[int, tuple[str, ...]]:
    currency = view.account.currency
    check_unchanged(
        request.shown_text,
        chargeable_minor(view.available_minor, currency),
        currency,
        fixed=False,
        in_flight_minor=view.in_flight_minor,
        locale=request.locale,
    )
    chosen = check_selection(request.invoice_ids, [i.id for i in view.account.invoices])
    limit = view.available_minor
    if chosen:
        limit = min(limit, sum(max(0, view.invoice_available[iid]) for iid in chosen))
    amount = check_amount(
        request.amount_text or "",
        view.account.currency,
        limit,
        in_flight_minor=view.in_flight_minor,
        locale=request.locale,
    )
    return amount, chosen


def _invoice_rule(
    view: InvoiceView, request: PaymentRequest, settings: PageSettings
) -> tuple[int, tuple[str, ...]]:
    invoice = view.account.invoice
    if view.is_paid:
        raise AmountError(f"Invoice {invoice.number} is already paid.")
    payable = chargeable_minor(view.available_minor, invoice.currency)
    partial = settings.allow_partial_invoice_payment
    # Without partial payments the amount is fixed: what is due now, and only if that is what the page showed.
    check_unchanged(
        request.shown_text,
        payable,
        invoice.currency,
        fixed=not partial,
        in_flight_minor=view.in_flight_minor,
        locale=request.locale,
    )
    # Without partial payments the amount is the server's: whatever is still due, never the client's.
    text = request.amount_text if partial else None
    if not text:
        text = str(from_minor(payable, invoice.currency))
    amount = check_amount(
        text,
        invoice.currency,
        view.available_minor,
        in_flight_minor=view.in_flight_minor,
        locale=request.locale,
    )
    return amount, (invoice.id,)


def _customer_target(account: CustomerAccount, customer_id: str) -> _Target[CustomerView]:
    return _Target(
        kind="customer",
        customer_id=customer_id,
        customer_name=account.name,
        email=account.email,
        currency=account.currency,
        recorded=account.recorded_payment_ids,
        invoice_ids=(),
        label="Payment",
        numbers=partial(_customer_numbers, account),
        rule=_customer_rule,
    )


def _invoice_target(account: InvoiceAccount) -> _Target[InvoiceView]:
    return _Target(
        kind="invoice",
        customer_id=account.customer_id,
        customer_name=account.customer_name,
        email=account.email,
        currency=account.invoice.currency,
        recorded=account.recorded_payment_ids,
        invoice_ids=(account.invoice.id,),
        label=f"Invoice {account.invoice.number}",
        numbers=partial(_invoice_numbers, account),
        rule=_invoice_rule,
    )


def _flights(services: PaymentServices, target: _Target[Any], now: datetime) -> list[InFlight]:
    with session_scope(services.engine) as session:
        return in_flight(session, target.customer_id, target.currency, target.recorded, now)


def _view(services: PaymentServices, target: _Target[View], now: datetime) -> View:
    flights = _flights(services, target, now)
    # What this page shows is what a payment from it could take: its own unpaid session would be replaced.
    kept = others(flights, target.link)
    return replace(target.numbers(kept), replaceable=tuple(f for f in flights if f not in kept))


def customer_view(
    services: PaymentServices,
    customer_id: str,
    now: datetime,
    *,
    fresh: bool = False,
    currency: str | None = None,
) -> CustomerView:
    """The customer page's numbers in `currency` (None: primary); NetSuite data <= 30 s old unless `fresh`."""
    account = _customer_account(services, customer_id, now, fresh).in_currency(currency)
    return _view(services, _customer_target(account, customer_id), now)


def invoice_view(
    services: PaymentServices, invoice_id: str, now: datetime, *, fresh: bool = False
) -> InvoiceView:
    """The invoice page's numbers (NetSuite data at most 30 s old unless `fresh`)."""
    return _view(services, _invoice_target(_invoice_account(services, invoice_id, now, fresh)), now)


def _stripe_call(call: Callable[[], Result]) -> Result:
    """A Stripe call of the payment path: Stripe's refusal or absence becomes PaymentError."""
    try:
        return call()
    except stripe.StripeError as error:
        raise PaymentError(type(error).__name__) from error


def _checkout(
    services: PaymentServices,
    target: _Target[Any],
    attempt: PaymentAttempt,
    settings: PageSettings,
    urls_for: UrlsFor,
    now: datetime,
) -> Any:
    """The attempt's Checkout Session; if Stripe refuses, the attempt fails (its reservation released)."""
    success_url, cancel_url = urls_for(attempt)
    options = CheckoutOptions(
        product_name=f"{target.label} - {settings.business_name}",
        description=target.label,
        success_url=success_url,
        cancel_url=cancel_url,
        statement_descriptor_suffix=settings.statement_descriptor_suffix,
        receipt_email=attempt.receipt_email,
    )
    try:
        return create_checkout_session(services.stripe, attempt, options, now)
    except stripe.StripeError as error:
        with session_scope(services.engine) as session:
            stored = session.get(PaymentAttempt, attempt.id)
            if stored is not None:
                # Not if a newer payment from the page replaced it meanwhile: it stays canceled.
                reason = f"Checkout Session not created: {type(error).__name__}"
                move(stored, AttemptStatus.FAILED, now, reason)
        raise PaymentError(type(error).__name__) from error


def _start(
    services: PaymentServices,
    target: _Target[Any],
    request: PaymentRequest,
    settings: PageSettings,
    urls_for: UrlsFor,
    now: datetime,
) -> tuple[PaymentAttempt, str]:
    """The one payment path of both pages (see the module's docstring for the order)."""
    try:
        check_invoice_capacity(target.customer_id, tuple(target.invoice_ids))
    except MetadataTooLarge:
        raise AmountError(
            "That is more invoices than one payment can name; pay them in two or more payments."
        ) from None
    check = target.check(request, settings)
    # First pass without the lock: a wrong amount is refused before anything (even a Stripe Customer) exists.
    # This page's own unpaid session does not count: the reservation below replaces it.
    check(others(_flights(services, target, now), target.link))
    stripe_customer = _stripe_call(
        lambda: ensure_stripe_customer(
            services.stripe, services.engine, target.customer_id, target.customer_name, target.email
        )
    )
    attempt = reserve_attempt(
        services.engine,
        customer_id=target.customer_id,
        currency=target.currency,
        link_kind=target.kind,
        recorded_ids=target.recorded,
        check=check,
        now=now,
        save_payment_method=request.save_payment_method,
        receipt_email=target.email if settings.stripe_receipts else None,
        stripe_customer_id=stripe_customer,
        invoice_ids=target.invoice_ids,
        close_session=lambda session_id: _stripe_call(
            lambda: close_checkout_session(services.stripe, session_id)
        ),
    )
    checkout = _checkout(services, target, attempt, settings, urls_for, now)
    stored = record_session(services.engine, attempt.id, target.customer_id, checkout.id, now)
    if stored is None:
        expire_checkout_session(services.stripe, checkout.id)
        raise ReplacedError(
            "A newer payment was started from this page, in another window or tab. Continue there, "
            "or start again here."
        )
    if request.save_payment_method:
        with session_scope(services.engine) as session:
            record_consent(
                session,
                stored,
                text_shown=consent_text(settings.business_name, target.customer_name),
                accepted_at=now,
                ip=request.ip,
                user_agent=request.user_agent,
            )
    # No cache to clear: in-flight payments are read from the state DB on every view.
    return stored, str(checkout.url)


def start_customer_payment(
    services: PaymentServices,
    customer_id: str,
    request: PaymentRequest,
    settings: PageSettings,
    urls_for: UrlsFor,
    now: datetime,
) -> tuple[PaymentAttempt, str]:
    """Check and start a payment from a customer page; AmountError leaves nothing behind."""
    account = _customer_account(services, customer_id, now, fresh=True).in_currency(request.currency)
    return _start(services, _customer_target(account, customer_id), request, settings, urls_for, now)


def start_invoice_payment(
    services: PaymentServices,
    invoice_id: str,
    request: PaymentRequest,
    settings: PageSettings,
    urls_for: UrlsFor,
    now: datetime,
) -> tuple[PaymentAttempt, str]:
    """Check and start a payment from an invoice page; AmountError leaves nothing behind."""
    account = _invoice_account(services, invoice_id, now, fresh=True)
    return _start(services, _invoice_target(account), request, settings, urls_for, now)


def cancel_attempt(services: PaymentServices, attempt_id: str, now: datetime) -> PaymentAttempt | None:
    """The customer came back from Checkout without paying: close the session and release the reservation."""
    with session_scope(services.engine) as session:
        attempt = session.get(PaymentAttempt, attempt_id)
        if attempt is None:
            return None
        session_id, status = attempt.checkout_session_id, attempt.status
    if status in RESERVED and session_id:
        expire_checkout_session(services.stripe, session_id)
    with session_scope(services.engine) as session:
        attempt = session.get(PaymentAttempt, attempt_id)
        assert attempt is not None
        move(attempt, AttemptStatus.CANCELED, now)
    return attempt
