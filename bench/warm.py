"""Warm invocations in this process, every AWS call answered by an instant stand-in: the time
Greenlight itself spends per request, and the AWS calls it makes."""

from __future__ import annotations

import contextlib
import email
import email.policy
import importlib
import json
import os
import re
import statistics
import sys
import time
import uuid
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

from aws_lambda_powertools.utilities.parameters import SecretsProvider

from bench.environment import FUNCTIONS_DIR, SIGNING_KEY, function_environment, function_specs
from bench.fakes import (
    ACTION,
    PIPELINE,
    STAGE,
    Calls,
    FakeCodePipeline,
    FakeSecretsClient,
    FakeSes,
    FakeTable,
    copied,
)
from local.apigateway import proxy_event
from local.lambda_context import LocalContext
from local.offline import sns_event

STAGE_PATH = "/Prod"
WARM_UP = 50
# Warm requests are timed in batches: other processes on the machine only ever add time, so
# the quietest batch's p50 is the one judged (timeit's reasoning), the p50 of all beside it.
# The three requests take their batches in turn, so a slow spell falls on all three alike
# rather than on every batch of one.
BATCHES = 10
BATCH_RUNS = 100
APPROVER_COUNTS = (1, 10, 100, 1000)
TWO_APPROVALS = json.dumps({"rules": [{
    "name": "two approvals", "match": {"pipeline": "*", "stage": "*", "action": "*"},
    "approvers": ["approver@example.com", "second@example.com"], "min_approvals": 2}]})
TOPIC = "arn:aws:sns:eu-west-1:123456789012:greenlight-ApprovalTopic-1ABCDEFGHIJ"


@dataclass(frozen=True)
class Timing:
    p50_ms: float  # the quietest batch's p50
    p99_ms: float  # of every run
    runs: int
    p50_all_ms: float  # of every run
    batches: int = 1

    @classmethod
    def of(cls, samples: list[float]) -> Timing:
        return cls.of_batches([samples])

    @classmethod
    def of_batches(cls, batches: list[list[float]]) -> Timing:
        ordered = sorted(sample for batch in batches for sample in batch)
        p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
        quietest = min(statistics.median(batch) for batch in batches)
        return cls(quietest * 1000, p99 * 1000, len(ordered), statistics.median(ordered) * 1000,
                   len(batches))


@dataclass(frozen=True)
class WarmResults:
    page: Timing
    vote: Timing  # a vote that does not decide (a rule needing two approvals)
    decision: Timing
    notify: dict[int, Timing]  # approvers -> time of one message
    render_and_sign_ms: float  # per approver: both links signed, text and HTML rendered
    mime_ms: float  # per mail: the raw MIME message SendEmail carries
    calls_per_page: Counter[str]
    calls_per_vote: Counter[str]
    calls_per_decision: Counter[str]
    calls_per_message: dict[int, Counter[str]]
    secret_reads: dict[str, int]  # function -> GetSecretValue calls over the whole run
    invocations: dict[str, int]
    first_response: FirstResponseScenario


@dataclass(frozen=True)
class FirstResponseScenario:
    """What a fresh decide process needs to serve the bench's review page on its own: the
    GET event, and AWS's answers to its calls (as JSON bodies, by operation)."""

    event: dict[str, Any]
    answers: dict[str, str]


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()
    raise TypeError(type(value).__name__)


def scenario(get: dict[str, Any], item: dict[str, Any], codepipeline: FakeCodePipeline,
             secret: str) -> FirstResponseScenario:
    from boto3.dynamodb.types import TypeSerializer

    serializer = TypeSerializer()
    answers = {
        "GetSecretValue": json.dumps({"ARN": "arn:aws:secretsmanager:eu-west-1:123456789012:"
                                             "secret:bench", "Name": "bench",
                                      "SecretString": secret}),
        "GetItem": json.dumps({"Item": {k: serializer.serialize(v) for k, v in item.items()}}),
        "GetPipelineState": json.dumps(codepipeline.get_pipeline_state(),
                                       default=_json_default),
    }
    return FirstResponseScenario(get, answers)


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Send the functions' log and metric lines to /dev/null: Lambda writes them, we time it."""
    sys.stdout.flush()
    saved, devnull = os.dup(1), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def load_functions() -> tuple[ModuleType, ModuleType]:
    """Import notify and decide as Lambda would, with the environment the template gives."""
    specs = function_specs()
    for module in ("greenlight.notify", "greenlight.decide"):
        os.environ.update(function_environment(specs[module]))
    if str(FUNCTIONS_DIR) not in sys.path:
        sys.path.insert(0, str(FUNCTIONS_DIR))
    return (importlib.import_module("greenlight.notify"),
            importlib.import_module("greenlight.decide"))


