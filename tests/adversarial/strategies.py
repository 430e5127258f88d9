"""Hostile input, generated: requests to the decide API built from genuine approval links, and
messages on the approval topic.

Every generated request knows what a correct decide function must answer: a page (200) only
for GET or HEAD on a genuine link, a 4xx page for everything else, and never a decision. A POST
on a genuine link of a waiting approval would decide it, so those requests always carry a
defect the form contract refuses (`Body.defect` names it).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import random
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

from hypothesis import strategies as st
from itsdangerous import BadData, URLSafeSerializer
from itsdangerous.encoding import base64_decode

from local.apigateway import proxy_event

FORM = "application/x-www-form-urlencoded"
FORM_TYPES = (FORM, f"{FORM}; charset=utf-8", FORM.upper(), f"  {FORM} ;charset=UTF-8")
URL_SAFE = string.ascii_letters + string.digits + "-_"
METHODS = ("GET", "HEAD", "POST", "POST", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE",
           "CONNECT", "PROPFIND")
# Line breaks and their look-alikes, bare and as the start of an injected header or body.
BREAKS = ("\r\n", "\n", "\r", "\r\nSet-Cookie: session=stolen", "\r\nLocation: https://evil.example/",
          "\r\n\r\n<h1>injected</h1>", "%0d%0aX-Injected:%20yes", "\u2028", "\x85", "\x00")
HEADER_NAMES = ("Host", "User-Agent", "Accept", "Accept-Language", "Accept-Encoding", "Cookie",
                "Referer", "Origin", "X-Forwarded-For", "X-Forwarded-Proto", "X-Amzn-Trace-Id",
                "Authorization", "Content-Length", "Transfer-Encoding")
MAX_BODY_BYTES = 8192
MAX_COMMENT = 1000


# --- genuine links and what a path names ---

def same_link(candidate: str, genuine: str) -> bool:
    """Whether `candidate` carries genuine's signed payload and its signature's bytes.

    Base64 decoding is lenient (a signature's last character has spare bits, and characters
    outside the alphabet are skipped), so a few spellings of one genuine link verify.
    """
    payload, dot, signature = candidate.rpartition(".")
    genuine_payload, _, genuine_signature = genuine.rpartition(".")
    if not dot or payload != genuine_payload:
        return False
    try:
        return base64_decode(signature) == base64_decode(genuine_signature)
    except BadData:
        return False


class Links:
    """Genuine links from real approval mails, grouped by what their approval is doing."""

    def __init__(self, stage: str, pending: Sequence[str], decided: Sequence[str],
                 expired: Sequence[str], decisions: Mapping[str, str],
                 payloads: Sequence[dict[str, Any]]) -> None:
        self.stage = stage
        self.pending = tuple(pending)
        self.decided = tuple(decided)
        self.expired = tuple(expired)
        self.decisions = dict(decisions)  # link -> approve | reject
        self.payloads = tuple(payloads)

    def __repr__(self) -> str:
        # Hypothesis prints the fixtures of a failing case: keep the links out of it.
        return (f"Links({len(self.pending)} waiting, {len(self.decided)} decided, "
                f"{len(self.expired)} expired)")

    @property
    def genuine(self) -> tuple[str, ...]:
        return self.pending + self.decided + self.expired

    def path(self, link: str) -> str:
        return f"{self.stage}/approvals/{link}"

    def named(self, event_path: str) -> Named | None:
        """The genuine link an event's path names, if any, and whether it is spelt exactly."""
        match = re.fullmatch(r"/approvals/([^/]+)/*", event_path)
        if not match:
            return None
        for group in ("pending", "decided", "expired"):
            for link in getattr(self, group):
                if same_link(match.group(1), link):
                    return Named(group, link, match.group(1) == link)
        return None


@dataclass(frozen=True)
class Named:
    group: str  # pending | decided | expired
    link: str
    exact: bool


# --- request bodies ---

@dataclass(frozen=True)
class Body:
    content_type: str | None
    data: bytes
    base64: bool | None = None  # None: as API Gateway sets it
    defect: str = ""


def form(comment: str) -> bytes:
    return urlencode({"comment": comment}).encode()


