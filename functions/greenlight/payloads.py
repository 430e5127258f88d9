"""itsdangerous' URL-safe serializers, compressing their payloads with a window sized to them.

itsdangerous compresses a URL-safe payload (zlib) when that makes it shorter, with zlib's
default 32 KiB window: each call then sets up about 256 KiB of compressor state, which costs
80 to 90 µs here, for a link's few hundred bytes (twice per review page: the other decision's
link and the form token). A 2 KiB window holds any payload Greenlight signs whole, so the
output is as short, for a tenth of the time. The format is itsdangerous' own: "." and the
base64 of a zlib stream, which any zlib reader inflates, so what was signed before this reads
as it did, and stock itsdangerous reads what is signed now. Signing and verifying are
itsdangerous' alone.
"""

from __future__ import annotations

import zlib
from typing import Any

from itsdangerous import URLSafeSerializer, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode, want_bytes

WINDOW_BITS = 11  # 2 KiB: a link's payload is well under it (links.MAX_LINK_LENGTH is 4096)
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
