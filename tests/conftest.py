"""Shared fixtures: sample events, fixed clocks, and the template environment."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from greenlight.rendering import Templates

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
