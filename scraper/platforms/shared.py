"""What every platform shares: what an attachment link looks like (with each family's download
scripts), and the markers of WAF, error and soft-404 pages. Discovery, extraction, fetching
and the crawler all ask here, so each question has one answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

# -- attachments ---------------------------------------------------------------------------

ATTACHMENT_EXTENSIONS = frozenset(
    [
        "pdf",
        "doc",
        "docx",
        "xls",
        "xlsx",
        "wps",
        "ofd",
        "zip",
        "rar",
        "7z",
        "txt",
        "et",
        "ppt",
        "pptx",
        "dps",
        "csv",
        "ceb",
    ]
)
_ATTACH_EXT = "|".join(sorted(ATTACHMENT_EXTENSIONS, key=lambda e: (-len(e), e)))
_ATTACH_HREF_RE = re.compile(rf"\.(?:{_ATTACH_EXT})$", re.I)
_ATTACH_TEXT_RE = re.compile(rf"\.(?:{_ATTACH_EXT})\s*[)）】\]]?\s*$", re.I)
# Download scripts and TRS file names (P020231023xxxxxx) that name no extension.
DOWNLOAD_SCRIPT_RE = re.compile(
    r"downfile|download|filedown|getfile|attachfile|virtual_attach|/P0\d{10}"
)


def _extension_in(path: str, extra: Iterable[str]) -> bool:
    dot = path.rfind(".")
    if dot < 0:
        return False
    # An extension has no dot, so only the last dot can start one. re.I folds a few non-ASCII
    # letters onto ASCII ones (ſ, K), and $ matches before a final newline: only such tails
    # need the regex.
    tail = path[dot + 1 :]
    if tail.isascii() and "\n" not in tail:
        tail = tail.lower()
        return tail in ATTACHMENT_EXTENSIONS or tail in extra
    return bool(_ATTACH_HREF_RE.search(path))


def href_is_attachment(href: str, extra_extensions: Iterable[str] = ()) -> bool:
    """A link to a file (by its extension) or to a download script."""
    path = href.partition("#")[0].partition("?")[0]
    if _extension_in(path, extra_extensions):
        return True
    # Every DOWNLOAD_SCRIPT_RE word has one of these: a cheap test before the regex.
    return ("down" in href or "file" in href or "attach" in href or "/P0" in href) and bool(
        DOWNLOAD_SCRIPT_RE.search(href)
    )


def url_is_attachment(url: str, extra_extensions: Iterable[str] = ()) -> bool:
    """A canonical URL whose path names a file extension (download scripts are known only
    from the links that point at them, so they are not guessed from a bare URL)."""
    return _extension_in(urlsplit(url).path, extra_extensions)


def text_is_attachment(text: str) -> bool:
    """Link text naming a file: "附件1.pdf", "报告.docx）"."""
    return "." in text and bool(_ATTACH_TEXT_RE.search(text))


# -- WAF, error and soft-404 pages ---------------------------------------------------------

# A page holding one of these is a WAF or challenge page, never content (with a status that
# says so, or small: fetch.WAF_PAGE_MAX_BYTES).
WAF_MARKERS = ("网防G01", "WAF拦截", "您的访问被拦截", "访问被拒绝", "请开启JavaScript并刷新该页")
# A 200 page holding one of these, and little else, is a "soft 404".
SOFT_404_MARKERS = ("页面不存在", "您访问的页面不存在", "该页面已删除", "信息已撤销")
# What extraction takes for an error or block page under a document's address: the markers
# above and the wording of generic error pages.
ERROR_PAGE_RE = re.compile(
    "|".join(
        re.escape(m)
        for m in dict.fromkeys(
            (
                *WAF_MARKERS,
                *SOFT_404_MARKERS,
                "页面已删除",
                "已被删除",
                "访问已被拦截",
                "安全防护平台",
                "请求疑似",
                "404 Not Found",
                "403 Forbidden",
            )
        )
    )
    + r"|找不到(?:该|您要访问的)?页面"
)
