"""The README's first command, as a person runs it: `python -m local.demo` in its own process,
its mails opened and its links submitted over HTTP."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import requests

from local.sam_template import ROOT
from tests.offline import submit


def link(mail: Path, label: str) -> str:
    found = re.search(rf'<a href="([^"]+)"[^>]*>{label}</a>', mail.read_text(encoding="utf-8"))
    assert found, f"no {label} link in {mail}"
    return found.group(1).replace("&amp;", "&")


def a_fresh_shell() -> dict[str, str]:
    """The environment of a new terminal: none of this test session's own AWS settings."""
    return {name: value for name, value in os.environ.items()
            if not name.startswith(("AWS_", "APPROVALS_", "POWERTOOLS_"))}


def start_demo(outbox: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "local.demo", "--outbox", str(outbox), "--port", "0",
         "--action-seconds", "0.2", "--wait-minutes", "2", *extra],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wait_for_mails(outbox: Path, count: int, demo: subprocess.Popen[str]) -> list[Path]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        mails = sorted(outbox.glob("*.html"))
        if len(mails) >= count:
            return mails
        assert demo.poll() is None, demo.communicate()[0]
        time.sleep(0.1)
    demo.kill()
    raise AssertionError(f"the demo wrote fewer than {count} mails: {demo.communicate()[0]}")


def test_the_demo_runs_to_deploy_after_two_of_three_approve(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    demo = start_demo(outbox)
    mails = wait_for_mails(outbox, 3, demo)
    assert sorted(m.stem.split("-", 1)[1] for m in mails) == ["alice", "bob", "carol"]
    assert all(m.with_suffix(".eml").exists() for m in mails)
    audit = subprocess.run(
        ["make", "--no-print-directory", "audit", "PIPELINE=greenlight-demo",
         f"DEMO_STACK={outbox / 'demo-stack.env'}"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, env=a_fresh_shell())
    assert audit.returncode == 0, audit.stderr
    assert "greenlight-demo  Approval/ManualApproval  PENDING  0 of 2 approvals" in audit.stdout
    first, second = mails[0], mails[1]
    assert requests.get(link(first, "Approve"), timeout=10).status_code == 200
    assert submit(link(first, "Approve"), "ok").status_code == 200
    assert submit(link(second, "Approve"), "ship").status_code == 200
    output, _ = demo.communicate(timeout=60)
    assert demo.returncode == 0, output
    assert "git push to feature/login -> 0 executions" in output
    assert "Source:Succeeded  Build:Succeeded  Approval:InProgress  Deploy:None" in output
    assert "(1 of 2 approvals, rule" in output and "(2 of 2 approvals, rule" in output
    assert re.search(r"Execution [0-9a-f-]{36}: Succeeded", output)
    assert "Deploy     Succeeded" in output
    assert "APPROVED  2 of 2 approvals" in output
    assert "approved (1 of 2 approvals, rule demo: two of three)" in output
    assert f"make audit PIPELINE=greenlight-demo DEMO_STACK={outbox / 'demo-stack.env'}" in output


def test_the_demo_without_a_policy_stops_on_one_rejection(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    demo = start_demo(outbox, "--no-policy")
    mails = wait_for_mails(outbox, 2, demo)
    response = submit(link(mails[0], "Reject"), "Not today")
    assert response.status_code == 200
    output, _ = demo.communicate(timeout=60)
    assert re.search(r"Execution [0-9a-f-]{36}: Failed", output), output
    assert "Deploy     None" in output
    assert "REJECTED  0 of 1 approvals" in output
    assert "rejected (0 of 1 approvals" in output and "rejectd" not in output
