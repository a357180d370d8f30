"""Bytes to text for HTML pages.

Evidence is weighed in this order: an explicit override, a byte-order mark, the HTTP
``Content-Type`` charset, a ``<meta>`` (or XML) declaration near the top of the page, and
finally detection. Declarations on Chinese government sites are often wrong (a server that
says UTF-8 in front of a GBK page, a ``gb2312`` label on text that uses GBK-only characters),
so a declared codec is only accepted when it decodes the bytes cleanly; otherwise the next
piece of evidence is tried. Text that still looks like mojibake is refused rather than
stored.
"""

from __future__ import annotations

import codecs
import logging
import re
from dataclasses import dataclass, field

from scraper.errors import DecodeError

logger = logging.getLogger(__name__)

# How far into the page a <meta charset> is looked for. WHATWG stops at 1024 bytes, but
# these templates often put long <script>/<style> blocks before it.
META_SNIFF_BYTES = 8192
# Detection only needs a sample; charset-normalizer is slow on megabyte pages.
DETECT_SAMPLE_BYTES = 65536
# Share of U+FFFD tolerated when nothing decodes strictly (last resort only).
MAX_REPLACEMENT_SHARE = 0.005
# Bytes that are not GBK still "decode" as GB18030, mostly into rare extension characters.
MAX_RARE_HAN_SHARE = 0.25

# Labels that mean "some GB codec": decode them all as the superset so GBK-only characters
# (镕, 堃, 玥 …) survive.
_GB_LABELS = {
    "gb2312",
    "gb_2312",
    "gb_2312-80",
    "gbk",
    "x-gbk",
    "cp936",
    "ms936",
    "windows-936",
    "csgb2312",
    "chinese",
    "iso-ir-58",
    "euc-cn",
    "euccn",
    "gb18030",
    "hz-gb-2312",
}
# WHATWG maps these to windows-1252; Python's latin-1 would hide the C1 range difference.
_LATIN_LABELS = {
    "iso-8859-1",
    "iso8859-1",
    "latin1",
    "latin-1",
    "l1",
    "ascii",
    "us-ascii",
    "windows-1252",
    "cp1252",
    "x-cp1252",
}
# What detection may answer. charset-normalizer sometimes names a single-byte codepage
# (cp874, mac_cyrillic …) or BOM-less UTF-16 for damaged CJK bytes; those are never right for
# these sites (UTF-16 pages carry a BOM or a declaration, and are read through those).
PLAUSIBLE_CODECS = frozenset(
    {
        "utf-8",
        "gb18030",
        "big5hkscs",
        "cp1252",
        "shift_jis",
        "euc_jp",
        "euc_kr",
    }
)
_BIG5_LABELS = {"big5", "big5-hkscs", "cn-big5", "x-x-big5", "csbig5"}

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "PDF"),
    (b"PK\x03\x04", "ZIP/OFD/DOCX"),
    (b"PK\x05\x06", "ZIP"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "OLE (DOC/XLS/WPS)"),
    (b"Rar!\x1a\x07", "RAR"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"\x1f\x8b", "gzip"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"RIFF", "RIFF"),
    (b"ID3", "MP3"),
    (b"\x00\x00\x01\x00", "ICO"),
    (b"wOFF", "WOFF"),
    (b"wOF2", "WOFF2"),
)

