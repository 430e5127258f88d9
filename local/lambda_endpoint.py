"""A loopback stand-in for Lambda's Invoke API, so that plain boto3 (through
AWS_ENDPOINT_URL_LAMBDA) can invoke the offline stack's functions, as the redrive command does.

    POST /2015-03-31/functions/{name}/invocations

RequestResponse answers 200 with the handler's result; a handler that raises answers 200 with
`X-Amz-Function-Error: Unhandled` and Lambda's error payload. `Event` answers 202 after the
handler ran, `DryRun` 204. An unknown name answers ResourceNotFoundException.
"""

from __future__ import annotations

import json
import logging
import threading
import traceback
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from local.lambda_context import LocalContext
from local.offline import ACCOUNT_ID, REGION

log = logging.getLogger(__name__)

Handler = Callable[[Any, Any], Any]
INVOKE_PREFIX = "/2015-03-31/functions/"
INVOKE_SUFFIX = "/invocations"
MAX_PAYLOAD = 6 * 1024 * 1024  # Lambda's limit for a synchronous request payload


def function_name(identifier: str) -> str:
    """A function's name from its name, ARN or partial ARN, without a qualifier."""
    parts = identifier.split(":")
    if "function" in parts:
        return parts[parts.index("function") + 1]
    return parts[0]


class LambdaEndpoint:
    """Start with `.start()`; `functions` maps a function name to its handler."""

    def __init__(self, functions: dict[str, Handler], host: str = "127.0.0.1",
                 port: int = 0) -> None:
        self.functions = functions
        self.server = ThreadingHTTPServer((host, port), self._handler_class())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       name="lambda-endpoint", daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> LambdaEndpoint:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        endpoint = self

        class Request(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                endpoint.serve(self)

            def log_message(self, format: str, *args: Any) -> None:
                log.debug("lambda endpoint: " + format, *args)

        return Request

    def serve(self, request: BaseHTTPRequestHandler) -> None:
        path = urlsplit(request.path).path
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        if not (path.startswith(INVOKE_PREFIX) and path.endswith(INVOKE_SUFFIX)):
            return self._error(request, 404, "UnknownOperationException", "Unknown operation")
        identifier = unquote(path[len(INVOKE_PREFIX):-len(INVOKE_SUFFIX)])
        name = function_name(identifier)
        handler = self.functions.get(name)
        arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}"
        if handler is None:
            return self._error(request, 404, "ResourceNotFoundException",
                               f"Function not found: {arn}")
        if len(body) > MAX_PAYLOAD:
            return self._error(request, 413, "RequestTooLargeException",
                               "Request must be smaller than 6291456 bytes for the "
                               "InvokeFunction operation")
        try:
            event = json.loads(body or b"{}")
        except ValueError:
            return self._error(request, 400, "InvalidRequestContentException",
                               "Could not parse request body into json")
        invocation_type = request.headers.get("X-Amz-Invocation-Type") or "RequestResponse"
        if invocation_type == "DryRun":
            return self._answer(request, 204, b"", {})
        context = LocalContext(function_name=name, invoked_function_arn=arn)
        headers = {"X-Amz-Executed-Version": "$LATEST"}
        try:
            result = handler(event, context)
            payload = json.dumps(result).encode()
        except Exception as error:
            log.warning("lambda endpoint: %s raised %s", name, type(error).__name__)
            headers["X-Amz-Function-Error"] = "Unhandled"
            payload = json.dumps({
                "errorMessage": str(error), "errorType": type(error).__name__,
                "requestId": context.aws_request_id,
                "stackTrace": traceback.format_tb(error.__traceback__)[-5:],
            }).encode()
        if invocation_type == "Event":
            return self._answer(request, 202, b"", {})
        return self._answer(request, 200, payload, headers)

    def _error(self, request: BaseHTTPRequestHandler, status: int, code: str,
               message: str) -> None:
        body = json.dumps({"Type": "User", "message": message}).encode()
        self._answer(request, status, body, {"x-amzn-ErrorType": code})

    @staticmethod
    def _answer(request: BaseHTTPRequestHandler, status: int, body: bytes,
                headers: dict[str, str]) -> None:
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(body)))
        request.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        for name, value in headers.items():
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(body)
