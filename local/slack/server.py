"""The Slack stand-in over HTTP on loopback: the Web API under /api/ (as slack_sdk's
WebClient(base_url=...) calls it, JSON or form-encoded), the channel page under /channels/,
and response_url posts under /actions/.

    with SlackServer(request_url="http://127.0.0.1:3000/slack/interactions",
                     signing_secret=secret) as slack:
        client = WebClient(token=slack.workspace.bot_token, base_url=slack.api_url)
        ...
        slack.interactions.click("U0ALICE01", "C0DEPLOYS", ts, "greenlight_approve")
"""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from local.slack import channel_page
from local.slack.interactions import Interactions
from local.slack.workspace import Workspace

logger = logging.getLogger(__name__)
MAX_BODY = 1024 * 1024


def _form(body: bytes) -> dict[str, Any]:
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {k: v[-1] for k, v in fields.items()}


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], stand_in: SlackServer) -> None:
        self.stand_in = stand_in
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 60
    server: _HttpServer

    def _body(self) -> bytes:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        return self.rfile.read(min(length, MAX_BODY)) if length > 0 else b""

    def do_GET(self) -> None:
        self._route("GET", b"")

    def do_POST(self) -> None:
        self._route("POST", self._body())

    def _route(self, verb: str, body: bytes) -> None:
        parts = urlsplit(self.path)
        try:
            if parts.path.startswith("/api/"):
                self._api(parts.path.removeprefix("/api/"), parts.query, body)
            elif parts.path.startswith("/actions/") and verb == "POST":
                self.server.stand_in.responses.append(json.loads(body or b"{}"))
                self._send(200, "text/plain", b"ok")
            else:
                self._page(verb, parts.path, parts.query, body)
        except Exception:
            logger.exception("the Slack stand-in failed on %s", parts.path)
            self._send(500, "text/plain", b"the stand-in failed")

    def _api(self, method: str, query: str, body: bytes) -> None:
        kind = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        params: dict[str, Any] = _form(query.encode()) if query else {}
        token = None
        if kind == "application/json":
            try:
                document = json.loads(body or b"{}")
            except ValueError:
                self._json(200, {"ok": False, "error": "invalid_json"})
                return
            if not isinstance(document, dict):
                self._json(200, {"ok": False, "error": "invalid_json"})
                return
            params.update(document)
            params.pop("token", None)  # Slack reads a JSON call's token from its header only
        elif body:
            params.update(_form(body))
        authorization = self.headers.get("Authorization") or ""
        if authorization.lower().startswith("bearer "):
            token = authorization[7:].strip()
        else:
            token = params.get("token") if isinstance(params.get("token"), str) else None
        answer = self.server.stand_in.workspace.call(method, params, token)
        self._json(answer.status, answer.body, answer.headers)

    def _page(self, verb: str, path: str, query: str, body: bytes) -> None:
        stand_in = self.server.stand_in
        page = channel_page.respond(stand_in.workspace, stand_in.interactions, verb, path,
                                    _form(query.encode()) if query else {}, _form(body))
        if page.location:
            self.send_response(303)
            self.send_header("Location", page.location)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self._send(page.status, "text/html; charset=utf-8", page.html.encode("utf-8"))

    def _json(self, status: int, payload: dict[str, Any],
              headers: Any = None) -> None:
        data = json.dumps(payload).encode()
        self._send(status, "application/json; charset=utf-8", data, headers)

    def _send(self, status: int, kind: str, data: bytes, headers: Any = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s " + format, self.address_string(), *args)


class SlackServer:
    """The stand-in on a loopback port, served from a daemon thread. With `request_url` and
    `signing_secret`, `interactions` sends clicks and submissions there as Slack does."""

    def __init__(self, workspace: Workspace | None = None, *, request_url: str | None = None,
                 signing_secret: str | None = None, host: str = "127.0.0.1",
                 port: int = 0) -> None:
        self.workspace = workspace or Workspace()
        self.host = host
        self.port = port
        self.responses: list[Any] = []  # what apps posted to response_url
        self.interactions: Interactions | None = None
        self._request_url = request_url
        self._signing_secret = signing_secret
        self._httpd: _HttpServer | None = None
        self._thread: threading.Thread | None = None

    def connect(self, request_url: str, signing_secret: str) -> Interactions:
        """Point interactions at an app's Request URL, signed with its signing secret."""
        self.interactions = Interactions(self.workspace, request_url, signing_secret,
                                         f"{self.url}/actions")
        return self.interactions

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("The server is not started")
        return f"http://{self.host}:{self._httpd.server_address[1]}"

    @property
    def api_url(self) -> str:
        """What SLACK_API_URL, and WebClient's base_url, take."""
        return f"{self.url}/api/"

    def start(self) -> SlackServer:
        if self._httpd is not None:
            return self
        httpd = self._httpd = _HttpServer((self.host, self.port), self)
        self._thread = threading.Thread(target=lambda: httpd.serve_forever(poll_interval=0.05),
                                        name="slack-http", daemon=True)
        self._thread.start()
        if self._request_url and self._signing_secret:
            self.connect(self._request_url, self._signing_secret)
        logger.info("Slack stand-in listening on %s", self.url)
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> SlackServer:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()
