"""In-process stand-ins for the AWS clients the functions hold, answering instantly and
counting every call, so the benchmark times Greenlight's own work."""

from __future__ import annotations

import re
import uuid
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

PIPELINE, STAGE, ACTION = "bench-pipeline", "Approval", "ManualApproval"
EXECUTION_ID = "6c4b1f38-0d3e-4b8a-9a7e-2f6f2f7f9b11"


class Calls:
    """Every stubbed AWS call, by service and operation."""

    def __init__(self) -> None:
        self.counter: Counter[str] = Counter()

    def add(self, name: str) -> None:
        self.counter[name] += 1

    def total(self, prefix: str = "") -> int:
        return sum(n for name, n in self.counter.items() if name.startswith(prefix))

    def reset(self) -> None:
        self.counter.clear()


class FakeSecretsClient:
    """What SecretsProvider calls: GetSecretValue."""

    def __init__(self, calls: Calls, secret: str) -> None:
        self.calls = calls
        self.secret = secret

    def get_secret_value(self, **_: Any) -> dict[str, Any]:
        self.calls.add("secretsmanager.GetSecretValue")
        return {"SecretString": self.secret}


class FakeCodePipeline:
    """One pipeline waiting at its approval with `token`, for as long as the bench wants."""

    def __init__(self, calls: Calls) -> None:
        self.calls = calls
        self.token = str(uuid.uuid4())

    def get_pipeline_state(self, **_: Any) -> dict[str, Any]:
        self.calls.add("codepipeline.GetPipelineState")
        return {"pipelineName": PIPELINE, "stageStates": [{
            "stageName": STAGE,
            "latestExecution": {"pipelineExecutionId": EXECUTION_ID, "status": "InProgress"},
            "actionStates": [{"actionName": ACTION, "latestExecution": {
                "status": "InProgress", "token": self.token,
                "lastStatusChange": datetime.now(UTC)}}],
        }]}

    def put_approval_result(self, **_: Any) -> dict[str, Any]:
        self.calls.add("codepipeline.PutApprovalResult")
        return {"approvedAt": datetime.now(UTC)}

    def get_pipeline_execution(self, **_: Any) -> dict[str, Any]:
        self.calls.add("codepipeline.GetPipelineExecution")
        return {"pipelineExecution": {
            "pipelineName": PIPELINE, "pipelineExecutionId": EXECUTION_ID, "status": "InProgress",
            "artifactRevisions": [{"name": "SourceOutput", "revisionId": "e417064bc8be88379",
                                   "revisionSummary": "Add the payment retry limit",
                                   "revisionUrl": "https://github.com/acme/webapp/commit/e4170"}],
            "trigger": {"triggerType": "WebhookV2", "triggerDetail": "arn:aws:sts::1:x/alice"},
        }}

    def list_action_executions(self, **_: Any) -> dict[str, Any]:
        self.calls.add("codepipeline.ListActionExecutions")
        return {"actionExecutionDetails": [{
            "stageName": "Source", "actionName": "Source", "status": "Succeeded",
            "input": {"actionTypeId": {"category": "Source"}},
            "output": {"outputVariables": {"BranchName": "main",
                                           "FullRepositoryName": "acme/webapp"}},
        }]}


class FakeSes:
    """SendEmail, keeping what was sent so the benchmark can follow the mailed links; and
    GetAccount, whose send rate is set high so the bench times Greenlight, not the limiter."""

    def __init__(self, calls: Calls, max_send_rate: float = 100_000.0) -> None:
        self.calls = calls
        self.sent: list[dict[str, Any]] = []
        self.max_send_rate = max_send_rate

    def get_account(self, **_: Any) -> dict[str, Any]:
        self.calls.add("sesv2.GetAccount")
        return {"SendQuota": {"Max24HourSend": 1e9, "MaxSendRate": self.max_send_rate,
                              "SentLast24Hours": 0.0}}

    def send_email(self, **request: Any) -> dict[str, Any]:
        self.calls.add("sesv2.SendEmail")
        self.sent.append(request)
        return {"MessageId": str(uuid.uuid4())}


def copied(value: Any) -> Any:
    """An item as a fresh answer, sharing nothing mutable with the one held: what
    copy.deepcopy does for DynamoDB's types (maps, lists, sets; strings, numbers, bytes and
    booleans are immutable), at a third of its cost or less, so that the bench times
    Greenlight."""
    kind = type(value)
    if kind is dict:
        return {key: copied(item) for key, item in value.items()}
    if kind is list:
        return [copied(item) for item in value]
    if kind is set:
        return set(value)
    return value


_SET = re.compile(r"^\s*([#\w.]+)\s*=\s*(:\w+)\s*$")


class FakeTable:
    """The few DynamoDB Table calls the store makes, on items held in memory.

    Updates apply their `SET a.#b = :v` and `REMOVE a.#b` clauses; conditions are not
    evaluated, which the benchmark's single, ordered flow never needs.
    """

    def __init__(self, calls: Calls) -> None:
        self.calls = calls
        self.items: dict[str, dict[str, Any]] = {}

    def put_item(self, Item: dict[str, Any], **_: Any) -> dict[str, Any]:
        self.calls.add("dynamodb.PutItem")
        key = Item["request_id"]
        if key in self.items:
            raise ClientError({"Error": {"Code": "ConditionalCheckFailedException"}}, "PutItem")
        self.items[key] = copied(Item)
        return {}

    def get_item(self, Key: dict[str, Any], **_: Any) -> dict[str, Any]:
        self.calls.add("dynamodb.GetItem")
        item = self.items.get(Key["request_id"])
        return {"Item": copied(item)} if item else {}

    def update_item(self, Key: dict[str, Any], UpdateExpression: str,
                    ExpressionAttributeNames: dict[str, str] | None = None,
                    ExpressionAttributeValues: dict[str, Any] | None = None,
                    ReturnValues: str = "NONE", **_: Any) -> dict[str, Any]:
        self.calls.add("dynamodb.UpdateItem")
        item = self.items.setdefault(Key["request_id"], dict(Key))
        names, values = ExpressionAttributeNames or {}, ExpressionAttributeValues or {}
        for clause, body in re.findall(r"(SET|REMOVE)\s+(.*?)(?=\s+(?:SET|REMOVE)\s|$)",
                                       UpdateExpression):
            for part in body.split(","):
                if clause == "SET":
                    match = _SET.match(part)
                    if match:
                        self._set(item, match.group(1), names, copied(
                            values[match.group(2)]))
                else:
                    self._remove(item, part.strip(), names)
        return {"Attributes": copied(item)} if ReturnValues == "ALL_NEW" else {}

    def query(self, **_: Any) -> dict[str, Any]:
        self.calls.add("dynamodb.Query")
        return {"Items": []}

    @staticmethod
    def _path(path: str, names: dict[str, str]) -> list[str]:
        return [names.get(part, part) for part in path.split(".")]

    def _set(self, item: dict[str, Any], path: str, names: dict[str, str], value: Any) -> None:
        *parents, last = self._path(path, names)
        for part in parents:
            item = item.setdefault(part, {})
        item[last] = value

    def _remove(self, item: dict[str, Any], path: str, names: dict[str, str]) -> None:
        *parents, last = self._path(path, names)
        for part in parents:
            item = item.get(part, {})
        item.pop(last, None)
