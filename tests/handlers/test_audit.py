"""The audit command over the approvals table."""

from __future__ import annotations

import io
import json

import pytest

from greenlight.audit import main
from local.stack import OfflineStack
from tests.offline import load_pipeline, run_to_approval, submit


def test_the_audit_lists_each_request_with_its_votes(stack: OfflineStack, name: str) -> None:
    pipeline = load_pipeline(stack, "seed-pipeline.json", f"quorum-{name}"[:90])
    approval = run_to_approval(stack, pipeline, expected_mails=3)
    submit(approval.link("alice@example.com", "Approve"), "Canary is green")
    submit(approval.link("carol@example.com", "Reject"), "Schema change not reviewed")

    text = io.StringIO()
    assert main(["--table", stack.table_name, "--pipeline", pipeline], out=text) == 0
    report = text.getvalue()
    assert f"{pipeline}  Approval/ManualApproval  REJECTED  1 of 2 approvals" in report
    assert "alice@example.com  approve  from 127.0.0.1  \"Canary is green\"" in report
    assert "carol@example.com  reject  from 127.0.0.1  \"Schema change not reviewed\"" in report
    assert "mailed     alice@example.com, bob@example.com, carol@example.com" in report
    assert "Rejected by carol@example.com via Greenlight" in report

    as_json = io.StringIO()
    main(["--table", stack.table_name, "--pipeline", pipeline, "--json"], out=as_json)
    (record,) = json.loads(as_json.getvalue())
    assert record["status"] == "rejected" and set(record["votes"]) == {
        "alice@example.com", "carol@example.com"}


def test_the_audit_of_an_unknown_pipeline_says_so(stack: OfflineStack) -> None:
    text = io.StringIO()
    main(["--table", stack.table_name, "--pipeline", "never-ran"], out=text)
    assert text.getvalue() == "no approval requests recorded for never-ran\n"


def test_a_wrong_table_name_is_one_line_not_a_traceback(
        stack: OfflineStack, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--table", "no-such-table", "--pipeline", "any"], out=io.StringIO()) == 2
    error = capsys.readouterr().err
    assert error.startswith("audit: ResourceNotFoundException on table 'no-such-table'")
    assert error.count("\n") == 1 and "Traceback" not in error
