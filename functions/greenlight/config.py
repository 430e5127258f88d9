"""The configuration contract: every setting comes from the environment, read once at start."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

EMAIL = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")
# Addresses are printable ASCII: no zero-width, bidi or control character can make one read
# as another, and SES accepts every address that passes.
PRINTABLE_ASCII = re.compile(r"^[\x21-\x7e]+$")


def normalise_email(value: str) -> str:
    """An address as Greenlight keeps and compares it: stripped and lower-case. Raises
    ValueError, naming the address with its hidden characters escaped, if it is not one."""
    address = value.strip()
    if not PRINTABLE_ASCII.fullmatch(address):
        raise ValueError(f"{address!a} is not an email address: only printable ASCII "
                         "is accepted (no spaces, zero-width, bidi or non-ASCII characters)")
    if not EMAIL.fullmatch(address):
        raise ValueError(f"{address!r} is not an email address")
    return address.lower()


class ConfigurationError(RuntimeError):
    """A required setting is missing or malformed; the message names it."""


def _required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise ConfigurationError(f"{name} is not set; see the configuration section of the README")
    return value


def _email(name: str, value: str) -> str:
    try:
        return normalise_email(value)
    except ValueError as error:
        raise ConfigurationError(f"{name} holds {error}") from None


def _api_url(env: Mapping[str, str]) -> str:
    url = _required(env, "APPROVAL_API_URL").rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigurationError(
            "APPROVAL_API_URL must be the decide API's base URL with its stage, "
            f"such as https://abc.execute-api.eu-west-1.amazonaws.com/Prod (got {url!r})"
        )
    return url


def parse_approver_emails(raw: str, name: str = "APPROVER_EMAILS") -> tuple[str, ...]:
    """Comma-separated addresses, lower-cased, duplicates dropped, order kept."""
    seen: dict[str, None] = {}
    for item in raw.split(","):
        if item.strip():
            seen[_email(name, item.strip())] = None
    return tuple(seen)


def _optional(env: Mapping[str, str], name: str) -> str | None:
    return env.get(name, "").strip() or None


@dataclass(frozen=True)
class NotifySettings:
    sender_email: str
    approver_emails: tuple[str, ...]
    signing_secret_arn: str
    approval_api_url: str
    approvals_table: str | None = None
    policy_json: str | None = None
    policy_parameter: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> NotifySettings:
        approvers = parse_approver_emails(_required(env, "APPROVER_EMAILS"))
        if not approvers:
            raise ConfigurationError("APPROVER_EMAILS lists no address")
        policy_json = _optional(env, "APPROVAL_POLICY")
        policy_parameter = _optional(env, "APPROVAL_POLICY_PARAMETER")
        if policy_json and policy_parameter:
            raise ConfigurationError(
                "set APPROVAL_POLICY or APPROVAL_POLICY_PARAMETER, not both")
        return cls(
            sender_email=_email("SENDER_EMAIL", _required(env, "SENDER_EMAIL")),
            approver_emails=approvers,
            signing_secret_arn=_required(env, "SIGNING_SECRET_ARN"),
            approval_api_url=_api_url(env),
            approvals_table=_optional(env, "APPROVALS_TABLE"),
            policy_json=policy_json,
            policy_parameter=policy_parameter,
        )


@dataclass(frozen=True)
class DecideSettings:
    signing_secret_arn: str
    approvals_table: str | None = None
    sender_email: str | None = None
    # The key of the votes' MACs; needed wherever votes are kept (with APPROVALS_TABLE).
    vote_signing_secret_arn: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> DecideSettings:
        table = _optional(env, "APPROVALS_TABLE")
        sender = _optional(env, "SENDER_EMAIL")
        return cls(
            signing_secret_arn=_required(env, "SIGNING_SECRET_ARN"),
            approvals_table=table,
            sender_email=_email("SENDER_EMAIL", sender) if sender else None,
            vote_signing_secret_arn=(_required(env, "VOTE_SIGNING_SECRET_ARN") if table
                                     else _optional(env, "VOTE_SIGNING_SECRET_ARN")),
        )


@dataclass(frozen=True)
class RemindSettings:
    sender_email: str
    signing_secret_arn: str
    approval_api_url: str
    approvals_table: str
    vote_signing_secret_arn: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> RemindSettings:
        return cls(
            sender_email=_email("SENDER_EMAIL", _required(env, "SENDER_EMAIL")),
            signing_secret_arn=_required(env, "SIGNING_SECRET_ARN"),
            approval_api_url=_api_url(env),
            approvals_table=_required(env, "APPROVALS_TABLE"),
            vote_signing_secret_arn=_required(env, "VOTE_SIGNING_SECRET_ARN"),
        )
