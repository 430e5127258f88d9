"""Cold init: a fresh interpreter importing a function's handler module from its package (as
`sam build` makes it, with its bytecode), against the floor of a
fresh interpreter that only imports boto3 and creates the same clients; and the cold first
response: that import plus a first review page, every AWS call answered in-process, against
the floor plus the same calls answered the same way."""

from __future__ import annotations

import atexit
import functools
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.environment import FUNCTIONS_DIR, ROOT, function_specs, process_environment

RUNS = 15

# botocore's last step before the network, answered from canned bodies: serialising the
# request and parsing the answer still happen, as with AWS.
ANSWER_IN_PROCESS = """
import json as _json
import boto3 as _boto3
from botocore.awsrequest import AWSResponse as _Response

class _Body:
    def __init__(self, data):
        self.data = data
    def stream(self, **_):
        yield self.data

_ANSWERS = _json.loads({answers!r})
_made = []

def _answer(request, event_name, **_):
    operation = event_name.rsplit(".", 1)[1]
    _made.append(operation)
    return _Response(request.url, 200, {{"Content-Type": "application/x-amz-json-1.1"}},
                     _Body(_ANSWERS[operation].encode()))

_boto3.setup_default_session()
_boto3.DEFAULT_SESSION.events.register("before-send", _answer)
"""

# Times the import of the handler module (and, with a first request, that request), then
# names the AWS clients it holds.
FUNCTION_PROBE = """
import time
started = time.perf_counter()
{prelude}
import importlib, json, sys
sys.path[:0] = [{functions!r}]
module = importlib.import_module({module!r})
{extra}
elapsed = time.perf_counter() - started
{request}
total = time.perf_counter() - started

def described(kind, client):
    config = client.meta.config
    return (kind, client.meta.service_model.service_name, json.dumps(config.retries),
            config.connect_timeout, config.read_timeout)

def service(value):
    meta = getattr(value, "meta", None)
    if meta is not None and hasattr(meta, "service_model"):
        return described("client", value)
    client = getattr(meta, "client", None) if meta is not None else None
    if client is not None and hasattr(client, "meta"):
        return described("resource", client)
    inner = getattr(value, "client", None)
    if inner is not None and hasattr(inner, "meta") and hasattr(inner.meta, "service_model"):
        return described("client", inner)
    return None

clients = sorted({{found for value in vars(module).values() if (found := service(value))}})
print(json.dumps({{"seconds": elapsed, "total": total, "clients": clients,
                  "loaded": sorted(sys.modules), "made": globals().get("_made", []),
                  "status": globals().get("status")}}))
"""

FIRST_REQUEST = """
class _Context:
    function_name = {function!r}
    function_version = "$LATEST"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:" + {function!r}
    aws_request_id = "8f8b4c1e-6f3c-4a53-9d8e-1d2e3f4a5b6c"
    def get_remaining_time_in_millis(self):
        return 15000

import io, contextlib
with contextlib.redirect_stdout(io.StringIO()):  # the function's log and metric lines
    status = module.handler(json.loads({event!r}), _Context())["statusCode"]
"""

# Imports boto3 and creates exactly those clients, with the same settings.
FLOOR_PROBE = """
import time
started = time.perf_counter()
{prelude}
import json
import boto3
from botocore.config import Config
held = {{}}
for kind, name, retries, connect, read in {clients!r}:
    config = Config(retries=json.loads(retries), connect_timeout=connect, read_timeout=read)
    make = boto3.resource if kind == "resource" else boto3.client
    held[name] = make(name, config=config)
{extra}
elapsed = time.perf_counter() - started
{request}
print(json.dumps({{"seconds": elapsed, "total": time.perf_counter() - started}}))
"""
# The same calls a review page makes, from the floor's own clients.
FLOOR_CALLS = {
    "GetSecretValue": 'held["secretsmanager"].get_secret_value(SecretId="bench")',
    "GetItem": 'held["dynamodb"].Table("bench").get_item(Key={"request_id": "bench"}, '
               'ConsistentRead=True)',
    "GetPipelineState": 'held["codepipeline"].get_pipeline_state(name="bench")',
}
# What keeping Powertools' Tracer costs: it imports the X-Ray SDK and patches botocore.
WITH_TRACER = ("from aws_lambda_powertools import Tracer\n"
               "Tracer(service='greenlight', auto_patch=True)")
XRAY = "import aws_xray_sdk.core\naws_xray_sdk.core.patch(['botocore'])"


@dataclass(frozen=True)
class ColdStart:
    module: str
    function: str  # logical ID
    clients: list[tuple[str, str, str, float, float]]  # kind, service, retries, timeouts
    function_ms: float
    floor_ms: float
    with_tracer_ms: float  # the function with Powertools' Tracer, as it was
    floor_with_xray_ms: float
    heavy: list[str]  # modules loaded that a path may not need (MIME, policy, sign-in, ...)
    ratio: float  # the median of the paired ratios, function / floor, run by run
    tracer_ratio: float
    without_bytecode_ms: float  # the package as the python3.13 builder made it: no .pyc
    without_bytecode_ratio: float


@dataclass(frozen=True)
class FirstResponse:
    function_ms: float  # import + first GET of a review page
    floor_ms: float  # floor + the same calls
    calls: list[str]
    status: int
    ratio: float  # the median of the paired ratios


# Modules a review page has no use for; reported when an import loads them.
HEAVY = ("email.mime", "greenlight.policy", "greenlight.notices", "authlib", "joserfc",
         "cryptography", "slack_sdk", "aws_xray_sdk")


