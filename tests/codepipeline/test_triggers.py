"""Which git pushes start which pipelines: CodePipeline's glob syntax and push filters."""

from __future__ import annotations

from typing import Any

import pytest

from local.codepipeline.engine import Engine, ServiceError
from local.codepipeline.triggers import GitPush, compile_glob, glob_matches, push_filters_match
from tests.codepipeline.scenario import FakeClock, action_executions, declaration, run_for


@pytest.mark.parametrize(
    ("pattern", "name", "matches"),
    [
        ("main", "main", True),
        ("main", "main2", False),
        ("release/*", "release/1.2", True),
        ("release/*", "release/1.2/rc1", False),
        ("release/**", "release/1.2/rc1", True),
        ("release/**", "release/", True),
        ("**", "any/depth/at/all", True),
        ("*", "feature/login", False),
        ("feature-?", "feature-a", True),
        ("feature-?", "feature-ab", False),
        ("a?b", "a/b", False),
        ("v[0-9]*", "v1.4.2", True),
        ("v[0-9]*", "vx", False),
        ("v[!0-9]*", "vx", True),
        ("[a-c]x", "bx", True),
        ("[a-c]x", "dx", False),
        ("x[/]", "x/", None),
        ("*.{py,md}", "README.md", True),
        ("*.{py,md}", "setup.py", True),
        ("*.{py,md}", "src/app.py", False),
        ("**/*.py", "src/app.py", True),
        ("**/*.py", "app.py", False),
        ("src/**/test_*.py", "src/a/b/test_x.py", True),
        ("{main,release/*}", "release/9", True),
        ("a\\*b", "a*b", True),
        ("a\\*b", "axb", False),
        ("[*?]", "?", True),
        ("file.txt", "file-txt", False),
    ],
)
def test_glob_patterns_follow_codepipeline_rules(
    pattern: str, name: str, matches: bool | None
) -> None:
    if matches is None:
        with pytest.raises(ValueError):
            compile_glob(pattern)
    else:
        assert glob_matches(pattern, name) is matches


@pytest.mark.parametrize("pattern", ["{a,{b}}", "[abc", "a\\", "[]", "{a,b", "[z-a]"])
def test_malformed_globs_are_rejected(pattern: str) -> None:
    with pytest.raises(ValueError):
        compile_glob(pattern)


SEED_FILTERS = [{"branches": {"includes": ["main", "release/*"]}}]
PATH_FILTERS = [
    {
        "branches": {"includes": ["main"]},
        "filePaths": {"includes": ["src/**"], "excludes": ["src/docs/**"]},
    }
]
TAG_FILTERS = [{"tags": {"includes": ["v*"], "excludes": ["v*-rc*"]}}]
EXCLUDING = [{"branches": {"includes": ["**"], "excludes": ["release/legacy-*", "dependabot/**"]}}]
EITHER = [{"branches": {"includes": ["main"]}}, {"tags": {"includes": ["release-*"]}}]


@pytest.mark.parametrize(
    ("filters", "push", "starts"),
    [
        (SEED_FILTERS, GitPush(branch="main"), True),
        (SEED_FILTERS, GitPush(branch="feature/login"), False),
        (SEED_FILTERS, GitPush(branch="release/1.2"), True),
        (SEED_FILTERS, GitPush(branch="release/1.2/hotfix"), False),
        (SEED_FILTERS, GitPush(tag="v1.0"), False),
        (PATH_FILTERS, GitPush(branch="main", paths=("src/app.py",)), True),
        (PATH_FILTERS, GitPush(branch="main", paths=("README.md",)), False),
        (PATH_FILTERS, GitPush(branch="main", paths=("src/docs/guide.md",)), False),
        (PATH_FILTERS, GitPush(branch="main", paths=("src/docs/guide.md", "src/app.py")), True),
        (PATH_FILTERS, GitPush(branch="main"), False),
        (PATH_FILTERS, GitPush(branch="dev", paths=("src/app.py",)), False),
        (TAG_FILTERS, GitPush(tag="v1.0"), True),
        (TAG_FILTERS, GitPush(tag="v1.0-rc1"), False),
        (TAG_FILTERS, GitPush(branch="v1"), False),
        (EXCLUDING, GitPush(branch="feature/x"), True),
        (EXCLUDING, GitPush(branch="release/legacy-1"), False),
        (EXCLUDING, GitPush(branch="dependabot/npm/left-pad"), False),
        (EITHER, GitPush(branch="main"), True),
        (EITHER, GitPush(tag="release-3"), True),
        (EITHER, GitPush(branch="release-3"), False),
    ],
)
def test_push_filters_decide_which_pushes_start_a_pipeline(
    filters: list[dict[str, Any]], push: GitPush, starts: bool
) -> None:
    assert push_filters_match(filters, push) is starts


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    engine.update_pipeline(declaration())
    return engine


