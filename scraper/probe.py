"""``scraper probe``: what a profile author needs to know about a new site, from three polite
requests (robots.txt obeyed, the profile's delay kept): the start page, one list page and
one document. It names the platform, the columns and pager kinds it found, the fields of
the sampled document, and writes a starter profile that passes the same validation as every
profile. No click, no archive.
"""

from __future__ import annotations

import asyncio
import re
import tomllib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from scraper import config, netguard, platforms
from scraper.config import Profile, profile_name
from scraper.decode import decode_html
from scraper.discover import Links
from scraper.errors import DecodeError, FetchError, ProbeFailed
from scraper.fetch import Fetcher
from scraper.platforms import Listing
from scraper.reading import PageRead, ReadRules, read_page
from scraper.urls import Scope, canonical_url, default_scope_prefix

MAX_LIST_TRIES = 4  # column links tried before giving up on finding a list
# The sample's fields, named as `scraper extract --json` names them.
SAMPLE_FIELDS = (
    "kind",
    "title",
    "date",
    "source",
    "index_no",
    "doc_no",
    "breadcrumb",
    "attachments",
)


@dataclass
class Probe:
    url: str
    platform: str = "unknown"
    columns: list[str] = field(default_factory=list)
    pagers: list[str] = field(default_factory=list)
    list_url: str | None = None
    document_url: str | None = None
    sample: dict[str, Any] = field(default_factory=dict)
    profile: str = ""
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "platform": self.platform,
            "columns": self.columns,
            "pagers": self.pagers,
            "list_url": self.list_url,
            "document_url": self.document_url,
            "sample": self.sample,
            "profile": self.profile,
            "notes": self.notes,
        }


def _rules(profile: Profile, scope: Scope) -> ReadRules:
    return ReadRules(
        extract=profile.extract,
        scope=scope,
        attachment_extensions=tuple(profile.discover.attachment_extensions),
        ignore_patterns=tuple(profile.discover.ignore_patterns),
        document_url=profile.extract.document_url,
        soft_404_markers=tuple(profile.fetch.soft_404_markers),
    )


def _pager_kinds(
    links: Links, fields: dict[str, Any], listing: platforms.Listing | None
) -> list[str]:
    kinds = []
    if listing is not None and listing.kind:
        kinds.append(listing.kind)
    if fields.get("pager") and not fields["pager"].get("article"):
        kinds.append("createPageHTML" if fields["pager"].get("stem") else "countPage script")
    if links.pager and not kinds:
        kinds.append("page links (下一页/尾页)")
    return kinds


def _starter_profile(
    probe: Probe, section: list[str], platform: platforms.Platform | None, title: str | None
) -> str:
    start = probe.url
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(start))
    scope = list(section)
    for column in probe.columns:
        folder = default_scope_prefix(column)
        if not any(column.startswith(s) for s in scope):
            scope.append(folder)
    if platform is not None:
        scope += [origin + folder for folder in platform.folders if origin + folder not in scope]
    lines = [
        "# Written by `scraper probe`: a starting point. Check the scope and the sample fields.",
        f'name = "{profile_name(start)}"',
        f'title = "{_toml_text(title or urlsplit(start).netloc)}"',
        f'start_urls = ["{_toml_text(start)}"]',
        "scope = [",
        *(f'    "{_toml_text(s)}",' for s in scope),
        "]",
    ]
    if platform is not None:
        lines.insert(1, f"# Platform: {platform.title}.")
    return "\n".join(lines) + "\n"


def _columns(page: PageRead, section: list[str], documents: list[str]) -> list[str]:
    """The start page's links to the section's other pages; where it links to none, to the
    start folder's sibling folders (Hanweb's /col/col1229102/ beside /col/col1229101/)."""
    others = [u for u in page.links.pages if u not in documents and u not in page.links.pager]
    inside = [u for u in others if u.startswith(tuple(section))]
    if inside:
        return inside[:50]
    folder = default_scope_prefix(page.url)
    parent = folder[: folder.rstrip("/").rfind("/") + 1]
    if parent.count("/") < 4:
        return []  # the start folder is the site's root folder: its siblings are the site
    return [u for u in others if u.startswith(parent) and default_scope_prefix(u) != parent][:50]


