"""Lambda handler: the pages behind approval links, and the votes and decisions they submit."""

from __future__ import annotations

import base64
import functools
import json
import logging
import os
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parameters import SecretsProvider
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import BotoCoreError, ClientError

from greenlight.aws import INTERACTIVE_CONFIG, client
from greenlight.config import DecideSettings
from greenlight.links import Decision, LinkClaims, LinkExpired, LinkInvalid, read_link, signing_keys
from greenlight.pages import Page, problem_page, review_values
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
from greenlight.routes import ProxyRequest, Response, Router
from greenlight.sign_in_rule import SIGN_IN_OFF, SignInRule, sign_in_rule_from_record
from greenlight.signin_config import SignInSettings
from greenlight.slack_config import slack_settings_of
from greenlight.store import (
    AlreadyVoted,
    NotAnApprover,
    RequestClosed,
    RequestRecord,
    SelfApproval,
    get_request,
)
from greenlight.voting import (
    RequestAltered,
    RequesterNotRecorded,
    UnknownRequest,
    review,
    vote,
)

if TYPE_CHECKING:  # the sign-in modules (Authlib, cryptography) load only when a rule asks
    from greenlight.signin import MetadataCache, ProviderKeys
    from greenlight.signin_flow import CallbackResult, SignInGate, SignInRequired
    from greenlight.slack_sync import SlackAccess

SECRET_MAX_AGE = 300
LINK_ROUTE = "/approvals/<link>"
CALLBACK_ROUTE = "/auth/callback"
SLACK_ROUTE = "/slack/interactions"

settings = DecideSettings.from_env()
sign_in_settings = SignInSettings.from_env()
slack_settings = slack_settings_of(os.environ)
codepipeline = client("codepipeline", INTERACTIVE_CONFIG)
secrets = SecretsProvider(boto3_client=client("secretsmanager", INTERACTIVE_CONFIG))
table = (boto3.resource("dynamodb", config=INTERACTIVE_CONFIG).Table(settings.approvals_table)
         if settings.approvals_table else None)
templates = Templates().load()  # every request renders a page: load Jinja2 during init
logger = Logger(service="greenlight")
metrics = Metrics(namespace="Greenlight", service="greenlight")
app = Router()
# Their debug lines repeat request parameters (the approval token, secret values): whatever
# level the function logs at, those lines stay out of the log. Their threshold is only ever
# raised: where the log is quieter than INFO, their INFO lines stay out too.
for library in ("aws_lambda_powertools", "botocore", "boto3", "urllib3"):
    quieted = logging.getLogger(library)
    quieted.setLevel(max(logging.INFO, quieted.getEffectiveLevel()))


def utc_now() -> datetime:
    return datetime.now(UTC)


# The container's clock, like its clients: the offline stack hands in its own (time_offset).
clock: Callable[[], datetime] = utc_now


def respond(page: Page, extra_headers: dict[str, str | list[str]] | None = None) -> Response:
    headers: dict[str, str | list[str]] = {**templates.security_headers, **page.headers,
                                           **(extra_headers or {})}
    return Response(page.status, "text/html; charset=utf-8", page.body, headers)


def tell(record: RequestRecord) -> None:
    """A request this request closed. Its outcome mails go out after the response, from the
    table's stream (greenlight.tell; the sweep is the backstop), never from here."""
    refresh_slack(record)


def slack() -> SlackAccess | None:
    """Slack, when it is configured (and a table keeps its messages)."""
    if slack_settings is None or table is None:
        return None
    from greenlight.slack_sync import slack_access

    token = str(secrets.get(slack_settings.bot_token_arn, max_age=SECRET_MAX_AGE))
    keys = signing_keys(secrets.get(settings.signing_secret_arn, max_age=SECRET_MAX_AGE))
    return slack_access(slack_settings, token, keys)


def refresh_slack(record: RequestRecord | None) -> None:
    """The request's channel message shows its tally or outcome; a failure is counted, and
    the next vote or the sweep tries again."""
    access = slack() if record is not None else None
    if access is None or record is None:
        return
    from greenlight.slack_sync import refresh_slack_message

    failure = refresh_slack_message(record, slack=access, table=table, vote_keys=vote_keys(),
                                    now=clock())
    if failure is not None:
        metrics.add_metric(name="SlackCallFailed", unit=MetricUnit.Count, value=1)


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
    claims = read_link(link, keys, clock())
    app.append_context(claims=claims)  # for the pages of the exception handlers
    logger.append_keys(pipeline=claims.pipeline, stage=claims.stage, action=claims.action,
                       decision=claims.decision.value)
    return claims, keys