def approval_message(token: str) -> str:
    return json.dumps({
        "region": "eu-west-1",
        "consoleLink": "https://console.aws.amazon.com/codesuite/codepipeline/pipelines/"
                       f"{PIPELINE}/view?region=eu-west-1",
        "approval": {
            "pipelineName": PIPELINE, "stageName": STAGE, "actionName": ACTION,
            "token": token, "expires": "2099-12-31T23:59Z",
            "customData": "Release e417064 of acme/webapp from main to production.",
            "externalEntityLink": "https://github.com/acme/webapp/commit/e417064",
            "approvalReviewLink": "https://console.aws.amazon.com/codesuite/codepipeline/",
        },
    })


def links_in(raw: bytes) -> dict[str, str]:
    """The Approve and Reject links of a raw approval mail, by label."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    html = next(part.get_content() for part in message.walk()
                if part.get_content_type() == "text/html")
    return {label: url.rsplit("/", 1)[1]
            for url, label in re.findall(r'<a href="([^"]+)"[^>]*>(Approve|Reject)</a>', html)}


def expect_page(response: dict[str, Any], what: str) -> None:
    """Timing a page that fails would time the wrong thing: stop instead."""
    if response.get("statusCode") != 200:
        raise RuntimeError(f"{what} answered {response.get('statusCode')}, not 200: "
                           f"{str(response.get('body'))[:300]}")


def review_get(link: str) -> dict[str, Any]:
    """The GET a browser sends when an approver opens a link."""
    return proxy_event("GET", f"{STAGE_PATH}/approvals/{link}", [("Accept", "text/html")], b"",
                       STAGE_PATH)


def form_post(link: str, page: str) -> dict[str, Any]:
    """The POST a browser sends from a review page: its form token comes back with the vote."""
    found = re.search(r'name="form_token" value="([^"]+)"', page)
    form_token = f"&form_token={found.group(1)}" if found else ""
    return proxy_event("POST", f"{STAGE_PATH}/approvals/{link}",
                       [("Content-Type", "application/x-www-form-urlencoded"),
                        ("Sec-Fetch-Site", "same-origin")],
                       f"comment=Ship+it{form_token}".encode(), STAGE_PATH)


@dataclass(frozen=True)
class Timed:
    """A request to time: `setup` puts the stand-ins in its state before each of its batches,
    `before` before each run."""

    call: Callable[[], Any]
    setup: Callable[[], None]
    before: Callable[[], None] | None = None


def interleaved(requests: dict[str, Timed]) -> dict[str, Timing]:
    """BATCHES batches of BATCH_RUNS runs of each request, the requests' batches in turn."""
    batches: dict[str, list[list[float]]] = {name: [] for name in requests}
    for _ in range(BATCHES):
        for name, request in requests.items():
            request.setup()
            batches[name].append(timed(request.call, BATCH_RUNS, request.before))
    return {name: Timing.of_batches(taken) for name, taken in batches.items()}


def timed(call: Callable[[], Any], runs: int,
          before: Callable[[], None] | None = None) -> list[float]:
    samples = []
    for _ in range(runs):
        if before is not None:
            before()
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


def per_mail_costs(notify: ModuleType, approvers: int = 100) -> tuple[float, float]:
    """Milliseconds per approver to sign and render a mail, and per mail to build its MIME."""
    from greenlight.announce import compose_for, ref_of
    from greenlight.approval import parse_approval_message
    from greenlight.links import ApprovalContext
    from greenlight.mail import to_mime

    request = parse_approval_message(approval_message(str(uuid.uuid4())))
    context = ApprovalContext(region=request.region, custom_data=request.custom_data,
                              external_entity_link=request.external_entity_link)
    recipients = tuple(f"approver{i:03d}@example.com" for i in range(approvers))

    def compose() -> list[Any]:
        return list(compose_for(ref_of(request), request.expires, context, None, recipients,
                                keys=[SIGNING_KEY], api_url=notify.settings.approval_api_url,
                                templates=notify.templates))

    mails = compose()
    now = datetime.now(UTC)
    render = statistics.median(timed(compose, 5)) / approvers
    mime = statistics.median(timed(lambda: [to_mime(mail, "greenlight@example.com", now)
                                            for mail in mails], 5)) / approvers
    return render * 1000, mime * 1000


