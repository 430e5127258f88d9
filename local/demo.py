"""The whole approval flow offline, in one command (`make demo`).

A pipeline (Source, Build, Approval, Deploy) runs in the local CodePipeline stand-in, reaches
its manual approval, and Greenlight mails the approvers: the mails land in outbox/. Open them
in a browser and click Approve or Reject; the links go to the decide function served on
localhost as API Gateway would serve it. With the default policy two of three approvers must
approve (one rejection rejects). The terminal follows the stages and the tally, and ends with
the audit trail.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import socket
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import boto3

from greenlight.audit import write_text
from greenlight.store import RequestRecord, requests_for_pipeline
from local.codepipeline.cli import format_state_line
from local.offline import REGION
from local.sam_template import ROOT
from local.stack import PIPELINES, Mail, OfflineStack

OUTBOX = ROOT / "outbox"
# Written while the demo runs: the endpoint, Region and table, which `make audit` reads.
STACK_FILE = "demo-stack.env"
DEFAULT_PORT = 8642
FINISHED = {"Succeeded", "Failed", "Stopped", "Superseded", "Cancelled"}
QUIET = {"POWERTOOLS_LOG_LEVEL": "WARNING", "POWERTOOLS_METRICS_DISABLED": "true"}


DEFAULT_POLICY = ROOT / "local" / "policies" / "two-of-three.json"
SIGN_IN_POLICY = ROOT / "local" / "policies" / "two-of-three-sign-in.json"
SLACK_POLICY = ROOT / "local" / "policies" / "two-of-three-slack.json"


def free_port(preferred: int) -> int:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", preferred))
            return preferred
        except OSError:
            probe.bind(("127.0.0.1", 0))
            return int(probe.getsockname()[1])


def run(pipeline_file: Path, port: int, action_seconds: float, wait_minutes: float,
        policy_file: Path | None = None, out: TextIO = sys.stdout, outbox: Path = OUTBOX,
        sign_in: bool = False, slack: bool = False) -> str:
    """Run one execution to its end (or until the wait runs out); return its final status."""
    if outbox.exists():
        shutil.rmtree(outbox)

    def shown(path: Path) -> Path:
        return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path

    def announce(mail: Mail) -> None:
        where = shown(mail.paths[0]) if mail.paths else "?"
        kind = mail.subject.split(":", 1)[0]
        print(f"  mail to {mail.recipient:<22} {where}  ({kind})", file=out)

    environment = dict(QUIET)
    if policy_file is not None:
        environment["APPROVAL_POLICY"] = policy_file.read_text(encoding="utf-8")
    with OfflineStack(outbox=outbox, api_port=free_port(port), action_seconds=action_seconds,
                      extra_environment=environment, on_mail=announce,
                      sign_in=sign_in, slack=slack) as stack:
        pipeline = stack.load_pipeline(pipeline_file)
        write_stack_file(stack, outbox)
        codepipeline = boto3.client("codepipeline")
        print(f"Greenlight offline: approvals API at {stack.api_url}", file=out)
        print(f"Pipeline {pipeline} loaded from {shown(pipeline_file)}", file=out)
        if policy_file is not None:
            print(f"Approval policy from {shown(policy_file)}", file=out)
        if stack.identity_provider is not None:
            print(f"Sign-in: OpenID provider at {stack.identity_provider.issuer}; "
                  "approvers sign in there before their vote counts", file=out)
        if stack.slack_server is not None:
            print(f"Slack: stand-in at {stack.slack_server.url}; the channel, as alice sees it:"
                  f"\n  {stack.slack_server.url}/channels/C0DEPLOYS?as=U0ALICE01  "
                  "(as=U0BOB0002, U0CAROL03, U0MALLORY for the others)", file=out)
        shown_messages: dict[str, str] = {}

        started = stack.engine.push(branch="feature/login", paths=["src/login.py"],
                                    message="WIP: login form")
        print(f"git push to feature/login -> {len(started)} executions "
              "(the trigger only takes main and release/*)", file=out)
        started = stack.engine.push(branch="main", paths=["src/checkout.py"],
                                    message="Add the checkout page")
        if not started:
            raise SystemExit("the push to main started nothing: check the pipeline's triggers")
        execution_id = started[0]
        print(f"git push to main -> execution {execution_id}\n", file=out)

        last_line = ""
        told = False
        seen_votes: set[tuple[str, str]] = set()
        deadline = time.monotonic() + wait_minutes * 60
        status = "InProgress"
        while time.monotonic() < deadline:
            state = codepipeline.get_pipeline_state(name=pipeline)
            line = format_state_line(state)
            if line != last_line:
                print(f"  {datetime.now(UTC):%H:%M:%S}  {line}", file=out)
                last_line = line
            if stack.mails and not told:
                stack.wait_for_deliveries(5)
                told = True
                first = stack.mails[0]
                where = first.paths[0].as_uri() if first.paths else ""
                print("\nThe pipeline waits for approval. Open a mail in a browser, e.g.\n"
                      f"  {where}\n"
                      "and click Approve (or Reject, with a reason). Ctrl-C stops the demo.\n"
                      + (f"At the provider's login page, sign in as {first.recipient}, any "
                         "password (each approver as the address their mail went to).\n"
                         if sign_in else "") +
                      f"Meanwhile, in another terminal: {audit_command(pipeline, outbox)}\n",
                      file=out)
            for record in requests_for_pipeline(stack.table, pipeline):
                approvals = 0
                for vote in sorted(record.votes.values(), key=lambda v: v.at):
                    approvals += vote.decision == "approve"
                    if (record.request_id, vote.approver) not in seen_votes:
                        seen_votes.add((record.request_id, vote.approver))
                        print(f"  {vote.at:%H:%M:%S}  "
                              f"{vote_line(vote.approver, vote.decision, approvals, record)}",
                              file=out)
            if stack.slack_server is not None:
                print_slack_changes(stack.slack_server.workspace, shown_messages, out)
            status = codepipeline.get_pipeline_execution(
                pipelineName=pipeline, pipelineExecutionId=execution_id
            )["pipelineExecution"]["status"]
            if status in FINISHED:
                break
            time.sleep(0.25)
        final = codepipeline.get_pipeline_state(name=pipeline)
        print(f"\nExecution {execution_id}: {status}", file=out)
        print_state_table(final, out)
        stack.collect_mails()
        print(f"\nAudit trail ({audit_command(pipeline, outbox)}):", file=out)
        write_text(requests_for_pipeline(stack.table, pipeline), out)
        return str(status)


def print_slack_changes(workspace: Any, shown: dict[str, str], out: TextIO) -> None:
    """Each channel message in the Slack stand-in, printed again whenever it changes."""
    for message in list(workspace.messages.get("C0DEPLOYS", [])):
        lines = [message.text]
        for block in message.blocks:
            text = (block.get("text") or {}).get("text") if block["type"] == "section" else None
            if text and ("approval" in text or "Rejected by" in text):
                lines.append(text.replace("*", ""))
            if block["type"] == "actions":
                lines.append("[Approve] [Reject]")
        rendered = "\n      ".join(lines)
        if shown.get(message.ts) != rendered:
            shown[message.ts] = rendered
            print(f"  {datetime.now(UTC):%H:%M:%S}  slack #deploys: {rendered}", file=out)


def vote_line(approver: str, decision: str, approvals: int, record: RequestRecord) -> str:
    """`vote: alice@example.com approved (1 of 2 approvals)` as the demo follows the tally."""
    verb = {"approve": "approved", "reject": "rejected"}.get(decision, decision)
    return (f"vote: {approver} {verb} ({approvals} of {record.min_approvals} approvals, "
            f"rule {record.rule})")


def write_stack_file(stack: OfflineStack, outbox: Path) -> Path:
    """Where the running demo's AWS stand-ins are, for `make audit` in another terminal."""
    outbox.mkdir(parents=True, exist_ok=True)
    path = outbox / STACK_FILE
    path.write_text("".join(f"{name}={value}\n" for name, value in {
        "AWS_ENDPOINT_URL": stack.moto_url,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",  # moto takes any key  # nosec B105
        "APPROVALS_TABLE": stack.table_name,
    }.items()), encoding="utf-8")
    return path


