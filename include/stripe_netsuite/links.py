"""Payment links: opaque, signed tokens that name a NetSuite customer or invoice, and their QR codes.

A token is `<key id>.<signed ciphertext>`. The payload (kind + NetSuite internal id) is encrypted with
AES-SIV, so the token reveals nothing about whom it is for, then signed with itsdangerous. AES-SIV is
deterministic: the same record always gets the same link, so `links sync` rewrites nothing and a lost
link can be re-made.

Where a token is served (the page's URL) is the webapp's business: webapp/pay.py's routes build the links.

Revocation is by key: every key has an id, links made with a key stop working once its id is removed from the
key ring, while links of the other keys keep working. Rotating = add a new current key, keep the old one until
its links should die.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import qrcode
import qrcode.image.svg
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from itsdangerous import BadSignature, Signer

__all__ = [
    "BadLinkError",
    "LinkKeyRing",
    "LinkKind",
    "LinkTarget",
    "key_ring_from_text",
    "qr_svg",
]

LinkKind = Literal["customer", "invoice"]
_KIND_CODES: dict[LinkKind, str] = {"customer": "c", "invoice": "i"}
_CODE_KINDS: dict[str, LinkKind] = {code: kind for kind, code in _KIND_CODES.items()}
_KEY_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


class BadLinkError(ValueError):
    """The token is malformed, tampered with, for the wrong kind of page, or made with a revoked key."""


@dataclass(frozen=True)
class LinkTarget:
    """What a link points at: a NetSuite customer or invoice by internal id."""

    kind: LinkKind
    netsuite_id: str

    def __post_init__(self) -> None:
        if self.kind not in _KIND_CODES:
            raise ValueError(f"kind must be customer or invoice, not {self.kind!r}")
        if not self.netsuite_id.isdigit():
            raise ValueError(f"a NetSuite internal id is digits, not {self.netsuite_id!r}")


def _derive(secret: str, purpose: str, size: int) -> bytes:
    # Separate keys for encryption and signing, both from one configured secret (HMAC as a KDF).
    out = b""
    counter = 0
    while len(out) < size:
        counter += 1
        out += hmac.new(secret.encode(), f"{purpose}:{counter}".encode(), hashlib.sha256).digest()
    return out[:size]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class LinkKeyRing:
    """The link keys of a deployment: one current key makes links, every listed key reads them."""

    def __init__(self, keys: Mapping[str, str], current: str) -> None:
        if current not in keys:
            raise ValueError(f"current key id {current!r} is not in the key ring")
        for key_id, secret in keys.items():
            if not key_id or not set(key_id) <= _KEY_ID_CHARS:
                raise ValueError(f"key id {key_id!r}: use letters, digits, - or _")
            if len(secret) < 16:
                raise ValueError(f"key {key_id!r}: a link secret needs at least 16 characters")
        self.current = current
        self._ciphers = {kid: AESSIV(_derive(secret, "link-encrypt", 64)) for kid, secret in keys.items()}
        self._signers = {
            kid: Signer(
                _derive(secret, "link-sign", 32), salt=f"payment-link:{kid}", digest_method=hashlib.sha256
            )
            for kid, secret in keys.items()
        }

    @property
    def key_ids(self) -> tuple[str, ...]:
        return tuple(self._ciphers)

    def make_token(self, target: LinkTarget) -> str:
        """The token of a link to `target`, made with the current key (same target, same token)."""
        plain = f"{_KIND_CODES[target.kind]}{target.netsuite_id}".encode()
        sealed = self._ciphers[self.current].encrypt(plain, [self.current.encode()])
        return f"{self.current}.{self._signers[self.current].sign(_b64(sealed)).decode()}"

    def read_token(self, token: str, kind: LinkKind | None = None) -> LinkTarget:
        """The target of a token; BadLinkError for anything not made by a key still in the ring."""
        key_id, dot, signed = token.partition(".")
        if not dot or key_id not in self._ciphers or len(token) > 200:
            raise BadLinkError("unknown or revoked link")
        try:
            sealed = _unb64(self._signers[key_id].unsign(signed).decode())
            plain = self._ciphers[key_id].decrypt(sealed, [key_id.encode()]).decode()
        except (BadSignature, InvalidTag, ValueError, UnicodeError):
            raise BadLinkError("malformed or tampered link") from None
        found = _CODE_KINDS.get(plain[:1])
        if found is None or not plain[1:].isdigit() or (kind is not None and found != kind):
            raise BadLinkError("link is not for this page")
        return LinkTarget(found, plain[1:])


def key_ring_from_text(text: str | None, fallback_secret: str) -> LinkKeyRing:
    """Key ring from "id:secret,id:secret" (first = current); unset = one key "k1" from the app secret."""
    if not text or not text.strip():
        return LinkKeyRing({"k1": fallback_secret}, "k1")
    keys: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key_id, sep, secret = item.partition(":")
        if not sep:
            raise ValueError(f"{item[:8]}...: expected KEY_ID:SECRET")
        if key_id in keys:
            raise ValueError(f"key id {key_id!r} appears twice")
        keys[key_id.strip()] = secret.strip()
    if not keys:
        raise ValueError("no keys given")
    return LinkKeyRing(keys, next(iter(keys)))


def qr_svg(url: str) -> str:
    """An SVG QR code of `url` (pure Python, no Pillow)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(url)
    code.make(fit=True)
    image = code.make_image(image_factory=qrcode.image.svg.SvgPathImage)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()
