"""``scraper feed``: the digest's events as an Atom 1.0 feed (feedgen; no SQL, no click).

Each entry is one event of :func:`scraper.digest.item`: its title is the event and the
page's title, its content the page's 发布日期, 来源 and 文号 and the digest item (the changed
fields and excerpts), ``updated`` the fetch time. Its id is a ``tag:`` URI (RFC 4151) built
from the page's address, the event and the version number (new and changed) or the time
(removed and returned), so the same event always has the same id and a feed reader never
shows it twice. :data:`scraper.archive.canned.CHANGES_FEED` builds the same ids in SQL.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from scraper import __version__, digest
from scraper.errors import ConfigError, StoreError

# Characters XML 1.0 cannot carry (a stray form feed in a page's text).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
EPOCH = "1970-01-01T00:00:00Z"
_ATOM = "{http://www.w3.org/2005/Atom}"


def entry_id(entry: dict[str, Any]) -> str:
    """``tag:HOST,DAY:ADDRESS/EVENT/vN`` for a version, ``…/EVENT/YYYYMMDDTHHMMSSZ`` for a
    removal or return; ADDRESS is the URL without its scheme, DAY the event's date."""
    url = str(entry["url"])
    rest = url.split("://", 1)[-1]
    host = urlsplit(url).hostname or "localhost"
    if entry["event"] in ("new", "changed"):
        which = f"v{entry['version']}"
    else:
        which = str(entry["at"]).replace("-", "").replace(":", "")
    return f"tag:{host},{str(entry['at'])[:10]}:{rest}/{entry['event']}/{which}"


def _clean(text: Any) -> str:
    return _NOT_XML.sub("", str(text))


def entry_content(entry: dict[str, Any]) -> str:
    """The entry's HTML content: 发布日期, 来源, 文号, then the digest item as
    preformatted text."""
    meta = [
        ("发布日期", entry.get("date")),
        ("来源", entry.get("source")),
        ("文号", entry.get("doc_no")),
    ]
    head = " · ".join(f"{name}: {html.escape(_clean(value or '-'))}" for name, value in meta)
    body = "\n".join([f"{digest.label(entry)}: {entry['url']}", *digest.details(entry)])
    return f"<p>{head}</p>\n<pre>{html.escape(_clean(body))}</pre>"


def atom(
    entries: Sequence[dict[str, Any]],
    *,
    feed_id: str,
    title: str,
    updated: str | None = None,
    link_base: str | None = None,
) -> bytes:
    """The Atom document, newest entry first. ``link_base``: where the archive is served
    (``scraper serve``'s ``http://HOST:PORT/ARCHIVE``); each entry then also links to its
    version's row there (``LINK_BASE/versions/ID``)."""
    from feedgen.feed import FeedGenerator

    feed = FeedGenerator()
    feed.id(feed_id)
    feed.title(title)
    feed.generator("scraper", __version__)
    newest = max((str(e["at"]) for e in entries), default=None)
    feed.updated(newest or updated or EPOCH)
    if link_base:
        feed.link(href=link_base, rel="alternate")
    # feedgen writes entries in the reverse order of adding them.
    ordered = sorted(entries, key=lambda e: (str(e["at"]), -int(e.get("rank") or 0)))
    for entry in ordered:
        item = feed.add_entry()
        item.id(entry_id(entry))
        item.title(_clean(f"{digest.label(entry)}: {entry.get('title') or entry['url']}"))
        item.updated(str(entry["at"]))
        item.link(href=str(entry["url"]), rel="alternate")
        if link_base and entry.get("_version_id"):
            item.link(
                href=f"{link_base.rstrip('/')}/versions/{entry['_version_id']}",
                rel="related",
                title="archived version",
            )
        item.category(term=str(entry["event"]))
        item.content(entry_content(entry), type="html")
    return _link_relations(bytes(feed.atom_str(pretty=True)), link_base)


def _link_relations(document: bytes, link_base: str | None) -> bytes:
    """feedgen 1.0.0 writes only the ``href`` of an entry's links (its serialiser shadows
    the link's attributes), which would make the archived copy a second ``alternate`` link:
    put back ``rel="related"`` and the title on the links to archived versions."""
    if not link_base:
        return document
    from lxml import etree

    archived = f"{link_base.rstrip('/')}/versions/"
    tree = etree.fromstring(document)
    for link in tree.iterfind(f"{_ATOM}entry/{_ATOM}link"):
        if str(link.get("href", "")).startswith(archived):
            link.set("rel", "related")
            link.set("title", "archived version")
    return bytes(etree.tostring(tree, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def query_match(query: str | None) -> str | None:
    """``--query``: the search index's match expression of a query, checked."""
    from scraper.searchtext import QueryError, parse_query

    if query is None:
        return None
    try:
        return parse_query(query).match()
    except QueryError as exc:
        raise ConfigError(f"--query: {exc}") from None


def build_feed(
    db: Any,
    db_path: str,
    *,
    since: str | None,
    kinds: tuple[str, ...],
    column: str | None,
    query: str | None,
    match: Any,
    limit: int,
    link_base: str | None,
) -> bytes:
    """``scraper feed``: the newest ``limit`` events since ``since`` of pages of ``kinds``
    (all when empty), of a column containing ``column`` and whose version ``match`` (a
    parsed ``query``) selects, as an Atom document with an id of its selection."""
    import sqlite3
    from pathlib import Path
    from urllib.parse import quote

    from scraper import archive

    filtered = column is not None or match is not None
    events = archive.changes(db, since, None, kinds, limit=None if filtered else limit)
    if column is not None:
        events = [e for e in events if column in _column_text(e)]
    if match is not None:
        try:
            hits = archive.matching_versions(db, match)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot search {db_path}: {exc}") from exc
        events = [e for e in events if (e.get("after") or {}).get("id") in hits]
    items = digest.ranked(events[-limit:])
    selection = [f"kind={','.join(kinds) or 'all'}"]
    selection += [
        f"{name}={quote(value)}" for name, value in (("column", column), ("query", query)) if value
    ]
    name = quote(Path(db_path).stem)
    return atom(
        items,
        feed_id=f"tag:scraper,2026:feed/{name}?{'&'.join(selection)}",
        title=f"scraper: changes archived in {Path(db_path).name}",
        updated=archive.stats(db)["last_run"],
        link_base=link_base,
    )


def _column_text(event: dict[str, Any]) -> str:
    crumbs = (event.get("after") or {}).get("breadcrumb") or []
    return " > ".join(str(c) for c in crumbs) if isinstance(crumbs, list) else str(crumbs)
