"""Lambda handler, on a schedule: reminders, escalations and closing finished requests."""

from __future__ import annotations

import os
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parameters import SecretsProvider
from aws_lambda_powertools.utilities.typing import LambdaContext

from greenlight.aws import CLIENT_CONFIG, client, send_through
from greenlight.config import MailDelivery, RemindSettings
from greenlight.links import signing_keys
from greenlight.reminders import sweep
from greenlight.rendering import Templates
from greenlight.slack_config import slack_settings_of

SECRET_MAX_AGE = 300

settings = RemindSettings.from_env()
slack_settings = slack_settings_of(os.environ)
codepipeline = client("codepipeline")
delivery = settings.delivery or MailDelivery(settings.sender_email)
sesv2 = send_through(client("sesv2"), delivery.configuration_set)
secrets = SecretsProvider(boto3_client=client("secretsmanager"))
table = boto3.resource("dynamodb", config=CLIENT_CONFIG).Table(settings.approvals_table)
templates = Templates()  # Jinja2 loads at the first mail: most sweeps send none
logger = Logger(service="greenlight")
metrics = Metrics(namespace="Greenlight", service="greenlight")


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    keys = signing_keys(secrets.get(settings.signing_secret_arn, max_age=SECRET_MAX_AGE))
    vote_keys = signing_keys(secrets.get(settings.vote_signing_secret_arn,
                                         max_age=SECRET_MAX_AGE))
    slack = None
    if slack_settings is not None:
        from greenlight.slack_sync import slack_access

        slack = slack_access(slack_settings, str(secrets.get(
            slack_settings.bot_token_arn, max_age=SECRET_MAX_AGE)), keys)
    result = sweep(table=table, codepipeline=codepipeline, sesv2=sesv2,
                   sender=delivery.mail_from, keys=keys, vote_keys=vote_keys,
                   api_url=settings.approval_api_url, templates=templates,
                   now=datetime.now(UTC), slack=slack)
    metrics.add_metric(name="PendingRequestsChecked", unit=MetricUnit.Count, value=result.checked)
    for name, value in (("ReminderSent", result.reminded), ("EscalationSent", result.escalated),
                        ("RequestClosed", result.closed), ("DecisionCompleted", result.decided),
                        ("FollowUpFailed", result.failed), ("OutcomeToldBySweep", result.told),
                        ("ApprovalStateUnconfirmed", result.unconfirmed),
                        ("ForgedVoteIgnored", result.forged),
                        ("AlteredRequestSkipped", result.altered),
                        ("SlackCallFailed", result.slack_failed)):
        if value:
            metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    logger.info("pending requests followed", extra=asdict(result))
    return asdict(result)
