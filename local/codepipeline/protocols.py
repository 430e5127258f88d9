"""The two wire protocols CodePipeline speaks, as the server reads requests and writes answers:
AWS JSON 1.1 (`X-Amz-Target` names the operation) and Smithy RPC v2 CBOR (the path names it,
`POST /service/<service>/operation/<operation>` with `smithy-protocol: rpc-v2-cbor`).

JSON carries timestamps as epoch seconds; CBOR as tag 1 around epoch seconds (a float) and
blobs as byte strings. An error is `__type` and `message` in the body, with the HTTP status;
in CBOR `__type` is the error's shape ID, which botocore cuts down to the name after `#`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.message import Message
from functools import cache
from typing import Any

import cbor2

from local.codepipeline import shapes
from local.codepipeline.records import ServiceError

JSON_1_1 = "json"
RPC_V2_CBOR = "rpc-v2-cbor"
JSON_CONTENT_TYPE = "application/x-amz-json-1.1"
CBOR_CONTENT_TYPE = "application/cbor"
SMITHY_PROTOCOL = "smithy-protocol"
SHAPE_NAMESPACE = "com.amazonaws.codepipeline"
EPOCH_SECONDS = 1  # the CBOR tag of a date and time as seconds since the epoch
# A request's headers: http.server's Message, or a plain mapping.
Headers = Mapping[str, str] | Message
RPC_V2_PATH = re.compile(r"(?:/.*)?/service/([^/]+)/operation/([^/?#]+)")


@dataclass(frozen=True)
class Request:
    """What a request asks for, read at the edge: protocol, target prefix and operation."""

    protocol: str
    prefix: str
    operation: str


def read_request(path: str, headers: Headers) -> Request:
    """Which protocol and operation a request is: a request to an RPC v2 path is CBOR,
    anything else JSON 1.1, which names its operation in `X-Amz-Target`."""
    match = RPC_V2_PATH.fullmatch(path.split("?", 1)[0])
    if match is not None:
        return Request(RPC_V2_CBOR, match.group(1), match.group(2))
    prefix, _, operation = (headers.get("X-Amz-Target") or "").partition(".")
    return Request(JSON_1_1, prefix, operation)


def check_headers(request: Request, headers: Headers) -> None:
    """An RPC v2 request must name its protocol in `smithy-protocol`, as the spec requires."""
    if request.protocol != RPC_V2_CBOR:
        return
    if (headers.get(SMITHY_PROTOCOL) or "").strip() != RPC_V2_CBOR:
        raise ServiceError(
            "SerializationException",
            f"An RPC v2 request needs the header {SMITHY_PROTOCOL}: {RPC_V2_CBOR}",
        )


def decode_params(protocol: str, body: bytes) -> dict[str, Any]:
    """The request's input structure; an empty body is an empty structure in both protocols."""
    if protocol == RPC_V2_CBOR:
        if not body:
            return {}
        try:
            params = _epoch_seconds(cbor2.loads(body))
        except (cbor2.CBORDecodeError, ValueError, TypeError):
            raise ServiceError("SerializationException", "The request body is not CBOR") from None
        if not isinstance(params, dict):
            raise ServiceError("SerializationException", "The request body must be a CBOR map")
        return params
    try:
        params = json.loads(body) if body.strip() else {}
    except (ValueError, UnicodeDecodeError):
        raise ServiceError("SerializationException", "The request body is not JSON") from None
    if not isinstance(params, dict):
        raise ServiceError("SerializationException", "The request body must be a JSON object")
    return params


def encode_answer(protocol: str, payload: Mapping[str, Any]) -> bytes:
    if protocol == RPC_V2_CBOR:
        return bytes(cbor2.dumps(_tagged(payload)))
    return json.dumps(payload, default=encode_json).encode()


def error_payload(protocol: str, code: str, message: str) -> dict[str, str]:
    if protocol == RPC_V2_CBOR and code in _modeled_errors():
        return {"__type": f"{SHAPE_NAMESPACE}#{code}", "message": message}
    return {"__type": code, "message": message}


def answer_headers(protocol: str) -> list[tuple[str, str]]:
    if protocol == RPC_V2_CBOR:
        return [("Content-Type", CBOR_CONTENT_TYPE), (SMITHY_PROTOCOL, RPC_V2_CBOR)]
    return [("Content-Type", JSON_CONTENT_TYPE)]


def encode_json(value: Any) -> Any:
    """JSON for what json cannot write itself: timestamps go out as epoch seconds."""
    if isinstance(value, datetime):
        return value.timestamp()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _tagged(value: Any) -> Any:
    if isinstance(value, datetime):
        return cbor2.CBORTag(EPOCH_SECONDS, float(value.timestamp()))
    if isinstance(value, Mapping):
        return {key: _tagged(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_tagged(item) for item in value]
    return value


def _epoch_seconds(value: Any) -> Any:
    """Timestamps of a decoded request as the JSON protocol carries them, so both protocols
    reach the engine's checks alike."""
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, dict):
        return {key: _epoch_seconds(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_epoch_seconds(item) for item in value]
    return value


@cache
def _modeled_errors() -> frozenset[str]:
    model = shapes.service_model()
    return frozenset(
        name
        for operation in model.operation_names
        for name in (shape.name for shape in model.operation_model(operation).error_shapes)
    )
