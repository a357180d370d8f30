"""The platform vocabulary in one place: TRS pager calls and stem numbering, what an attachment
link looks like, and the markers of WAF, error and soft-404 pages. Discovery, extraction,
fetching and the crawler all ask here, so each question has one answer.

TRS list pagers are script calls whose links exist only after JavaScript runs, so the call
itself is read::

    createPageHTML(3, 0, "index", "html");                 total, current from 0, stem, ext
    createPageHTML('page_div', 2, 1, 'list', 'html');      an element id first, numbering from 1
    createPageHTML('page_div', 5, 1, 'fg', 'shtml', 89);   other stems and extensions, records
    createPageHTML(3, 0, "t20151009_67430", "html");       a detail page in three parts
    var countPage = 4; var currentPage = 0;                the page's own stem, 4 pages

Page k of a stem lives at ``stem.ext`` (k = 0) and ``stem_k.ext``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

# -- pagers --------------------------------------------------------------------------------

_PAGER_CALL = re.compile(r"createPageHTML\s*\(([^()]*)\)", re.I)
_COUNT_PAGE = re.compile(r"\bcountPage\s*=\s*['\"]?(\d+)", re.I)
_CURRENT_PAGE = re.compile(r"\bcurrentPage\s*=\s*['\"]?(\d+)", re.I)
_ARG = re.compile(r"""\s*(?:"([^"]*)"|'([^']*)'|([^,]+?))\s*(?:,|$)""")
PAGE_EXTENSIONS = frozenset({"html", "htm", "shtml", "jsp", "php", "asp", "aspx"})
ARTICLE_STEM = re.compile(r"^t\d{8}_\d+$")  # a detail page's own stem: t20151009_67430
MAX_PAGER_PAGES = 2000  # every total comes from the page itself; a corrupt one must not explode


@dataclass(frozen=True)
class PagerCall:
    """One ``createPageHTML`` call (or ``countPage`` variable: no stem, the page's own)."""

    total: int
    current: int | None  # None when the call gives only a total
    stem: str | None
    ext: str | None
    records: int | None = None

    @property
    def article(self) -> bool:
        """The pager of a multi-part detail page, not of a list."""
        return bool(self.stem and ARTICLE_STEM.match(self.stem))


def _args(call: str) -> list[str | int]:
    out: list[str | int] = []
    for match in _ARG.finditer(call):
        if match.end() == match.start():
            break
        quoted = match.group(1) if match.group(1) is not None else match.group(2)
        if quoted is not None:
            out.append(quoted)
        else:
            bare = (match.group(3) or "").strip()
            out.append(int(bare) if bare.isdigit() else bare)
    return out


def pager_calls(text: str) -> list[PagerCall]:
    """Every pager of a page's HTML or scripts, in order: the ``createPageHTML`` calls, then a
    ``var countPage`` pager when there is no call."""
    calls = []
    for match in _PAGER_CALL.finditer(text):
        if text[max(0, match.start() - 12) : match.start()].rstrip().endswith("function"):
            continue  # the pager's own definition, not a call
        args = _args(match.group(1))
        ext_at = next(
            (
                i
                for i, a in enumerate(args)
                if isinstance(a, str) and a.lower().lstrip(".") in PAGE_EXTENSIONS
            ),
            None,
        )
        if ext_at is None or ext_at == 0 or not isinstance(args[ext_at - 1], str):
            continue
        numbers = [a for a in args[: ext_at - 1] if isinstance(a, int)]
        stem = str(args[ext_at - 1])
        if not numbers or not stem or stem.startswith(("function", "(")):
            continue
        after = [a for a in args[ext_at + 1 :] if isinstance(a, int)]
        calls.append(
            PagerCall(
                total=numbers[0],
                current=numbers[1] if len(numbers) > 1 else None,
                stem=stem,
                ext=str(args[ext_at]).lstrip("."),
                records=after[0] if after else None,
            )
        )
    if not calls and (count := _COUNT_PAGE.search(text)):
        current = _CURRENT_PAGE.search(text)
        calls.append(
            PagerCall(int(count.group(1)), int(current.group(1)) if current else 0, None, None)
        )
    return calls


def stem_page_names(total: int, stem: str, ext: str) -> list[str]:
    """The relative addresses of pages 2…total of a stem (page 1 is ``stem.ext``)."""
    return [f"{stem}_{k}.{ext}" for k in range(1, min(total, MAX_PAGER_PAGES))]


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
