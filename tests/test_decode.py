"""Unit tests for scraper.decode: every case is bytes a real server could send."""

from __future__ import annotations

import codecs

import pytest

from scraper.decode import decode_html, normalise_label
from scraper.errors import DecodeError

# 镕 and 堃 exist in GBK/GB18030 but not in GB2312: a strict gb2312 decoder fails on them.
GBK_ONLY = "朱镕基同志和王堃同志"
TEXT = (
    "红寺堡区人民政府关于做好2024年度政府信息公开工作的通知。各乡镇人民政府，区直各部门："
    "为深入贯彻落实《中华人民共和国政府信息公开条例》，进一步提升政务公开质量，现将有关事项通知如下。"
)


def html(charset_meta: str = "", text: str = TEXT) -> str:
    return f"<html><head>{charset_meta}<title>通知</title></head><body><p>{text}</p></body></html>"


def test_gb2312_label_with_gbk_only_characters_decodes_as_gb18030() -> None:
    raw = html('<meta charset="gb2312">', TEXT + GBK_ONLY).encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("gb2312")
    decoded = decode_html(raw)
    assert decoded.encoding == "gb18030"
    assert decoded.declared == "gb2312"
    assert GBK_ONLY in decoded.text


def test_header_says_utf8_but_bytes_and_meta_are_gbk() -> None:
    raw = html('<meta http-equiv="Content-Type" content="text/html; charset=gbk">').encode("gbk")
    decoded = decode_html(raw, "text/html; charset=utf-8")
    assert decoded.encoding == "gb18030"
    assert TEXT in decoded.text
    assert decoded.declared == "utf-8"  # what the header said, for the record


def test_header_says_gbk_but_bytes_are_utf8() -> None:
    raw = html('<meta charset="utf-8">').encode("utf-8")
    decoded = decode_html(raw, "text/html; charset=GBK")
    assert decoded.encoding == "utf-8"
    assert TEXT in decoded.text


def test_short_utf8_page_that_gb18030_would_also_accept() -> None:
    # Too short for the plausibility check, and valid GB18030 as well: "鍏紑宸ヤ綔…".
    raw = html("", "政府信息公开工作年度报告").encode("utf-8")
    assert raw.decode("gb18030") != raw.decode("utf-8")
    decoded = decode_html(raw, "text/html; charset=gb2312")
    assert decoded.encoding == "utf-8"
    assert "政府信息公开工作年度报告" in decoded.text


def test_gb_labels_all_map_to_gb18030() -> None:
    for label in ("gb2312", "GB2312", "gbk", "x-gbk", "cp936", "GB18030"):
        assert normalise_label(label) == "gb18030"


def test_latin1_header_on_a_utf8_chinese_page() -> None:
    raw = html().encode("utf-8")
    decoded = decode_html(raw, "text/html; charset=ISO-8859-1")
    assert decoded.encoding == "utf-8"
    assert TEXT in decoded.text


def test_bom_wins_over_declarations_and_is_not_kept() -> None:
    raw = codecs.BOM_UTF8 + html('<meta charset="gb2312">').encode("utf-8")
    decoded = decode_html(raw, "text/html; charset=gbk")
    assert decoded.encoding == "utf-8"
    assert decoded.text.startswith("<html>")


def test_utf16_bom() -> None:
    raw = codecs.BOM_UTF16_LE + html().encode("utf-16-le")
    decoded = decode_html(raw)
    assert decoded.encoding == "utf-16-le"
    assert TEXT in decoded.text


@pytest.mark.parametrize("codec,expected", [("utf-8", "utf-8"), ("gbk", "gb18030")])
def test_no_declaration_at_all(codec: str, expected: str) -> None:
    decoded = decode_html(html(text=TEXT * 3).encode(codec))
    assert decoded.encoding == expected
    assert decoded.declared is None
    assert TEXT in decoded.text


def test_override_beats_every_declaration() -> None:
    raw = html('<meta charset="utf-8">', TEXT + GBK_ONLY).encode("gb18030")
    decoded = decode_html(raw, "text/html; charset=utf-8", override="gb2312")
    assert decoded.encoding == "gb18030"
    assert TEXT + GBK_ONLY in decoded.text


def test_truncated_download_keeps_its_declared_codec() -> None:
    raw = html('<meta charset="utf-8">').encode("utf-8")
    raw = raw[: raw.index("通知如下".encode()) + 2]  # cut inside a three-byte character
    decoded = decode_html(raw)
    assert decoded.encoding == "utf-8"
    assert decoded.text.count("\ufffd") == 1


@pytest.mark.parametrize(
    "raw",
    [
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<</Type/Catalog>>",
        b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100),
        bytes(range(256)) * 8,
    ],
)
def test_binary_is_refused_with_a_one_line_message(raw: bytes) -> None:
    with pytest.raises(DecodeError) as info:
        decode_html(raw, "text/html; charset=utf-8")
    assert "\n" not in str(info.value) and str(info.value)


