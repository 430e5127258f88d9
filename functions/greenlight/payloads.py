"""itsdangerous' URL-safe serializers, compressing their payloads with a window sized to them.

itsdangerous compresses a URL-safe payload (zlib) when that makes it shorter, with zlib's
default 32 KiB window: each call then sets up about 256 KiB of compressor state, for a
link's few hundred bytes. With a 2 KiB window, signing a link here took 44 µs instead of 72
(twice per review page: the other decision's link and the form token), to the same length.
The format is itsdangerous' own: "." and the base64 of a zlib stream, which any zlib reader
inflates, so what was signed before this reads as it did, and stock itsdangerous reads what
is signed now. Signing and verifying are itsdangerous' alone. The timed serializers run on
the clock they are given, as everything else does (itsdangerous would read time.time()).
"""

from __future__ import annotations

import hashlib
import zlib
from datetime import datetime
from typing import Any

from itsdangerous import TimestampSigner, URLSafeSerializer, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode, want_bytes

# 2 KiB: a link's payload is a few hundred bytes; a longer one still compresses, by 2 KiB spans.
WINDOW_BITS = 11
MEMORY_LEVEL = 2


def compressed(data: bytes) -> bytes:
    """A zlib stream of `data`, as zlib.compress makes it but with the small window."""
    packer = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, WINDOW_BITS,
                              MEMORY_LEVEL)
    return packer.compress(data) + packer.flush()


class SmallWindow:
    """URLSafeSerializerMixin.dump_payload, with `compressed` in place of zlib.compress."""

    serializer: Any
    serializer_kwargs: dict[str, Any]

    def dump_payload(self, obj: Any) -> bytes:
        json = want_bytes(self.serializer.dumps(obj, **self.serializer_kwargs))
        packed = compressed(json)
        if len(packed) < len(json) - 1:
            return b"." + base64_encode(packed)
        return base64_encode(json)


class LinkSerializer(SmallWindow, URLSafeSerializer):
    """URLSafeSerializer, its payloads compressed with the small window."""


class TimedLinkSerializer(SmallWindow, URLSafeTimedSerializer):
    """URLSafeTimedSerializer, its payloads compressed with the small window."""


class SignerAt(TimestampSigner):
    """itsdangerous' timestamp signer, on the clock handed in instead of the system's."""

    def __init__(self, *args: Any, now: datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.now = now

    def get_timestamp(self) -> int:
        return int(self.now.timestamp())


def timed_serializer(keys: list[str], salt: str, now: datetime) -> TimedLinkSerializer:
    """A timed serializer for `salt` (SHA-256), signing and checking ages at `now`."""
    return TimedLinkSerializer(keys, salt=salt, signer=SignerAt,
                               signer_kwargs={"digest_method": hashlib.sha256, "now": now})
