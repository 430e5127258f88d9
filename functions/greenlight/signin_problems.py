"""What each way a sign-in can fail means to the approver: its status, title and message.

Every failure is a 4xx or a 503, never another 5xx, and none of them decides anything.
400: the callback itself is broken, stale or replayed; 403: the sign-in did not prove what the
rule needs; 503: the provider, or Greenlight's registration with it, is not usable right now.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from greenlight.rendering import Templates

TEMPLATE = "pages/signin-problem.html.j2"
RETRY_AFTER = {"Retry-After": "30"}


@dataclass(frozen=True)
class SignInProblem:
    """A sign-in that did not let a vote count; `reason` is one of REASONS."""

    reason: str
    status: int
    title: str
    message: str
    headers: dict[str, str] = field(default_factory=dict)
    signed_in_as: str | None = None  # on a mismatch: the address the provider vouched for
    link_for: str | None = None  # on a mismatch: the approver the link was sent to
    retry_url: str | None = None  # the approval link, when it is known and worth retrying


_UNAVAILABLE = (503, "Sign-in is not available right now",
                "Greenlight could not complete the sign-in with your identity provider. "
                "Try again in a moment; if it keeps failing, tell the "
                "pipeline's owner.")
_MISCONFIGURED = (503, "Sign-in is not set up correctly",
                  "Your identity provider and Greenlight do not agree on how sign-in works, "
                  "so the sign-in could not be checked. Tell the "
                  "pipeline's owner.")
_UNVERIFIED = (403, "Your sign-in could not be verified",
               "The identity provider's answer did not pass Greenlight's checks, so it does "
               "not prove who signed in. Open the approval link from the "
               "mail again to sign in again.")
_RESTART = (400, "This sign-in cannot be completed",
            "This sign-in was not started here, or it was already used. "
            "Open the approval link from the mail again.")

# reason: (status, title, message)
REASONS: dict[str, tuple[int, str, str]] = {
    "provider-unavailable": _UNAVAILABLE,
    "provider-error": _UNAVAILABLE,
    "provider-misconfigured": _MISCONFIGURED,
    "issuer-mismatch": _MISCONFIGURED,
    "client-rejected": _MISCONFIGURED,
    "no-id-token": _MISCONFIGURED,
    "unsupported-algorithm": _MISCONFIGURED,
    "provider-refused-request": _MISCONFIGURED,
    "state-missing": _RESTART,
    "state-invalid": _RESTART,
    "browser-mismatch": (400, "Finish signing in in the same browser",
                         "This sign-in was started in another browser or window, or it was "
                         "already completed. Open the approval link from "
                         "the mail again in the browser you want to sign in with."),
    "state-expired": (400, "This sign-in took too long",
                      "A sign-in must be completed within ten minutes of opening the link. "
                      "Open the approval link from the mail again."),
    "code-missing": _RESTART,
    "code-rejected": (400, "This sign-in was already used or has expired",
                      "The identity provider no longer accepts this sign-in; each one counts "
                      "once and for a short time. Open the approval link "
                      "from the mail again."),
    "wrong-issuer": _UNVERIFIED,
    "malformed-token": _UNVERIFIED,
    "unknown-key": _UNVERIFIED,
    "bad-signature": _UNVERIFIED,
    "wrong-audience": _UNVERIFIED,
    "wrong-authorized-party": _UNVERIFIED,
    "missing-claim": _UNVERIFIED,
    "nonce-mismatch": _UNVERIFIED,
    "auth-time-missing": _UNVERIFIED,
    "token-expired": (403, "Your sign-in could not be verified",
                      "The identity provider's answer had expired when it reached Greenlight, "
                      "or the clocks disagree. Open the approval link from "
                      "the mail again."),
    "issued-in-future": (403, "Your sign-in could not be verified",
                         "The identity provider's answer is dated in the future: its clock and "
                         "Greenlight's disagree. Try again in a minute."),
    "access-denied": (403, "Sign-in was cancelled or refused",
                      "The identity provider did not sign you in, so your vote cannot count. "
                      "Open the approval link from the mail again to sign "
                      "in."),
    "login-required": (403, "Sign in again to vote",
                       "The identity provider needs you to sign in again before Greenlight can "
                       "count your vote. Open the approval link from the "
                       "mail again."),
    "sign-in-too-old": (403, "Sign in again to vote",
                        "This approval needs a recent sign-in, and yours is older than the "
                        "approval rule allows. Open the approval link from "
                        "the mail again to sign in again."),
    "acr-not-met": (403, "This approval needs a stronger sign-in",
                    "The approval rule requires a sign-in with a stronger method (such as "
                    "multi-factor authentication) than the one you used. "
                    "Sign in again with that method."),
    "email-missing": (403, "Your sign-in did not say your address",
                      "The identity provider did not tell Greenlight your email address, so it "
                      "cannot tell whether this link is yours. Tell the "
                      "pipeline's owner."),
    "email-unverified": (403, "Your address is not verified",
                         "The identity provider has not verified the email address of the "
                         "account you signed in with, so it does not prove this link is yours."),
    "identity-mismatch": (403, "This link belongs to someone else", ""),
    "sign-in-required": (403, "Sign in before you vote",
                         "This approval counts a vote only from an approver who has signed in "
                         "recently, and this browser has no such sign-in. "
                         "Open the approval link from the mail again to sign in."),
}


def problem(reason: str, *, retry_url: str | None = None) -> SignInProblem:
    """The problem for a reason; an unknown reason is an unverified sign-in (403)."""
    status, title, message = REASONS.get(reason, _UNVERIFIED)
    return SignInProblem(reason=reason, status=status, title=title, message=message,
                         headers=dict(RETRY_AFTER) if status == 503 else {},
                         retry_url=retry_url)


def mismatch(signed_in_as: str, link_for: str) -> SignInProblem:
    status, title, _ = REASONS["identity-mismatch"]
    return SignInProblem(
        reason="identity-mismatch", status=status, title=title,
        message=f"You signed in as {signed_in_as}; this link belongs to {link_for}. "
                "Nothing was decided.",
        signed_in_as=signed_in_as, link_for=link_for)


def render_problem(templates: Templates, found: SignInProblem) -> tuple[int, str]:
    html = templates.page(TEMPLATE, title=found.title, message=found.message,
                          reason=found.reason, signed_in_as=found.signed_in_as,
                          link_for=found.link_for, retry_url=found.retry_url)
    return found.status, html
