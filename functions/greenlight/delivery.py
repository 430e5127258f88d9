"""Mails sent once per recipient: claimed in the request's record before they are sent, then
settled. All claims of a delivery go in one conditional write and all its results in another,
whatever the number of recipients; one claim per mail only after a partial failure or a
redelivery found some already claimed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from greenlight.mail import ApprovalEmail, SendFailed, send_each
from greenlight.store import (
    APPROVAL_MAILS,
    claim_mail,
    claim_mails,
    settle_claimed,
    settle_mails,
)


def deliver_once(table: Any, request_id: str, emails: list[ApprovalEmail], *, sesv2: Any,
                 sender: str, now: datetime, box: str = APPROVAL_MAILS,
                 told: bool = False) -> int:
    """Send each mail nobody sent or is sending; raise SendFailed if any failed (their
    claims are released, so a retry sends them and only them). With `told`, once every
    recipient's mail is sent the request leaves the sweep's list of requests to tell."""
    recipients = [email.recipient for email in emails]
    everyone = claim_mails(table, request_id, recipients, now, box)
    claimed = emails if everyone else [
        email for email in emails if claim_mail(table, request_id, email.recipient, now, box)]
    sent, failed = send_each(sesv2, sender, claimed, now)
    if everyone:
        settle_claimed(table, request_id, [e.recipient for e in sent], now, box,
                       told=told and not failed)
    else:
        done = not failed and _all_sent(table, request_id, recipients,
                                        {e.recipient for e in sent}, box)
        settle_mails(table, request_id, [e.recipient for e in sent],
                     [e.recipient for e in failed], now, box, told=told and done)
    if failed:
        raise SendFailed(f"{len(failed)} of {len(claimed)} mails were not sent")
    return len(sent)


def _all_sent(table: Any, request_id: str, recipients: list[str], just_sent: set[str],
              box: str) -> bool:
    """Whether the mails this delivery did not send were sent by an earlier one."""
    item = table.get_item(Key={"request_id": request_id}, ConsistentRead=True).get("Item") or {}
    mails = item.get(box) or {}
    return all(r in just_sent or (mails.get(r) or {}).get("state") == "sent"
               for r in recipients)
