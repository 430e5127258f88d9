"""The offline stack, in one process: moto (SES, SNS, SQS, Secrets Manager) behind a loopback
endpoint, the CodePipeline stand-in, and Greenlight's two functions loaded from template.yaml.

Handlers reach all of it through plain boto3 clients, steered only by the environment
(AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_CODEPIPELINE), exactly as they reach AWS.
"""

from __future__ import annotations

import email
import email.policy
import importlib.util
import itertools
import json
import logging
import os
import queue
import re
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from secrets import token_hex, token_urlsafe
from typing import Any

import boto3
from botocore.exceptions import ClientError

from local.apigateway import LocalApiGateway
from local.codepipeline.engine import Engine
from local.codepipeline.server import CodePipelineServer
from local.faults import FaultProxy, Faults
from local.lambda_context import LocalContext
from local.lambda_endpoint import LambdaEndpoint
from local.moto_endpoint import MotoEndpoint
from local.offline import (
    ACCOUNT_ID,
    LOCAL_SIGNING_KEY,
    LOCAL_VOTE_KEY,
    REGION,
    approval_subject,
    sns_event,
)
from local.oidc_provider import LocalOpenIDProvider
from local.sam_template import (
    ROOT,
    FunctionSpec,
    decide_function,
    functions,
    load_template,
    notify_function,
    parameter_defaults,
    resolve,
    scheduled_function,
    table_definition,
)
from local.slack import Interactions, SlackServer, Workspace
from local.table_stream import TableStream, watch_moto_stream

log = logging.getLogger(__name__)

TOPIC_NAME = "greenlight-approvals"
TABLE_NAME = "greenlight-approvals"
DEAD_LETTER_QUEUE = "greenlight-notify-dlq"
TELL_FAILURE_QUEUE = "greenlight-tell-failures"
# The account's SES send rate that GetAccount reports offline (a production account's first).
SEND_RATE = 14.0
SECRET_NAME = "greenlight/signing-key"  # noqa: S105 - a name, not a secret  # nosec B105
VOTE_SECRET_NAME = "greenlight/vote-key"  # noqa: S105 - a name, not a secret  # nosec B105
OIDC_SECRET_NAME = "greenlight/oidc-client-secret"  # noqa: S105 - a name  # nosec B105
SLACK_TOKEN_NAME = "greenlight/slack-bot-token"  # noqa: S105 - a name  # nosec B105
SLACK_SIGNING_NAME = "greenlight/slack-signing-secret"
PIPELINES = ROOT / "local" / "pipelines"
# Lambda retries a failed asynchronous invocation twice before the dead-letter queue.
ASYNC_RETRIES = 2

LOCAL_PARAMETERS = {
    "SenderEmail": "greenlight@example.com",
    "ApproverEmails": "alice@example.com,bob@example.com",
    "PipelineNames": "greenlight-demo",
    "ApiStageName": "Prod",
}

FUNCTION_ACCESS_KEY = "testing"
# Who the functions are to CodePipeline: their role, as Lambda assumes it for them.
FUNCTION_PRINCIPAL = (
    f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/greenlight-DecideFunctionRole/greenlight-decide"
)

QUIET_ENVIRONMENT = {
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    # moto takes any credentials; the CodePipeline stand-in knows these as FUNCTION_PRINCIPAL.
    **dict.fromkeys(("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"),
                    FUNCTION_ACCESS_KEY),
    "MOTO_ALLOW_NONEXISTENT_REGION": "true",
    "POWERTOOLS_TRACE_DISABLED": "true",
}
# moto keeps one account per process: a second stack in the same process (a test module's
# own, say) names its resources apart from the first one's.
_STACKS = itertools.count()


@dataclass
class Mail:
    """One mail as SES received it."""

    recipient: str
    subject: str
    raw: str
    text: str
    html: str
    paths: list[Path] = field(default_factory=list)


def _parse_mail(raw: str) -> Mail:
    message = email.message_from_string(raw, policy=email.policy.default)
    text = html = ""
    for part in message.walk():
        if part.get_content_type() == "text/plain" and not text:
            text = part.get_content()
        elif part.get_content_type() == "text/html" and not html:
            html = part.get_content()
    return Mail(str(message["To"]), str(message["Subject"]), raw, text, html)


