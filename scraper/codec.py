"""How the archive stores raw bytes: zlib (RFC 1950), level 6. Apart from the archive so that
a reading worker compresses pages without loading the archive's code."""

from __future__ import annotations

import zlib


def compress(raw: bytes) -> bytes:
    return zlib.compress(raw, 6)


def decompress(blob: bytes) -> bytes:
    return zlib.decompress(blob)
