"""The configuration contract: every setting comes from the environment, read once at start."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import formataddr
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


SES_CONFIGURATION_SET = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# A display name shows beside the address: it may not look like an address itself, nor carry
# quotes, brackets or characters that would end the header or hide what it says.
SENDER_NAME = re.compile(
    r"^[^@<>\"\\\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]{1,64}$")


@dataclass(frozen=True)
class MailDelivery:
    """How SES sends: the From mailbox (with its display name) and the configuration set."""

    sender_email: str
    sender_name: str | None = None
    configuration_set: str | None = None

    @property
    def mail_from(self) -> str:
        """`Greenlight <approvals@example.com>`, or the bare address without a name."""
        if not self.sender_name:
            return self.sender_email
        return formataddr((self.sender_name, self.sender_email))

    @classmethod
    def from_env(cls, sender_email: str, env: Mapping[str, str]) -> MailDelivery:
        name = _optional(env, "SENDER_NAME")
        if name is not None and not SENDER_NAME.fullmatch(name):
            raise ConfigurationError(
                f"SENDER_NAME holds {name!a}: at most 64 characters, without @ < > \" \\ "
                "or control and invisible characters")
        configuration_set = _optional(env, "SES_CONFIGURATION_SET")
        if configuration_set is not None and not SES_CONFIGURATION_SET.fullmatch(
                configuration_set):
            raise ConfigurationError(f"SES_CONFIGURATION_SET holds {configuration_set!r}, "
                                     "which is not a configuration set name")
        return cls(sender_email, name, configuration_set)


@dataclass(frozen=True)
class NotifySettings:
    """The notify function's environment."""

    sender_email: str
    approver_emails: tuple[str, ...]
    signing_secret_arn: str
    approval_api_url: str
    approvals_table: str | None = None
    policy_json: str | None = None
    policy_parameter: str | None = None
    delivery: MailDelivery | None = None

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
        sender = _email("SENDER_EMAIL", _required(env, "SENDER_EMAIL"))
        return cls(
            sender_email=sender,
            approver_emails=approvers,
            signing_secret_arn=_required(env, "SIGNING_SECRET_ARN"),
            approval_api_url=_api_url(env),
            approvals_table=_optional(env, "APPROVALS_TABLE"),
            policy_json=policy_json,
            policy_parameter=policy_parameter,
            delivery=MailDelivery.from_env(sender, env),
        )


@dataclass(frozen=True)
class DecideSettings:
    """The decide function's environment."""

    signing_secret_arn: str
    approvals_table: str | None = None
    sender_email: str | None = None
    # The key of the votes' MACs; needed wherever votes are kept (with APPROVALS_TABLE).
    vote_signing_secret_arn: str | None = None
    delivery: MailDelivery | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> DecideSettings:
        table = _optional(env, "APPROVALS_TABLE")
        raw_sender = _optional(env, "SENDER_EMAIL")
        sender = _email("SENDER_EMAIL", raw_sender) if raw_sender else None
        return cls(
            signing_secret_arn=_required(env, "SIGNING_SECRET_ARN"),
            approvals_table=table,
            sender_email=sender,
            delivery=MailDelivery.from_env(sender, env) if sender else None,
            vote_signing_secret_arn=(_required(env, "VOTE_SIGNING_SECRET_ARN") if table
                                     else _optional(env, "VOTE_SIGNING_SECRET_ARN")),
        )


@dataclass(frozen=True)
class RemindSettings:
    """The sweep's environment."""

    sender_email: str
    signing_secret_arn: str
    approval_api_url: str
    approvals_table: str
    vote_signing_secret_arn: str
    delivery: MailDelivery | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> RemindSettings:
        sender = _email("SENDER_EMAIL", _required(env, "SENDER_EMAIL"))
        return cls(
            sender_email=sender,
            delivery=MailDelivery.from_env(sender, env),
            signing_secret_arn=_required(env, "SIGNING_SECRET_ARN"),
            approval_api_url=_api_url(env),
            approvals_table=_required(env, "APPROVALS_TABLE"),
            vote_signing_secret_arn=_required(env, "VOTE_SIGNING_SECRET_ARN"),
        )


@dataclass(frozen=True)
class TellSettings:
    """The outcome mails' function (greenlight.tell): who sends, where the votes are, and the
    key their MACs verify under (a forged vote is never named in an outcome mail)."""

    delivery: MailDelivery
    approvals_table: str
    vote_signing_secret_arn: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> TellSettings:
        sender = _email("SENDER_EMAIL", _required(env, "SENDER_EMAIL"))
        return cls(delivery=MailDelivery.from_env(sender, env),
                   approvals_table=_required(env, "APPROVALS_TABLE"),
                   vote_signing_secret_arn=_required(env, "VOTE_SIGNING_SECRET_ARN"))