_CT_CHARSET_RE = re.compile(r"""charset\s*=\s*["']?\s*([^\s"';,]+)""", re.I)
_META_CHARSET_RE = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.I)
_XML_DECL_RE = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.:\-]+)""", re.I)

# UTF-8 or GBK read as latin-1/cp1252 turns every CJK character into two or three adjacent
# Latin-1/cp1252 symbols ("ä¸­æ–‡", "ÖÐÎÄ"); real Western text has isolated accents.
_LATIN_RUN_RE = re.compile("[\u0080-\u00ff\u0152-\u0192\u02c6\u02dc\u2013-\u203a\u20ac\u2122]{2,}")
_CJK_RE = re.compile("[\u3400-\u9fff\uf900-\ufaff]")
# "锟斤拷" / "烫烫烫" are what U+FFFD and uninitialised buffers turn into after a GBK round
# trip: text that was already mojibake before it reached the server.
_GBK_ROUNDTRIPS = ("锟斤拷", "烫烫烫", "屯屯屯")

# Regexes over a whole page cost ~20 ns a character, more than decoding it. Byte counts
# (bytes.translate runs at C speed) bound the character counts the checks need; the exact
# counts are only taken when a bound cannot settle a check.
_HIGH_BYTES = bytes(range(0x80, 0x100))
_CONTROL_BYTES = bytes(range(0, 9)) + bytes(range(14, 32))
# UTF-8 lead bytes of every _LATIN_RUN_RE character (and of some others): C2/C3 U+0080-00FF,
# C5/C6 U+0140-01BF, CB U+02C0-02FF, E2 U+2000-2FFF.
_LATIN_LEADS = b"\xc2\xc3\xc5\xc6\xcb\xe2"
_CJK_LEADS = bytes(range(0xE4, 0xEA))  # UTF-8 lead bytes of U+4000-9FFF, most of _CJK_RE
_NOT_COUNTED_BYTES = bytes(b for b in range(256) if b not in _LATIN_LEADS + _CJK_LEADS)
# UTF-16 high bytes of _CJK_RE's ranges exactly: U+3400-9FFF, U+F900-FAFF.
_CJK_HIGH_BYTES = bytes(range(0x34, 0xA0)) + b"\xf9\xfa"


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # the codec actually used, e.g. "utf-8" or "gb18030"
    declared: str | None  # what the header or <meta> said, if anything
    # ``text`` as UTF-8 when that is exactly the bytes received: the HTML parser reads
    # these as they are rather than from ``text`` encoded again.
    utf8: bytes | None = field(default=None, repr=False)

    @property
    def markup(self) -> str | bytes:
        """What to hand the HTML parser: the UTF-8 bytes if there are any, else the text."""
        return self.text if self.utf8 is None else self.utf8


def normalise_label(label: str | None) -> str | None:
    """Map a charset label to the Python codec that should read it, or None if unusable."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    if name in _GB_LABELS:
        return "gb18030"
    if name in _LATIN_LABELS:
        return "cp1252"
    if name in _BIG5_LABELS:
        return "big5hkscs"
    if name in {"utf8", "utf-8", "unicode-1-1-utf-8", "x-unicode20utf8"}:
        return "utf-8"
    try:
        info = codecs.lookup(name)
    except LookupError:
        return None
    if not getattr(info, "_is_text_encoding", True):
        return None  # base64, rot13 … are not page encodings
    resolved = info.name
    if resolved in {"gb2312", "gbk"}:
        return "gb18030"
    return resolved


def charset_from_content_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    m = _CT_CHARSET_RE.search(content_type)
    return m.group(1) if m else None


def sniff_meta_charset(raw: bytes) -> str | None:
    head = raw[:META_SNIFF_BYTES]
    m = _XML_DECL_RE.search(head)
    if m:
        return m.group(1).decode("ascii", "replace")
    m = _META_CHARSET_RE.search(head)
    if m:
        return m.group(1).decode("ascii", "replace")
    return None


def _binary_kind(raw: bytes) -> str | None:
    for magic, kind in _MAGIC:
        if raw.startswith(magic):
            return kind
    sample = raw[:8192]
    if b"\x00" in sample:
        return "binary data (NUL bytes)"
    controls = _count_bytes(sample, _CONTROL_BYTES)
    if sample and controls / len(sample) > 0.05:
        return "binary data (control bytes)"
    return None


def _count_bytes(data: bytes, values: bytes) -> int:
    """How many bytes of ``data`` are one of ``values``."""
    return len(data) - len(data.translate(None, values))