def not_base64(data: bytes) -> bool:
    try:
        base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return True
    return False


def not_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


# Strategies are built once, here: built inside a draw, each would be validated per case.
text_8 = st.text(min_size=1, max_size=8)
text_20 = st.text(max_size=20)
positions = st.integers(0, 1 << 16)
comments = st.one_of(
    st.text(max_size=60),
    st.tuples(st.text(max_size=20), st.sampled_from(BREAKS), text_20).map("".join),
)
form_types = st.sampled_from(FORM_TYPES)


def _body(defect: str, base64_flag: bool | None = None) -> Any:
    return lambda content_type, data: Body(content_type, data, base64_flag, defect)


wrong_content_type = st.builds(
    _body("content type is not a form"),
    st.one_of(
        st.sampled_from(["text/plain", "application/json", "multipart/form-data; boundary=x",
                         f"{FORM}2", f"{FORM}\r\nX-Injected: yes", f"text/html; {FORM}",
                         "application/xml", " ", "*/*"]),
        st.text(min_size=1, max_size=40),
    ).filter(lambda t: t.split(";")[0].strip().lower() != FORM),
    comments.map(form),
)
oversized = st.one_of(
    st.builds(_body("comment too long"), form_types,
              st.integers(MAX_COMMENT + 1, MAX_BODY_BYTES - 20).map(lambda n: form("x" * n))),
    st.builds(_body("form too large"), form_types,
              st.integers(MAX_BODY_BYTES + 1, 60_000).map(lambda n: b"comment=" + b"q" * n)),
    st.builds(_body("form too large", True), form_types,
              st.integers(MAX_BODY_BYTES + 1, 60_000).map(
                  lambda n: base64.b64encode(b"comment=" + b"q" * n))),
)
# Forms in another encoding than UTF-8: API Gateway hands them over base64-encoded.
undecodable = st.builds(_body("not UTF-8"), form_types, st.one_of(
    text_20.map(lambda t: form("café " + t).replace(b"caf%C3%A9", b"caf\xe9")),
    st.sampled_from([b"comment=\xc0\xaf", b"comment=\xe0\x80\xaf", b"comment=\xed\xa0\x80",
                     b"comment=\xf8\x88\x80\x80\x80", "comment=x".encode("utf-16"),
                     "comment=x".encode("utf-32"), b"\xff\xfecomment=x", b"comment=ok\xff"]),
    st.binary(min_size=1, max_size=300),
).filter(lambda data: not_utf8(data)))
bad_percent_escape = st.builds(
    _body("escapes are not UTF-8"), form_types,
    st.tuples(text_20, st.sampled_from(["%C0%AF", "%FF", "%FE", "%E9", "%80", "%ED%A0%80"]),
              text_20).map(lambda t: f"comment={quote(t[0])}{t[1]}{quote(t[2])}".encode()),
)
repeated_or_malformed_fields = st.one_of(
    st.builds(_body("two comments"), form_types,
              st.lists(comments, min_size=2, max_size=4).map(
                  lambda texts: urlencode([("comment", t) for t in texts]).encode())),
    st.builds(_body("more than four fields"), form_types,
              st.lists(st.text(alphabet=URL_SAFE, min_size=1, max_size=8), min_size=4,
                       max_size=12).map(lambda names: urlencode(
                  [("comment", "ok"), *((name, "1") for name in names)]).encode())),
    st.builds(_body("a field without a value"), form_types,
              st.sampled_from([b"comment", b"comment&", b"&comment=x", b"comment=x&&",
                               b"comment=x&reason", b"&"])),
)
controls = st.sampled_from([chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"])
control_characters = st.one_of(
    st.builds(_body("control character in the comment"), form_types,
              st.tuples(text_20, controls, text_20).map(lambda t: form("".join(t)))),
    # A raw NUL (or other control) byte, unescaped, is still UTF-8 and reaches the parser.
    st.builds(_body("raw control character"), form_types,
              st.tuples(text_20, controls, text_20).map(
                  lambda t: b"comment=" + "".join(t).encode())),
)
flagged_base64 = st.builds(
    _body("isBase64Encoded on a body that is not", True), form_types,
    st.one_of(comments.map(form), st.binary(min_size=1, max_size=100)).filter(not_base64),
)
reason_missing = st.builds(_body("reject without a reason"), form_types,
                           st.sampled_from(["", " ", "ok", "\t\r\n", "no", " . "]).map(form))
# Bodies the page's form never sends: no form content type, no body, or not exactly one
# `comment` field (UTF-16 and base64 text read as one field of another name).
not_the_pages_form = st.one_of(
    st.just(Body(None, b"", defect="empty, no content type")),
    comments.map(lambda c: Body(None, form(c), defect="no content type")),
    form_types.map(lambda t: Body(t, b"", defect="empty form")),
    form_types.map(lambda t: Body(t, "comment=x".encode("utf-16-le"), defect="UTF-16")),
    st.builds(lambda t, c: Body(t, base64.b64encode(form(c)), False, "unflagged base64"),
              form_types, comments),
    st.builds(lambda t, fields: Body(t, urlencode(fields).encode(), defect="no comment field"),
              form_types, st.dictionaries(st.text(alphabet=URL_SAFE, min_size=1, max_size=8)
                                          .filter(lambda n: n != "comment"), text_20,
                                          min_size=1, max_size=3)),
    st.builds(lambda t, c: Body(t, f"={quote(c)}".encode(), defect="nameless field"),
              form_types, comments),
)
_refused = [wrong_content_type, oversized, undecodable, bad_percent_escape,
            repeated_or_malformed_fields, control_characters, flagged_base64,
            not_the_pages_form]
# Bodies the form contract refuses, by the decision of the link they are sent to.
DEFECTIVE_BODIES = {"approve": st.one_of(_refused),
                    "reject": st.one_of([*_refused, reason_missing])}
any_body = st.one_of(
    DEFECTIVE_BODIES["reject"],
    st.builds(Body, st.none() | form_types, comments.map(form)),
    st.builds(Body, st.none() | st.text(max_size=30), st.binary(max_size=500),
              st.none() | st.booleans()),
)


# --- links: altered, swapped, signed by someone else ---

EDITS = st.sampled_from(["flip", "delete", "insert", "truncate", "extend", "swapcase",
                         "signature-only", "payload-only", "double-dot", "reversed-signature",
                         "percent-encoded"])
link_chars = st.sampled_from(URL_SAFE + ".")


def edited_links(links: Sequence[str]) -> st.SearchStrategy[str]:
    genuine = st.sampled_from(links)

    @st.composite
    def edited(draw: st.DrawFn) -> str:
        link = draw(genuine)
        at = draw(positions) % len(link)
        edit = draw(EDITS)
        payload, _, signature = link.rpartition(".")
        if edit == "flip":
            replacement = draw(link_chars)
            if replacement == link[at]:
                replacement = "A" if link[at] != "A" else "B"
            return link[:at] + replacement + link[at + 1:]
        if edit == "delete":
            return link[:at] + link[at + 1 + draw(positions) % 8:]
        if edit == "insert":
            return link[:at] + draw(text_8) + link[at:]
        if edit == "truncate":
            return link[:at]
        if edit == "extend":
            return link + draw(st.text(min_size=1, max_size=64))
        if edit == "swapcase":
            end = at + 1 + draw(positions) % (len(link) - at)
            return link[:at] + link[at:end].swapcase() + link[end:]
        if edit == "signature-only":
            return signature
        if edit == "payload-only":
            return payload + "." * draw(st.booleans())
        if edit == "double-dot":
            return link.replace(".", "..", 1)
        if edit == "reversed-signature":
            return f"{payload}.{signature[::-1]}"
        return f"{link[:at]}%{ord(link[at]):02X}{link[at + 1:]}"

    return edited()


def swapped_links(links: Sequence[str]) -> st.SearchStrategy[str]:
    """One genuine link's payload under another genuine link's signature."""
    pairs = [(a, b) for a in links for b in links if a != b]
    return st.sampled_from(pairs).map(
        lambda pair: f"{pair[0].rpartition('.')[0]}.{pair[1].rpartition('.')[2]}")


def foreign_links(payloads: Sequence[dict[str, Any]], key: str,
                  salt: str) -> st.SearchStrategy[str]:
    """Genuine-looking claims signed with another key, salt, digest or key derivation."""
    claims = st.sampled_from(payloads)
    names = st.lists(st.sampled_from(sorted({name for p in payloads for name in p})),
                     max_size=3)
    keys = st.one_of(st.just(key), st.text(min_size=32, max_size=64),
                     st.sampled_from([key + "x", key[:-1], key.upper(), ""]))
    salts = st.one_of(st.just(salt), st.text(max_size=40),
                      st.sampled_from(["itsdangerous", "", salt + " ", salt.replace("v1", "v2")]))
    digests = st.sampled_from([hashlib.sha256, hashlib.sha1, hashlib.sha512, hashlib.md5])
    derivations = st.sampled_from(["django-concat", "concat", "hmac", "none"])
    far_future = int((datetime.now(UTC) + timedelta(days=3650)).timestamp())

    @st.composite
    def foreign(draw: st.DrawFn) -> str:
        payload, other = dict(draw(claims)), draw(claims)
        for name in draw(names):
            payload[name] = other.get(name)
        if draw(st.booleans()):
            payload["x"] = far_future
        signer = (draw(keys), draw(salts), draw(digests), draw(derivations))
        if signer == (key, salt, hashlib.sha256, "django-concat"):
            signer = (key, salt + ".other", hashlib.sha256, "django-concat")  # not the real one
        serializer = URLSafeSerializer(signer[0], salt=signer[1], signer_kwargs={
            "digest_method": signer[2], "key_derivation": signer[3]})
        return str(serializer.dumps(payload))

    return foreign()


odd_paths = st.one_of(
    st.text(max_size=80).map(lambda t: "/Prod/" + t),
    st.text(alphabet=URL_SAFE + "./%~!*'()", max_size=300).map(lambda t: "/Prod/approvals/" + t),
    st.sampled_from(["/Prod", "/Prod/", "/Prod/approvals", "/Prod/approvals/",
                     "/Prod//approvals/x", "/Prod/approvals/../approvals/x", "/Prod/APPROVALS/x",
                     "/Prod/%2e%2e/%2e%2e/etc/passwd", "/Prod/approvals/" + "A" * 5000,
                     "/Prod/approvals/%00", "/Prod/approvals/x/y", "/Other/approvals/x"]),
)


# --- whole requests ---

@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()
    body: Body = Body(None, b"")
    names: Named | None = None  # the genuine link the path names, if any

    def event(self, stage: str) -> dict[str, Any]:
        headers = list(self.headers)
        if self.body.content_type is not None:
            headers.append(("Content-Type", self.body.content_type))
        event = proxy_event(self.method, self.path, headers, self.body.data, stage)
        if self.body.base64 is not None:
            event["isBase64Encoded"] = self.body.base64
        return event

    @property
    def may_show_page(self) -> bool:
        """GET or HEAD on a genuine link of a waiting approval; HEAD on any unexpired one."""
        method = self.method.upper()
        group = self.names.group if self.names else None
        return (method in ("GET", "HEAD") and group == "pending") or (
            method == "HEAD" and group == "decided")

    @property
    def must_show_page(self) -> bool:
        """As may_show_page, with the link spelt as it was mailed."""
        return self.may_show_page and self.names is not None and self.names.exact


header_values = st.one_of(
    st.text(max_size=30),
    st.sampled_from(BREAKS),
    st.tuples(st.text(max_size=10), st.sampled_from(BREAKS), st.text(max_size=10)).map("".join),
    st.integers(2_000, 12_000).map(lambda n: "A" * n),
)
header_names = st.one_of(
    st.sampled_from(HEADER_NAMES),
    st.text(min_size=1, max_size=16),
    st.sampled_from(BREAKS).map(lambda b: f"X-Evil{b}Injected"),
).filter(lambda name: name.strip().lower() != "content-type")  # the body strategy sets it
headers = st.lists(st.tuples(header_names, header_values), max_size=4).map(tuple)


def hostile_requests(links: Links, key: str, salt: str) -> st.SearchStrategy[Request]:
    paths = st.one_of(
        st.sampled_from(links.pending).map(links.path),
        st.sampled_from(links.decided + links.expired).map(links.path),
        edited_links(links.genuine).map(links.path),
        swapped_links(links.genuine).map(links.path),
        foreign_links(links.payloads, key, salt).map(links.path),
        odd_paths,
    )
    suffixes = st.sampled_from(["", "", "", "", "", "", "", "", "", "?", "#", "?comment=x", "/",
                                "//", ";x", "?a=\r\nb"])
    methods = st.sampled_from(METHODS)

    @st.composite
    def hostile(draw: st.DrawFn) -> Request:
        path = draw(paths) + draw(suffixes)
        method = draw(methods)
        named = links.named(proxy_event(method, path, [], b"", links.stage)["path"])
        if method == "POST" and named is not None and named.group == "pending":
            body = draw(DEFECTIVE_BODIES[links.decisions[named.link]])
        else:
            body = draw(any_body)
        return Request(method, path, draw(headers), body, named)

    return hostile()


# --- messages on the approval topic ---

NAME_CHARS = string.ascii_letters + string.digits + ".@-_"
URL_CHARS = URL_SAFE + "/?=&%.~"
REQUIRED = ("pipelineName", "stageName", "actionName", "token", "expires")
EXPIRY_FORMATS = ("%Y-%m-%dT%H:%MZ", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S.%fZ", "iso")

def long_url(seed: int) -> str:
    """An http(s) URL of 500 to 2000 characters that compresses badly.

    Built from one drawn number: drawing each character would make generation slow.
    """
    chosen = random.Random(seed)
    return "https://example.com/" + "".join(chosen.choices(URL_CHARS, k=500 + seed % 1500))


scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(
    max_size=20)
# Nested two levels deep; st.recursive would be deeper and several times slower to draw.
nested = st.lists(scalars, max_size=3) | st.dictionaries(st.text(max_size=8), scalars, max_size=3)
junk = st.one_of(scalars, nested, st.lists(nested, max_size=2),
                 st.dictionaries(st.text(max_size=8), nested, max_size=2))
not_text = junk.filter(lambda value: value is not None and not isinstance(value, str))
names = st.text(alphabet=NAME_CHARS, min_size=1, max_size=100)
tokens = st.uuids().map(str) | st.text(alphabet="0123456789abcdefABCDEF-", min_size=1,
                                       max_size=128)
regions = st.sampled_from(["us-east-1", "eu-west-1", "ap-southeast-2", "us-gov-west-1",
                           "eu-central-2", "il-central-1", "ap-northeast-3"])
link_values = st.one_of(
    st.none(),
    st.text(max_size=60),
    st.sampled_from(["https://github.com/acme/webapp/commit/abc", "javascript:alert(1)",
                     "data:text/html,<script>alert(1)</script>", "http://", "//evil.example",
                     "https://ok.example/\r\nX-Injected: yes", "https://" + "a" * 3000]),
    # Long, hard to compress and still acceptable: they travel inside the signed links.
    st.integers(0, 1 << 32).map(long_url),
    junk,
)
free_text = st.one_of(
    st.none(),
    st.text(max_size=300),
    st.tuples(st.text(max_size=40), st.sampled_from(BREAKS), st.text(max_size=40)).map("".join),
    st.integers(400, 20_000).map(lambda n: "<b>x</b>\r\n" * (n // 10)),
)


def expiry(when: datetime, fmt: str, offset: timedelta = timedelta(0)) -> str:
    """`when` written as CodePipeline writes it, or in ISO 8601 with a UTC offset."""
    if fmt != "iso":
        return when.strftime(fmt)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    local = (when + offset).replace(tzinfo=None)
    return f"{local.isoformat()}{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


future = st.datetimes(min_value=datetime(2030, 1, 1), max_value=datetime(9998, 12, 31),
                      timezones=st.just(UTC))
past = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2020, 12, 31),
                    timezones=st.just(UTC))
offsets = st.integers(-12 * 60, 14 * 60).map(lambda m: timedelta(minutes=m))
expiry_formats = st.sampled_from(EXPIRY_FORMATS)
extra_fields = st.dictionaries(st.text(max_size=10), junk, max_size=1)


@st.composite
def approval_messages(draw: st.DrawFn) -> dict[str, Any]:
    """A message CodePipeline could publish: every required field present and well formed."""
    approval: dict[str, Any] = {
        "pipelineName": draw(names),
        "stageName": draw(names),
        "actionName": draw(names),
        "token": draw(tokens),
        "expires": expiry(draw(future), draw(expiry_formats), draw(offsets)),
        "customData": draw(free_text),
        "externalEntityLink": draw(link_values),
        "approvalReviewLink": draw(link_values),
    }
    approval |= {k: v for k, v in draw(extra_fields).items() if k not in approval}
    message = {"region": draw(regions), "consoleLink": draw(link_values), "approval": approval}
    return message | {k: v for k, v in draw(extra_fields).items() if k not in message}


def _broken(value: str, at: int, char: str) -> str:
    at %= len(value) + 1
    return value[:at] + char + value[at:]


ill_formed_names = st.one_of(
    st.just(""),
    st.integers(101, 5000).map(lambda n: "p" * n),
    st.builds(_broken, names, positions, st.characters().filter(lambda ch: ch not in NAME_CHARS)),
)
ill_formed_tokens = st.one_of(
    st.just(""),
    st.integers(129, 5000).map(lambda n: "a" * n),
    st.builds(_broken, tokens, positions,
              st.characters().filter(lambda ch: ch not in "0123456789abcdefABCDEF-")),
)
ill_formed_regions = st.sampled_from(["", "US-EAST-1", "us-east", "useast1", "us-east-1 ",
                                      " us-east-1", "us-east-123", "../../etc",
                                      "us-east-1\r\nX: y", "e-west-1"])
ill_formed_expiries = st.one_of(
    st.sampled_from(["", "tomorrow", "2099-13-01T00:00Z", "2099-01-01T00:00", "2099-02-30T00:00Z",
                     "2099-01-01T25:00Z", "2099-01-01T00:00:00"]),
    st.text(alphabet=string.ascii_letters + " :-", max_size=30),
    st.builds(expiry, past, expiry_formats, offsets),
)
ILL_FORMED = {"pipelineName": ill_formed_names, "stageName": ill_formed_names,
              "actionName": ill_formed_names, "token": ill_formed_tokens,
              "region": ill_formed_regions, "expires": ill_formed_expiries}
broken_fields = st.sampled_from([*REQUIRED, "region", "customData"])
breakages = st.sampled_from(["missing", "null", "wrong-type", "ill-formed"])


@st.composite
def broken_messages(draw: st.DrawFn) -> tuple[str, Any]:
    """A message with one approval field missing, null, of the wrong type or ill-formed."""
    message = draw(approval_messages())
    name, how = draw(broken_fields), draw(breakages)
    holder = message if name == "region" else message["approval"]
    if name == "customData":
        holder[name] = draw(not_text)
        return "customData is not text", json.dumps(message)
    if how == "missing":
        del holder[name]
    elif how == "null":
        holder[name] = None
    elif how == "wrong-type":
        holder[name] = draw(not_text)
    else:
        holder[name] = draw(ILL_FORMED[name])
    return f"{name} {how}", json.dumps(message)


def _not_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return True
    return False


invalid_messages: st.SearchStrategy[tuple[str, Any]] = st.one_of(
    broken_messages(),
    broken_messages(),
    broken_messages(),
    st.text(max_size=300).filter(_not_json).map(lambda text: ("not JSON", text)),
    junk.filter(lambda value: not isinstance(value, dict)).map(
        lambda value: ("not an object", json.dumps(value))),
    st.dictionaries(st.text(max_size=10).filter(lambda k: k != "approval"), junk,
                    max_size=5).map(lambda doc: ("no approval", json.dumps(doc))),
    st.builds(lambda message, approval: ("approval is not an object",
                                         json.dumps(message | {"approval": approval})),
              approval_messages(), junk.filter(lambda value: not isinstance(value, dict))),
    (st.none() | not_text).map(lambda value: ("not text", value)),
)
"""(what is wrong, the SNS Message): never a request Greenlight may mail about."""

subjects = st.one_of(
    st.none(),
    st.text(max_size=100),
    st.tuples(st.text(max_size=40), st.sampled_from(BREAKS), st.text(max_size=40)).map("".join),
)
