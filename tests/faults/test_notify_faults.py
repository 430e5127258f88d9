"""The notify function when SES, Secrets Manager, DynamoDB or CodePipeline fail: every approval
request ends up mailed to every approver or in the dead-letter queue, and mails go out once
unless SES itself lost its answer."""

from __future__ import annotations

from greenlight.links import token_digest
from local.faults import Faults
from local.stack import OfflineStack
from tests.faults.conftest import account, approval_event, attempts, client_config


def ses_attempts(stack: OfflineStack) -> int:
    return attempts(client_config(stack, "notify", "sesv2"))


def test_throttled_sends_are_retried_and_every_approver_gets_one_mail(
    stack: OfflineStack, faults: Faults, name: str, tokens: list[str],
) -> None:
    throttle = faults.aws.inject("ses.SendEmail", code="TooManyRequestsException",
                                 times=ses_attempts(stack) - 1)
    events = {name: approval_event(stack, name, tokens)}

    stack.invoke_notify(events[name])

    outcome = account(stack, events)
    outcome.tally("SES throttled (fewer times than the client retries)")
    assert throttle.hits == ses_attempts(stack) - 1
    assert (outcome.mailed, outcome.dead_lettered, outcome.lost, outcome.duplicated) == (
        1, 0, 0, 0)


def test_a_send_failing_for_one_approver_is_retried_without_mailing_the_others_twice(
    stack: OfflineStack, faults: Faults, name: str, tokens: list[str],
) -> None:
    # Every attempt of the first invocation fails for bob; Lambda then retries the event.
    faults.aws.inject("ses.SendEmail", code="InternalFailure", times=ses_attempts(stack),
                      body_contains="bob@example.com")
    events = {name: approval_event(stack, name, tokens)}

    stack.invoke_notify(events[name])

    outcome = account(stack, events)
    outcome.tally("SES failing for one approver for a whole invocation")
    assert (outcome.mailed, outcome.dead_lettered, outcome.lost, outcome.duplicated) == (
        1, 0, 0, 0)


def test_ses_down_for_good_puts_the_request_in_the_dead_letter_queue(
    stack: OfflineStack, faults: Faults, name: str, tokens: list[str],
) -> None:
    faults.aws.inject("ses.SendEmail", code="InternalFailure", times=None)
    events = {name: approval_event(stack, name, tokens)}
    errors = len(stack.notify_errors)
    refused = faults.aws.count("ses.SendEmail", faulted=True)

    stack.invoke_notify(events[name])

    outcome = account(stack, events)
    outcome.tally("SES down")
    assert len(stack.notify_errors) == errors + 1
    assert (outcome.mailed, outcome.dead_lettered, outcome.lost) == (0, 1, 0)
    # Three invocations (the first and Lambda's two retries), each retrying every send.
    assert faults.aws.count("ses.SendEmail", faulted=True) - refused == (
        3 * 2 * ses_attempts(stack))


def test_a_lost_ses_answer_may_mail_an_approver_twice_but_loses_nothing(
    stack: OfflineStack, faults: Faults, name: str, tokens: list[str],
) -> None:
    # SES accepted the mail and the answer never came: botocore retries, SES sends again.
    faults.aws.inject("ses.SendEmail", lose_answer=True, times=1)
    events = {name: approval_event(stack, name, tokens)}

    stack.invoke_notify(events[name])

    outcome = account(stack, events)
    outcome.tally("SES answer lost once")
    assert (outcome.mailed, outcome.dead_lettered, outcome.lost) == (1, 0, 0)
    assert outcome.duplicated <= 1


def test_secrets_manager_down_puts_the_request_in_the_dead_letter_queue(
    stack: OfflineStack, faults: Faults, name: str, tokens: list[str],
) -> None:
    faults.aws.inject("secretsmanager.GetSecretValue", code="InternalServiceError", times=None)
    events = {name: approval_event(stack, name, tokens)}

    stack.invoke_notify(events[name])

    outcome = account(stack, events)
    outcome.tally("Secrets Manager down (notify)")
    assert (outcome.mailed, outcome.dead_lettered, outcome.lost) == (0, 1, 0)


def test_dynamodb_down_puts_the_request_in_the_dead_letter_queue(
    stack: OfflineStack, faults: Faults, name: str, tokens: list[str],
) -> None:
    faults.aws.inject("dynamodb", code="InternalServerError", times=None)
    events = {name: approval_event(stack, name, tokens)}

    stack.invoke_notify(events[name])

    outcome = account(stack, events)
    outcome.tally("DynamoDB down (notify)")
    assert (outcome.mailed, outcome.dead_lettered, outcome.lost) == (0, 1, 0)


def test_codepipeline_down_puts_the_request_in_the_dead_letter_queue(
    stack: OfflineStack, faults: Faults, name: str, tokens: list[str],
) -> None:
    # Whether CodePipeline waits on the token cannot be checked: nothing is mailed or
    # recorded, and the message is retried, then kept for a redrive.
    faults.codepipeline.inject("codepipeline", code="ServiceUnavailable", times=None)
    events = {name: approval_event(stack, name, tokens)}

    stack.invoke_notify(events[name])

    outcome = account(stack, events)
    outcome.tally("CodePipeline down (notify)")
    assert (outcome.mailed, outcome.dead_lettered, outcome.lost) == (0, 1, 0)
    assert stack.table.get_item(Key={"request_id": token_digest(tokens[-1])}).get("Item") is None

    faults.clear()
    stack.invoke_notify(events[name])  # redriven once CodePipeline answers again
    assert account(stack, events).mailed == 1


def test_a_failed_run_lookup_still_mails_every_approver(
    stack: OfflineStack, faults: Faults, name: str, tokens: list[str],
) -> None:
    # The run's details are a courtesy: without them the mail still carries both links.
    faults.codepipeline.inject("GetPipelineExecution", code="ServiceUnavailable", times=None)
    events = {name: approval_event(stack, name, tokens)}

    stack.invoke_notify(events[name])

    outcome = account(stack, events)
    outcome.tally("CodePipeline run lookup failing (notify)")
    assert (outcome.mailed, outcome.dead_lettered, outcome.lost, outcome.duplicated) == (
        1, 0, 0, 0)


def test_a_batch_of_requests_through_intermittent_faults_is_all_accounted_for(
    stack: OfflineStack, faults: Faults, name: str, tokens: list[str],
) -> None:
    faults.aws.inject("ses.SendEmail", code="TooManyRequestsException", times=6)
    faults.aws.inject("dynamodb.UpdateItem", code="ProvisionedThroughputExceededException",
                      status=400, times=4)
    faults.codepipeline.inject("GetPipelineState", code="ThrottlingException", times=3)
    faults.aws.inject("ses.SendEmail", lose_answer=True, times=1)
    pipelines = [f"{name[:80]}-{i}" for i in range(8)]
    events = {pipeline: approval_event(stack, pipeline, tokens) for pipeline in pipelines}

    for event in events.values():
        stack.invoke_notify(event)
    # SNS delivers at least once: a redelivered message must not mail anyone again.
    stack.invoke_notify(next(iter(events.values())))

    outcome = account(stack, events)
    outcome.tally("mixed faults, 8 requests and a redelivery")
    assert outcome.lost == 0
    assert outcome.mailed + outcome.dead_lettered >= len(events)
    assert outcome.duplicated <= 1  # only the one lost SES answer may cost a second mail
