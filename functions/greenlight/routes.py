"""The decide API's route table: API Gateway REST proxy events (payload format 1.0) to the
function that answers them, exceptions to the responses that say them, and the answer back."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

# What `<name>` in a rule matches: one path segment, of the characters Powertools'
# APIGatewayRestResolver allowed (RFC 3986's unreserved and sub-delims, and a few unsafe ones).
SEGMENT = r"[-._~()'!*:@,;=+&$%<> \[\]{}|^\w]+"
_PARAMETER = re.compile(r"<(\w+)>")

RouteFunction = TypeVar("RouteFunction", bound=Callable[..., "Response"])
ErrorFunction = TypeVar("ErrorFunction", bound=Callable[[Any], "Response"])


class NotFound(Exception):
    """No route has this path and method; the `not_found` handler answers."""


class Headers(Mapping[str, Any]):
    """A request's headers, by name in any case (as HTTP names them). Iterates lowercase names."""

    __slots__ = ("_by_name",)

    def __init__(self, raw: Mapping[str, Any] | None) -> None:
        self._by_name = {name.lower(): value for name, value in (raw or {}).items()}

    def __getitem__(self, name: str) -> Any:
        return self._by_name[name.lower()]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._by_name

    def get(self, name: str, default: Any = None) -> Any:
        return self._by_name.get(name.lower(), default)

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_name)

    def __len__(self) -> int:
        return len(self._by_name)

    def __repr__(self) -> str:
        return f"Headers({sorted(self._by_name)})"  # names only: values carry cookies


@dataclass(frozen=True)
class Caller:
    """Who API Gateway says sent the request."""

    source_ip: str | None
    user_agent: str | None


@dataclass(frozen=True)
class RequestContext:
    """API Gateway's side of the request: the domain and the full path it was called on."""

    domain_name: str | None
    path: str | None = field(repr=False)  # it holds the link
    stage: str | None
    identity: Caller
    request_id: str | None  # the logs' correlation id


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


@dataclass(frozen=True, repr=False)
class ProxyRequest:
    """The parts of a REST API proxy event the routes read; `path` is without the stage."""

    http_method: str
    path: str
    headers: Headers
    multi_value_headers: Headers
    query_string_parameters: dict[str, str]
    body: str | None
    is_base64_encoded: bool
    request_context: RequestContext

    @classmethod
    def from_event(cls, event: Mapping[str, Any]) -> ProxyRequest:
        # API Gateway always sends both as objects; a hand-made event may not.
        context = _mapping(event.get("requestContext"))
        identity = _mapping(context.get("identity"))
        return cls(
            http_method=str(event.get("httpMethod") or "").upper(),
            path=str(event.get("path") or "/"),
            headers=Headers(event.get("headers")),
            multi_value_headers=Headers(event.get("multiValueHeaders")),
            query_string_parameters=dict(event.get("queryStringParameters") or {}),
            body=event.get("body"),
            is_base64_encoded=bool(event.get("isBase64Encoded")),
            request_context=RequestContext(
                domain_name=context.get("domainName"), path=context.get("path"),
                stage=context.get("stage"),
                identity=Caller(source_ip=identity.get("sourceIp"),
                                user_agent=identity.get("userAgent")),
                request_id=_text(context.get("requestId"))))

    def __repr__(self) -> str:  # never the path, query or body: they hold links and tokens
        return f"ProxyRequest({self.http_method})"


@dataclass
class Response:
    """An answer: status, content type, body (bytes go out base64-encoded) and headers (a list
    value sends the header once per item, as Set-Cookie needs)."""

    status_code: int
    content_type: str | None = None
    body: str | bytes | None = None
    headers: Mapping[str, str | list[str] | None] | None = None

    def to_proxy_result(self, method: str) -> dict[str, Any]:
        """The Lambda result API Gateway reads, as Powertools made it for a REST API: every
        header in `multiValueHeaders`; a HEAD request's answer without its body."""
        headers: dict[str, list[str]] = {}
        for name, value in (self.headers or {}).items():
            if value is not None:
                headers[name] = [value] if isinstance(value, str) else list(value)
        if self.content_type:
            headers.setdefault("Content-Type", [self.content_type])
        body = "" if method == "HEAD" else self.body
        if isinstance(body, bytes):
            return {"statusCode": self.status_code, "body": base64.b64encode(body).decode(),
                    "isBase64Encoded": True, "multiValueHeaders": headers}
        return {"statusCode": self.status_code, "body": body, "isBase64Encoded": False,
                "multiValueHeaders": headers}


