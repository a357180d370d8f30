"""Pages and their versions: snapshots, the versioning decision's hash, compression,
attachment links, addresses (aliases), removals and returns.

What a version is: a page gets a new version when the hash of its *extracted* content
(the hashed fields of the registry and the attachment URLs, :func:`content_hash`) differs
from its current version's. Raw bytes, headers, footers, counters and layout are not part of
the hash. An attachment file is a page of kind ``attachment`` whose version hash is the
sha256 of its bytes. Nothing is ever overwritten: a version row is written once; a page row
only moves its ``last_*`` columns and ``removed_at``. Raw bytes are stored zlib-compressed
(RFC 1950) in ``versions.raw``; the extra parts of a multi-part document in
``version_parts``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from scraper.archive import search as search_index
from scraper.archive.db import writing
from scraper.archive.runs import _frontier_changes, _frontier_write
from scraper.archive.schema import FIELDS, HASHED_FIELDS, JSON_FIELDS
from scraper.codec import compress, decompress


def content_hash(fields: dict[str, Any]) -> str:
    """sha256 of the normalised extracted content that defines a version."""
    payload = {name: fields.get(name) for name in HASHED_FIELDS}
    payload["attachments"] = [a["url"] for a in fields.get("attachments") or []]
    blob = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


__all__ = ["compress", "decompress"]  # the stored bytes' format, from scraper.codec


@dataclass
class Snapshot:
    """One fetched and extracted page, ready to be saved."""

    url: str
    first_url: str
    kind: str
    fields: dict[str, Any]
    raw: bytes
    fetched_at: str
    encoding: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    parts: list[tuple[str, bytes]] = field(default_factory=list)  # (url, raw) of parts 2…n
    extractor_version: str = ""
    digest: str | None = None  # set for attachment files: the sha256 of their bytes
    raw_z: bytes | None = None  # ``raw`` already compressed (by a worker process), if so
    index_rows: tuple[tuple[str, ...], tuple[str, str]] | None = None  # tokens, if made

    @property
    def hash(self) -> str:
        return self.digest or content_hash(self.fields)


def get_page(db: Database, url: str) -> dict[str, Any] | None:
    rows = list(db.query("SELECT * FROM pages WHERE url = ?", [url]))
    return rows[0] if rows else None


def current_version(db: Database, page_id: int) -> dict[str, Any] | None:
    rows = list(
        db.query(
            "SELECT v.* FROM versions v JOIN pages p ON p.id = v.page_id "
            "AND v.number = p.current_version WHERE p.id = ?",
            [page_id],
        )
    )
    return rows[0] if rows else None


def version_raw(db: Database, version: dict[str, Any]) -> tuple[bytes, list[tuple[str, bytes]]]:
    """The raw bytes of a version and of its extra parts, decompressed."""
    parts = [
        (row["url"], decompress(row["raw"]))
        for row in db.query(
            "SELECT url, raw FROM version_parts WHERE version_id = ? ORDER BY part", [version["id"]]
        )
    ]
    return decompress(version["raw"]), parts


@dataclass(frozen=True)
class PageState:
    """What a visit needs to know of an archived page, in one query (:func:`page_state`)."""

    id: int
    url: str
    kind: str
    first_seen: str
    current_version: int | None
    removed_at: str | None
    etag: str | None
    last_modified: str | None
    content_hash: str | None  # of the current version
    extractor_version: str | None  # that made the current version
    multipart: bool  # the current version has parts 2…n


def page_state(db: Database, url: str) -> PageState | None:
    row = db.execute(
        "SELECT p.id, p.url, p.kind, p.first_seen, p.current_version, p.removed_at, p.etag, "
        "p.last_modified, v.content_hash, v.extractor_version, "
        "EXISTS (SELECT 1 FROM version_parts vp WHERE vp.version_id = v.id) "
        "FROM pages p LEFT JOIN versions v ON v.page_id = p.id AND v.number = p.current_version "
        "WHERE p.url = ?",
        [url],
    ).fetchone()
    if row is None:
        return None
    return PageState(
        id=row[0],
        url=row[1],
        kind=row[2],
        first_seen=row[3],
        current_version=row[4],
        removed_at=row[5],
        etag=row[6],
        last_modified=row[7],
        content_hash=row[8],
        extractor_version=row[9],
        multipart=bool(row[10]),
    )


_UNKNOWN: Any = object()


_VERSION_COLUMNS = (
    "page_id", "number", "run_id", "fetched_at", "content_hash", "kind", *FIELDS,
    "extractor_version", "encoding", "content_type", "etag", "last_modified", "raw", "raw_size",
)  # fmt: skip


_INSERT_VERSION = (
    f"INSERT INTO versions ({', '.join(_VERSION_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(_VERSION_COLUMNS))})"
)


def _field_value(snap: Snapshot, name: str) -> Any:
    value = snap.fields.get(name)
    if name in JSON_FIELDS:
        return json.dumps(value or ([] if name != "meta" else {}), ensure_ascii=False)
    return value


def save_snapshot(
    db: Database,
    snap: Snapshot,
    run_id: int,
    site: str,
    *,
    same_as_current: bool | None = None,
    state: PageState | None = _UNKNOWN,
    frontier: list[tuple[Any, ...]] | None = None,
) -> str:
    """Store a fetched page. Returns "new_page", "new_version" or "unchanged".

    ``same_as_current`` lets the caller override the hash comparison: the crawler passes
    True when the current version, re-extracted with the running extractor, matches.
    ``state``: the page as the caller read it (:func:`page_state`), to save asking again.
    ``frontier``: frontier events (:func:`frontier_record`) written in the same transaction,
    so that a page is never saved without the links it queued. Plain statements, one each,
    since this runs once per page of every crawl.
    """
    with writing(db):
        if frontier:
            _frontier_write(db, run_id, *_frontier_changes(run_id, frontier))
        page = page_state(db, snap.url) if state is _UNKNOWN else state
        now = snap.fetched_at
        etag, modified = snap.headers.get("etag"), snap.headers.get("last-modified")
        if page is None:
            cursor = db.execute(
                "INSERT INTO pages (url, first_url, site, kind, first_seen, last_seen, "
                "last_checked, last_status, etag, last_modified, current_version) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, 200, ?, ?, 1)",
                [snap.url, snap.first_url, site, snap.kind, now, now, now, etag, modified],
            )
            page_id = int(cursor.lastrowid or 0)
            outcome, number = "new_page", 1
        else:
            page_id = page.id
            has_current = page.current_version is not None and page.content_hash is not None
            unchanged = has_current and (
                same_as_current if same_as_current is not None else page.content_hash == snap.hash
            )
            if page.removed_at:
                add_event(db, page_id, run_id, now, "returned", "answered 200 again")
            number = (page.current_version or 0) if unchanged else (page.current_version or 0) + 1
            db.execute(
                "UPDATE pages SET last_seen = ?, last_checked = ?, last_status = 200, etag = ?, "
                "last_modified = ?, kind = ?, removed_at = NULL, current_version = ? WHERE id = ?",
                [now, now, etag, modified, snap.kind, number, page_id],
            )
            if unchanged:
                _save_attachments(db, page_id, snap.fields.get("attachments") or [], now)
                return "unchanged"
            outcome = "new_version"
        raw_z = snap.raw_z if snap.raw_z is not None else compress(snap.raw)
        version_id = int(
            db.execute(
                _INSERT_VERSION,
                [
                    page_id,
                    number,
                    run_id,
                    now,
                    snap.hash,
                    snap.kind,
                    *(_field_value(snap, name) for name in FIELDS),
                    snap.extractor_version,
                    snap.encoding,
                    snap.headers.get("content-type"),
                    etag,
                    modified,
                    raw_z,
                    len(snap.raw),
                ],  # fmt: skip
            ).lastrowid
            or 0
        )
        previous = None
        if outcome == "new_version" and page is not None and page.current_version:
            previous = _indexed_fields(db, page.id, page.current_version)
        search_index.index_version(
            db, version_id, snap.kind, snap.fields, previous, rows=snap.index_rows
        )
        if snap.parts:
            db.conn.executemany(
                "INSERT INTO version_parts (version_id, part, url, raw) VALUES (?, ?, ?, ?)",
                [
                    (version_id, index, part_url, compress(part_raw))
                    for index, (part_url, part_raw) in enumerate(snap.parts, start=2)
                ],
            )
        _save_attachments(db, page_id, snap.fields.get("attachments") or [], now)
        return outcome


def _indexed_fields(
    db: Database, page_id: int, number: int
) -> tuple[int, str, dict[str, Any]] | None:
    """A version's id, kind and searched fields, as the search index took them."""
    row = db.execute(
        "SELECT id, kind, title, breadcrumb, source, doc_no, body_text FROM versions "
        "WHERE page_id = ? AND number = ?",
        [page_id, number],
    ).fetchone()
    if row is None:
        return None
    names = ("title", "breadcrumb", "source", "doc_no", "body_text")
    return row[0], row[1], dict(zip(names, row[2:], strict=True))


