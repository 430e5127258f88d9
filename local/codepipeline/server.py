"""CodePipeline over HTTP on loopback, in front of an Engine, in both of its wire protocols
(AWS JSON 1.1 and Smithy RPC v2 CBOR, see protocols.py), plus the stand-in's own targets
GreenlightLocal.Push, GreenlightLocal.FailNext and GreenlightLocal.Tick.

Given a map of access keys to principal ARNs, the server names each AWS call's caller from the
access key in its SigV4 Authorization header, as CodePipeline records who started a run or
answered an approval; an unknown key is refused as AWS refuses it.
"""

from __future__ import annotations

import logging
import re
import threading
import uuid
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from local.codepipeline import protocols
from local.codepipeline.engine import Engine, ServiceError

logger = logging.getLogger(__name__)

AWS_TARGET = "CodePipeline_20150709"
LOCAL_TARGET = "GreenlightLocal"
# `AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/codepipeline/aws4_request, ...`
ACCESS_KEY = re.compile(r"\bCredential=([^/,\s]+)/")
UNRECOGNIZED_CLIENT = "The security token included in the request is invalid."
# What the command line and older callers import from here.
encode = protocols.encode_json


def _optional_text(params: Mapping[str, Any], name: str) -> str | None:
    value = params.get(name)
    if value is not None and not isinstance(value, str):
        raise ServiceError("ValidationException", f"{name} must be a string")
    return value


def _text(params: Mapping[str, Any], name: str) -> str:
    value = _optional_text(params, name)
    if not value:
        raise ServiceError("ValidationException", f"{name} is required")
    return value


def access_key_of(authorization: str | None) -> str | None:
    """The access key id a SigV4 `Authorization` header names, if it names one."""
    match = ACCESS_KEY.search(authorization or "")
    return match.group(1) if match else None


def caller_of(authorization: str | None, principals: Mapping[str, str] | None) -> str | None:
    """The principal ARN behind a request's credentials; None (the engine's default callers)
    when the server has no map. The signature is not checked, as moto does not check it: the
    map stands for IAM's knowledge of whose key it is, not for proof that the caller holds it.
    """
    if principals is None:
        return None
    principal = principals.get(access_key_of(authorization) or "")
    if principal is None:
        raise ServiceError("UnrecognizedClientException", UNRECOGNIZED_CLIENT)
    return principal


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], engine: Engine, principals: Mapping[str, str] | None
    ) -> None:
        self.engine = engine
        self.principals = principals
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 keeps botocore's pooled connections open between calls.
    protocol_version = "HTTP/1.1"
    # A client that promises more body than it sends must not hold a thread forever.
    timeout = 60
    server: _HttpServer

    def do_POST(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        body = self.rfile.read(length) if length > 0 else b""
        request = protocols.read_request(self.path, self.headers)
        protocol, operation = request.protocol, request.operation
        try:
            self._send(protocol, 200, self._dispatch(request, body))
        except ServiceError as error:
            payload = protocols.error_payload(protocol, error.code, error.message)
            self._send(protocol, error.status, payload)
        except Exception:
            logger.exception("the stand-in failed on %s", operation or self.path)
            payload = protocols.error_payload(protocol, "InternalFailure", "The stand-in failed")
            self._send(protocol, 500, payload)

    def do_GET(self) -> None:
        # A readiness probe for scripts that wait for the stand-in to come up.
        self._send(protocols.JSON_1_1, 200, {"service": "codepipeline", "status": "ok"})

    def _dispatch(self, request: protocols.Request, body: bytes) -> dict[str, Any]:
        protocols.check_headers(request, self.headers)
        if request.prefix not in (AWS_TARGET, LOCAL_TARGET) or not request.operation:
            target = f"{request.prefix}.{request.operation}".strip(".")
            raise ServiceError("UnknownOperationException", f"Unknown target '{target}'")
        params = protocols.decode_params(request.protocol, body)
        if request.prefix == AWS_TARGET:
            caller = caller_of(self.headers.get("Authorization"), self.server.principals)
            return self.server.engine.call(request.operation, params, caller=caller)
        return self._local(request.operation, params)

    def _local(self, operation: str, params: Mapping[str, Any]) -> dict[str, Any]:
        engine = self.server.engine
        if operation == "Push":
            paths = params.get("paths") or []
            if not isinstance(paths, list) or not all(isinstance(path, str) for path in paths):
                raise ServiceError("ValidationException", "paths must be a list of strings")
            started = engine.push(
                branch=_optional_text(params, "branch"),
                tag=_optional_text(params, "tag"),
                paths=paths,
                commit_id=_optional_text(params, "commitId"),
                message=_optional_text(params, "message") or "",
                author=_optional_text(params, "author") or "Jane Doe",
                repository=_optional_text(params, "repository"),
            )
            return {"pipelineExecutionIds": started}
        if operation == "FailNext":
            engine.fail_next(
                _text(params, "pipelineName"),
                _text(params, "stageName"),
                _text(params, "actionName"),
            )
            return {}
        if operation == "Tick":
            return {"changed": engine.tick()}
        target = f"{LOCAL_TARGET}.{operation}"
        raise ServiceError("UnknownOperationException", f"Unknown target '{target}'")

    def _send(self, protocol: str, status: int, payload: Mapping[str, Any]) -> None:
        data = protocols.encode_answer(protocol, payload)
        self.send_response(status)
        for name, value in protocols.answer_headers(protocol):
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s " + format, self.address_string(), *args)


class CodePipelineServer:
    """The stand-in on a loopback port, served from a daemon thread.

    With `auto_advance`, another daemon thread calls `engine.tick()` every `tick_seconds`.
    With `principals` (access key id to principal ARN, extended with `admit`), every AWS call
    must carry a known access key and is made as its principal; without, any credentials pass
    and the engine's default callers stand in.
    """

    def __init__(
        self,
        engine: Engine,
        host: str = "127.0.0.1",
        port: int = 0,
        auto_advance: bool = True,
        tick_seconds: float = 0.05,
        principals: Mapping[str, str] | None = None,
    ) -> None:
        self.engine = engine
        self.principals: dict[str, str] | None = None if principals is None else dict(principals)
        self.host = host
        self.port = port
        self.auto_advance = auto_advance
        self.tick_seconds = tick_seconds
        self._httpd: _HttpServer | None = None
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()

    def admit(self, access_key_id: str, principal_arn: str) -> None:
        """Let calls signed with `access_key_id` through, made as `principal_arn`."""
        if self.principals is None:
            raise RuntimeError("The server was started without a map of principals")
        self.principals[access_key_id] = principal_arn

    @property
    def endpoint_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("The server is not started")
        return f"http://{self.host}:{self._httpd.server_address[1]}"

    def start(self) -> CodePipelineServer:
        if self._httpd is not None:
            return self
        self._stopping.clear()
        httpd = self._httpd = _HttpServer((self.host, self.port), self.engine, self.principals)
        self._spawn("codepipeline-http", lambda: httpd.serve_forever(poll_interval=0.05))
        if self.auto_advance:
            self._spawn("codepipeline-clock", self._advance)
        logger.info("CodePipeline stand-in listening on %s", self.endpoint_url)
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads.clear()

    def __enter__(self) -> CodePipelineServer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    def _spawn(self, name: str, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _advance(self) -> None:
        while not self._stopping.wait(self.tick_seconds):
            try:
                self.engine.tick()
            except Exception:
                logger.exception("advancing the CodePipeline stand-in failed")