@dataclass(frozen=True)
class Route:
    """A method and path pattern, and the function that answers them."""

    method: str
    pattern: re.Pattern[str]
    function: Callable[..., Response]


def compile_rule(rule: str) -> re.Pattern[str]:
    """`/approvals/<link>` as a regex: each `<name>` one segment, trailing slashes allowed."""
    parts = _PARAMETER.split(rule.rstrip("/"))
    # split() alternates literal text and parameter names: even indexes are literals.
    regex = "".join(re.escape(part) if index % 2 == 0 else f"(?P<{part}>{SEGMENT})"
                    for index, part in enumerate(parts))
    return re.compile(f"^{regex}/*$")


class Router:
    """Routes by method and path (fixed paths before those with parameters, then in the order
    they were added); exceptions go to the handler of their nearest class in the MRO."""

    def __init__(self) -> None:
        self.static_routes: list[Route] = []
        self.dynamic_routes: list[Route] = []
        self.exception_handlers: dict[type[Exception], Callable[[Any], Response]] = {}
        self.context: dict[str, Any] = {}
        self.lambda_context: Any = None
        self._current_event: ProxyRequest | None = None

    @property
    def current_event(self) -> ProxyRequest:
        if self._current_event is None:
            raise RuntimeError("no request is being resolved")
        return self._current_event

    def route(self, rule: str, method: str | list[str] | tuple[str, ...]
              ) -> Callable[[RouteFunction], RouteFunction]:
        methods = (method,) if isinstance(method, str) else tuple(method)
        pattern = compile_rule(rule)

        def register(function: RouteFunction) -> RouteFunction:
            for name in methods:
                routes = self.dynamic_routes if pattern.groups else self.static_routes
                routes.append(Route(name.upper(), pattern, function))
            return function

        return register

    def get(self, rule: str) -> Callable[[RouteFunction], RouteFunction]:
        return self.route(rule, "GET")

    def head(self, rule: str) -> Callable[[RouteFunction], RouteFunction]:
        return self.route(rule, "HEAD")

    def post(self, rule: str) -> Callable[[RouteFunction], RouteFunction]:
        return self.route(rule, "POST")

    def exception_handler(self, kinds: type[Exception] | list[type[Exception]]
                          ) -> Callable[[ErrorFunction], ErrorFunction]:
        def register(function: ErrorFunction) -> ErrorFunction:
            for kind in kinds if isinstance(kinds, list) else [kinds]:
                self.exception_handlers[kind] = function
            return function

        return register

    def not_found(self, function: ErrorFunction) -> ErrorFunction:
        return self.exception_handler(NotFound)(function)

    def append_context(self, **values: Any) -> None:
        """Values for the exception handlers of this request; cleared when it is answered."""
        self.context.update(values)

    def handler_for(self, error: Exception) -> Callable[[Any], Response] | None:
        for kind in type(error).__mro__:
            if kind in self.exception_handlers:
                return self.exception_handlers[kind]
        return None

    def resolve(self, event: Mapping[str, Any], context: Any) -> dict[str, Any]:
        return self.resolve_request(ProxyRequest.from_event(event), context)

    def resolve_request(self, request: ProxyRequest, context: Any) -> dict[str, Any]:
        """`resolve`, for a request the caller has read already (to log its request id)."""
        self._current_event, self.lambda_context = request, context
        try:
            return self.answer(request).to_proxy_result(request.http_method)
        finally:
            self.context.clear()
            self._current_event = None

    def answer(self, request: ProxyRequest) -> Response:
        """The route's response, or its exception's handler's (whose own errors propagate)."""
        try:
            return self.call_route(request.http_method, request.path)
        except Exception as error:
            handler = self.handler_for(error)
            if handler is None:
                raise
            return handler(error)

    def call_route(self, method: str, path: str) -> Response:
        for route in (*self.static_routes, *self.dynamic_routes):
            if route.method != method:
                continue
            found = route.pattern.match(path)
            if found is not None:
                return route.function(**found.groupdict())
        not_found = NotFound()
        handler = self.handler_for(not_found)
        if handler is None:
            return Response(404, "application/json", '{"statusCode":404,"message":"Not found"}')
        return handler(not_found)
