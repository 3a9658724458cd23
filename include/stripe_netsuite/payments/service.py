"""The payment pages' use cases: show what is owed, and start a payment, in the order that keeps them safe.

Starting a payment: read NetSuite fresh -> check the amount (nothing created on error) -> Stripe Customer ->
under the customer's lock: expire this page's unpaid Checkout Session, re-check and reserve -> Checkout
Session -> record it under the lock (unless a newer payment from the page replaced this one), consent -> URL.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

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
    InFlight,
    available_per_invoice,
    chargeable_minor,
    check_amount,
    check_selection,
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


@dataclass(frozen=True)
class PageSettings:
    """Merchant settings a payment needs."""

    business_name: str
    statement_descriptor_suffix: str | None
    stripe_receipts: bool
    allow_partial_invoice_payment: bool


def _customer_account(
    services: PaymentServices, customer_id: str, now: datetime, fresh: bool
) -> CustomerAccount:
    def load() -> CustomerAccount:
        with session_scope(services.engine) as session:
            ids = payment_ids_to_confirm(session, customer_id, now)
        account = fetch_customer_account(services.netsuite, customer_id, ids, now)
        mark_recorded(services.engine, customer_id, account.recorded_payment_ids, now)
        return account

    key = ("customer", customer_id)
    if fresh:
        account = load()
        services.pages.put(key, account)
        return account
    cached = services.pages.get_or_load(key, load)
    assert isinstance(cached, CustomerAccount)
    return cached


def _invoice_account(
    services: PaymentServices, invoice_id: str, now: datetime, fresh: bool
) -> InvoiceAccount:
    def load() -> InvoiceAccount:
        customer_id = services.invoice_customers.get(invoice_id)
        ids: list[str] = []
        if customer_id:
            with session_scope(services.engine) as session:
                ids = payment_ids_to_confirm(session, customer_id, now)
        account = fetch_invoice_account(services.netsuite, invoice_id, customer_id, ids, now)
        services.invoice_customers.put(invoice_id, account.customer_id)
        mark_recorded(services.engine, account.customer_id, account.recorded_payment_ids, now)
        return account

    key = ("invoice", invoice_id)
    if fresh:
        account = load()
        services.pages.put(key, account)
        return account
    cached = services.pages.get_or_load(key, load)
    assert isinstance(cached, InvoiceAccount)
    return cached


def _received(flights: list[InFlight]) -> tuple[InFlight, ...]:
    """Payments Stripe took that NetSuite does not show yet, newest first (the page lists the first few)."""
    received = [f for f in flights if f.state == "received"]
    oldest = datetime.min.replace(tzinfo=UTC)
    return tuple(sorted(received, key=lambda f: f.received_at or oldest, reverse=True))


def _in_progress(flights: list[InFlight]) -> int:
    return sum(f.amount_minor for f in flights if f.state != "received")


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
    return InvoiceView(account, available, pending, received, _in_progress(flights))


def _flights(
    services: PaymentServices, customer_id: str, currency: str, recorded: frozenset[str], now: datetime
) -> list[InFlight]:
    with session_scope(services.engine) as session:
        return in_flight(session, customer_id, currency, recorded, now)


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
    flights = _flights(services, customer_id, account.currency, account.recorded_payment_ids, now)
    # What this page shows is what a payment from it could take: its own unpaid session would be replaced.
    kept = others(flights, link_of("customer", customer_id, ()))
    view = _customer_numbers(account, kept)
    return replace(view, replaceable=tuple(f for f in flights if f not in kept))


def invoice_view(
    services: PaymentServices, invoice_id: str, now: datetime, *, fresh: bool = False
) -> InvoiceView:
    """The invoice page's numbers (NetSuite data at most 30 s old unless `fresh`)."""
    account = _invoice_account(services, invoice_id, now, fresh)
    flights = _flights(
        services, account.customer_id, account.invoice.currency, account.recorded_payment_ids, now
    )
    kept = others(flights, link_of("invoice", account.customer_id, (account.invoice.id,)))
    view = _invoice_numbers(account, kept)
    return replace(view, replaceable=tuple(f for f in flights if f not in kept))


def _customer_check(
    view_of: Callable[[list[InFlight]], CustomerView],
    request: PaymentRequest,
) -> Callable[[list[InFlight]], tuple[int, tuple[str, ...]]]:
    def check(flights: list[InFlight]) -> tuple[int, tuple[str, ...]]:
        view = view_of(flights)
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

    return check


