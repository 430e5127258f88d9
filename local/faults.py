"""A loopback reverse proxy that answers chosen AWS calls with AWS-shaped errors or delays.

Put it in front of moto or the CodePipeline stand-in and point the clients at it:

    with FaultProxy(moto_url) as proxy:
        os.environ["AWS_ENDPOINT_URL"] = proxy.url
        proxy.inject("ses.SendEmail", code="TooManyRequestsException", times=2)

A request matches a fault by its signing service (`ses`), its operation (`SendEmail`), both
(`ses.SendEmail`) or its raw X-Amz-Target (`CodePipeline_20150709.PutApprovalResult`; in
Smithy RPC v2 CBOR the same name is read from the request's path).
Everything that matches no fault is forwarded unchanged.
"""

from __future__ import annotations

import http.client
import json
import logging
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import cbor2

log = logging.getLogger(__name__)

# The status AWS answers each error code with, when the caller names only the code.
STATUS_OF = {
    "ThrottlingException": 400,
    "Throttling": 400,
    "TooManyRequestsException": 429,
    "LimitExceededException": 400,
    "InternalFailure": 500,
    "InternalServiceError": 500,
    "InternalServerError": 500,
    "InternalError": 500,
    "ServiceUnavailable": 503,
    "ServiceUnavailableException": 503,
}
# The code AWS most often sends with each status, when the caller names only the status.
CODE_OF = {
    400: "ThrottlingException",
    429: "TooManyRequestsException",
    500: "InternalFailure",
    502: "BadGateway",
    503: "ServiceUnavailable",
    504: "GatewayTimeout",
}
# REST operations are named by method and path; these are the ones Greenlight calls.
REST_OPERATIONS = {
    ("POST", "/v2/email/outbound-emails"): "SendEmail",
    ("POST", "/v2/email/identities"): "CreateEmailIdentity",
}
RPC_V2_PATH = re.compile(r"(?:/.*)?/service/([^/]+)/operation/([^/]+)")
CREDENTIAL_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")
# Enough history for a test's counts, bounded for a proxy that serves a whole session.
MAX_CALLS = 100_000
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
              "proxy-authenticate", "proxy-authorization", "content-length"}


@dataclass(frozen=True)
class Call:
    """One request as the proxy saw it, and what it did with it."""

    service: str
    operation: str
    target: str
    body: bytes
    fault: str | None = None

    def names(self) -> set[str]:
        names = {self.service, self.operation, f"{self.service}.{self.operation}"}
        if self.target:
            names.add(self.target)
        return {name.lower() for name in names if name}


@dataclass
class Fault:
    """What to do to the next `times` matching requests (all of them when `times` is None)."""

    match: str
    status: int | None = None
    code: str | None = None
    message: str = "Injected by the fault proxy"
    times: int | None = 1
    delay: float = 0.0
    drop: bool = False
    lose_answer: bool = False
    body_contains: bytes | None = None
    hits: int = 0

    @property
    def error(self) -> tuple[int, str] | None:
        """The (status, code) the proxy answers with in AWS's place, if it does."""
        if self.status is None or self.code is None:
            return None
        return self.status, self.code

    def matches(self, call: Call) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if self.match.lower() not in call.names():
            return False
        return self.body_contains is None or self.body_contains in call.body

    def describe(self) -> str:
        if self.error is not None:
            return f"{self.status} {self.code}"
        if self.lose_answer:
            return "answer lost"
        return "dropped" if self.drop else f"delayed {self.delay:g}s"


