"""The decide function when CodePipeline, DynamoDB or Secrets Manager fail: a 503 page that
says to try again, nothing decided, and a later click that decides, exactly once."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from local.faults import Faults
from local.sam_template import load_template
from local.stack import OfflineStack
from tests.adversarial.observe import TALLY, EngineCalls
from tests.faults.conftest import attempts, client_config
from tests.offline import (
    load_pipeline,
    open_link,
    page_form_token,
    run_to_approval,
    stage_statuses,
    submit,
)

ALICE = "alice@example.com"
# Ways CodePipeline can fail every attempt of a call: its own errors, and no answer at all.
OUTAGES: dict[str, dict[str, Any]] = {
    "throttled": {"code": "ThrottlingException"},
    "internal-failure": {"code": "InternalFailure"},
    "unavailable": {"status": 503},
    "no-answer": {"drop": True},
}


def waiting_link(stack: OfflineStack, name: str, label: str = "Approve") -> tuple[str, str]:
    pipeline = load_pipeline(stack, "seed-pipeline.json", name)
    return pipeline, run_to_approval(stack, pipeline).link(ALICE, label)


def assert_try_again(response: requests.Response) -> None:
    assert response.status_code == 503, response.text[:300]
    assert response.headers.get("Retry-After")
    if response.request.method != "HEAD":
        assert "try again" in response.text.lower()
        assert "Nothing was decided" in response.text


def tally(subject: str, responses: list[requests.Response], decisions: int) -> None:
    TALLY.add(f"faults, decide: {subject}", requests=len(responses),
              **{"503": sum(r.status_code == 503 for r in responses),
                 "other 5xx": sum(r.status_code >= 500 and r.status_code != 503
                                  for r in responses)},
              decisions=decisions)


@pytest.mark.parametrize("outage", list(OUTAGES))
def test_codepipeline_unreachable_shows_try_again_and_a_later_click_decides_once(
    stack: OfflineStack, faults: Faults, name: str, engine_calls: EngineCalls, outage: str,
) -> None:
    pipeline, url = waiting_link(stack, name)
    faults.codepipeline.inject("codepipeline.GetPipelineState", times=None, **OUTAGES[outage])

    failed = [open_link(url), submit(url, "Ship it")]

    tally(f"GetPipelineState {outage}", failed, engine_calls.decisions())
    for response in failed:
        assert_try_again(response)
    assert engine_calls.decisions() == 0
    faults.clear()
    assert open_link(url).status_code == 200
    assert submit(url, "Ship it").status_code == 200
    assert engine_calls.decisions() == 1
    assert stage_statuses(stack, pipeline)["Approval"] == "Succeeded"


def test_put_approval_result_unavailable_shows_try_again_and_a_later_click_decides_once(
    stack: OfflineStack, faults: Faults, name: str, engine_calls: EngineCalls,
) -> None:
    pipeline, url = waiting_link(stack, name)
    faults.codepipeline.inject("PutApprovalResult", status=503, times=None)

    failed = [submit(url, "Ship it")]

    tally("PutApprovalResult 503", failed, engine_calls.decisions())
    assert_try_again(failed[0])
    assert engine_calls.count("PutApprovalResult") == 0
    assert stage_statuses(stack, pipeline)["Approval"] == "InProgress"
    faults.clear()
    assert submit(url, "Ship it").status_code == 200
    assert engine_calls.decisions() == 1


def test_throttling_within_the_clients_retries_goes_unnoticed(
    stack: OfflineStack, faults: Faults, name: str, engine_calls: EngineCalls,
) -> None:
    _, url = waiting_link(stack, name)
    retries = attempts(client_config(stack, "decide", "codepipeline")) - 1
    faults.codepipeline.inject("GetPipelineState", code="ThrottlingException", times=retries)
    assert open_link(url).status_code == 200
    faults.codepipeline.inject("PutApprovalResult", code="ThrottlingException", times=retries)
    assert submit(url, "Ship it").status_code == 200
    assert engine_calls.decisions() == 1


def test_a_codepipeline_call_that_times_out_once_is_retried(
    stack: OfflineStack, faults: Faults, name: str,
) -> None:
    _, url = waiting_link(stack, name)
    read_timeout = float(client_config(stack, "decide", "codepipeline").read_timeout)
    faults.codepipeline.inject("GetPipelineState", delay=read_timeout + 0.5, times=1)
    started = time.monotonic()

    page = open_link(url)

    assert page.status_code == 200
    assert time.monotonic() - started >= read_timeout


def test_codepipeline_silent_on_every_attempt_ends_in_try_again_within_the_timeout(
    stack: OfflineStack, faults: Faults, name: str, engine_calls: EngineCalls,
) -> None:
    pipeline, url = waiting_link(stack, name)
    config = client_config(stack, "decide", "codepipeline")
    form_token = page_form_token(url)  # the page was opened before CodePipeline went silent
    # Held past the read timeout, then dropped: CodePipeline never sees the request.
    faults.codepipeline.inject("GetPipelineState", delay=float(config.read_timeout) + 0.5,
                               drop=True, times=None)
    started = time.monotonic()

    response = submit(url, "Ship it", form_token=form_token)

    elapsed = time.monotonic() - started
    TALLY.add("faults, decide: GetPipelineState silent", requests=1,
              seconds_to_the_503_page=round(elapsed), decisions=engine_calls.decisions())
    assert_try_again(response)
    assert elapsed < decide_timeout()
    assert engine_calls.decisions() == 0
    faults.clear()
    assert submit(url, "Ship it").status_code == 200
    assert stage_statuses(stack, pipeline)["Approval"] == "Succeeded"


def test_a_lost_put_approval_result_answer_decides_exactly_once(
    stack: OfflineStack, faults: Faults, name: str, engine_calls: EngineCalls,
) -> None:
    pipeline, url = waiting_link(stack, name)
    faults.codepipeline.inject("PutApprovalResult", lose_answer=True, times=1)

    response = submit(url, "Ship it")

    tally("PutApprovalResult answer lost", [response], engine_calls.decisions())
    assert response.status_code < 500
    assert engine_calls.decisions() == 1
    assert stage_statuses(stack, pipeline)["Approval"] == "Succeeded"


def test_a_lost_put_approval_result_answer_is_reported_as_the_decision_made(
    stack: OfflineStack, faults: Faults, name: str,
) -> None:
    _, url = waiting_link(stack, name)
    faults.codepipeline.inject("PutApprovalResult", lose_answer=True, times=1)

    response = submit(url, "Ship it")

    assert response.status_code == 200
    assert "newer run" not in open_link(url).text


def test_dynamodb_unavailable_shows_try_again_and_a_later_click_decides_once(
    stack: OfflineStack, faults: Faults, name: str, engine_calls: EngineCalls,
) -> None:
    pipeline, url = waiting_link(stack, name)
    faults.aws.inject("dynamodb", code="InternalServerError", times=None)

    failed = [open_link(url), submit(url, "Ship it")]

    tally("DynamoDB down", failed, engine_calls.decisions())
    for response in failed:
        assert_try_again(response)
    assert engine_calls.decisions() == 0
    faults.clear()
    assert submit(url, "Ship it").status_code == 200
    assert engine_calls.decisions() == 1
    assert stage_statuses(stack, pipeline)["Approval"] == "Succeeded"


def test_a_failure_after_the_decision_is_not_reported_as_nothing_decided(
    stack: OfflineStack, faults: Faults, name: str, engine_calls: EngineCalls,
) -> None:
    _, url = waiting_link(stack, name)
    faults.aws.inject("dynamodb.UpdateItem", code="InternalServerError", times=None,
                      body_contains="REMOVE pending")

    response = submit(url, "Ship it")

    assert engine_calls.decisions() == 1
    assert response.status_code == 200  # the decision stands; the page must say so


def test_secrets_manager_unavailable_shows_try_again_for_every_method(
    stack: OfflineStack, faults: Faults, name: str, engine_calls: EngineCalls,
) -> None:
    _, url = waiting_link(stack, name)
    faults.aws.inject("secretsmanager.GetSecretValue", code="InternalServiceError", times=None)

    failed = [open_link(url), requests.head(url, timeout=30), submit(url, "Ship it")]

    tally("Secrets Manager down", failed, engine_calls.decisions())
    for response in failed:
        assert_try_again(response)
    assert engine_calls.count("PutApprovalResult") == 0
    faults.clear()
    assert submit(url, "Ship it").status_code == 200
    assert engine_calls.decisions() == 1


def decide_timeout() -> float:
    return float(load_template()["Resources"]["DecideFunction"]["Properties"]["Timeout"])


@pytest.mark.parametrize("client", ["codepipeline", "secrets", "table"])
def test_every_decide_client_gives_up_on_a_silent_dependency_within_the_timeout(
    stack: OfflineStack, client: str,
) -> None:
    config = client_config(stack, "decide", client)
    worst = attempts(config) * (float(config.connect_timeout) + float(config.read_timeout))

    assert worst < decide_timeout()


def test_ses_down_during_a_decision_still_reports_the_decision_made(
    stack: OfflineStack, faults: Faults, name: str, engine_calls: EngineCalls,
) -> None:
    # The decision's outcome mails go out after the response (the table's stream): SES
    # plays no part in the request.
    pipeline, url = waiting_link(stack, name)
    faults.aws.inject("ses.SendEmail", code="InternalFailure", times=None)

    response = submit(url, "Ship it")

    tally("SES down during a decision", [response], engine_calls.decisions())
    assert response.status_code == 200
    assert engine_calls.decisions() == 1
    assert stage_statuses(stack, pipeline)["Approval"] == "Succeeded"
