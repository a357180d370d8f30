"""Content-Encoding undone under a cap on the decoded size, so that a decompression bomb (a
megabyte of gzip that inflates to a gigabyte of zeros) costs at most the cap in memory and
CPU.

httpx's own decoders inflate each network chunk whole: a 64 KB chunk of gzipped zeros
becomes 64 MB at once, before any cap can be checked. Here every stage is asked for at most
what is left under the cap, plus one byte to tell "exactly the cap" from "over it" (zlib's
``max_length``, brotli's ``output_buffer_limit``), and the answer is refused as soon as it
goes over. Each stage of a stacked encoding (``gzip, gzip``) is held to the same cap.

Encodings: ``gzip`` and ``deflate`` (zlib-wrapped or raw, as httpx reads it), and ``br`` when
the ``brotli`` package (1.2 or later, which can bound its output) is installed. The crawler
asks for ``gzip, deflate`` only; any other encoding a server sends anyway is refused as
unsupported rather than archived as compressed bytes.
"""

from __future__ import annotations

import zlib
from typing import Any, Protocol

try:
    import brotli

    BROTLI: Any = brotli if hasattr(brotli.Decompressor, "can_accept_more_data") else None
except ImportError:  # pragma: no cover - brotli is optional
    BROTLI = None

ACCEPT_ENCODING = "gzip, deflate"


class TooBig(Exception):
    """The decoded response went over the cap."""


class Undecodable(Exception):
    """The response is not valid in its Content-Encoding, or in one scraper cannot read."""


class _Stage(Protocol):
    def feed(self, data: bytes, limit: int) -> bytes: ...

    def flush(self) -> bytes: ...


class _Zlib:
    def __init__(self, wbits: int, fallback: int | None = None) -> None:
        self._inflater = zlib.decompressobj(wbits)
        self._fallback = fallback  # deflate: raw deflate when the zlib header is missing
        self._started = False

    def feed(self, data: bytes, limit: int) -> bytes:
        try:
            out = self._inflater.decompress(data, limit)
        except zlib.error as exc:
            if self._fallback is None or self._started:
                raise Undecodable(str(exc)) from exc
            self._inflater = zlib.decompressobj(self._fallback)
            self._fallback = None
            return self.feed(data, limit)
        self._started = self._started or bool(data)
        return out

    def flush(self) -> bytes:
        try:
            return self._inflater.flush()
        except zlib.error as exc:  # pragma: no cover - flush after a clean feed rarely fails
            raise Undecodable(str(exc)) from exc


class _Brotli:
    def __init__(self) -> None:
        self._decoder = BROTLI.Decompressor()

    def feed(self, data: bytes, limit: int) -> bytes:
        try:
            # The buffer stops growing once it reaches the limit: it may end a little over.
            return bytes(self._decoder.process(data, output_buffer_limit=limit))
        except BROTLI.error as exc:
            raise Undecodable(str(exc)) from exc

    def flush(self) -> bytes:
        return b""


def _stage(encoding: str) -> _Stage | None:
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip"):
        return _Zlib(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return _Zlib(zlib.MAX_WBITS, fallback=-zlib.MAX_WBITS)
    if encoding == "br" and BROTLI is not None:
        return _Brotli()
    raise Undecodable(f"unsupported Content-Encoding {encoding!r}")


class CappedDecoder:
    """The decoded bytes of a response body fed in raw chunks, never more than ``cap``."""

    def __init__(self, content_encoding: str | None, cap: int) -> None:
        self.cap = cap
        names = [e.strip().lower() for e in (content_encoding or "").split(",")]
        # Listed in the order they were applied: undone last first.
        self._stages = [s for name in reversed(names) if (s := _stage(name)) is not None]
        self._made = [0] * (len(self._stages) + 1)  # bytes out of each stage, and of the body
        self.raw = 0  # bytes as they came over the wire

    @property
    def size(self) -> int:
        """Decoded bytes so far (the most any stage made: over the cap, the work done)."""
        return max(self._made)

    def feed(self, data: bytes) -> bytes:
        self.raw += len(data)
        for index, stage in enumerate(self._stages):
            data = self._count(index, stage.feed(data, self.cap - self._made[index] + 1))
        return self._count(len(self._stages), data)

    def finish(self) -> bytes:
        """What the stages still hold at the end of the body."""
        out = b""
        for index, stage in enumerate(self._stages):
            tail = self._count(index, stage.flush())
            for later in range(index + 1, len(self._stages)):
                stage_later = self._stages[later]
                tail = self._count(later, stage_later.feed(tail, self.cap - self._made[later] + 1))
            out += tail
        return self._count(len(self._stages), out)

    def _count(self, index: int, data: bytes) -> bytes:
        self._made[index] += len(data)
        if self._made[index] > self.cap:
            decoded = " decompressed" if self._stages else ""
            raise TooBig(f"response larger than {self.cap} bytes{decoded}")
        return data