def review_page(link: str, claims: LinkClaims, keys: list[str], record: RequestRecord | None,
                error: str | None = None, status: int = 200) -> Page:
    form_token = issue_form_token(link, claims.decision, keys, clock())
    html = templates.page("pages/review.html.j2", claims=claims, record=record,
                          comment="", error=error, max_comment=MAX_COMMENT,
                          form_token=form_token, **review_values(claims, keys, record),
                          needs_reason=record.reject_needs_reason if record else True)
    return Page(status, html)


# Sign-in (OpenID Connect), for rules with `sign_in: "required"`


def sign_in_rule_of(record: RequestRecord | None) -> SignInRule:
    """The sign-in rule the request pinned; none without a record (no table)."""
    return sign_in_rule_from_record(record.sign_in) if record is not None else SIGN_IN_OFF


@functools.cache
def provider() -> tuple[MetadataCache, ProviderKeys, Any]:
    """The provider's metadata and keys, cached per container; made at the first sign-in."""
    from greenlight.oidc_http import ProviderHttp
    from greenlight.signin import MetadataCache
    from greenlight.signin_flow import provider_keys_for

    if sign_in_settings is None:
        raise RuntimeError("sign-in is not configured")
    http = ProviderHttp()
    metadata = MetadataCache(sign_in_settings.issuer, http)
    return metadata, provider_keys_for(metadata, http, clock), http


def callback_url() -> str:
    """The redirect URI: {APPROVAL_API_URL}/auth/callback, APPROVAL_API_URL when it is set,
    else the API's URL as API Gateway says this request reached it."""
    from greenlight.signin_flow import api_url_of_request, callback_url_for

    event = app.current_event
    api_url = sign_in_settings.api_url if sign_in_settings else None
    if api_url is None:
        context = event.request_context
        api_url = api_url_of_request(context.domain_name, event.headers.get("x-forwarded-proto"),
                                     context.path, event.path)
    if api_url is None:
        raise RuntimeError("the request does not say the API's URL; set APPROVAL_API_URL")
    return callback_url_for(api_url)


def request_cookies() -> str | None:
    from greenlight.signin_flow import cookie_header

    event = app.current_event
    return cookie_header(event.multi_value_headers or {
        name: [value] for name, value in (event.headers or {}).items()})


def sign_in_response(result: SignInGate | CallbackResult) -> Response:
    """A redirect (to the provider, or back to the link), or the page of a refused sign-in;
    with the cookies the flow sets or clears."""
    from greenlight.signin_flow import signin_problem_page

    if result.problem is None:
        metrics.add_metric(name="SignInRedirect", unit=MetricUnit.Count, value=1)
        return respond(Page(result.status, ""), result.headers)
    metrics.add_metric(name="SignInRefused", unit=MetricUnit.Count, value=1)
    status, html = signin_problem_page(templates, result.problem)
    return respond(Page(status, html), result.headers)


def gate(link: str, claims: LinkClaims, keys: list[str],
         record: RequestRecord | None) -> Response | None:
    """None when the review page may be shown; else the way to the provider or a problem."""
    rule = sign_in_rule_of(record)
    if not rule.required:
        return None
    from greenlight.signin_flow import gate_review

    metadata = provider()[0] if sign_in_settings is not None else None
    result = gate_review(link, claims.approver, rule, request_cookies(), keys=keys, now=clock(),
                         settings=sign_in_settings, metadata=metadata,  # type: ignore[arg-type]
                         callback_url=callback_url())
    return None if result.allowed else sign_in_response(result)


@app.get(CALLBACK_ROUTE)
def signed_in() -> Response:
    """The provider sends the approver back here: check who signed in, then back to the link."""
    from greenlight.identity import signed_in_approvers
    from greenlight.signin_flow import complete_callback, problem

    if sign_in_settings is None or table is None:
        return sign_in_response_for(problem("provider-misconfigured"))
    keys = signing_keys(secrets.get(settings.signing_secret_arn, max_age=SECRET_MAX_AGE))
    now = clock()
    pinned: dict[str, RequestRecord] = {}

    def rule_for_link(link: str) -> tuple[str, SignInRule]:
        # The link the state carries, verified again: its approver and its request's rule.
        claims = read_link(link, keys, now)
        record = get_request(table, claims.token_digest)
        if record is None:
            raise UnknownRequest
        pinned["record"] = record
        return claims.approver, sign_in_rule_of(record)

    def resolve_approver(identity: Any) -> set[str]:
        return signed_in_approvers(identity.issuer, identity.subject, identity.email,
                                   pinned["record"].sign_in_identities)

    metadata, provider_keys, http = provider()
    client_secret = (str(secrets.get(sign_in_settings.client_secret_arn,
                                     max_age=SECRET_MAX_AGE))
                     if sign_in_settings.client_secret_arn else None)
    result = complete_callback(
        app.current_event.query_string_parameters, request_cookies(), keys=keys, now=now,
        settings=sign_in_settings, metadata=metadata, provider_keys=provider_keys, http=http,
        client_secret=client_secret, callback_url=callback_url(),
        rule_for_link=rule_for_link, resolve_approver=resolve_approver)
    if result.signed_in:
        metrics.add_metric(name="SignedIn", unit=MetricUnit.Count, value=1)
    return sign_in_response(result)


