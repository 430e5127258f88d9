"""A loopback HTTP server that hands requests to a Lambda handler as API Gateway (REST) would.

Requests under `/<stage>/` become proxy events (payload format 1.0, the stage stripped from
`path`), and the handler's response is written back; anything else gets API Gateway's
`{"message":"Forbidden"}`.
"""

from __future__ import annotations

import base64
import logging
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from local.lambda_context import LocalContext

log = logging.getLogger(__name__)

# API Gateway's own limit on a request payload.
MAX_PAYLOAD = 10 * 1024 * 1024
Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def proxy_event(method: str, raw_path: str, headers: list[tuple[str, str]], body: bytes,
                stage: str, source_ip: str = "127.0.0.1") -> dict[str, Any]:
    """The event API Gateway's Lambda proxy integration sends for one request."""
    parts = urlsplit(raw_path)
    path = parts.path[len(stage):] or "/"
    query = parse_qs(parts.query, keep_blank_values=True)
    single_headers: dict[str, str] = {}
    multi_headers: dict[str, list[str]] = {}
    for name, value in headers:
        single_headers[name] = value
        multi_headers.setdefault(name, []).append(value)
    text_body: str | None
    is_base64 = False
    if not body:
        text_body = None
    else:
        try:
            text_body = body.decode("utf-8")
        except UnicodeDecodeError:
            text_body, is_base64 = base64.b64encode(body).decode(), True
    resource = "/approvals/{link}" if path.startswith("/approvals/") and path.count("/") == 2 \
        else "/{proxy+}"
    path_parameters = ({"link": unquote(path.split("/", 2)[2])} if resource != "/{proxy+}"
                       else {"proxy": path.lstrip("/")})
    now = datetime.now(UTC)
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": single_headers or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": path_parameters,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource,
            "httpMethod": method,
            "path": f"{stage}{path}",
            "stage": stage.strip("/"),
            "requestId": str(uuid.uuid4()),
            "extendedRequestId": str(uuid.uuid4()),
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "requestTimeEpoch": int(now.timestamp() * 1000),
            "protocol": "HTTP/1.1",
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": single_headers.get("Host", "127.0.0.1"),
            "identity": {"sourceIp": source_ip,
                         "userAgent": single_headers.get("User-Agent")},
        },
        "body": text_body,
        "isBase64Encoded": is_base64,
    }


class _Server(ThreadingHTTPServer):
    # Bursts of concurrent clicks (and the tests that make them) outgrow the default backlog of 5.
    request_queue_size = 128


class LocalApiGateway:
    """Serve `handler` at http://HOST:PORT/<stage>/..., one thread per request."""

    def __init__(self, handler: Handler, *, stage: str = "Prod", host: str = "127.0.0.1",
                 port: int = 0) -> None:
        self.handler = handler
        self.stage = "/" + stage.strip("/")
        gateway = self

        class RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                # Paths carry signed links: keep them out of the log.
                log.debug("request %s", self.command)

            def handle_one(self) -> None:
                gateway.serve(self)

            do_GET = do_POST = do_HEAD = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = handle_one

        self.server = _Server((host, port), RequestHandler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{self.stage}"

    def start(self) -> LocalApiGateway:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> LocalApiGateway:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def serve(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        if length > MAX_PAYLOAD:
            self._write(request, 413, {"Content-Type": "application/json"},
                        b'{"message":"Request Too Long"}')
            request.close_connection = True
            return
        body = request.rfile.read(length) if length else b""
        path = urlsplit(request.path).path
        if not (path == self.stage or path.startswith(self.stage + "/")):
            self._write(request, 403, {"Content-Type": "application/json"},
                        b'{"message":"Forbidden"}')
            return
        # API Gateway sets these, overwriting what the client sent; this gateway speaks http.
        headers = [(name, value) for name, value in request.headers.items()
                   if name.lower() not in ("x-forwarded-proto", "x-forwarded-port")]
        headers += [("X-Forwarded-Proto", "http"),
                    ("X-Forwarded-Port", str(self.server.server_address[1]))]
        event = proxy_event(request.command, request.path, headers, body,
                            self.stage, request.client_address[0])
        try:
            response = self.handler(event, LocalContext(function_name="DecideFunction"))
        except Exception:
            log.exception("decide handler raised")
            self._write(request, 502, {"Content-Type": "application/json"},
                        b'{"message": "Internal server error"}')
            return
        # As API Gateway does: `headers` and `multiValueHeaders` merge, and each value of a
        # multi-value header (Set-Cookie, above all) is a header line of its own.
        headers: list[tuple[str, str]] = []
        multi = response.get("multiValueHeaders") or {}
        for name, value in (response.get("headers") or {}).items():
            if name not in multi:
                headers.append((name, str(value)))
        for name, values in multi.items():
            headers.extend((name, str(value)) for value in values)
        payload = response.get("body") or ""
        data = (base64.b64decode(payload) if response.get("isBase64Encoded")
                else payload.encode("utf-8"))
        self._write(request, int(response.get("statusCode", 502)), headers,
                    b"" if request.command == "HEAD" else data, len(data))

    @staticmethod
    def _write(request: BaseHTTPRequestHandler, status: int,
               headers: dict[str, str] | list[tuple[str, str]], body: bytes,
               length: int | None = None) -> None:
        request.send_response(status)
        for name, value in (headers.items() if isinstance(headers, dict) else headers):
            if name.lower() not in ("content-length", "connection"):
                request.send_header(name, value)
        request.send_header("Content-Length", str(len(body) if length is None else length))
        request.end_headers()
        if body:
            request.wfile.write(body)
