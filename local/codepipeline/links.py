"""The console and repository links CodePipeline reports for pipelines, actions and revisions,
and the external ids its action providers hand back."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from local.codepipeline.records import (
    ActionRun,
    Revision,
    clipped_summary,
    is_connection_source,
    is_manual_approval,
)

CONSOLE = "https://console.aws.amazon.com"


def console_link(pipeline_name: str, region: str) -> str:
    return f"{CONSOLE}/codesuite/codepipeline/pipelines/{quote(pipeline_name)}/view?region={region}"


def revision_url(action: Mapping[str, Any], revision: Revision, region: str) -> str | None:
    if is_connection_source(action) and revision.repository:
        return f"https://github.com/{revision.repository}/commit/{revision.commit_id}"
    if action["actionTypeId"]["provider"] == "CodeCommit":
        return (
            f"{CONSOLE}/codesuite/codecommit/repositories/{quote(revision.repository)}"
            f"/commit/{revision.commit_id}?region={region}"
        )
    return None


def revision_summary(action: Mapping[str, Any], revision: Revision) -> str | None:
    if is_connection_source(action):
        text = json.dumps(
            {"ProviderType": "GitHub", "CommitMessage": revision.message},
            separators=(",", ":"),
            ensure_ascii=False,
        )
        return clipped_summary(text)
    return clipped_summary(revision.message)


def entity_url(action: Mapping[str, Any], default_region: str) -> str | None:
    """The link to what an action works on: a repository branch, project, application, stack."""
    configuration = action.get("configuration") or {}
    provider = action["actionTypeId"]["provider"]
    region = action.get("region", default_region)
    if is_connection_source(action) and configuration.get("FullRepositoryId"):
        branch = configuration.get("BranchName", "")
        return f"https://github.com/{configuration['FullRepositoryId']}/tree/{quote(branch)}"
    if provider == "CodeBuild" and configuration.get("ProjectName"):
        return (
            f"{CONSOLE}/codebuild/home?region={region}"
            f"#/projects/{quote(configuration['ProjectName'])}/view"
        )
    if provider == "CodeDeploy" and configuration.get("ApplicationName"):
        return (
            f"{CONSOLE}/codedeploy/home?region={region}"
            f"#/applications/{quote(configuration['ApplicationName'])}"
        )
    if provider == "CloudFormation" and configuration.get("StackName"):
        return (
            f"{CONSOLE}/cloudformation/home?region={region}"
            f"#/stacks?filteringText={quote(configuration['StackName'])}"
        )
    if is_manual_approval(action) and configuration.get("ExternalEntityLink"):
        return str(configuration["ExternalEntityLink"])
    return None


def describe_work(run: ActionRun, default_region: str) -> None:
    """The external ids and links the providers of non-approval actions report."""
    provider = run.action["actionTypeId"]["provider"]
    configuration = run.resolved_configuration
    region = run.action.get("region", default_region)
    if run.action["actionTypeId"]["category"] == "Source":
        revision = run.execution.revisions.get(run.name)
        if revision is not None:
            run.external_id = revision.commit_id
            run.external_url = revision_url(run.action, revision, default_region)
    elif provider == "CodeBuild":
        build_id = f"{configuration.get('ProjectName', run.name)}:{uuid.uuid4()}"
        run.external_id = build_id
        run.external_url = (
            f"{CONSOLE}/codebuild/home?region={region}#/builds/{quote(build_id)}/view/new"
        )
    elif provider == "CodeDeploy":
        run.external_id = "d-" + uuid.uuid4().hex[:9].upper()
        run.external_url = (
            f"{CONSOLE}/codedeploy/home?region={region}#/deployments/{run.external_id}"
        )
