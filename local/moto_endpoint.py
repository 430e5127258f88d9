"""moto behind one loopback endpoint, with each request handled atomically.

AWS applies a conditional write to an item atomically; moto's server does not lock, so two
concurrent conditional updates can both pass their condition. One lock around each request
restores the guarantee Greenlight relies on (it also makes moto strictly serial, which is
more than DynamoDB promises, never less).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import BaseWSGIServer, make_server


class _Serialised:
    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        with self.lock:
            return list(self.app(environ, start_response))


class MotoEndpoint:
    """`with MotoEndpoint() as moto:` serves every moto service at `moto.url`."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        app = _Serialised(DomainDispatcherApplication(create_backend_app))
        self.server: BaseWSGIServer = make_server(host, port, app, threaded=True,
                                                  request_handler=MotoRequestHandler)
        self.server.request_queue_size = 128
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> MotoEndpoint:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

    def __enter__(self) -> MotoEndpoint:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