def sign_in_response_for(found: Any) -> Response:
    from greenlight.signin_flow import signin_problem_page

    metrics.add_metric(name="SignInRefused", unit=MetricUnit.Count, value=1)
    status, html = signin_problem_page(templates, found)
    return respond(Page(status, html), dict(found.headers))


@app.get(LINK_ROUTE)
def show(link: str) -> Response:
    claims, keys = verified_link(link)
    record = review(claims, codepipeline=codepipeline, table=table, now=clock(),
                    tell=tell, vote_keys=vote_keys(), seal_keys=keys)
    count_forged(record)
    refused = gate(link, claims, keys, record)
    if refused is not None:
        return refused
    metrics.add_metric(name="ReviewPageShown", unit=MetricUnit.Count, value=1)
    return respond(review_page(link, claims, keys, record))


@app.head(LINK_ROUTE)
def peek(link: str) -> Response:
    # Mail scanners probe links with HEAD: answer from the signature alone, call nothing.
    verified_link(link)
    metrics.add_metric(name="LinkProbed", unit=MetricUnit.Count, value=1)
    return respond(Page(200, ""))


class SignInNeeded(Exception):
    """A vote under a sign-in rule came without a qualifying session."""

    def __init__(self, refusal: SignInRequired) -> None:
        super().__init__(refusal.reason)
        self.refusal = refusal


def signed_in_identity(claims: LinkClaims, keys: list[str],
                       record: RequestRecord | None) -> dict[str, Any] | None:
    """How the approver was verified, when their request's rule requires sign-in."""
    if table is None:
        return None
    rule = sign_in_rule_of(record)
    if not rule.required:
        return None
    from greenlight.signin_flow import SignInRequired, gate_vote, identity_record

    try:
        identity = gate_vote(claims.approver, rule, request_cookies(), keys=keys, now=clock())
    except SignInRequired as refusal:
        raise SignInNeeded(refusal) from None
    assert identity is not None
    return identity_record(identity)


@app.post(LINK_ROUTE)
def submit(link: str) -> Response:
    claims, keys = verified_link(link)
    event = app.current_event
    try:
        # Only the review page's own form decides: same origin, with the token it issued.
        check_fetch_site(event.headers.get("sec-fetch-site"))
        form = read_form(event.body, bool(event.is_base64_encoded),
                         event.headers.get("content-type"))
        check_form_token(form.form_token, link, claims.decision, keys, clock())
        # One read of the request serves the sign-in rule and the vote.
        found = get_request(table, claims.token_digest) if table is not None else None
        verified = signed_in_identity(claims, keys, found)
        identity = event.request_context.identity
        result = vote(claims, form.comment, codepipeline=codepipeline, table=table,
                      now=clock(), tell=tell, vote_keys=vote_keys(), seal_keys=keys,
                      source_ip=identity.source_ip,
                      user_agent=(identity.user_agent or "")[:200] or None,
                      identity=verified, found=found)
        count_forged(result.record)
    except ForeignForm as problem:
        metrics.add_metric(name="ForeignFormRefused", unit=MetricUnit.Count, value=1)
        logger.info("form refused", extra={"reason": problem.reason})
        return respond(review_page(link, claims, keys, None, problem.message, problem.status))
    except BadForm as problem:
        metrics.add_metric(name="FormRejected", unit=MetricUnit.Count, value=1)
        return respond(review_page(link, claims, keys, None, problem.message, problem.status))
    count_vote(claims.decision, result.decided)
    refresh_slack(result.record)
    html = templates.page("pages/result.html.j2", claims=claims, record=result.record,
                          decided=result.decided, summary=result.summary,
                          others_in_progress=result.others_in_progress)
    return respond(Page(200, html))


def count_vote(decision: Decision, decided: bool) -> None:
    if decided:
        metrics.add_metric(name=f"Approval{decision.past_tense}", unit=MetricUnit.Count,
                           value=1)
        logger.info("decision submitted")
    else:
        metrics.add_metric(name="VoteRecorded", unit=MetricUnit.Count, value=1)
        logger.info("vote recorded")


