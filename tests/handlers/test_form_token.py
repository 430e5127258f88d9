"""Only the review page's own form decides: it carries a short-lived token the page issued for
its link, and a browser that says another site sent the POST is refused."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import requests

from greenlight.links import Decision
from greenlight.review import issue_form_token
from local.offline import LOCAL_SIGNING_KEY
from local.stack import OfflineStack
from tests.offline import (
    execution_status,
    load_pipeline,
    open_link,
    run_to_approval,
    stage_statuses,
    submit,
    wait_until,
)

ALICE, BOB = "alice@example.com", "bob@example.com"


def form_token_of(url: str) -> str:
    page = open_link(url)
    found = re.search(r'<input type="hidden" name="form_token" value="([^"]+)">', page.text)
    assert page.status_code == 200 and found, page.text[:300]
    return found.group(1)


def post(url: str, fields: dict[str, str], **headers: str) -> requests.Response:
    return requests.post(url, data=fields, headers=headers, timeout=10)


def assert_nothing_decided(stack: OfflineStack, pipeline: str,
                           response: requests.Response, status: int) -> None:
    assert response.status_code == status, response.text[:300]
    assert "Nothing was decided" in response.text
    # The page offers the form again, with a fresh token, so the approver can still decide.
    assert '<form method="post"' in response.text and 'name="form_token"' in response.text
    assert stage_statuses(stack, pipeline)["Approval"] == "InProgress"


def test_a_post_without_the_form_token_decides_nothing(stack: OfflineStack, name: str) -> None:
    pipeline = load_pipeline(stack, "seed-pipeline.json", name)
    url = run_to_approval(stack, pipeline).link(ALICE, "Approve")
    for fields in ({"comment": "Ship it"}, {"comment": "Ship it", "form_token": ""}):
        assert_nothing_decided(stack, pipeline, post(url, fields), 400)
    assert submit(url, "Ship it").status_code == 200


def test_a_form_token_from_another_link_decides_nothing(stack: OfflineStack, name: str) -> None:
    pipeline = load_pipeline(stack, "seed-pipeline.json", name)
    approval = run_to_approval(stack, pipeline)
    url = approval.link(ALICE, "Approve")
    for other in (approval.link(BOB, "Approve"), approval.link(ALICE, "Reject")):
        response = post(url, {"comment": "Ship it", "form_token": form_token_of(other)})
        assert_nothing_decided(stack, pipeline, response, 403)
        assert "another link" in response.text
    altered = form_token_of(url)[:-2] + "AA"
    assert_nothing_decided(stack, pipeline, post(url, {"comment": "x", "form_token": altered}),
                           403)


def test_an_expired_form_token_decides_nothing(stack: OfflineStack, name: str) -> None:
    pipeline = load_pipeline(stack, "seed-pipeline.json", name)
    url = run_to_approval(stack, pipeline).link(ALICE, "Approve")
    stale = issue_form_token(url.rsplit("/", 1)[1], Decision.APPROVE, [LOCAL_SIGNING_KEY],
                             datetime.now(UTC) - timedelta(minutes=31))
    response = post(url, {"comment": "Ship it", "form_token": stale})
    assert_nothing_decided(stack, pipeline, response, 403)
    assert "open too long" in response.text
    # The page that said so carries a fresh token, which decides.
    fresh = re.search(r'name="form_token" value="([^"]+)"', response.text)
    assert fresh is not None
    assert post(url, {"comment": "Ship it", "form_token": fresh.group(1)}).status_code == 200


def test_a_cross_site_post_decides_nothing(stack: OfflineStack, name: str) -> None:
    pipeline = load_pipeline(stack, "seed-pipeline.json", name)
    approval = run_to_approval(stack, pipeline)
    url = approval.link(ALICE, "Approve")
    token = form_token_of(url)
    for site in ("cross-site", "same-site"):
        response = post(url, {"comment": "Ship it", "form_token": token}, **{
            "Sec-Fetch-Site": site})
        assert_nothing_decided(stack, pipeline, response, 403)
        assert "another site" in response.text
    done = post(url, {"comment": "Ship it", "form_token": token},
                **{"Sec-Fetch-Site": "same-origin"})
    assert done.status_code == 200, done.text[:300]
    wait_until(lambda: execution_status(stack, pipeline, approval.execution_id) == "Succeeded",
               what="the run to succeed")
