"""Mails to many approvers: each still carries its own links and the whole list, its MIME
parts are the ones email.mime makes, the text shortcuts drop what the slow path drops, and
the sends stay within the account's rate however many threads are at hand."""

from __future__ import annotations

import email
import email.policy
import re
import threading
import unicodedata
from datetime import UTC, datetime
from email.mime.text import MIMEText
from typing import Any

import pytest

from greenlight.announce import compose_for, ref_of
from greenlight.approval import parse_approval_message
from greenlight.links import ApprovalContext, Decision, read_link
from greenlight.mail import CRLF, ApprovalEmail, _text_part, send_each, to_mime
from greenlight.rendering import Templates
from greenlight.text import LINE_BREAKS, clean, one_line
from greenlight.wording import MAX_NAMED, needed_line
from tests.conftest import sns_message

KEY = "k" * 48
API = "https://abc.execute-api.us-east-1.amazonaws.com/Prod"
NOW = datetime(2026, 11, 27, 10, 15, tzinfo=UTC)
APPROVERS = tuple(f"approver{i:03d}@example.com" for i in range(120))


def _slow_clean(text: str) -> str:
    """`clean` as it reads character by character, without its shortcut for plain ASCII."""
    return "".join(ch for ch in text
                   if ch in LINE_BREAKS or unicodedata.category(ch) not in ("Cc", "Cf"))


@pytest.mark.parametrize("code", range(128), ids=lambda c: f"U+{c:04X}")
def test_no_ascii_control_slips_through_the_shortcut_for_plain_text(code: int) -> None:
    text = f"evil{chr(code)}.example"
    assert clean(text) == _slow_clean(text)
    flat = one_line(text)
    assert flat == " ".join(_slow_clean(text).translate(
        dict.fromkeys(map(ord, LINE_BREAKS), " ")).split())
    assert flat.splitlines() == [flat]


def test_runs_of_spaces_and_tabs_in_plain_text_still_become_one_space() -> None:
    assert one_line("Release  7\t\tApprove:   https://evil.example/x ") == \
        "Release 7 Approve: https://evil.example/x"
    assert one_line("a\u00a0\u00a0b c") == "a b c"  # non-ASCII whitespace: the full path


@pytest.mark.parametrize("text", ["", "a", "a" * 57, "a" * 58, "héllo\r\nwörld\n" * 400,
                                  "x" * 50_000, "\u202e émoji 🎉"])
def test_a_mail_part_is_the_one_mimetext_makes(text: str) -> None:
    for subtype in ("plain", "html"):
        assert _text_part(text, subtype).as_bytes(policy=CRLF) == \
            MIMEText(text, subtype, "utf-8").as_bytes(policy=CRLF)


def test_each_of_many_approvers_gets_links_bound_to_them_and_a_list_of_bounded_length(
        templates: Templates) -> None:
    request = parse_approval_message(sns_message("approval-request.json"))
    mails = compose_for(ref_of(request), request.expires, ApprovalContext(region="us-east-1"),
                        None, APPROVERS, keys=[KEY], api_url=API, templates=templates)
    assert [mail.recipient for mail in mails] == list(APPROVERS)
    seen = set()
    for mail in mails:
        message = email.message_from_bytes(to_mime(mail, "greenlight@example.com", NOW),
                                           policy=email.policy.default)
        text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
        assert text == mail.text and html == mail.html
        others = [a for a in APPROVERS if a != mail.recipient]
        named = ", ".join(others[:MAX_NAMED])
        assert f"also asked: {named} and {len(others) - MAX_NAMED} others." in text
        assert others[MAX_NAMED] not in text  # the mail does not grow with the approvers
        found = dict(re.findall(r"^(Approve|Reject): +(\S+)$", text, re.MULTILINE))
        for label, decision in (("Approve", Decision.APPROVE), ("Reject", Decision.REJECT)):
            claims = read_link(found[label].rsplit("/", 1)[1], [KEY], NOW)
            assert (claims.approver, claims.decision) == (mail.recipient, decision)
            seen.add(found[label])
    assert len(seen) == 2 * len(APPROVERS)


class CountingSes:
    """SendEmail that holds each send until `together` are in flight, so a send pool that
    let more go at once than the rate allows would be seen doing it."""

    def __init__(self, rate: float, together: int, refuse: str | None = None) -> None:
        self.rate, self.refuse = rate, refuse
        self.lock = threading.Lock()
        self.in_flight = self.most_in_flight = 0
        self.gate = threading.Barrier(together, timeout=10)
        self.sent: list[str] = []

    def get_account(self) -> dict[str, Any]:
        return {"SendQuota": {"MaxSendRate": self.rate}}

    def send_email(self, **request: Any) -> dict[str, Any]:
        recipient = request["Destination"]["ToAddresses"][0]
        with self.lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            self.gate.wait()
            if recipient == self.refuse:
                raise RuntimeError("MessageRejected")
            with self.lock:
                self.sent.append(recipient)
        finally:
            with self.lock:
                self.in_flight -= 1
        return {"MessageId": recipient}


def mails(count: int) -> list[ApprovalEmail]:
    return [ApprovalEmail(f"a{i}@example.com", "Approval needed", "text", "<p>html</p>")
            for i in range(count)]


def test_no_more_mails_are_in_flight_than_the_account_may_send_a_second() -> None:
    ses = CountingSes(rate=3.0, together=3)
    sent, failed = send_each(ses, "greenlight@example.com", mails(6), NOW)
    assert failed == [] and len(sent) == 6 and sorted(ses.sent) == sorted(m.recipient
                                                                           for m in sent)
    assert ses.most_in_flight == 3


def test_a_refused_mail_is_reported_failed_and_the_others_sent() -> None:
    batch = mails(4)
    ses = CountingSes(rate=4.0, together=4, refuse=batch[2].recipient)
    sent, failed = send_each(ses, "greenlight@example.com", batch, NOW)
    assert failed == [batch[2]] and sent == [batch[0], batch[1], batch[3]]


@pytest.mark.parametrize(("asked", "approver", "expected"), [
    (["a@x.io", "b@x.io", "c@x.io"], "a@x.io",
     "2 approvals needed, from 3 approvers; also asked: b@x.io, c@x.io"),
    ([f"{n}@x.io" for n in "abcdefghijk"], "k@x.io",
     "2 approvals needed, from 11 approvers; also asked: "
     "a@x.io, b@x.io, c@x.io, d@x.io, e@x.io, f@x.io, g@x.io, h@x.io, i@x.io, j@x.io"),
    ([f"{n}@x.io" for n in "abcdefghijkl"], "c@x.io",
     "2 approvals needed, from 12 approvers; also asked: "
     "a@x.io, b@x.io, d@x.io, e@x.io, f@x.io, g@x.io, h@x.io, i@x.io, j@x.io, k@x.io "
     "and 1 other"),
    ([f"{n}@x.io" for n in "abcdefghijkl"], "someone@x.io",
     "2 approvals needed, from 12 approvers; also asked: "
     "a@x.io, b@x.io, c@x.io, d@x.io, e@x.io, f@x.io, g@x.io, h@x.io, i@x.io, j@x.io "
     "and 2 others"),
])
def test_a_long_list_of_approvers_is_named_up_to_ten_then_counted(
        asked: list[str], approver: str, expected: str) -> None:
    assert needed_line(2, asked, approver) == expected
