"""CodePipeline's JSON 1.1 protocol over HTTP on loopback, in front of an Engine, plus the
stand-in's own targets GreenlightLocal.Push, GreenlightLocal.FailNext and GreenlightLocal.Tick.

Given a map of access keys to principal ARNs, the server names each AWS call's caller from the
access key in its SigV4 Authorization header, as CodePipeline records who started a run or
answered an approval; an unknown key is refused as AWS refuses it.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from local.codepipeline.engine import Engine, ServiceError

logger = logging.getLogger(__name__)

AWS_TARGET = "CodePipeline_20150709"
LOCAL_TARGET = "GreenlightLocal"
CONTENT_TYPE = "application/x-amz-json-1.1"
# `AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/codepipeline/aws4_request, ...`
ACCESS_KEY = re.compile(r"\bCredential=([^/,\s]+)/")
UNRECOGNIZED_CLIENT = "The security token included in the request is invalid."


def encode(value: Any) -> Any:
    """JSON for what json cannot write itself: timestamps go out as epoch seconds."""
    if isinstance(value, datetime):
        return value.timestamp()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


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
        target = self.headers.get("X-Amz-Target", "")
        try:
            self._send(200, self._dispatch(target, body))
        except ServiceError as error:
            self._send(error.status, {"__type": error.code, "message": error.message})
        except Exception:
            logger.exception("the stand-in failed on %s", target)
            self._send(500, {"__type": "InternalFailure", "message": "The stand-in failed"})

    def do_GET(self) -> None:
        # A readiness probe for scripts that wait for the stand-in to come up.
        self._send(200, {"service": "codepipeline", "status": "ok"})

    def _dispatch(self, target: str, body: bytes) -> dict[str, Any]:
        prefix, _, operation = target.partition(".")
        if prefix not in (AWS_TARGET, LOCAL_TARGET) or not operation:
            raise ServiceError("UnknownOperationException", f"Unknown target '{target}'")
        try:
            params = json.loads(body) if body.strip() else {}
        except (ValueError, UnicodeDecodeError):
            raise ServiceError("SerializationException", "The request body is not JSON") from None
        if not isinstance(params, dict):
            raise ServiceError("SerializationException", "The request body must be a JSON object")
        if prefix == AWS_TARGET:
            caller = caller_of(self.headers.get("Authorization"), self.server.principals)
            return self.server.engine.call(operation, params, caller=caller)
        return self._local(operation, params)

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

    def _send(self, status: int, payload: Mapping[str, Any]) -> None:
        data = json.dumps(payload, default=encode).encode()
        self.send_response(status)
        self.send_header("Content-Type", CONTENT_TYPE)
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
