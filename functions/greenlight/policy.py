"""Approval policy: who approves which action, how many must agree, reminders and escalation.

Operators write it as JSON, inline in APPROVAL_POLICY or in the SSM parameter named by
APPROVAL_POLICY_PARAMETER. Rules match pipeline, stage and action with glob patterns; the
first match wins; with no match the default approvers (APPROVER_EMAILS) and one approval.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

from greenlight.config import normalise_email
from greenlight.identity import slack_identities_of
from greenlight.sign_in_rule import (
    SIGN_IN_FIELDS,
    SIGN_IN_OFF,
    PolicyError,
    SignInRule,
    sign_in_rule,
)

if TYPE_CHECKING:  # greenlight.slack reads PolicyError from here
    from greenlight.slack import SlackRule

# `identities` names that stand for an OpenID subject: oidc:<issuer>#<sub>. They are kept as
# written, since a subject is case-sensitive.
OIDC_IDENTITY_PREFIX = "oidc:"

RULE_FIELDS = {
    "match", "approvers", "min_approvals", "reject_needs_reason", "remind_every_minutes",
    "escalate_to", "escalate_before_minutes", "notify", "name", "separation", "slack",
    *SIGN_IN_FIELDS,
}
MATCH_FIELDS = {"pipeline", "stage", "action"}
# best-effort: a requester Greenlight recognises may not approve their run.
# required: besides, a run whose requester it cannot tell needs one more approval.
SEPARATIONS = ("best-effort", "required")


@dataclass(frozen=True)
class Rule:
    """One rule of the policy: which actions it matches and who approves them, how."""

    approvers: tuple[str, ...]
    pipeline: str = "*"
    stage: str = "*"
    action: str = "*"
    min_approvals: int = 1
    reject_needs_reason: bool = True
    remind_every_minutes: int | None = None
    escalate_to: tuple[str, ...] = ()
    escalate_before_minutes: int | None = None
    notify: tuple[str, ...] = ()
    name: str = "default"
    separation: str = "best-effort"
    sign_in: SignInRule = SIGN_IN_OFF
    # Under sign-in: the policy's `identities` that name one of this rule's approvers, pinned
    # with the request so that the callback resolves a signed-in identity as they stood.
    sign_in_identities: tuple[tuple[str, str], ...] = ()
    # Where the rule's requests are posted in Slack (greenlight.slack.slack_rule), and the
    # policy's `slack:` identities naming its approvers, pinned with the request.
    slack: SlackRule | None = None
    slack_identities: tuple[tuple[str, str], ...] = ()

    def matches(self, pipeline: str, stage: str, action: str) -> bool:
        return (fnmatchcase(pipeline, self.pipeline) and fnmatchcase(stage, self.stage)
                and fnmatchcase(action, self.action))

    def as_record(self) -> dict[str, Any]:
        """What a request record keeps of the rule that applied to it."""
        return {
            "rule": self.name,
            "approvers": list(self.approvers),
            "min_approvals": self.min_approvals,
            "reject_needs_reason": self.reject_needs_reason,
            "remind_every_minutes": self.remind_every_minutes,
            "escalate_to": list(self.escalate_to),
            "escalate_before_minutes": self.escalate_before_minutes,
            "notify": list(self.notify),
            "separation": self.separation,
            **self.sign_in.as_record(),
            **({"sign_in_identities": dict(self.sign_in_identities)}
               if self.sign_in.required else {}),
            **({"slack": {"channel": self.slack.channel, "mention": self.slack.mention},
                "slack_identities": dict(self.slack_identities)} if self.slack else {}),
        }


@dataclass(frozen=True)
class Policy:
    """The rules in their order (the first match wins) and the approvers' identities."""

    rules: tuple[Rule, ...] = ()
    # Requester identities (IAM principal ARNs, ROLE/SESSION, role session names, IAM user
    # names, commit author names), lower-cased, to the address that person approves with;
    # greenlight.identity resolves them.
    identities: Mapping[str, str] = field(default_factory=dict)

    def rule_for(self, pipeline: str, stage: str, action: str,
                 default_approvers: tuple[str, ...]) -> Rule:
        for rule in self.rules:
            if rule.matches(pipeline, stage, action):
                return rule
        return Rule(approvers=default_approvers)


def _where(index: int, key: str) -> str:
    return f"rules[{index}].{key}"


def _emails(value: Any, where: str, required: bool = False) -> tuple[str, ...]:
    if value is None and not required:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PolicyError(f"{where} must be a list of email addresses")
    emails = tuple(dict.fromkeys(_address(v, where) for v in value))
    if required and not emails:
        raise PolicyError(f"{where} must name at least one approver")
    return emails


def _address(value: str, where: str) -> str:
    try:
        return normalise_email(value)
    except ValueError as error:
        raise PolicyError(f"{where} holds {error}") from None


def approvals_needed(min_approvals: int, separation: str, requester_known: bool) -> int:
    """Distinct approvals a request needs: under `separation: "required"` a run whose
    requester is not known needs one more than the rule's minimum, so that the requester's
    own approval, if it is among them, never completes the approval alone."""
    return min_approvals + (1 if separation == "required" and not requester_known else 0)


