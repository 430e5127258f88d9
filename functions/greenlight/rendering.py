"""Jinja2 templates for mails and pages, escaped by default, and the headers pages carry."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from functools import cached_property
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

# The handlers' CodeUri is functions/; templates/ sits beside the package there.
TEMPLATES_DIR = Path(__file__).parent.parent / "templates"
STYLESHEET = "pages/style.css"


def _autoescape(name: str | None) -> bool:
    # Everything is HTML-escaped except the plain-text part of a mail.
    return not (name or "").endswith(".txt.j2")


def utc(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


def soft_breaks(value: object) -> Markup:
    """Escaped text that may wrap after `:` and `/`, so ARNs break between their parts."""
    text = str(escape(value))
    return Markup(text.replace(":", ":<wbr>").replace("/", "/<wbr>"))  # noqa: S704 - escaped above


class Templates:
    """The loaded template environment and the page stylesheet's CSP hash."""

    def __init__(self, directory: Path = TEMPLATES_DIR) -> None:
        self.environment = Environment(
            loader=FileSystemLoader(str(directory)),
            autoescape=_autoescape,  # noqa: S701 - on for every template but .txt.j2
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.environment.filters["utc"] = utc
        self.environment.filters["soft_breaks"] = soft_breaks

    @cached_property
    def stylesheet(self) -> str:
        source, _, _ = self.environment.loader.get_source(  # type: ignore[union-attr]
            self.environment, STYLESHEET
        )
        return source

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
        return self.environment.get_template(name).render(**context)

    def page(self, name: str, **context: object) -> str:
        return self.render(name, stylesheet=self.stylesheet, **context)
