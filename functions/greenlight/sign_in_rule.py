"""A policy rule's sign-in fields, as policies write them and request records keep them.

Apart from the policy's parser (greenlight.policy): decide acts on what a request record
kept, and loads no parser for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# A rule's sign-in fields (OpenID Connect; greenlight.signin_flow acts on them).
SIGN_IN_FIELDS = frozenset({"sign_in", "sign_in_max_age_minutes", "sign_in_acr"})
MAX_AGE_DEFAULT = 15
MAX_AGE_LIMIT = 1440  # a day: beyond that "re-authentication" means little
MAX_ACR_LENGTH = 200


class PolicyError(ValueError):
    """The policy is not valid; the message says where and what."""


@dataclass(frozen=True)
class SignInRule:
    """What a policy rule asks of an approver's identity before their vote counts."""

    required: bool = False
    max_age_minutes: int = MAX_AGE_DEFAULT
    acr: str | None = None

    def as_record(self) -> dict[str, Any]:
        """The rule's sign-in fields, as a request record keeps them."""
        if not self.required:
            return {"sign_in": "off"}
        return {"sign_in": "required", "sign_in_max_age_minutes": self.max_age_minutes,
                "sign_in_acr": self.acr}


SIGN_IN_OFF = SignInRule()


def sign_in_rule(raw: Mapping[str, Any], where: str) -> SignInRule:
    """The sign-in fields of one policy rule (`where` names it, e.g. "rules[2]")."""
    mode = raw.get("sign_in", "off")
    if mode not in ("required", "off"):
        raise PolicyError(f'{where}.sign_in must be "required" or "off"')
    max_age = raw.get("sign_in_max_age_minutes")
    if max_age is not None and (isinstance(max_age, bool) or not isinstance(max_age, int)
                                or not 1 <= max_age <= MAX_AGE_LIMIT):
        raise PolicyError(f"{where}.sign_in_max_age_minutes must be a whole number of minutes, "
                          f"from 1 to {MAX_AGE_LIMIT}")
    acr = raw.get("sign_in_acr")
    if acr is not None and (not isinstance(acr, str) or not acr.strip()
                            or len(acr) > MAX_ACR_LENGTH or not acr.isprintable()):
        raise PolicyError(f"{where}.sign_in_acr must be a non-empty acr value, such as "
                          '"http://schemas.openid.net/pape/policies/2007/06/multi-factor"')
    if mode == "off" and (max_age is not None or acr is not None):
        # Fail closed: an operator who wrote an acr meant sign-in to be required.
        raise PolicyError(f"{where}: sign_in_max_age_minutes and sign_in_acr need "
                          'sign_in: "required"')
    return SignInRule(required=mode == "required",
                      max_age_minutes=MAX_AGE_DEFAULT if max_age is None else max_age,
                      acr=None if acr is None else acr.strip())


def sign_in_rule_from_record(record: Mapping[str, Any]) -> SignInRule:
    """The rule a request record kept (see SignInRule.as_record); absent fields mean off."""
    if record.get("sign_in") != "required":
        return SIGN_IN_OFF
    return sign_in_rule({k: v for k, v in record.items()
                         if k in SIGN_IN_FIELDS and v is not None}, "the request record")