@dataclass(frozen=True)
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def identify(method: str, path: str, headers: Any, body: bytes) -> Call:
    """Which service and operation a signed AWS request is for."""
    target = headers.get("X-Amz-Target", "") or ""
    rpc_v2 = RPC_V2_PATH.fullmatch(urlsplit(path).path)
    if not target and rpc_v2 is not None:
        target = f"{rpc_v2.group(1)}.{rpc_v2.group(2)}"
    scope = CREDENTIAL_SCOPE.search(headers.get("Authorization", "") or "")
    service = scope.group(1) if scope else ""
    if target:
        operation = target.rpartition(".")[2]
    elif "x-www-form-urlencoded" in (headers.get("Content-Type") or ""):
        try:
            action = parse_qs(body.decode("utf-8")).get("Action", [""])[0]
        except UnicodeDecodeError:
            action = ""
        operation = action or f"{method} {path}"
    else:
        operation = REST_OPERATIONS.get((method, urlsplit(path).path.rstrip("/")),
                                        f"{method} {path}")
    return Call(service, operation, target, body)


def error_answer(call: Call, headers: Any, status: int, code: str, message: str) -> Answer:
    """The error the service would send, in its own protocol, so botocore parses the code."""
    request_id = str(uuid.uuid4())
    common = [("x-amzn-RequestId", request_id)]
    if headers.get("smithy-protocol") == "rpc-v2-cbor":
        # Smithy RPC v2 CBOR (CodePipeline as botocore may speak it): `__type` in a CBOR map.
        body = cbor2.dumps({"__type": code, "message": message})
        return Answer(status, [*common, ("Content-Type", "application/cbor"),
                               ("smithy-protocol", "rpc-v2-cbor")], body)
    if call.target:
        # JSON 1.0 and 1.1 (CodePipeline, Secrets Manager, SQS): the code is `__type`.
        content_type = headers.get("Content-Type") or "application/x-amz-json-1.1"
        body = json.dumps({"__type": code, "message": message}).encode()
        return Answer(status, [*common, ("Content-Type", content_type)], body)
    if "x-www-form-urlencoded" in (headers.get("Content-Type") or ""):
        # Query protocol (SNS): an XML ErrorResponse.
        kind = "Receiver" if status >= 500 else "Sender"
        xml = (f"<ErrorResponse><Error><Type>{kind}</Type><Code>{code}</Code>"
               f"<Message>{message}</Message></Error><RequestId>{request_id}</RequestId>"
               "</ErrorResponse>")
        return Answer(status, [*common, ("Content-Type", "text/xml")], xml.encode())
    # REST-JSON (SES v2): the code travels in the x-amzn-ErrorType header.
    body = json.dumps({"message": message}).encode()
    return Answer(status, [*common, ("Content-Type", "application/json"),
                           ("x-amzn-ErrorType", f"{code}:http://internal.amazon.com/")], body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Concurrent clients (parallel sends, racing approvers) must not be refused by the kernel.
    request_queue_size = 128


class FaultProxy:
    """Forward to `upstream_url`, except for the requests a fault is injected for."""

    def __init__(self, upstream_url: str, host: str = "127.0.0.1", port: int = 0,
                 upstream_timeout: float = 60.0) -> None:
        parts = urlsplit(upstream_url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"the upstream must be a plain http:// URL, got {upstream_url!r}")
        self.upstream = (parts.hostname, parts.port or 80)
        self.upstream_timeout = upstream_timeout
        self.host = host
        self.calls: deque[Call] = deque(maxlen=MAX_CALLS)
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._in_flight = 0
        self._idle = threading.Condition(self._lock)
        self._server = _Server((host, port), self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05},
                                        name="fault-proxy", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self._server.server_port}"

    # --- start and stop ---

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- faults ---

    def inject(self, match: str, *, status: int | None = None, code: str | None = None,
               message: str = "Injected by the fault proxy", times: int | None = 1,
               delay: float = 0.0, drop: bool = False, lose_answer: bool = False,
               body_contains: str | bytes | None = None) -> Fault:
        """Make the next `times` matching requests fail (`times=None`: every one), after
        holding each for `delay` seconds.

        - `status` or `code`: answer with that AWS error; the upstream never sees the request.
        - `drop`: close the connection without an answer; the upstream never sees it.
        - `lose_answer`: forward the request, then close the connection instead of answering:
          the upstream acted, and the caller cannot know.
        - `delay` alone: forward late, as a slow network or service would; the caller may
          have given up by then, and the upstream acts on it all the same.

        `body_contains` narrows the fault to requests whose body holds that text.
        """
        if status is not None and code is None:
            code = CODE_OF.get(status, "InternalFailure")
        if code is not None and status is None:
            status = STATUS_OF.get(code, 400)
        if status is None and not (delay or drop or lose_answer):
            raise ValueError("a fault needs a status, a code, a delay, drop or lose_answer")
        needle = body_contains.encode() if isinstance(body_contains, str) else body_contains
        fault = Fault(match, status, code, message, times, delay, drop, lose_answer, needle)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        """Remove every fault; requests already held finish as they were going to."""
        with self._lock:
            self._faults.clear()

    def count(self, match: str, *, faulted: bool | None = None) -> int:
        """Requests seen that match `match` (only faulted or only clean ones if asked)."""
        with self._lock:
            calls = list(self.calls)
        return sum(1 for call in calls if match.lower() in call.names()
                   and (faulted is None or (call.fault is not None) == faulted))

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until no request is being held, forwarded or answered."""
        with self._idle:
            return self._idle.wait_for(lambda: self._in_flight == 0, timeout)

    # --- serving ---

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            # HTTP/1.1 keeps botocore's pooled connections open between calls.
            protocol_version = "HTTP/1.1"
            timeout = 60

            def handle_one(self) -> None:
                proxy._serve(self)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = handle_one

            def log_message(self, format: str, *args: Any) -> None:
                log.debug("fault proxy: " + format, *args)

        return Handler

    def _serve(self, request: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self._in_flight += 1
        try:
            self._answer(request)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (a read timeout): AWS would not notice either.
            request.close_connection = True
        finally:
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()

    def _answer(self, request: BaseHTTPRequestHandler) -> None:
        try:
            length = int(request.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        body = request.rfile.read(length) if length > 0 else b""
        call = identify(request.command, request.path, request.headers, body)
        fault = self._claim(call)
        with self._lock:
            self.calls.append(replace(call, body=b"", fault=fault.describe() if fault else None))
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        if fault is not None and fault.drop:
            request.close_connection = True
            return
        error = fault.error if fault is not None else None
        if fault is not None and error is not None:
            answer = error_answer(call, request.headers, *error, fault.message)
        else:
            answer = self._forward(request, body)
        if fault is not None and fault.lose_answer:
            request.close_connection = True
            return
        request.send_response(answer.status)
        for name, value in answer.headers:
            request.send_header(name, value)
        request.send_header("Content-Length", str(len(answer.body)))
        request.end_headers()
        if request.command != "HEAD":
            request.wfile.write(answer.body)

    def _claim(self, call: Call) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(call):
                    fault.hits += 1
                    return fault
        return None

    def _forward(self, request: BaseHTTPRequestHandler, body: bytes) -> Answer:
        connection = http.client.HTTPConnection(*self.upstream, timeout=self.upstream_timeout)
        try:
            headers = {name: value for name, value in request.headers.items()
                       if name.lower() not in HOP_BY_HOP}
            connection.request(request.command, request.path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            # send_response() writes the proxy's own Server and Date headers.
            kept = [(name, value) for name, value in response.getheaders()
                    if name.lower() not in HOP_BY_HOP | {"server", "date"}]
            return Answer(response.status, kept, data)
        finally:
            connection.close()


@dataclass(frozen=True)
class Faults:
    """The two proxies an offline stack puts in front of AWS: moto's and CodePipeline's."""

    aws: FaultProxy
    codepipeline: FaultProxy

    def all(self) -> Iterator[FaultProxy]:
        yield self.aws
        yield self.codepipeline

    def clear(self) -> None:
        for proxy in self.all():
            proxy.clear()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        return all(proxy.wait_idle(timeout) for proxy in self.all())
