"""The decide function under generated hostile requests built from genuine approval links."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from itsdangerous import URLSafeSerializer

from greenlight.links import SALT, read_link, sign_link
from local.lambda_context import LocalContext
from local.offline import LOCAL_SIGNING_KEY
from local.stack import OfflineStack
from tests.adversarial.observe import TALLY, EngineCalls, header_problems, observed
from tests.adversarial.strategies import Links, Request, hostile_requests
from tests.offline import links_in, load_pipeline, run_to_approval, stage_statuses, submit

# Fixed generation and no example database: every run, here and in CI, tries the same cases.
GENERATED = settings(
    max_examples=1100,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much, HealthCheck.large_base_example],
)


def genuine_links(stack: OfflineStack, pipeline: str) -> dict[str, str]:
    """Each link of a run waiting at its approval, mapped to the decision it makes."""
    approval = run_to_approval(stack, load_pipeline(stack, "seed-pipeline.json", pipeline))
    return {url.rsplit("/", 1)[1]: label.lower()
            for mail in approval.mails for label, url in links_in(mail).items()}


@pytest.fixture(scope="module")
def links(offline_stack: OfflineStack) -> Links:
    stack = offline_stack
    pending = genuine_links(stack, "adversarial-waiting")
    decided = genuine_links(stack, "adversarial-decided")
    approve = next(link for link, decision in decided.items() if decision == "approve")
    assert submit(f"{stack.api_url}/approvals/{approve}", "decided first").status_code == 200
    now = datetime.now(UTC)
    expired = [sign_link(dataclasses.replace(read_link(link, [LOCAL_SIGNING_KEY], now),
                                             expires=now - timedelta(minutes=5)),
                         [LOCAL_SIGNING_KEY]) for link in pending]
    unsigned = URLSafeSerializer("")
    return Links(
        stage="/" + stack.parameters["ApiStageName"],
        pending=tuple(pending),
        decided=tuple(decided),
        expired=tuple(expired),
        decisions=pending | decided,
        payloads=tuple(unsigned.loads_unsafe(link)[1] for link in [*pending, *decided]),
    )


@pytest.fixture(scope="module")
def hostile(links: Links) -> st.SearchStrategy[Request]:
    return hostile_requests(links, LOCAL_SIGNING_KEY, SALT)


@pytest.fixture(scope="module")
def module_engine_calls(offline_stack: OfflineStack, links: Links) -> Iterator[EngineCalls]:
    with observed(offline_stack.engine) as calls:
        yield calls


@GENERATED
@given(data=st.data())
def test_hostile_requests_get_a_4xx_page_and_decide_nothing(
    offline_stack: OfflineStack, links: Links, hostile: st.SearchStrategy[Request],
    module_engine_calls: EngineCalls, data: st.DataObject,
) -> None:
    request = data.draw(hostile, label="request")
    calls = module_engine_calls.count("PutApprovalResult")
    response = offline_stack.decide_handler(request.event(links.stage),
                                            LocalContext(function_name="DecideFunction"))
    status = response["statusCode"]
    decided = module_engine_calls.count("PutApprovalResult") - calls
    TALLY.add("decide, generated requests", cases=1, **{"5xx": int(status >= 500)},
              put_approval_result_calls=decided)

    assert status < 500, response.get("body", "")[:300]
    assert decided == 0
    assert header_problems(response) == []
    if request.must_show_page:
        assert status == 200
    elif request.may_show_page:
        assert status == 200 or 400 <= status < 500
    else:
        assert 400 <= status < 500, (status, request.body.defect)


def test_the_waiting_approval_survived_the_generated_requests(
    offline_stack: OfflineStack, links: Links, module_engine_calls: EngineCalls,
) -> None:
    assert stage_statuses(offline_stack, "adversarial-waiting")["Approval"] == "InProgress"
    assert module_engine_calls.decisions() == 0