def test_a_feature_branch_push_starts_nothing(seeded: Engine) -> None:
    assert seeded.push(branch="feature/login", paths=["src/login.py"]) == []
    assert seeded.call("ListPipelineExecutions", {"pipelineName": "greenlight-demo"}) == {
        "pipelineExecutionSummaries": []
    }


def test_a_release_branch_push_starts_the_pipeline_with_its_branch_visible(
    seeded: Engine, clock: FakeClock
) -> None:
    [execution_id] = seeded.push(
        branch="release/1.2", commit_id="b" * 40, message="Cut 1.2", paths=["src/app.py"]
    )
    run_for(seeded, clock, 0.5)
    execution = seeded.call(
        "GetPipelineExecution",
        {"pipelineName": "greenlight-demo", "pipelineExecutionId": execution_id},
    )["pipelineExecution"]
    assert execution["trigger"]["triggerType"] == "WebhookV2"
    assert execution["trigger"]["triggerDetail"].endswith("refs/heads/release/1.2")
    assert execution["artifactRevisions"][0]["revisionId"] == "b" * 40
    [source] = [
        item
        for item in action_executions(
            seeded, "greenlight-demo", filter={"pipelineExecutionId": execution_id}
        )
        if item["actionName"] == "Source"
    ]
    variables = source["output"]["outputVariables"]
    assert variables["BranchName"] == "release/1.2"
    assert variables["CommitId"] == "b" * 40
    assert variables["FullRepositoryName"] == "acme/webapp"
    assert source["output"]["executionResult"]["externalExecutionSummary"] == "Cut 1.2"


def test_a_push_to_another_repository_starts_nothing(seeded: Engine) -> None:
    assert seeded.push(branch="main", repository="acme/other") == []
    assert len(seeded.push(branch="main", repository="acme/webapp")) == 1


def test_without_triggers_a_push_to_the_source_branch_starts_the_pipeline(
    engine: Engine,
) -> None:
    engine.update_pipeline(declaration(triggers=None, pipelineType=None, executionMode=None))
    pipeline = engine.call("GetPipeline", {"name": "greenlight-demo"})["pipeline"]
    assert (pipeline["pipelineType"], pipeline["executionMode"]) == ("V1", "SUPERSEDED")
    assert engine.push(branch="release/1.2") == []
    assert engine.push(tag="v1.0") == []
    [execution_id] = engine.push(branch="main")
    summary = engine.call("ListPipelineExecutions", {"pipelineName": "greenlight-demo"})
    assert summary["pipelineExecutionSummaries"][0]["pipelineExecutionId"] == execution_id
    assert summary["pipelineExecutionSummaries"][0]["trigger"]["triggerType"] == "Webhook"


def test_a_tag_trigger_starts_on_matching_tags_only(engine: Engine) -> None:
    pipeline = declaration()
    pipeline["triggers"][0]["gitConfiguration"]["push"] = TAG_FILTERS
    engine.update_pipeline(pipeline)
    assert engine.push(branch="main") == []
    assert engine.push(tag="v2.0-rc1") == []
    assert len(engine.push(tag="v2.0")) == 1


def test_a_push_names_a_branch_or_a_tag(seeded: Engine) -> None:
    for kwargs in ({}, {"branch": "main", "tag": "v1"}):
        with pytest.raises(ServiceError) as raised:
            seeded.push(**kwargs)
        assert raised.value.code == "ValidationException"
