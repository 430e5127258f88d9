"""Watching the offline stack from a test: CodePipeline calls at the engine, responses, tallies."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from greenlight.links import token_digest
from local.codepipeline.engine import Engine, ServiceError
from local.stack import OfflineStack

SECURITY_HEADERS = frozenset({"content-security-policy", "referrer-policy", "cache-control",
                              "x-content-type-options", "x-frame-options"})


@dataclass(frozen=True)
class EngineCall:
    operation: str
    error: str | None  # the ServiceError code, None when the call succeeded


class EngineCalls:
    """Every call that reaches the CodePipeline stand-in's engine, in order."""

    def __init__(self, engine: Engine) -> None:
        self._call = engine.call
        self._lock = threading.Lock()
        self.calls: list[EngineCall] = []

    def __call__(self, operation: str, params: Any, *, caller: str | None = None) -> Any:
        try:
            response = self._call(operation, params, caller=caller)
        except ServiceError as error:
            self._record(EngineCall(operation, error.code))
            raise
        self._record(EngineCall(operation, None))
        return response

    def _record(self, call: EngineCall) -> None:
        with self._lock:
            self.calls.append(call)

    def count(self, operation: str, *, succeeded: bool | None = None) -> int:
        with self._lock:
            return sum(1 for call in self.calls if call.operation == operation
                       and (succeeded is None or (call.error is None) == succeeded))

    def decisions(self) -> int:
        """PutApprovalResult calls the engine accepted: approvals actually decided."""
        return self.count("PutApprovalResult", succeeded=True)


@contextmanager
def observed(engine: Engine) -> Iterator[EngineCalls]:
    """Count the engine's calls for as long as the block runs."""
    outer = vars(engine).get("call")
    observer = EngineCalls(engine)
    engine.call = observer  # type: ignore[method-assign]
    try:
        yield observer
    finally:
        if outer is None:
            del engine.call  # the class's own method shows through again
        else:
            engine.call = outer  # type: ignore[method-assign]


def forget_requests(stack: OfflineStack, tokens: Iterable[str]) -> None:
    """Delete the request records these approval tokens opened in the stack's table.

    The table outlives a test: records of pipelines that never existed would otherwise be
    followed by every later run of the scheduled function.
    """
    table = getattr(stack, "table", None)
    if table is None:
        return
    with table.batch_writer() as batch:
        for digest in {token_digest(token) for token in tokens}:
            batch.delete_item(Key={"request_id": digest})


def response_headers(response: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every header of a Lambda proxy response, single- and multi-valued."""
    found = [(str(k), str(v)) for k, v in (response.get("headers") or {}).items()]
    for name, values in (response.get("multiValueHeaders") or {}).items():
        found += [(str(name), str(value)) for value in values]
    return found


def header_problems(response: Mapping[str, Any]) -> list[str]:
    """What is wrong with a response's headers: line breaks, missing security headers."""
    headers = response_headers(response)
    problems = [f"line break in header {name!r}: {value!r}" for name, value in headers
                if any(ch in name + value for ch in "\r\n")]
    missing = SECURITY_HEADERS - {name.lower() for name, _ in headers}
    if missing:
        problems.append(f"missing security headers {sorted(missing)}")
    return problems


@dataclass
class Tally:
    """Counts the generated and fault tests gather, shown in pytest's terminal summary."""

    counts: dict[str, Counter[str]] = field(default_factory=dict)
    written: bool = False

    def add(self, subject: str, **amounts: int) -> None:
        self.counts.setdefault(subject, Counter()).update(amounts)

    def lines(self) -> list[str]:
        return [f"{subject}: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in c.items())
                for subject, c in sorted(self.counts.items())]

    def write(self, reporter: Any) -> None:
        """Add the counts to pytest's terminal summary, once per run."""
        if self.written or not self.counts:
            return
        self.written = True
        reporter.section("generated and fault-injected cases")
        for line in self.lines():
            reporter.write_line(line)


TALLY = Tally()
