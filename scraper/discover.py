"""Links out of a decoded page: pages to visit, list pagers, document parts, attachments.

TRS list pagers are script calls whose links exist only after JavaScript runs, so the call
itself is read::

    createPageHTML(3, 0, "index", "html");                 total, current from 0, stem, ext
    createPageHTML('page_div', 2, 1, 'list', 'html');      an element id first, numbering from 1
    createPageHTML('page_div', 5, 1, 'fg', 'shtml', 89);   other stems and extensions
    createPageHTML(3, 0, "t20151009_67430", "html");       a detail page in three parts

Page k of a stem lives at ``stem.ext`` (k = 0) and ``stem_k.ext``. A ``var countPage = N``
pager works the same way on the page's own stem. Link pagers (下一页/尾页/共N页) are ordinary
links; they are also reported as ``pager`` so that incremental runs can page through lists.
"""

from __future__ import annotations

import contextlib
import logging
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from scraper.urls import Scope, canonical_url

logger = logging.getLogger(__name__)

_PAGER_CALL = re.compile(r"createPageHTML\s*\(([^)]*)\)", re.I)
_COUNT_PAGE = re.compile(r"\bvar\s+countPage\s*=\s*['\"]?(\d+)", re.I)
_ARG = re.compile(r"""\s*(?:"([^"]*)"|'([^']*)'|([^,]+?))\s*(?:,|$)""")
_EXTENSIONS = {"html", "htm", "shtml", "jsp", "php", "asp", "aspx"}
_PAGER_WORDS = ("下一页", "下页", "尾页", "末页", "上一页", "上页", "首页", "后页", "前页")
_TOTAL_PAGES = re.compile(r"共\s*(\d+)\s*页")
_OWN_STEM = re.compile(r"^(?P<stem>[^/]*?)(?:_(?P<n>\d+))?\.(?P<ext>s?html?)$")
MAX_PAGER_PAGES = 2000  # guards against a corrupt total


@dataclass
class Links:
    pages: list[str] = field(default_factory=list)  # in-scope HTML pages linked from this page
    pager: list[str] = field(default_factory=list)  # further pages of this list
    parts: list[str] = field(default_factory=list)  # further parts of this document
    # A column folder ("…/tzgg/") whose script pager names its stem is that stem's first
    # page ("…/tzgg/list.html"): the same page at a second address.
    same_as: str | None = None


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


def pager_calls(html: str) -> list[tuple[int, str, str]]:
    """(total pages, stem, extension) of every createPageHTML call in the page."""
    calls = []
    for match in _PAGER_CALL.finditer(html):
        args = _args(match.group(1))
        ext_at = next(
            (
                i
                for i, a in enumerate(args)
                if isinstance(a, str) and a.lower().lstrip(".") in _EXTENSIONS
            ),
            None,
        )
        if ext_at is None or ext_at == 0 or not isinstance(args[ext_at - 1], str):
            continue
        numbers = [a for a in args[: ext_at - 1] if isinstance(a, int)]
        if not numbers:
            continue
        stem = str(args[ext_at - 1])
        if not stem or stem.startswith(("function", "(")):
            continue  # the pager's own definition, not a call
        calls.append((numbers[0], stem, str(args[ext_at]).lstrip(".")))
    return calls


def _stem_pages(base_url: str, total: int, stem: str, ext: str) -> list[str]:
    # Every pager total comes from the page itself, so a corrupt one must not explode the list.
    total = min(total, MAX_PAGER_PAGES)
    return [canonical_url(f"{stem}_{k}.{ext}", base=base_url) for k in range(1, total)]


def is_attachment(url: str, extensions: list[str]) -> bool:
    path = urlsplit(url).path.lower()
    return any(path.endswith("." + ext) for ext in extensions)


def discover(
    html: str,
    url: str,
    scope: Scope,
    *,
    attachment_extensions: list[str],
    ignore_patterns: list[str],
    document_pattern: re.Pattern[str],
    tree: HTMLParser | None = None,
) -> Links:
    """Classify the links of one page. ``url`` is the page's canonical URL."""
    links = Links()
    tree = tree if tree is not None else HTMLParser(html)
    base = url
    base_node = tree.css_first("base[href]")
    if base_node is not None and base_node.attributes.get("href"):
        # Like a browser, an unusable <base> leaves links relative to the page.
        with contextlib.suppress(ValueError):
            base = canonical_url(base_node.attributes["href"] or "", base=url)

    own = _OWN_STEM.match(urlsplit(url).path.rsplit("/", 1)[-1])
    address = urlsplit(url)
    folder = address.path.endswith("/") and not address.query
    for total, stem, ext in pager_calls(html):
        targets = _stem_pages(base, total, stem, ext)
        if document_pattern.search("/" + stem + "." + ext):
            links.parts.extend(targets)
        else:
            links.pager.extend(targets)
            if folder and links.same_as is None:
                with contextlib.suppress(ValueError):
                    first = canonical_url(f"{stem}.{ext}", base=base)
                    where = urlsplit(first)
                    # Only the folder's own first page: a <base> elsewhere proves nothing.
                    if (
                        first in scope
                        and where.netloc == address.netloc
                        and where.path.rsplit("/", 1)[0] + "/" == address.path
                    ):
                        links.same_as = first
    count = _COUNT_PAGE.search(html)
    if count and own and not links.pager:
        links.pager.extend(_stem_pages(url, int(count.group(1)), own["stem"], own["ext"]))

    seen: set[str] = set()
    total_pages: int | None = None
    for node in tree.css("a[href], area[href]"):
        href = (node.attributes.get("href") or "").strip()
        if (
            not href
            or any(p in href.lower() for p in ignore_patterns if p != "#")
            or href.startswith("#")
        ):
            continue
        try:
            target = canonical_url(href, base=base)
        except ValueError:
            continue
        if target == url or target in seen:
            continue
        seen.add(target)
        # Attachments are recorded by extraction with their document, never fetched as pages.
        if is_attachment(target, attachment_extensions) or target not in scope:
            continue
        text = (node.text(deep=True) or "").strip()
        if any(word in text for word in _PAGER_WORDS) or text.isdigit() and len(text) < 4:
            links.pager.append(target)
        links.pages.append(target)
    if own and not links.pager:
        match = _TOTAL_PAGES.search(tree.body.text() if tree.body else "")
        total_pages = int(match.group(1)) if match else None
        if total_pages and total_pages > 1:
            links.pager.extend(_stem_pages(url, total_pages, own["stem"], own["ext"]))
    links.pager = [u for u in dict.fromkeys(links.pager) if u in scope and u != url]
    links.parts = [u for u in dict.fromkeys(links.parts) if u in scope and u != url]
    return links
