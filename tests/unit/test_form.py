"""Reading the decision form, and what a decision needs."""

from __future__ import annotations

import base64

import pytest

from greenlight.links import Decision
from greenlight.review import MAX_COMMENT, BadForm, check_comment, read_comment

FORM = "application/x-www-form-urlencoded"


def test_a_comment_is_read_from_the_form() -> None:
    assert read_comment("comment=Looks+good%21", False, FORM) == "Looks good!"
    assert read_comment(base64.b64encode(b"comment=ok").decode(), True, FORM) == "ok"
    assert read_comment("comment=", False, FORM + "; charset=UTF-8") == ""


@pytest.mark.parametrize(("body", "is_base64", "content_type", "status"), [
    ("comment=a&comment=b", False, FORM, 400),
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
