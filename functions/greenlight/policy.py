"""Approval policy: who approves which action, how many must agree, reminders and escalation.

Operators write it as JSON, inline in APPROVAL_POLICY or in the SSM parameter named by
APPROVAL_POLICY_PARAMETER. Rules match pipeline, stage and action with glob patterns; the
first match wins; with no match the default approvers (APPROVER_EMAILS) and one approval.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from greenlight.config import EMAIL

RULE_FIELDS = {
    "match", "approvers", "min_approvals", "reject_needs_reason", "remind_every_minutes",
    "escalate_to", "escalate_before_minutes", "notify", "name",
}
MATCH_FIELDS = {"pipeline", "stage", "action"}
REQUESTER_NOTE = re.compile(r"(?:^|[\s;,(])requester\s*[:=]\s*([^\s;,)]+)", re.IGNORECASE)


class PolicyError(ValueError):
    """The policy is not valid; the message says where and what."""


@dataclass(frozen=True)
class Rule:
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
        }


@dataclass(frozen=True)
class Policy:
    rules: tuple[Rule, ...] = ()
    # Requester identities (IAM principal ARNs, role session names, user names) to the
    # approver address that person uses, so nobody approves their own run.
    identities: Mapping[str, str] = field(default_factory=dict)

    def rule_for(self, pipeline: str, stage: str, action: str,
                 default_approvers: tuple[str, ...]) -> Rule:
        for rule in self.rules:
            if rule.matches(pipeline, stage, action):
                return rule
        return Rule(approvers=default_approvers)

    def approver_for(self, requester: str | None, approvers: tuple[str, ...]) -> str | None:
        """The approver address that belongs to whoever asked for the run, if known."""
        if not requester:
            return None
        candidates = [requester, requester.lower()]
        if requester.startswith("arn:"):
            # arn:aws:sts::123456789012:assumed-role/Role/session -> also "session"
            candidates.append(requester.rsplit("/", 1)[-1])
        for candidate in candidates:
            mapped = self.identities.get(candidate)
            if mapped:
                return mapped
        lowered = requester.lower()
        return lowered if lowered in approvers else None


def requester_from(custom_data: str | None, trigger: Mapping[str, Any] | None) -> str | None:
    """Who asked for the run: `requester: <id>` in CustomData (set through a pipeline
    variable), else the IAM principal that started the execution by hand."""
    if custom_data:
        found = REQUESTER_NOTE.search(custom_data)
        if found:
            return found.group(1).strip()
    if trigger and trigger.get("triggerType") == "StartPipelineExecution":
        detail = trigger.get("triggerDetail")
        return str(detail) if detail else None
    return None


def _where(index: int, key: str) -> str:
    return f"rules[{index}].{key}"


def _emails(value: Any, where: str, required: bool = False) -> tuple[str, ...]:
    if value is None and not required:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PolicyError(f"{where} must be a list of email addresses")
    emails = tuple(dict.fromkeys(v.strip().lower() for v in value))
    for email in emails:
        if not EMAIL.fullmatch(email):
            raise PolicyError(f"{where} holds {email!r}, which is not an email address")
    if required and not emails:
        raise PolicyError(f"{where} must name at least one approver")
    return emails


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
    )


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
    for identity, email in identities.items():
        if not EMAIL.fullmatch(email):
            raise PolicyError(f"identities[{identity!r}] is not an email address")
    return Policy(
        rules=tuple(_rule(i, raw) for i, raw in enumerate(rules)),
        identities={k: v.lower() for k, v in identities.items()},
    )
