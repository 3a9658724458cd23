"""The Stripe metadata contract: every key the connector writes on Stripe objects and reads back.

The payment page writes these keys on the Checkout Session and its PaymentIntent (Stripe copies the
PaymentIntent's onto the charge); validation, the state DB's typed columns and the webhook handler read them.
All of them spell the keys through this module, so the writer and the readers cannot disagree.

Keys (values are strings, as Stripe stores metadata):
- `netsuite_customer_id`: the NetSuite customer's internal id (digits).
- `payment_attempt_id`: the payment page's attempt id (the state DB's payment_attempts.id).
- Invoices the payment settles, in the order the payment applies to them:
  - exactly one: `netsuite_invoice_id` = "1026" (the key the reference product reads);
  - several: `netsuite_invoice_count` = "80" and `netsuite_invoice_ids` = "1026,1027,..." (comma-separated,
    no spaces); when the list is longer than a metadata value may be (500 characters), it continues in
    `netsuite_invoice_ids_2`, `netsuite_invoice_ids_3`, ... Parts split between ids, never inside one, and
    the count lets a reader notice a part that went missing.
  - none (a payment on account): no invoice key at all.
  - read only, for objects written before this contract: `netsuite_invoice_id` = "1026,1027".
- `netsuite_credit_memo_id` (refunds): the credit memo's internal id, written back by the loader.
- Written back by the loader (stripe_netsuite.sync.load_stripe) once NetSuite holds the record:
  `netsuite_customer_payment_id` (charges), `netsuite_customer_refund_id` (refunds and disputes; a dispute's
  credit memo goes in `netsuite_credit_memo_id` too).

Stripe's limits (API reference, "Metadata"): at most 50 keys, key names up to 40 characters, values up to
500 characters. With 10-digit ids a part holds 45 invoices, so one payment can name about 2,000 invoices.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

NETSUITE_CUSTOMER_ID = "netsuite_customer_id"
NETSUITE_INVOICE_ID = "netsuite_invoice_id"
NETSUITE_INVOICE_COUNT = "netsuite_invoice_count"
NETSUITE_INVOICE_IDS = "netsuite_invoice_ids"
NETSUITE_CREDIT_MEMO_ID = "netsuite_credit_memo_id"
NETSUITE_CUSTOMER_PAYMENT_ID = "netsuite_customer_payment_id"
NETSUITE_CUSTOMER_REFUND_ID = "netsuite_customer_refund_id"
PAYMENT_ATTEMPT_ID = "payment_attempt_id"

MAX_KEYS = 50
MAX_KEY_LENGTH = 40
MAX_VALUE_LENGTH = 500

# NetSuite internal ids are positive integers; 18 digits keep them inside a signed 64-bit integer.
_NETSUITE_ID = re.compile(r"[1-9][0-9]{0,17}")
_ID_LIST = re.compile(r"[1-9][0-9]{0,17}(?:,[1-9][0-9]{0,17})*")
_ATTEMPT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_PART_KEY = re.compile(re.escape(NETSUITE_INVOICE_IDS) + r"_([0-9]+)")
_SHOWN = 60  # characters of a bad value quoted in a reason (values can be 500 long)


class MetadataError(ValueError):
    """Metadata that does not follow the contract; the message says which key and why."""


class MetadataTooLarge(MetadataError):
    """More invoices than fit in one Stripe object's metadata."""


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN else f"{text[: _SHOWN - 3]}..."


def is_netsuite_id(value: Any) -> bool:
    """Whether `value` is the text of a NetSuite internal id."""
    return isinstance(value, str) and _NETSUITE_ID.fullmatch(value) is not None


def invoice_part_key(number: int) -> str:
    """The key of the `number`-th part of an invoice list (1 is the unnumbered first part)."""
    return NETSUITE_INVOICE_IDS if number == 1 else f"{NETSUITE_INVOICE_IDS}_{number}"


def _split(ids: Sequence[str]) -> list[str]:
    """Comma-joined parts of at most MAX_VALUE_LENGTH characters, cut between ids."""
    parts: list[str] = []
    current = ""
    for invoice_id in ids:
        joined = f"{current},{invoice_id}" if current else invoice_id
        if len(joined) > MAX_VALUE_LENGTH:
            parts.append(current)
            joined = invoice_id
        current = joined
    parts.append(current)
    return parts


