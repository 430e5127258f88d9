"""Lambda handler: the pages behind approval links, and the votes and decisions they submit."""

from __future__ import annotations

import logging
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
from greenlight.review import (
    MAX_COMMENT,
    BadForm,
    ForeignForm,
    check_fetch_site,
    check_form_token,
    issue_form_token,
    read_form,
)
from greenlight.store import (
    AlreadyVoted,
    NotAnApprover,
    RequestClosed,
    RequestRecord,
    SelfApproval,
)
from greenlight.voting import RequesterNotRecorded, UnknownRequest, review, vote

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
# Debug mode would print each event, and the route's arguments hold the link.
app = APIGatewayRestResolver(debug=False)
# Their debug lines repeat route arguments and request parameters (the link, the approval
# token): whatever level the function logs at, those lines stay out of the log.
for library in ("aws_lambda_powertools", "botocore", "boto3", "urllib3", "aws_xray_sdk"):
    logging.getLogger(library).setLevel(logging.INFO)


def respond(page: Page) -> Response:
    headers = dict(templates.security_headers) | page.headers
    body = "" if app.current_event.http_method == "HEAD" else page.body
    return Response(page.status, "text/html; charset=utf-8", body, headers)


def tell(record: RequestRecord) -> None:
    """Outcome mails, when this function may send them."""
    if table is not None and sesv2 is not None and settings.sender_email:
        tell_outcome(record, table=table, sesv2=sesv2, sender=settings.sender_email,
                     templates=templates, now=datetime.now(UTC))


def vote_keys() -> list[str]:
    """The keys of the votes' MACs; none without a table, where no vote is kept."""
    if table is None or not settings.vote_signing_secret_arn:
        return []
    return signing_keys(secrets.get(settings.vote_signing_secret_arn, max_age=SECRET_MAX_AGE))


def count_forged(record: RequestRecord | None) -> None:
    if record is not None and record.forged:
        metrics.add_metric(name="ForgedVoteIgnored", unit=MetricUnit.Count,
                           value=len(record.forged))


def verified_link(link: str) -> tuple[LinkClaims, list[str]]:
    """The link's claims, and the keys that verified it (they sign the form token too)."""
    keys = signing_keys(secrets.get(settings.signing_secret_arn, max_age=SECRET_MAX_AGE))
    claims = read_link(link, keys, datetime.now(UTC))
    app.append_context(claims=claims)  # for the pages of the exception handlers
    logger.append_keys(pipeline=claims.pipeline, stage=claims.stage, action=claims.action,
                       decision=claims.decision.value)
    return claims, keys


def review_page(link: str, claims: LinkClaims, keys: list[str], record: RequestRecord | None,
                error: str | None = None, status: int = 200) -> Page:
    form_token = issue_form_token(link, claims.decision, keys, datetime.now(UTC))
    html = templates.page("pages/review.html.j2", claims=claims, record=record,
                          comment="", error=error, max_comment=MAX_COMMENT,
                          form_token=form_token,
                          needs_reason=record.reject_needs_reason if record else True)
    return Page(status, html)


@app.get(LINK_ROUTE)
def show(link: str) -> Response:
    claims, keys = verified_link(link)
    record = review(claims, codepipeline=codepipeline, table=table, now=datetime.now(UTC),
                    tell=tell, vote_keys=vote_keys())
    count_forged(record)
    metrics.add_metric(name="ReviewPageShown", unit=MetricUnit.Count, value=1)
    return respond(review_page(link, claims, keys, record))


@app.head(LINK_ROUTE)
def peek(link: str) -> Response:
    # Mail scanners probe links with HEAD: answer from the signature alone, call nothing.
    verified_link(link)
    metrics.add_metric(name="LinkProbed", unit=MetricUnit.Count, value=1)
    return respond(Page(200, ""))


@app.post(LINK_ROUTE)
def submit(link: str) -> Response:
    claims, keys = verified_link(link)
    event = app.current_event
    try:
        # Only the review page's own form decides: same origin, with the token it issued.
        check_fetch_site(event.headers.get("sec-fetch-site"))
        form = read_form(event.body, bool(event.is_base64_encoded),
                         event.headers.get("content-type"))
        check_form_token(form.form_token, link, claims.decision, keys, datetime.now(UTC))
        identity = event.request_context.identity
        result = vote(claims, form.comment, codepipeline=codepipeline, table=table,
                      now=datetime.now(UTC), tell=tell, vote_keys=vote_keys(),
                      source_ip=identity.source_ip,
                      user_agent=(identity.user_agent or "")[:200] or None)
        count_forged(result.record)
    except ForeignForm as problem:
        metrics.add_metric(name="ForeignFormRefused", unit=MetricUnit.Count, value=1)
        logger.info("form refused", extra={"reason": problem.reason})
        return respond(review_page(link, claims, keys, None, problem.message, problem.status))
    except BadForm as problem:
        metrics.add_metric(name="FormRejected", unit=MetricUnit.Count, value=1)
        return respond(review_page(link, claims, keys, None, problem.message, problem.status))
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


@app.exception_handler(NotAnApprover)
def not_an_approver(error: NotAnApprover) -> Response:
    metrics.add_metric(name="NotAnApproverRefused", unit=MetricUnit.Count, value=1)
    logger.info("vote by someone not on the request refused")
    return respond(problem_page(templates, "not-approver", record=error.record))


@app.exception_handler(RequesterNotRecorded)
def requester_not_recorded(_: RequesterNotRecorded) -> Response:
    metrics.add_metric(name="SelfApprovalRefused", unit=MetricUnit.Count, value=1)
    logger.info("approval refused: the link does not say who asked for the run")
    return respond(problem_page(templates, "requester-not-recorded"))


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
                              log_event=False, clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
