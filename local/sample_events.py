"""Write events/: real-shaped SNS and API Gateway events for replay, `sam local invoke -e`
and the tests. The decide events carry links signed with the local stack's key.

    python -m local.sample_events
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from greenlight.links import (
    ApprovalContext,
    Decision,
    LinkClaims,
    Revision,
    sign_link,
    token_digest,
)
from local.apigateway import proxy_event
from local.offline import LOCAL_SIGNING_KEY, REGION, sns_event
from local.sam_template import ROOT

EVENTS = ROOT / "events"
TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:greenlight-approvals"
PIPELINE, STAGE, ACTION = "greenlight-demo", "Approval", "ManualApproval"
# The token the local stand-in hands the first approval when events are replayed.
SAMPLE_TOKEN = "3f0e9a52-5b7c-4f1e-9d3a-6c2b8e41a7d0"  # noqa: S105 - a sample, not a secret  # nosec B105
SAMPLE_EXPIRES = "2099-12-31T23:59Z"
CONSOLE = f"https://console.aws.amazon.com/codesuite/codepipeline/pipelines/{PIPELINE}/view?region={REGION}"


def approval_message(custom_data: str | None, external_link: str | None) -> str:
    return json.dumps({
        "region": REGION,
        "consoleLink": CONSOLE,
        "approval": {
            "pipelineName": PIPELINE,
            "stageName": STAGE,
            "actionName": ACTION,
            "token": SAMPLE_TOKEN,
            "expires": SAMPLE_EXPIRES,
            "externalEntityLink": external_link,
            "approvalReviewLink": f"{CONSOLE}#/{STAGE}/{ACTION}/approve/{SAMPLE_TOKEN}",
            "customData": custom_data,
        },
    })


CODESTAR_NOTIFICATION = {
    "account": "123456789012",
    "detailType": "CodePipeline Pipeline Execution State Change",
    "region": REGION,
    "source": "aws.codepipeline",
    "time": "2026-11-27T10:02:11Z",
    "notificationRuleArn":
        "arn:aws:codestar-notifications:us-east-1:123456789012:notificationrule/7c0a1b2d3e4f",
    "detail": {
        "pipeline": PIPELINE,
        "execution-id": "b3c1d2e4-5f67-4a89-9b0c-1d2e3f4a5b6c",
        "state": "STARTED",
        "version": 1.0,
    },
    "resources": [f"arn:aws:codepipeline:us-east-1:123456789012:{PIPELINE}"],
    "additionalAttributes": {},
}


SCHEDULED_EVENT = {
    "version": "0",
    "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
    "detail-type": "Scheduled Event",
    "source": "aws.events",
    "account": "123456789012",
    "time": "2026-11-27T10:15:00Z",
    "region": REGION,
    "resources": ["arn:aws:events:us-east-1:123456789012:rule/greenlight-RemindFunctionEveryFifte"],
    "detail": {},
}


def sample_claims(decision: Decision, approver: str = "alice@example.com") -> LinkClaims:
    expires = datetime.strptime(SAMPLE_EXPIRES, "%Y-%m-%dT%H:%MZ").replace(tzinfo=UTC)
    return LinkClaims(
        pipeline=PIPELINE, stage=STAGE, action=ACTION, token_digest=token_digest(SAMPLE_TOKEN),
        approver=approver, decision=decision, expires=expires,
        context=ApprovalContext(
            region=REGION,
            execution_id="b3c1d2e4-5f67-4a89-9b0c-1d2e3f4a5b6c",
            custom_data="Release 2026.11.27: checkout page and payment retries",
            external_entity_link="https://github.com/acme/webapp/pull/42",
            revision=Revision(
                revision_id="9fceb02d0ae598e95dc970b74767f19372d61af8",
                message="Add the checkout page",
                url="https://github.com/acme/webapp/commit/9fceb02d0ae598e95dc970b74767f19372d61af8",
                branch="main", repository="acme/webapp",
            ),
            trigger="WebhookV2: push to main",
        ),
    )


def decide_event(method: str, decision: Decision, body: str = "") -> dict[str, object]:
    link = sign_link(sample_claims(decision), [LOCAL_SIGNING_KEY])
    headers = [
        ("Host", "abc123defg.execute-api.us-east-1.amazonaws.com"),
        ("User-Agent", "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X)"),
        ("Accept", "text/html,application/xhtml+xml"),
        ("X-Forwarded-For", "203.0.113.7"),
        ("X-Forwarded-Proto", "https"),
    ]
    if body:
        headers.append(("Content-Type", "application/x-www-form-urlencoded"))
    event = proxy_event(method, f"/Prod/approvals/{link}", headers, body.encode(), "/Prod",
                        "203.0.113.7")
    event["requestContext"]["requestId"] = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"  # type: ignore[index]
    event["requestContext"]["extendedRequestId"] = "Lz3Z0Hb8IAMEb7Q="  # type: ignore[index]
    event["requestContext"]["apiId"] = "abc123defg"  # type: ignore[index]
    event["requestContext"]["requestTime"] = "27/Nov/2026:10:15:00 +0000"  # type: ignore[index]
    event["requestContext"]["requestTimeEpoch"] = 1795774500000  # type: ignore[index]
    return event


def write_events() -> list[Path]:
    events = {
        "approval-request.json": sns_event(TOPIC_ARN, approval_message(
            "Release 2026.11.27: checkout page and payment retries",
            "https://github.com/acme/webapp/pull/42"),
            f"APPROVAL NEEDED: AWS CodePipeline {PIPELINE} for action {ACTION}"),
        "approval-request-null-fields.json": sns_event(TOPIC_ARN, approval_message(None, None),
            f"APPROVAL NEEDED: AWS CodePipeline {PIPELINE} for action {ACTION}"),
        "codestar-notification.json": sns_event(TOPIC_ARN, json.dumps(CODESTAR_NOTIFICATION)),
        "sns-plain-text.json": sns_event(TOPIC_ARN, "Pipeline greenlight-demo: deploy finished."),
        "remind-schedule.json": SCHEDULED_EVENT,
        "decide-get.json": decide_event("GET", Decision.APPROVE),
        "decide-post-approve.json": decide_event("POST", Decision.APPROVE,
                                                 "comment=Looks+good+to+me"),
        "decide-post-reject.json": decide_event("POST", Decision.REJECT,
                                                "comment=Payment+retries+need+a+load+test+first"),
    }
    fixed_ids = {"approval-request.json": "95df01b4-ee98-5cb9-9903-4c221d41eb5e"}
    written = []
    EVENTS.mkdir(exist_ok=True)
    for name, event in events.items():
        for record in event.get("Records", []):  # type: ignore[attr-defined]
            record["Sns"]["MessageId"] = fixed_ids.get(name, "0c1f7e5a-8b2d-5e3f-9a4b-6c7d8e9f0a1b")
            record["Sns"]["Timestamp"] = "2026-11-27T10:02:11.123Z"
            record["EventSubscriptionArn"] = f"{TOPIC_ARN}:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55"
            record["Sns"]["Signature"] = "EXAMPLEpH+DcEwjAPg8O9mY8dReBSwksfg2S7WKQ=="
        path = EVENTS / name
        path.write_text(json.dumps(event, indent=2) + "\n", encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_events():
        print(path.relative_to(ROOT))
