"""What the benchmark runs with: each function's environment as template.yaml sets it, and a
description of the machine the figures come from."""

from __future__ import annotations

import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

from local.sam_template import FunctionSpec, functions, load_template, parameter_defaults, resolve

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_DIR = ROOT / "functions"
REGION = "eu-west-1"
ACCOUNT = "123456789012"
SECRET_ARN = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:greenlight-signing-AbCdEf"
# 64 characters, as the key the template generates.
SIGNING_KEY = ("bench-" + "0123456789abcdef" * 4)[:64]

# Values of the template's references that a real stack would resolve.
NAMES = {
    "SigningSecret": SECRET_ARN,
    "VoteSigningSecret": SECRET_ARN.replace("signing", "vote-signing"),
    "ApprovalsTable": "greenlight-ApprovalsTable-1ABCDEFGHIJ",
    "ApprovalTopic": f"arn:aws:sns:{REGION}:{ACCOUNT}:greenlight-ApprovalTopic-1ABCDEFGHIJ",
    "ApprovalApi": "abc123defg",
    "SenderEmail": "greenlight@example.com",
    "ApproverEmails": "alice@example.com,bob@example.com",
    "PipelineNames": "bench-pipeline",
    "AWS::Region": REGION,
    "AWS::AccountId": ACCOUNT,
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::Partition": "aws",
    "AWS::StackName": "greenlight",
}
# No AWS call is made: clients need a region and some credentials to be created.
AWS = {
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_SESSION_TOKEN": "bench",
    # What Lambda sets with `Tracing: Active`: the daemon's address and the context rule.
    "AWS_XRAY_DAEMON_ADDRESS": "169.254.79.129:2000",
    "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
    "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
}


def function_specs() -> dict[str, FunctionSpec]:
    """The template's functions, by the handler module they load."""
    return {spec.handler.rpartition(".")[0]: spec
            for spec in functions(load_template()).values()}


def without_conditions(value: object) -> object:
    """A value under `Fn::If`, as the template's default parameters decide it: the
    conditions of these environments (a custom domain, ...) are off by default."""
    if isinstance(value, dict) and "Fn::If" in value:
        return without_conditions(value["Fn::If"][2])
    return value


def function_environment(spec: FunctionSpec) -> dict[str, str]:
    """The environment Lambda gives `spec`, with a stand-in for every reference."""
    template = load_template()
    names = parameter_defaults(template) | NAMES
    env = {name: resolve(without_conditions(value), names)
           for name, value in spec.environment.items()}
    runtime = {"AWS_LAMBDA_FUNCTION_NAME": f"greenlight-{spec.logical_id}",
               "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256", "LAMBDA_TASK_ROOT": str(FUNCTIONS_DIR)}
    return {**AWS, **runtime, **{name: value for name, value in env.items() if value}}


def process_environment(spec: FunctionSpec) -> dict[str, str]:
    """A child process's environment: the function's, without the caller's AWS settings."""
    inherited = {k: v for k, v in os.environ.items()
                 if not k.startswith(("AWS_", "POWERTOOLS_", "APPROVAL", "SENDER_", "SIGNING_"))}
    return inherited | function_environment(spec)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.lower().startswith(("model name", "cpu model", "hardware")):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def runtime() -> str:
    """The functions' runtime, as template.yaml's Globals name it (python3.13)."""
    return str(load_template()["Globals"]["Function"]["Runtime"])


def python_note() -> str:
    """This interpreter, and whether it is the functions' runtime."""
    version, wanted = sys.version.split()[0], runtime()
    if wanted == f"python{sys.version_info.major}.{sys.version_info.minor}":
        return f"Python {version}, the functions' runtime ({wanted})"
    return (f"Python {version}, not the functions' runtime ({wanted}): "
            "the figures are indicative only")


def machine() -> dict[str, str]:
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": platform.machine(),
        "cpu": f"{cpu_model()} ({os.cpu_count()} CPUs)",
        "python": python_note(),
    }
