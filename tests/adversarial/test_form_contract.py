"""Only the review page's own form may decide, and only claims of the right shape make a link,
even when they carry a valid signature. Each loose body carries the page's own form token, so
it is refused for its shape, not for a missing token."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from greenlight.links import ApprovalContext, LinkClaims, Revision, read_link, sign_link
from local.apigateway import proxy_event
from local.lambda_context import LocalContext
from local.offline import LOCAL_SIGNING_KEY
from local.stack import OfflineStack
from tests.adversarial.observe import EngineCalls, observed
from tests.offline import load_pipeline, run_to_approval, stage_statuses

FORM = "application/x-www-form-urlencoded"
ALICE = "alice@example.com"
PIPELINE = "form-contract"

# (Content-Type, body, isBase64Encoded as sent): none of these is what the page's form sends,
# which is always `comment=...&form_token=...` under the form content type. TOKEN stands for
# the token of the page.
TOKEN = b"<token>"
LOOSE_FORMS: dict[str, tuple[str | None, bytes, bool | None]] = {
    "empty": (None, b"", None),
    "no-content-type": (None, b"comment=ok&form_token=" + TOKEN, None),
    "no-comment-field": (FORM, b"reason=ok&form_token=" + TOKEN, None),
    "nameless-field": (FORM, b"=ok&form_token=" + TOKEN, None),
    "extra-field": (FORM, b"comment=ok&approve=1&form_token=" + TOKEN, None),
    "two-tokens": (FORM, b"comment=ok&form_token=" + TOKEN + b"&form_token=" + TOKEN, None),
    "utf-16-le": (FORM, ("comment=ok&form_token=" + TOKEN.decode()).encode("utf-16-le"), None),
    "unflagged-base64": (FORM, base64.b64encode(b"comment=ok&form_token=" + TOKEN), False),
}
# Claims only the signing key can produce; a link carrying them is still not a valid link.
MALFORMED_CLAIMS: dict[str, Callable[[LinkClaims], LinkClaims]] = {
    "pipeline-not-text": lambda claims: replace(claims, pipeline=123),  # type: ignore[arg-type]
    "approver-not-text": lambda claims: replace(claims, approver=[ALICE]),  # type: ignore[arg-type]
    "context-of-wrong-types": lambda claims: replace(claims, context=ApprovalContext(
        region=5, revision=Revision(revision_id=None))),  # type: ignore[arg-type]
}


@pytest.fixture(scope="module")
def approve_link(offline_stack: OfflineStack) -> str:
    """Alice's Approve link of a run waiting at its approval for the whole module."""
    pipeline = load_pipeline(offline_stack, "seed-pipeline.json", PIPELINE)
    return run_to_approval(offline_stack, pipeline).link(ALICE, "Approve").rsplit("/", 1)[1]


@pytest.fixture(scope="module")
def page_token(offline_stack: OfflineStack, approve_link: str) -> bytes:
    """The form token the review page of the approve link carries."""
    page = invoke(offline_stack, "GET", approve_link)
    found = re.search(r'name="form_token" value="([^"]+)"', str(page["body"]))
    assert page["statusCode"] == 200 and found
    return found.group(1).encode()


@pytest.fixture(scope="module")
def module_engine_calls(offline_stack: OfflineStack) -> Any:
    with observed(offline_stack.engine) as calls:
        yield calls


def invoke(stack: OfflineStack, method: str, link: str, content_type: str | None = None,
           body: bytes = b"", base64_flag: bool | None = None) -> dict[str, Any]:
    stage = "/" + stack.parameters["ApiStageName"]
    headers = [("Content-Type", content_type)] if content_type else []
    event = proxy_event(method, f"{stage}/approvals/{link}", headers, body, stage)
    if base64_flag is not None:
        event["isBase64Encoded"] = base64_flag
    return dict(stack.decide_handler(event, LocalContext(function_name="DecideFunction")))


@pytest.mark.parametrize("form", LOOSE_FORMS.values(), ids=list(LOOSE_FORMS))
def test_bodies_the_page_never_sends_decide_nothing(
    offline_stack: OfflineStack, approve_link: str, page_token: bytes,
    module_engine_calls: EngineCalls, form: tuple[str | None, bytes, bool | None],
) -> None:
    content_type, body, base64_flag = form
    if base64_flag is False:
        body = base64.b64encode(base64.b64decode(body).replace(TOKEN, page_token))
    else:
        body = body.replace(TOKEN, page_token).replace(
            TOKEN.decode().encode("utf-16-le"), page_token.decode().encode("utf-16-le"))
    response = invoke(offline_stack, "POST", approve_link, content_type, body, base64_flag)

    assert 400 <= response["statusCode"] < 500
    assert module_engine_calls.decisions() == 0
    assert stage_statuses(offline_stack, PIPELINE)["Approval"] == "InProgress"


@pytest.mark.parametrize("change", MALFORMED_CLAIMS.values(), ids=list(MALFORMED_CLAIMS))
def test_signed_claims_of_the_wrong_type_are_an_invalid_link(
    offline_stack: OfflineStack, approve_link: str, change: Callable[[LinkClaims], LinkClaims],
) -> None:
    claims = read_link(approve_link, [LOCAL_SIGNING_KEY], datetime.now(UTC))
    forged = sign_link(change(claims), [LOCAL_SIGNING_KEY])

    for method in ("GET", "HEAD", "POST"):
        assert invoke(offline_stack, method, forged, FORM, b"comment=ok")["statusCode"] == 403
