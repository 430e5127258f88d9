"""Cold init: a fresh interpreter importing a function's handler module, against the floor of a
fresh interpreter that only imports boto3 and creates the same clients."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from dataclasses import dataclass

from bench.environment import FUNCTIONS_DIR, ROOT, function_specs, process_environment

RUNS = 15

# Times the import of the handler module, then names the AWS clients it holds.
FUNCTION_PROBE = """
import time
started = time.perf_counter()
import importlib, json, sys
sys.path[:0] = [{functions!r}]
module = importlib.import_module({module!r})
elapsed = time.perf_counter() - started

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
print(json.dumps({{"seconds": elapsed, "clients": clients}}))
"""

# Imports boto3 and creates exactly those clients, with the same settings.
FLOOR_PROBE = """
import time
started = time.perf_counter()
import json
import boto3
from botocore.config import Config
held = []
for kind, name, retries, connect, read in {clients!r}:
    config = Config(retries=json.loads(retries), connect_timeout=connect, read_timeout=read)
    make = boto3.resource if kind == "resource" else boto3.client
    held.append(make(name, config=config))
{extra}
print(json.dumps({{"seconds": time.perf_counter() - started}}))
"""
# Powertools' Tracer loads the X-Ray SDK, even with tracing disabled: the second floor adds it.
XRAY = "import aws_xray_sdk.core"


@dataclass(frozen=True)
class ColdStart:
    module: str
    clients: list[tuple[str, str, str, float, float]]  # kind, service, retries, timeouts
    function_ms: float
    floor_ms: float
    floor_with_xray_ms: float

    @property
    def ratio(self) -> float:
        return self.function_ms / self.floor_ms

    @property
    def ratio_with_xray(self) -> float:
        return self.function_ms / self.floor_with_xray_ms


def _run(code: str, env: dict[str, str]) -> dict[str, object]:
    completed = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT,
                               capture_output=True, text=True, check=True)
    return dict(json.loads(completed.stdout.strip().splitlines()[-1]))


def measure(module: str, runs: int = RUNS) -> ColdStart:
    """Median of `runs` cold imports of `module` and of its floor, run alternately."""
    env = process_environment(function_specs()[module])
    function_code = FUNCTION_PROBE.format(functions=str(FUNCTIONS_DIR), module=module)
    first = _run(function_code, env)
    clients = [tuple(pair) for pair in first["clients"]]  # type: ignore[attr-defined]
    probes = {"function": function_code,
              "floor": FLOOR_PROBE.format(clients=clients, extra=""),
              "floor with X-Ray": FLOOR_PROBE.format(clients=clients, extra=XRAY)}
    times: dict[str, list[float]] = {name: [] for name in probes}
    for _ in range(runs):
        for name, code in probes.items():
            times[name].append(float(_run(code, env)["seconds"]))  # type: ignore[arg-type]
    median = {name: statistics.median(values) * 1000 for name, values in times.items()}
    return ColdStart(module, clients, median["function"], median["floor"],
                     median["floor with X-Ray"])