def _save_attachments(
    db: Database, page_id: int, attachments: list[dict[str, str]], now: str
) -> None:
    if attachments:
        db.conn.executemany(
            "INSERT INTO attachments (page_id, url, text, first_seen, last_seen) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(page_id, url) DO UPDATE SET last_seen = excluded.last_seen",
            [(page_id, item["url"], item.get("text", ""), now, now) for item in attachments],
        )


def link_text(db: Database, url: str) -> str | None:
    """The text of the first recorded link to an attachment file (``url``: the address the
    link gave, before any redirect)."""
    row = db.execute(
        "SELECT text FROM attachments WHERE url = ? AND text != '' ORDER BY id LIMIT 1", [url]
    ).fetchone()
    return str(row[0]) if row else None


def mark_checked(db: Database, url: str, at: str) -> None:
    """A 304: the page is unchanged; only its check times move."""
    with writing(db):
        db.execute(
            "UPDATE pages SET last_checked = ?, last_seen = ?, last_status = 304 WHERE url = ?",
            [at, at, url],
        )


def save_alias(db: Database, url: str, page_url: str, at: str) -> None:
    """Remember that ``url`` redirects to the page ``page_url``."""
    _save_alias(db, url, page_url, at, "redirect")


def save_same_page(db: Database, url: str, page_url: str, at: str) -> None:
    """Remember that ``url`` is the page ``page_url`` at another address (the page says so)."""
    _save_alias(db, url, page_url, at, "same-page")


