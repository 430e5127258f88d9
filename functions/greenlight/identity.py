"""Who is who: the IAM principal that started a run, a commit author, a name declared in
CustomData, an OpenID subject, a Slack user and an approver's address all resolve here, and
only here, to one person's address.

Every check that asks "is this approver the one who asked for the run?" or "is who signed in
this link's approver?" asks this module.
Names compare case-insensitively. A principal is looked up in the policy's `identities` by its
full ARN, then `ROLE/SESSION`, then the session or user name; a name that is itself an address
(an IAM Identity Center session is named after its user's address) is that person.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlsplit

from greenlight.config import normalise_email

# arn:PARTITION:sts::ACCOUNT:assumed-role/ROLE/SESSION, arn:PARTITION:iam::ACCOUNT:user/PATH/NAME
PRINCIPAL_ARN = re.compile(r"^arn:aws[a-z-]*:(sts|iam)::(\d{12}):([A-Za-z-]+)/(.+)$")
IDENTITY_CENTER_ROLE = "awsreservedsso_"
# `requester: <id>` (or `requester=<id>`) in an approval action's CustomData.
REQUESTER_NOTE = re.compile(r"(?:^|[\s;,(])requester\s*[:=]\s*([^\s;,)]+)", re.IGNORECASE)
# The triggers CodePipeline records for a run started by a change to its source.
PUSH_TRIGGERS = frozenset({"WebhookV2", "Webhook", "CloudWatchEvent", "PollForSourceChanges"})
# Output variables naming a commit's author. CodePipeline's own source actions do not set
# them (they set AuthorDate only); a build action that exports them, or a custom source, can.
AUTHOR_VARIABLES = ("AuthorEmail", "AuthorName")


def address_of(text: str) -> str | None:
    """`text` as a normalised address, or None when it is not one."""
    try:
        return normalise_email(text)
    except ValueError:
        return None


def lookup_names(identity: str) -> tuple[str, ...]:
    """The lower-cased names an identity may be listed under, most specific first."""
    text = identity.strip().lower()
    found = PRINCIPAL_ARN.fullmatch(text)
    if not found:
        return (text,) if text else ()
    kind, path = found.group(3), found.group(4)
    parts = path.split("/")
    if kind == "assumed-role" and len(parts) >= 2:
        # Role paths do not appear in an assumed-role ARN: it is ROLE/SESSION.
        return (text, f"{parts[-2]}/{parts[-1]}", parts[-1])
    if kind == "user":
        return (text, parts[-1])
    return (text,)


def is_identity_center_session(identity: str) -> bool:
    found = PRINCIPAL_ARN.fullmatch(identity.strip().lower())
    return bool(found and found.group(3) == "assumed-role"
                and found.group(4).startswith(IDENTITY_CENTER_ROLE))


def resolve(identity: str | None, identities: Mapping[str, str]) -> str | None:
    """The address of the person behind an identity, or None if nobody is known by it.

    `identities` maps lower-cased names (ARNs, ROLE/SESSION, session, user or author names)
    to addresses, as the policy holds them.
    """
    if not identity:
        return None
    for name in lookup_names(identity):
        mapped = identities.get(name)
        if mapped:
            return mapped
        address = None if "/" in name else address_of(name)  # never a whole ARN
        if address:
            return address
    return None


def requester_notes(custom_data: str | None) -> tuple[str, ...]:
    """Every `requester: <id>` note in CustomData, in order."""
    if not custom_data:
        return ()
    return tuple(note.strip() for note in REQUESTER_NOTE.findall(custom_data) if note.strip())


def commit_author(variables: Mapping[str, str]) -> str | None:
    for name in AUTHOR_VARIABLES:
        value = (variables.get(name) or "").strip()
        if value:
            return value
    return None


@dataclass(frozen=True)
class RunOrigin:
    """What CodePipeline says about who caused a run: the authenticated principal of a
    manual start, or the author of the commit a push brought; None where it is not known."""

    trigger_type: str | None = None
    principal: str | None = None
    author: str | None = None

    @property
    def authenticated(self) -> str | None:
        """The identity that counts as the requester: the principal of a manual start,
        the commit author of a push."""
        if self.trigger_type == "StartPipelineExecution":
            return self.principal
        if self.trigger_type in PUSH_TRIGGERS:
            return self.author
        return None


@dataclass(frozen=True)
class Requester:
    """Who asked for a run, as far as Greenlight can tell.

    `people` are the addresses of every identity found (the authenticated one and any
    declared in CustomData); none of them may approve. `known` is true only when the
    authenticated identity resolved to a person and CustomData did not name several.
    """

    authenticated: str | None
    declared: tuple[str, ...]
    people: tuple[str, ...]
    known: bool
    conflict: bool

    def approvers_among(self, approvers: Iterable[str]) -> tuple[str, ...]:
        """The approvers who count as the requester, in the rule's order."""
        people = set(self.people)
        return tuple(a for a in approvers if a in people)

    @property
    def shown(self) -> str | None:
        """The requester as the mail and pages show it."""
        parts = [self.authenticated] if self.authenticated else []
        if self.conflict:
            parts.append(f"CustomData names several requesters ({', '.join(self.declared)}); "
                         "none is trusted, and none of them may approve")
        else:
            parts.extend(f"named in CustomData: {d}" for d in self.declared
                         if d != self.authenticated)
        return "; ".join(parts)[:400] or None