@functools.cache
def package() -> Path:
    """The functions' package as `sam build` makes it (functions/Makefile: sources,
    requirements and their bytecode), built for this machine's Python."""
    target = Path(tempfile.mkdtemp(prefix="greenlight-package-"))
    atexit.register(shutil.rmtree, target, ignore_errors=True)
    subprocess.run(["make", "--silent", "-C", str(FUNCTIONS_DIR), "build-DecideFunction",
                    f"ARTIFACTS_DIR={target}", f"PYTHON={sys.executable}",
                    "PIP_TARGET_PLATFORM="], check=True, capture_output=True, text=True)
    return target


@functools.cache
def package_without_bytecode() -> Path:
    """The same package without its .pyc files, as the python3.13 builder packages it."""
    target = Path(tempfile.mkdtemp(prefix="greenlight-sources-")) / "package"
    atexit.register(shutil.rmtree, target.parent, ignore_errors=True)
    shutil.copytree(package(), target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def lambda_environment(spec_env: dict[str, str], task_root: Path) -> dict[str, str]:
    """A probe's environment: the function's, its package as the task root, and nothing
    written beside the modules (/var/task is read-only: a module without bytecode in the
    package compiles at every cold start)."""
    return spec_env | {"LAMBDA_TASK_ROOT": str(task_root), "PYTHONDONTWRITEBYTECODE": "1"}


def _run(code: str, env: dict[str, str]) -> dict[str, object]:
    completed = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT,
                               capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise RuntimeError(completed.stderr[-2000:])
    return dict(json.loads(completed.stdout.strip().splitlines()[-1]))


def _alternate(probes: dict[str, str], env: dict[str, str], runs: int,
               key: str = "seconds") -> dict[str, list[float]]:
    """Milliseconds of each probe, run by run: one round runs every probe once, in turn, and
    every other round in the reverse order (so a drift within a round favours neither side
    of a pair; list each probe beside the one it is compared with)."""
    times: dict[str, list[float]] = {name: [] for name in probes}
    for round_ in range(runs):
        order = list(probes) if round_ % 2 == 0 else list(reversed(probes))
        for name in order:
            times[name].append(float(_run(probes[name], env)[key]) * 1000)  # type: ignore[arg-type]
    return times


def paired_ratio(times: dict[str, list[float]], name: str, floor: str = "floor") -> float:
    """The median of `name`'s ratio to the floor within each round: a round's probes run
    seconds apart, so a slow spell of the machine moves both sides of a ratio alike."""
    return statistics.median(a / b for a, b in zip(times[name], times[floor], strict=True))


def _medians(times: dict[str, list[float]]) -> dict[str, float]:
    return {name: statistics.median(values) for name, values in times.items()}


def measure(module: str, runs: int = RUNS) -> ColdStart:
    """`runs` cold imports of `module`, with and without Powertools' Tracer, and of its floor
    with and without the X-Ray SDK, run alternately (so drift hits all alike): the medians,
    and the median of the paired ratios."""
    spec = function_specs()[module]
    env = lambda_environment(process_environment(spec), package())
    probe = {"functions": str(package()), "module": module, "prelude": "", "request": ""}
    function_code = FUNCTION_PROBE.format(**probe, extra="")
    sources_only = FUNCTION_PROBE.format(**(probe | {"functions": str(package_without_bytecode())}),
                                         extra="")
    first = _run(function_code, env)
    clients = [tuple(pair) for pair in first["clients"]]  # type: ignore[attr-defined]
    loaded = first["loaded"]
    heavy = sorted({name for name in HEAVY if any(m == name or m.startswith(name + ".")
                                                  for m in loaded)})  # type: ignore[attr-defined]
    floor = {"clients": clients, "prelude": "", "request": ""}
    times = _alternate({
        "function": function_code,
        "floor": FLOOR_PROBE.format(**floor, extra=""),
        "with tracer": FUNCTION_PROBE.format(**probe, extra=WITH_TRACER),
        "floor with X-Ray": FLOOR_PROBE.format(**floor, extra=XRAY),
        "without bytecode": sources_only,
    }, env, runs)
    median = _medians(times)
    return ColdStart(module, spec.logical_id, clients, median["function"], median["floor"],
                     median["with tracer"], median["floor with X-Ray"], heavy,
                     paired_ratio(times, "function"), paired_ratio(times, "with tracer"),
                     median["without bytecode"], paired_ratio(times, "without bytecode"))


def measure_first_response(answers: dict[str, str], event: dict[str, object],
                           runs: int = RUNS) -> FirstResponse:
    """Import decide and serve one review page, against the floor plus the same calls."""
    module = "greenlight.decide"
    spec = function_specs()[module]
    env = lambda_environment(process_environment(spec), package())
    prelude = ANSWER_IN_PROCESS.format(answers=json.dumps(answers))
    request = FIRST_REQUEST.format(function=spec.logical_id, event=json.dumps(event))
    function_code = FUNCTION_PROBE.format(functions=str(package()), module=module,
                                          prelude=prelude, extra="", request=request)
    first = _run(function_code, env)
    made = [str(m) for m in first["made"]]  # type: ignore[attr-defined]
    clients = [tuple(pair) for pair in first["clients"]]  # type: ignore[attr-defined]
    floor_request = "\n".join(FLOOR_CALLS[operation] for operation in made)
    floor_code = FLOOR_PROBE.format(clients=clients, prelude=prelude, extra="",
                                    request=floor_request)
    times = _alternate({"function": function_code, "floor": floor_code}, env, runs,
                       key="total")
    median = _medians(times)
    return FirstResponse(median["function"], median["floor"], made,
                         int(first["status"]),  # type: ignore[call-overload]
                         paired_ratio(times, "function"))
