"""Pure extraction: decoded HTML and its URL in, fields out.

Pages are read the way these CMS templates are built, not by per-site rules:

* the body is the CMS editor container or else the block holding the most paragraph text
  (``extract.body``, which also renders it and finds its attachments);
* catalogue fields (索引号, 文号, 发布日期, 来源 …), the title and the breadcrumb are read
  from the text *outside* the body (``extract.meta``);
* both work on one index of the parsed page (``extract.page``); this module decides what
  kind of page it is and puts the fields together.

The same HTML always gives the same fields, and nothing outside the body that changes per
visit (counters, "today" widgets) feeds a field.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraper import platforms
from scraper.config import ExtractRules
from scraper.extract.body import (
    find_attachments,
    find_body,
    find_list_items,
    render,
    strip_furniture,
)
from scraper.extract.meta import (
    DOCNO_LABELS,
    INDEX_LABELS,
    NOISE_LABELS,
    SOURCE_LABELS,
    doc_no_in_body,
    find_breadcrumb,
    find_title,
    is_placeholder,
    metadata_blocks,
    pick_date,
    pick_value,
    read_labels,
    read_tokens,
    title_from_title_tag,
)
from scraper.extract.page import Page, clean, node_text, parse_date, select, usable_href, words
from scraper.platforms import shared, trs

logger = logging.getLogger(__name__)

# Bump whenever the fields a version is hashed on can come out differently for the same bytes
# (1.1.0: the crawler stores attachment URLs in canonical form; 1.2.0: a list page's body is
# its listing; 1.3.0: a title the <title> shows beats menu headings, a trailing file list is
# not body text, attachment blocks after the body, 来源/时间 split on one line, the
# firstpublishedtime tag, a 文号 heading the body; 1.3.1: a 成文日期 value is never the
# publication date, a Ucap body container outweighs TRS editor markup, 浏览字号 ends a
# value); the crawler then re-extracts a page's
# current version before comparing, so an upgrade alone writes no version.
EXTRACTOR_VERSION = "1.3.1"


@dataclass
class Extracted:
    kind: str  # "document" | "list" | "other"
    title: str | None = None
    date: str | None = None  # YYYY-MM-DD
    source: str | None = None
    index_no: str | None = None
    doc_no: str | None = None
    breadcrumb: list[str] = field(default_factory=list)
    body_text: str = ""
    attachments: list[dict[str, str]] = field(default_factory=list)  # {"url": abs, "text": …}
    meta: dict[str, str] = field(default_factory=dict)  # every label read, e.g. {"索引号": …}
    # The pager as read from createPageHTML(…) / countPage: {"total", "current", "stem",
    # "ext", "records", "article"}; "article" marks a multi-part document (stem tYYYYMMDD_id).
    pager: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict:
        """``dataclasses.asdict(self)``, without its generic deep copy (a tenth of the time)."""
        return {
            "kind": self.kind,
            "title": self.title,
            "date": self.date,
            "source": self.source,
            "index_no": self.index_no,
            "doc_no": self.doc_no,
            "breadcrumb": list(self.breadcrumb),
            "body_text": self.body_text,
            "attachments": [dict(a) for a in self.attachments],
            "meta": dict(self.meta),
            "pager": dict(self.pager),
        }


# Soft 404s and WAF challenge pages answer 200 under a document's address.
_LINK_PAGER_RE = re.compile(r"下一页|尾页|末页|共\s*\d+\s*页")
_ROOT_PATH_RE = re.compile(r"^/?(?:(?:index|default|main)\.(?:s?html?|jsp|php|aspx?))?$", re.I)

_META_NAMES = words(
    "SiteName SiteDomain SiteIDCode ColumnName ColumnDescription ColumnKeywords ColumnType "
    "ArticleTitle PubDate ContentSource Keywords Author Description Image Url "
    "firstpublishedtime"  # www.gov.cn's publication stamp
)
_META_CANON = {name.lower(): name for name in _META_NAMES}


# --------------------------------------------------------------------------- entry point


def extract(
    html: str | bytes,
    url: str,
    rules: ExtractRules | None = None,
    *,
    tree: LexborHTMLParser | None = None,
    found: tuple[platforms.Platform | None, platforms.Listing | None] | None = None,
) -> Extracted:
    """Read a decoded page: text, or UTF-8 bytes (``Decoded.markup``). Never raises: a page
    that cannot be read is ``kind="other"``. ``tree``: the page already parsed from ``html``
    (the crawler's one parse); extraction trims it, so read anything else from it first.
    ``found``: ``platforms.listing`` of the page, when the caller has it already."""
    rules = rules or ExtractRules()
    if not isinstance(html, str | bytes) or not html.strip():
        return Extracted(kind="other")
    try:
        return _extract(html, url or "", rules, tree, found)
    except Exception:  # one unreadable page must not take the crawl down with it
        logger.warning("extraction failed for %s", url, exc_info=True)
        return Extracted(kind="other")


def _extract(
    html: str | bytes,
    url: str,
    rules: ExtractRules,
    tree: LexborHTMLParser | None,
    found: tuple[platforms.Platform | None, platforms.Listing | None] | None,
) -> Extracted:
    tree = tree if tree is not None else LexborHTMLParser(html)
    # The page's CMS family (scraper.platforms): its body container after the profile's,
    # and, where it serves a list as data (embedded records, a JSON API), that list.
    if found is None:
        text = html if isinstance(html, str) else html.decode("utf-8", "replace")
        found = platforms.listing(text, url)
    platform, listing = found
    meta = _meta_tags(tree)
    scripts = [node_text(s) for s in tree.css("script")]
    pager = _pager(scripts)
    for selector in rules.drop:
        for node in select(tree, selector):
            node.decompose()

    page = Page(tree)
    crumb_node, breadcrumb = find_breadcrumb(page, rules.breadcrumb, meta)
    body, strong = find_body(page, rules.body, platform.body if platform else ())
    body_at = page.at(body)
    tokens, body_pos = read_tokens(page, body_at)
    labels = read_labels(page, tokens, body_pos)
    if body_at is not None:
        for block in metadata_blocks(page, body_at):
            block_tokens = read_tokens(page, None, start=block)[0]
            for key, hits in read_labels(page, block_tokens, 0).items():
                labels.setdefault(key, hits)
            page.remove(page.nodes[block])

    # Every pager word ends in 页: a cheap test before the regex.
    link_pager = any("页" in t.text and _LINK_PAGER_RE.search(t.text) for t in tokens)
    kind = _decide_kind(page, url, rules, meta, body, strong, pager, link_pager)
    if listing is not None and listing.items:
        kind = "list"
    result = Extracted(kind=kind, breadcrumb=breadcrumb, pager=pager)
    result.meta = {f"meta:{k}": v for k, v in meta.items()}
    if kind != "document":
        column = meta.get("ColumnName") or (breadcrumb[-1] if breadcrumb else None)
        result.title = column or title_from_title_tag(tree, meta)
        if kind == "list":
            # The listing is a list page's content: its versions then record what was listed
            # when, and a document dropped from its column shows as a change.
            items = (
                [{"date": i.date, "title": i.title} for i in listing.items]
                if listing is not None and listing.items
                else find_list_items(tree, url)
            )
            result.body_text = "\n".join(
                f"{item['date'] or '----------'}  {item['title']}" for item in items
            )
        return result

    title_node, result.title = find_title(
        page, rules.title, meta, labels, body, crumb_node, breadcrumb
    )
    for key in labels:
        if key not in NOISE_LABELS:
            result.meta[key] = pick_value(labels, (key,)) or ""
    result.date = pick_date(labels, tokens, body_pos, title_node, page, meta)
    source = pick_value(labels, SOURCE_LABELS, need_word=True)
    result.source = source or meta.get("ContentSource") or None
    index_no = pick_value(labels, INDEX_LABELS)
    doc_no = pick_value(labels, DOCNO_LABELS)
    result.index_no = None if index_no is None or is_placeholder(index_no) else index_no
    result.doc_no = None if doc_no is None or is_placeholder(doc_no) else doc_no
    if body is not None:
        strip_furniture(page, body)
        result.body_text = render(page, body)
        if result.doc_no is None:  # a 文号 printed at the head of the text instead
            result.doc_no = doc_no_in_body(result.body_text, result.title)
    result.attachments = find_attachments(page, body, title_node, url, scripts)
    return result


# --------------------------------------------------------------------------- meta, pager


def _meta_tags(tree: LexborHTMLParser) -> dict[str, str]:
    found: dict[str, str] = {}
    for node in tree.css("meta"):
        canon = _META_CANON.get((node.attributes.get("name") or "").strip().lower())
        # Two PubDate/ArticleTitle tags can disagree; the first non-empty one is kept.
        if canon is not None and not found.get(canon):
            found[canon] = clean(node.attributes.get("content"))
    return found


def _pager(scripts: list[str]) -> dict[str, Any]:
    """The first pager of the page's scripts (see :mod:`scraper.platforms.trs`): total, current,
    stem, ext, records, and whether it pages a detail page (``article``)."""
    for script in scripts:
        if "createPageHTML" not in script and "countPage" not in script:
            continue  # most scripts hold neither
        for call in trs.pager_calls(script):
            if call.current is None:
                continue  # a bare total says nothing of where this page is
            pager: dict[str, Any] = {"total": call.total, "current": call.current}
            if call.stem is not None:
                pager["stem"] = call.stem
                pager["ext"] = call.ext
            if call.records is not None:
                pager["records"] = call.records
            pager["article"] = call.article
            return pager
    return {}


# --------------------------------------------------------------------------- kind


def _decide_kind(
    page: Page,
    url: str,
    rules: ExtractRules,
    meta: dict[str, str],
    body: LexborNode | None,
    strong: bool,
    pager: dict[str, Any],
    link_pager: bool,
) -> str:
    path = urlsplit(url).path if url else ""
    content = page.content(body) if body is not None else 0
    try:
        doc_url = bool(rules.document_url and re.search(rules.document_url, path))
    except re.error:
        logger.warning("bad document_url pattern %r", rules.document_url)
        doc_url = False
    if (
        not strong
        and content < 300
        and shared.ERROR_PAGE_RE.search(node_text(page.nodes[0])[:3000])
    ):
        return "other"  # an error or block page is never a version of the document
    if doc_url and body is not None:
        return "document"
    # ArticleTitle is only required on article pages (2017 政府网站发展指引).
    if pager.get("article") or meta.get("ArticleTitle") or (strong and content >= 50):
        return "document"
    if pager:
        return "list"
    # Weaker list signals: a 下一页/共N页 pager, or dated item links. A short article with a
    # dated "latest news" sidebar is still an article, so they must be in or beside the body.
    rows = _dated_rows(page)
    listy = link_pager or (len(rows) >= 5 and not _ROOT_PATH_RE.match(path))
    inside = sum(1 for row in rows if page.contains(body, row))
    if listy and (inside >= 5 or content < 200):
        return "list"
    if content >= 200:
        return "document"
    return "list" if listy else "other"


def _dated_rows(page: Page) -> list[LexborNode]:
    """Links that sit in a short row with a date beside them: the items of a column list."""
    rows: dict[int, LexborNode] = {}
    for link in page.tree.css("a"):
        if page.text_len(link) < 5 or not usable_href(link.attributes.get("href")):
            continue
        row = link.parent
        while row is not None and row.tag not in ("li", "tr", "dd", "p", "div"):
            row = row.parent
        if row is None or row.mem_id in rows or page.text_len(row) > 300:
            continue
        if parse_date(node_text(row)):
            rows[row.mem_id] = row
    return list(rows.values())
