"""The decision form: the token the page issues with it, reading it from the request body,
and what a decision needs."""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qs

from itsdangerous import BadData, SignatureExpired

from greenlight.links import Decision, is_canonical
from greenlight.payloads import timed_serializer
from greenlight.text import one_line

MAX_BODY_BYTES = 8192
MAX_COMMENT = 1000
MIN_REASON = 3
FORM_TYPE = "application/x-www-form-urlencoded"
FORM_FIELDS = {"comment", "form_token"}
FORM_SALT = "greenlight.review-form.v1"
FORM_TOKEN_MAX_AGE = timedelta(minutes=30)
# What a browser says of a request's origin (Fetch Metadata): the page's own form posts from
# the same origin; "none" is a user's own action, and older browsers send nothing.
ACCEPTED_FETCH_SITES = {"same-origin", "none"}
RESUBMIT = "Nothing was decided. To decide, submit the form on this page."


class BadForm(ValueError):
    """The submitted form cannot be used; the page says why and offers the form again."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class ForeignForm(BadForm):
    """The POST did not come from a review page this link showed lately."""

    def __init__(self, message: str, reason: str, status: int = 403) -> None:
        super().__init__(f"{message} {RESUBMIT}", status)
        self.reason = reason


@dataclass(frozen=True)
class DecisionForm:
    """The review page's form, as it was posted."""

    comment: str
    form_token: str


def _binding(signed_link: str, decision: Decision) -> dict[str, str]:
    return {"l": hashlib.sha256(signed_link.encode()).hexdigest()[:32], "d": decision.value}


def issue_form_token(signed_link: str, decision: Decision, keys: list[str],
                     now: datetime) -> str:
    """The hidden `form_token` of a review page: bound to its link and decision, short-lived."""
    return str(timed_serializer(keys, FORM_SALT, now).dumps(_binding(signed_link, decision)))


def check_form_token(form_token: str, signed_link: str, decision: Decision, keys: list[str],
                     now: datetime) -> None:
    """Raise ForeignForm unless the token is one this link's page issued in the last while."""
    if not form_token:
        raise ForeignForm("The form arrived without the check the page adds to it.",
                          "missing", status=400)
    if len(form_token) > 512 or not is_canonical(form_token):
        raise ForeignForm("The form's check is not one this page issued.", "invalid")
    try:
        bound = timed_serializer(keys, FORM_SALT, now).loads(
            form_token, max_age=int(FORM_TOKEN_MAX_AGE.total_seconds()))
    except SignatureExpired:
        raise ForeignForm("The page was open too long.", "expired") from None
    except (BadData, UnicodeError, ValueError):
        raise ForeignForm("The form's check is not one this page issued.", "invalid") from None
    if bound != _binding(signed_link, decision):
        raise ForeignForm("The form's check belongs to another link.", "foreign")


def check_fetch_site(sec_fetch_site: str | None) -> None:
    """Refuse a POST a browser says another site sent (a cross-site form or a script)."""
    if sec_fetch_site is not None and sec_fetch_site.strip().lower() not in ACCEPTED_FETCH_SITES:
        raise ForeignForm("The decision was sent from another site.", "cross-site")


def read_form(body: str | None, is_base64: bool, content_type: str | None) -> DecisionForm:
    """The page's form (`comment` and `form_token`); raise BadForm for any other body.

    The form always sends exactly these two fields, urlencoded: a request that is not shaped
    so (an empty POST from a link checker, say) decides nothing. The comment comes back on
    one line, without bidi or invisible characters, as it is stored and submitted.
    """
    if (content_type or "").split(";")[0].strip().lower() != FORM_TYPE:
        raise BadForm("The decision must be sent from the page's form.", status=415)
    if not body:
        raise BadForm("The form arrived empty. Please submit it from the page.")
    if len(body) > MAX_BODY_BYTES * 2:
        raise BadForm("The form is too large.", status=413)
    try:
        raw = base64.b64decode(body, validate=True) if is_base64 else body.encode("utf-8")
        if len(raw) > MAX_BODY_BYTES:
            raise BadForm("The form is too large.", status=413)
        text = raw.decode("utf-8")
        fields = parse_qs(text, keep_blank_values=True, strict_parsing=True,
                          max_num_fields=4, errors="strict")
        if "\x00" in text:
            raise ValueError("NUL in the form")
    except (binascii.Error, UnicodeError, ValueError) as error:
        if isinstance(error, BadForm):
            raise
        raise BadForm("The form could not be read.") from None
    if set(fields) == {"comment"} and len(fields["comment"]) == 1:
        raise ForeignForm("The form arrived without the check the page adds to it.",
                          "missing", status=400)
    if set(fields) != FORM_FIELDS or any(len(values) != 1 for values in fields.values()):
        raise BadForm("The form does not have the fields the page sends.")
    comment = fields["comment"][0]
    if any(ord(ch) < 0x20 and ch not in "\r\n\t" for ch in comment):
        raise BadForm("The comment contains control characters.")
    return DecisionForm(one_line(comment), fields["form_token"][0])


def check_comment(decision: Decision, comment: str, needs_reason: bool = True) -> None:
    if len(comment) > MAX_COMMENT:
        raise BadForm(f"The comment is longer than {MAX_COMMENT} characters.", status=413)
    if needs_reason and decision is Decision.REJECT and len(comment.strip()) < MIN_REASON:
        raise BadForm("Please give a reason for rejecting.")
