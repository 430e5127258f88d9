"""Replay an event through a function of template.yaml against the offline stack, no Docker.

    python -m local.invoke NotifyFunction events/approval-request.json
    python -m local.invoke DecideFunction events/decide-post-approve.json -v

It prints what came out (the result, the page, the mails, the pipeline's stages) first; the
functions' JSON log lines go to outbox/invoke.log, and follow the summary with -v.

Before the event runs, the example pipeline is started and left waiting at its approval with
the token the sample events were made for, so decide events act on a live approval. For the
decide and scheduled functions, that approval also goes through the notify function first
(so its request is recorded); for the notify function, the replayed event is the first.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import io
import json
import logging
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from local.lambda_context import LocalContext
from local.sam_template import ROOT, functions, load_template
from local.sample_events import SAMPLE_TOKEN
from local.stack import PIPELINES, OfflineStack

OUTBOX = ROOT / "outbox"
LOG_FILE = OUTBOX / "invoke.log"


@contextlib.contextmanager
def captured_logs() -> Iterator[io.StringIO]:
    """Everything the functions write to stdout while the replay runs: Powertools' Logger
    writes its JSON lines there, through a handler that keeps the stream it found when the
    function was loaded (so stdout is swapped in those handlers as well as redirected)."""
    buffer = io.StringIO()
    swapped: list[tuple[logging.StreamHandler[Any], Any]] = []
    loggers = [logging.getLogger(), *(logger for logger in
                                      logging.Logger.manager.loggerDict.values()
                                      if isinstance(logger, logging.Logger))]
    for logger in loggers:
        for handler in logger.handlers:
            if (isinstance(handler, logging.StreamHandler)
                    and handler.stream in (sys.stdout, sys.__stdout__)):
                swapped.append((handler, handler.setStream(buffer)))
    try:
        with contextlib.redirect_stdout(buffer):
            yield buffer
    finally:
        for handler, stream in swapped:
            handler.setStream(stream)


def page_summary(body: str) -> str:
    """The heading and the first notice of a page, as text."""
    heading = re.search(r"<h1>(.*?)</h1>", body, re.S)
    notice = re.search(r'<p class="notice[^"]*"[^>]*>(.*?)</p>', body, re.S)
    parts = [html.unescape(re.sub(r"<[^>]+>", "", m.group(1))).strip()
             for m in (heading, notice) if m]
    return " — ".join(parts)


def wait_for_approval(stack: OfflineStack, pipeline: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for stage in stack.engine.call("GetPipelineState", {"name": pipeline})["stageStates"]:
            for action in stage.get("actionStates", []):
                if action.get("latestExecution", {}).get("token"):
                    return
        time.sleep(0.05)
    raise TimeoutError(f"{pipeline} did not reach its approval within {timeout} s")


def wait_until_settled(stack: OfflineStack, pipeline: str,
                       timeout: float = 30) -> dict[str, Any]:
    """The pipeline's state once no stage is in progress any more, or as it is after `timeout`
    seconds (a stage waiting for approval stays in progress: that is its settled state)."""
    deadline = time.monotonic() + timeout
    while True:
        state: dict[str, Any] = stack.engine.call("GetPipelineState", {"name": pipeline})
        moving = [stage for stage in state["stageStates"]
                  if stage.get("latestExecution", {}).get("status") == "InProgress"
                  and not any(action.get("latestExecution", {}).get("token")
                              for action in stage.get("actionStates", []))]
        if not moving or time.monotonic() >= deadline:
            return state
        time.sleep(0.05)


def with_form_token(event: dict[str, Any], decide: Any) -> dict[str, Any]:
    """A POST event as a browser would send it: open the page first (a GET of the same link)
    and post the form token that page carries, since a token lives only 30 minutes."""
    page = decide(dict(event, httpMethod="GET", body=None, isBase64Encoded=False,
                       requestContext=dict(event.get("requestContext") or {}, httpMethod="GET")),
                  LocalContext(function_name="DecideFunction"))
    found = re.search(r'name="form_token" value="([^"]+)"', page.get("body") or "")
    if not found:
        return event  # no form on the page (already decided...): replay the event as it is
    fields = [(name, value) for name, value in parse_qsl(event.get("body") or "",
                                                        keep_blank_values=True)
              if name != "form_token"]
    fields.append(("form_token", html.unescape(found.group(1))))
    return dict(event, body=urlencode(fields), isBase64Encoded=False)


def replay(function: str, event_path: Path, out: Any = sys.stdout,
           verbose: bool = False) -> dict[str, Any]:
    """Replay the event; print the summary, then (with `verbose`) the functions' logs."""
    with captured_logs() as logs:
        result, summary = run(function, event_path)
    out.write(summary)
    OUTBOX.mkdir(exist_ok=True)
    LOG_FILE.write_text(logs.getvalue(), encoding="utf-8")
    lines = logs.getvalue().count("\n")
    if verbose:
        print(f"function logs ({lines} lines, also in {LOG_FILE.relative_to(ROOT)}):", file=out)
        out.write(logs.getvalue())
    else:
        print(f"function logs: {lines} lines in {LOG_FILE.relative_to(ROOT)} (-v prints them)",
              file=out)
    return result


