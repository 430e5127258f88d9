"""Lambda handler, on a schedule: reminders, escalations and closing finished requests."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parameters import SecretsProvider
from aws_lambda_powertools.utilities.typing import LambdaContext

from greenlight.aws import CLIENT_CONFIG, client
from greenlight.config import RemindSettings
from greenlight.links import signing_keys
from greenlight.reminders import sweep
from greenlight.rendering import Templates

SECRET_MAX_AGE = 300

settings = RemindSettings.from_env()
codepipeline = client("codepipeline")
sesv2 = client("sesv2")
secrets = SecretsProvider(boto3_client=client("secretsmanager"))
table = boto3.resource("dynamodb", config=CLIENT_CONFIG).Table(settings.approvals_table)
templates = Templates()
logger = Logger(service="greenlight")
metrics = Metrics(namespace="Greenlight", service="greenlight")
tracer = Tracer(service="greenlight")


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    keys = signing_keys(secrets.get(settings.signing_secret_arn, max_age=SECRET_MAX_AGE))
    vote_keys = signing_keys(secrets.get(settings.vote_signing_secret_arn,
                                         max_age=SECRET_MAX_AGE))
    result = sweep(table=table, codepipeline=codepipeline, sesv2=sesv2,
                   sender=settings.sender_email, keys=keys, vote_keys=vote_keys,
                   api_url=settings.approval_api_url, templates=templates,
                   now=datetime.now(UTC))
    metrics.add_metric(name="PendingRequestsChecked", unit=MetricUnit.Count, value=result.checked)
    for name, value in (("ReminderSent", result.reminded), ("EscalationSent", result.escalated),
                        ("RequestClosed", result.closed), ("DecisionCompleted", result.decided),
                        ("FollowUpFailed", result.failed),
                        ("ApprovalStateUnconfirmed", result.unconfirmed),
                        ("ForgedVoteIgnored", result.forged)):
        if value:
            metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    logger.info("pending requests followed", extra=asdict(result))
    return asdict(result)
