"""Where executions come from: the revision each source action hands over (a push, an override,
the branch head, or a made-up first commit), which pipelines a git push triggers, and the
trigger an execution records."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from local.codepipeline import triggers
from local.codepipeline.records import (
    Account,
    Pipeline,
    Revision,
    is_connection_source,
    made_up_sha,
)


def source_revision(
    account: Account,
    pipeline: Pipeline,
    action: Mapping[str, Any],
    pushed: Revision | None,
    overrides: Mapping[str, str],
    now: datetime,
) -> Revision:
    configuration = action.get("configuration") or {}
    repository = (
        configuration.get("FullRepositoryId")
        or configuration.get("RepositoryName")
        or configuration.get("S3Bucket")
        or action["name"]
    )
    branch = configuration.get("BranchName")
    if (
        pushed is not None
        and is_connection_source(action)
        and pushed.repository in ("", repository)
    ):
        return Revision(
            pushed.commit_id,
            pushed.message,
            pushed.author,
            pushed.created,
            repository,
            branch=pushed.branch,
            tag=pushed.tag,
        )
    head = account.heads.get((repository, branch))
    override = overrides.get(action["name"])
    if override is not None:
        known = head is not None and head.commit_id == override
        return Revision(
            override,
            head.message if known and head else "",
            head.author if known and head else "",
            now,
            repository,
            branch=branch,
        )
    if head is not None:
        return head
    # Before any push, a source offers a stable made-up first commit of its branch.
    return Revision(
        made_up_sha("initial", repository, branch),
        "Initial commit",
        "Jane Doe",
        pipeline.created,
        repository,
        branch=branch,
    )


def revision_from(account: Account, source_revision: Mapping[str, Any], now: datetime) -> Revision:
    """The commit a caller of `Engine.start_execution` describes."""
    commit_id = source_revision.get("commitId") or made_up_sha("start", account.next_seq())
    return Revision(
        commit_id=str(commit_id),
        message=str(source_revision.get("message", "")),
        author=str(source_revision.get("author", "Jane Doe")),
        created=now,
        repository=str(source_revision.get("repository") or ""),
        branch=source_revision.get("branch"),
        tag=source_revision.get("tag"),
    )


def manual_trigger(account: Account, caller: str | None) -> dict[str, str]:
    return {
        "triggerType": "StartPipelineExecution",
        "triggerDetail": caller or account.starter_arn,
    }


def push_trigger(
    pipeline: Pipeline, source: Mapping[str, Any], branch: str | None, tag: str | None
) -> dict[str, str]:
    configuration = source.get("configuration") or {}
    reference = f"refs/heads/{branch}" if branch is not None else f"refs/tags/{tag}"
    connection = configuration.get("ConnectionArn", "")
    kind = "WebhookV2" if pipeline.declaration.get("pipelineType") == "V2" else "Webhook"
    return {"triggerType": kind, "triggerDetail": f"{connection} {reference}".strip()[:1024]}


def triggered_source(
    pipeline: Pipeline, git_push: triggers.GitPush, repository: str | None
) -> dict[str, Any] | None:
    """The connection source action of `pipeline` a push starts it through, if any."""
    declaration = pipeline.declaration
    sources: dict[str, dict[str, Any]] = {
        action["name"]: action
        for action in declaration["stages"][0]["actions"]
        if is_connection_source(action)
        and (
            repository is None
            or (action.get("configuration") or {}).get("FullRepositoryId") == repository
        )
    }
    configured = declaration.get("triggers") or []
    if configured:
        for trigger in configured:
            git = trigger["gitConfiguration"]
            source = sources.get(git["sourceActionName"])
            filters = git.get("push") or []
            if source is not None and triggers.push_filters_match(filters, git_push):
                return source
        return None
    # Without triggers, a connection source detects pushes to its own branch.
    for source in sources.values():
        configuration = source.get("configuration") or {}
        detects = str(configuration.get("DetectChanges", "true")).lower() != "false"
        if (
            detects
            and git_push.branch is not None
            and git_push.branch == configuration.get("BranchName")
        ):
            return source
    return None


def repositories(account: Account, repository: str | None) -> set[str]:
    """The repositories a push to `repository` (None: to every repository) moves the head of."""
    if repository is not None:
        return {repository}
    return {
        (action.get("configuration") or {}).get("FullRepositoryId", "")
        for pipeline in account.pipelines.values()
        for action in pipeline.declaration["stages"][0]["actions"]
        if is_connection_source(action)
    }