def _save_alias(db: Database, url: str, page_url: str, at: str, how: str) -> None:
    with writing(db):
        db.execute(
            "INSERT INTO aliases (url, page_url, first_seen, last_seen, how) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (url) DO UPDATE SET "
            "page_url = excluded.page_url, last_seen = excluded.last_seen, how = excluded.how",
            [url, page_url, at, at, how],
        )


def drop_alias(db: Database, url: str) -> None:
    with writing(db):
        db.execute("DELETE FROM aliases WHERE url = ?", [url])


def same_pages(db: Database) -> dict[str, str]:
    """Second address -> page URL, for pages that name their own second address."""
    return {
        row["url"]: row["page_url"]
        for row in db.query("SELECT url, page_url FROM aliases WHERE how = 'same-page'")
    }


def aliases(db: Database) -> dict[str, str]:
    """Address -> page URL, for every address known to redirect to an archived page."""
    found = {
        row["first_url"]: row["url"]
        for row in db.query("SELECT url, first_url FROM pages WHERE first_url != url")
    }
    found.update(
        {
            row["url"]: row["page_url"]
            for row in db.query("SELECT url, page_url FROM aliases WHERE how = 'redirect'")
        }
    )
    return found


def mark_gone(db: Database, url: str, status: int | None, at: str, run_id: int) -> bool:
    """A 404/410 for a known page. Returns True when the page was newly marked removed."""
    with writing(db):
        page = get_page(db, url)
        if page is None:
            return False
        db.table("pages").update(page["id"], {"last_checked": at, "last_status": status})
        if page["removed_at"] or not page["current_version"]:
            return False
        db.table("pages").update(page["id"], {"removed_at": at})
        add_event(db, page["id"], run_id, at, "removed", f"HTTP {status}" if status else "gone")
        return True


def add_event(db: Database, page_id: int, run_id: int, at: str, event: str, detail: str) -> None:
    db.execute(
        "INSERT INTO page_events (page_id, run_id, at, event, detail) VALUES (?, ?, ?, ?, ?)",
        [page_id, run_id, at, event, detail],
    )