def measure() -> WarmResults:
    notify, decide = load_functions()
    calls = Calls()
    codepipeline, table, ses = FakeCodePipeline(calls), FakeTable(calls), FakeSes(calls)
    secret_calls = {"notify": Calls(), "decide": Calls()}
    for name, module in (("notify", notify), ("decide", decide)):
        module.codepipeline = codepipeline  # type: ignore[attr-defined]
        module.table = table  # type: ignore[attr-defined]
        module.sesv2 = ses  # type: ignore[attr-defined]
        module.secrets = SecretsProvider(  # type: ignore[attr-defined]
            boto3_client=FakeSecretsClient(secret_calls[name], SIGNING_KEY))  # type: ignore[arg-type]
    invocations: Counter[str] = Counter()

    def run_notify(token: str) -> Any:
        invocations["notify"] += 1
        event = sns_event(TOPIC, approval_message(token), "APPROVAL NEEDED")
        return notify.handler(event, LocalContext(function_name="NotifyFunction"))

    def run_decide(event: dict[str, Any]) -> dict[str, Any]:
        invocations["decide"] += 1
        return dict(decide.handler(event, LocalContext(function_name="DecideFunction")))

    def prepared(event: dict[str, Any], items: dict[str, Any], what: str, *,
                 writes: bool) -> tuple[Counter[str], Timed]:
        """The AWS calls of one request and how to time it, on its request as `items` held
        it and the pipeline waiting with the token it has now; a request that `writes` (a
        vote) finds them so again before each run, so that every run votes afresh."""
        token = codepipeline.token

        def restore() -> None:
            codepipeline.token = token
            table.items = copied(items)

        each_run = restore if writes else None
        restore()
        expect_page(run_decide(event), what)
        timed(lambda: run_decide(event), WARM_UP, each_run)
        restore()
        calls.reset()
        run_decide(event)
        return Counter(calls.counter), Timed(lambda: run_decide(event), restore, each_run)

    with quiet():
        # One real announcement: the request record and the links come from Greenlight.
        codepipeline.token = str(uuid.uuid4())
        run_notify(codepipeline.token)
        links = links_in(ses.sent[0]["Content"]["Raw"]["Data"])
        waiting = copied(table.items)
        get = review_get(links["Approve"])
        page = run_decide(get)
        expect_page(page, "the review page")
        post = form_post(links["Approve"], str(page.get("body")))
        first_token = codepipeline.token

        first = scenario(get, next(iter(waiting.values())), codepipeline, SIGNING_KEY)
        calls_per_page, page_request = prepared(get, waiting, "the review page", writes=False)

        # A vote that does not decide: a request announced under a rule needing two
        # approvals (the request is sealed as announced, so it cannot be edited into one).
        default = notify.settings
        notify.settings = replace(default, policy_json=TWO_APPROVALS)  # type: ignore[attr-defined]
        table.items.clear()
        ses.sent.clear()
        codepipeline.token = str(uuid.uuid4())
        run_notify(codepipeline.token)
        notify.settings = default  # type: ignore[attr-defined]
        two = copied(table.items)
        two_links = links_in(next(mail["Content"]["Raw"]["Data"] for mail in ses.sent
                                  if b"approver@example.com" in mail["Content"]["Raw"]["Data"]))
        two_page = run_decide(review_get(two_links["Approve"]))
        expect_page(two_page, "the review page of the two-approval request")
        two_post = form_post(two_links["Approve"], str(two_page.get("body")))
        calls_per_vote, vote_request = prepared(two_post, two, "the vote", writes=True)

        codepipeline.token = first_token
        calls_per_decision, decision_request = prepared(post, waiting, "the decision",
                                                        writes=True)
        timings = interleaved({"page": page_request, "vote": vote_request,
                               "decision": decision_request})
        page, vote, decision = timings["page"], timings["vote"], timings["decision"]

        notify_times, calls_per_message = {}, {}
        for count in APPROVER_COUNTS:
            notify.settings = replace(default, approver_emails=tuple(  # type: ignore[attr-defined]
                f"approver{i:03d}@example.com" for i in range(count)))

            def fresh() -> None:
                codepipeline.token = str(uuid.uuid4())
                table.items.clear()
                ses.sent.clear()

            fresh()
            calls.reset()
            run_notify(codepipeline.token)
            calls_per_message[count] = Counter(calls.counter)
            runs = max(3, 400 // count)
            notify_times[count] = Timing.of(timed(lambda: run_notify(codepipeline.token), runs,
                                                  fresh))
        notify.settings = default  # type: ignore[attr-defined]
    render_and_sign, mime = per_mail_costs(notify)

    return WarmResults(page, vote, decision, notify_times, render_and_sign, mime,
                       calls_per_page, calls_per_vote, calls_per_decision,
                       calls_per_message,
                       {name: c.total() for name, c in secret_calls.items()},
                       dict(invocations), first)