def answer_get_account() -> None:
    """SES v2 GetAccount, which moto lacks: the account's quota, as SES reports it."""
    from moto.sesv2.responses import SESV2Response

    def get_account(self: Any) -> str:
        return json.dumps({"ProductionAccessEnabled": True, "SendingEnabled": True,
                           "SendQuota": {"Max24HourSend": 50000.0, "MaxSendRate": SEND_RATE,
                                         "SentLast24Hours": 0.0}})

    SESV2Response.get_account = get_account  # type: ignore[attr-defined]
    from moto.sesv2 import urls

    urls.url_paths.setdefault("{0}/v2/email/account$", SESV2Response.dispatch)


class OfflineStack:
    """Start with `with OfflineStack(...) as stack:`; everything stops on exit."""

    def __init__(
        self,
        *,
        outbox: Path | None = None,
        parameters: dict[str, str] | None = None,
        action_seconds: float = 0.5,
        deliver_approvals: bool = True,
        api_port: int = 0,
        extra_environment: dict[str, str] | None = None,
        on_mail: Callable[[Mail], None] | None = None,
        clock: Callable[[], datetime] | None = None,
        faults: bool = False,
        sign_in: bool = False,
        slack: bool = False,
    ) -> None:
        self.template = load_template()
        self.parameters = parameter_defaults(self.template) | LOCAL_PARAMETERS | (parameters or {})
        self.outbox = outbox
        self.action_seconds = action_seconds
        self.deliver_approvals = deliver_approvals
        self.api_port = api_port
        self.extra_environment = extra_environment or {}
        self.on_mail = on_mail
        # Added to the stand-in's clock: lets a test or demo jump ahead (approvals expire).
        self.time_offset = timedelta(0)
        self.clock = clock or (lambda: datetime.now(UTC) + self.time_offset)
        # With `faults`, the functions reach moto and CodePipeline through fault-injecting
        # proxies (local.faults), so tests can make AWS throttle, fail or hang.
        self.faults = faults
        self.fault_proxies: Faults | None = None
        # With `sign_in`, a real OpenID provider (local.oidc_provider, Node.js) runs next to
        # the stack, the functions get its OIDC_* settings, and the decide function runs on
        # the stack's clock, so that a test can age a sign-in with time_offset.
        self.sign_in = sign_in
        self.identity_provider: LocalOpenIDProvider | None = None
        # With `slack`, the Slack stand-in (local.slack) runs next to the stack: the functions
        # get SLACK_* settings pointing at it, and it sends clicks and modal submissions to
        # {api_url}/slack/interactions, signed with the app's signing secret, as Slack does.
        self.slack = slack
        self.slack_server: SlackServer | None = None
        self.instance = next(_STACKS)
        self._suffix = "" if self.instance == 0 else f"-{self.instance}"
        # Tokens the next approvals receive, in order, before fresh random ones.
        self.preset_tokens: deque[str] = deque()
        self.mails: list[Mail] = []
        self.notify_errors: list[BaseException] = []
        self._seen_messages = 0
        self._mail_lock = threading.Lock()
        self._saved_environment: dict[str, str | None] = {}
        self._deliveries: queue.Queue[str | None] = queue.Queue()
        self._decide_environment = threading.Lock()
        self._idle = threading.Condition()
        self._pending_deliveries = 0
        self._stops: list[Callable[[], None]] = []

    # --- start and stop ---

    def __enter__(self) -> OfflineStack:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self._set_environment(QUIET_ENVIRONMENT | self.extra_environment)
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's per-request lines
        answer_get_account()
        moto = MotoEndpoint().start()
        self._stops.append(moto.stop)
        self.moto_url = moto.url

        engine_options: dict[str, Any] = {"publish": self._publish,
                                          "action_seconds": self.action_seconds,
                                          "region": REGION, "account_id": ACCOUNT_ID}
        engine_options["clock"] = self.clock
        engine_options["token_factory"] = self._next_token
        self.engine = Engine(**engine_options)
        self.codepipeline_server = CodePipelineServer(
            self.engine, auto_advance=True, principals={FUNCTION_ACCESS_KEY: FUNCTION_PRINCIPAL})
        self.codepipeline_server.start()
        self._stops.append(self.codepipeline_server.stop)
        aws_url, codepipeline_url = self.moto_url, self.codepipeline_server.endpoint_url
        if self.faults:
            self.fault_proxies = Faults(FaultProxy(aws_url).start(),
                                        FaultProxy(codepipeline_url).start())
            for proxy in self.fault_proxies.all():
                self._stops.append(proxy.stop)
            aws_url = self.fault_proxies.aws.url
            codepipeline_url = self.fault_proxies.codepipeline.url
        self._set_environment({
            "AWS_ENDPOINT_URL": aws_url,
            "AWS_ENDPOINT_URL_CODEPIPELINE": codepipeline_url,
        })
        self._create_resources()

        self.decide_spec = decide_function(self.template)
        self.notify_spec = notify_function(self.template)
        self.remind_spec = scheduled_function(self.template)
        self.tell_spec = functions(self.template)["TellFunction"]
        self.gateway = LocalApiGateway(self._invoke_decide, stage=self.parameters["ApiStageName"],
                                       port=self.api_port)
        self.api_url = self.gateway.url
        if self.sign_in:
            self._start_identity_provider()
        if self.slack:
            self._start_slack()
        names = self.parameters | {
            "SigningSecret": self.secret_arn,
            "VoteSigningSecret": self.vote_secret_arn,
            "ApprovalsTable": self.table_name,
            "ApprovalTopic": self.topic_arn,
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::Partition": "aws",
        }
        for spec in (self.notify_spec, self.decide_spec, self.remind_spec, self.tell_spec):
            self._set_environment(self._function_environment(spec, names))
        self.notify_handler = self._load_handler(self.notify_spec)
        self.decide_handler = self._load_handler(self.decide_spec)
        self.remind_handler = self._load_handler(self.remind_spec)
        self.tell_handler = self._load_handler(self.tell_spec)
        if self.sign_in:
            sys.modules[self.decide_handler.__module__].clock = self.clock
        self.gateway.start()
        self._stops.append(self.gateway.stop)
        # The table's stream to the tell function, read from moto itself: the fault proxies
        # stand between the functions and AWS, not inside Lambda's event source mapping.
        mapping = self.template["Resources"]["TellOnClose"]["Properties"]
        self.table_stream = TableStream(
            endpoint_url=self.moto_url, table_name=self.table_name, mapping=mapping,
            invoke=lambda event: self._invoke_collecting(self.tell_handler)(
                event, LocalContext(function_name="TellFunction")),
            on_failure=self._tell_failed)
        # moto runs in this process: each write that lands in the stream wakes the mapping.
        self._stops.append(watch_moto_stream(ACCOUNT_ID, REGION, self.table_name,
                                             self.table_stream.written))
        self.table_stream.start()
        self._stops.append(self.table_stream.stop)
        worker = threading.Thread(target=self._deliver_forever, name="sns-to-notify", daemon=True)
        worker.start()
        self._stops.append(lambda: self._deliveries.put(None))
        # Lambda's Invoke API for the functions, by logical ID (the redrive command uses it).
        self.lambda_endpoint = LambdaEndpoint({
            self.notify_spec.logical_id: self._invoke_collecting(self.notify_handler),
            self.remind_spec.logical_id: self._invoke_collecting(self.remind_handler),
            self.decide_spec.logical_id: self._invoke_decide,
        }).start()
        self._stops.append(self.lambda_endpoint.stop)
        self._set_environment({"AWS_ENDPOINT_URL_LAMBDA": self.lambda_endpoint.url})

    def _invoke_collecting(self, handler: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
        """The handler, then the mails it sent collected (and written to the outbox)."""
        def invoke(event: Any, context: Any) -> Any:
            try:
                return handler(event, context)
            finally:
                self.collect_mails()
        return invoke

    def _start_identity_provider(self) -> None:
        """The provider, with Greenlight registered at {api_url}/auth/callback, and its client
        secret in Secrets Manager where the decide function reads it."""
        provider = LocalOpenIDProvider(redirect_uris=[f"{self.api_url}/auth/callback"])
        provider.start()
        self._stops.append(provider.stop)
        self.identity_provider = provider
        arn = boto3.client("secretsmanager").create_secret(
            Name=OIDC_SECRET_NAME + self._suffix, SecretString=provider.client_secret)["ARN"]
        self.parameters = self.parameters | {
            "OidcIssuer": provider.issuer, "OidcClientId": provider.client_id,
            "OidcClientSecretArn": arn}

    def _start_slack(self) -> None:
        """The Slack stand-in, its bot token and signing secret in Secrets Manager where the
        functions read them, and the template's Slack parameters pointing at both."""
        signing_secret = token_hex(16)
        server = SlackServer(Workspace(), request_url=f"{self.api_url}/slack/interactions",
                             signing_secret=signing_secret).start()
        self._stops.append(server.stop)
        self.slack_server = server
        secrets = boto3.client("secretsmanager")
        token_arn = secrets.create_secret(Name=SLACK_TOKEN_NAME + self._suffix,
                                          SecretString=server.workspace.bot_token)["ARN"]
        signing_arn = secrets.create_secret(Name=SLACK_SIGNING_NAME + self._suffix,
                                            SecretString=signing_secret)["ARN"]
        self.parameters = self.parameters | {
            "SlackBotTokenArn": token_arn, "SlackSigningSecretArn": signing_arn,
            "SlackApiUrl": server.api_url}

    @property
    def slack_interactions(self) -> Interactions:
        """The stand-in's way to click and submit as a Slack user would."""
        assert self.slack_server is not None and self.slack_server.interactions is not None
        return self.slack_server.interactions

    def _load_handler(self, spec: FunctionSpec) -> Callable[[dict[str, Any], Any], Any]:
        """The function's handler. A module binds its settings and clients at import, as in a
        Lambda container; when another stack in this process already imported it, this stack
        gets a copy of its own, as a second container would."""
        module_name, _, attribute = spec.handler.rpartition(".")
        loaded = sys.modules.get(module_name)
        if loaded is None or loaded.__file__ is None:
            return spec.load_handler()
        name = f"{module_name}_stack{self.instance}"
        found = importlib.util.spec_from_file_location(name, loaded.__file__)
        assert found is not None and found.loader is not None
        module = importlib.util.module_from_spec(found)
        sys.modules[name] = module
        self._stops.append(lambda: sys.modules.pop(name, None))
        found.loader.exec_module(module)
        return getattr(module, attribute)  # type: ignore[no-any-return]

    def _invoke_decide(self, event: dict[str, Any], context: Any) -> Any:
        # One execution environment: Lambda hands it one request at a time, and Powertools'
        # resolver keeps the current request at class level, so requests queue here.
        with self._decide_environment:
            return self.decide_handler(event, context)

    def clear_caches(self) -> None:
        """Forget cached secrets in every loaded function, as a fresh container would."""
        for handler in (self.notify_handler, self.remind_handler, self.decide_handler,
                        self.tell_handler):
            sys.modules[handler.__module__].secrets.clear_cache()
        # The sign-in provider's metadata and keys, cached at the first sign-in.
        provider = getattr(sys.modules[self.decide_handler.__module__], "provider", None)
        if provider is not None:
            provider.cache_clear()

    def _next_token(self) -> str:
        return self.preset_tokens.popleft() if self.preset_tokens else str(uuid.uuid4())

    def stop(self) -> None:
        while self._stops:
            try:
                self._stops.pop()()
            except Exception:
                log.exception("stopping a local service failed")
        for name, value in self._saved_environment.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved_environment.clear()

    def _set_environment(self, values: dict[str, str]) -> None:
        for name, value in values.items():
            self._saved_environment.setdefault(name, os.environ.get(name))
            os.environ[name] = value

    def _function_environment(self, spec: FunctionSpec, names: dict[str, str]) -> dict[str, str]:
        """The template's variables for a function; the stack's own settings win."""
        overrides = QUIET_ENVIRONMENT | self.extra_environment
        env = {}
        for name, value in spec.environment.items():
            if name == "APPROVAL_API_URL":
                env[name] = self.api_url
            elif name not in overrides:
                env[name] = resolve(value, names)
        return env

    def _create_resources(self) -> None:
        from moto.ses.models import ses_backends


        suffix = self._suffix
        ses = boto3.client("sesv2")
        try:
            ses.create_email_identity(EmailIdentity=self.parameters["SenderEmail"])
        except ClientError as error:  # an earlier stack in this process verified it
            if error.response.get("Error", {}).get("Code") != "AlreadyExistsException":
                raise
        # Mails an earlier stack in this process sent are not this stack's.
        self._seen_messages = len(ses_backends[ACCOUNT_ID][REGION].sent_messages)
        secrets = boto3.client("secretsmanager")
        self.secret_arn = secrets.create_secret(Name=SECRET_NAME + suffix,
                                                SecretString=LOCAL_SIGNING_KEY)["ARN"]
        self.vote_secret_arn = secrets.create_secret(Name=VOTE_SECRET_NAME + suffix,
                                                     SecretString=LOCAL_VOTE_KEY)["ARN"]
        sns = boto3.client("sns")
        self.topic_arn = sns.create_topic(Name=TOPIC_NAME + suffix)["TopicArn"]
        sqs = boto3.client("sqs")
        self.dead_letter_queue_url = sqs.create_queue(
            QueueName=DEAD_LETTER_QUEUE + suffix)["QueueUrl"]
        self.tell_failure_queue_url = sqs.create_queue(
            QueueName=TELL_FAILURE_QUEUE + suffix)["QueueUrl"]
        self.table_name = TABLE_NAME + suffix
        stream = self.template["Resources"]["ApprovalsTable"]["Properties"]["StreamSpecification"]
        boto3.client("dynamodb").create_table(
            TableName=self.table_name, **table_definition(self.template, "ApprovalsTable"),
            StreamSpecification={"StreamEnabled": True,
                                 "StreamViewType": stream["StreamViewType"]})

    def codepipeline_as(self, principal_arn: str) -> Any:
        """A CodePipeline client whose calls the stand-in records as `principal_arn`'s: it
        starts runs and answers approvals as that person or role would with their own keys."""
        access_key_id = "AKIA" + token_hex(8).upper()
        self.codepipeline_server.admit(access_key_id, principal_arn)
        return boto3.client("codepipeline", region_name=REGION,
                            endpoint_url=self.codepipeline_server.endpoint_url,
                            aws_access_key_id=access_key_id,
                            aws_secret_access_key=token_urlsafe(30))

    @property
    def table(self) -> Any:
        """The approvals table, as a boto3 Table resource."""
        return boto3.resource("dynamodb").Table(self.table_name)

    def invoke_remind(self) -> Any:
        """Run the scheduled function once, as its schedule would."""
        event = {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event",
                 "source": "aws.events", "account": ACCOUNT_ID, "region": REGION,
                 "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                 "resources": [f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/greenlight-remind"],
                 "detail": {}}
        result = self.remind_handler(event, LocalContext(function_name="RemindFunction"))
        self.collect_mails()
        return result

    # --- pipelines ---

    def load_pipeline(self, path: Path | str) -> str:
        """Create or update a pipeline from an `update-pipeline --cli-input-json` file."""
        document = json.loads(Path(path).read_text(encoding="utf-8"))
        declaration = document.get("pipeline", document)
        self._point_notifications_here(declaration)
        self.engine.update_pipeline(declaration)
        return str(declaration["name"])

    def _point_notifications_here(self, declaration: dict[str, Any]) -> None:
        for stage in declaration.get("stages", []):
            for action in stage.get("actions", []):
                configuration = action.get("configuration") or {}
                if "NotificationArn" in configuration:
                    configuration["NotificationArn"] = self.topic_arn

    # --- SNS to the notify function, as Lambda's asynchronous invocation does it ---

    def _publish(self, topic_arn: str, message: str) -> None:
        with self._idle:
            self._pending_deliveries += 1
        self._deliveries.put(json.dumps({"topic": topic_arn, "message": message}))

    def publish(self, message: str, topic_arn: str | None = None) -> None:
        """Publish a message to the approval topic, as CodePipeline would."""
        self._publish(topic_arn or self.topic_arn, message)

    def _deliver_forever(self) -> None:
        while (item := self._deliveries.get()) is not None:
            delivery = json.loads(item)
            try:
                self._deliver(delivery["topic"], delivery["message"])
            finally:
                with self._idle:
                    self._pending_deliveries -= 1
                    self._idle.notify_all()

    def _deliver(self, topic_arn: str, message: str) -> None:
        subject = approval_subject(message)
        boto3.client("sns").publish(TopicArn=topic_arn, Message=message,
                                    **({"Subject": subject} if subject else {}))
        if not self.deliver_approvals:
            return
        event = sns_event(topic_arn, message, subject)
        self.invoke_notify(event)

    def invoke_notify(self, event: dict[str, Any]) -> Any:
        """Invoke the notify function with retries, then the dead-letter queue, as Lambda does."""
        for attempt in range(ASYNC_RETRIES + 1):
            try:
                result = self.notify_handler(event, LocalContext(function_name="NotifyFunction"))
                self.collect_mails()
                return result
            except Exception as error:
                self.collect_mails()
                log.warning("notify failed (attempt %d): %s", attempt + 1, type(error).__name__)
                if attempt == ASYNC_RETRIES:
                    self.notify_errors.append(error)
                    boto3.client("sqs").send_message(QueueUrl=self.dead_letter_queue_url,
                                                     MessageBody=json.dumps(event))
        return None

    def _tell_failed(self, event: dict[str, Any]) -> None:
        """The mapping's on-failure destination: what Lambda sends is the batch's place in
        the stream, not its records."""
        records = event.get("Records", [])
        boto3.client("sqs", endpoint_url=self.moto_url).send_message(
            QueueUrl=self.tell_failure_queue_url, MessageBody=json.dumps({
                "DDBStreamBatchInfo": {
                    "streamArn": self.table_stream.stream_arn, "batchSize": len(records),
                    "startSequenceNumber": records[0]["dynamodb"].get("SequenceNumber"),
                    "endSequenceNumber": records[-1]["dynamodb"].get("SequenceNumber")}}))

    def wait_for_outcomes(self, timeout: float = 30.0) -> bool:
        """Block until the tell function has handled every change written to the table so
        far (the outcome mails of every request closed by then)."""
        return self.table_stream.wait_until_idle(timeout)

    def wait_for_deliveries(self, timeout: float = 30.0) -> bool:
        """Block until every message CodePipeline has queued so far has been published and
        handed to the notify function."""
        deadline = time.monotonic() + timeout
        if not self.engine.wait_until_published(timeout):
            return False
        with self._idle:
            return self._idle.wait_for(lambda: self._pending_deliveries == 0,
                                       max(0.0, deadline - time.monotonic()))

    def dead_letters(self) -> list[dict[str, Any]]:
        """Take every message now in the dead-letter queue out of it (receive and delete).

        Messages are consumed, not only read: a message merely received would come back after
        the queue's visibility timeout and be counted again by whoever reads next.
        """
        sqs = boto3.client("sqs")
        taken: list[dict[str, Any]] = []
        for _ in range(100):  # at most 1000 messages; the queue is drained long before
            messages = sqs.receive_message(QueueUrl=self.dead_letter_queue_url,
                                           MaxNumberOfMessages=10).get("Messages", [])
            if not messages:
                break
            sqs.delete_message_batch(QueueUrl=self.dead_letter_queue_url, Entries=[
                {"Id": str(index), "ReceiptHandle": m["ReceiptHandle"]}
                for index, m in enumerate(messages)])
            taken.extend(json.loads(m["Body"]) for m in messages)
        return taken

    # --- mail ---

    def collect_mails(self) -> list[Mail]:
        """New mails SES accepted since the last call, also written to the outbox."""
        from moto.ses.models import ses_backends

        with self._mail_lock:
            sent = list(ses_backends[ACCOUNT_ID][REGION].sent_messages)
            fresh = []
            for message in sent[self._seen_messages:]:
                raw = getattr(message, "raw_data", None)
                if raw is None:
                    continue
                mail = _parse_mail(raw)
                self.mails.append(mail)
                if self.outbox is not None:
                    self._write_outbox(mail, len(self.mails))
                fresh.append(mail)
            self._seen_messages = len(sent)
        for mail in fresh:
            if self.on_mail:
                self.on_mail(mail)
        return fresh

    def _write_outbox(self, mail: Mail, number: int) -> None:
        assert self.outbox is not None
        self.outbox.mkdir(parents=True, exist_ok=True)
        who = re.sub(r"[^a-z0-9]+", "-", mail.recipient.split("@")[0].lower()).strip("-")
        stem = self.outbox / f"{number:03d}-{who}"
        eml, html = stem.with_suffix(".eml"), stem.with_suffix(".html")
        eml.write_text(mail.raw, encoding="utf-8")
        html.write_text(mail.html, encoding="utf-8")
        mail.paths = [html, eml]
