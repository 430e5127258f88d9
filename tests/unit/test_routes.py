"""The decide API's route table: which function answers a request, which handler answers an
exception, and the result API Gateway reads, held to what Powertools' REST resolver did."""

from __future__ import annotations

import base64
import copy
import os
import subprocess
import sys
from typing import Any

import pytest
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler import Response as PowertoolsResponse

from greenlight.routes import NotFound, Response, Router
from tests.conftest import ROOT, load_event

LINK_ROUTE = "/approvals/<link>"
HTML = "text/html; charset=utf-8"


class LinkProblem(Exception):
    pass


class ExpiredLink(LinkProblem):
    pass


def request(method: str, path: str, **fields: Any) -> dict[str, Any]:
    """The sample GET event (as API Gateway sends it), with another method and path."""
    event = copy.deepcopy(load_event("decide-get.json"))
    event.update(httpMethod=method, path=path, **fields)
    event["requestContext"].update(httpMethod=method, path=f"/Prod{path}")
    return event


def answered(router: Router, event: dict[str, Any]) -> dict[str, Any]:
    return router.resolve(event, None)


def page(status: int, body: str, headers: dict[str, str | list[str]] | None = None) -> Response:
    return Response(status, HTML, body, headers)


def decide_like(router: Any, response: type) -> Any:
    """The routes decide registers, on either router; each answer names who gave it."""

    def said(status: int, who: str) -> Any:
        return response(status, HTML, who, {"X-Frame-Options": "DENY"})

    @router.get("/auth/callback")
    def callback() -> Any:
        return said(200, "callback")

    @router.get("/approvals/help")
    def help_page() -> Any:
        return said(200, "help")

    @router.get(LINK_ROUTE)
    def show(link: str) -> Any:
        return said(200, f"show {link}")

    @router.head(LINK_ROUTE)
    def peek(link: str) -> Any:
        return said(200, "")

    @router.post(LINK_ROUTE)
    def submit(link: str) -> Any:
        return said(200, f"submit {link}")

    @router.post("/slack/interactions")
    def slack() -> Any:
        return response(200, "text/plain; charset=utf-8", "")

    @router.route(LINK_ROUTE, method=["PUT", "PATCH", "DELETE", "OPTIONS"])
    def wrong_method(link: str) -> Any:
        return said(405, "method")

    @router.not_found
    def not_found(_: Exception) -> Any:
        return said(404, "not-found")

    return router


# A link as the mail carries it (base64url, dots), and paths a scanner or an attacker tries.
LINK = ".eJyVksmO2zAMhl_F0DmOlyh25FMLtEB7mMNMgZljoIW21MiWoSXLBHn30i7Q5.iSYkb_3fkPlvMVjubtqks8m"
PATHS = [
    f"/approvals/{LINK}", f"/approvals/{LINK}/", f"/approvals/{LINK}//", f"/approvals/{LINK}/x",
    "/approvals/", "/approvals", "/approvals/help", "/approvals/help/", "/auth/callback",
    "/auth/callback/", "/auth/callbackx", "/slack/interactions", "/", "", "/nothing",
    "/approvals/a b%20c~()'!*:@,;=+&$<>[]{}|^", "/approvals/a\nb", "/approvals/a?b", "/approvals/ä",
    "/approvals/a#b", "/approvals/..", "/Approvals/x", "/prod/approvals/x",
]
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "get"]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("method", METHODS)
def test_requests_reach_the_function_powertools_sent_them_to(method: str, path: str) -> None:
    ours = decide_like(Router(), Response)
    theirs = decide_like(APIGatewayRestResolver(debug=False), PowertoolsResponse)
    event = request(method, path)
    expected = theirs.resolve(copy.deepcopy(event), None)
    if method == "HEAD":  # ours answers HEAD with no body, whoever answers
        expected["body"] = ""
    assert answered(ours, event) == expected


def test_a_link_is_one_path_segment_passed_as_it_came() -> None:
    router = decide_like(Router(), Response)
    assert answered(router, request("GET", "/approvals/a%2Fb.c-d_e"))["body"] == "show a%2Fb.c-d_e"
    assert answered(router, request("GET", "/approvals/a/b"))["body"] == "not-found"


def test_a_fixed_path_wins_over_the_link_route_registered_before_it() -> None:
    router = decide_like(Router(), Response)
    assert answered(router, request("GET", "/approvals/help"))["body"] == "help"


def test_a_wrong_method_on_a_link_gets_the_method_page_and_elsewhere_not_found() -> None:
    router = decide_like(Router(), Response)
    assert answered(router, request("DELETE", f"/approvals/{LINK}"))["statusCode"] == 405
    assert answered(router, request("DELETE", "/auth/callback"))["statusCode"] == 404
    assert answered(router, request("GET", "/slack/interactions"))["statusCode"] == 404


