"""Plain boto3 clients: endpoints, region and credentials come from the environment only."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

# Standard retry mode retries throttling (SES's TooManyRequestsException, CodePipeline's
# ThrottlingException) and transient 5xx with backoff; the timeouts keep a slow dependency
# from using up the function's own time.
CLIENT_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 4},
    connect_timeout=3,
    read_timeout=8,
)


def client(service: str) -> Any:
    return boto3.client(service, config=CLIENT_CONFIG)  # type: ignore[call-overload]