def _minutes(value: Any, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise PolicyError(f"{where} must be a whole number of minutes, at least 1")
    return value


def _pattern(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value or len(value) > 200:
        raise PolicyError(f"{where} must be a non-empty glob pattern")
    return value


def _rule(index: int, raw: Any) -> Rule:
    from greenlight.slack import slack_rule

    if not isinstance(raw, dict):
        raise PolicyError(f"rules[{index}] must be an object")
    unknown = set(raw) - RULE_FIELDS
    if unknown:
        raise PolicyError(f"rules[{index}] has unknown fields: {', '.join(sorted(unknown))}")
    match = raw.get("match", {})
    if not isinstance(match, dict) or set(match) - MATCH_FIELDS:
        raise PolicyError(f"{_where(index, 'match')} must be an object with pipeline, stage "
                          "and/or action patterns")
    approvers = _emails(raw.get("approvers"), _where(index, "approvers"), required=True)
    minimum = raw.get("min_approvals", 1)
    if isinstance(minimum, bool) or not isinstance(minimum, int) or minimum < 1:
        raise PolicyError(f"{_where(index, 'min_approvals')} must be a whole number, at least 1")
    if minimum > len(approvers):
        raise PolicyError(f"{_where(index, 'min_approvals')} is {minimum} but the rule names "
                          f"only {len(approvers)} approvers")
    needs_reason = raw.get("reject_needs_reason", True)
    if not isinstance(needs_reason, bool):
        raise PolicyError(f"{_where(index, 'reject_needs_reason')} must be true or false")
    escalate_to = _emails(raw.get("escalate_to"), _where(index, "escalate_to"))
    escalate_before = _minutes(raw.get("escalate_before_minutes"),
                               _where(index, "escalate_before_minutes"))
    if bool(escalate_to) != (escalate_before is not None):
        raise PolicyError(f"rules[{index}]: escalate_to and escalate_before_minutes go together")
    name = raw.get("name", f"rules[{index}]")
    if not isinstance(name, str):
        raise PolicyError(f"{_where(index, 'name')} must be text")
    separation = raw.get("separation", "best-effort")
    if separation not in SEPARATIONS:
        raise PolicyError(f"{_where(index, 'separation')} must be \"best-effort\" or "
                          "\"required\"")
    return Rule(
        approvers=approvers,
        pipeline=_pattern(match.get("pipeline", "*"), _where(index, "match.pipeline")),
        stage=_pattern(match.get("stage", "*"), _where(index, "match.stage")),
        action=_pattern(match.get("action", "*"), _where(index, "match.action")),
        min_approvals=minimum,
        reject_needs_reason=needs_reason,
        remind_every_minutes=_minutes(raw.get("remind_every_minutes"),
                                      _where(index, "remind_every_minutes")),
        escalate_to=escalate_to,
        escalate_before_minutes=escalate_before,
        notify=_emails(raw.get("notify"), _where(index, "notify")),
        name=name,
        separation=separation,
        sign_in=sign_in_rule(raw, f"rules[{index}]"),
        slack=slack_rule(raw.get("slack"), _where(index, "slack")),
    )


def _pinned_identities(rule: Rule, identities: Mapping[str, str]) -> Rule:
    if rule.slack is not None:
        rule = replace(rule, slack_identities=tuple(sorted(
            slack_identities_of(rule.approvers, identities).items())))
    if not rule.sign_in.required:
        return rule
    approvers = set(rule.approvers)
    return replace(rule, sign_in_identities=tuple(sorted(
        (name, address) for name, address in identities.items() if address in approvers)))


def parse_policy(text: str) -> Policy:
    """Parse and check a policy document; raise PolicyError saying what is wrong."""
    try:
        document = json.loads(text)
    except ValueError as error:
        raise PolicyError(f"the policy is not valid JSON: {error}") from None
    if not isinstance(document, dict):
        raise PolicyError("the policy must be a JSON object with a `rules` list")
    rules = document.get("rules")
    if not isinstance(rules, list):
        raise PolicyError("the policy must have a `rules` list")
    identities = document.get("identities", {})
    if not isinstance(identities, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in identities.items()):
        raise PolicyError("`identities` must map requester identities to email addresses")
    normalised: dict[str, str] = {}
    for identity, email in identities.items():
        name = identity.strip()
        if name.lower().startswith(OIDC_IDENTITY_PREFIX):
            name = OIDC_IDENTITY_PREFIX + name[len(OIDC_IDENTITY_PREFIX):]
        else:
            name = name.lower()
        address = _address(email, f"identities[{identity!r}]")
        if not name:
            raise PolicyError("`identities` has an empty name")
        if normalised.get(name, address) != address:
            raise PolicyError(f"identities[{identity!r}] names {address}, but another spelling "
                              f"of it names {normalised[name]}; names compare without case")
        normalised[name] = address
    return Policy(
        rules=tuple(_pinned_identities(_rule(i, raw), normalised)
                    for i, raw in enumerate(rules)),
        identities=normalised,
    )
