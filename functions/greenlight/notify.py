"""Lambda handler: approval requests from SNS become signed approval mails."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parameters import SecretsProvider, SSMProvider
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError
from aws_lambda_powertools.utilities.typing import LambdaContext

from greenlight.announce import announce
from greenlight.aws import CLIENT_CONFIG, client, send_through
from greenlight.config import ConfigurationError, MailDelivery, NotifySettings
from greenlight.events import sns_messages
from greenlight.links import signing_keys
from greenlight.policy import Policy, parse_policy
from greenlight.rendering import Templates
from greenlight.signin_config import SignInSettings, require_sign_in_settings
from greenlight.slack_config import slack_settings_of

if TYPE_CHECKING:
    from greenlight.slack_sync import SlackAccess

CACHE_SECONDS = 300

settings = NotifySettings.from_env()
sign_in_settings = SignInSettings.from_env()
slack_settings = slack_settings_of(os.environ)
codepipeline = client("codepipeline")
delivery = settings.delivery or MailDelivery(settings.sender_email)
sesv2 = send_through(client("sesv2"), delivery.configuration_set)
secrets = SecretsProvider(boto3_client=client("secretsmanager"))
ssm = SSMProvider(boto3_client=client("ssm")) if settings.policy_parameter else None
table = (boto3.resource("dynamodb", config=CLIENT_CONFIG).Table(settings.approvals_table)
         if settings.approvals_table else None)
templates = Templates().load()  # every message is rendered into mails: load Jinja2 during init
logger = Logger(service="greenlight")
metrics = Metrics(namespace="Greenlight", service="greenlight")

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
    for rule in policy.rules:
        if rule.slack is not None and table is None:
            raise ConfigurationError(f"the policy rule {rule.name!r} posts to Slack, which "
                                     "needs APPROVALS_TABLE to keep its message")
        if rule.sign_in.required:
            require_sign_in_settings(sign_in_settings, rule.name)
            if table is None:
                raise ConfigurationError(f"the policy rule {rule.name!r} requires sign-in, "
                                         "which needs APPROVALS_TABLE to keep its rule")
    return policy


check_policy(current_policy())  # fail at start, not at the first approval


def slack_for(keys: list[str]) -> SlackAccess | None:
    """Slack, when configured; a bot token that cannot be read leaves the mails to go alone
    (the sweep posts the message later)."""
    if slack_settings is None:
        return None
    from greenlight.slack_sync import slack_access

    try:
        token = str(secrets.get(slack_settings.bot_token_arn, max_age=CACHE_SECONDS))
    except GetParameterError:
        logger.warning("slack post failed", extra={"error": "bot-token-unreadable"})
        metrics.add_metric(name="SlackCallFailed", unit=MetricUnit.Count, value=1)
        return None
    return slack_access(slack_settings, token, keys)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    keys = signing_keys(secrets.get(settings.signing_secret_arn, max_age=CACHE_SECONDS))
    policy = check_policy(current_policy())
    slack = slack_for(keys)
    sent = 0
    for message_id, message in sns_messages(event):
        logger.append_keys(sns_message_id=message_id)
        result = announce(
            message,
            approvers=settings.approver_emails,
            sender=delivery.mail_from,
            keys=keys,
            api_url=settings.approval_api_url,
            codepipeline=codepipeline,
            sesv2=sesv2,
            templates=templates,
            now=datetime.now(UTC),
            policy=policy,
            table=table,
            slack=slack,
        )
        metrics.add_metric(name=METRIC_BY_OUTCOME[result.outcome], unit=MetricUnit.Count, value=1)
        if result.mails:
            metrics.add_metric(name="ApprovalEmailSent", unit=MetricUnit.Count, value=result.mails)
        if result.slack_failed:
            metrics.add_metric(name="SlackCallFailed", unit=MetricUnit.Count, value=1)
        if result.unmeetable:
            metrics.add_metric(name="UnmeetableApprovalReported", unit=MetricUnit.Count, value=1)
        log = logger.warning if result.outcome in ("invalid", "not-live") else logger.info
        log("approval message handled", extra={
            "outcome": result.outcome, "detail": result.detail, "mails": result.mails,
        })
        sent += result.mails
    return {"mails": sent}
