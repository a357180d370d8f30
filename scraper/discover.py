"""Links out of a decoded page: pages to visit, list pagers, document parts, attachments.

Pagers are read with the platform vocabulary (:mod:`scraper.platforms.trs`): a script pager's pages
are its stem's numbered pages; link pagers (下一页/尾页/共N页) are ordinary links, also
reported as ``pager`` so that incremental runs can page through lists.
"""

from __future__ import annotations

import contextlib
import logging
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from scraper.platforms import Listing, shared, trs
from scraper.urls import Scope, canonical_link, canonical_url

logger = logging.getLogger(__name__)

_PAGER_WORDS = ("下一页", "下页", "尾页", "末页", "上一页", "上页", "首页", "后页", "前页")
_TOTAL_PAGES = re.compile(r"共\s*(\d+)\s*页")
_OWN_STEM = re.compile(r"^(?P<stem>[^/]*?)(?:_(?P<n>\d+))?\.(?P<ext>s?html?)$")


@dataclass
class Links:
    pages: list[str] = field(default_factory=list)  # in-scope HTML pages linked from this page
    pager: list[str] = field(default_factory=list)  # further pages of this list
    parts: list[str] = field(default_factory=list)  # further parts of this document
    # A column folder ("…/tzgg/") whose script pager names its stem is that stem's first
    # page ("…/tzgg/list.html"): the same page at a second address.
    same_as: str | None = None
    # The page after this one, where the platform's pager says (an incremental run follows
    # it while the list shows new documents); None: work it out from the pager's numbering.
    next: str | None = None


def _stem_pages(base_url: str, total: int, stem: str, ext: str) -> list[str]:
    return [canonical_url(name, base=base_url) for name in trs.stem_page_names(total, stem, ext)]


def discover(
    html: str,
    url: str,
    scope: Scope,
    *,
    attachment_extensions: list[str],
    ignore_patterns: list[str],
    document_pattern: re.Pattern[str],
    tree: HTMLParser | None = None,
    listing: Listing | None = None,
) -> Links:
    """Classify the links of one page. ``url`` is the page's canonical URL; ``listing``, a
    list its platform serves as data (:mod:`scraper.platforms`), whose items and pages join
    the page's own links."""
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
    calls = trs.pager_calls(html)
    for call in calls:
        if call.stem is None or call.ext is None:
            continue
        total, stem, ext = call.total, call.stem, call.ext
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
    own_pager = next((c for c in calls if c.stem is None), None)
    if own_pager and own and not links.pager:
        links.pager.extend(_stem_pages(url, own_pager.total, own["stem"], own["ext"]))

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
            target = canonical_link(href, base)
        except ValueError:
            continue
        if target == url or target in seen:
            continue
        seen.add(target)
        # Attachments are recorded by extraction with their document, never fetched as pages.
        if shared.url_is_attachment(target, attachment_extensions) or target not in scope:
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
    if listing is not None:
        _add_listing(links, listing, url, seen, scope, attachment_extensions)
    links.pager = [u for u in dict.fromkeys(links.pager) if u in scope and u != url]
    links.parts = [u for u in dict.fromkeys(links.parts) if u in scope and u != url]
    return links


def _add_listing(
    links: Links,
    listing: Listing,
    url: str,
    seen: set[str],
    scope: Scope,
    attachment_extensions: list[str],
) -> None:
    for item in listing.items:
        with contextlib.suppress(ValueError):
            target = canonical_url(item.url, base=url)
            if (
                target != url
                and target not in seen
                and target in scope
                and not shared.url_is_attachment(target, attachment_extensions)
            ):
                seen.add(target)
                links.pages.append(target)
    pager = []
    for page in listing.pager:
        with contextlib.suppress(ValueError):
            pager.append(canonical_url(page, base=url))
    links.pager.extend(pager)
    if listing.next:
        with contextlib.suppress(ValueError):
            links.next = canonical_url(listing.next, base=url)
