"""`make invoke`: every sample event replayed through its function, each in a fresh process."""

from __future__ import annotations

import json
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
    done = replay(function, event)
    assert done.returncode == 0, done.stderr
    for text in expected:
        assert text in done.stdout, done.stdout


def replay(function: str, event: str, *options: str,
           log_level: str = "WARNING") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "local.invoke", function, f"events/{event}", *options],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "POWERTOOLS_LOG_LEVEL": log_level,
             "POWERTOOLS_METRICS_DISABLED": "true"})


def json_lines(text: str) -> list[int]:
    """The indexes of the lines of `text` that are the functions' JSON log lines."""
    found = []
    for index, line in enumerate(text.splitlines()):
        try:
            if "level" in json.loads(line):
                found.append(index)
        except (ValueError, TypeError):
            pass
    return found


def test_the_readable_result_comes_first_and_the_json_logs_only_after_it() -> None:
    quiet = replay("NotifyFunction", "approval-request.json", log_level="INFO")
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stdout.startswith("NotifyFunction returned:"), quiet.stdout
    assert json_lines(quiet.stdout) == []  # without -v the logs go to a file
    assert "function logs:" in quiet.stdout and "outbox/invoke.log" in quiet.stdout
    logged = (ROOT / "outbox" / "invoke.log").read_text(encoding="utf-8")
    assert '"approval message handled"' in logged

    verbose = replay("NotifyFunction", "approval-request.json", "-v", log_level="INFO")
    assert verbose.returncode == 0, verbose.stderr
    lines = verbose.stdout.splitlines()
    assert lines[0] == "NotifyFunction returned:"
    summary_end = next(i for i, line in enumerate(lines) if line.startswith("pipeline "))
    logs = json_lines(verbose.stdout)
    assert logs and min(logs) > summary_end, verbose.stdout
    assert any(json.loads(lines[i]).get("message") == "approval message handled" for i in logs)
