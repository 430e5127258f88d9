"""Fixtures of the generated-input and race tests: a watch on every call that reaches the
CodePipeline stand-in, and the summary of what the generated cases did."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from local.stack import OfflineStack
from tests.adversarial.observe import TALLY, EngineCalls, observed


@pytest.fixture
def engine_calls(stack: OfflineStack) -> Iterator[EngineCalls]:
    with observed(stack.engine) as calls:
        yield calls


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    TALLY.write(terminalreporter)
