"""The audit trail: a pipeline's approval requests and every vote, from the approvals table.

    python -m greenlight.audit --table TABLE --pipeline NAME [--json]

Uses the ordinary AWS credentials and Region of the shell (AWS_ENDPOINT_URL for a local stack).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from dataclasses import asdict
from datetime import datetime
from typing import Any, TextIO

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from greenlight.links import signing_keys
from greenlight.store import RequestRecord, Vote, requests_for_pipeline


def _utc(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value else "-"


def mac_status(record: RequestRecord, vote: Vote, vote_keys: list[str] | None) -> str:
    """Whether a vote carries a MAC, and with the vote keys, whether it verifies."""
    if vote_keys is None:
        return "mac present (not checked)" if vote.mac else "NO MAC (not counted)"
    if vote.is_genuine(record.request_id, vote_keys):
        return "mac ok"
    return "MAC INVALID (not counted)"


def signed_in_as(identity: dict[str, Any]) -> str:
    """How a vote's approver was verified: who signed in, where, when and how; or the Slack
    user and team a vote from Slack came from."""
    if identity.get("via") == "slack":
        return (f"via Slack ({identity.get('slack_user_id', '-')}, "
                f"{identity.get('slack_team_id', '-')})")
    parts = [f"signed in as {identity.get('email', '-')} via {identity.get('issuer', '-')}",
             f"sub {identity.get('sub', '-')}"]
    if identity.get("auth_time"):
        parts.append(f"authenticated {identity['auth_time']}")
    if identity.get("amr"):
        parts.append(f"amr {','.join(str(m) for m in identity['amr'])}")
    if identity.get("acr"):
        parts.append(f"acr {identity['acr']}")
    return "; ".join(parts)


def write_text(records: Iterable[RequestRecord], out: TextIO,
               vote_keys: list[str] | None = None) -> None:
    for record in records:
        approvals = len(record.approvals)
        out.write(f"{record.pipeline}  {record.stage}/{record.action}  {record.status.upper()}  "
                  f"{approvals} of {record.approvals_needed} approvals  rule {record.rule}\n")
        out.write(f"  requested  {_utc(record.sent_at)}   expires {_utc(record.expires_at)}"
                  f"   execution {record.context.execution_id or '-'}\n")
        if record.context.revision:
            revision = record.context.revision
            out.write(f"  revision   {revision.short_id} {revision.message or ''}"
                      f"{'  (' + revision.branch + ')' if revision.branch else ''}\n")
        if record.requester or record.requesters:
            who = ", ".join(record.requesters)
            known = "known" if record.requester_known else "not known"
            out.write(f"  requester  {record.requester or '-'}{' = ' + who if who else ''}"
                      f"  ({known}; separation {record.separation})\n")
        out.write(f"  mailed     {', '.join(sorted(record.mailed)) or '-'}\n")
        for vote in sorted(record.votes.values(), key=lambda v: v.at):
            comment = f'  "{vote.comment}"' if vote.comment else ""
            late = "  (while the decision was being submitted)" if vote.late else ""
            out.write(f"  vote       {_utc(vote.at)}  {vote.approver}  {vote.decision}"
                      f"  from {vote.source_ip or '-'}{comment}{late}"
                      f"  [{mac_status(record, vote, vote_keys)}]\n")
            if vote.identity:
                out.write(f"  verified   {signed_in_as(vote.identity)}\n")
        if record.decided_at:
            detail = record.summary or record.reason or ""
            out.write(f"  closed     {_utc(record.decided_at)}  {detail}\n")
        out.write("\n")


def write_json(records: Iterable[RequestRecord], out: TextIO) -> None:
    def plain(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.isoformat()
        if isinstance(value, (set, frozenset, tuple)):
            return sorted(value) if isinstance(value, (set, frozenset)) else list(value)
        raise TypeError(type(value).__name__)

    # `stored` is the raw item the record was read from (for its seal), not part of it.
    json.dump([{k: v for k, v in asdict(r).items() if k != "stored"} for r in records], out,
              default=plain, indent=2)
    out.write("\n")


def main(argv: list[str] | None = None, out: TextIO = sys.stdout) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--table", required=True, help="the ApprovalsTableName stack output")
    parser.add_argument("--pipeline", required=True, help="pipeline name")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.add_argument("--vote-secret-arn", help="the vote key's secret: check each vote's "
                        "MAC (needs secretsmanager:GetSecretValue on it)")
    args = parser.parse_args(argv)
    if not args.table:
        parser.error("--table is empty: give the ApprovalsTableName stack output")
    table = boto3.resource("dynamodb").Table(args.table)
    try:
        records = requests_for_pipeline(table, args.pipeline)
        vote_keys = (signing_keys(boto3.client("secretsmanager").get_secret_value(
            SecretId=args.vote_secret_arn)["SecretString"]) if args.vote_secret_arn else None)
    except ClientError as error:
        details = error.response.get("Error", {})
        sys.stderr.write(f"audit: {details.get('Code', 'error')} on table {args.table!r}: "
                         f"{details.get('Message', '')}\n")
        return 2
    except BotoCoreError as error:  # no credentials, no Region, endpoint unreachable
        sys.stderr.write(f"audit: {error}\n")
        return 2
    if args.json:
        write_json(records, out)
    elif records:
        write_text(records, out, vote_keys)
    else:
        out.write(f"no approval requests recorded for {args.pipeline}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
