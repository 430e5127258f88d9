"""Signed payloads compressed with a small window: itsdangerous' format, read both ways."""

from __future__ import annotations

import hashlib
import zlib
from datetime import UTC, datetime, timedelta

import pytest
from itsdangerous import BadPayload, URLSafeSerializer, URLSafeTimedSerializer
from itsdangerous.encoding import base64_decode

from greenlight.links import ApprovalContext, Decision, LinkClaims, read_link, sign_link
from greenlight.payloads import WINDOW_BITS, LinkSerializer, TimedLinkSerializer, compressed
from greenlight.review import ForeignForm, check_form_token, issue_form_token

KEY = "k" * 40
SALT = "greenlight.approval-link.v1"
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
# Repetitive enough that compressing it pays, as a link's payload does.
PAYLOAD = {"pipeline": "payments-service", "stage": "Approval", "action": "ManualApproval",
           "approver": "alice@example.com", "details": "payments-service " * 20}


def stock() -> URLSafeSerializer:
    return URLSafeSerializer([KEY], salt=SALT, signer_kwargs={"digest_method": hashlib.sha256})


def ours() -> LinkSerializer:
    return LinkSerializer([KEY], salt=SALT, signer_kwargs={"digest_method": hashlib.sha256})


def zlib_stream(signed: str) -> bytes:
    payload = signed.rsplit(".", 1)[0]
    assert payload.startswith("."), "the payload was not compressed"
    return base64_decode(payload[1:])


def test_a_compressed_payload_uses_the_small_window() -> None:
    stream = zlib_stream(ours().dumps(PAYLOAD))
    # RFC 1950: the first byte's high nibble is the window's log2 less 8.
    assert stream[0] >> 4 == WINDOW_BITS - 8
    assert zlib_stream(stock().dumps(PAYLOAD))[0] >> 4 == 15 - 8


def test_it_compresses_as_well_as_zlib_does_for_payloads_of_a_link_s_size() -> None:
    data = str(PAYLOAD).encode()
    assert zlib.decompress(compressed(data)) == data
    assert len(compressed(data)) <= len(zlib.compress(data)) + 2


def test_stock_itsdangerous_reads_what_is_signed_now_and_the_other_way_round() -> None:
    assert stock().loads(ours().dumps(PAYLOAD)) == PAYLOAD
    assert ours().loads(stock().dumps(PAYLOAD)) == PAYLOAD


def test_a_payload_that_does_not_shrink_is_left_uncompressed() -> None:
    signed = ours().dumps({"d": "approve"})
    assert not signed.startswith(".")
    assert signed == stock().dumps({"d": "approve"})


def test_a_link_signed_before_the_change_still_reads() -> None:
    claims = LinkClaims(pipeline="payments", stage="Approval", action="ManualApproval",
                        token_digest="d" * 43, approver="alice@example.com",
                        decision=Decision.APPROVE, expires=NOW + timedelta(days=7),
                        context=ApprovalContext(region="us-east-1",
                                                custom_data="Release 42 " * 10))
    signed_now = sign_link(claims, [KEY])
    before = stock().dumps(ours().loads(signed_now))
    assert before != signed_now  # the zlib stream differs, the claims do not
    assert read_link(before, [KEY], NOW) == read_link(signed_now, [KEY], NOW) == claims


def test_a_form_token_reads_back_and_is_bound_to_its_link() -> None:
    token = issue_form_token("link-1", Decision.APPROVE, [KEY], NOW)
    check_form_token(token, "link-1", Decision.APPROVE, [KEY], NOW)
    with pytest.raises(ForeignForm, match="another link"):
        check_form_token(token, "link-2", Decision.APPROVE, [KEY], NOW)


def test_a_timed_payload_reads_with_stock_itsdangerous() -> None:
    signed = TimedLinkSerializer([KEY], salt="s").dumps(PAYLOAD)
    assert URLSafeTimedSerializer([KEY], salt="s").loads(signed) == PAYLOAD


def test_a_compressed_payload_that_is_not_zlib_is_refused() -> None:
    signer = ours().make_signer()
    forged = signer.sign(b".bm90LXpsaWI").decode()  # "not-zlib", marked as compressed
    with pytest.raises(BadPayload):
        ours().loads(forged)
