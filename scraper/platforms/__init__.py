"""The CMS families of disclosure sites, each one's knowledge in one module.

A family is recognised from the page itself (its markers and its addresses), so a site on a
known platform needs no profile. Each module declares one :class:`Platform`: how to
recognise it, where its articles live, which container holds the body, and, where its lists
are not plain links, a ``listing`` that reads them::

    trs       TRS WCM: createPageHTML pagers, t20240611_4564569.html articles
    hanweb    大汉 jcms: /col/colN/ columns, records embedded as XML and dataproxy.jsp pages
    vsb       博达 VSB: /info/<col>/<id>.htm articles, /<col>/N.htm pages numbered in reverse
    ucap      开普 Ucap: the #UCAP-CONTENT body, index_N pagers
    gkmlpt    Guangdong's 政府信息公开 platform: a JSON list API under /gkmlpt/api/

``shared`` holds what every family shares (the attachment rule, WAF and error markers).
Nothing here fetches or stores: discovery, extraction and ``probe`` ask.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Item:
    """One entry of a list the platform serves as data: its link, title and date."""

    url: str
    title: str
    date: str | None = None


@dataclass
class Listing:
    """A list read from data rather than from the page's links: a JSON or XML list API, or
    records embedded in a script. ``pager``: every further page of the list, in order;
    ``next``: the page after this one (what an incremental run follows); ``kind``: the
    pager's name, as ``probe`` reports it."""

    items: list[Item] = field(default_factory=list)
    pager: list[str] = field(default_factory=list)
    next: str | None = None
    kind: str = ""


SIGNATURE_WEIGHT = 3


@dataclass(frozen=True)
class Platform:
    name: str
    title: str
    markers: tuple[str, ...]  # substrings of a page's HTML that only this family writes
    address: str  # regex of URL shapes (path and query) only this family writes, or ""
    document_url: str  # regex of an article's path
    body: tuple[str, ...]  # the family's body containers, most specific first
    # Folders (path prefixes) where the family keeps a section's articles, list APIs and
    # downloads outside the section's own folder: a scope derived from a start URL, and
    # the profile ``probe`` writes, admit them on the same host.
    folders: tuple[str, ...] = ()
    listing: Callable[[str, str], Listing | None] | None = None
    # The section a start URL names, as path prefixes, where it is not the URL's folder
    # (VSB's /xxgk.htm is the section /xxgk.htm + /xxgk/).
    section: Callable[[str], list[str]] | None = None
    data_lists: str = ""  # regex of the paths of JSON list APIs, read as list pages
    # Markup only the family's page templates write (a body container's id), worth three
    # markers: editor markup such as TRS's ``TRS_UEDITOR`` travels with content pasted into
    # other systems' pages (www.gov.cn's Ucap pages carry it), a template does not.
    signatures: tuple[str, ...] = ()

    def score(self, text: str, url: str) -> int:
        head = text[:200_000]
        hits = sum(1 for marker in self.markers if marker in head)
        hits += sum(SIGNATURE_WEIGHT for signature in self.signatures if signature in head)
        path = urlsplit(url).path + ("?" + urlsplit(url).query if "?" in url else "")
        return hits + (2 if url and self.address and re.search(self.address, path) else 0)


def _platforms() -> tuple[Platform, ...]:
    from scraper.platforms import gkmlpt, hanweb, trs, ucap, vsb

    # The order breaks ties: the more specific platforms first.
    return (gkmlpt.PLATFORM, hanweb.PLATFORM, vsb.PLATFORM, ucap.PLATFORM, trs.PLATFORM)


@lru_cache(maxsize=1)
def all_platforms() -> tuple[Platform, ...]:
    return _platforms()


NAMES = ("trs", "hanweb", "vsb", "ucap", "gkmlpt")


def by_name(name: str) -> Platform | None:
    return next((p for p in all_platforms() if p.name == name), None)


def recognise(text: str, url: str = "") -> Platform | None:
    """The family a page shows, or None: the most markers and address hits, ties to the
    more specific family."""
    return recognise_pages([(text, url)])


def recognise_pages(pages: list[tuple[str, str]]) -> Platform | None:
    """The family several pages of one site show together (``probe``'s start page, list
    and document): a column index alone often carries no family marker."""
    best: Platform | None = None
    best_score = 0
    for platform in all_platforms():
        score = sum(platform.score(text, url) for text, url in pages)
        if score > best_score:
            best, best_score = platform, score
    return best


def listing(text: str, url: str) -> tuple[Platform | None, Listing | None]:
    """The page's platform and, where that platform serves lists as data, the list."""
    platform = recognise(text, url)
    if platform is None or platform.listing is None:
        return platform, None
    return platform, platform.listing(text, url)


@lru_cache(maxsize=1)
def document_url_pattern() -> str:
    """Every family's article addresses, as one regex (the default ``document_url``)."""
    return "|".join(f"(?:{p.document_url})" for p in all_platforms())


@lru_cache(maxsize=1)
def outside_folders() -> tuple[str, ...]:
    return tuple(dict.fromkeys(f for platform in all_platforms() for f in platform.folders))


@lru_cache(maxsize=1)
def body_selectors() -> tuple[str, ...]:
    return tuple(dict.fromkeys(s for platform in all_platforms() for s in platform.body))


def is_data_list(url: str) -> bool:
    """A JSON list API address of a known family: read as a list page, not skipped as data."""
    path = urlsplit(url).path
    return any(p.data_lists and re.search(p.data_lists, path) for p in all_platforms())


def section_prefixes(start_url: str, platform: Platform | None) -> list[str]:
    """The URL prefixes of the section a start URL names: the platform's rule, else the
    URL's folder."""
    from scraper.urls import default_scope_prefix

    if platform is not None and platform.section is not None:
        found = platform.section(start_url)
        if found:
            return found
    return [default_scope_prefix(start_url)]
