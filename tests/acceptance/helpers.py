"""What the black-box acceptance tests share: principals, pipelines with CustomData of the
attacker's choosing, runs started through real CodePipeline calls, mails and summaries."""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.util
import itertools
import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import requests

from greenlight.links import read_link, sign_link
from greenlight.review import issue_form_token
from local.offline import LOCAL_SIGNING_KEY
from local.stack import Mail, OfflineStack
from tests.offline import load_pipeline, mails_for, wait_until

ACCOUNT = "123456789012"
ALICE, BOB, CAROL, DAVE = ("alice@example.com", "bob@example.com", "carol@example.com",
                           "dave@example.com")
HIDDEN = ["\u202e", "\u202d", "\u202a", "\u2066", "\u2067", "\u2068", "\u2069", "\u200e",
          "\u200f", "\u061c", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]


def role(session: str, role_name: str = "Admin") -> str:
    return f"arn:aws:sts::{ACCOUNT}:assumed-role/{role_name}/{session}"


def user(name: str, path: str = "") -> str:
    return f"arn:aws:iam::{ACCOUNT}:user/{path}{name}"


def with_custom_data(text: str, action_name: str | None = None) -> Callable[[dict[str, Any]], None]:
    def change(declaration: dict[str, Any]) -> None:
        for stage in declaration["stages"]:
            for action in stage["actions"]:
                if (action["actionTypeId"]["category"] == "Approval"
                        and action_name in (None, action["name"])):
                    action["configuration"]["CustomData"] = text
    return change


def pipeline_named(stack: OfflineStack, name: str, custom_data: str | None = None,
                   example: str = "seed-pipeline.json") -> str:
    change = with_custom_data(custom_data) if custom_data is not None else None
    return load_pipeline(stack, example, name[:100], change)


def start_as(stack: OfflineStack, pipeline: str, principal: str, **start: Any) -> str:
    client = stack.codepipeline_as(principal)
    return str(client.start_pipeline_execution(name=pipeline, **start)["pipelineExecutionId"])


def approval_mails(stack: OfflineStack, pipeline: str, count: int = 3) -> list[Mail]:
    mails: list[Mail] = wait_until(lambda: len(m := mails_for(stack, pipeline)) >= count
                                   and stack.wait_for_deliveries(0.01) and m,
                                   what=f"{count} approval mails for {pipeline}")
    return mails


def by_recipient(mails: list[Mail]) -> dict[str, Mail]:
    return {mail.recipient: mail for mail in mails}


def all_mails_about(stack: OfflineStack, pipeline: str) -> list[Mail]:
    stack.wait_for_deliveries(5)
    stack.wait_for_outcomes(5)  # outcome mails go out after the response, from the stream
    stack.collect_mails()
    return [m for m in stack.mails if pipeline in m.subject]


def action_state(stack: OfflineStack, pipeline: str, action_name: str) -> dict[str, Any]:
    state = stack.engine.call("GetPipelineState", {"name": pipeline})
    for stage in state["stageStates"]:
        for action in stage.get("actionStates", []):
            if action["actionName"] == action_name:
                return dict(action)
    raise AssertionError(f"no action {action_name} in {pipeline}")


def approval_status(stack: OfflineStack, pipeline: str, action_name: str = "ManualApproval") -> str:
    return str(action_state(stack, pipeline, action_name).get("latestExecution", {})
               .get("status", "None"))


def summary_of(stack: OfflineStack, pipeline: str, action_name: str = "ManualApproval") -> str:
    return str(action_state(stack, pipeline, action_name).get("latestExecution", {})
               .get("summary", ""))


def form_token_of(page: requests.Response) -> str | None:
    found = re.search(r'name="form_token" value="([^"]+)"', page.text)
    return found.group(1) if found else None


def post(url: str, form_token: str | None, comment: str = "",
         headers: dict[str, str] | None = None) -> requests.Response:
    data = {"comment": comment}
    if form_token is not None:
        data["form_token"] = form_token
    return requests.post(url, data=data, headers=headers or {}, timeout=10)


_redeploys = itertools.count()


@contextlib.contextmanager
def notify_redeployed(stack: OfflineStack, policy: dict[str, Any]) -> Iterator[None]:
    """The notify function redeployed with another APPROVAL_POLICY (a fresh container of the
    same code), for as long as the block runs; then the stack's own notify again."""
    module = sys.modules[stack.notify_handler.__module__]
    before, handler = os.environ.get("APPROVAL_POLICY"), stack.notify_handler
    os.environ["APPROVAL_POLICY"] = json.dumps(policy)
    try:
        stack.notify_handler = load_fresh(module.__file__)
        yield
    finally:
        stack.wait_for_deliveries(15)
        stack.notify_handler = handler
        if before is None:
            os.environ.pop("APPROVAL_POLICY", None)
        else:
            os.environ["APPROVAL_POLICY"] = before


def load_fresh(path: str | None) -> Any:
    """A new copy of the notify module at `path`, imported as Lambda would at a cold start."""
    assert path is not None
    module_name = f"greenlight_notify_redeployed_{next(_redeploys)}"
    found = importlib.util.spec_from_file_location(module_name, path)
    assert found is not None and found.loader is not None
    module = importlib.util.module_from_spec(found)
    sys.modules[module_name] = module  # as stack.clear_caches() expects of every handler
    found.loader.exec_module(module)
    return module.handler


def live_token(stack: OfflineStack, pipeline: str, action_name: str = "ManualApproval") -> str:
    return str(action_state(stack, pipeline, action_name)["latestExecution"]["token"])


def mint_link(url: str, **changes: Any) -> str:
    """`url` with its claims changed and signed again with the local signing key, as someone
    holding the key (not the product) would do."""
    signed = url.rsplit("/", 1)[1]
    claims = read_link(signed, [LOCAL_SIGNING_KEY], datetime.now(UTC))
    forged = sign_link(dataclasses.replace(claims, **changes), [LOCAL_SIGNING_KEY])
    return url.rsplit("/", 1)[0] + "/" + forged


def minted_form_token(url: str) -> str:
    signed = url.rsplit("/", 1)[1]
    claims = read_link(signed, [LOCAL_SIGNING_KEY], datetime.now(UTC))
    return str(issue_form_token(signed, claims.decision, [LOCAL_SIGNING_KEY], datetime.now(UTC)))
