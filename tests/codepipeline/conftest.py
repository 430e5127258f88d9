"""Fixtures of the CodePipeline stand-in's tests: a fake clock, an outbox and an engine."""

from __future__ import annotations

import pytest

from local.codepipeline.engine import Engine
from tests.codepipeline.scenario import FakeClock, Outbox, make_engine


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def outbox() -> Outbox:
    return Outbox()


@pytest.fixture
def engine(clock: FakeClock, outbox: Outbox) -> Engine:
    return make_engine(clock, outbox)
