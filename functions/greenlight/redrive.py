"""Redrive the notify function's dead-letter queue: each message back to the function, deleted
only once the function handled it.

    python -m greenlight.redrive --queue QUEUE_URL --function FUNCTION_NAME [--dry-run]

The queue holds two kinds of message. Lambda's dead-letter queue for asynchronous invocations
keeps the event itself (`{"Records": [...]}`); the SNS subscription's redrive policy keeps the
SNS message envelope (`{"Type": "Notification", "MessageId": ...}`), which is wrapped into the
event SNS would have handed the function. Mails already sent are not sent again: the function
claims each approver's mail before sending it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from greenlight.approval import InvalidApprovalMessage, NotAnApproval, parse_approval_message

MAX_BATCH = 10  # SQS returns at most ten messages a call
# Long enough for one invocation of the notify function (its Timeout is 60 s) to finish
# before another reader could receive the same message.
VISIBILITY_SECONDS = 120
# The longest a synchronous invocation can run (Lambda's 900 s limit), plus a margin.
INVOKE_READ_TIMEOUT = 905


class UnreadableDeadLetter(ValueError):
    """A message that is neither a Lambda event nor an SNS envelope: it is left in the queue."""


@dataclass(frozen=True)
class Redriven:
    """What became of one dead letter: `redriven`, `failed` (it stays in the queue),
    `unreadable` (it stays too), or `would-redrive` in a dry run."""

    message_id: str
    outcome: str
    approvals: tuple[str, ...] = ()  # pipeline/stage/action of each approval it carries
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome in ("redriven", "would-redrive")

    def line(self) -> str:
        where = ", ".join(self.approvals) or "-"
        return f"{self.outcome:<13} {self.message_id}  {where}" + (
            f"  {self.detail}" if self.detail else "")


def sns_event_from_envelope(envelope: dict[str, Any]) -> dict[str, Any]:
    """The event SNS hands a Lambda function, for the message envelope it dead-lettered."""
    topic_arn = str(envelope.get("TopicArn", ""))
    return {"Records": [{
        "EventSource": "aws:sns",
        "EventVersion": "1.0",
        "EventSubscriptionArn": topic_arn,
        "Sns": {
            "Type": envelope.get("Type", "Notification"),
            "MessageId": envelope.get("MessageId"),
            "TopicArn": topic_arn,
            "Subject": envelope.get("Subject"),
            "Message": envelope.get("Message"),
            "Timestamp": envelope.get("Timestamp"),
            "SignatureVersion": envelope.get("SignatureVersion"),
            "Signature": envelope.get("Signature"),
            # The envelope spells these URL; the Lambda event spells them Url.
            "SigningCertUrl": envelope.get("SigningCertURL", envelope.get("SigningCertUrl")),
            "UnsubscribeUrl": envelope.get("UnsubscribeURL", envelope.get("UnsubscribeUrl")),
            "MessageAttributes": envelope.get("MessageAttributes") or {},
        },
    }]}


def event_of(body: str) -> dict[str, Any]:
    """The notify function's event for one dead letter's body."""
    try:
        document = json.loads(body)
    except ValueError:
        raise UnreadableDeadLetter("the body is not JSON") from None
    if not isinstance(document, dict):
        raise UnreadableDeadLetter("the body is not a JSON object")
    records = document.get("Records")
    if isinstance(records, list) and records and all(
            isinstance(r, dict) and isinstance(r.get("Sns"), dict) for r in records):
        return document
    if document.get("Type") == "Notification" and isinstance(document.get("Message"), str):
        return sns_event_from_envelope(document)
    raise UnreadableDeadLetter("neither an SNS event nor an SNS message")


def approvals_in(event: dict[str, Any]) -> tuple[str, ...]:
    """pipeline/stage/action of each approval request in the event, for the report."""
    found = []
    for record in event["Records"]:
        try:
            request = parse_approval_message(record["Sns"].get("Message"))
        except (NotAnApproval, InvalidApprovalMessage):
            continue
        found.append(f"{request.pipeline}/{request.stage}/{request.action}")
    return tuple(found)


def invoke(lambda_client: Any, function: str, event: dict[str, Any]) -> tuple[bool, str]:
    """Invoke the function synchronously; whether it handled the event, and what it said."""
    try:
        response = lambda_client.invoke(FunctionName=function,
                                        InvocationType="RequestResponse",
                                        Payload=json.dumps(event).encode("utf-8"))
    except (ClientError, BotoCoreError) as error:
        code = (error.response.get("Error", {}).get("Code")
                if isinstance(error, ClientError) else type(error).__name__)
        return False, f"invoke failed: {code}"
    payload = response["Payload"].read().decode("utf-8", "replace")
    if response.get("FunctionError"):
        try:
            answer = json.loads(payload)
            said = f"{answer.get('errorType', 'Error')}: {answer.get('errorMessage', '')}"
        except (ValueError, AttributeError):
            said = payload
        return False, f"function error: {said}"[:300]
    return True, payload[:300]


def dead_letters(sqs: Any, queue_url: str, limit: int) -> Iterator[dict[str, Any]]:
    """Up to `limit` distinct messages from the queue, each hidden from other readers while
    it is handled."""
    seen: set[str] = set()
    while len(seen) < limit:
        batch = sqs.receive_message(QueueUrl=queue_url,
                                    MaxNumberOfMessages=min(MAX_BATCH, limit - len(seen)),
                                    VisibilityTimeout=VISIBILITY_SECONDS,
                                    MessageAttributeNames=["All"]).get("Messages", [])
        fresh = [m for m in batch if m["MessageId"] not in seen]
        if not fresh:
            return
        for message in fresh:
            seen.add(message["MessageId"])
            yield message


def last_error(message: dict[str, Any]) -> str:
    """The error Lambda recorded with the dead letter (its ErrorMessage attribute), if any."""
    attribute = (message.get("MessageAttributes") or {}).get("ErrorMessage") or {}
    return str(attribute.get("StringValue", ""))[:200]


def redrive(sqs: Any, lambda_client: Any, *, queue_url: str, function: str,
            max_messages: int = 10, dry_run: bool = False,
            report: Callable[[Redriven], None] = lambda _: None) -> list[Redriven]:
    """Hand up to `max_messages` dead letters back to `function`, deleting each one only if
    the function handled it; the others are made visible again at once, for the next try."""
    results: list[Redriven] = []
    kept: list[str] = []
    for message in dead_letters(sqs, queue_url, max_messages):
        message_id = message["MessageId"]
        try:
            event = event_of(message["Body"])
        except UnreadableDeadLetter as unreadable:
            result = Redriven(message_id, "unreadable", detail=str(unreadable))
        else:
            approvals = approvals_in(event)
            if dry_run:
                result = Redriven(message_id, "would-redrive", approvals, last_error(message))
            else:
                handled, said = invoke(lambda_client, function, event)
                result = Redriven(message_id, "redriven" if handled else "failed",
                                  approvals, said)
        if result.outcome == "redriven":
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        else:
            kept.append(message["ReceiptHandle"])
        results.append(result)
        report(result)
    for handle in kept:
        # On failure it comes back on its own once the visibility timeout ends.
        with contextlib.suppress(ClientError):
            sqs.change_message_visibility(QueueUrl=queue_url, ReceiptHandle=handle,
                                          VisibilityTimeout=0)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queue", required=True, help="the dead-letter queue's URL "
                        "(the stack's NotifyDeadLetterQueueUrl output)")
    parser.add_argument("--function", required=True,
                        help="the notify function's name or ARN")
    parser.add_argument("--max-messages", type=int, default=10,
                        help="redrive at most this many messages (default 10)")
    parser.add_argument("--dry-run", action="store_true",
                        help="list what would be redriven; invoke and delete nothing")
    args = parser.parse_args(argv)
    if args.max_messages < 1:
        parser.error("--max-messages must be at least 1")
    sqs = boto3.client("sqs")
    lambda_client = boto3.client("lambda", config=Config(
        read_timeout=INVOKE_READ_TIMEOUT, retries={"mode": "standard"}))
    results = redrive(sqs, lambda_client, queue_url=args.queue, function=args.function,
                      max_messages=args.max_messages, dry_run=args.dry_run,
                      report=lambda result: print(result.line()))
    counts: dict[str, int] = {}
    for result in results:
        counts[result.outcome] = counts.get(result.outcome, 0) + 1
    summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))
    print(f"{len(results)} message(s): {summary or 'the queue is empty'}")
    return 0 if all(result.ok for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
