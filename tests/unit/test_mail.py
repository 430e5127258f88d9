"""Approval mails: content, escaping, headers and the two signed links."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import email.utils
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest.mock import ANY

import boto3
import pytest
from botocore.stub import Stubber

from greenlight.announce import ref_of
from greenlight.approval import parse_approval_message
from greenlight.config import ConfigurationError, MailDelivery
from greenlight.links import ApprovalContext, Decision, Revision, read_link
from greenlight.mail import (
    ApprovalEmail,
    approval_subject,
    compose_approval_email,
    one_line,
    send_one,
    send_through,
    to_mime,
)
from greenlight.rendering import Templates
from tests.conftest import sns_message

KEY = "k" * 48
API = "https://abc.execute-api.us-east-1.amazonaws.com/Prod"
NOW = datetime(2026, 11, 27, 10, 15, tzinfo=UTC)
CONTEXT = ApprovalContext(
    region="us-east-1", execution_id="b3c1d2e4", custom_data="Release 42",
    external_entity_link="https://github.com/acme/webapp/pull/42",
    revision=Revision("9fceb02d0ae598e95dc970b74767f19372d61af8", "Add the checkout page",
                      "https://github.com/acme/webapp/commit/9fceb02", "release/1.2",
                      "acme/webapp"),
    trigger="WebhookV2: push to release/1.2",
)


def compose(templates: Templates, context: ApprovalContext = CONTEXT,
            message: str | None = None) -> ApprovalEmail:
    request = parse_approval_message(message or sns_message("approval-request.json"))
    return compose_approval_email(ref_of(request), request.expires, context,
                                  "alice@example.com", keys=[KEY], api_url=API,
                                  templates=templates)


def links(html: str) -> dict[str, str]:
    found = re.findall(r'<a href="([^"]+)"[^>]*>(Approve|Reject)</a>', html)
    return {text: url.replace("&amp;", "&") for url, text in found}


def test_the_mail_has_one_approve_and_one_reject_link_for_its_approver(
        templates: Templates) -> None:
    mail = compose(templates)
    found = links(mail.html)
    assert set(found) == {"Approve", "Reject"}
    for text, url in found.items():
        assert url.startswith(API + "/approvals/")
        claims = read_link(url.rsplit("/", 1)[1], [KEY], NOW)
        assert claims.approver == "alice@example.com"
        assert claims.decision is (Decision.APPROVE if text == "Approve" else Decision.REJECT)
        assert claims.expires == datetime(2099, 12, 31, 23, 59, tzinfo=UTC)
        assert url in mail.text


def test_the_mail_shows_what_is_being_approved(templates: Templates) -> None:
    mail = compose(templates)
    for part in (mail.html.replace("<wbr>", ""), mail.text):
        for expected in ("greenlight-demo", "Approval", "ManualApproval", "9fceb02d0ae5",
                         "Add the checkout page", "release/1.2", "Release 42",
                         "https://github.com/acme/webapp/pull/42", "2099-12-31 23:59 UTC",
                         "push to release/1.2"):
            assert expected in part, expected


def test_the_mail_leaves_out_what_could_not_be_looked_up(templates: Templates) -> None:
    mail = compose(templates, ApprovalContext(region="us-east-1"),
                   sns_message("approval-request-null-fields.json"))
    assert "Revision" not in mail.html and "Branch" not in mail.text
    assert "greenlight-demo" in mail.html and "Approve" in mail.html


def test_custom_data_and_commit_messages_cannot_inject_html(templates: Templates) -> None:
    hostile = '<script>alert(1)</script><a href="https://evil.example">x</a>'
    context = dataclasses.replace(
        CONTEXT, custom_data=hostile,
        revision=dataclasses.replace(CONTEXT.revision, message=hostile),  # type: ignore[arg-type]
    )
    mail = compose(templates, context)
    assert "<script>" not in mail.html and 'href="https://evil.example"' not in mail.html
    assert "&lt;script&gt;" in mail.html
    assert hostile in mail.text  # plain text is shown as text


def test_the_subject_names_pipeline_and_action_on_one_line() -> None:
    ref = ref_of(parse_approval_message(sns_message("approval-request.json")))
    assert approval_subject(ref) == "Approval needed: greenlight-demo / ManualApproval"
    assert approval_subject(ref, reminder=True) == \
        "Reminder: approval needed: greenlight-demo / ManualApproval"
    assert one_line("a\r\nBcc: x@example.com\tb", 200) == "a Bcc: x@example.com b"
    assert len(one_line("x" * 500, 200)) == 200


def test_the_mime_message_has_text_and_html_and_safe_headers(templates: Templates) -> None:
    mail = dataclasses.replace(compose(templates), subject="Approval needed: a\r\nBcc: x")
    with pytest.raises(ValueError):
        to_mime(mail, "greenlight@example.com", NOW)
    raw = to_mime(compose(templates), "greenlight@example.com", NOW)
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["To"] == "alice@example.com" and parsed["Auto-Submitted"] == "auto-generated"
    types = [part.get_content_type() for part in parsed.walk()]
    assert types == ["multipart/alternative", "text/plain", "text/html"]


FORGED_LINKS = "Release 7\r\n\r\nApprove: https://evil.example/approve\u2028Reject:  https://evil.example/x"


def _lines_starting(text: str, *prefixes: str) -> list[str]:
    return [line for line in text.splitlines() if line.lstrip().startswith(prefixes)]


def test_customdata_with_newlines_cannot_forge_links_in_the_text_part(
        templates: Templates) -> None:
    # As CodePipeline publishes it (cleaned when read), and as an older link carries it.
    document = json.loads(sns_message("approval-request.json"))
    document["approval"]["customData"] = FORGED_LINKS
    message = json.dumps(document)
    request = parse_approval_message(message)
    assert request.custom_data is not None and "\n" not in request.custom_data
    for context in (dataclasses.replace(CONTEXT, custom_data=request.custom_data),
                    dataclasses.replace(CONTEXT, custom_data=FORGED_LINKS,
                                        revision=dataclasses.replace(
                                            CONTEXT.revision,  # type: ignore[arg-type]
                                            message=FORGED_LINKS, branch="main\nApprove: x"))):
        mail = compose(templates, context)
        genuine = links(mail.html)
        assert _lines_starting(mail.text, "Approve:", "Reject:") == [
            f"Approve: {genuine['Approve']}", f"Reject:  {genuine['Reject']}"]
        assert "evil.example" in mail.text  # shown, but only inside a quoted value
        for line in mail.text.splitlines():
            if "evil.example" in line:
                assert line.startswith(("Details:   \"", "Revision:  ")) and line.endswith('"')


def test_the_genuine_links_come_first_in_the_text_part(templates: Templates) -> None:
    mail = compose(templates, dataclasses.replace(CONTEXT, custom_data="Approve: https://x"))
    genuine = links(mail.html)
    heading = mail.text.index("Your links (only these come from Greenlight):")
    first_field = min(mail.text.index(value) for value in (
        "greenlight-demo", "Approve: https://x", "9fceb02d0ae5", "release/1.2", "b3c1d2e4"))
    assert heading < mail.text.index(genuine["Approve"]) < mail.text.index(genuine["Reject"])
    assert mail.text.index(genuine["Reject"]) < first_field


def test_no_value_starts_a_line_of_its_own_in_a_text_part(tmp_path: Path) -> None:
    # Every expression of a plain-text template goes through one_line, filtered or not.
    (tmp_path / "probe.txt.j2").write_text(
        "  approved by {{ who }}: {{ comment }} / {{ comment|quoted }}\n", encoding="utf-8")
    (tmp_path / "probe.html.j2").write_text("<p>{{ comment }}</p>", encoding="utf-8")
    probe = Templates(tmp_path)
    forged = "fine\n  approved by ciso@example.com\u2029\u202e"
    text = probe.render("probe.txt.j2", who="alice@example.com", comment=forged)
    assert text == ('  approved by alice@example.com: fine approved by ciso@example.com / '
                    '"fine approved by ciso@example.com"\n')
    html = probe.render("probe.html.j2", comment=forged)
    assert "\u202e" not in html and "ciso@example.com" in html


# --- Delivery: the sender's display name and the SES configuration set ------------------------


def sesv2_client() -> Any:
    return boto3.client("sesv2", region_name="us-east-1", aws_access_key_id="testing",
                        aws_secret_access_key="testing")


def plain_mail() -> ApprovalEmail:
    return ApprovalEmail("alice@example.com", "Approval needed", "text", "<p>html</p>")


def expected_send(sender: str, **extra: object) -> dict[str, object]:
    return {"FromEmailAddress": sender, "Destination": {"ToAddresses": ["alice@example.com"]},
            "Content": {"Raw": {"Data": ANY}}, **extra}


def test_the_sender_name_shows_beside_the_address_in_the_from_header() -> None:
    sender = MailDelivery("approvals@example.com", "Greenlight").mail_from
    assert sender == "Greenlight <approvals@example.com>"
    message = email.message_from_bytes(to_mime(plain_mail(), sender, NOW),
                                       policy=email.policy.default)
    assert email.utils.parseaddr(str(message["From"])) == ("Greenlight", "approvals@example.com")
    assert str(message["Message-ID"]).endswith("@example.com>")


def test_a_non_ascii_sender_name_is_encoded_not_sent_raw() -> None:
    sender = MailDelivery("approvals@example.com", "Freigabe Müller").mail_from
    assert sender.isascii() and sender.endswith(" <approvals@example.com>")
    message = email.message_from_bytes(to_mime(plain_mail(), sender, NOW),
                                       policy=email.policy.default)
    assert message["From"].addresses[0].display_name == "Freigabe Müller"


def test_without_a_sender_name_the_from_header_is_the_bare_address() -> None:
    assert MailDelivery.from_env("approvals@example.com", {}).mail_from == "approvals@example.com"


@pytest.mark.parametrize("name", ["security@bank.example", "IT <it@example.com>",
                                  "Greenlight\r\nBcc: eve@example.com", 'Say "hi"',
                                  "\u202eetavirp", "x" * 65])
def test_a_sender_name_that_could_pass_for_an_address_or_add_a_header_is_refused(
        name: str) -> None:
    with pytest.raises(ConfigurationError, match="SENDER_NAME"):
        MailDelivery.from_env("approvals@example.com", {"SENDER_NAME": name})


def test_a_malformed_configuration_set_name_is_refused_at_start() -> None:
    with pytest.raises(ConfigurationError, match="SES_CONFIGURATION_SET"):
        MailDelivery.from_env("approvals@example.com", {"SES_CONFIGURATION_SET": "a b"})


def test_every_send_names_the_configuration_set_and_the_display_name() -> None:
    delivery = MailDelivery.from_env("approvals@example.com", {
        "SENDER_NAME": "Greenlight", "SES_CONFIGURATION_SET": "audited"})
    sesv2 = send_through(sesv2_client(), delivery.configuration_set)
    with Stubber(sesv2) as stub:
        stub.add_response("send_email", {"MessageId": "m-1"}, expected_send(
            "Greenlight <approvals@example.com>", ConfigurationSetName="audited"))
        assert send_one(sesv2, delivery.mail_from, plain_mail(), NOW) == "m-1"
        stub.assert_no_pending_responses()


def test_without_a_configuration_set_none_is_named() -> None:
    sesv2 = send_through(sesv2_client(), None)
    with Stubber(sesv2) as stub:
        stub.add_response("send_email", {"MessageId": "m-2"},
                          expected_send("approvals@example.com"))
        send_one(sesv2, "approvals@example.com", plain_mail(), NOW)
        stub.assert_no_pending_responses()