def _toml_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def check_profile(text: str) -> None:
    """The starter profile through the same validation as any profile file."""
    where = "probe's starter profile"
    values = config.check_table(tomllib.loads(text), where)
    merged = {s.key: s.default for s in config.SETTINGS}
    merged.update(config.platform_layer())
    merged.update(values)
    config.build(merged, where)


class _Session:
    """The probe's requests, through the crawler's fetcher and reader; every page read is
    kept for recognising the platform."""

    def __init__(self, fetcher: Fetcher, rules: ReadRules) -> None:
        self.fetcher, self.rules = fetcher, rules
        self.seen: list[tuple[str, str]] = []
        self.problem = ""

    async def read(self, url: str) -> tuple[PageRead, Listing | None] | None:
        try:
            result = await self.fetcher.fetch(url)
            page = read_page(result.content, result.content_type, result.url, self.rules)
        except (FetchError, DecodeError) as exc:
            self.problem = str(exc)
            return None
        text = decode_html(result.content, result.content_type).text
        self.seen.append((text, result.url))
        return page, platforms.listing(text, result.url)[1]

    def documents(self, page: PageRead) -> list[str]:
        return [u for u in page.links.pages if re.search(self.rules.document_url, urlsplit(u).path)]


async def _find_list(
    session: _Session, first: tuple[PageRead, Listing | None], columns: list[str]
) -> tuple[PageRead, Listing | None] | None:
    """The start page when it is a list, else the first column link that is one."""
    page, listing = first
    if page.fields.kind == "list" or listing is not None:
        return first
    for column in columns[:MAX_LIST_TRIES]:
        read = await session.read(column)
        if read is not None and (read[0].fields.kind == "list" or read[1] is not None):
            return read
    return None


async def run_probe(url: str, flags: dict[str, Any]) -> Probe:
    start = canonical_url(url)
    profile = config.resolve(start_urls=(start,), flags=flags)
    netguard.check_start_hosts([start], allow_private=profile.fetch.allow_private)
    # The probe may look anywhere on the host; the starter profile says what to crawl.
    host_scope = Scope(["{0.scheme}://{0.netloc}/".format(urlsplit(start))])
    probe = Probe(url=start)
    async with Fetcher(profile.fetch, host_scope) as fetcher:
        session = _Session(fetcher, _rules(profile, host_scope))
        first = await session.read(start)
        if first is None:
            robots = fetcher.robots_problem(start)
            raise ProbeFailed(f"cannot probe {start}: {robots[1] if robots else session.problem}")
        page = first[0]
        title = page.fields.title
        documents = session.documents(page)
        section = platforms.section_prefixes(start, platforms.recognise_pages(session.seen))
        probe.columns = _columns(page, section, documents)
        found = await _find_list(session, first, probe.columns)
        if found is None:
            probe.notes.append("no list page found among the start page's first column links")
        else:
            list_page, listing = found
            probe.list_url = list_page.url
            probe.pagers = _pager_kinds(list_page.links, list_page.fields.as_dict(), listing)
            documents = session.documents(list_page) or documents
            if not documents and listing is not None and listing.pager:
                # A list served as data, reached through its first page (gkmlpt's index
                # names its API): the documents are in the API's answer.
                answer = await session.read(listing.pager[0])
                documents = session.documents(answer[0]) if answer else []
        sample = await session.read(documents[0]) if documents else None
        if sample is None:
            probe.notes.append("no document could be read from the list")
        else:
            fields = sample[0].fields.as_dict()
            probe.document_url = sample[0].url
            probe.sample = {key: fields[key] for key in SAMPLE_FIELDS}
            probe.sample["body_start"] = fields["body_text"][:120]
    platform = platforms.recognise_pages(session.seen)
    probe.platform = platform.name if platform else "unknown"
    probe.profile = _starter_profile(
        probe, platforms.section_prefixes(start, platform), platform, title
    )
    check_profile(probe.profile)
    return probe


def probe(url: str, flags: dict[str, Any]) -> Probe:
    return asyncio.run(run_probe(url, flags))
