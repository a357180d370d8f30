"""The archive: SQLite schema, versions, events, runs and failures. All SQL lives here.

Functions take plain values (``save_snapshot(db, snapshot, …)``) so they can be tested on
recorded data, without the network.

What a version is: a page gets a new version when the hash of its *extracted* content
(title, date, source, index_no, doc_no, body_text and attachment URLs — see
:func:`content_hash`) differs from its current version's. Raw bytes, headers, footers,
counters and layout are not part of the hash. An attachment file is a page of kind
``attachment`` whose version hash is the sha256 of its bytes. Nothing is ever overwritten: a version row is
written once; a page row only moves its ``last_*`` columns and ``removed_at``.

Raw bytes are stored zlib-compressed (``zlib.compress``, RFC 1950) in ``versions.raw``; the
extra parts of a multi-part document are in ``version_parts``.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import sqlite3
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from scraper import search as search_index
from scraper.errors import ArchiveBusy, StoreError

logger = logging.getLogger(__name__)

HASHED_FIELDS = ("title", "date", "source", "index_no", "doc_no", "body_text")
FIELDS = (*HASHED_FIELDS, "breadcrumb", "meta", "attachments")
JSON_FIELDS = ("breadcrumb", "meta", "attachments")
# The counts the first schema created; later ones arrive by migration (m005).
_RUN_COUNTS_V1 = (
    "requests",
    "bytes",
    "fetched",
    "not_modified",
    "new_pages",
    "new_versions",
    "unchanged",
    "removed",
    "returned",
    "dead_links",
    "blocked",
    "errors",
)
RUN_COUNTS = (*_RUN_COUNTS_V1, "files_checked", "files_saved")

migrations = Migrations("scraper")


def utcnow() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@migrations()
def m001_initial(db: Database) -> None:
    db.table("runs").create(
        {
            "id": int,
            "started": str,
            "finished": str,
            "site": str,
            "mode": str,
            "status": str,
            "exit_code": int,
            "pid": int,
            "command": str,
            **{name: int for name in _RUN_COUNTS_V1},
        },
        pk="id",
        defaults={name: 0 for name in _RUN_COUNTS_V1},
    )
    db.table("pages").create(
        {
            "id": int,
            "url": str,
            "first_url": str,
            "site": str,
            "kind": str,
            "first_seen": str,
            "last_seen": str,
            "last_checked": str,
            "last_status": int,
            "removed_at": str,
            "etag": str,
            "last_modified": str,
            "current_version": int,
        },
        pk="id",
    )
    db.table("pages").create_index(["url"], unique=True)
    db.table("versions").create(
        {
            "id": int,
            "page_id": int,
            "number": int,
            "run_id": int,
            "fetched_at": str,
            "content_hash": str,
            "kind": str,
            "title": str,
            "date": str,
            "source": str,
            "index_no": str,
            "doc_no": str,
            "breadcrumb": str,
            "meta": str,
            "body_text": str,
            "attachments": str,
            "extractor_version": str,
            "encoding": str,
            "content_type": str,
            "etag": str,
            "last_modified": str,
            "raw": bytes,
            "raw_size": int,
        },
        pk="id",
        foreign_keys=[("page_id", "pages", "id"), ("run_id", "runs", "id")],
    )
    db.table("versions").create_index(["page_id", "number"], unique=True)
    db.table("version_parts").create(
        {"version_id": int, "part": int, "url": str, "raw": bytes},
        pk=("version_id", "part"),
        foreign_keys=[("version_id", "versions", "id")],
    )
    db.table("page_events").create(
        {"id": int, "page_id": int, "run_id": int, "at": str, "event": str, "detail": str},
        pk="id",
        foreign_keys=[("page_id", "pages", "id"), ("run_id", "runs", "id")],
    )
    db.table("page_events").create_index(["page_id"])
    db.table("failures").create(
        {
            "id": int,
            "run_id": int,
            "url": str,
            "category": str,  # error | dead-link | blocked | out-of-scope | unreadable
            "reason": str,
            "status": int,
            "attempts": int,
            "at": str,
        },
        pk="id",
        foreign_keys=[("run_id", "runs", "id")],
    )
    db.table("failures").create_index(["run_id"])
    db.table("attachments").create(
        {"id": int, "page_id": int, "url": str, "text": str, "first_seen": str, "last_seen": str},
        pk="id",
        foreign_keys=[("page_id", "pages", "id")],
    )
    db.table("attachments").create_index(["page_id", "url"], unique=True)


@migrations()
def m002_frontier(db: Database) -> None:
    # The crawl frontier lives in the archive so that a killed run can be finished, not redone.
    db.table("frontier").create(
        {"run_id": int, "url": str, "reason": str, "guessed": int, "done": int},
        pk=("run_id", "url"),
        foreign_keys=[("run_id", "runs", "id")],
    )


@migrations()
def m003_run_settings(db: Database) -> None:
    # The effective configuration of a run (after profile, environment and flags), as JSON.
    db.table("runs").add_column("settings", str)


@migrations()
def m004_aliases(db: Database) -> None:
    # Addresses that redirect to a page (the page's own first_url is one of them).
    db.table("aliases").create(
        {"url": str, "page_url": str, "first_seen": str, "last_seen": str}, pk="url"
    )


@migrations()
def m005_attachment_files(db: Database) -> None:
    # Attachment files are archived as pages of kind "attachment" (their versions hold the
    # bytes); a run counts them apart from HTML pages.
    for name in ("files_checked", "files_saved"):
        db.table("runs").add_column(name, int, not_null_default=0)


@migrations()
def m006_alias_kinds(db: Database) -> None:
    # An alias is either an address that redirects to a page ("redirect") or one the page
    # itself names as the same page ("same-page": a column folder's first list page).
    db.table("aliases").add_column("how", str, not_null_default="redirect")


@migrations()
def m007_search_index(db: Database) -> None:
    # One index exact at every length (bigrams and characters, scraper.search) replaces the
    # trigram versions_fts, which could not match one- or two-character words.
    if "versions_fts" in db.table_names():
        db.table("versions").disable_fts()
    search_index.rebuild_index(db)


VIEWS = {
    # The latest version of every page that has one, removed pages included.
    "latest": """
        SELECT p.id AS page_id, p.url, p.site, p.kind AS page_kind, p.first_seen, p.last_seen,
               p.removed_at, v.number AS version, v.fetched_at, v.kind, v.title, v.date,
               v.source, v.index_no, v.doc_no, v.breadcrumb, v.body_text, v.attachments,
               v.content_hash,
               (SELECT count(*) FROM versions c WHERE c.page_id = p.id) AS versions
        FROM pages p JOIN versions v ON v.page_id = p.id AND v.number = p.current_version
    """,
    # What researchers usually want: live documents as they read now.
    "documents": """
        SELECT url, title, date, source, index_no, doc_no, breadcrumb, body_text, attachments,
               version, versions, fetched_at, first_seen, last_seen
        FROM latest WHERE kind = 'document' AND removed_at IS NULL
    """,
    # Every change after the first version.
    "changes": """
        SELECT p.url, v.number AS version, v.fetched_at, v.title, prev.title AS previous_title,
               v.content_hash, prev.content_hash AS previous_hash
        FROM versions v JOIN pages p ON p.id = v.page_id
        JOIN versions prev ON prev.page_id = v.page_id AND prev.number = v.number - 1
    """,
    # Attachment files as archived now, with the documents that link them.
    "attachment_files": """
        SELECT p.url, v.title AS link_text, v.content_type, v.raw_size AS size,
               v.content_hash AS sha256, v.number AS version,
               (SELECT count(*) FROM versions c WHERE c.page_id = p.id) AS versions,
               v.fetched_at, p.first_seen, p.last_seen, p.removed_at,
               (SELECT group_concat(d.url, ' ') FROM attachments a JOIN pages d
                ON d.id = a.page_id WHERE a.url IN (p.url, p.first_url)
                OR a.url IN (SELECT url FROM aliases WHERE page_url = p.url)) AS linked_from
        FROM pages p JOIN versions v ON v.page_id = p.id AND v.number = p.current_version
        WHERE p.kind = 'attachment'
    """,
    # What disappeared, and when.
    "removed": """
        SELECT p.url, p.kind, p.removed_at, l.title, l.date, l.versions
        FROM pages p LEFT JOIN latest l ON l.page_id = p.id
        WHERE p.removed_at IS NOT NULL
    """,
}


def _squash(sql: str) -> str:
    return " ".join(sql.split())


def _stale_views(db: Database) -> list[str]:
    existing = {
        name: _squash(sql or "")
        for name, sql in db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'view'")
    }
    return [name for name, sql in VIEWS.items() if _squash(sql) not in existing.get(name, "")]


def schema_is_current(db: Database) -> bool:
    return (
        not migrations.pending(db)
        and not _stale_views(db)
        and search_index.INDEX in db.table_names()
    )


def ensure_schema(db: Database) -> None:
    """Create or upgrade the schema, views and search index. Safe to run every time; it
    writes only what is missing or out of date."""
    migrations.apply(db)
    for name in _stale_views(db):
        db.create_view(name, VIEWS[name], replace=True)
    if search_index.INDEX not in db.table_names():
        search_index.rebuild_index(db)


def _open_readonly(path: Path) -> Database:
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    try:
        db = Database(sqlite3.connect(uri, uri=True, timeout=30))
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return db
    except sqlite3.OperationalError:
        # A WAL archive on read-only media cannot create its -shm file; nothing can be
        # writing it there, so it may be read as immutable.
        return Database(sqlite3.connect(uri + "&immutable=1", uri=True, timeout=30))


def open_db(path: str | Path, *, readonly: bool = False) -> Database:
    """Open the archive at ``path`` (created if needed, unless ``readonly``). Raises
    StoreError. A read-only open writes nothing, unless the schema must be upgraded first."""
    path = Path(path)
    try:
        if readonly:
            db = _open_readonly(path)
            if schema_is_current(db):
                return db
            db.close()
        path.parent.mkdir(parents=True, exist_ok=True)
        db = Database(sqlite3.connect(str(path), timeout=30))
        db.execute("PRAGMA busy_timeout = 30000")
        db.execute("PRAGMA foreign_keys = ON")
        # WAL + NORMAL: a crash may lose the last commits, never consistency; no fsync per page.
        db.execute("PRAGMA synchronous = NORMAL")
        if db.journal_mode != "wal":
            db.enable_wal()
        ensure_schema(db)
    except (sqlite3.Error, OSError) as exc:
        raise StoreError(f"cannot open archive {path}: {exc}") from exc
    return db


@contextmanager
def writing(db: Database) -> Iterator[None]:
    """One transaction; SQLite errors (disk full, read-only…) become StoreError."""
    try:
        with db.atomic():
            yield
    except sqlite3.Error as exc:
        raise StoreError(f"cannot write the archive: {exc}") from exc


@contextmanager
def archive_lock(db_path: str | Path) -> Iterator[None]:
    """Hold ``<archive>.lock`` for one run. flock is released by the kernel when the process
    dies, so a lock left by a killed run never blocks the next one."""
    lock_path = Path(f"{db_path}.lock")
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise StoreError(f"cannot create lock file {lock_path}: {exc.strerror}") from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "another process"
            raise ArchiveBusy(
                f"another run (pid {holder}) is writing {db_path}; not starting a second one"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)


# -- versions ------------------------------------------------------------------------------


def content_hash(fields: dict[str, Any]) -> str:
    """sha256 of the normalised extracted content that defines a version."""
    payload = {name: fields.get(name) for name in HASHED_FIELDS}
    payload["attachments"] = [a["url"] for a in fields.get("attachments") or []]
    blob = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def compress(raw: bytes) -> bytes:
    return zlib.compress(raw, 6)


def decompress(blob: bytes) -> bytes:
    return zlib.decompress(blob)


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
        search_index.index_version(db, version_id, snap.kind, snap.fields)
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


# -- runs and failures ---------------------------------------------------------------------


def start_run(
    db: Database,
    site: str,
    mode: str,
    pid: int,
    command: str,
    settings: dict[str, Any] | None = None,
) -> int:
    with writing(db):
        return int(
            db.table("runs")  # type: ignore[arg-type]
            .insert(
                {
                    "started": utcnow(),
                    "site": site,
                    "mode": mode,
                    "status": "running",
                    "pid": pid,
                    "command": command,
                    "settings": json.dumps(settings or {}, ensure_ascii=False),
                }
            )
            .last_pk
        )


def set_run_mode(db: Database, run_id: int, mode: str) -> None:
    with writing(db):
        db.table("runs").update(run_id, {"mode": mode})


def finish_run(
    db: Database, run_id: int, counts: dict[str, int], status: str, exit_code: int
) -> None:
    with writing(db):
        db.table("runs").update(
            run_id,
            {
                "finished": utcnow(),
                "status": status,
                "exit_code": exit_code,
                **{k: v for k, v in counts.items() if k in RUN_COUNTS},
            },
        )


def interrupted_runs(db: Database) -> list[dict[str, Any]]:
    """Runs that never finished (killed); called while holding the lock, so none is live."""
    return list(db.query("SELECT * FROM runs WHERE status = 'running' ORDER BY id"))


def close_interrupted(db: Database) -> int:
    with writing(db):
        rows = interrupted_runs(db)
        for row in rows:
            db.table("runs").update(row["id"], {"status": "interrupted"})
        return len(rows)


def frontier_resume(
    db: Database, run_id: int, site: str, in_scope: Callable[[str], bool]
) -> tuple[set[str], list[dict[str, Any]]]:
    """Take over the frontier that unfinished runs of ``site`` left, for the URLs within the
    current scope: (URLs done, tasks still pending). Other rows stay for their own runs."""
    with writing(db):
        rows = list(
            db.query(
                "SELECT f.rowid AS rid, f.* FROM frontier f JOIN runs r ON r.id = f.run_id "
                "WHERE f.run_id != ? AND r.site = ? ORDER BY f.rowid",
                [run_id, site],
            )
        )
        taken: dict[str, dict[str, Any]] = {}
        for row in rows:
            if in_scope(row["url"]):
                taken[row["url"]] = row
                db.execute("DELETE FROM frontier WHERE rowid = ?", [row["rid"]])
        db.conn.executemany(
            "INSERT OR REPLACE INTO frontier (run_id, url, reason, guessed, done) VALUES (?, ?, ?, ?, ?)",
            [(run_id, r["url"], r["reason"], r["guessed"], r["done"]) for r in taken.values()],
        )
        db.execute(
            "DELETE FROM frontier WHERE run_id IN (SELECT f.run_id FROM frontier f JOIN runs r "
            "ON r.id = f.run_id WHERE r.status NOT IN ('running', 'interrupted', 'partial'))"
        )
    done = {url for url, row in taken.items() if row["done"]}
    return done, [row for row in taken.values() if not row["done"]]


def frontier_pending(db: Database, run_id: int) -> int:
    return int(
        db.execute(
            "SELECT count(*) FROM frontier WHERE run_id = ? AND done = 0", [run_id]
        ).fetchone()[0]
    )


def frontier_update(
    db: Database, run_id: int, queued: list[tuple[str, str, bool]], done: str | None
) -> None:
    """Record newly queued tasks and one finished task, in one transaction."""
    frontier_record(
        db, run_id, [("queued", *q) for q in queued] + ([("done", done)] if done else [])
    )


def frontier_record(db: Database, run_id: int, events: list[tuple[Any, ...]]) -> None:
    """Record, in one transaction and a few statements, what happened to the frontier in
    order: ``("queued", url, reason, guessed)`` and ``("done", url)``. The last event of a
    URL decides (a re-check queues a URL done earlier in the run again)."""
    if not events:
        return
    rows, urls = _frontier_changes(run_id, events)
    with writing(db):
        _frontier_write(db, run_id, rows, urls)


def _frontier_changes(
    run_id: int, events: list[tuple[Any, ...]]
) -> tuple[list[tuple[Any, ...]], list[str]]:
    queued: dict[str, tuple[str, int, int]] = {}
    finished: dict[str, None] = {}
    for event in events:
        url = event[1]
        if event[0] == "queued":
            queued[url] = (event[2], int(event[3]), 0)
            finished.pop(url, None)
        elif url in queued:
            reason, guessed, _ = queued[url]
            queued[url] = (reason, guessed, 1)
        else:
            finished[url] = None
    return [(run_id, url, *values) for url, values in queued.items()], list(finished)


def _frontier_write(
    db: Database, run_id: int, rows: list[tuple[Any, ...]], urls: list[str]
) -> None:
    for start in range(0, len(rows), 500):
        chunk = rows[start : start + 500]
        db.execute(
            "INSERT INTO frontier (run_id, url, reason, guessed, done) VALUES "
            + ", ".join(["(?, ?, ?, ?, ?)"] * len(chunk))
            + " ON CONFLICT (run_id, url) DO UPDATE SET done = excluded.done, "
            "reason = excluded.reason",
            [value for row in chunk for value in row],
        )
    for start in range(0, len(urls), 500):
        some = urls[start : start + 500]
        marks = ", ".join("?" * len(some))
        db.execute(
            f"UPDATE frontier SET done = 1 WHERE run_id = ? AND url IN ({marks})", [run_id, *some]
        )


def frontier_clear(db: Database, run_id: int) -> None:
    with writing(db):
        db.execute("DELETE FROM frontier WHERE run_id = ?", [run_id])


def record_failure(
    db: Database,
    run_id: int,
    url: str,
    category: str,
    reason: str,
    status: int | None,
    attempts: int,
) -> None:
    with writing(db):
        db.table("failures").insert(
            {
                "run_id": run_id,
                "url": url,
                "category": category,
                "reason": reason,
                "status": status,
                "attempts": attempts,
                "at": utcnow(),
            }
        )


def archived_before(db: Database, url: str, before: str) -> bool:
    """Whether ``url`` was archived (as a page) before ``before``, an archive time."""
    row = db.execute(
        "SELECT 1 FROM pages WHERE url = ? AND first_seen < ?", [url, before]
    ).fetchone()
    return row is not None


def count_documents(db: Database, before: str) -> int:
    return int(
        db.execute(
            "SELECT count(*) FROM pages WHERE kind = 'document' AND first_seen < ?", [before]
        ).fetchone()[0]
    )


def revisit_order(
    db: Database, *, documents_only: bool, files: bool, recent: str, bonus_days: int
) -> Iterator[str]:
    """Archived pages with a current version, the longest unchecked first; a document
    published on or after ``recent`` counts as checked ``bonus_days`` earlier than it was.
    ``documents_only``: documents alone; else every kind, files only if ``files``."""
    kinds = (
        "p.kind = 'document'" if documents_only else ("1" if files else "p.kind != 'attachment'")
    )
    for (url,) in db.execute(
        "SELECT p.url FROM pages p LEFT JOIN versions v ON v.page_id = p.id "
        "AND v.number = p.current_version "
        f"WHERE p.current_version IS NOT NULL AND {kinds} "
        "ORDER BY CASE WHEN v.kind = 'document' AND coalesce(v.date, '') >= ? "
        "AND p.last_checked IS NOT NULL "
        "THEN strftime('%Y-%m-%dT%H:%M:%SZ', p.last_checked, ?) "
        "ELSE coalesce(p.last_checked, '') END, p.url",
        [recent, f"-{bonus_days} days"],
    ):
        yield url


def settled_failures(db: Database) -> set[str]:
    """URLs whose last failure was a dead link, an off-scope redirect or a file over the size
    cap, and that are not pages: facts about the site that a default run need not ask about
    again."""
    return {
        row["url"]
        for row in db.query(
            "SELECT f.url FROM failures f "
            "WHERE f.category IN ('dead-link', 'out-of-scope', 'too-large') "
            "AND f.id = (SELECT max(id) FROM failures g WHERE g.url = f.url) "
            "AND f.url NOT IN (SELECT url FROM pages)"
        )
    }


# -- reading -------------------------------------------------------------------------------


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


# What `history` and `changes` name as changed: the extracted fields, bar the label mapping
# (``meta`` repeats them and every label a page shows).
COMPARED_FIELDS = ("kind", *(name for name in FIELDS if name != "meta"))


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


def latest_records(db: Database, kind: str | None) -> Iterator[dict[str, Any]]:
    where, params = ("WHERE kind = ?", [kind]) if kind else ("", [])
    for row in db.query(f"SELECT * FROM latest {where} ORDER BY url", params):
        yield decode_version(row)


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
