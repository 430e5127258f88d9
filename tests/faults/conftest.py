"""Fixtures of the fault tests: the stack's fault proxies, retries without their waits, and an
account of what became of each approval request."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from botocore.retries.standard import ExponentialBackoff

from local.faults import Faults
from local.stack import OfflineStack
from tests.adversarial.observe import TALLY, EngineCalls, forget_requests, observed
from tests.live import waiting_approval


def attempts(config: Any) -> int:
    """HTTP attempts botocore makes for one call under `config`."""
    retries = config.retries or {}
    if "total_max_attempts" in retries:
        return int(retries["total_max_attempts"])
    return int(retries.get("max_attempts", 2)) + 1  # botocore's max_attempts counts retries


def client_config(stack: OfflineStack, function: str, name: str) -> Any:
    """The botocore Config of a client a loaded function holds, such as decide's `table`."""
    handler = getattr(stack, f"{function}_handler")
    held = getattr(sys.modules[handler.__module__], name)
    meta = getattr(held, "meta", None)
    client = (meta.client if meta is not None and hasattr(meta, "client")
              else getattr(held, "client", held))
    return client.meta.config


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retry as often and on the same errors as configured, without sleeping in between."""
    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda self, context: 0.0)


@pytest.fixture
def tokens(stack: OfflineStack) -> Iterator[list[str]]:
    """Approval tokens of the test's requests; their records go when it ends."""
    used: list[str] = []
    yield used
    forget_requests(stack, used)


@pytest.fixture
def faults(stack: OfflineStack, tokens: list[str]) -> Iterator[Faults]:
    # Asks for `tokens` so that the records are deleted after the faults are cleared.
    proxies: Faults | None = getattr(stack, "fault_proxies", None)
    if proxies is None:
        pytest.skip("the session's stack has no fault proxies: start it with "
                    "OfflineStack(faults=True)")
    forget_secrets(stack)
    yield proxies
    proxies.clear()
    proxies.wait_idle()
    forget_secrets(stack)


@pytest.fixture
def engine_calls(stack: OfflineStack) -> Iterator[EngineCalls]:
    with observed(stack.engine) as calls:
        yield calls


def forget_secrets(stack: OfflineStack) -> None:
    """Drop every function's cached signing key, as a fresh container would have none."""
    for handler in (stack.notify_handler, stack.decide_handler):
        sys.modules[handler.__module__].secrets.clear_cache()


def approval_event(stack: OfflineStack, pipeline: str, tokens: list[str]) -> dict[str, Any]:
    """The SNS event of a new approval request: a copy of the example pipeline, named
    `pipeline`, runs to its approval (notify mails only about approvals that wait)."""
    waiting = waiting_approval(stack, pipeline)
    tokens.append(waiting.token)
    return waiting.event(stack, customData="Fault test")


def dead_lettered(stack: OfflineStack) -> set[str]:
    """SNS message IDs of every event now in the dead-letter queue."""
    found: set[str] = set()
    for _ in range(20):
        batch = stack.dead_letters()
        if not batch:
            break
        found |= {event["Records"][0]["Sns"]["MessageId"] for event in batch}
    return found


@dataclass(frozen=True)
class Account:
    """What became of a batch of approval requests."""

    requests: int
    mailed: int  # every approver got at least one mail
    dead_lettered: int
    lost: int  # neither mailed to everyone nor in the dead-letter queue
    duplicated: int  # mails beyond one per approver and request

    def tally(self, subject: str) -> None:
        TALLY.add(f"faults, {subject}", requests=self.requests, lost=self.lost,
                  duplicated_mails=self.duplicated, dead_lettered=self.dead_lettered)


def account(stack: OfflineStack, events: dict[str, dict[str, Any]],
            approvers: tuple[str, ...] = ("alice@example.com", "bob@example.com")) -> Account:
    """Account for the requests in `events` (pipeline name -> the event published for it)."""
    stack.collect_mails()
    dead = dead_lettered(stack)
    mailed = in_queue = lost = duplicated = 0
    for pipeline, event in events.items():
        mails = Counter(mail.recipient for mail in stack.mails
                        if mail.subject.startswith(f"Approval needed: {pipeline} /"))
        duplicated += sum(count - 1 for count in mails.values() if count > 1)
        everyone = all(mails[approver] for approver in approvers)
        queued = event["Records"][0]["Sns"]["MessageId"] in dead
        mailed += everyone
        in_queue += queued
        lost += not (everyone or queued)
    return Account(len(events), mailed, in_queue, lost, duplicated)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    TALLY.write(terminalreporter)
