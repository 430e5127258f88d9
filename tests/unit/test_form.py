"""Reading the decision form, and what a decision needs."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest

from greenlight.links import Decision
from greenlight.review import (
    MAX_COMMENT,
    BadForm,
    ForeignForm,
    check_comment,
    check_fetch_site,
    check_form_token,
    issue_form_token,
    read_form,
)

FORM = "application/x-www-form-urlencoded"
KEY = "k" * 40
LINK = "eyJ2IjoxfQ.c2lnbmF0dXJl"
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def read_comment(body: str | None, is_base64: bool, content_type: str | None) -> str:
    return read_form(body, is_base64, content_type).comment


def test_a_comment_is_read_from_the_form() -> None:
    assert read_comment("comment=Looks+good%21&form_token=t", False, FORM) == "Looks good!"
    assert read_comment(base64.b64encode(b"form_token=t&comment=ok").decode(), True,
                        FORM) == "ok"
    assert read_comment("comment=&form_token=t", False, FORM + "; charset=UTF-8") == ""
    assert read_form("comment=ok&form_token=abc", False, FORM).form_token == "abc"


def test_a_comment_is_kept_on_one_line_without_bidi_controls() -> None:
    body = "form_token=t&comment=" + "Fine%0D%0Aapproved%E2%80%AE+by%E2%80%8B+ciso"
    assert read_comment(body, False, FORM) == "Fine approved by ciso"


def test_a_form_without_its_token_is_foreign() -> None:
    with pytest.raises(ForeignForm) as raised:
        read_form("comment=ok", False, FORM)
    assert raised.value.status == 400 and "Nothing was decided" in raised.value.message


def test_the_form_token_fits_only_its_link_and_decision_for_a_while() -> None:
    token = issue_form_token(LINK, Decision.APPROVE, [KEY], NOW)
    check_form_token(token, LINK, Decision.APPROVE, [KEY], NOW + timedelta(minutes=29))
    for link, decision, when, keys in [
        (LINK + "x", Decision.APPROVE, NOW, [KEY]),
        (LINK, Decision.REJECT, NOW, [KEY]),
        (LINK, Decision.APPROVE, NOW + timedelta(minutes=31), [KEY]),
        (LINK, Decision.APPROVE, NOW, ["o" * 40]),
    ]:
        with pytest.raises(ForeignForm):
            check_form_token(token, link, decision, keys, when)
    for altered in ("", token + "=", token[:-1], "x" + token):
        with pytest.raises(ForeignForm):
            check_form_token(altered, LINK, Decision.APPROVE, [KEY], NOW)


@pytest.mark.parametrize("site", ["cross-site", "same-site", "CROSS-SITE"])
def test_a_post_another_site_sent_is_foreign(site: str) -> None:
    with pytest.raises(ForeignForm) as raised:
        check_fetch_site(site)
    assert raised.value.status == 403


@pytest.mark.parametrize("site", ["same-origin", "none", None])
def test_a_post_from_the_page_or_an_older_browser_is_accepted(site: str | None) -> None:
    check_fetch_site(site)


@pytest.mark.parametrize(("body", "is_base64", "content_type", "status"), [
    ("comment=a&comment=b&form_token=t", False, FORM, 400),
    ("comment=a&form_token=t&form_token=u", False, FORM, 400),
    ("comment=%ff%fe", False, FORM, 400),
    ("a=1&b=2&c=3&d=4&e=5", False, FORM, 400),
    ("not base64!", True, FORM, 400),
    ("comment=" + "x" * 20000, False, FORM, 413),
    ('{"comment": "x"}', False, "application/json", 415),
    ("comment=%00", False, FORM, 400),
    ("comment", False, FORM, 400),
    ("", False, FORM, 400),
    (None, False, FORM, 400),
    ("comment=ok", False, None, 415),
    ("comment=ok&extra=1", False, FORM, 400),
    ("comment=ok&form_token=t&extra=1", False, FORM, 400),
    ("form_token=t", False, FORM, 400),
    ("note=ok", False, FORM, 400),
    ("Y29tbWVudD1vaw==", False, FORM, 400),
])
def test_a_bad_form_is_refused(body: str | None, is_base64: bool, content_type: str | None,
                               status: int) -> None:
    with pytest.raises(BadForm) as raised:
        read_comment(body, is_base64, content_type)
    assert raised.value.status == status


def test_a_rejection_needs_a_reason() -> None:
    with pytest.raises(BadForm):
        check_comment(Decision.REJECT, "  ")
    check_comment(Decision.REJECT, "Tests are red")
    check_comment(Decision.APPROVE, "")


def test_a_comment_has_a_limit() -> None:
    with pytest.raises(BadForm) as raised:
        check_comment(Decision.APPROVE, "x" * (MAX_COMMENT + 1))
    assert raised.value.status == 413
