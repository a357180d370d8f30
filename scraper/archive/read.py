"""Reading the archive: versions, history, changes and digests, records, stats."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from sqlite_utils import Database

from scraper.archive import search as search_index
from scraper.archive.db import writing
from scraper.archive.schema import COMPARED_FIELDS, JSON_FIELDS


def decode_version(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for name in JSON_FIELDS:
        if name in out and isinstance(out[name], str):
            out[name] = json.loads(out[name])
    out.pop("raw", None)
    return out


def page_versions(db: Database, url: str) -> list[dict[str, Any]]:
    return [
        decode_version(row)
        for row in db.query(
            "SELECT v.* FROM versions v JOIN pages p ON p.id = v.page_id WHERE p.url = ? "
            "ORDER BY v.number",
            [url],
        )
    ]


def find_version(
    db: Database, url: str, *, number: int | None = None, at: str | None = None
) -> dict[str, Any] | None:
    """One version of a page, raw bytes included: ``number``, else the one current at ``at``
    (an archive time, ``YYYY-MM-DDTHH:MM:SSZ``), else the current one."""
    sql = "SELECT v.* FROM versions v JOIN pages p ON p.id = v.page_id WHERE p.url = ?"
    params: list[Any] = [url]
    if number is not None:
        sql += " AND v.number = ?"
        params.append(number)
    elif at is not None:
        sql += " AND v.fetched_at <= ? ORDER BY v.number DESC LIMIT 1"
        params.append(at)
    else:
        sql += " AND v.number = p.current_version"
    rows = list(db.query(sql, params))
    return rows[0] if rows else None


def changed_fields(version: dict[str, Any], previous: dict[str, Any] | None) -> list[str]:
    """Names of the fields a version changed from the one before (decoded rows)."""
    if previous is None:
        return []
    if version["kind"] == "attachment":
        return ["bytes"]  # a file's version is its bytes (content_hash is their sha256)
    return [f for f in COMPARED_FIELDS if version.get(f) != previous.get(f)]


_CHANGE_COLUMNS = (
    "v.id, v.page_id, v.number, v.fetched_at, v.run_id, v.kind, v.title, v.date, v.source, "
    "v.index_no, v.doc_no, v.breadcrumb, v.meta, v.body_text, v.attachments, v.content_hash, "
    "v.raw_size"
)


def _span(
    column: str,
    run_column: str,
    since: str | None,
    until: str | None,
    run_ids: tuple[int, ...] | None,
) -> tuple[str, list[Any]]:
    where: list[str] = ["1"]
    params: list[Any] = []
    if run_ids is not None:
        where.append(f"{run_column} IN ({', '.join('?' * len(run_ids))})")
        params += run_ids
    if since is not None:
        where.append(f"{column} >= ?")
        params.append(since)
    if until is not None:
        where.append(f"{column} <= ?")
        params.append(until)
    return " AND ".join(where), params


def changes(
    db: Database,
    since: str | None = None,
    until: str | None = None,
    kinds: tuple[str, ...] = (),
    *,
    run_ids: tuple[int, ...] | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """What happened to pages in the runs ``run_ids`` and/or between ``since`` and ``until``
    (archive times, inclusive): ``new`` (a first version), ``changed`` (a later version, with
    the fields it changed), ``removed`` and ``returned``; oldest first (``scraper.digest``
    ranks them). ``kinds``: page kinds to keep (all if empty); ``limit``: the newest so many.

    Each event also carries ``after`` (the version it made, or for a removal or return the
    version current then) and ``before`` (the version before a ``changed`` one), decoded,
    without raw bytes but with ``raw_size``; a removal has ``last_seen``, the last time the
    page answered as itself before it went."""
    if run_ids is not None and not run_ids:
        return []
    kind_sql = f" AND p.kind IN ({', '.join('?' * len(kinds))})" if kinds else ""
    newest = f" ORDER BY {{}} DESC LIMIT {int(limit)}" if limit is not None else ""
    where, params = _span("v.fetched_at", "v.run_id", since, until, run_ids)
    found: list[dict[str, Any]] = []
    for row in db.query(
        f"SELECT {_CHANGE_COLUMNS}, p.url FROM versions v JOIN pages p ON p.id = v.page_id "
        f"WHERE {where}{kind_sql}" + newest.format("v.fetched_at DESC, v.id"),
        [*params, *kinds],
    ):
        version = decode_version(row)
        previous = None
        if version["number"] > 1:
            rows = list(
                db.query(
                    f"SELECT {_CHANGE_COLUMNS} FROM versions v WHERE v.page_id = ? AND v.number = ?",
                    [version["page_id"], version["number"] - 1],
                )
            )
            previous = decode_version(rows[0]) if rows else None
        found.append(
            {
                "event": "new" if version["number"] == 1 else "changed",
                "at": version["fetched_at"],
                "url": version["url"],
                "kind": version["kind"],
                "title": version["title"],
                "date": version["date"],
                "source": version["source"],
                "doc_no": version["doc_no"],
                "version": version["number"],
                "changed": changed_fields(version, previous),
                "run_id": version["run_id"],
                "after": version,
                "before": previous,
            }
        )
    where, params = _span("e.at", "e.run_id", since, until, run_ids)
    for row in db.query(
        "SELECT e.id, e.at, e.event, e.detail, e.run_id, e.page_id, p.url, p.kind, "
        "CASE WHEN p.last_seen <= e.at THEN p.last_seen ELSE (SELECT max(s.fetched_at) "
        "FROM versions s WHERE s.page_id = p.id AND s.fetched_at <= e.at) END AS last_seen "
        "FROM page_events e JOIN pages p ON p.id = e.page_id "
        f"WHERE {where}{kind_sql}"
        + (newest.format("e.at DESC, e.id") if newest else " ORDER BY e.id"),
        [*params, *kinds],
    ):
        rows = list(
            db.query(
                f"SELECT {_CHANGE_COLUMNS} FROM versions v WHERE v.page_id = ? "
                "ORDER BY v.fetched_at > ?, v.number DESC LIMIT 1",
                [row["page_id"], row["at"]],
            )
        )
        current = decode_version(rows[0]) if rows else {}
        event = {
            "event": row["event"],
            "at": row["at"],
            "url": row["url"],
            "kind": row["kind"],
            "title": current.get("title"),
            "date": current.get("date"),
            "source": current.get("source"),
            "doc_no": current.get("doc_no"),
            "version": current.get("number"),
            "changed": [],
            "detail": row["detail"],
            "run_id": row["run_id"],
            "after": current or None,
            "before": None,
        }
        if row["event"] == "removed":
            event["last_seen"] = row["last_seen"]
        found.append(event)
    order = {"returned": 0, "new": 1, "changed": 1, "removed": 2}
    found.sort(key=lambda e: (e["at"], order.get(e["event"], 3), e["url"]))
    return found[-limit:] if limit is not None and limit > 0 else found


def digest_runs(db: Database, run_id: int | None = None) -> tuple[tuple[int, ...], bool]:
    """The runs whose digest is "what the latest run (or run ``run_id``) found", and whether
    that run is still going. A run that finished the work of interrupted or partial runs
    before it found what they fetched too, so those runs are part of its digest. Chosen by
    run id, never by time, so two runs within one second keep their own digests."""
    sql = "SELECT id, status FROM runs"
    params: list[Any] = []
    if run_id is not None:
        sql += " WHERE id <= ?"
        params.append(run_id)
    runs = list(db.query(sql + " ORDER BY id DESC LIMIT 100", params))
    if not runs or (run_id is not None and runs[0]["id"] != run_id):
        return (), False
    ids = [int(runs[0]["id"])]
    for run in runs[1:]:
        if run["status"] not in ("interrupted", "partial"):
            break
        ids.append(int(run["id"]))
    return tuple(sorted(ids)), runs[0]["status"] == "running"


def run_started(db: Database, run_id: int) -> str | None:
    row = db.execute("SELECT started FROM runs WHERE id = ?", [run_id]).fetchone()
    return str(row[0]) if row else None


def matching_versions(db: Database, match: str) -> set[int]:
    """Ids of the versions the search index matches (``Query.match()`` of
    :mod:`scraper.searchtext`)."""
    return {
        int(row[0])
        for row in db.execute(
            f"SELECT rowid FROM {search_index.INDEX} WHERE {search_index.INDEX} MATCH ?", [match]
        )
    }


def page_events(db: Database, url: str) -> list[dict[str, Any]]:
    return list(
        db.query(
            "SELECT e.at, e.event, e.detail, e.run_id FROM page_events e JOIN pages p "
            "ON p.id = e.page_id WHERE p.url = ? ORDER BY e.id",
            [url],
        )
    )


# What `export --kind attachment` adds to each record, after the fields every kind has.
ATTACHMENT_EXPORT_FIELDS = (
    "sha256", "size", "content_type", "fetched_at", "documents", "text_chars", "error",
)  # fmt: skip

# The addresses a file is known by: its own, its first, and those that redirect to it (as
# the attachment_files view's linked_from follows them).
_FILE_ADDRESSES = (
    "IN (p.url, p.first_url) OR {col} IN (SELECT url FROM aliases WHERE page_url = p.url)"
)

_ATTACHMENT_EXTRAS = f"""
    SELECT l.*, v.content_hash AS sha256, v.raw_size AS size, v.content_type,
           length(v.body_text) AS text_chars,
           (SELECT json_group_array(url) FROM (
              SELECT DISTINCT d.url FROM attachments a JOIN pages d ON d.id = a.page_id
              WHERE a.url {_FILE_ADDRESSES.format(col="a.url")} ORDER BY d.url)) AS documents,
           (SELECT f.reason FROM failures f
            WHERE (f.url {_FILE_ADDRESSES.format(col="f.url")})
              AND f.at > coalesce(p.last_checked, '')
            ORDER BY f.at DESC, f.id DESC LIMIT 1) AS error
    FROM latest l JOIN pages p ON p.id = l.page_id
    JOIN versions v ON v.page_id = p.id AND v.number = p.current_version
    WHERE l.kind = 'attachment' ORDER BY l.url
