"""Signed links: bound to approver, decision and token; expiring; rotating keys."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from itsdangerous import URLSafeSerializer

from greenlight.links import (
    MAX_LINK_LENGTH,
    ApprovalContext,
    Decision,
    LinkClaims,
    LinkExpired,
    LinkInvalid,
    link_url,
    read_link,
    sign_link,
    signing_keys,
    token_digest,
)

OLD_KEY = "o" * 40
NEW_KEY = "n" * 40
TOKEN = "3f0e9a52-5b7c-4f1e-9d3a-6c2b8e41a7d0"
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def claims(**changes: object) -> LinkClaims:
    base = LinkClaims(
        pipeline="payments", stage="Approval", action="ManualApproval",
        token_digest=token_digest(TOKEN), approver="alice@example.com",
        decision=Decision.APPROVE, expires=NOW + timedelta(days=7),
        context=ApprovalContext(region="us-east-1", custom_data="Release 42"),
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_a_signed_link_reads_back_its_claims() -> None:
    link = sign_link(claims(), [NEW_KEY])
    assert read_link(link, [NEW_KEY], NOW) == claims()


def test_a_link_does_not_carry_the_raw_token() -> None:
    link = sign_link(claims(), [NEW_KEY])
    payload = URLSafeSerializer([NEW_KEY], salt="greenlight.approval-link.v1",
                                signer_kwargs={"digest_method": __import__("hashlib").sha256}
                                ).loads(link)
    assert TOKEN not in str(payload)
    assert TOKEN not in link
    assert read_link(link, [NEW_KEY], NOW).matches_token(TOKEN)
    assert not read_link(link, [NEW_KEY], NOW).matches_token(TOKEN.replace("3", "4"))


@pytest.mark.parametrize("position", [0, 10, -1, -10])
def test_a_changed_character_invalidates_the_link(position: int) -> None:
    link = sign_link(claims(), [NEW_KEY])
    swapped = "A" if link[position] != "A" else "B"
    tampered = link[:position] + swapped + (link[position + 1:] if position != -1 else "")
    with pytest.raises(LinkInvalid):
        read_link(tampered, [NEW_KEY], NOW)


def test_a_link_for_approval_cannot_be_turned_into_a_rejection() -> None:
    approve = sign_link(claims(decision=Decision.APPROVE), [NEW_KEY])
    reject = sign_link(claims(decision=Decision.REJECT), [NEW_KEY])
    _, approve_sig = approve.rsplit(".", 1)
    reject_payload, _ = reject.rsplit(".", 1)
    with pytest.raises(LinkInvalid):
        read_link(f"{reject_payload}.{approve_sig}", [NEW_KEY], NOW)
    assert read_link(approve, [NEW_KEY], NOW).decision is Decision.APPROVE


def test_one_approvers_signature_does_not_fit_another_approvers_payload() -> None:
    alice = sign_link(claims(approver="alice@example.com"), [NEW_KEY])
    bob = sign_link(claims(approver="bob@example.com"), [NEW_KEY])
    with pytest.raises(LinkInvalid):
        read_link(bob.rsplit(".", 1)[0] + "." + alice.rsplit(".", 1)[1], [NEW_KEY], NOW)


def test_a_link_signed_with_another_salt_is_refused() -> None:
    import hashlib
    other = URLSafeSerializer([NEW_KEY], salt="something-else",
                              signer_kwargs={"digest_method": hashlib.sha256})
    forged = other.dumps({"v": 1})
    with pytest.raises(LinkInvalid):
        read_link(str(forged), [NEW_KEY], NOW)


def test_an_expired_link_says_so_only_when_its_signature_is_good() -> None:
    link = sign_link(claims(expires=NOW - timedelta(minutes=1)), [NEW_KEY])
    with pytest.raises(LinkExpired) as expired:
        read_link(link, [NEW_KEY], NOW)
    assert expired.value.claims.pipeline == "payments"
    with pytest.raises(LinkInvalid):
        read_link(link[:-2] + "xx", [NEW_KEY], NOW)


def test_a_link_expires_exactly_at_the_approval_expiry() -> None:
    link = sign_link(claims(expires=NOW), [NEW_KEY])
    with pytest.raises(LinkExpired):
        read_link(link, [NEW_KEY], NOW)
    assert read_link(link, [NEW_KEY], NOW - timedelta(seconds=1))


def test_rotation_keeps_links_signed_with_the_old_key_working() -> None:
    old_link = sign_link(claims(), [OLD_KEY])
    rotated = signing_keys(f'["{OLD_KEY}", "{NEW_KEY}"]')
    assert read_link(old_link, rotated, NOW).approver == "alice@example.com"
    new_link = sign_link(claims(), rotated)
    with pytest.raises(LinkInvalid):
        read_link(new_link, [OLD_KEY], NOW)
    assert read_link(new_link, [NEW_KEY], NOW)


def test_a_key_dropped_from_the_secret_stops_verifying() -> None:
    old_link = sign_link(claims(), [OLD_KEY])
    with pytest.raises(LinkInvalid):
        read_link(old_link, [NEW_KEY], NOW)


@pytest.mark.parametrize(
    "secret", ["short", "[]", '["' + "k" * 40 + '", ""]', "[1, 2]", "[not json"])
def test_a_weak_or_malformed_signing_secret_is_refused(secret: str) -> None:
    with pytest.raises(ValueError):
        signing_keys(secret)


def test_a_plain_secret_is_one_key() -> None:
    assert signing_keys("  " + NEW_KEY + "\n") == [NEW_KEY]


@pytest.mark.parametrize("value", ["", "x" * (MAX_LINK_LENGTH + 1), "..", "a.b.c", "\x00\xff"])
def test_garbage_is_refused_as_invalid(value: str) -> None:
    with pytest.raises(LinkInvalid):
        read_link(value, [NEW_KEY], NOW)


def test_a_link_is_built_under_the_api_base_url() -> None:
    assert link_url("https://x.execute-api.eu-west-1.amazonaws.com/Prod/", "abc") == \
        "https://x.execute-api.eu-west-1.amazonaws.com/Prod/approvals/abc"


def _variants(link: str) -> list[str]:
    """Other spellings of the same signature that base64 decoding takes as equal."""
    payload, signature = link.rsplit(".", 1)
    last = signature[-1]
    # 32 bytes are 43 characters: the last one carries 4 bits and 2 unused ones.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    index = alphabet.index(last)
    low_bits = alphabet[index ^ 1] if index % 4 < 2 else alphabet[index ^ 2]
    return [
        f"{payload}.{signature[:-1]}{low_bits}",
        f"{payload}.{signature}=",
        f"{payload}.{signature[:10]}\u00e9{signature[10:]}",
        f"{payload}=.{signature}",
    ]


def test_a_non_canonical_signature_encoding_is_refused() -> None:
    link = sign_link(claims(), [NEW_KEY])
    payload = link.rsplit(".", 1)[0]
    signer = URLSafeSerializer([NEW_KEY], salt="greenlight.approval-link.v1",
                               signer_kwargs={"digest_method": __import__("hashlib").sha256})
    for variant in _variants(link):
        assert variant != link
        if not variant.startswith(f"{payload}="):
            assert signer.loads(variant) == signer.loads(link)  # the library takes it
        with pytest.raises(LinkInvalid):
            read_link(variant, [NEW_KEY], NOW)
    assert read_link(link, [NEW_KEY], NOW) == claims()