def _invoice_check(
    view_of: Callable[[list[InFlight]], InvoiceView],
    request: PaymentRequest,
    partial: bool,
) -> Callable[[list[InFlight]], tuple[int, tuple[str, ...]]]:
    def check(flights: list[InFlight]) -> tuple[int, tuple[str, ...]]:
        view = view_of(flights)
        invoice = view.account.invoice
        if view.is_paid:
            raise AmountError(f"Invoice {invoice.number} is already paid.")
        # Without partial payments the amount is the server's: whatever is still due, never the client's.
        text = request.amount_text if partial else None
        if not text:
            text = str(from_minor(chargeable_minor(view.available_minor, invoice.currency), invoice.currency))
        amount = check_amount(
            text,
            invoice.currency,
            view.available_minor,
            in_flight_minor=view.in_flight_minor,
            locale=request.locale,
        )
        return amount, (invoice.id,)

    return check


def _start(
    services: PaymentServices,
    *,
    link_kind: str,
    customer_id: str,
    customer_name: str,
    email: str | None,
    currency: str,
    recorded: frozenset[str],
    check: Callable[[list[InFlight]], tuple[int, tuple[str, ...]]],
    request: PaymentRequest,
    settings: PageSettings,
    label: str,
    urls_for: Callable[[PaymentAttempt], tuple[str, str]],
    now: datetime,
    link_invoice_ids: tuple[str, ...] = (),
) -> tuple[PaymentAttempt, str]:
    link = link_of(link_kind, customer_id, link_invoice_ids)
    # First pass without the lock: a wrong amount is refused before anything (even a Stripe Customer) exists.
    # This page's own unpaid session does not count: the reservation below replaces it.
    check(others(_flights(services, customer_id, currency, recorded, now), link))
    try:
        stripe_customer = ensure_stripe_customer(
            services.stripe, services.engine, customer_id, customer_name, email
        )
    except stripe.StripeError as error:
        raise PaymentError(type(error).__name__) from error

    def close_session(session_id: str) -> tuple[str, str | None]:
        try:
            return close_checkout_session(services.stripe, session_id)
        except stripe.StripeError as error:
            raise PaymentError(type(error).__name__) from error

    attempt = reserve_attempt(
        services.engine,
        customer_id=customer_id,
        currency=currency,
        link_kind=link_kind,
        recorded_ids=recorded,
        check=check,
        now=now,
        save_payment_method=request.save_payment_method,
        receipt_email=email if settings.stripe_receipts else None,
        stripe_customer_id=stripe_customer,
        invoice_ids=link_invoice_ids,
        close_session=close_session,
    )
    success_url, cancel_url = urls_for(attempt)
    options = CheckoutOptions(
        product_name=f"{label} - {settings.business_name}",
        description=label,
        success_url=success_url,
        cancel_url=cancel_url,
        statement_descriptor_suffix=settings.statement_descriptor_suffix,
        receipt_email=attempt.receipt_email,
    )
    try:
        checkout = create_checkout_session(services.stripe, attempt, options, now)
    except stripe.StripeError as error:
        with session_scope(services.engine) as session:
            stored = session.get(PaymentAttempt, attempt.id)
            if stored is not None:
                # Not if a newer payment from the page replaced it meanwhile: it stays canceled.
                reason = f"Checkout Session not created: {type(error).__name__}"
                move(stored, AttemptStatus.FAILED, now, reason)
        raise PaymentError(type(error).__name__) from error
    stored = record_session(services.engine, attempt.id, customer_id, checkout.id, now)
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
                text_shown=consent_text(settings.business_name, customer_name),
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
    urls_for: Callable[[PaymentAttempt], tuple[str, str]],
    now: datetime,
) -> tuple[PaymentAttempt, str]:
    """Check and start a payment from a customer page; AmountError leaves nothing behind."""
    account = _customer_account(services, customer_id, now, fresh=True).in_currency(request.currency)
    return _start(
        services,
        link_kind="customer",
        customer_id=customer_id,
        customer_name=account.name,
        email=account.email,
        currency=account.currency,
        recorded=account.recorded_payment_ids,
        check=_customer_check(lambda flights: _customer_numbers(account, flights), request),
        request=request,
        settings=settings,
        label="Payment",
        urls_for=urls_for,
        now=now,
    )


def start_invoice_payment(
    services: PaymentServices,
    invoice_id: str,
    request: PaymentRequest,
    settings: PageSettings,
    urls_for: Callable[[PaymentAttempt], tuple[str, str]],
    now: datetime,
) -> tuple[PaymentAttempt, str]:
    """Check and start a payment from an invoice page; AmountError leaves nothing behind."""
    account = _invoice_account(services, invoice_id, now, fresh=True)
    return _start(
        services,
        link_kind="invoice",
        customer_id=account.customer_id,
        customer_name=account.customer_name,
        email=account.email,
        currency=account.invoice.currency,
        recorded=account.recorded_payment_ids,
        check=_invoice_check(
            lambda flights: _invoice_numbers(account, flights),
            request,
            settings.allow_partial_invoice_payment,
        ),
        request=request,
        settings=settings,
        label=f"Invoice {account.invoice.number}",
        urls_for=urls_for,
        now=now,
        link_invoice_ids=(account.invoice.id,),
    )


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