"""


class Records:
    """Export records, with the fields their kind adds beyond the common ones."""

    def __init__(self, rows: Iterator[dict[str, Any]], extra_fields: tuple[str, ...] = ()):
        self.rows = rows
        self.extra_fields = extra_fields

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return self.rows


def latest_records(db: Database, kind: str | None) -> Records:
    """One record per page from its latest version. Attachment files (``kind``
    "attachment") also get the sha256, size and type of their current version, when it was
    fetched, the ``documents`` linking them, the length of their text and the ``error`` of
    their latest failure since they last answered (None when there is none)."""
    if kind == "attachment":
        rows = (_attachment_record(row) for row in db.query(_ATTACHMENT_EXTRAS))
        return Records(rows, ATTACHMENT_EXPORT_FIELDS)
    where, params = ("WHERE kind = ?", [kind]) if kind else ("", [])
    return Records(
        decode_version(row)
        for row in db.query(f"SELECT * FROM latest {where} ORDER BY url", params)
    )


def _attachment_record(row: dict[str, Any]) -> dict[str, Any]:
    record = decode_version(row)
    record["documents"] = json.loads(row["documents"] or "[]")
    return record


def reindex_search(db: Database) -> int:
    """Rebuild the search index from the stored versions, in one transaction."""
    with writing(db):
        return search_index.rebuild_index(db)


def stats(db: Database) -> dict[str, Any]:
    one = lambda sql: next(iter(db.execute(sql).fetchone() or [0]))  # noqa: E731
    return {
        "pages": one("SELECT count(*) FROM pages"),
        "documents": one("SELECT count(*) FROM latest WHERE kind = 'document'"),
        "live_documents": one("SELECT count(*) FROM documents"),
        "lists": one("SELECT count(*) FROM latest WHERE kind = 'list'"),
        "versions": one("SELECT count(*) FROM versions"),
        "changed_pages": one("SELECT count(DISTINCT page_id) FROM versions WHERE number > 1"),
        "removed": one("SELECT count(*) FROM pages WHERE removed_at IS NOT NULL"),
        "attachments": one("SELECT count(DISTINCT url) FROM attachments"),
        "attachment_files": one("SELECT count(*) FROM attachment_files"),
        "attachment_file_bytes": one("SELECT coalesce(sum(size), 0) FROM attachment_files"),
        "runs": one("SELECT count(*) FROM runs"),
        "last_run": one("SELECT max(started) FROM runs"),
        "failures_last_run": one(
            "SELECT count(*) FROM failures WHERE run_id = (SELECT max(id) FROM runs)"
        ),
        "raw_bytes": one("SELECT coalesce(sum(raw_size), 0) FROM versions"),
    }


def resolve_url(db: Database, url: str, canonical: str) -> str | None:
    """The archived page a user's address means (as typed, or canonical): a column's first
    list page is archived under its folder URL once the folder said so; an address may be a
    page's own, its first address, or one that redirects to it."""
    from scraper.archive.pages import get_page, same_pages

    same = same_pages(db)
    for candidate in (url, canonical):
        if candidate in same and get_page(db, same[candidate]):
            return same[candidate]
    for candidate in (url, canonical):
        if get_page(db, candidate):
            return candidate
    row = db.execute(
        "SELECT url FROM pages WHERE first_url = ? OR first_url = ? LIMIT 1", [url, canonical]
    ).fetchone()
    if row:
        return str(row[0])
    row = db.execute(
        "SELECT page_url FROM aliases WHERE url IN (?, ?) LIMIT 1", [url, canonical]
    ).fetchone()
    if row and get_page(db, row[0]):
        return str(row[0])
    return None


def version_ids(
    db: Database, *, kind: str | None = None, latest_only: bool = False, since: str | None = None
) -> list[int]:
    """Ids of versions, oldest first (taken on ids alone: sorting whole rows would copy every
    stored file into SQLite's temporary space first)."""
    where, params = [], []
    if kind:
        where.append("p.kind = ?")
        params.append(kind)
    if latest_only:
        where.append("v.number = p.current_version")
    if since:
        where.append("v.fetched_at >= ?")
        params.append(since)
    sql = (
        "SELECT v.id FROM versions v JOIN pages p ON p.id = v.page_id"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY v.fetched_at, v.id"
    )
    return [row[0] for row in db.execute(sql, params).fetchall()]


def version_with_page(db: Database, version_id: int) -> dict[str, Any]:
    """One version row, raw bytes included, with its page's URL and removal time."""
    return next(
        db.query(
            "SELECT v.*, p.url, p.removed_at FROM versions v JOIN pages p "
            "ON p.id = v.page_id WHERE v.id = ?",
            [version_id],
        )
    )
