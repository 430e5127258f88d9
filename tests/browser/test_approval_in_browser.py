"""Approvals as people and mail scanners meet them: real mails and pages in headless Chromium."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Page, Response, expect

from local.stack import Mail, OfflineStack
from tests.offline import (
    Approval,
    execution_status,
    links_in,
    load_pipeline,
    run_to_approval,
    stage_statuses,
    superseded_at_the_approval,
    wait_until,
)

pytestmark = pytest.mark.browser

ALICE, BOB = "alice@example.com", "bob@example.com"
SCAN_ROUNDS = 10
# Labelled after the link scanners that open mailed links before people do; real ones often
# pretend to be ordinary browsers, so the server must not rely on recognising them.
SCANNERS = {
    "safe-links": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like "
                  "Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0 Microsoft-SafeLinks",
    "proofpoint": "Mozilla/5.0 (compatible; Proofpoint URL Defense)",
    "mimecast": "Mozilla/5.0 (compatible; Mimecast URL Protect)",
}
MIN_TOUCH_TARGET = 44
# The browser reports every violation of the page's policy to this list; Playwright's init
# scripts run outside the page's CSP, which allows no script of the page's own.
RECORD_CSP_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


def mail_to(approval: Approval, approver: str, action: str | None = None) -> Mail:
    return next(m for m in approval.mails if m.recipient == approver
                and (action is None or m.subject.endswith(f"/ {action}")))


def open_mail(page: Page, mail: Mail) -> None:
    page.goto(mail.paths[0].as_uri())


def navigation_of(page: Page, act: Callable[[], Any]) -> Response:
    """The response to the page load that `act` sets off."""
    with page.expect_response(lambda r: r.request.is_navigation_request()
                              and r.request.frame == page.main_frame) as loaded:
        act()
    page.wait_for_load_state()
    return loaded.value


def follow(page: Page, label: str) -> Response:
    """Press the mail's Approve or Reject button."""
    return navigation_of(page, page.get_by_role("link", name=label, exact=True).click)


def send(page: Page) -> Response:
    """Press the confirmation page's one button."""
    return navigation_of(page, page.locator("form button[type=submit]").click)


def heading(page: Page) -> Any:
    return page.get_by_role("heading", level=1)