def test_without_a_not_found_handler_an_unknown_path_gets_powertools_plain_404() -> None:
    expected = APIGatewayRestResolver(debug=False).resolve(request("GET", "/nothing"), None)
    assert answered(Router(), request("GET", "/nothing")) == expected
    assert expected["statusCode"] == 404


def test_the_nearest_exception_handler_in_the_mro_answers() -> None:
    router = Router()

    @router.get(LINK_ROUTE)
    def show(link: str) -> Response:
        raise {"expired": ExpiredLink, "bad": LinkProblem, "odd": KeyError}[link]()

    @router.exception_handler(Exception)
    def unexpected(error: Exception) -> Response:
        return page(500, f"internal {type(error).__name__}")

    @router.exception_handler(LinkProblem)
    def problem(error: LinkProblem) -> Response:
        return page(403, f"problem {type(error).__name__}")

    @router.exception_handler(ExpiredLink)
    def expired(error: ExpiredLink) -> Response:
        return page(410, "expired")

    assert answered(router, request("GET", "/approvals/expired"))["body"] == "expired"
    assert answered(router, request("GET", "/approvals/bad"))["body"] == "problem LinkProblem"
    assert answered(router, request("GET", "/approvals/odd"))["body"] == "internal KeyError"


def test_an_unexpected_error_gets_the_exception_handlers_page_instead_of_escaping() -> None:
    router = Router()
    seen: list[Exception] = []

    @router.post(LINK_ROUTE)
    def submit(link: str) -> Response:
        raise RuntimeError("a fault of ours, with a detail the page must not show")

    @router.exception_handler(Exception)
    def unexpected(error: Exception) -> Response:
        seen.append(error)
        return page(500, "Something went wrong on our side")

    result = answered(router, request("POST", "/approvals/x"))
    assert result["statusCode"] == 500
    assert result["body"] == "Something went wrong on our side"
    assert isinstance(seen[0], RuntimeError)


def test_an_exception_handler_with_a_list_answers_each_type_in_it() -> None:
    router = Router()

    @router.get(LINK_ROUTE)
    def show(link: str) -> Response:
        raise {"key": KeyError, "value": ValueError}[link]()

    @router.exception_handler([KeyError, ValueError])
    def unavailable(error: Exception) -> Response:
        return page(503, type(error).__name__)

    assert answered(router, request("GET", "/approvals/key"))["body"] == "KeyError"
    assert answered(router, request("GET", "/approvals/value"))["body"] == "ValueError"


def test_an_error_in_the_not_found_page_goes_to_the_exception_handlers() -> None:
    router = Router()

    @router.not_found
    def not_found(error: NotFound) -> Response:
        raise LinkProblem

    @router.exception_handler(LinkProblem)
    def problem(error: LinkProblem) -> Response:
        return page(403, "problem")

    assert answered(router, request("GET", "/nothing"))["body"] == "problem"


def test_with_no_handler_for_it_an_exception_propagates_as_with_powertools() -> None:
    router = Router()

    @router.get(LINK_ROUTE)
    def show(link: str) -> Response:
        raise LinkProblem

    with pytest.raises(LinkProblem):
        answered(router, request("GET", "/approvals/x"))


def test_a_head_request_is_answered_with_headers_and_no_body() -> None:
    router = Router()

    @router.head(LINK_ROUTE)
    def peek(link: str) -> Response:
        return page(200, "<p>a body a scanner must not get</p>", {"Cache-Control": "no-store"})

    result = answered(router, request("HEAD", "/approvals/x"))
    assert result == {"statusCode": 200, "body": "", "isBase64Encoded": False,
                      "multiValueHeaders": {"Cache-Control": ["no-store"],
                                            "Content-Type": [HTML]}}


@pytest.mark.parametrize("headers", [
    {"Location": "/approvals/x", "Set-Cookie": ["a=1; Secure", "b=; Max-Age=0"]},
    {"Set-Cookie": ["only=1"], "Content-Type": "text/plain", "X-Empty": []},
    {"Retry-After": "30", "X-Skipped": None},
    {},
])
@pytest.mark.parametrize("body", ["<p>page</p>", "", None, b"\x00binary"])
def test_headers_and_cookies_go_out_as_powertools_sent_them(headers: dict[str, Any],
                                                            body: Any) -> None:
    ours = Response(302, HTML, body, headers).to_proxy_result("GET")
    theirs = APIGatewayRestResolver(debug=False)
    theirs.get("/")(lambda: PowertoolsResponse(302, HTML, body, headers))
    assert ours == theirs.resolve(request("GET", "/"), None)


def test_set_cookie_lists_become_one_header_line_each() -> None:
    result = page(302, "", {"Set-Cookie": ["a=1", "b=2"]}).to_proxy_result("GET")
    assert result["multiValueHeaders"]["Set-Cookie"] == ["a=1", "b=2"]
    assert "headers" not in result


