"""No trace, log or metric of the decide function holds a link, a token or a signature.

The check is real: a GET and a POST go through the decide handler with X-Ray tracing on (as
in Lambda), every library logging at DEBUG and metrics emitted, in a process of their own;
a UDP socket stands in for the X-Ray daemon (the function sends it nothing: Lambda traces it),
and the test reads those datagrams and the process's whole output for every secret the
requests carried.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
MARKER = "---- the decide requests start here ----"
TRACE_ID = "Root=1-67a1b2c3-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1"


def _drive(out: Path) -> None:
    """In a process of its own: an offline stack with tracing on, one GET and one POST."""
    daemon = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    daemon.bind(("127.0.0.1", 0))
    port = daemon.getsockname()[1]
    environment = {
        "LAMBDA_TASK_ROOT": str(ROOT / "functions"),  # what makes Powertools trace
        "POWERTOOLS_TRACE_DISABLED": "false",
        "AWS_XRAY_DAEMON_ADDRESS": f"127.0.0.1:{port}",
        "AWS_XRAY_CONTEXT_MISSING": "IGNORE_ERROR",
        "_X_AMZN_TRACE_ID": TRACE_ID,
        "POWERTOOLS_LOG_LEVEL": "DEBUG",
        "POWERTOOLS_LOGGER_LOG_EVENT": "true",  # the handler must not follow it
        "POWERTOOLS_TRACER_CAPTURE_RESPONSE": "true",
        "POWERTOOLS_METRICS_DISABLED": "false",
    }
    os.environ.update(environment)
    import logging

    from local.apigateway import proxy_event
    from local.lambda_context import LocalContext
    from local.stack import OfflineStack
    from tests.offline import load_pipeline, run_to_approval

    with tempfile.TemporaryDirectory() as outbox, OfflineStack(
            outbox=Path(outbox), action_seconds=0.02, extra_environment=environment) as stack:
        pipeline = load_pipeline(stack, "seed-pipeline.json", "traced")
        approval = run_to_approval(stack, pipeline)
        link = approval.link("alice@example.com", "Approve").rsplit("/", 1)[1]
        state = stack.engine.call("GetPipelineState", {"name": pipeline})
        token = next(a["latestExecution"]["token"] for s in state["stageStates"]
                     for a in s.get("actionStates", []) if a["actionName"] == "ManualApproval")
        stage = "/" + stack.parameters["ApiStageName"]
        daemon.setblocking(False)
        while True:  # what notify sent is not under test
            try:
                daemon.recv(65536)
            except BlockingIOError:
                break
        logging.basicConfig(level=logging.DEBUG, stream=sys.stdout, force=True)
        print(MARKER, flush=True)

        def invoke(method: str, headers: list[tuple[str, str]], body: bytes) -> Any:
            event = proxy_event(method, f"{stage}/approvals/{link}", headers, body, stage)
            return stack.decide_handler(event, LocalContext(function_name="DecideFunction"))

        page = invoke("GET", [], b"")
        form_token = re.search(r'name="form_token" value="([^"]+)"', page["body"]).group(1)
        from urllib.parse import urlencode
        done = invoke("POST", [("Content-Type", "application/x-www-form-urlencoded"),
                               ("Sec-Fetch-Site", "same-origin")],
                      urlencode({"comment": "Ship it", "form_token": form_token}).encode())
        print(flush=True)
        logging.shutdown()
        daemon.settimeout(1.0)
        datagrams = []
        try:
            while True:
                datagrams.append(daemon.recv(65536).decode("utf-8", "replace"))
        except TimeoutError:
            pass
    out.write_text(json.dumps({
        "statuses": [page["statusCode"], done["statusCode"]], "link": link, "token": token,
        "form_token": form_token, "datagrams": datagrams}), encoding="utf-8")


def _secrets(found: dict[str, Any]) -> dict[str, str]:
    link, form_token = found["link"], found["form_token"]
    return {
        "link": link,
        "link signature": link.rsplit(".", 1)[1],
        "link payload": link.rsplit(".", 1)[0].lstrip(".")[:40],
        "approval token": found["token"],
        "form token": form_token,
        "form token signature": form_token.rsplit(".", 1)[1],
    }


def test_no_link_token_or_signature_reaches_logs_or_traces(tmp_path: Path) -> None:
    out = tmp_path / "observed.json"
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("POWERTOOLS_",
                                                                             "AWS_XRAY"))}
    run = subprocess.run([sys.executable, "-m", "tests.handlers.test_no_secrets_in_traces",
                          str(out)], cwd=ROOT, env=environment | {"PYTHONPATH": f"{ROOT}:"
                          f"{ROOT / 'functions'}"}, capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stderr[-3000:]
    found = json.loads(out.read_text(encoding="utf-8"))
    assert found["statuses"] == [200, 200]
    output = (run.stdout + run.stderr).split(MARKER, 1)[1]
    traces = "\n".join(found["datagrams"])
    # The capture saw what it should: its log lines, its metrics; and no segment of the
    # function's own (it relies on Lambda's trace, `Tracing: Active`, and loads no X-Ray SDK).
    assert '"## handler"' not in traces, traces[:2000]
    assert "decision submitted" in output and "ApprovalApproved" in output, output[:2000]
    for what, secret in _secrets(found).items():
        assert secret not in traces, f"the {what} is in a trace segment"
        assert secret not in output, f"the {what} is in the log or metrics output"


if __name__ == "__main__":
    _drive(Path(sys.argv[1]))
