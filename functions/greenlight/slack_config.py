"""Whether Slack is on, read once at start: greenlight.slack (and slack_sdk) load only when
SLACK_BOT_TOKEN_ARN or SLACK_SIGNING_SECRET_ARN is set, so a function without Slack starts
as fast as before."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from greenlight.slack import SlackSettings

SLACK_VARIABLES = ("SLACK_BOT_TOKEN_ARN", "SLACK_SIGNING_SECRET_ARN")


def slack_settings_of(env: Mapping[str, str]) -> SlackSettings | None:
    """Slack's settings, None when it is off; a half-configured Slack fails at start."""
    if not any(env.get(name, "").strip() for name in SLACK_VARIABLES):
        return None
    from greenlight.slack import SlackSettings

    return SlackSettings.from_env(env)
