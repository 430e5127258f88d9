"""The template as the README describes it, transformed offline: who may publish to the topic,
which approval actions the functions may answer, who may read the secrets and write the
table, the dead-letter queue's key, and no tracing on the API stage."""

from __future__ import annotations

import fnmatch
from typing import Any

import pytest

from tests.test_template import (  # noqa: F401 - fixtures used by name
    ACCOUNT,
    Renderer,
    cfn,
    decide,
    denied,
    grants,
    notify,
    remind,
    rendered_resources,
    rendered_role_arn,
    resources_of_type,
    role_of,
    sam_template,
    secret_policy,
    table_policy,
    topic_policy,
)

PIPELINE_ROLE = f"arn:aws:iam::{ACCOUNT}:role/service-role/AWSCodePipelineServiceRole-payments"
OTHERS = [f"arn:aws:iam::{ACCOUNT}:role/Admin",
          f"arn:aws:iam::{ACCOUNT}:role/AWSCodePipelineServiceRole-payments",  # other path
          PIPELINE_ROLE + "-evil",
          PIPELINE_ROLE.upper(),
          f"arn:aws:iam::{ACCOUNT}:user/mallory",
          f"arn:aws:sts::{ACCOUNT}:assumed-role/AWSCodePipelineServiceRole-payments/x",
          f"arn:aws:iam::{ACCOUNT}:root"]


def test_the_topic_admits_only_the_publisher_roles(cfn: dict[str, Any]) -> None:  # noqa: F811
    policy = topic_policy(cfn, PublisherRoleArns=PIPELINE_ROLE)
    assert not denied(policy, "sns:Publish", PIPELINE_ROLE)
    for other in OTHERS:
        assert denied(policy, "sns:Publish", other), other


def test_with_approval_actions_the_functions_answer_exactly_those(
        cfn: dict[str, Any]) -> None:  # noqa: F811
    named = "payments-prod/Approval/Release"
    render = Renderer(cfn, ApprovalActions=named)
    found = grants(cfn, "codepipeline:PutApprovalResult")
    assert found
    for _role, statement in found:
        assert statement["Effect"] == "Allow"
        resources = rendered_resources(statement, render)
        assert resources and all(r.endswith(":" + named) for r in resources), resources
        for forbidden in ("payments-prod/Approval/Other", "payments-prod/Deploy/Release",
                          "web-prod/Approval/Release"):
            assert not any(fnmatch.fnmatchcase(f"arn:aws:codepipeline:us-east-1:{ACCOUNT}:"
                                               f"{forbidden}", r) for r in resources)
    roles = {role for role, _ in found}
    assert role_of(cfn, notify_name(cfn)) not in roles


def notify_name(cfn: dict[str, Any]) -> str:  # noqa: F811
    (name,) = [n for n, f in resources_of_type(cfn, "AWS::Lambda::Function").items()
               if f["Properties"]["Handler"] == "greenlight.notify.handler"]
    return name


@pytest.mark.parametrize("secret", ["SigningSecret", "VoteSigningSecret"])
def test_the_secrets_deny_everyone_but_the_functions(cfn: dict[str, Any],  # noqa: F811
                                                     secret: str) -> None:
    policy = secret_policy(cfn, secret)
    for other in OTHERS:
        assert denied(policy, "secretsmanager:GetSecretValue", other), other


def test_the_vote_secret_denies_the_notify_function(cfn: dict[str, Any]) -> None:  # noqa: F811
    policy = secret_policy(cfn, "VoteSigningSecret")
    notify_role = rendered_role_arn(cfn, role_of(cfn, notify_name(cfn)))
    assert denied(policy, "secretsmanager:GetSecretValue", notify_role)


@pytest.mark.parametrize("action", ["dynamodb:PutItem", "dynamodb:UpdateItem",
                                    "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"])
def test_the_table_denies_item_writes_from_outside(cfn: dict[str, Any],  # noqa: F811
                                                   action: str) -> None:
    policy = table_policy(cfn)
    for other in OTHERS:
        assert denied(policy, action, other), (action, other)


def test_the_dead_letter_queue_is_encrypted_with_the_templates_key(
        cfn: dict[str, Any]) -> None:  # noqa: F811
    queues = resources_of_type(cfn, "AWS::SQS::Queue")
    assert queues
    keys = resources_of_type(cfn, "AWS::KMS::Key")
    for queue in queues.values():
        key = queue["Properties"].get("KmsMasterKeyId")
        assert isinstance(key, dict) and key.get("Ref") in keys


def test_the_api_stage_does_not_trace(cfn: dict[str, Any]) -> None:  # noqa: F811
    stages = resources_of_type(cfn, "AWS::ApiGateway::Stage")
    assert stages
    for stage in stages.values():
        assert stage["Properties"].get("TracingEnabled") is False
