"""A local page of a stand-in channel: its messages' Block Kit as plain HTML, each person's
private (ephemeral) messages and open modals, and buttons that make the stand-in send the
app what Slack would send when that person clicks or submits.

    GET  /channels/C0DEPLOYS?as=U0ALICE01     the channel, seen by alice
    POST /channels/C0DEPLOYS/click            ts, action_id, as: a button click
    POST /views/V00000001/submit              as, v:<block_id>:<action_id>: a submission
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from local.slack.interactions import Interactions
from local.slack.workspace import Workspace

# Slack's own markup inside mrkdwn: <@U123>, <#C123>, <!here>, <https://x|label>.
TOKEN = re.compile(r"<([^<>]*)>")
BOLD = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")
STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:0;background:#f8f8f8;color:#1d1c1d}
header{background:#3f0e40;color:#fff;padding:10px 16px}main{max-width:760px;margin:auto;
padding:12px}.msg{background:#fff;border:1px solid #ddd;border-radius:6px;padding:10px 14px;
margin:10px 0}.meta{color:#616061;font-size:13px}.ctx{color:#616061;font-size:13px;margin:4px 0}
dl{display:grid;grid-template-columns:repeat(2,1fr);gap:4px 16px}dt{font-weight:600}
dd{margin:0}.eph{border-left:4px solid #1264a3}.modal{border:2px solid #3f0e40}
button{padding:6px 14px;border-radius:4px;border:1px solid #bbb;margin-right:6px;
cursor:pointer}button.primary{background:#007a5a;color:#fff}button.danger{background:#e01e5a;
color:#fff}textarea{width:100%;min-height:70px}.error{color:#e01e5a}.mention{background:#e8f5fa;
color:#1264a3;border-radius:3px;padding:0 2px}
"""


@dataclass(frozen=True)
class Page:
    status: int = 200
    html: str = ""
    location: str | None = None


