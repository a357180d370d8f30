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
GZIP_MAGIC = b"\x1f\x8b"  # the first two bytes of every gzip member (RFC 1952, 2.3.1)


class TooBig(Exception):
    """The decoded response went over the cap."""


class Undecodable(Exception):
    """The response is not valid in its Content-Encoding, or in one scraper cannot read."""


class _Stage(Protocol):
    def feed(self, data: bytes, limit: int) -> bytes: ...

    def flush(self) -> bytes: ...


class _Zlib:
    """One gzip or deflate stage. A gzip body may hold several members, one after another
    (RFC 1952, 2.2; ``cat a.gz b.gz``): each is decoded in turn, under the one limit. After
    the end of a deflate stream, or of a gzip member when what follows is not another, the
    body is refused: zlib would otherwise keep every later byte in ``unused_data``."""

    def __init__(self, wbits: int, fallback: int | None = None) -> None:
        self._wbits = wbits
        self._inflater = zlib.decompressobj(wbits)
        self._fallback = fallback  # deflate: raw deflate when the zlib header is missing
        self._started = False
        self._members = wbits > zlib.MAX_WBITS  # gzip (16 + wbits): one member after another

    def feed(self, data: bytes, limit: int) -> bytes:
        out = b""
        while data and len(out) < limit:
            if self._inflater.eof:
                data = self._next_member(data)
                if not data:
                    break
            out += self._decompress(data, limit - len(out))
            # Input past the end of this member, if it ended; otherwise all was taken (or
            # the output reached the limit, which the caller refuses as too big).
            data = self._inflater.unused_data if self._inflater.eof else b""
        return out

    def _next_member(self, data: bytes) -> bytes:
        name = "gzip member" if self._members else "deflate stream"
        if not self._members:
            raise Undecodable(f"data after the end of the {name}")
        # gzip itself ignores zero bytes after the last member (tape block padding).
        data = data.lstrip(b"\0")
        if not GZIP_MAGIC.startswith(data[: len(GZIP_MAGIC)]):
            raise Undecodable(f"data after the end of the {name} is not another one")
        if data:
            self._inflater = zlib.decompressobj(self._wbits)
        return data

    def _decompress(self, data: bytes, limit: int) -> bytes:
        try:
            out = self._inflater.decompress(data, limit)
        except zlib.error as exc:
            if self._fallback is None or self._started:
                raise Undecodable(str(exc)) from exc
            self._inflater = zlib.decompressobj(self._fallback)
            self._wbits, self._fallback = self._fallback, None
            return self._decompress(data, limit)
        self._started = self._started or bool(data)
        return out

    def flush(self) -> bytes:
        try:
            out = self._inflater.flush()
        except zlib.error as exc:  # pragma: no cover - flush after a clean feed rarely fails
            raise Undecodable(str(exc)) from exc
        if self._started and not self._inflater.eof:
            kind = "gzip" if self._members else "deflate"
            raise Undecodable(f"truncated {kind} body: it ends before its compressed stream does")
        return out


class _Brotli:
    def __init__(self) -> None:
        self._decoder = BROTLI.Decompressor()
        self._started = False

    def feed(self, data: bytes, limit: int) -> bytes:
        self._started = self._started or bool(data)
        try:
            # The buffer stops growing once it reaches the limit: it may end a little over.
            return bytes(self._decoder.process(data, output_buffer_limit=limit))
        except BROTLI.error as exc:
            raise Undecodable(str(exc)) from exc

    def flush(self) -> bytes:
        if self._started and not self._decoder.is_finished():
            raise Undecodable("truncated br body: it ends before its compressed stream does")
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
        # Compressed bytes are held to the cap too, with room for what deflate adds to data
        # it cannot shrink (5 bytes a 64 KB stored block, a header and trailer per stage):
        # otherwise a body that decodes to little (gzip headers, empty members, zero
        # padding) could be read without end. Unencoded, raw bytes are the decoded ones.
        self.raw_cap = cap + cap // 1000 + 4096

    @property
    def size(self) -> int:
        """Decoded bytes so far (the most any stage made: over the cap, the work done)."""
        return max(self._made)

    def feed(self, data: bytes) -> bytes:
        self.raw += len(data)
        if self._stages and self.raw > self.raw_cap:
            raise TooBig(f"response larger than {self.raw_cap} bytes compressed")
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