def mojibake_reason(text: str, codec: str | None = None, utf8: bytes | None = None) -> str | None:
    """Why ``text`` looks like mis-decoded bytes, or None when it reads as text.

    ``codec`` is the codec that produced ``text``: GB18030 accepts almost any byte pairs, so
    text it produced is also checked for being plausible Chinese. ``utf8``: ``text``
    encoded as UTF-8, when the caller has it already (the page's own bytes, for UTF-8).
    """
    if not text:
        return None
    replacements = text.count("\ufffd")
    if replacements >= 10 and replacements / len(text) > MAX_REPLACEMENT_SHARE:
        return f"{replacements} replacement characters"
    if utf8 is None:
        utf8 = text.encode("utf-8", "surrogatepass")
    leads = utf8.translate(None, _NOT_COUNTED_BYTES)  # one pass, then count what is left
    latin_ceiling = _count_bytes(leads, _LATIN_LEADS)
    cjk_floor = len(leads) - latin_ceiling
    if latin_ceiling >= 16 and latin_ceiling > cjk_floor / 2:
        cjk = _cjk_count(text)
        latin = sum(len(run) for run in _LATIN_RUN_RE.findall(text))
        if latin >= 16 and latin > cjk / 2:
            return f"{latin} characters of latin-1 mojibake (e.g. 'Ã¤Â¸') against {cjk} CJK"
    # The three sequences share no character, so counting each is counting them all. 屯
    # and 烫 are real words' characters too: the sequences are only counted where their
    # character occurs.
    roundtrips = sum(text.count(seq) for seq in _GBK_ROUNDTRIPS if seq[0] in text)
    if roundtrips >= 3:
        return f"{roundtrips} '锟斤拷'-style round-trip sequences"
    if codec == "gb18030" and (cjk_floor >= 30 or _cjk_count(text) >= 30):
        # Characters GB2312 cannot encode, Han or not: at least the rare Han characters.
        outside = text.encode("gb2312", "replace").count(b"?") - text.count("?")
        if outside > MAX_RARE_HAN_SHARE * max(cjk_floor, 30):
            rare = _rare_han_share(text)
            if rare > MAX_RARE_HAN_SHARE:
                return f"{rare:.0%} of the characters are outside GB2312: not Chinese text"
    return None


def _cjk_count(text: str) -> int:
    """How many characters ``_CJK_RE`` matches (all of them in the BMP)."""
    high = text.encode("utf-16-be", "surrogatepass")[0::2]
    return _count_bytes(high, _CJK_HIGH_BYTES)


def _rare_han_share(text: str) -> float:
    """Share of Han characters outside GB2312 (real simplified text: well under 5 %)."""
    han = _CJK_RE.findall(text)
    rare = 0
    for ch in han:
        try:
            ch.encode("gb2312")
        except UnicodeEncodeError:
            rare += 1
    return rare / len(han) if han else 0.0


def _strict(raw: bytes, codec: str) -> str | None:
    try:
        return raw.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _detect(raw: bytes) -> str | None:
    """charset-normalizer's best guess on a sample cut at an ASCII byte (no split characters)."""
    sample = raw
    if len(raw) > DETECT_SAMPLE_BYTES:
        cut = DETECT_SAMPLE_BYTES
        while cut > DETECT_SAMPLE_BYTES // 2 and raw[cut - 1] >= 0x80:
            cut -= 1
        sample = raw[:cut]
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(sample).best()
    except Exception:  # detection is advisory; never let it break decoding
        logger.debug("charset detection failed", exc_info=True)
        return None
    if best is None:
        return None
    return normalise_label(best.encoding)


def decode_html(
    raw: bytes, content_type: str | None = None, override: str | None = None
) -> Decoded:
    """Decode ``raw``: override, BOM, HTTP header charset, <meta> charset, then detection.

    gb2312/gbk labels decode as gb18030. Raises ``scraper.errors.DecodeError`` when the bytes
    are not a readable page (binary, or mojibake whatever the codec).
    """
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise DecodeError(f"expected bytes, got {type(raw).__name__}")
    raw = bytes(raw)
    header_label = charset_from_content_type(content_type)
    meta_label = sniff_meta_charset(raw)
    declared = header_label or meta_label

    if override:
        codec = normalise_label(override)
        if codec is None:
            raise DecodeError(f"unknown override encoding {override!r}")
        return _finish(raw, [codec], declared, authoritative=True)

    for bom, codec in _BOMS:
        if raw.startswith(bom):
            return _finish(raw[len(bom) :], [codec], declared, authoritative=True)

    if not raw:
        return Decoded("", "utf-8", declared)
    declared_codec = normalise_label(declared) or ""
    kind = None if declared_codec.startswith(("utf-16", "utf-32")) else _binary_kind(raw)
    if kind:
        raise DecodeError(f"not a text page: looks like {kind} ({len(raw)} bytes)")
    if raw.isascii():
        return Decoded(raw.decode("ascii"), "utf-8", declared, raw)

    candidates: list[str] = []
    for label in (header_label, meta_label):
        codec = normalise_label(label)
        if codec and codec not in candidates:
            candidates.append(codec)
    # A legacy CJK declaration in front of bytes that are valid UTF-8: on a page with more
    # than a handful of non-ASCII bytes, accidental UTF-8 validity is vanishingly rare, and
    # gb18030 would "succeed" on those bytes and produce plausible-looking nonsense.
    if candidates and candidates[0] != "utf-8" and "utf-8" not in candidates:
        non_ascii = _count_bytes(raw[:DETECT_SAMPLE_BYTES], _HIGH_BYTES)
        if non_ascii >= 24 and _strict(raw, "utf-8") is not None:
            logger.info("declared %s but bytes are valid UTF-8; using UTF-8", candidates[0])
            candidates.insert(0, "utf-8")
    return _finish(raw, candidates, declared, authoritative=False)


