"""CodePipeline's API model as botocore ships it, and request checks against its input shapes."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from botocore.loaders import Loader
from botocore.model import ListShape, MapShape, ServiceModel, Shape, StructureShape

SERVICE_NAME = "codepipeline"


@cache
def service_model() -> ServiceModel:
    """The CodePipeline service model of the installed botocore."""
    return ServiceModel(Loader().load_service_model(SERVICE_NAME, "service-2"), SERVICE_NAME)


@cache
def operation_names() -> frozenset[str]:
    return frozenset(service_model().operation_names)


@cache
def _pattern(expression: str) -> re.Pattern[str] | None:
    try:
        return re.compile(expression)
    except re.error:
        # A pattern written for Java that Python cannot compile is simply not checked.
        return None


def input_problems(operation: str, params: Mapping[str, Any]) -> list[str]:
    """Every way `params` breaks the input shape of `operation`, worded like AWS's messages."""
    shape = service_model().operation_model(operation).input_shape
    if shape is None:
        return []
    problems: list[str] = []
    _check(shape, params, "", problems)
    return problems


def describe(problems: list[str]) -> str:
    """The message of a ValidationException, in AWS's "N validation errors detected" form."""
    count = len(problems)
    noun = "error" if count == 1 else "errors"
    return f"{count} validation {noun} detected: " + "; ".join(problems)


def _at(path: str, member: str) -> str:
    return f"{path}.{member}" if path else member


def _shown(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 64 else text[:61] + "..."


def _mismatch(path: str, kind: str) -> str:
    return f"Value at '{path}' failed to satisfy constraint: Member must be {kind}"


def _check(shape: Shape, value: Any, path: str, problems: list[str]) -> None:
    kind = shape.type_name
    if isinstance(shape, StructureShape):
        if not isinstance(value, Mapping):
            problems.append(_mismatch(path, "an object"))
            return
        for name in shape.required_members:
            if value.get(name) is None:
                problems.append(
                    f"Value null at '{_at(path, name)}' failed to satisfy constraint: "
                    "Member must not be null"
                )
        for name, member_value in value.items():
            member = shape.members.get(name)
            # Like AWS's JSON protocol, members the model does not know are ignored.
            if member is not None and member_value is not None:
                _check(member, member_value, _at(path, name), problems)
        return
    if isinstance(shape, ListShape):
        if not isinstance(value, list):
            problems.append(_mismatch(path, "a list"))
            return
        _check_length(shape, len(value), value, path, problems)
        for index, item in enumerate(value, start=1):
            _check(shape.member, item, f"{path}.{index}.member", problems)
        return
    if isinstance(shape, MapShape):
        if not isinstance(value, Mapping):
            problems.append(_mismatch(path, "a map"))
            return
        _check_length(shape, len(value), value, path, problems)
        for key, item in value.items():
            _check(shape.key, key, f"{path}.{key}.key", problems)
            _check(shape.value, item, f"{path}.{key}.value", problems)
        return
    if kind == "string":
        if not isinstance(value, str):
            problems.append(_mismatch(path, "a string"))
            return
        enum = shape.metadata.get("enum")
        if enum and value not in enum:
            problems.append(
                f"Value '{_shown(value)}' at '{path}' failed to satisfy constraint: "
                f"Member must satisfy enum value set: [{', '.join(enum)}]"
            )
        _check_length(shape, len(value), value, path, problems)
        expression = shape.metadata.get("pattern")
        compiled = _pattern(expression) if expression else None
        if compiled is not None and compiled.fullmatch(value) is None:
            problems.append(
                f"Value '{_shown(value)}' at '{path}' failed to satisfy constraint: "
                f"Member must satisfy regular expression pattern: {expression}"
            )
        return
    if kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(_mismatch(path, "an integer"))
            return
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        if low is not None and value < low:
            problems.append(
                f"Value '{value}' at '{path}' failed to satisfy constraint: "
                f"Member must have value greater than or equal to {low}"
            )
        if high is not None and value > high:
            problems.append(
                f"Value '{value}' at '{path}' failed to satisfy constraint: "
                f"Member must have value less than or equal to {high}"
            )
        return
    if kind == "boolean":
        if not isinstance(value, bool):
            problems.append(_mismatch(path, "a boolean"))
        return
    if kind in ("double", "float"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            problems.append(_mismatch(path, "a number"))
        return
    moment = isinstance(value, int | float | str) and not isinstance(value, bool)
    if kind == "timestamp" and not moment:
        problems.append(_mismatch(path, "a timestamp"))


def _check_length(shape: Shape, length: int, value: Any, path: str, problems: list[str]) -> None:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and length < low:
        problems.append(
            f"Value '{_shown(value)}' at '{path}' failed to satisfy constraint: "
            f"Member must have length greater than or equal to {low}"
        )
    if high is not None and length > high:
        problems.append(
            f"Value '{_shown(value)}' at '{path}' failed to satisfy constraint: "
            f"Member must have length less than or equal to {high}"
        )
