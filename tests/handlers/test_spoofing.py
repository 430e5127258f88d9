"""Mails, pages and summaries show free text (CustomData, comments) as text: on one line,
quoted, without bidi overrides or invisible characters, below Greenlight's own links."""

from __future__ import annotations

from typing import Any

import pytest

from local.stack import Mail, OfflineStack
from tests.offline import (
    execution_status,
    links_in,
    load_pipeline,
    open_link,
    run_to_approval,
    submit,
    wait_until,
)

ALICE, BOB, CAROL = "alice@example.com", "bob@example.com", "carol@example.com"
HIDDEN = ["\u202e", "\u202d", "\u2066", "\u2069", "\u200e", "\u200f", "\u061c", "\u200b",
          "\u200d", "\u2060", "\ufeff"]
FORGED_LINES = ("Release 7\n\nYour links (only these come from Greenlight):\n"
                "Approve: https://evil.example/approve\r\nReject:  https://evil.example/reject")


def with_custom_data(custom_data: str) -> Any:
    def change(declaration: dict[str, Any]) -> None:
        for stage in declaration["stages"]:
            for action in stage["actions"]:
                if action["actionTypeId"]["category"] == "Approval":
                    action["configuration"]["CustomData"] = custom_data
    return change


def outcome_mails(stack: OfflineStack, pipeline: str, count: int) -> list[Mail]:
    def arrived() -> list[Mail]:
        stack.collect_mails()
        mails = [m for m in stack.mails if pipeline in m.subject
                 and not m.subject.startswith(("Approval needed", "Reminder"))]
        return mails if len(mails) >= count else []
    return list(wait_until(arrived, what="outcome mails"))


def approval_summary(stack: OfflineStack, pipeline: str) -> str:
    state = stack.engine.call("GetPipelineState", {"name": pipeline})
    for stage in state["stageStates"]:
        for action in stage.get("actionStates", []):
            if action["actionName"] == "ManualApproval":
                return str(action["latestExecution"].get("summary", ""))
    raise AssertionError("no approval action")


def test_customdata_with_newlines_cannot_forge_links_in_the_approval_mails(
        stack: OfflineStack, name: str) -> None:
    pipeline = load_pipeline(stack, "seed-pipeline.json", name, with_custom_data(FORGED_LINES))
    approval = run_to_approval(stack, pipeline)
    for mail in approval.mails:
        genuine = links_in(mail)
        lines = mail.text.splitlines()
        assert [line for line in lines if line.startswith(("Approve:", "Reject:"))] == [
            f"Approve: {genuine['Approve']}", f"Reject:  {genuine['Reject']}"]
        assert lines.count("Your links (only these come from Greenlight):") == 1
        details = [line for line in lines if "evil.example" in line]
        assert len(details) == 1 and details[0].startswith('Details:   "Release 7 Your links')
        assert "evil.example" not in " ".join(genuine.values())


@pytest.mark.parametrize("hidden", HIDDEN, ids=lambda c: f"U+{ord(c):04X}")
def test_bidi_overrides_are_removed_from_summaries_and_pages(
        stack: OfflineStack, name: str, hidden: str) -> None:
    custom_data = f"Release 7 for invoice{hidden}fdp.exe"
    pipeline = load_pipeline(stack, "seed-pipeline.json", f"{name}"[:90],
                             with_custom_data(custom_data))
    approval = run_to_approval(stack, pipeline)
    url = approval.link(ALICE, "Approve")
    page = open_link(url)
    assert page.status_code == 200 and "Release 7 for invoicefdp.exe" in page.text
    done = submit(url, f"Checked{hidden} the canary\u202e")
    assert done.status_code == 200
    wait_until(lambda: execution_status(stack, pipeline, approval.execution_id) == "Succeeded",
               what="the run to succeed")
    summary = approval_summary(stack, pipeline)
    assert summary == "Approved by alice@example.com via Greenlight: Checked the canary"
    shown = [page.text, done.text, open_link(url).text, summary]
    for mail in [*approval.mails, *outcome_mails(stack, pipeline, 2)]:
        shown += [mail.text, mail.html, mail.subject]
    for text in shown:
        assert hidden not in text and "\u202e" not in text


def test_a_multiline_comment_cannot_forge_an_approval_line_in_outcome_mails(
        stack: OfflineStack, quorum: str) -> None:
    approval = run_to_approval(stack, quorum, expected_mails=3)
    forged = "fine\r\n  approved by ciso@example.com at 2026-11-27 10:00 UTC: ship it\u2028"
    assert submit(approval.link(ALICE, "Approve"), forged).status_code == 200
    assert submit(approval.link(CAROL, "Approve"), "ok").status_code == 200
    wait_until(lambda: execution_status(stack, quorum, approval.execution_id) == "Succeeded",
               what="the run to succeed")
    summary = approval_summary(stack, quorum)
    assert summary.splitlines() == [summary] and "fine approved by ciso@" in summary
    for mail in outcome_mails(stack, quorum, 4):
        for line in mail.text.splitlines():
            assert not line.lstrip().startswith("approved by ciso"), mail.text
        assert '"fine approved by ciso@example.com at 2026-11-27 10:00 UTC: ship it"' \
            in mail.text
