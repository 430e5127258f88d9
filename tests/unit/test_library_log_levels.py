"""decide keeps the AWS libraries' debug lines (request parameters, tokens) out of its log,
and never makes them louder than the log they write to."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bench.environment import FUNCTIONS_DIR, function_specs, process_environment

LIBRARIES = ("aws_lambda_powertools", "botocore", "boto3", "urllib3")


def levels_after_import(root_level: str) -> dict[str, str]:
    probe = (f"import json, logging; logging.basicConfig(level=logging.{root_level}); "
             "import greenlight.decide; print(json.dumps({name: logging.getLevelName("
             f"logging.getLogger(name).getEffectiveLevel()) for name in {LIBRARIES!r}}}))")
    environment = process_environment(function_specs()["greenlight.decide"]) | {
        "PYTHONPATH": str(FUNCTIONS_DIR), "PYTHONDONTWRITEBYTECODE": "1"}
    completed = subprocess.run([sys.executable, "-c", probe], env=environment,
                               capture_output=True, text=True, timeout=120, check=True)
    return dict(json.loads(completed.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize(("root", "expected"), [("DEBUG", "INFO"), ("INFO", "INFO"),
                                                ("WARNING", "WARNING")])
def test_the_libraries_log_at_info_or_quieter(root: str, expected: str) -> None:
    assert levels_after_import(root) == dict.fromkeys(LIBRARIES, expected)
