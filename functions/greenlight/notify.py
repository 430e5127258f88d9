"""Lambda handler: approval requests from SNS become signed approval mails."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import SNSEvent, event_source
from aws_lambda_powertools.utilities.parameters import SecretsProvider, SSMProvider
from aws_lambda_powertools.utilities.typing import LambdaContext

from greenlight.announce import announce
from greenlight.aws import CLIENT_CONFIG, client
from greenlight.config import ConfigurationError, NotifySettings
from greenlight.links import signing_keys
from greenlight.policy import Policy, parse_policy
from greenlight.rendering import Templates

CACHE_SECONDS = 300

settings = NotifySettings.from_env()
codepipeline = client("codepipeline")
sesv2 = client("sesv2")
secrets = SecretsProvider(boto3_client=client("secretsmanager"))
ssm = SSMProvider(boto3_client=client("ssm")) if settings.policy_parameter else None
table = (boto3.resource("dynamodb", config=CLIENT_CONFIG).Table(settings.approvals_table)
         if settings.approvals_table else None)
templates = Templates()
logger = Logger(service="greenlight")
metrics = Metrics(namespace="Greenlight", service="greenlight")
tracer = Tracer(service="greenlight")

METRIC_BY_OUTCOME = {
    "sent": "ApprovalRequestAnnounced",
    "not-an-approval": "OtherMessageSkipped",
    "invalid": "InvalidApprovalMessage",
    "expired": "ExpiredApprovalSkipped",
    "closed": "ClosedRequestRedelivered",
    "not-live": "UnverifiedApprovalSkipped",
}


def current_policy() -> Policy:
    """The policy in force; an invalid one raises PolicyError, saying what is wrong."""
    if ssm is not None and settings.policy_parameter:
        return parse_policy(str(ssm.get(settings.policy_parameter, max_age=CACHE_SECONDS)))
    return parse_policy(settings.policy_json) if settings.policy_json else Policy()


def check_policy(policy: Policy) -> Policy:
    if table is None and any(rule.min_approvals > 1 for rule in policy.rules):
        raise ConfigurationError("the policy asks for more than one approval, which needs "
                                 "APPROVALS_TABLE to count votes")
    if table is None and any(rule.separation == "required" for rule in policy.rules):
        raise ConfigurationError("a rule has separation \"required\", which may need one more "
                                 "approval and so APPROVALS_TABLE to count votes")
    return policy


check_policy(current_policy())  # fail at start, not at the first approval


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
@event_source(data_class=SNSEvent)
def handler(event: SNSEvent, context: LambdaContext) -> dict[str, int]:
    keys = signing_keys(secrets.get(settings.signing_secret_arn, max_age=CACHE_SECONDS))
    policy = check_policy(current_policy())
    sent = 0
    for record in event.records:
        logger.append_keys(sns_message_id=record.sns.message_id)
        result = announce(
            record.sns.message,
            approvers=settings.approver_emails,
            sender=settings.sender_email,
            keys=keys,
            api_url=settings.approval_api_url,
            codepipeline=codepipeline,
            sesv2=sesv2,
            templates=templates,
            now=datetime.now(UTC),
            policy=policy,
            table=table,
        )
        metrics.add_metric(name=METRIC_BY_OUTCOME[result.outcome], unit=MetricUnit.Count, value=1)
        if result.mails:
            metrics.add_metric(name="ApprovalEmailSent", unit=MetricUnit.Count, value=result.mails)
        if result.unmeetable:
            metrics.add_metric(name="UnmeetableApprovalReported", unit=MetricUnit.Count, value=1)
        log = logger.warning if result.outcome in ("invalid", "not-live") else logger.info
        log("approval message handled", extra={
            "outcome": result.outcome, "detail": result.detail, "mails": result.mails,
        })
        sent += result.mails
    return {"mails": sent}
