"""Sign-in before a vote counts, in headless Chromium: the mail's link, the provider's login
page (oidc-provider on loopback), the confirmation page, and the run moving on."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from local.stack import OfflineStack
from tests.offline import Approval, wait_until
from tests.sign_in import (
    ALICE,
    BOB,
    deployed,
    nothing_decided,
    query,
    sign_in_stack,
    waiting,
)

pytestmark = [pytest.mark.browser, pytest.mark.oidc]


@pytest.fixture(scope="module")
def signin_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OfflineStack]:
    yield from sign_in_stack(tmp_path_factory.mktemp("sign-in-browser-outbox"))


@pytest.fixture
def stack(signin_stack: OfflineStack) -> Iterator[OfflineStack]:
    yield signin_stack
    signin_stack.time_offset = timedelta(0)


@pytest.fixture
def person(browser: Browser) -> Iterator[Page]:
    """One person's browser: cookies of their own."""
    context = browser.new_context()
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def open_mail_link(page: Page, approval: Approval, approver: str) -> None:
    mail = next(m for m in approval.mails if m.recipient == approver)
    page.goto(mail.paths[0].as_uri())
    page.get_by_role("link", name="Approve", exact=True).click()
    page.wait_for_load_state()


def sign_in_at_provider(page: Page, login: str) -> None:
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("any password")
    page.locator("button[type=submit]").click()
    page.wait_for_load_state()


def on_provider(page: Page, stack: OfflineStack) -> bool:
    assert stack.identity_provider is not None
    return page.url.startswith(stack.identity_provider.issuer)


def test_an_approver_signs_in_at_the_provider_confirms_and_the_run_deploys(
        stack: OfflineStack, browser: Browser, screenshots: Path) -> None:
    approval = waiting(stack)
    for approver, login, outcome in ((ALICE, "alice@example.com", "Vote recorded"),
                                     (BOB, "bob", "Approved")):
        context = browser.new_context()
        page = context.new_page()
        open_mail_link(page, approval, approver)
        assert on_provider(page, stack), page.url
        expect(page.locator("input[name=login]")).to_be_visible()
        if approver == ALICE:
            page.screenshot(path=screenshots / "sign-in-provider.png", full_page=True)
        sign_in_at_provider(page, login)
        assert page.url.startswith(f"{stack.api_url}/approvals/"), page.url
        expect(page.get_by_role("heading", level=1)).to_contain_text(approval.pipeline)
        expect(page.get_by_role("button")).to_have_text("Approve")
        page.locator("form button[type=submit]").click()
        page.wait_for_load_state()
        expect(page.get_by_role("heading", level=1)).to_contain_text(outcome)
        context.close()
    wait_until(lambda: deployed(stack, approval), what="Deploy to run")


def test_the_same_link_signed_in_as_another_user_is_refused_and_decides_nothing(
        stack: OfflineStack, person: Page) -> None:
    approval = waiting(stack)
    open_mail_link(person, approval, ALICE)
    sign_in_at_provider(person, "mallory")
    expect(person.get_by_role("heading", level=1)).to_have_text(
        "This link belongs to someone else")
    expect(person.get_by_text("mallory@example.com").first).to_be_visible()
    expect(person.get_by_text(ALICE).first).to_be_visible()
    assert person.locator("form").count() == 0
    assert nothing_decided(stack, approval)


def test_a_session_older_than_the_rules_max_age_is_sent_back_to_the_provider(
        stack: OfflineStack, person: Page) -> None:
    approval = waiting(stack)
    open_mail_link(person, approval, ALICE)
    sign_in_at_provider(person, "alice")
    expect(person.get_by_role("button")).to_have_text("Approve")
    link = person.url
    stack.time_offset = timedelta(minutes=16)  # past the rule's 15 minutes
    with person.expect_request(lambda r: r.is_navigation_request()
                               and urlsplit(r.url).path.endswith("/auth")) as asked:
        person.goto(link)
    assert query(asked.value.url)["prompt"] == "login"
    assert on_provider(person, stack)
    expect(person.locator("input[name=login]")).to_be_visible()
    assert nothing_decided(stack, approval)