# Slack: button clicks and the vote modal, signed by Slack with the app's signing secret


def slack_body() -> bytes:
    event = app.current_event
    raw = event.body or ""
    return base64.b64decode(raw) if event.is_base64_encoded else raw.encode("utf-8")


def first_seen(digest: str, timestamp: int) -> bool:
    """The replay guard, shared by every container: a conditional write in the approvals
    table, kept (by TTL) past the five minutes a signature is good for."""
    from greenlight.slack_store import remember_request

    assert table is not None
    return remember_request(table, digest, timestamp)


def slack_answer(status: int, body: dict[str, Any] | None = None) -> Response:
    if body is None:
        return Response(status, "text/plain; charset=utf-8", "")
    return Response(status, "application/json", json.dumps(body))


@app.post(SLACK_ROUTE)
def slack_interaction() -> Response:
    """What Slack sends when someone clicks Approve or Reject, or submits the vote modal."""
    from greenlight.slack import (
        MAX_INTERACTION_BYTES,
        BadInteraction,
        ButtonClick,
        SlackRequestRefused,
        parse_interaction,
        verify_request,
    )
    from greenlight.slack_votes import cast_from_slack, open_vote

    access = slack()
    if access is None or slack_settings is None:
        return slack_answer(404)
    body = slack_body()
    if len(body) > MAX_INTERACTION_BYTES:
        metrics.add_metric(name="SlackRequestRefused", unit=MetricUnit.Count, value=1)
        return slack_answer(413)
    signing_secret = str(secrets.get(slack_settings.signing_secret_arn, max_age=SECRET_MAX_AGE))
    try:
        verify_request(app.current_event.headers or {}, body, signing_secret, clock(),
                       first_seen)
        interaction = parse_interaction(body)
    except SlackRequestRefused as refused:
        metrics.add_metric(name="SlackRequestRefused", unit=MetricUnit.Count, value=1)
        logger.info("slack request refused", extra={"reason": refused.reason})
        return slack_answer(401)
    except BadInteraction as bad:
        metrics.add_metric(name="SlackInteractionIgnored", unit=MetricUnit.Count, value=1)
        logger.info("slack interaction ignored", extra={"reason": str(bad)})
        return slack_answer(400)
    keys = vote_keys()
    if isinstance(interaction, ButtonClick):
        clicked = open_vote(interaction, slack=access, table=table, vote_keys=keys)
        metrics.add_metric(name="SlackModalOpened" if clicked.opened else "SlackClickRefused",
                           unit=MetricUnit.Count, value=1)
        if clicked.failure is not None:
            metrics.add_metric(name="SlackCallFailed", unit=MetricUnit.Count, value=1)
        return slack_answer(200)
    answer = cast_from_slack(interaction, slack=access, table=table, codepipeline=codepipeline,
                             now=clock(), tell=tell, vote_keys=keys)
    if answer.result is None:
        metrics.add_metric(name="SlackVoteRefused", unit=MetricUnit.Count, value=1)
        return slack_answer(200, answer.body())
    logger.append_keys(decision=interaction.decision.value, via="slack")
    count_forged(answer.result.record)
    count_vote(interaction.decision, answer.result.decided)
    refresh_slack(answer.result.record)
    return slack_answer(200)


@app.route(LINK_ROUTE, method=["PUT", "PATCH", "DELETE", "OPTIONS"])
def wrong_method(link: str) -> Response:
    metrics.add_metric(name="MethodNotAllowed", unit=MetricUnit.Count, value=1)
    return respond(problem_page(templates, "method"))


@app.not_found
def not_found(_: Exception) -> Response:
    metrics.add_metric(name="PageNotFound", unit=MetricUnit.Count, value=1)
    return respond(problem_page(templates, "not-found"))


@app.exception_handler(SignInNeeded)
def sign_in_needed(error: SignInNeeded) -> Response:
    logger.info("vote refused", extra={"reason": error.refusal.reason})
    return sign_in_response_for(error.refusal.problem)


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
    return respond(problem_page(templates, "voted", status=status, record=error.record,
                                claims=app.context.get("claims")))


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


@app.exception_handler(RequestAltered)
def altered(error: RequestAltered) -> Response:
    metrics.add_metric(name="AlteredRequestRefused", unit=MetricUnit.Count, value=1)
    return respond(problem_page(templates, "altered", claims=app.context.get("claims")))


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


@logger.inject_lambda_context(log_event=False, clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = ProxyRequest.from_event(event)
    # API Gateway's request id is the logs' correlation id, read with the rest of the request
    # (Powertools' correlation_id_path would search the event with JMESPath again).
    logger.set_correlation_id(request.request_context.request_id)
    return app.resolve_request(request, context)
