"""Mail scanners that open every link, and approvers who click at the same moment, through the
local API Gateway: never a decision from a scan, never two decisions for one approval."""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import requests

from local.stack import OfflineStack
from tests.adversarial.observe import TALLY, EngineCalls
from tests.offline import links_in, load_pipeline, run_to_approval, stage_statuses

ALICE, BOB = "alice@example.com", "bob@example.com"
# What a click that lost the race may be told: the approval moved on, or this approver's
# earlier click (on either of their links) already counted.
CONFLICT_PAGES = ("This approval is no longer pending", "You have already voted")
SCANS_PER_LINK = 6
CLICKS = 20


def at_once(calls: Sequence[Callable[[], requests.Response]]) -> list[requests.Response]:
    """Run every call on its own thread, released together."""
    start = threading.Barrier(len(calls))

    def run(call: Callable[[], requests.Response]) -> requests.Response:
        start.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def post(url: str, comment: str) -> Callable[[], requests.Response]:
    """A click on the review page's button; the page is opened first, before clicks race."""
    page = requests.get(url, timeout=30)
    token = re.search(r'name="form_token" value="([^"]+)"', page.text)
    assert token is not None, page.text[:300]
    return lambda: requests.post(url, data={"comment": comment, "form_token": token.group(1)},
                                 timeout=30)


def test_scanners_opening_every_link_many_times_at_once_decide_nothing(
    stack: OfflineStack, name: str, engine_calls: EngineCalls,
) -> None:
    pipeline = load_pipeline(stack, "two-approvers.json", name)
    approval = run_to_approval(stack, pipeline, expected_mails=4)
    urls = [url for mail in approval.mails for url in links_in(mail).values()]
    assert len(urls) == 8
    probes = [(method, url) for _ in range(SCANS_PER_LINK) for url in urls
              for method in ("GET", "HEAD")]

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(
            lambda probe: requests.request(*probe, timeout=30).status_code, probes))

    TALLY.add("scanners, GET and HEAD on every link", requests=len(probes),
              **{"5xx": sum(s >= 500 for s in statuses)},
              put_approval_result_calls=engine_calls.count("PutApprovalResult"))
    assert Counter(statuses) == {200: len(probes)}
    assert engine_calls.count("PutApprovalResult") == 0
    assert stage_statuses(stack, pipeline)["Approval"] == "InProgress"


def test_twenty_clicks_on_one_link_decide_once(
    stack: OfflineStack, name: str, engine_calls: EngineCalls,
) -> None:
    pipeline = load_pipeline(stack, "seed-pipeline.json", name)
    url = run_to_approval(stack, pipeline).link(ALICE, "Approve")

    responses = at_once([post(url, "Ship it") for _ in range(CLICKS)])

    assert_decided_once(responses, engine_calls, "races, one link clicked 20 times at once")
    assert stage_statuses(stack, pipeline)["Approval"] == "Succeeded"


def test_twenty_clicks_spread_over_every_approver_and_decision_decide_once(
    stack: OfflineStack, name: str, engine_calls: EngineCalls,
) -> None:
    pipeline = load_pipeline(stack, "seed-pipeline.json", name)
    approval = run_to_approval(stack, pipeline)
    urls = [approval.link(who, label) for who in (ALICE, BOB) for label in ("Approve", "Reject")]

    # Every click carries a reason, so a Reject click is as valid as an Approve one.
    responses = at_once([post(urls[i % len(urls)], f"Decision {i} after review")
                         for i in range(CLICKS)])

    assert_decided_once(responses, engine_calls, "races, 20 clicks over 4 links at once")
    assert stage_statuses(stack, pipeline)["Approval"] in ("Succeeded", "Failed")


def assert_decided_once(responses: Sequence[requests.Response], engine_calls: EngineCalls,
                        subject: str) -> None:
    statuses = Counter(response.status_code for response in responses)
    TALLY.add(subject, requests=len(responses), **{"5xx": sum(
        n for status, n in statuses.items() if status >= 500)},
        decisions=engine_calls.decisions(), **{"409": statuses[409]})
    assert engine_calls.decisions() == 1
    assert statuses == {200: 1, 409: len(responses) - 1}, statuses
    for response in responses:
        if response.status_code == 409:
            assert any(f"<h1>{title}</h1>" in response.text for title in CONFLICT_PAGES)
            assert "<form" not in response.text
