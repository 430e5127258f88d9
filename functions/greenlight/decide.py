"""Lambda handler: the pages behind approval links, and the decisions they submit."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parameters import SecretsProvider
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import BotoCoreError, ClientError

from greenlight.aws import client
from greenlight.config import DecideSettings
from greenlight.links import LinkClaims, LinkExpired, LinkInvalid, read_link, signing_keys
from greenlight.pages import Page, problem_page
from greenlight.pipeline import NotPending, find_pending
from greenlight.rendering import Templates
from greenlight.review import MAX_COMMENT, BadForm, check_comment, decide, read_comment

SECRET_MAX_AGE = 300
LINK_ROUTE = "/approvals/<link>"

settings = DecideSettings.from_env()
codepipeline = client("codepipeline")
secrets = SecretsProvider(boto3_client=client("secretsmanager"))
templates = Templates()
logger = Logger(service="greenlight")
metrics = Metrics(namespace="Greenlight", service="greenlight")
tracer = Tracer(service="greenlight")
app = APIGatewayRestResolver()


def respond(page: Page) -> Response:
    headers = dict(templates.security_headers) | page.headers
    body = "" if app.current_event.http_method == "HEAD" else page.body
    return Response(page.status, "text/html; charset=utf-8", body, headers)


def verified_link(link: str) -> LinkClaims:
    keys = signing_keys(secrets.get(settings.signing_secret_arn, max_age=SECRET_MAX_AGE))
    claims = read_link(link, keys, datetime.now(UTC))
    logger.append_keys(pipeline=claims.pipeline, stage=claims.stage, action=claims.action,
                       decision=claims.decision.value)
    return claims


def review_page(claims: LinkClaims, comment: str = "", error: str | None = None,
                status: int = 200) -> Page:
    html = templates.page("pages/review.html.j2", claims=claims, comment=comment, error=error,
                          max_comment=MAX_COMMENT)
    return Page(status, html)


@app.get(LINK_ROUTE)
def show(link: str) -> Response:
    claims = verified_link(link)
    find_pending(codepipeline, claims)
    metrics.add_metric(name="ReviewPageShown", unit=MetricUnit.Count, value=1)
    return respond(review_page(claims))


@app.head(LINK_ROUTE)
def peek(link: str) -> Response:
    # Mail scanners probe links with HEAD: answer from the signature alone, call nothing.
    verified_link(link)
    return respond(Page(200, ""))


@app.post(LINK_ROUTE)
def submit(link: str) -> Response:
    claims = verified_link(link)
    event = app.current_event
    try:
        comment = read_comment(event.body, event.is_base64_encoded,
                               event.headers.get("content-type"))
        check_comment(claims.decision, comment)
    except BadForm as problem:
        metrics.add_metric(name="FormRejected", unit=MetricUnit.Count, value=1)
        return respond(review_page(claims, "", problem.message, problem.status))
    made = decide(claims, comment, codepipeline)
    metrics.add_metric(name=f"Approval{claims.decision.past_tense}", unit=MetricUnit.Count, value=1)
    logger.info("decision submitted")
    html = templates.page("pages/result.html.j2", claims=made.claims, summary=made.summary)
    return respond(Page(200, html))


@app.route(LINK_ROUTE, method=["PUT", "PATCH", "DELETE", "OPTIONS"])
def wrong_method(link: str) -> Response:
    return respond(problem_page(templates, "method"))


@app.not_found
def not_found(_: Exception) -> Response:
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
    return respond(problem_page(templates, "not-pending", outcome=error.outcome))


@app.exception_handler(BadForm)
def bad_form(error: BadForm) -> Response:
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
