"""Plain boto3 clients: endpoints, region and credentials come from the environment only."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

# Standard retry mode retries throttling (SES's TooManyRequestsException, CodePipeline's
# ThrottlingException) and transient 5xx with backoff; the timeouts keep a slow dependency
# from using up the function's own time. Background work (notify, remind) can wait longer:
# 4 x (3 s + 8 s) = 44 s, within notify's 60 s.
CLIENT_CONFIG = Config(
    retries={"mode": "standard", "total_max_attempts": 4},
    connect_timeout=3,
    read_timeout=8,
)
# A person waits on the decide function: a silent dependency must end in its 503 page well
# within the function's 15 s, so one call gives up after 2 x (1 s + 3 s) = 8 s.
INTERACTIVE_CONFIG = Config(
    retries={"mode": "standard", "total_max_attempts": 2},
    connect_timeout=1,
    read_timeout=3,
)


def client(service: str, config: Config = CLIENT_CONFIG) -> Any:
    return boto3.client(service, config=config)  # type: ignore[call-overload]
