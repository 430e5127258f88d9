"""Lambda handler: the pages behind approval links, and the votes and decisions they submit."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parameters import SecretsProvider
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import BotoCoreError, ClientError

from greenlight.aws import INTERACTIVE_CONFIG, client
from greenlight.config import DecideSettings
from greenlight.links import LinkClaims, LinkExpired, LinkInvalid, read_link, signing_keys
from greenlight.notices import tell_outcome
from greenlight.pages import Page, problem_page
from greenlight.pipeline import NotPending
from greenlight.rendering import Templates
from greenlight.review import MAX_COMMENT, BadForm, read_comment
from greenlight.store import AlreadyVoted, RequestClosed, RequestRecord, SelfApproval
from greenlight.voting import UnknownRequest, review, vote

SECRET_MAX_AGE = 300
LINK_ROUTE = "/approvals/<link>"

settings = DecideSettings.from_env()
codepipeline = client("codepipeline", INTERACTIVE_CONFIG)
secrets = SecretsProvider(boto3_client=client("secretsmanager", INTERACTIVE_CONFIG))
table = (boto3.resource("dynamodb", config=INTERACTIVE_CONFIG).Table(settings.approvals_table)
         if settings.approvals_table else None)
sesv2 = client("sesv2", INTERACTIVE_CONFIG) if settings.sender_email else None
templates = Templates()
logger = Logger(service="greenlight")
metrics = Metrics(namespace="Greenlight", service="greenlight")
tracer = Tracer(service="greenlight")
app = APIGatewayRestResolver()


def respond(page: Page) -> Response:
    headers = dict(templates.security_headers) | page.headers
    body = "" if app.current_event.http_method == "HEAD" else page.body
    return Response(page.status, "text/html; charset=utf-8", body, headers)


def tell(record: RequestRecord) -> None:
    """Outcome mails, when this function may send them."""
    if table is not None and sesv2 is not None and settings.sender_email:
        tell_outcome(record, table=table, sesv2=sesv2, sender=settings.sender_email,
                     templates=templates, now=datetime.now(UTC))


def verified_link(link: str) -> LinkClaims:
    keys = signing_keys(secrets.get(settings.signing_secret_arn, max_age=SECRET_MAX_AGE))
    claims = read_link(link, keys, datetime.now(UTC))
    app.append_context(claims=claims)  # for the pages of the exception handlers
    logger.append_keys(pipeline=claims.pipeline, stage=claims.stage, action=claims.action,
                       decision=claims.decision.value)
    return claims


def review_page(claims: LinkClaims, record: RequestRecord | None, comment: str = "",
                error: str | None = None, status: int = 200) -> Page:
    html = templates.page("pages/review.html.j2", claims=claims, record=record,
                          comment=comment, error=error, max_comment=MAX_COMMENT,
                          needs_reason=record.reject_needs_reason if record else True)
    return Page(status, html)


@app.get(LINK_ROUTE)
def show(link: str) -> Response:
    claims = verified_link(link)
    record = review(claims, codepipeline=codepipeline, table=table, now=datetime.now(UTC),
                    tell=tell)
    metrics.add_metric(name="ReviewPageShown", unit=MetricUnit.Count, value=1)
    return respond(review_page(claims, record))


@app.head(LINK_ROUTE)
def peek(link: str) -> Response:
    # Mail scanners probe links with HEAD: answer from the signature alone, call nothing.
    verified_link(link)
    metrics.add_metric(name="LinkProbed", unit=MetricUnit.Count, value=1)
    return respond(Page(200, ""))


@app.post(LINK_ROUTE)
def submit(link: str) -> Response:
    claims = verified_link(link)
    event = app.current_event
    try:
        comment = read_comment(event.body, bool(event.is_base64_encoded),
                               event.headers.get("content-type"))
        identity = event.request_context.identity
        result = vote(claims, comment, codepipeline=codepipeline, table=table,
                      now=datetime.now(UTC), tell=tell, source_ip=identity.source_ip,
                      user_agent=(identity.user_agent or "")[:200] or None)
    except BadForm as problem:
        metrics.add_metric(name="FormRejected", unit=MetricUnit.Count, value=1)
        return respond(review_page(claims, None, "", problem.message, problem.status))
    if result.decided:
        metrics.add_metric(name=f"Approval{claims.decision.past_tense}", unit=MetricUnit.Count,
                           value=1)
        logger.info("decision submitted")
    else:
        metrics.add_metric(name="VoteRecorded", unit=MetricUnit.Count, value=1)
        logger.info("vote recorded")
    html = templates.page("pages/result.html.j2", claims=claims, record=result.record,
                          decided=result.decided, summary=result.summary)
    return respond(Page(200, html))


@app.route(LINK_ROUTE, method=["PUT", "PATCH", "DELETE", "OPTIONS"])
def wrong_method(link: str) -> Response:
    metrics.add_metric(name="MethodNotAllowed", unit=MetricUnit.Count, value=1)
    return respond(problem_page(templates, "method"))


@app.not_found
def not_found(_: Exception) -> Response:
    metrics.add_metric(name="PageNotFound", unit=MetricUnit.Count, value=1)
    return respond(problem_page(templates, "not-found"))


@app.exception_handler(LinkInvalid)
def invalid_link(_: LinkInvalid) -> Response:
    metrics.add_metric(name="LinkRejected", unit=MetricUnit.Count, value=1)
    logger.info("link refused", extra={"reason": "invalid"})
    return respond(problem_page(templates, "invalid"))


@app.exception_handler(LinkExpired)
def expired_link(error: LinkExpired) -> Response:
    metrics.add_metric(name="LinkExpired", unit=MetricUnit.Count, value=1)
    logger.info("link refused", extra={"reason": "expired"})
    return respond(problem_page(templates, "expired", claims=error.claims))


@app.exception_handler(NotPending)
def not_pending(error: NotPending) -> Response:
    metrics.add_metric(name="ApprovalNotPending", unit=MetricUnit.Count, value=1)
    logger.info("approval no longer pending", extra={"reason": error.outcome.reason})
    return respond(problem_page(templates, "not-pending", outcome=error.outcome,
                                claims=app.context.get("claims")))


@app.exception_handler(RequestClosed)
def closed(error: RequestClosed) -> Response:
    metrics.add_metric(name="ApprovalNotPending", unit=MetricUnit.Count, value=1)
    return respond(problem_page(templates, "closed", record=error.record,
                                claims=app.context.get("claims")))


@app.exception_handler(AlreadyVoted)
def already_voted(error: AlreadyVoted) -> Response:
    metrics.add_metric(name="AlreadyVoted", unit=MetricUnit.Count, value=1)
    # Showing the vote is an answer, not an error; a second vote by POST is a conflict.
    status = 409 if app.current_event.http_method == "POST" else 200
    return respond(problem_page(templates, "voted", status=status, record=error.record))


@app.exception_handler(SelfApproval)
def self_approval(error: SelfApproval) -> Response:
    metrics.add_metric(name="SelfApprovalRefused", unit=MetricUnit.Count, value=1)
    logger.info("self-approval refused")
    return respond(problem_page(templates, "self", record=error.record))


@app.exception_handler(UnknownRequest)
def unknown_request(_: UnknownRequest) -> Response:
    metrics.add_metric(name="UnknownRequest", unit=MetricUnit.Count, value=1)
    return respond(problem_page(templates, "unknown"))


@app.exception_handler(BadForm)
def bad_form(error: BadForm) -> Response:
    metrics.add_metric(name="FormRejected", unit=MetricUnit.Count, value=1)
    return respond(problem_page(templates, "bad-form", status=error.status, message=error.message))


@app.exception_handler([ClientError, BotoCoreError, GetParameterError])
def aws_unavailable(error: Exception) -> Response:
    code = error.response.get("Error", {}).get("Code") if isinstance(error, ClientError) else None
    metrics.add_metric(name="DependencyFailed", unit=MetricUnit.Count, value=1)
    logger.error("aws call failed", extra={"error_type": type(error).__name__, "code": code})
    return respond(problem_page(templates, "unavailable"))


@app.exception_handler(Exception)
def unexpected(error: Exception) -> Response:
    # A fault of ours, not of the request: say so, and keep the traceback out of the page.
    logger.exception("unexpected error", extra={"error_type": type(error).__name__})
    metrics.add_metric(name="UnexpectedError", unit=MetricUnit.Count, value=1)
    return respond(problem_page(templates, "internal"))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST,
                              clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
