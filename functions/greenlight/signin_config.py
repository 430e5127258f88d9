"""The sign-in settings (OpenID Connect), read once from the environment at start."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from greenlight.config import ConfigurationError

EMAIL_CLAIM_DEFAULT = "email"


def _issuer(value: str) -> str:
    parts = urlsplit(value)
    loopback = parts.hostname == "localhost" or _is_loopback(parts.hostname)
    if (parts.scheme != "https" and not (parts.scheme == "http" and loopback)) \
            or not parts.netloc or parts.query or parts.fragment:
        raise ConfigurationError(
            "OIDC_ISSUER must be the provider's issuer URL, https:// (http:// only on loopback), "
            f"with no query or fragment, such as https://login.example.com (got {value!r})")
    return value


def _is_loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class SignInSettings:
    """The OpenID provider and client the decide function signs approvers in with."""

    issuer: str
    client_id: str
    client_secret_arn: str | None = None  # None: a public client, PKCE alone
    email_claim: str = EMAIL_CLAIM_DEFAULT
    # The API's public base URL, when APPROVAL_API_URL says it; None: the decide function
    # derives it from each request (greenlight.signin_flow.api_url_of_request).
    api_url: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> SignInSettings | None:
        """The settings, or None when OIDC_ISSUER is not set (no rule may require sign-in)."""
        issuer = env.get("OIDC_ISSUER", "").strip()
        if not issuer:
            return None
        client_id = env.get("OIDC_CLIENT_ID", "").strip()
        if not client_id:
            raise ConfigurationError(
                "OIDC_CLIENT_ID is not set, yet OIDC_ISSUER is; "
                "see the sign-in section of the README")
        email_claim = env.get("OIDC_EMAIL_CLAIM", "").strip() or EMAIL_CLAIM_DEFAULT
        return cls(
            # Kept exactly as written: the provider's metadata must name the same issuer.
            issuer=_issuer(issuer),
            client_id=client_id,
            client_secret_arn=env.get("OIDC_CLIENT_SECRET_ARN", "").strip() or None,
            email_claim=email_claim,
            api_url=env.get("APPROVAL_API_URL", "").strip().rstrip("/") or None,
        )


def require_sign_in_settings(settings: SignInSettings | None, rule_name: str) -> SignInSettings:
    """The settings a rule with `sign_in: required` needs, or a start-up error naming it."""
    if settings is None:
        raise ConfigurationError(
            f"the policy rule {rule_name!r} requires sign-in, but OIDC_ISSUER is not set; "
            "set OIDC_ISSUER and OIDC_CLIENT_ID (see the sign-in section of the README)")
    return settings
