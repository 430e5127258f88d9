"""A stack of its own for the sign-in tests: the offline stack with a real OpenID provider
(oidc-provider on loopback, Node.js), a policy whose rules require sign-in, and a plain HTTP
client that signs in at the provider's login page as a browser would."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests

from local.oidc_provider import NODE_MISSING, ProviderUnavailable
from local.stack import OfflineStack
from tests.offline import Approval, load_pipeline, run_to_approval, stage_statuses

ALICE, BOB, CAROL = "alice@example.com", "bob@example.com", "carol@example.com"
MFA = "urn:greenlight:local:mfa"
# signin-* pipelines: two of three, each signed in within 15 minutes; mfa-*: one of three,
# signed in with MFA (carol is the provider's MFA user).
SIGN_IN_POLICY = {
    "rules": [
        {"name": "signed two of three", "match": {"pipeline": "signin-*"},
         "approvers": [ALICE, BOB, CAROL], "min_approvals": 2, "sign_in": "required",
         "sign_in_max_age_minutes": 15},
        {"name": "mfa", "match": {"pipeline": "mfa-*"}, "approvers": [ALICE, BOB, CAROL],
         "sign_in": "required", "sign_in_acr": MFA},
    ],
}
SESSION_COOKIE = "greenlight-session"


def sign_in_stack(outbox: Path) -> Iterator[OfflineStack]:
    """For a module-scoped fixture: the stack, or a skip saying why the provider cannot run."""
    environment = {"POWERTOOLS_METRICS_DISABLED": "true",
                   "APPROVAL_POLICY": json.dumps(SIGN_IN_POLICY)}
    try:
        with OfflineStack(outbox=outbox, action_seconds=0.02, extra_environment=environment,
                          sign_in=True) as stack:
            yield stack
    except ProviderUnavailable as error:
        if str(error).startswith(NODE_MISSING):
            pytest.skip(str(error))
        raise


counter = iter(range(1, 10_000))


def waiting(stack: OfflineStack, prefix: str = "signin", mails: int = 3) -> Approval:
    """A new pipeline under the policy's `prefix`-* rule, run to its approval."""
    name = load_pipeline(stack, "seed-pipeline.json", f"{prefix}-{next(counter)}")
    return run_to_approval(stack, name, expected_mails=mails)


def query(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def set_cookies(answer: requests.Response) -> list[str]:
    return list(answer.raw.headers.getlist("Set-Cookie"))


@dataclass
class Callback:
    """The provider's answer, stopped before the browser delivers it to Greenlight."""

    url: str
    browser: requests.Session

    @property
    def params(self) -> dict[str, str]:
        return query(self.url)

    def deliver(self, url: str | None = None) -> requests.Response:
        return self.browser.get(url or self.url, allow_redirects=False, timeout=10)


class LoopbackBrowser(requests.Session):
    """Keeps cookies as a browser does, sending Secure ones to loopback over http, as
    browsers do for a local origin (requests sends them over https only)."""

    def prepare_request(self, request: requests.Request) -> requests.PreparedRequest:
        for cookie in self.cookies:
            if cookie.domain in ("127.0.0.1", "localhost", "localhost.local"):
                cookie.secure = False
        return super().prepare_request(request)


def new_browser() -> requests.Session:
    return LoopbackBrowser()


def to_provider(browser: requests.Session, link: str) -> requests.Response:
    """Open an approval link; under a sign-in rule the answer is a redirect to the provider."""
    return browser.get(link, allow_redirects=False, timeout=10)


def log_in(browser: requests.Session, authorization_url: str, login: str,
           callback_prefix: str) -> Callback:
    """Sign in on the provider's development login page; stop at the callback."""
    page = browser.get(authorization_url, timeout=10)
    assert page.status_code == 200, page.text[:500]
    found = re.search(r'<form[^>]*action="([^"]+)"', page.text)
    assert found, page.text[:500]
    answer = browser.post(urljoin(page.url, unescape(found.group(1))),
                          data={"prompt": "login", "login": login, "password": "any"},
                          allow_redirects=False, timeout=10)
    for _ in range(10):
        location = urljoin(answer.url, answer.headers["Location"])
        if location.startswith(callback_prefix):
            return Callback(location, browser)
        answer = browser.get(location, allow_redirects=False, timeout=10)
    raise AssertionError("the provider never came back to the callback")


def signed_in(stack: OfflineStack, link: str, login: str,
              browser: requests.Session | None = None) -> Callback:
    """Open `link`, follow it to the provider and sign in as `login`; the callback, undelivered."""
    browser = browser or new_browser()
    redirect = to_provider(browser, link)
    assert redirect.status_code == 303, redirect.text[:300]
    return log_in(browser, redirect.headers["Location"], login, f"{stack.api_url}/auth/callback")


def form_token(page: str) -> str:
    found = re.search(r'name="form_token" value="([^"]+)"', page)
    assert found, "no form on the page"
    return unescape(found.group(1))


def vote(browser: requests.Session, link: str, comment: str = "signed") -> requests.Response:
    """Open the review page in `browser` and submit its form."""
    page = browser.get(link, allow_redirects=False, timeout=10)
    assert page.status_code == 200, (page.status_code, page.text[:300])
    return browser.post(link, data={"comment": comment, "form_token": form_token(page.text)},
                        allow_redirects=False, timeout=10)


def votes(stack: OfflineStack, approval: Approval) -> dict[str, Any]:
    item = stack.table.get_item(Key={"request_id": approval.request_id},
                                ConsistentRead=True)["Item"]
    return dict(item.get("votes") or {})


def approval_status(stack: OfflineStack, approval: Approval) -> str:
    """The approval action's status in CodePipeline (InProgress while it waits)."""
    state = stack.engine.call("GetPipelineState", {"name": approval.pipeline})
    for stage in state["stageStates"]:
        for action in stage.get("actionStates", []):
            if action["actionName"] == "ManualApproval":
                return str(action.get("latestExecution", {}).get("status"))
    raise AssertionError("no approval action")


def deployed(stack: OfflineStack, approval: Approval) -> bool:
    statuses = stage_statuses(stack, approval.pipeline)
    return statuses.get("Deploy") == "Succeeded"


def nothing_decided(stack: OfflineStack, approval: Approval) -> bool:
    return votes(stack, approval) == {} and approval_status(stack, approval) == "InProgress"
