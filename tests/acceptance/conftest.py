"""The acceptance tests' own `name`: unique to the whole test id, parameters included, so
that long parametrised names cut to one length never share a pipeline."""

from __future__ import annotations

import hashlib
import re

import pytest


@pytest.fixture
def name(request: pytest.FixtureRequest) -> str:
    digest = hashlib.sha256(request.node.nodeid.encode()).hexdigest()[:10]
    return f"{re.sub(r'[^A-Za-z0-9-]', '-', request.node.originalname)[:50]}-{digest}"
