"""Whatever a request holds, the stand-in answers with a CodePipeline error, never a crash."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from local.codepipeline import shapes
from local.codepipeline.engine import Engine, ServiceError
from tests.codepipeline.scenario import FakeClock, Outbox, declaration, make_engine

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 2000) | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
SEED = declaration()
OPERATIONS = sorted(make_engine(FakeClock(), Outbox()).operations)


def fresh_engine() -> Engine:
    engine = make_engine(FakeClock(), Outbox())
    engine.update_pipeline(SEED)
    engine.start_execution(SEED["name"])
    return engine


def answer(engine: Engine, operation: str, params: Any) -> None:
    try:
        engine.call(operation, params)
    except ServiceError as error:
        assert error.code and error.message


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    operation = draw(st.sampled_from(OPERATIONS))
    shape = shapes.service_model().operation_model(operation).input_shape
    names = sorted(shape.members) if shape is not None else []
    params = draw(st.dictionaries(st.sampled_from([*names, "extra"]), JSON, max_size=4))
    return operation, params


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests())
def test_random_requests_get_an_answer_or_a_service_error(
    request: tuple[str, dict[str, Any]],
) -> None:
    answer(fresh_engine(), *request)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    return found


SEED_PATHS = paths(SEED)


@settings(max_examples=120, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(SEED_PATHS), st.none() | JSON), min_size=1, max_size=3))
def test_damaged_pipeline_declarations_are_refused_cleanly(
    damage: list[tuple[tuple[Any, ...], Any]],
) -> None:
    pipeline: Any = copy.deepcopy(SEED)
    for path, replacement in damage:
        parent = pipeline
        try:
            for step in path[:-1]:
                parent = parent[step]
            if replacement is None and isinstance(parent, dict):
                parent.pop(path[-1], None)
            else:
                parent[path[-1]] = replacement
        except (KeyError, IndexError, TypeError):
            continue
    engine = make_engine(FakeClock(), Outbox())
    answer(engine, "UpdatePipeline", {"pipeline": pipeline})
    answer(engine, "CreatePipeline", {"pipeline": pipeline})
