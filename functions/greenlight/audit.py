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

from greenlight.store import RequestRecord, requests_for_pipeline


def _utc(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value else "-"


def write_text(records: Iterable[RequestRecord], out: TextIO) -> None:
    for record in records:
        approvals = len(record.approvals)
        out.write(f"{record.pipeline}  {record.stage}/{record.action}  {record.status.upper()}  "
                  f"{approvals} of {record.min_approvals} approvals  rule {record.rule}\n")
        out.write(f"  requested  {_utc(record.sent_at)}   expires {_utc(record.expires_at)}"
                  f"   execution {record.context.execution_id or '-'}\n")
        if record.context.revision:
            revision = record.context.revision
            out.write(f"  revision   {revision.short_id} {revision.message or ''}"
                      f"{'  (' + revision.branch + ')' if revision.branch else ''}\n")
        if record.requester:
            out.write(f"  requester  {record.requester}"
                      f"{' = ' + record.requester_approver if record.requester_approver else ''}\n")
        out.write(f"  mailed     {', '.join(sorted(record.mailed)) or '-'}\n")
        for vote in sorted(record.votes.values(), key=lambda v: v.at):
            comment = f'  "{vote.comment}"' if vote.comment else ""
            out.write(f"  vote       {_utc(vote.at)}  {vote.approver}  {vote.decision}"
                      f"  from {vote.source_ip or '-'}{comment}\n")
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

    json.dump([asdict(r) for r in records], out, default=plain, indent=2)
    out.write("\n")


def main(argv: list[str] | None = None, out: TextIO = sys.stdout) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--table", required=True, help="the ApprovalsTableName stack output")
    parser.add_argument("--pipeline", required=True, help="pipeline name")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    args = parser.parse_args(argv)
    table = boto3.resource("dynamodb").Table(args.table)
    records = requests_for_pipeline(table, args.pipeline)
    if args.json:
        write_json(records, out)
    elif records:
        write_text(records, out)
    else:
        out.write(f"no approval requests recorded for {args.pipeline}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
