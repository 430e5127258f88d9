"""The relying party's HTTP client for the OpenID provider: the standard library's, with
bounded time and size, so the function package needs nothing more for it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any

from greenlight.signin import HttpAnswer

MAX_BODY = 1_048_576
TIMEOUT_SECONDS = 5.0


def _answer(status: int, raw: bytes) -> HttpAnswer:
    body: Any
    try:
        body = json.loads(raw) if raw else None
    except ValueError:
        body = None
    return HttpAnswer(status=status, body=body)


class ProviderHttp:
    """Speaks to the provider's endpoints, which come from configuration and its metadata."""

    def __init__(self, timeout: float = TIMEOUT_SECONDS) -> None:
        self.timeout = timeout

    def _send(self, request: urllib.request.Request) -> HttpAnswer:
        if request.type not in ("http", "https"):
            raise OSError(f"refusing a {request.type} URL")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:  # noqa: S310  # nosec B310
                return _answer(answer.status, answer.read(MAX_BODY + 1)[:MAX_BODY])
        except urllib.error.HTTPError as error:
            with error:
                return _answer(error.code, error.read(MAX_BODY))

    def get_json(self, url: str) -> HttpAnswer:
        request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
        return self._send(request)

    def post_form(self, url: str, body: str, headers: Mapping[str, str]) -> HttpAnswer:
        request = urllib.request.Request(  # noqa: S310 - _send allows http(s) only
            url, data=body.encode(), headers=dict(headers), method="POST")
        return self._send(request)