def test_double_encoded_mojibake_is_refused() -> None:
    # UTF-8 bytes read as latin-1 and saved again as UTF-8: "ä¸­æ–‡" everywhere.
    raw = html('<meta charset="utf-8">').encode("utf-8").decode("latin-1").encode("utf-8")
    with pytest.raises(DecodeError, match="mojibake"):
        decode_html(raw)


def test_gbk_bytes_read_as_utf8_would_be_replacement_soup() -> None:
    raw = html('<meta charset="utf-8">', TEXT * 2).encode("gbk")
    assert raw.decode("utf-8", errors="replace").count("\ufffd") > 20
    decoded = decode_html(raw)  # the declaration is wrong; the bytes are clean GBK
    assert decoded.encoding == "gb18030"
    assert "\ufffd" not in decoded.text


def test_hopeless_bytes_are_refused() -> None:
    raw = b"<html><body>" + b"\xff\xfe\x80\x81" * 400 + b"</body></html>"
    with pytest.raises(DecodeError):
        decode_html(raw, "text/html; charset=utf-8")


def test_empty_and_ascii_pages() -> None:
    assert decode_html(b"").text == ""
    decoded = decode_html(b"<html><body>OK</body></html>", "text/html")
    assert decoded.text == "<html><body>OK</body></html>"
    assert decoded.encoding == "utf-8"


# --------------------------------------------------------------------------- mojibake bounds
# mojibake_reason counts characters through byte counts that bound the regex counts; these
# pin that the bounds never change an answer, at the thresholds where they could.


def _reason_by_counting_every_character(text: str, codec: str | None) -> str | None:
    """The checks as first written: a regex count of every character class."""
    import re

    cjk_re = re.compile("[\u3400-\u9fff\uf900-\ufaff]")
    latin_re = re.compile("[\u0080-\u00ff\u0152-\u0192\u02c6\u02dc\u2013-\u203a\u20ac\u2122]{2,}")
    replacements = text.count("\ufffd")
    if replacements >= 10 and replacements / len(text) > 0.005:
        return "replacements"
    cjk = len(cjk_re.findall(text))
    latin = sum(len(run) for run in latin_re.findall(text))
    if latin >= 16 and latin > cjk / 2:
        return "latin"
    if len(re.findall("锟斤拷|烫烫烫|屯屯屯", text)) >= 3:
        return "roundtrip"
    if codec == "gb18030" and cjk >= 30:
        han = cjk_re.findall(text)
        rare = 0
        for ch in han:
            try:
                ch.encode("gb2312")
            except UnicodeEncodeError:
                rare += 1
        if rare / len(han) > 0.25:
            return "rare"
    return None


@pytest.mark.parametrize(
    "text",
    [
        "Ã¤" * 8 + "中" * 31,  # 16 latin against 31 CJK: just over half
        "Ã¤" * 8 + "中" * 32,  # ... and exactly half
        "Ã¤" * 7 + "Ã" + "中" * 2,  # 15 latin in runs: under the floor
        "“”" * 20 + TEXT,  # CJK quotation marks are in the latin-1 class, on real text
        "…—" * 40 + "中文",
        "\u3400\u4dbf\uf900\ufaff" * 10 + "Ã¤" * 40,  # CJK outside U+4000-9FFF
        "锟斤拷" * 2 + "烫烫烫烫",  # two and a bit: not three
        "锟斤拷烫烫烫屯屯屯",
        GBK_ONLY * 3 + TEXT[:20],
        "镕" * 8 + "中" * 24,  # exactly a quarter outside GB2312
        "镕" * 9 + "中" * 24,
        "镕" * 40 + "?" * 50,  # question marks are not unencodable characters
        "\U00020000" * 40 + "中" * 30,  # astral Han is outside the class
        "\u3400" * 31,  # Han outside GB2312 that the UTF-8 lead bytes do not count
        "\u3400" * 20 + "中" * 10,
    ],
)
@pytest.mark.parametrize("codec", [None, "utf-8", "gb18030"])
def test_mojibake_bounds_agree_with_counting(text: str, codec: str | None) -> None:
    from scraper.decode import mojibake_reason

    want = _reason_by_counting_every_character(text, codec)
    got = mojibake_reason(text, codec)
    if want is None:
        assert got is None
    else:
        assert got is not None and _REASON_WORDS[want] in got
    assert mojibake_reason(text, codec, text.encode()) == got  # given the UTF-8 bytes


_REASON_WORDS = {
    "replacements": "replacement characters",
    "latin": "latin-1 mojibake",
    "roundtrip": "round-trip",
    "rare": "outside GB2312",
}
