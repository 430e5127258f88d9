"""Lambda handler, on the approvals table's stream: a request that closed has its outcome
mailed to its approvers and followers, after the decision's response, each mail once.

A failed send raises: Lambda retries the batch (bisected), then hands the record to the
failure destination; the sweep (greenlight.reminders) tells whatever is still untold. The
claims in `outcome_mails` keep every retry from mailing anyone twice.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parameters import SecretsProvider
from aws_lambda_powertools.utilities.typing import LambdaContext

from greenlight.aws import CLIENT_CONFIG, client, send_through
from greenlight.config import TellSettings
from greenlight.events import new_images
from greenlight.links import signing_keys
from greenlight.mail import SendFailed
from greenlight.notices import tell_outcome
from greenlight.rendering import Templates
from greenlight.store import CLOSED, counted, record_from_item

SECRET_MAX_AGE = 300

settings = TellSettings.from_env()
sesv2 = send_through(client("sesv2"), settings.delivery.configuration_set)
secrets = SecretsProvider(boto3_client=client("secretsmanager"))
table = boto3.resource("dynamodb", config=CLIENT_CONFIG).Table(settings.approvals_table)
templates = Templates().load()  # every batch it is given is told by mail: load Jinja2 during init
logger = Logger(service="greenlight")
metrics = Metrics(namespace="Greenlight", service="greenlight")


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    vote_keys = signing_keys(secrets.get(settings.vote_signing_secret_arn,
                                         max_age=SECRET_MAX_AGE))
    mailed = failed = 0
    for image in new_images(event):
        if not image or image.get("status") not in CLOSED:
            continue  # the event source's filter lets only closings through; be sure
        record = counted(record_from_item(image), vote_keys)
        try:
            mailed += tell_outcome(record, table=table, sesv2=sesv2,
                                   sender=settings.delivery.mail_from, templates=templates,
                                   now=datetime.now(UTC))
        except SendFailed:
            failed += 1
    if mailed:
        metrics.add_metric(name="OutcomeEmailSent", unit=MetricUnit.Count, value=mailed)
    logger.info("outcomes told", extra={"mails": mailed, "failed": failed})
    if failed:
        # The whole batch is retried (bisected); what was sent is not sent again.
        raise SendFailed(f"the outcome of {failed} requests is not told to everyone")
    return {"mails": mailed}
