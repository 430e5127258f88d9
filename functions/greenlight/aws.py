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


def send_through(sesv2: Any, configuration_set: str | None) -> Any:
    """The SES client, set once per container to name `configuration_set` (if any) in every
    SendEmail it makes: SES then applies the set's event publishing and IP pool, and IAM
    checks ses:SendEmail on the set as well as on the identity."""
    if configuration_set:
        def name_the_set(params: dict[str, Any], **_: Any) -> None:
            params.setdefault("ConfigurationSetName", configuration_set)

        sesv2.meta.events.register("provide-client-params.sesv2.SendEmail", name_the_set)
    return sesv2
