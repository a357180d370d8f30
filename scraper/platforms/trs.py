"""TRS WCM (拓尔思), the platform of most disclosure sites: its pager calls and stem numbering.
Discovery and extraction both read pagers here, so the question has one answer.

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
from dataclasses import dataclass

from scraper.platforms import Platform

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


def _platform() -> Platform:
    return Platform(
        name="trs",
        title="TRS WCM (拓尔思)",
        markers=("TRS_Editor", "TRS_UEDITOR", "trs_editor", "createPageHTML", "trs_paper"),
        address=r"/t\d{8}_\d+(?:_\d+)?\.s?html?$|/index_\d+\.s?html?$",
        document_url=r"/t\d{8}_\d+(?:_\d+)?\.s?html?$",
        body=("div.TRS_UEDITOR", "div.TRS_Editor", "div.trs_editor_view"),
    )


PLATFORM = _platform()