def _shown_text(text: str) -> str:
    """What Slack shows for the text between its own markup: entities decoded."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def mrkdwn_html(text: str, workspace: Workspace) -> str:
    """mrkdwn as Slack renders it, in HTML: mentions, links, bold, line breaks."""
    out: list[str] = []
    position = 0
    for token in TOKEN.finditer(text):
        out.append(_plain_html(text[position:token.start()]))
        out.append(_token_html(token.group(1), workspace))
        position = token.end()
    out.append(_plain_html(text[position:]))
    return "".join(out).replace("\n", "<br>")


def _plain_html(text: str) -> str:
    return BOLD.sub(r"<strong>\1</strong>", html.escape(_shown_text(text)))


def _token_html(inner: str, workspace: Workspace) -> str:
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        user = workspace.users.get(target[1:])
        return f'<span class="mention">@{html.escape(user.name if user else target[1:])}</span>'
    if target.startswith("#"):
        channel = workspace.channels.get(target[1:])
        return f'<span class="mention">#{html.escape(channel.name if channel else target)}</span>'
    if target.startswith("!"):
        return f'<span class="mention">@{html.escape(target[1:].split("^")[0])}</span>'
    shown = html.escape(_shown_text(label or target))
    return f'<a href="{html.escape(_shown_text(target))}" rel="noreferrer">{shown}</a>'


def _text_html(obj: Any, workspace: Workspace) -> str:
    if not isinstance(obj, dict):
        return ""
    text = str(obj.get("text", ""))
    if obj.get("type") == "mrkdwn":
        return mrkdwn_html(text, workspace)
    return html.escape(text)


def _button(element: dict[str, Any], channel: str, ts: str, viewer: str) -> str:
    style = html.escape(str(element.get("style") or ""))
    return (f'<form method="post" action="/channels/{html.escape(channel)}/click" '
            f'style="display:inline"><input type="hidden" name="ts" value="{html.escape(ts)}">'
            f'<input type="hidden" name="as" value="{html.escape(viewer)}">'
            f'<input type="hidden" name="action_id" '
            f'value="{html.escape(str(element.get("action_id", "")))}">'
            f'<button class="{style}">{html.escape(str(element["text"]["text"]))}</button></form>')


def blocks_html(blocks: list[dict[str, Any]], workspace: Workspace, *, channel: str = "",
                ts: str = "", viewer: str = "", errors: Mapping[str, str] | None = None) -> str:
    out = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            out.append(f"<h3>{_text_html(block.get('text'), workspace)}</h3>")
        elif kind == "section":
            out.append(f"<p>{_text_html(block.get('text'), workspace)}</p>")
            fields = "".join(f"<div>{_text_html(f, workspace)}</div>"
                             for f in block.get("fields", []))
            if fields:
                out.append(f'<div class="fields">{fields}</div>')
        elif kind == "context":
            out.extend(f'<p class="ctx">{_text_html(e, workspace)}</p>'
                       for e in block.get("elements", []))
        elif kind == "actions":
            out.append("<p>" + "".join(_button(e, channel, ts, viewer)
                                       for e in block.get("elements", [])
                                       if e.get("type") == "button") + "</p>")
        elif kind == "input":
            element = block.get("element", {})
            name = f"v:{block.get('block_id', '')}:{element.get('action_id', '')}"
            error = (errors or {}).get(str(block.get("block_id")))
            optional = " (optional)" if block.get("optional") else ""
            out.append(f"<label>{_text_html(block.get('label'), workspace)}{optional}<br>"
                       f'<textarea name="{html.escape(name)}"></textarea></label>'
                       + (f'<p class="error">{html.escape(error)}</p>' if error else ""))
    return "\n".join(out)


def render_channel(workspace: Workspace, channel_id: str, viewer: str,
                   notice: str = "") -> str:
    channel = workspace.channels[channel_id]
    people = [u for u in workspace.users.values() if not u.is_bot]
    choices = "".join(f'<option value="{u.id}"{" selected" if u.id == viewer else ""}>'
                      f"{html.escape(u.name)} ({html.escape(u.email or '')})</option>"
                      for u in people)
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><meta name='viewport' "
             f"content='width=device-width'><title>#{html.escape(channel.name)}</title>"
             f"<style>{STYLE}</style></head><body><header><strong>#"
             f"{html.escape(channel.name)}</strong> (Slack stand-in)"
             f"<form method='get' style='display:inline;float:right'>Viewing as "
             f"<select name='as' onchange='this.form.submit()'>{choices}</select></form>"
             f"</header><main>"]
    if notice:
        parts.append(f'<p class="meta">{html.escape(notice)}</p>')
    for view in workspace.open_views_of(viewer):
        title = _text_html(view.view.get("title"), workspace)
        submit = _text_html(view.view.get("submit"), workspace) or "Submit"
        parts.append(f'<div class="msg modal"><h3>{title}</h3><form method="post" '
                     f'action="/views/{html.escape(view.id)}/submit">'
                     f'<input type="hidden" name="as" value="{html.escape(viewer)}">'
                     f'<input type="hidden" name="channel" value="{html.escape(channel_id)}">'
                     f"{blocks_html(view.view.get('blocks', []), workspace, errors=view.errors)}"
                     f"<p><button class='primary'>{submit}</button></p></form></div>")
    for message in workspace.messages.get(channel_id, []):
        edited = " (edited)" if message.edited else ""
        parts.append(f'<div class="msg" id="m{html.escape(message.ts)}"><p class="meta">'
                     f"<strong>greenlight</strong> APP {html.escape(message.ts)}{edited}</p>"
                     + (blocks_html(message.blocks, workspace, channel=channel_id,
                                    ts=message.ts, viewer=viewer)
                        or f"<p>{mrkdwn_html(message.text, workspace)}</p>") + "</div>")
    for private in workspace.ephemerals:
        if private.channel == channel_id and private.user == viewer:
            parts.append(f'<div class="msg eph"><p class="meta">Only visible to you</p>'
                         f"<p>{mrkdwn_html(private.text, workspace)}</p></div>")
    parts.append("</main></body></html>")
    return "\n".join(parts)


def _back(channel: str, viewer: str, notice: str) -> Page:
    return Page(location=f"/channels/{channel}?{urlencode({'as': viewer, 'notice': notice})}")


def _delivered(status: int) -> str:
    return "The app answered." if status == 200 else f"The app answered HTTP {status}."


def respond(workspace: Workspace, interactions: Interactions | None, verb: str, path: str,
            query: Mapping[str, str], form: Mapping[str, str]) -> Page:
    """The page for one request to the page's routes."""
    parts = [p for p in path.split("/") if p]
    default_viewer = next(iter(workspace.users))
    if verb == "GET" and not parts:
        return Page(location="/channels/" + next(iter(workspace.channels)))
    if verb == "GET" and len(parts) == 2 and parts[0] == "channels" and \
            parts[1] in workspace.channels:
        viewer = query.get("as") if query.get("as") in workspace.users else default_viewer
        return Page(html=render_channel(workspace, parts[1], str(viewer), query.get("notice", "")))
    if verb != "POST" or interactions is None or len(parts) != 3:
        return Page(404, "<p>Not found (or no app is connected to send interactions to).</p>")
    viewer = form.get("as", "")
    if viewer not in workspace.users:
        return Page(400, "<p>Unknown user.</p>")
    if parts[0] == "channels" and parts[2] == "click" and parts[1] in workspace.channels:
        try:
            delivery = interactions.click(viewer, parts[1], form.get("ts", ""),
                                          form.get("action_id", ""))
        except LookupError:
            return Page(404, "<p>No such message or button.</p>")
        return _back(parts[1], viewer, _delivered(delivery.status))
    if parts[0] == "views" and parts[2] == "submit" and parts[1] in workspace.views:
        values: dict[str, dict[str, str]] = {}
        for name, value in form.items():
            if name.startswith("v:"):
                _, block, action = name.split(":", 2)
                values.setdefault(block, {})[action] = value
        delivery = interactions.submit(parts[1], values)
        channel = form.get("channel", "")
        channel = channel if channel in workspace.channels else next(iter(workspace.channels))
        return _back(channel, viewer, _delivered(delivery.status))
    return Page(404, "<p>Not found.</p>")
