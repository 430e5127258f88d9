"""The decision form: reading it from the request body, and what a decision needs."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import parse_qs

from greenlight.links import Decision

MAX_BODY_BYTES = 8192
MAX_COMMENT = 1000
MIN_REASON = 3
FORM_TYPE = "application/x-www-form-urlencoded"


class BadForm(ValueError):
    """The submitted form cannot be used; the page says why and offers the form again."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def read_comment(body: str | None, is_base64: bool, content_type: str | None) -> str:
    """The `comment` field of the page's form; raise BadForm for any other body.

    The form always sends exactly one `comment` field, empty or not, urlencoded: a request
    that is not shaped so (an empty POST from a link checker, say) decides nothing.
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
    if set(fields) != {"comment"} or len(fields["comment"]) != 1:
        raise BadForm("The form does not have the fields the page sends.")
    comment = fields["comment"][0]
    if any(ord(ch) < 0x20 and ch not in "\r\n\t" for ch in comment):
        raise BadForm("The comment contains control characters.")
    return comment


def check_comment(decision: Decision, comment: str, needs_reason: bool = True) -> None:
    if len(comment) > MAX_COMMENT:
        raise BadForm(f"The comment is longer than {MAX_COMMENT} characters.", status=413)
    if needs_reason and decision is Decision.REJECT and len(comment.strip()) < MIN_REASON:
        raise BadForm("Please give a reason for rejecting.")
