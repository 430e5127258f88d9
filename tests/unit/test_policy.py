"""The approval policy: matching, defaults, validation and who asked for a run."""

from __future__ import annotations

import json
from typing import Any

import pytest

from greenlight.policy import Policy, PolicyError, parse_policy, requester_from

EXAMPLE = {"rules": [
    {"match": {"pipeline": "payments-*", "stage": "*", "action": "*"},
     "approvers": ["alice@example.com", "bob@example.com", "carol@example.com"],
     "min_approvals": 2,
     "reject_needs_reason": True,
     "remind_every_minutes": 240,
     "escalate_to": ["ops-lead@example.com"], "escalate_before_minutes": 720,
     "notify": ["releases@example.com"]},
    {"match": {"pipeline": "*", "action": "Security*"}, "approvers": ["sec@example.com"]},
]}
DEFAULT = ("team@example.com",)


def policy(document: Any = EXAMPLE) -> Policy:
    return parse_policy(json.dumps(document))


def test_the_issue_example_parses_into_a_two_of_three_rule() -> None:
    rule = policy().rule_for("payments-prod", "Approval", "Manual", DEFAULT)
    assert rule.min_approvals == 2 and len(rule.approvers) == 3
    assert rule.remind_every_minutes == 240 and rule.escalate_before_minutes == 720
    assert rule.escalate_to == ("ops-lead@example.com",)
    assert rule.notify == ("releases@example.com",)


def test_the_first_matching_rule_wins() -> None:
    rule = policy().rule_for("payments-prod", "Approval", "SecurityReview", DEFAULT)
    assert rule.min_approvals == 2  # payments-* comes first
    rule = policy().rule_for("web-prod", "Approval", "SecurityReview", DEFAULT)
    assert rule.approvers == ("sec@example.com",)


def test_without_a_match_the_default_approvers_and_one_approval_apply() -> None:
    rule = policy().rule_for("web-prod", "Approval", "Manual", DEFAULT)
    assert rule.approvers == DEFAULT and rule.min_approvals == 1
    assert Policy().rule_for("x", "y", "z", DEFAULT).approvers == DEFAULT


@pytest.mark.parametrize(("document", "message"), [
    ("not json", "not valid JSON"),
    ([], "JSON object"),
    ({}, "`rules` list"),
    ({"rules": [{"approvers": []}]}, "rules[0].approvers must name at least one"),
    ({"rules": [{"approvers": ["nobody"]}]}, "not an email address"),
    ({"rules": [{"approvers": ["a@example.com"], "min_approvals": 2}]},
     "min_approvals is 2 but the rule names only 1"),
    ({"rules": [{"approvers": ["a@example.com"], "min_approvals": 0}]}, "at least 1"),
    ({"rules": [{"approvers": ["a@example.com"], "remind_every_minutes": "often"}]},
     "rules[0].remind_every_minutes"),
    ({"rules": [{"approvers": ["a@example.com"], "escalate_to": ["b@example.com"]}]},
     "go together"),
    ({"rules": [{"approvers": ["a@example.com"], "colour": "red"}]}, "unknown fields: colour"),
    ({"rules": [{"approvers": ["a@example.com"], "match": {"branch": "main"}}]}, "match"),
    ({"rules": [], "identities": {"alice": "not-an-email"}}, "identities"),
])
def test_an_invalid_policy_says_what_is_wrong(document: Any, message: str) -> None:
    text = document if isinstance(document, str) else json.dumps(document)
    with pytest.raises(PolicyError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_policy(text)


def test_the_requester_comes_from_custom_data_or_a_manual_start() -> None:
    assert requester_from("Release 42; requester: alice@example.com", None) == \
        "alice@example.com"
    assert requester_from("Requester=bob", None) == "bob"
    manual = {"triggerType": "StartPipelineExecution",
              "triggerDetail": "arn:aws:sts::123456789012:assumed-role/Admin/carol"}
    assert requester_from(None, manual) == manual["triggerDetail"]
    assert requester_from("no one in particular", {"triggerType": "WebhookV2"}) is None


def test_requesters_map_to_approvers_by_arn_session_name_or_address() -> None:
    mapped = parse_policy(json.dumps({"rules": [], "identities": {
        "carol": "carol@example.com",
        "arn:aws:iam::123456789012:user/dave": "dave@example.com"}}))
    approvers = ("alice@example.com", "carol@example.com", "dave@example.com")
    assert mapped.approver_for("arn:aws:sts::123456789012:assumed-role/Admin/carol",
                               approvers) == "carol@example.com"
    assert mapped.approver_for("arn:aws:iam::123456789012:user/dave", approvers) == \
        "dave@example.com"
    assert mapped.approver_for("Alice@Example.com", approvers) == "alice@example.com"
    assert mapped.approver_for("arn:aws:sts::123456789012:assumed-role/Admin/eve",
                               approvers) is None
    assert mapped.approver_for(None, approvers) is None
