"""Names, keys and event shapes that every offline runner shares."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
# A fixed key so the signed links in events/ verify locally. Never deploy it: in AWS the
# template generates the key in Secrets Manager.
LOCAL_SIGNING_KEY = "greenlight-local-signing-key-not-for-aws-0123456789"
# The same for the votes' MACs (the VoteSigningSecret of the template).
LOCAL_VOTE_KEY = "greenlight-local-vote-key-not-for-aws-0123456789ab"


def sns_event(topic_arn: str, message: str, subject: str | None = None) -> dict[str, Any]:
    """The event SNS hands a subscribed Lambda function."""
    message_id = str(uuid.uuid4())
    return {"Records": [{
        "EventSource": "aws:sns",
        "EventVersion": "1.0",
        "EventSubscriptionArn": f"{topic_arn}:{uuid.uuid4()}",
        "Sns": {
            "Type": "Notification",
            "MessageId": message_id,
            "TopicArn": topic_arn,
            "Subject": subject,
            "Message": message,
            "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            "SignatureVersion": "1",
            "Signature": "",
            "SigningCertUrl": "https://sns.us-east-1.amazonaws.com/local.pem",
            "UnsubscribeUrl": f"https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={topic_arn}:local",
            "MessageAttributes": {},
        },
    }]}


def approval_subject(message: str) -> str | None:
    """CodePipeline's subject line for an approval notification."""
    try:
        approval = json.loads(message)["approval"]
        return (f"APPROVAL NEEDED: AWS CodePipeline {approval['pipelineName']} "
                f"for action {approval['actionName']}")[:100]
    except (ValueError, KeyError, TypeError):
        return None
