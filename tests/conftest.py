"""Shared fixtures: sample events, the template environment, and one offline stack.

The handlers bind their clients at import, as in Lambda, so the whole session shares one
offline stack (started only when a test asks for it) and each test uses pipelines of its own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from greenlight.rendering import Templates
from local.stack import OfflineStack

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


def sns_message(name: str) -> str:
    return str(load_event(name)["Records"][0]["Sns"]["Message"])


@pytest.fixture(scope="session")
def templates() -> Templates:
    return Templates()


@pytest.fixture
def now() -> datetime:
    return datetime(2026, 11, 27, 10, 15, tzinfo=UTC)


# The session's policy: pipelines named quorum-* need two of three approvers, crowd-* two of
# twenty, separated-* two of three with separation "required"; every other pipeline falls
# back to APPROVER_EMAILS and one approval.
CROWD = [f"approver{i:02d}@example.com" for i in range(20)]
TEST_POLICY = {
    "rules": [
        {"name": "two-of-three", "match": {"pipeline": "quorum-*"},
         "approvers": ["alice@example.com", "bob@example.com", "carol@example.com"],
         "min_approvals": 2, "remind_every_minutes": 240,
         "escalate_to": ["ops-lead@example.com"], "escalate_before_minutes": 720,
         "notify": ["releases@example.com"]},
        {"name": "crowd", "match": {"pipeline": "crowd-*"}, "approvers": CROWD,
         "min_approvals": 2},
        {"name": "separated", "match": {"pipeline": "separated-*"},
         "approvers": ["alice@example.com", "bob@example.com", "carol@example.com"],
         "min_approvals": 2, "separation": "required", "notify": ["releases@example.com"]},
    ],
    "identities": {"carol": "carol@example.com", "bob.builder": "bob@example.com",
                   "Carol Jones": "carol@example.com"},
}


@pytest.fixture(scope="session")
def offline_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OfflineStack]:
    environment = {"POWERTOOLS_METRICS_DISABLED": "true",
                   "APPROVAL_POLICY": json.dumps(TEST_POLICY)}
    with OfflineStack(outbox=tmp_path_factory.mktemp("outbox"), action_seconds=0.02,
                      extra_environment=environment, faults=True) as offline:
        yield offline


@pytest.fixture
def stack(offline_stack: OfflineStack) -> Iterator[OfflineStack]:
    """The session's offline stack; signing keys are read afresh after each test."""
    yield offline_stack
    offline_stack.time_offset = timedelta(0)
    offline_stack.clear_caches()


@pytest.fixture
def name(request: pytest.FixtureRequest) -> str:
    """A pipeline name unique to the test."""
    return re.sub(r"[^A-Za-z0-9-]", "-", request.node.name)[:90]


@pytest.fixture
def quorum(stack: OfflineStack, name: str) -> str:
    """A copy of the example pipeline that the session policy's two-of-three rule matches."""
    from tests.offline import load_pipeline

    return load_pipeline(stack, "seed-pipeline.json", f"quorum-{name}"[:90])