def audit_command(pipeline: str, outbox: Path) -> str:
    command = f"make audit PIPELINE={pipeline}"
    return command if outbox == OUTBOX else f"{command} DEMO_STACK={outbox / STACK_FILE}"


def print_state_table(state: dict[str, Any], out: TextIO) -> None:
    """The stages as `aws codepipeline get-pipeline-state --output table` lists them."""
    print(f"{'STAGE':<10} {'STATUS':<11} ACTIONS", file=out)
    for stage in state["stageStates"]:
        actions = ", ".join(
            f"{a['actionName']}={a.get('latestExecution', {}).get('status', 'None')}"
            for a in stage.get("actionStates", []))
        status = stage.get("latestExecution", {}).get("status", "None")
        print(f"{stage['stageName']:<10} {status:<11} {actions}", file=out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pipeline", type=Path, default=PIPELINES / "seed-pipeline.json",
                        help="a pipeline.json in update-pipeline form")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help="port of the local approvals API (a free one if taken)")
    parser.add_argument("--action-seconds", type=float, default=1.5,
                        help="how long each simulated build or deploy action takes")
    parser.add_argument("--wait-minutes", type=float, default=60,
                        help="stop waiting for a decision after this long")
    parser.add_argument("--policy", type=Path, default=DEFAULT_POLICY,
                        help="approval policy JSON (APPROVAL_POLICY)")
    parser.add_argument("--no-policy", action="store_true",
                        help="no policy: the default approvers, one approval decides")
    parser.add_argument("--outbox", type=Path, default=OUTBOX, help="where mails are written")
    parser.add_argument("--sign-in", action="store_true",
                        help="approvers sign in at a local OpenID provider first (needs Node.js; "
                        "default policy local/policies/two-of-three-sign-in.json)")
    parser.add_argument("--slack", action="store_true",
                        help="also post the request to a local Slack stand-in, whose channel "
                        "page takes clicks (default policy local/policies/two-of-three-slack.json)")
    args = parser.parse_args(argv)
    if args.sign_in and args.policy == DEFAULT_POLICY:
        args.policy = SIGN_IN_POLICY
    elif args.slack and args.policy == DEFAULT_POLICY:
        args.policy = SLACK_POLICY
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        status = run(args.pipeline.resolve(), args.port, args.action_seconds, args.wait_minutes,
                     None if args.no_policy else args.policy.resolve(),
                     outbox=args.outbox.resolve(), sign_in=args.sign_in, slack=args.slack)
    except KeyboardInterrupt:
        print("\nStopped.")
        return
    sys.exit(0 if status in FINISHED else 1)


if __name__ == "__main__":
    main()
