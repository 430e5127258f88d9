"""Read template.yaml as the local runners need it: which function is which, and its settings."""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"


class _CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short tags (!Ref, !Sub, !GetAtt ...) as long-form dicts."""


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_CfnLoader.add_multi_constructor("!", _tag)


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_CfnLoader)  # noqa: S506 - a SafeLoader subclass  # nosec B506


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    handler: str
    code_uri: Path
    environment: dict[str, Any]
    event_types: tuple[str, ...]

    def load_handler(self) -> Callable[[dict[str, Any], Any], Any]:
        """Import the handler from its CodeUri in the source tree, as Lambda would."""
        if str(self.code_uri) not in sys.path:
            sys.path.insert(0, str(self.code_uri))
        module_name, _, attribute = self.handler.rpartition(".")
        module = importlib.import_module(module_name)
        return getattr(module, attribute)  # type: ignore[no-any-return]


def functions(template: Mapping[str, Any], root: Path = ROOT) -> dict[str, FunctionSpec]:
    defaults = template.get("Globals", {}).get("Function", {})
    default_env = defaults.get("Environment", {}).get("Variables", {})
    found = {}
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        properties = resource.get("Properties", {})
        env = dict(default_env) | properties.get("Environment", {}).get("Variables", {})
        events = properties.get("Events", {}) or {}
        found[logical_id] = FunctionSpec(
            logical_id=logical_id,
            handler=properties.get("Handler", defaults.get("Handler")),
            code_uri=(root / properties.get("CodeUri", defaults.get("CodeUri", "."))).resolve(),
            environment=env,
            event_types=tuple(event.get("Type") for event in events.values()),
        )
    return found


def notify_function(template: Mapping[str, Any]) -> FunctionSpec:
    matches = [f for f in functions(template).values() if "SNS" in f.event_types]
    if len(matches) != 1:
        raise ValueError(f"expected exactly one function with an SNS event, found {len(matches)}")
    return matches[0]


def decide_function(template: Mapping[str, Any]) -> FunctionSpec:
    matches = [f for f in functions(template).values() if "Api" in f.event_types]
    if len(matches) != 1:
        raise ValueError(f"expected exactly one function with Api events, found {len(matches)}")
    return matches[0]


def _scheduled_targets(template: Mapping[str, Any]) -> set[str]:
    """Functions a scheduled EventBridge rule of the template invokes (`!Ref Fn.Alias`,
    `!GetAtt Fn.Arn`), by logical ID."""
    targets = set()
    for resource in template.get("Resources", {}).values():
        properties = resource.get("Properties", {})
        if resource.get("Type") == "AWS::Events::Rule" and "ScheduleExpression" in properties:
            for target in properties.get("Targets", []):
                arn = target.get("Arn")
                if not isinstance(arn, dict):
                    continue
                reference = arn.get("Ref") or arn.get("Fn::GetAtt") or ""
                name = reference[0] if isinstance(reference, list) else str(reference)
                targets.add(name.split(".", 1)[0])
    return targets


def scheduled_function(template: Mapping[str, Any]) -> FunctionSpec:
    ruled = _scheduled_targets(template)
    matches = [f for f in functions(template).values()
               if "Schedule" in f.event_types or f.logical_id in ruled]
    if len(matches) != 1:
        raise ValueError(f"expected exactly one scheduled function, found {len(matches)}")
    return matches[0]


def table_definition(template: Mapping[str, Any], logical_id: str) -> dict[str, Any]:
    """CreateTable arguments for a DynamoDB table of the template (keys and indexes)."""
    properties = template["Resources"][logical_id]["Properties"]
    return {
        "AttributeDefinitions": properties["AttributeDefinitions"],
        "KeySchema": properties["KeySchema"],
        "GlobalSecondaryIndexes": properties.get("GlobalSecondaryIndexes", []),
        "BillingMode": properties.get("BillingMode", "PAY_PER_REQUEST"),
    }


def resolve(value: Any, names: Mapping[str, str]) -> str:
    """Evaluate the few intrinsics an environment value uses, with `names` for every Ref."""
    if isinstance(value, (str, int, float, bool)):
        return str(value)
    if isinstance(value, dict) and len(value) == 1:
        (function, argument), = value.items()
        if function == "Ref":
            return names[argument]
        if function == "Fn::Sub":
            text, extra = (argument, {}) if isinstance(argument, str) else argument
            local = dict(names) | {k: resolve(v, names) for k, v in extra.items()}
            return re.sub(r"\$\{([^}!]+)\}", lambda m: local[m.group(1)], text)
        if function == "Fn::Join":
            delimiter, parts = argument
            return str(delimiter).join(resolve(part, names) for part in parts)
        if function == "Fn::GetAtt":
            return names[".".join(argument)]
        if function == "Fn::If":
            raise ValueError("Fn::If in a function's environment is not supported locally")
    raise ValueError(f"cannot resolve {value!r} locally")


def parameter_defaults(template: Mapping[str, Any]) -> dict[str, str]:
    return {
        name: str(spec["Default"])
        for name, spec in template.get("Parameters", {}).items()
        if "Default" in spec
    }