def encode_invoice_ids(ids: Sequence[str]) -> dict[str, str]:
    """The invoice keys for a payment settling `ids` (none, one or several), in that order."""
    for invoice_id in ids:
        if not is_netsuite_id(invoice_id):
            raise MetadataError(f"invoice id {_show(invoice_id)} is not a NetSuite internal id")
    if len(set(ids)) != len(ids):
        raise MetadataError("an invoice appears twice in one payment")
    if not ids:
        return {}
    if len(ids) == 1:
        return {NETSUITE_INVOICE_ID: ids[0]}
    encoded = {NETSUITE_INVOICE_COUNT: str(len(ids))}
    for number, part in enumerate(_split(ids), start=1):
        encoded[invoice_part_key(number)] = part
    return encoded


def _digits(metadata: Mapping[str, Any], key: str) -> str | None:
    value = metadata.get(key)
    if value is None or value == "":  # absent, or unset (Stripe removes a key set to "")
        return None
    if not is_netsuite_id(value):
        raise MetadataError(f"metadata.{key} {_show(value)} is not a NetSuite internal id (digits)")
    return str(value)


def _list_part(metadata: Mapping[str, Any], key: str) -> list[str]:
    value = metadata.get(key)
    if not isinstance(value, str) or _ID_LIST.fullmatch(value) is None:
        raise MetadataError(
            f"metadata.{key} {_show(value)} is not a comma-separated list of NetSuite internal ids"
        )
    return value.split(",")


def decode_invoice_ids(metadata: Mapping[str, Any]) -> tuple[str, ...]:
    """The invoices a payment settles, in order; () for a payment on account. MetadataError if malformed."""
    single = metadata.get(NETSUITE_INVOICE_ID) or None
    count_text = metadata.get(NETSUITE_INVOICE_COUNT) or None
    numbers = sorted(int(m.group(1)) for key in metadata if (m := _PART_KEY.fullmatch(str(key))))
    has_list = count_text is not None or bool(metadata.get(NETSUITE_INVOICE_IDS)) or bool(numbers)
    if single is not None:
        if has_list:
            raise MetadataError(
                f"metadata has both {NETSUITE_INVOICE_ID} and {NETSUITE_INVOICE_IDS}: which invoices are "
                "paid is ambiguous"
            )
        if isinstance(single, str) and _ID_LIST.fullmatch(single):
            return _unique(single.split(","), NETSUITE_INVOICE_ID)  # one id, or the pre-contract comma list
        raise MetadataError(f"metadata.{NETSUITE_INVOICE_ID} {_show(single)} is not a NetSuite internal id")
    if not has_list:
        return ()
    if count_text is None:
        raise MetadataError(f"metadata.{NETSUITE_INVOICE_IDS} is set without {NETSUITE_INVOICE_COUNT}")
    if not isinstance(count_text, str) or not count_text.isascii() or not count_text.isdigit():
        raise MetadataError(f"metadata.{NETSUITE_INVOICE_COUNT} {_show(count_text)} is not a number")
    expected_numbers = list(range(2, len(numbers) + 2))
    if numbers != expected_numbers:
        raise MetadataError(
            f"metadata.{NETSUITE_INVOICE_IDS} parts are not numbered 2, 3, ... without gaps "
            f"(found {', '.join(str(n) for n in numbers)})"
        )
    ids = [i for number in range(1, len(numbers) + 2) for i in _list_part(metadata, invoice_part_key(number))]
    if len(ids) != int(count_text):
        raise MetadataError(
            f"metadata.{NETSUITE_INVOICE_COUNT} says {int(count_text)} invoices but the list names {len(ids)}"
        )
    if len(ids) < 2:
        raise MetadataError(f"one invoice goes in metadata.{NETSUITE_INVOICE_ID}, not in a list")
    return _unique(ids, NETSUITE_INVOICE_IDS)


def _unique(ids: list[str], key: str) -> tuple[str, ...]:
    if len(set(ids)) != len(ids):
        raise MetadataError(f"metadata.{key} names an invoice twice")
    return tuple(ids)


