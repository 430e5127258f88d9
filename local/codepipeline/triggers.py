"""Push filters of V2 pipeline triggers: CodePipeline's glob syntax and include/exclude rules."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any


@dataclass(frozen=True)
class GitPush:
    """One push to a repository: either a branch or a tag, and the file paths it changed."""

    branch: str | None = None
    tag: str | None = None
    paths: tuple[str, ...] = ()


@lru_cache(maxsize=2048)
def compile_glob(pattern: str) -> re.Pattern[str]:
    """Translate a CodePipeline glob into a regular expression.

    CodePipeline documents Java's glob syntax: `*` stays inside one path part, `**` crosses
    `/`, `?` is one character of a path part, `[...]` a set (`[!...]` negated), `{a,b}`
    alternatives that do not nest, and a backslash escapes the next character.
    Raises ValueError for a pattern Java would reject.
    """
    parts: list[str] = []
    in_group = False
    index, length = 0, len(pattern)
    while index < length:
        char = pattern[index]
        index += 1
        if char == "\\":
            if index >= length:
                raise ValueError(f"No character to escape at the end of {pattern!r}")
            parts.append(re.escape(pattern[index]))
            index += 1
        elif char == "*":
            if index < length and pattern[index] == "*":
                parts.append(".*")
                index += 1
            else:
                parts.append("[^/]*")
        elif char == "?":
            parts.append("[^/]")
        elif char == "[":
            bracket, index = _bracket(pattern, index)
            parts.append(bracket)
        elif char == "{":
            if in_group:
                raise ValueError(f"Cannot nest groups in {pattern!r}")
            parts.append("(?:")
            in_group = True
        elif char == "," and in_group:
            parts.append("|")
        elif char == "}" and in_group:
            parts.append(")")
            in_group = False
        else:
            parts.append(re.escape(char))
    if in_group:
        raise ValueError(f"Missing '}}' in {pattern!r}")
    return re.compile("".join(parts), re.DOTALL)


def _bracket(pattern: str, index: int) -> tuple[str, int]:
    """The regular expression of the set starting after `[` at `index`, and where it ends."""
    length = len(pattern)
    negate = index < length and pattern[index] == "!"
    if negate:
        index += 1
    members: list[str] = []
    previous: str | None = None
    while index < length:
        char = pattern[index]
        index += 1
        if char == "]":
            if not members:
                raise ValueError(f"Empty set in {pattern!r}")
            # Like Java's matcher, a set never matches the path separator.
            return "(?!/)[" + ("^" if negate else "") + "".join(members) + "]", index
        if char == "/":
            raise ValueError(f"A set cannot hold '/' in {pattern!r}")
        if char == "-" and previous is not None and index < length and pattern[index] != "]":
            last = pattern[index]
            index += 1
            if last < previous:
                raise ValueError(f"Invalid range {previous}-{last} in {pattern!r}")
            members[-1] = f"{re.escape(previous)}-{re.escape(last)}"
            previous = None
            continue
        members.append(re.escape(char))
        previous = char
    raise ValueError(f"Missing ']' in {pattern!r}")


def glob_matches(pattern: str, text: str) -> bool:
    return compile_glob(pattern).fullmatch(text) is not None


def _allowed(criteria: Mapping[str, Any], name: str) -> bool:
    """Excludes win over includes; without includes everything not excluded is in."""
    if any(glob_matches(pattern, name) for pattern in criteria.get("excludes") or ()):
        return False
    includes = criteria.get("includes")
    if includes is None:
        return True
    return any(glob_matches(pattern, name) for pattern in includes)


def push_filter_matches(push_filter: Mapping[str, Any], push: GitPush) -> bool:
    """Whether one GitPushFilter starts the pipeline: every kind it names must match."""
    tags = push_filter.get("tags")
    branches = push_filter.get("branches")
    file_paths = push_filter.get("filePaths")
    if tags is not None:
        if push.tag is None or not _allowed(tags, push.tag):
            return False
    elif push.tag is not None:
        # A filter without tags describes branch pushes, so a tag push never meets it.
        return False
    if branches is not None and (push.branch is None or not _allowed(branches, push.branch)):
        return False
    return file_paths is None or any(_allowed(file_paths, path) for path in push.paths)


def push_filters_match(push_filters: Iterable[Mapping[str, Any]], push: GitPush) -> bool:
    """Whether any of a trigger's push filters matches."""
    return any(push_filter_matches(push_filter, push) for push_filter in push_filters)


def pattern_problems(git_configuration: Mapping[str, Any]) -> list[str]:
    """Patterns of a gitConfiguration that are not valid globs."""
    problems: list[str] = []
    for event in ("push", "pullRequest"):
        for push_filter in git_configuration.get(event) or ():
            for kind in ("branches", "tags", "filePaths"):
                criteria = push_filter.get(kind) or {}
                for side in ("includes", "excludes"):
                    for pattern in criteria.get(side) or ():
                        try:
                            compile_glob(pattern)
                        except ValueError as error:
                            problems.append(f"Invalid {kind} pattern: {error}")
    return problems