def run(function: str, event_path: Path) -> tuple[dict[str, Any], str]:
    """The replay itself: the handler's result, and the summary to print."""
    out = io.StringIO()
    template = load_template()
    specs = functions(template)
    if function not in specs:
        raise SystemExit(f"no function {function!r} in template.yaml; choose from {sorted(specs)}")
    event = json.loads(event_path.read_text(encoding="utf-8"))
    notify_first = "SNS" not in specs[function].event_types
    with OfflineStack(outbox=OUTBOX, deliver_approvals=notify_first,
                      action_seconds=0.05) as stack:
        stack.preset_tokens.append(SAMPLE_TOKEN)
        pipeline = stack.load_pipeline(PIPELINES / "seed-pipeline.json")
        stack.engine.start_execution(pipeline)
        wait_for_approval(stack, pipeline)
        stack.wait_for_deliveries()
        stack.collect_mails()
        handler = {
            stack.notify_spec.logical_id: stack.notify_handler,
            stack.decide_spec.logical_id: stack.decide_handler,
            stack.remind_spec.logical_id: stack.remind_handler,
        }[function]
        if function == stack.decide_spec.logical_id and event.get("httpMethod") == "POST":
            event = with_form_token(event, stack.decide_handler)
        before = len(stack.mails)
        result = handler(event, LocalContext(function_name=function))
        state = wait_until_settled(stack, pipeline)
        stack.wait_for_deliveries()
        stack.collect_mails()
        mails = stack.mails[before:]
    print(f"{function} returned:", file=out)
    if isinstance(result, dict) and "statusCode" in result:
        body = result.get("body") or ""
        OUTBOX.mkdir(exist_ok=True)
        page = OUTBOX / "response.html"
        page.write_text(body, encoding="utf-8")
        print(f"  HTTP {result['statusCode']}  {page_summary(body)}", file=out)
        print(f"  page written to {page.relative_to(ROOT)}", file=out)
    else:
        print(f"  {json.dumps(result)}", file=out)
    for mail in mails:
        print(f"  mail to {mail.recipient}: {mail.paths[0].relative_to(ROOT)}", file=out)
    stages = "  ".join(
        f"{s['stageName']}:{s.get('latestExecution', {}).get('status', 'None')}"
        for s in state["stageStates"])
    print(f"pipeline {pipeline}: {stages}", file=out)
    return (result if isinstance(result, dict) else {"result": result}), out.getvalue()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("function", help="logical ID in template.yaml, e.g. NotifyFunction")
    parser.add_argument("event", type=Path, help="an event file, e.g. events/decide-get.json")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="print the functions' JSON logs after the summary")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    replay(args.function, args.event, verbose=args.verbose)


if __name__ == "__main__":
    main()
