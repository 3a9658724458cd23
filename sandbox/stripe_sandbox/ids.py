"""Deterministic Stripe-style ids: the same seed and the same sequence of calls give the same ids."""

from __future__ import annotations

import hashlib

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

# Stripe's ids are a prefix plus 24 characters ("ch_1PgafuB7WZ01zgkWXYmPNZs8"); Checkout's are much longer.
_LENGTHS = {"cs_test": 58, "secret": 24, "whsec": 32}


def _base62(data: bytes, length: int) -> str:
    number = int.from_bytes(data, "big")
    chars: list[str] = []
    while len(chars) < length:
        number, digit = divmod(number, 62)
        chars.append(_ALPHABET[digit])
    return "".join(chars)


def derive(seed: int, counter: int, prefix: str) -> str:
    """The id number `counter` of a world seeded with `seed`."""
    length = _LENGTHS.get(prefix, 24)
    digest = hashlib.sha512(f"{seed}:{counter}:{prefix}".encode()).digest()
    body = _base62(digest, length)
    if prefix == "cs_test":
        return f"cs_test_a1{body[2:]}"
    return f"{prefix}_{body}"
