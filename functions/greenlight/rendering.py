"""Jinja2 templates for mails and pages, escaped by default, and the headers pages carry."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import sys
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from markupsafe import Markup

from greenlight.text import clean, one_line, quoted

# The handlers' CodeUri is functions/; templates/ sits beside the package there.
TEMPLATES_DIR = Path(__file__).parent.parent / "templates"
STYLESHEET = "pages/style.css"
# The templates compiled to Python (`make templates`), so that a cold start's first page
# does not compile its four templates; used only while every source still matches them.
PRECOMPILED = "precompiled"
MANIFEST = "MANIFEST.json"

if TYPE_CHECKING:
    from jinja2 import Environment


def utc(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


def soft_breaks(value: object) -> Markup:
    """Escaped text that may wrap after `:` and `/`, so ARNs break between their parts."""
    # Markup.join escapes every piece it joins; escaping never yields `:` or `/`.
    return Markup(":<wbr>").join(Markup("/<wbr>").join(part.split("/"))
                                 for part in str(value).split(":"))


# The cells of the context rows, as `_context.html.j2` writes them; `cell_styles` adds a
# mail's inline styles to exactly these.
LABEL_CELL = Markup('<th scope="row" align="left" class="label">')
VALUE_CELL = Markup('<td class="value">')


def time_tag(value: datetime) -> Markup:
    """A time as a <time> element, shown in UTC and labelled so."""
    # Both formats make digits, `-`, `:`, `T`, `Z`, spaces and "UTC": nothing to escape
    # (Markup.format would escape them through string.Formatter, at 20 times the cost).
    return Markup(f'<time datetime="{value.strftime("%Y-%m-%dT%H:%M:%SZ")}">'  # noqa: S704  # nosec B704
                  f"{utc(value)}</time>")


def cell_styles(rows: Markup, label_style: str, value_style: str) -> Markup:
    """The context rows with inline styles on their cells, as mail clients need them. Every
    text in `rows` is escaped, so the only unescaped cell tags in it are the rows' own."""
    return Markup(str(rows)  # noqa: S704  # nosec B704: escaped rows and escaped styles
                  .replace(LABEL_CELL, Markup(
                      '<th scope="row" align="left" style="{}" class="label">').format(
                          label_style))
                  .replace(VALUE_CELL, Markup('<td style="{}" class="value">').format(
                      value_style)))


def shown(value: object) -> object:
    """Every `{{ ... }}` of a page or HTML mail: text without bidi or invisible characters
    (`clean` returns plain ASCII, most values and the stylesheet, as it is)."""
    if type(value) is str:
        return value if value.isascii() and value.isprintable() else clean(value)
    if isinstance(value, Markup):
        # Already escaped; dropping characters cannot make a `<` or `"` appear.
        cleaned = clean(value)
        return value if cleaned == value else Markup(cleaned)  # noqa: S704  # nosec B704
    return clean(value) if isinstance(value, str) else value


def flattened(value: object) -> object:
    """Every `{{ ... }}` of a plain-text mail: one line, so that no value starts a line."""
    return one_line(value) if isinstance(value, str) else value


class Templates:
    """The template environment and the page stylesheet's CSP hash. Jinja2 is loaded when
    the first template is rendered, or at `load()`: a function that renders at every
    invocation loads it during init; the sweep, which mostly mails nothing, when it mails."""

    def __init__(self, directory: Path = TEMPLATES_DIR) -> None:
        self.directory = directory

    def load(self) -> Templates:
        self.text_environment  # noqa: B018  # builds both environments
        return self

    @cached_property
    def environment(self) -> Environment:
        from jinja2 import (
            BaseLoader,
            ChoiceLoader,
            Environment,
            FileSystemLoader,
            ModuleLoader,
            StrictUndefined,
            select_autoescape,
        )

        loader: BaseLoader = FileSystemLoader(str(self.directory))
        if precompiled_is_current(self.directory):
            loader = ChoiceLoader([ModuleLoader(str(self.directory / PRECOMPILED)), loader])
        environment = Environment(
            loader=loader,
            # HTML-escaped everywhere but in the plain-text part of a mail.
            autoescape=select_autoescape(disabled_extensions=("txt.j2",), default=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            finalize=shown,
            # The templates ship with the code: no stat of every file on every render.
            auto_reload=False,
        )
        environment.filters["utc"] = utc
        environment.filters["time_tag"] = time_tag
        environment.filters["cell_styles"] = cell_styles
        environment.filters["soft_breaks"] = soft_breaks
        environment.filters["one_line"] = one_line
        environment.filters["quoted"] = quoted
        return environment

    @cached_property
    def text_environment(self) -> Environment:
        # The plain-text parts: no value there can break a line, however it was interpolated.
        return self.environment.overlay(finalize=flattened)

    @cached_property
    def stylesheet(self) -> str:
        return (self.directory / STYLESHEET).read_text(encoding="utf-8")

    @cached_property
    def security_headers(self) -> dict[str, str]:
        digest = base64.b64encode(hashlib.sha256(self.stylesheet.encode()).digest()).decode()
        return {
            "Content-Security-Policy": (
                "default-src 'none'; "
                f"style-src 'sha256-{digest}'; "
                "img-src 'self' data:; "
                "form-action 'self'; "
                "base-uri 'none'; "
                "frame-ancestors 'none'"
            ),
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "DENY",
        }

    def render(self, name: str, **context: object) -> str:
        environment = self.text_environment if name.endswith(".txt.j2") else self.environment
        return environment.get_template(name).render(**context)

    def page(self, name: str, **context: object) -> str:
        return self.render(name, stylesheet=self.stylesheet, **context)


def template_sources(directory: Path) -> dict[str, str]:
    """Every template under `directory`, by name, with the SHA-256 of its source."""
    return {path.relative_to(directory).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(directory.rglob("*.j2"))
            if PRECOMPILED not in path.relative_to(directory).parts}


def precompiled_is_current(directory: Path) -> bool:
    """Whether `make templates` compiled exactly these sources with this Jinja2: else the
    templates compile from their sources, as they change (a stale copy is never used)."""
    try:
        manifest = json.loads((directory / PRECOMPILED / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (isinstance(manifest, dict) and manifest.get("jinja2") == _jinja2_version()
            and manifest.get("templates") == template_sources(directory))


def _jinja2_version() -> str | None:
    import jinja2

    return getattr(jinja2, "__version__", None)


def precompile(directory: Path = TEMPLATES_DIR) -> Path:
    """Compile every template under `directory` into directory/precompiled, with a manifest
    of the sources and the Jinja2 version it was compiled from."""
    target = directory / PRECOMPILED
    shutil.rmtree(target, ignore_errors=True)
    sources = template_sources(directory)
    Templates(directory).environment.compile_templates(
        str(target), zip=None, filter_func=sources.__contains__, ignore_errors=False)
    manifest = {"jinja2": _jinja2_version(), "templates": sources}
    (target / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n",
                                   encoding="utf-8")
    return target


if __name__ == "__main__":
    print(f"compiled to {precompile(Path(sys.argv[1]) if len(sys.argv) > 1 else TEMPLATES_DIR)}")
