"""What each function's cold start loads: only the modules its path needs (`make bench` times
them; this keeps a later import from pulling a heavy one back in)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bench.environment import FUNCTIONS_DIR, function_specs, process_environment

# Modules a function's import must not load, and why.
NOT_LOADED = {
    # A review page acts on what the request record kept: no policy parser, no mail.
    "greenlight.decide": ("greenlight.policy", "greenlight.notices", "greenlight.mail",
                          "email.mime"),
    # Outcome mails: the record and its votes; no voting, no CodePipeline, no policy.
    "greenlight.tell": ("greenlight.voting", "greenlight.review", "greenlight.pipeline",
                        "greenlight.identity", "greenlight.approval", "greenlight.policy"),
}


def loaded_by(module: str) -> list[str]:
    probe = (f"import importlib, json, sys; importlib.import_module({module!r}); "
             "print(json.dumps(sorted(sys.modules)))")
    environment = process_environment(function_specs()[module]) | {
        "PYTHONPATH": str(FUNCTIONS_DIR), "PYTHONDONTWRITEBYTECODE": "1"}
    completed = subprocess.run([sys.executable, "-c", probe], env=environment,
                               capture_output=True, text=True, timeout=120, check=True)
    return list(json.loads(completed.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("module", sorted(NOT_LOADED))
def test_a_function_loads_none_of_what_its_path_does_not_need(module: str) -> None:
    loaded = loaded_by(module)
    assert module in loaded
    unwanted = [name for name in loaded
                if any(name == no or name.startswith(no + ".") for no in NOT_LOADED[module])]
    assert unwanted == []


def test_the_probe_sees_what_a_function_does_load() -> None:
    loaded = loaded_by("greenlight.notify")
    assert {"greenlight.policy", "greenlight.mail", "greenlight.pipeline"} <= set(loaded)
