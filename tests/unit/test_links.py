"""Payment link tokens: opaque, tamper-proof, kind-bound, revocable by key id; QR codes."""

from __future__ import annotations

import base64

import pytest

from stripe_netsuite.links import BadLinkError, LinkKeyRing, LinkTarget, key_ring_from_text, qr_svg

SECRET = "unit-test-secret-0123456789"


def ring(**keys: str) -> LinkKeyRing:
    return LinkKeyRing(keys or {"k1": SECRET}, next(iter(keys or {"k1": SECRET})))


@pytest.mark.parametrize(
    "target",
    [LinkTarget("customer", "106"), LinkTarget("invoice", "1038"), LinkTarget("customer", "9" * 18)],
    ids=["customer", "invoice", "long-id"],
)
def test_token_round_trips(target: LinkTarget) -> None:
    keys = ring()
    assert keys.read_token(keys.make_token(target)) == target
    assert keys.read_token(keys.make_token(target), target.kind) == target


def test_same_target_same_token_so_sync_is_idempotent() -> None:
    target = LinkTarget("customer", "106")
    assert ring().make_token(target) == ring().make_token(target)
    assert ring().make_token(target) != ring().make_token(LinkTarget("customer", "107"))


@pytest.mark.parametrize("netsuite_id", ["106", "1038", "123456"], ids=["3-digits", "4-digits", "6-digits"])
def test_token_reveals_nothing_about_the_record(netsuite_id: str) -> None:
    token = ring().make_token(LinkTarget("customer", netsuite_id))
    assert netsuite_id not in token
    for part in token.split("."):
        padded = part + "=" * (-len(part) % 4)
        decoded = (
            base64.urlsafe_b64decode(padded.encode())
            if set(part) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
            else b""
        )
        assert netsuite_id.encode() not in decoded
        assert b"customer" not in decoded


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
        lambda t: t.replace(".", ".A", 1),
        lambda t: t.split(".")[0] + ".." + t.split(".")[2],
        lambda t: "k2" + t[2:],
        lambda t: "",
        lambda t: ".",
        lambda t: "k1.%%%.@@@",
        lambda t: t + "A" * 300,
    ],
    ids=["signature", "ciphertext", "empty-payload", "unknown-key-id", "empty", "dot", "junk", "too-long"],
)
def test_tampered_tokens_are_refused(mangle: object) -> None:
    keys = ring()
    token = keys.make_token(LinkTarget("customer", "106"))
    with pytest.raises(BadLinkError):
        keys.read_token(mangle(token))  # type: ignore[operator]


def test_ciphertext_from_another_key_is_refused_even_with_its_key_id_swapped() -> None:
    one = LinkKeyRing({"k1": SECRET, "k2": "another-secret-0123456789"}, "k1")
    two = LinkKeyRing({"k1": SECRET, "k2": "another-secret-0123456789"}, "k2")
    token = two.make_token(LinkTarget("invoice", "1001"))
    with pytest.raises(BadLinkError):
        one.read_token("k1." + token.split(".", 1)[1])


def test_kind_is_bound_into_the_token() -> None:
    keys = ring()
    token = keys.make_token(LinkTarget("customer", "106"))
    with pytest.raises(BadLinkError):
        keys.read_token(token, "invoice")


def test_rotating_keys_revokes_old_links_and_keeps_current_ones() -> None:
    old = key_ring_from_text("k1:first-secret-0123456789", SECRET)
    old_token = old.make_token(LinkTarget("customer", "106"))
    both = key_ring_from_text("k2:second-secret-0123456789,k1:first-secret-0123456789", SECRET)
    assert both.current == "k2"
    assert both.read_token(old_token).netsuite_id == "106"
    new_token = both.make_token(LinkTarget("customer", "106"))
    assert new_token.startswith("k2.")
    only_new = key_ring_from_text("k2:second-secret-0123456789", SECRET)
    assert only_new.read_token(new_token).netsuite_id == "106"
    with pytest.raises(BadLinkError):
        only_new.read_token(old_token)


def test_unset_key_ring_uses_the_app_secret_as_k1() -> None:
    keys = key_ring_from_text(None, SECRET)
    assert keys.key_ids == ("k1",) and keys.current == "k1"


@pytest.mark.parametrize(
    "text",
    [
        "k1",
        "k1:short",
        "k1:first-secret-0123456789,k1:again-secret-0123456789",
        "bad id:secret-0123456789012",
        ",",
    ],
    ids=["no-secret", "short-secret", "duplicate-id", "bad-id", "empty-list"],
)
def test_bad_key_ring_settings_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        key_ring_from_text(text, SECRET)


@pytest.mark.parametrize(
    ("kind", "netsuite_id"),
    [("vendor", "1"), ("customer", "1 OR 1=1"), ("invoice", "")],
    ids=["bad-kind", "not-digits", "empty-id"],
)
def test_link_targets_are_validated(kind: str, netsuite_id: str) -> None:
    with pytest.raises(ValueError):
        LinkTarget(kind, netsuite_id)  # type: ignore[arg-type]


def test_qr_code() -> None:
    url = "https://pay.example.com/pay/i/" + ring().make_token(LinkTarget("invoice", "1038"))
    svg = qr_svg(url)
    assert svg.startswith("<?xml") and "<svg" in svg and "<path" in svg