def fits_the_width(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def height_of(page: Page, selector: str) -> float:
    box = page.locator(selector).bounding_box()
    assert box is not None, f"{selector} is not visible"
    return float(box["height"])


def approval_action(stack: OfflineStack, pipeline: str, action: str = "ManualApproval"
                    ) -> dict[str, Any]:
    state = stack.engine.call("GetPipelineState", {"name": pipeline})
    stage = next(s for s in state["stageStates"] if s["stageName"] == "Approval")
    return next(a for a in stage["actionStates"] if a["actionName"] == action)


def test_mail_scanners_opening_every_link_over_and_over_decide_nothing(
        stack: OfflineStack, name: str, page: Page) -> None:
    pipeline = load_pipeline(stack, "seed-pipeline.json", name)
    approval = run_to_approval(stack, pipeline)
    urls = [url for mail in approval.mails for url in links_in(mail).values()]
    assert len(urls) == 4

    def scan(user_agent: str) -> list[tuple[str, int, str]]:
        seen = []
        with requests.Session() as session:
            session.headers["User-Agent"] = user_agent
            for _ in range(SCAN_ROUNDS):
                for url in urls:
                    for method in ("GET", "HEAD"):
                        response = session.request(method, url, timeout=10)
                        seen.append((method, response.status_code, response.text))
        return seen

    with ThreadPoolExecutor(max_workers=len(SCANNERS)) as pool:
        scans = [seen for result in pool.map(scan, SCANNERS.values()) for seen in result]
    assert len(scans) == len(SCANNERS) * SCAN_ROUNDS * len(urls) * 2
    assert {(method, status) for method, status, _ in scans} == {("GET", 200), ("HEAD", 200)}
    assert all('<form method="post"' in text for method, _, text in scans if method == "GET")
    assert all(text == "" for method, _, text in scans if method == "HEAD")

    # Some scanners render the page as a browser would, and still only look.
    for url in urls:
        response = page.goto(url)
        assert response is not None and response.status == 200
        expect(page.locator("form button[type=submit]")).to_have_count(1)

    assert execution_status(stack, pipeline, approval.execution_id) == "InProgress"
    statuses = stage_statuses(stack, pipeline)
    assert statuses["Approval"] == "InProgress" and statuses["Deploy"] == "None"
    latest = approval_action(stack, pipeline)["latestExecution"]
    assert latest["status"] == "InProgress" and "summary" not in latest


def test_an_approver_on_a_phone_approves_from_the_mail_and_the_run_deploys(
        stack: OfflineStack, name: str, phone: Page, screenshots: Path) -> None:
    pipeline = load_pipeline(stack, "seed-pipeline.json", name)
    approval = run_to_approval(stack, pipeline)
    open_mail(phone, mail_to(approval, ALICE))
    expect(heading(phone)).to_contain_text(pipeline)
    phone.screenshot(path=screenshots / "mail-phone.png", full_page=True)

    review = follow(phone, "Approve")
    assert review.status == 200
    expect(heading(phone)).to_contain_text(pipeline)
    expect(phone.get_by_text(ALICE, exact=True)).to_be_visible()
    expect(phone.locator("textarea")).to_have_count(1)
    expect(phone.get_by_role("button")).to_have_count(1)
    expect(phone.get_by_role("button")).to_have_text("Approve")
    phone.screenshot(path=screenshots / "confirm-phone.png", full_page=True)
    assert stage_statuses(stack, pipeline)["Approval"] == "InProgress"

    phone.get_by_label("Comment (optional)").press_sequentially("Ship it")
    result = send(phone)
    assert result.status == 200
    expect(heading(phone)).to_have_text("Approved")
    expect(phone.locator(".who")).to_have_text(
        "Recorded as: Approved by alice@example.com via Greenlight: Ship it")
    phone.screenshot(path=screenshots / "result-phone.png", full_page=True)

    wait_until(lambda: execution_status(stack, pipeline, approval.execution_id) == "Succeeded",
               what="the run to succeed")
    assert stage_statuses(stack, pipeline)["Deploy"] == "Succeeded"


def test_rejecting_on_a_phone_sends_nothing_until_a_reason_is_given(
        stack: OfflineStack, name: str, phone: Page, screenshots: Path) -> None:
    pipeline = load_pipeline(stack, "seed-pipeline.json", name)
    approval = run_to_approval(stack, pipeline)
    open_mail(phone, mail_to(approval, BOB))
    follow(phone, "Reject")
    review_url = phone.url
    expect(phone.get_by_role("button")).to_have_text("Reject")
    phone.screenshot(path=screenshots / "confirm-reject-phone.png", full_page=True)
    posts: list[str] = []
    phone.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)

    reason = phone.get_by_label("Reason for rejecting (required)")
    phone.get_by_role("button", name="Reject").click()
    # The browser refuses to submit and puts the cursor in the field that needs filling.
    expect(reason).to_be_focused()
    assert reason.evaluate("field => field.validity.valueMissing")
    assert posts == [] and phone.url == review_url

    # Spaces satisfy `required`, so the server has to refuse them itself.
    reason.fill("   ")
    refused = send(phone)
    assert refused.status == 400
    expect(phone.get_by_role("alert")).to_contain_text("reason")
    expect(phone.get_by_role("button", name="Reject")).to_be_visible()
    phone.screenshot(path=screenshots / "reject-error-phone.png", full_page=True)

    # A browser that ignores `required` sends the empty form; it gets the form back.
    reason.evaluate("field => field.removeAttribute('required')")
    refused = send(phone)
    assert refused.status == 400
    expect(phone.get_by_role("alert")).to_contain_text("reason")
    assert stage_statuses(stack, pipeline)["Approval"] == "InProgress"

    reason.fill("Payment retries need a load test first")
    result = send(phone)
    assert result.status == 200
    expect(heading(phone)).to_have_text("Rejected")
    wait_until(lambda: execution_status(stack, pipeline, approval.execution_id) == "Failed",
               what="the run to fail")
    assert stage_statuses(stack, pipeline)["Deploy"] == "None"
    summary = approval_action(stack, pipeline)["latestExecution"]["summary"]
    assert summary.endswith("Payment retries need a load test first")


def test_the_mail_and_the_pages_fit_a_phone_without_sideways_scrolling(
        stack: OfflineStack, name: str, phone: Page) -> None:
    # The test's own long name makes a long pipeline name, the hardest case for the width.
    pipeline = load_pipeline(stack, "seed-pipeline.json", name)
    approval = run_to_approval(stack, pipeline)
    open_mail(phone, mail_to(approval, ALICE))
    assert fits_the_width(phone)
    for label in ("Approve", "Reject"):
        box = phone.get_by_role("link", name=label, exact=True).bounding_box()
        assert box is not None and box["height"] >= MIN_TOUCH_TARGET, (label, box)

    for label in ("Approve", "Reject"):
        open_mail(phone, mail_to(approval, ALICE))
        follow(phone, label)
        expect(heading(phone)).to_contain_text(pipeline)
        assert fits_the_width(phone), label
        assert height_of(phone, "textarea") >= MIN_TOUCH_TARGET
        # Phones zoom into a field whose text is smaller than 16px when it takes focus.
        expect(phone.locator("textarea")).to_have_css("font-size", "16px")