def find_requester(origin: RunOrigin, custom_data: str | None,
                   identities: Mapping[str, str]) -> Requester:
    """Who asked for the run: the authenticated identity, plus what CustomData declares.

    CustomData is written by whoever starts the run (through a pipeline variable, say), so it
    adds names but never replaces or hides the principal; more than one note is a conflict.
    """
    authenticated = origin.authenticated
    declared = requester_notes(custom_data)
    resolved = resolve(authenticated, identities)
    people = [resolved] if resolved else []
    people.extend(p for p in (resolve(d, identities) for d in declared) if p)
    conflict = len(declared) > 1
    return Requester(
        authenticated=authenticated,
        declared=declared,
        people=tuple(dict.fromkeys(people)),
        known=resolved is not None and not conflict,
        conflict=conflict,
    )


# Sign-in (OpenID Connect)


def oidc_name(issuer: str, subject: str) -> str:
    """How the policy's `identities` name an OpenID subject: oidc:<issuer>#<sub>, as written."""
    return f"oidc:{issuer}#{subject}"


def signed_in_approvers(issuer: str, subject: str, email: str,
                        identities: Mapping[str, str]) -> set[str]:
    """The approver addresses a verified sign-in stands for: its verified address, what the
    policy maps that address to, and what it maps the subject (oidc:<issuer>#<sub>) to."""
    found = {email.lower()}
    mapped = resolve(email, identities)
    if mapped:
        found.add(mapped.lower())
    by_subject = identities.get(oidc_name(issuer, subject))
    if by_subject:
        found.add(by_subject.lower())
    return found


def issuer_host(issuer: str) -> str:
    """The provider as a person reads it: login.acme.com (with its port, if any)."""
    parts = urlsplit(issuer)
    host = parts.hostname or issuer
    return f"{host}:{parts.port}" if parts.port else host


# Slack


SLACK_IDENTITY_PREFIX = "slack:"
Found = TypeVar("Found")  # how a directory lookup says Slack could not be asked


def slack_name(user_id: str) -> str:
    """How the policy's `identities` name a Slack user: `slack:U0123`, lower-cased as the
    policy keeps every name."""
    return f"{SLACK_IDENTITY_PREFIX}{user_id}".lower()


def approver_of_slack_user(user_id: str, team_id: str, *, approvers: Iterable[str],
                           identities: Mapping[str, str], home_team: str | None,
                           email_of: Callable[[str], str | Found | None],
                           user_of: Callable[[str], str | Found | None],
                           ) -> str | Found | None:
    """The approver's address a Slack user votes as, or None if they are none of
    `approvers` (the request's). In order:

    1. the policy's `identities` (`"slack:U0123": "alice@example.com"`), for any team;
    2. for a user of the bot's own workspace (`home_team`) only, the address on their
       profile (`email_of`, users.info), then each approver's address looked up (`user_of`,
       users.lookupByEmail) to find the one that is theirs. A guest from another workspace
       in a shared channel is matched only through `identities`.

    The lookups answer an address or user id, None, or something else that says Slack could
    not be asked; that is returned, and the caller refuses the vote for now rather than guess.
    A Slack user and the address they resolve to are one person: one vote between them.
    """
    listed = tuple(approvers)
    mapped = identities.get(slack_name(user_id))
    if mapped:
        return mapped if mapped in listed else None
    if home_team is None or team_id != home_team:
        return None
    email = email_of(user_id)
    if email is not None and not isinstance(email, str):
        return email
    if email is not None:
        address = resolve(email, identities)
        if address in listed:
            return address
    failure: Found | None = None
    for address in listed:
        found = user_of(address)
        if found is not None and not isinstance(found, str):
            failure = failure or found
        elif found == user_id:
            return address
    return failure


def slack_identities_of(approvers: Iterable[str],
                        identities: Mapping[str, str]) -> dict[str, str]:
    """The policy's `slack:` identities that name one of `approvers` (pinned with a request)."""
    listed = set(approvers)
    return {name: address for name, address in identities.items()
            if name.startswith(SLACK_IDENTITY_PREFIX) and address in listed}