def _finish(
    raw: bytes, candidates: list[str], declared: str | None, authoritative: bool
) -> Decoded:
    tried: list[str] = []
    for codec in candidates:
        text = _strict(raw, codec)
        tried.append(codec)
        if text is None:
            logger.debug("declared %s does not decode strictly", codec)
            continue
        # Strictly decoded UTF-8 encodes back to the same bytes.
        reason = mojibake_reason(text, codec, raw if codec == "utf-8" else None)
        if reason is None:
            if codec != "utf-8":
                return Decoded(_drop_bom(text), codec, declared)
            if text.startswith("\ufeff"):
                return Decoded(text[1:], codec, declared, raw[len(codecs.BOM_UTF8) :])
            return Decoded(text, codec, declared, raw)
        logger.debug("declared %s gives mojibake: %s", codec, reason)

    if authoritative and candidates:
        return _lenient(raw, candidates, declared)

    # A declared codec that fails on a stray byte or a character cut off at the end of a
    # truncated download is still the right codec; detection would guess worse.
    for codec in tried:
        text = raw.decode(codec, errors="replace")
        bad = text.count("\ufffd")
        if bad <= max(2, len(text) // 2000) and mojibake_reason(text, codec) is None:
            logger.warning("decoded as declared %s with %d replacement characters", codec, bad)
            return Decoded(_drop_bom(text), codec, declared)

    fallbacks: list[str] = []
    detected: str | None = _detect(raw)
    if detected and detected not in PLAUSIBLE_CODECS:
        logger.debug("ignoring detected %s: not a page encoding seen on these sites", detected)
        detected = None
    for name in (detected, "utf-8", "gb18030", "big5hkscs"):
        if name and name not in tried and name not in fallbacks:
            fallbacks.append(name)
    for codec in fallbacks:
        text = _strict(raw, codec)
        tried.append(codec)
        if text is not None and mojibake_reason(text, codec) is None:
            if declared:
                logger.info("page declares %s but decodes as %s", declared, codec)
            return Decoded(_drop_bom(text), codec, declared)
    return _lenient(raw, tried, declared)


def _lenient(raw: bytes, codecs_to_try: list[str], declared: str | None) -> Decoded:
    """Last resort: the codec with the fewest replacement characters, if few enough."""
    best: tuple[int, str, str] | None = None
    for codec in codecs_to_try:
        try:
            text = raw.decode(codec, errors="replace")
        except LookupError:
            continue
        bad = text.count("\ufffd")
        if best is None or bad < best[0]:
            best = (bad, codec, text)
    if best is None:
        raise DecodeError("no usable encoding for page")
    bad, codec, text = best
    share = bad / max(len(text), 1)
    reason = mojibake_reason(text, codec)
    if share > MAX_REPLACEMENT_SHARE or reason:
        why = reason or f"{bad} replacement characters"
        raise DecodeError(f"unreadable page: best codec {codec} gives {why}")
    logger.warning("decoded as %s with %d replacement characters", codec, bad)
    return Decoded(_drop_bom(text), codec, declared)


def _drop_bom(text: str) -> str:
    return text[1:] if text.startswith("\ufeff") else text