def test_the_confirmation_buttons_are_big_enough_to_tap(stack: OfflineStack, name: str,
                                                        phone: Page) -> None:
    pipeline = load_pipeline(stack, "seed-pipeline.json", name)
    approval = run_to_approval(stack, pipeline)
    for label in ("Approve", "Reject"):
        phone.goto(approval.link(ALICE, label))
        size = phone.get_by_role("button", name=label).evaluate(
            "button => getComputedStyle(button).fontSize")
        assert size == "17px", label
        assert height_of(phone, "form button[type=submit]") >= MIN_TOUCH_TARGET, label


def test_the_confirmation_page_is_styled_under_its_own_content_security_policy(
        stack: OfflineStack, name: str, page: Page) -> None:
    pipeline = load_pipeline(stack, "seed-pipeline.json", name)
    approval = run_to_approval(stack, pipeline)
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(RECORD_CSP_VIOLATIONS)

    response = page.goto(approval.link(ALICE, "Approve"))
    assert response is not None and response.status == 200
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy
    expect(page.get_by_role("button", name="Approve")).to_have_css(
        "background-color", "rgb(26, 127, 55)")

    result = send(page)
    assert result.status == 200
    assert "default-src 'none'" in result.headers["content-security-policy"]
    expect(page.locator(".notice.ok")).to_have_css("background-color", "rgb(230, 244, 234)")
    assert page.evaluate("window.cspViolations") == []
    assert [text for text in console if "Content Security Policy" in text] == []


def test_a_stylesheet_changed_on_the_way_is_refused_by_the_pages_policy(
        stack: OfflineStack, name: str, page: Page) -> None:
    # The other side of the test above: proves the policy pins the stylesheet, and that
    # violations would be seen there.
    pipeline = load_pipeline(stack, "seed-pipeline.json", name)
    approval = run_to_approval(stack, pipeline)
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(RECORD_CSP_VIOLATIONS)

    def tamper(route: Any) -> None:
        original = route.fetch()
        route.fulfill(response=original,
                      body=original.text().replace("#1a7f37", "#ff00ff"))

    page.route(approval.link(ALICE, "Approve"), tamper)
    page.goto(approval.link(ALICE, "Approve"))
    # The whole stylesheet is refused, not only the changed rule.
    button = page.get_by_role("button", name="Approve")
    expect(button).not_to_have_css("background-color", "rgb(255, 0, 255)")
    expect(button).not_to_have_css("background-color", "rgb(26, 127, 55)")
    assert page.evaluate("window.cspViolations") == ["style-src-elem inline"]
    assert any("Content Security Policy" in text for text in console)
    assert stage_statuses(stack, pipeline)["Approval"] == "InProgress"


def test_with_two_approval_actions_the_run_waits_for_both_approvals_in_the_browser(
        stack: OfflineStack, name: str, phone: Page) -> None:
    pipeline = load_pipeline(stack, "two-approvers.json", name)
    approval = run_to_approval(stack, pipeline, expected_mails=4)
    first, second = sorted({m.subject.rsplit("/ ", 1)[1] for m in approval.mails})

    open_mail(phone, mail_to(approval, ALICE, first))
    follow(phone, "Approve")
    expect(phone.get_by_role("main")).to_contain_text(f"Approval / {first}")
    assert send(phone).status == 200
    expect(heading(phone)).to_have_text("Approved")
    statuses = stage_statuses(stack, pipeline)
    assert statuses["Approval"] == "InProgress" and statuses["Deploy"] == "None"
    assert execution_status(stack, pipeline, approval.execution_id) == "InProgress"

    open_mail(phone, mail_to(approval, BOB, second))
    follow(phone, "Approve")
    expect(phone.get_by_role("main")).to_contain_text(f"Approval / {second}")
    assert send(phone).status == 200
    expect(heading(phone)).to_have_text("Approved")
    wait_until(lambda: execution_status(stack, pipeline, approval.execution_id) == "Succeeded",
               what="the run to succeed")


def test_the_approve_link_of_a_superseded_run_says_it_is_no_longer_pending(
        stack: OfflineStack, name: str, phone: Page, screenshots: Path) -> None:
    pipeline = load_pipeline(stack, "seed-pipeline.json", name)
    first, second = superseded_at_the_approval(stack, pipeline)

    open_mail(phone, mail_to(first, ALICE))
    stale = follow(phone, "Approve")
    assert stale.status == 409
    expect(heading(phone)).to_have_text("This approval is no longer pending")
    expect(phone.get_by_role("alert")).to_contain_text("newer run")
    expect(phone.locator("form")).to_have_count(0)
    expect(phone.get_by_role("button")).to_have_count(0)
    phone.screenshot(path=screenshots / "not-pending-phone.png", full_page=True)
    assert execution_status(stack, pipeline, second.execution_id) == "InProgress"