def decode_attempt_id(metadata: Mapping[str, Any]) -> str | None:
    """The payment page's attempt id, or None when the object was not made by the page."""
    value = metadata.get(PAYMENT_ATTEMPT_ID) or None
    if value is None:
        return None
    if not isinstance(value, str) or _ATTEMPT_ID.fullmatch(value) is None:
        raise MetadataError(f"metadata.{PAYMENT_ATTEMPT_ID} {_show(value)} is not a payment attempt id")
    return value


def check_invoice_capacity(customer_id: str, invoice_ids: tuple[str, ...]) -> None:
    """MetadataTooLarge unless a page payment for these invoices, with its attempt id, fits Stripe's keys.

    The page asks before it reserves anything, so a statement too large to name is a clear refusal, not a
    failure after the attempt exists.
    """
    needed = len(PaymentMetadata(customer_id, invoice_ids).encode()) + 1  # + the attempt id's key
    if needed > MAX_KEYS:
        raise MetadataTooLarge(
            f"{len(invoice_ids)} invoices need {needed} metadata keys; Stripe allows {MAX_KEYS}"
        )


def metadata_of(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    """A Stripe object's metadata, {} when absent or not an object."""
    found = obj.get("metadata")
    return found if isinstance(found, Mapping) else {}


@dataclass(frozen=True)
class PaymentMetadata:
    """What a payment made by the page carries: whose payment, for which invoices, from which attempt."""

    netsuite_customer_id: str | None
    netsuite_invoice_ids: tuple[str, ...] = ()
    payment_attempt_id: str | None = None

    def encode(self) -> dict[str, str]:
        """The metadata to send to Stripe; MetadataTooLarge when it exceeds Stripe's 50 keys."""
        encoded: dict[str, str] = {}
        if self.netsuite_customer_id is not None:
            encoded[NETSUITE_CUSTOMER_ID] = self.netsuite_customer_id
            _digits(encoded, NETSUITE_CUSTOMER_ID)
        encoded.update(encode_invoice_ids(self.netsuite_invoice_ids))
        if self.payment_attempt_id is not None:
            encoded[PAYMENT_ATTEMPT_ID] = self.payment_attempt_id
            decode_attempt_id(encoded)  # the same rule on the way out as on the way in
        if len(encoded) > MAX_KEYS:
            raise MetadataTooLarge(
                f"{len(self.netsuite_invoice_ids)} invoices need {len(encoded)} metadata keys; Stripe allows "
                f"{MAX_KEYS}"
            )
        return encoded

    @classmethod
    def decode(cls, metadata: Mapping[str, Any]) -> PaymentMetadata:
        """Read a payment's metadata; MetadataError naming the first key that breaks the contract."""
        return cls(
            _digits(metadata, NETSUITE_CUSTOMER_ID), decode_invoice_ids(metadata), decode_attempt_id(metadata)
        )


def customer_metadata(netsuite_customer_id: str) -> dict[str, str]:
    """The metadata of the Stripe Customer that stands for a NetSuite customer."""
    return PaymentMetadata(netsuite_customer_id).encode()


# What each kind of Stripe object may carry, by contract field; validation checks exactly these.
_READERS = {
    NETSUITE_CUSTOMER_ID: lambda metadata: _digits(metadata, NETSUITE_CUSTOMER_ID),
    NETSUITE_INVOICE_IDS: decode_invoice_ids,
    PAYMENT_ATTEMPT_ID: decode_attempt_id,
    NETSUITE_CREDIT_MEMO_ID: lambda metadata: _digits(metadata, NETSUITE_CREDIT_MEMO_ID),
}
PAYMENT_FIELDS = (NETSUITE_CUSTOMER_ID, NETSUITE_INVOICE_IDS, PAYMENT_ATTEMPT_ID)


def problems(metadata: Mapping[str, Any], fields: Iterable[str]) -> list[str]:
    """Why the metadata breaks the contract for `fields` (PAYMENT_FIELDS, ...); [] when it keeps it."""
    found: list[str] = []
    for field in fields:
        try:
            _READERS[field](metadata)
        except MetadataError as error:
            found.append(str(error))
    return found


def invoice_ids_or_none(obj: Mapping[str, Any]) -> list[str] | None:
    """The invoice list of a stored Stripe object for its typed column; None when absent or malformed."""
    try:
        ids = decode_invoice_ids(metadata_of(obj))
    except MetadataError:
        return None  # validation reads the raw JSON and quarantines the row with the reason
    return list(ids) or None
