"""`make invoke`: every sample event replayed through its function, each in a fresh process."""

from __future__ import annotations

import subprocess
import sys

import pytest

from local.sam_template import ROOT

CASES = [
    ("NotifyFunction", "approval-request.json", ["{\"mails\": 2}", "mail to alice@example.com"]),
    ("NotifyFunction", "approval-request-null-fields.json", ["{\"mails\": 2}"]),
    ("NotifyFunction", "codestar-notification.json", ["{\"mails\": 0}"]),
    ("NotifyFunction", "sns-plain-text.json", ["{\"mails\": 0}"]),
    ("DecideFunction", "decide-get.json",
     ["HTTP 200  Approve greenlight-demo?", "Approval:InProgress  Deploy:None"]),
    ("DecideFunction", "decide-post-approve.json",
     ["HTTP 200  Approved", "Approval:Succeeded  Deploy:Succeeded"]),
    ("DecideFunction", "decide-post-reject.json",
     ["HTTP 200  Rejected", "Approval:Failed  Deploy:None"]),
    ("RemindFunction", "remind-schedule.json", ["\"failed\": 0"]),
]


@pytest.mark.parametrize(("function", "event", "expected"), CASES,
                         ids=[f"{f}-{e}" for f, e, _ in CASES])
def test_each_sample_event_replays_offline(function: str, event: str, expected: list[str],
                                           tmp_path: object) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "local.invoke", function, f"events/{event}"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "POWERTOOLS_LOG_LEVEL": "WARNING",
             "POWERTOOLS_METRICS_DISABLED": "true"})
    assert done.returncode == 0, done.stderr
    for text in expected:
        assert text in done.stdout, done.stdout