def test_a_bytes_body_goes_out_base64_encoded() -> None:
    result = Response(200, "application/octet-stream", b"\xff\x00").to_proxy_result("GET")
    assert result["isBase64Encoded"] is True
    assert base64.b64decode(result["body"]) == b"\xff\x00"


def test_request_headers_are_read_in_any_case() -> None:
    router = Router()
    seen: dict[str, Any] = {}

    @router.post(LINK_ROUTE)
    def submit(link: str) -> Response:
        event = router.current_event
        seen.update(type=event.headers.get("content-type"), site=event.headers["SEC-FETCH-SITE"],
                    cookies=event.multi_value_headers.get("cookie"),
                    has=("Content-Type" in event.headers, "Nope" in event.headers))
        return page(200, "")

    answered(router, request(
        "POST", "/approvals/x",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same"},
        multiValueHeaders={"COOKIE": ["a=1", "b=2"]}))
    assert seen == {"type": "application/x-www-form-urlencoded", "site": "same",
                    "cookies": ["a=1", "b=2"], "has": (True, False)}


def test_the_event_view_carries_what_decide_reads() -> None:
    router = Router()
    seen: dict[str, Any] = {}

    @router.post(LINK_ROUTE)
    def submit(link: str) -> Response:
        event = router.current_event
        context = event.request_context
        seen.update(method=event.http_method, path=event.path, body=event.body,
                    base64=event.is_base64_encoded, query=event.query_string_parameters,
                    domain=context.domain_name, full_path=context.path,
                    ip=context.identity.source_ip, agent=context.identity.user_agent)
        return page(200, "")

    answered(router, request("POST", "/approvals/x", body="comment=ok", isBase64Encoded=False,
                             queryStringParameters={"code": "c"}))
    assert seen == {"method": "POST", "path": "/approvals/x", "body": "comment=ok",
                    "base64": False, "query": {"code": "c"},
                    "domain": "abc123defg.execute-api.us-east-1.amazonaws.com",
                    "full_path": "/Prod/approvals/x",
                    "ip": "203.0.113.7",
                    "agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X)"}


def test_an_event_without_optional_fields_is_read_as_empty() -> None:
    router = Router()
    seen: dict[str, Any] = {}

    @router.get("/auth/callback")
    def callback() -> Response:
        event = router.current_event
        seen.update(query=event.query_string_parameters, headers=dict(event.headers),
                    multi=dict(event.multi_value_headers),
                    ip=event.request_context.identity.source_ip)
        return page(200, "")

    answered(router, {"httpMethod": "GET", "path": "/auth/callback", "headers": None,
                      "multiValueHeaders": None, "queryStringParameters": None})
    assert seen == {"query": {}, "headers": {}, "multi": {}, "ip": None}


def test_context_set_for_one_request_is_gone_by_the_next() -> None:
    router = Router()
    seen: list[Any] = []

    @router.get(LINK_ROUTE)
    def show(link: str) -> Response:
        seen.append(router.context.get("claims"))
        router.append_context(claims=link)
        raise LinkProblem

    @router.exception_handler(LinkProblem)
    def problem(_: LinkProblem) -> Response:
        return page(403, str(router.context.get("claims")))

    assert answered(router, request("GET", "/approvals/first"))["body"] == "first"
    assert answered(router, request("GET", "/approvals/second"))["body"] == "second"
    assert seen == [None, None]
    assert router.context == {}


def test_the_event_is_not_readable_once_the_request_is_answered() -> None:
    router = decide_like(Router(), Response)
    answered(router, request("GET", f"/approvals/{LINK}"))
    with pytest.raises(RuntimeError):
        router.current_event


def test_the_event_view_never_shows_the_link_or_the_body() -> None:
    router = Router()
    shown: list[str] = []

    @router.post(LINK_ROUTE)
    def submit(link: str) -> Response:
        event = router.current_event
        shown.extend([repr(event), repr(event.headers), repr(event.request_context)])
        return page(200, "")

    answered(router, request("POST", f"/approvals/{LINK}", body="form_token=secret-token",
                             headers={"Cookie": "session=secret-cookie"}))
    assert shown and not any(secret in text for text in shown
                             for secret in (LINK, "secret-token", "secret-cookie"))


def test_the_decide_function_starts_without_powertools_event_handler() -> None:
    """Its package loads every resolver Powertools has (AppSync, Bedrock, ...): a cold start
    of the decide function pays for none of them."""
    probe = ("import sys, greenlight.decide; print(sorted(m for m in sys.modules "
             "if m.startswith(('aws_lambda_powertools.event_handler', "
             "'aws_lambda_powertools.utilities.data_classes'))))")
    environment = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT / "functions"),
                   "AWS_DEFAULT_REGION": "us-east-1", "SIGNING_SECRET_ARN": "arn:local",
                   "POWERTOOLS_METRICS_DISABLED": "true"}
    loaded = subprocess.run([sys.executable, "-c", probe], env=environment, capture_output=True,
                            text=True, timeout=60, check=True).stdout.strip()
    assert loaded == "[]"
