"""The notify function under generated approval messages, well formed and hostile."""

from __future__ import annotations

import email
import json
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from greenlight.links import read_link
from local.lambda_context import LocalContext
from local.offline import LOCAL_SIGNING_KEY, sns_event
from local.stack import Mail, OfflineStack
from tests.adversarial.observe import TALLY, forget_requests
from tests.adversarial.strategies import approval_messages, invalid_messages, subjects
from tests.live import Waiting, waiting_approval
from tests.offline import links_in

# Fixed generation and no example database: every run, here and in CI, tries the same cases.
GENERATED = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much, HealthCheck.large_base_example],
)
# Headers a mail may carry once each; more than one would mean input spilled into headers.
SINGLE_HEADERS = ("From", "To", "Subject", "Date", "Message-ID")


@pytest.fixture(scope="module")
def tokens(offline_stack: OfflineStack) -> Iterator[list[str]]:
    """Approval tokens the module's messages used; their records go when the module ends."""
    used: list[str] = []
    yield used
    forget_requests(offline_stack, used)


def approvers_for(stack: OfflineStack, approval: dict[str, Any]) -> tuple[str, ...]:
    """Who the policy in force names for an approval action."""
    function = sys.modules[stack.notify_handler.__module__]
    rule = function.current_policy().rule_for(
        approval["pipelineName"], approval["stageName"], approval["actionName"],
        function.settings.approver_emails)
    return tuple(rule.approvers)


def live_copy(stack: OfflineStack, approval: dict[str, Any]) -> Waiting:
    """A short pipeline (a source, then the approval) named after the generated one, with
    its stage and action names, waiting at the approval with a token after the generated."""
    stage, action = approval["stageName"], approval["actionName"]

    def shaped(declaration: dict[str, Any]) -> None:
        source = declaration["stages"][0]
        waiting = next(s for s in declaration["stages"] if s["name"] == "Approval")
        waiting["name"], waiting["actions"][0]["name"] = stage, action
        if source["name"] == stage:
            source["name"] = "Checkout" if stage != "Checkout" else "Fetch"
        declaration["stages"] = [source, waiting]

    name = f"{approval['pipelineName'][:60]}-{uuid.uuid4().hex[:12]}"
    return waiting_approval(stack, name, token=f"{approval['token'][:90]}-{uuid.uuid4()}",
                            change=shaped)


def notify(stack: OfflineStack, message: Any, subject: str | None) -> tuple[Any, list[Mail]]:
    """Hand one SNS message to the notify function; what it returned and the mails SES took."""
    event = sns_event(stack.topic_arn, "", subject)
    event["Records"][0]["Sns"]["Message"] = message
    stack.collect_mails()
    result = stack.notify_handler(event, LocalContext(function_name="NotifyFunction"))
    return result, stack.collect_mails()


@settings(GENERATED, max_examples=920)
@given(case=invalid_messages, subject=subjects)
def test_invalid_messages_are_skipped_without_mail(
    offline_stack: OfflineStack, case: tuple[str, Any], subject: str | None,
) -> None:
    defect, message = case
    try:
        result, mails = notify(offline_stack, message, subject)
    except Exception:
        TALLY.add("notify, generated invalid messages", cases=1, errors=1)
        raise
    TALLY.add("notify, generated invalid messages", cases=1, errors=0, mails_sent=len(mails))
    assert result == {"mails": 0}, defect
    assert mails == [], defect


@settings(GENERATED, max_examples=80)
@given(message=approval_messages(), subject=subjects)
def test_valid_messages_mail_every_approver_once_with_a_one_line_subject(
    offline_stack: OfflineStack, tokens: list[str], message: dict[str, Any],
    subject: str | None,
) -> None:
    approval = message["approval"]
    # Only approvals CodePipeline waits on are mailed: the stand-in runs one with the
    # generated stage and action names and (made unique, as CodePipeline never reuses one;
    # a reused one is a redelivery) the generated token.
    waiting = live_copy(offline_stack, approval)
    approval.update(pipelineName=waiting.pipeline, token=waiting.token)
    tokens.append(approval["token"])
    approvers = approvers_for(offline_stack, approval)
    result, mails = notify(offline_stack, json.dumps(message), subject)
    TALLY.add("notify, generated valid messages", cases=1, mails_sent=len(mails))

    assert result == {"mails": len(approvers)}, approvers
    assert sorted(mail.recipient for mail in mails) == sorted(approvers)
    now = datetime.now(UTC)
    for mail in mails:
        assert "\r" not in mail.subject and "\n" not in mail.subject
        assert mail.subject.startswith("Approval needed: ")
        headers = Counter(email.message_from_string(mail.raw).keys())
        assert all(headers[name] == 1 for name in SINGLE_HEADERS), headers
        assert not {"Bcc", "Cc", "Reply-To"} & set(headers), headers
        links = links_in(mail)
        assert set(links) == {"Approve", "Reject"}
        for url in links.values():
            # Every mailed link is one the decide function accepts (length included).
            read_link(url.rsplit("/", 1)[1], [LOCAL_SIGNING_KEY], now)
