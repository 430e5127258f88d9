"""Shared fixtures: sample events, the template environment, and one offline stack.

The handlers bind their clients at import, as in Lambda, so the whole session shares one
offline stack (started only when a test asks for it) and each test uses pipelines of its own.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from greenlight.rendering import Templates
from local.stack import OfflineStack
from tests.codepipeline.models import PROTOCOLS, write_model

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"

# GREENLIGHT_CODEPIPELINE_PROTOCOL=cbor (or json) runs the whole suite with botocore resolving
# CodePipeline to that wire protocol: before any client exists, a copy of botocore's model that
# offers only that protocol goes first on AWS_DATA_PATH. Unset, botocore chooses as it ships.
FORCED_PROTOCOL = os.environ.get("GREENLIGHT_CODEPIPELINE_PROTOCOL")
if FORCED_PROTOCOL:
    if FORCED_PROTOCOL not in PROTOCOLS:
        raise pytest.UsageError(
            f"GREENLIGHT_CODEPIPELINE_PROTOCOL must be one of {sorted(PROTOCOLS)}")
    _models = Path(tempfile.mkdtemp(prefix="codepipeline-model-"))
    atexit.register(shutil.rmtree, _models, ignore_errors=True)
    write_model(PROTOCOLS[FORCED_PROTOCOL], _models)
    os.environ["AWS_DATA_PATH"] = os.pathsep.join(
        filter(None, [str(_models), os.environ.get("AWS_DATA_PATH")]))


def pytest_report_header() -> str:
    """Which protocol botocore resolves CodePipeline to in this run, as a client reports it."""
    client = boto3.session.Session().client("codepipeline", region_name="us-east-1")
    return f"codepipeline protocol: {client.meta.service_model.resolved_protocol}"


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
    # Outcome mails go out after the response (the table's stream): they land within the
    # test that caused them, not in the next one's mails. The wait ends once every change
    # written so far has been handled; a stream still busy after that long is a fault.
    caught_up = offline_stack.wait_for_outcomes(timeout=90)
    offline_stack.collect_mails()
    offline_stack.time_offset = timedelta(0)
    offline_stack.clear_caches()
    assert caught_up, "the table's stream was still busy after 90 s"


@pytest.fixture
def name(request: pytest.FixtureRequest) -> str:
    """A pipeline name unique to the test."""
    return re.sub(r"[^A-Za-z0-9-]", "-", request.node.name)[:90]


@pytest.fixture
def quorum(stack: OfflineStack, name: str) -> str:
    """A copy of the example pipeline that the session policy's two-of-three rule matches."""
    from tests.offline import load_pipeline

    return load_pipeline(stack, "seed-pipeline.json", f"quorum-{name}"[:90])
