"""The templates shipped compiled to Python: current, identical in what they render, and never
used once a source has changed after `make templates`."""

from __future__ import annotations

import filecmp
import json
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from jinja2 import ChoiceLoader, FileSystemLoader

from greenlight.announce import compose_for, ref_of
from greenlight.approval import parse_approval_message
from greenlight.links import ApprovalContext, Decision, LinkClaims, Revision
from greenlight.pages import problem_page
from greenlight.rendering import (
    MANIFEST,
    PRECOMPILED,
    TEMPLATES_DIR,
    Templates,
    precompile,
    precompiled_is_current,
)
from tests.conftest import sns_message

KEY = "k" * 48
API = "https://abc.execute-api.us-east-1.amazonaws.com/Prod"
CONTEXT = ApprovalContext(
    region="us-east-1", execution_id="6c4b1f38-0d3e-4b8a-9a7e-2f6f2f7f9b11",
    custom_data='Release <b>7</b> & "friends" \u202eevil',
    external_entity_link="https://github.com/acme/webapp/commit/e417064",
    revision=Revision("e417064bc8be88379f", "Add <script>retry</script>", "https://x.example/c",
                      "main", "acme/webapp"),
    trigger="WebhookV2: push to main", requester="arn:aws:sts::1:assumed-role/Dev/alice",
    console_link="https://console.aws.amazon.com/codesuite/codepipeline/pipelines/p/view")
CLAIMS = LinkClaims("webapp", "Approval", "Manual", "digest", "alice@example.com",
                    Decision.APPROVE, datetime(2026, 12, 31, 12, tzinfo=UTC), CONTEXT)


@pytest.fixture
def sources_only(tmp_path: Path) -> Templates:
    """The same templates with no compiled copy: each compiles from its source."""
    copy = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, copy, ignore=shutil.ignore_patterns(PRECOMPILED))
    return Templates(copy)


def test_the_shipped_compiled_templates_are_what_make_templates_makes_of_the_sources(
        tmp_path: Path) -> None:
    assert precompiled_is_current(TEMPLATES_DIR), "a template changed: run `make templates`"
    copy = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, copy, ignore=shutil.ignore_patterns(PRECOMPILED))
    fresh = precompile(copy)
    shipped = TEMPLATES_DIR / PRECOMPILED

    def compiled(directory: Path) -> list[str]:
        # Loading the modules leaves Python's __pycache__ beside them: not part of the copy.
        return sorted(p.name for p in directory.iterdir() if p.is_file())

    names = compiled(shipped)
    assert names == compiled(fresh) and MANIFEST in names
    _, differ, missing = filecmp.cmpfiles(shipped, fresh, names, shallow=False)
    assert (differ, missing) == ([], [])


def test_the_functions_render_from_the_compiled_templates() -> None:
    loader = Templates().environment.loader
    assert isinstance(loader, ChoiceLoader)


def test_compiled_and_source_templates_render_the_same_mails_and_pages(
        sources_only: Templates) -> None:
    compiled = Templates()
    request = parse_approval_message(sns_message("approval-request.json"))
    approvers = ("alice@example.com", "bob@example.com")

    def rendered(templates: Templates) -> list[str]:
        mails = compose_for(ref_of(request), request.expires, CONTEXT, None, approvers,
                            keys=[KEY], api_url=API, templates=templates)
        pages = [problem_page(templates, kind, claims=CLAIMS).body
                 for kind in ("invalid", "expired", "not-found", "altered")]
        return [part for mail in mails for part in (mail.subject, mail.text, mail.html)] + pages

    # The links differ (each signature is made afresh): compare everything around them.
    def unsigned(texts: list[str]) -> list[str]:
        return [re.sub(r"/approvals/[A-Za-z0-9_.-]+", "/approvals/LINK", text) for text in texts]

    assert unsigned(rendered(compiled)) == unsigned(rendered(sources_only))
    assert rendered(compiled)[-4:] == rendered(sources_only)[-4:]


def test_a_template_changed_after_compiling_renders_from_its_source(tmp_path: Path) -> None:
    copy = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, copy, ignore=shutil.ignore_patterns(PRECOMPILED))
    precompile(copy)
    assert precompiled_is_current(copy)
    page = copy / "pages" / "problem.html.j2"
    page.write_text(page.read_text().replace("{% block content %}",
                                             "{% block content %}<p>edited</p>"))
    assert not precompiled_is_current(copy)
    templates = Templates(copy)
    assert isinstance(templates.environment.loader, FileSystemLoader)
    assert "<p>edited</p>" in problem_page(templates, "not-found").body


def test_templates_compiled_by_another_jinja2_are_not_used(tmp_path: Path) -> None:
    copy = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, copy, ignore=shutil.ignore_patterns(PRECOMPILED))
    manifest = precompile(copy) / MANIFEST
    written = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**written, "jinja2": "2.11.3"}))
    assert not precompiled_is_current(copy)
    manifest.write_text("not json")
    assert not precompiled_is_current(copy)
    assert isinstance(Templates(copy).environment.loader, FileSystemLoader)
