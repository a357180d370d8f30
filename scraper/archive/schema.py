"""The schema: the field registry, the migrations (an archive written by any earlier version
opens and upgrades), the views and the search index."""

from __future__ import annotations

import logging

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

logger = logging.getLogger(__name__)


from scraper.fields import (  # noqa: E402  (the registry, re-exported for archive users)
    COMPARED_FIELDS,
    EXPORTED_FIELDS,
    FIELDS,
    HASHED_FIELDS,
    JSON_FIELDS,
    REGISTRY,
    SEARCHED_FIELDS,
    SHOWN_FIELDS,
    SIGNIFICANT_FIELDS,
    Field,
)

__all__ = [
    "COMPARED_FIELDS", "EXPORTED_FIELDS", "FIELDS", "HASHED_FIELDS", "JSON_FIELDS", "REGISTRY",
    "SEARCHED_FIELDS", "SHOWN_FIELDS", "SIGNIFICANT_FIELDS", "Field",
]  # fmt: skip


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
    from scraper.archive import search as search_index

    # One index exact at every length (bigrams and characters, scraper.search) replaces the
    # trigram versions_fts, which could not match one- or two-character words.
    if "versions_fts" in db.table_names():
        db.table("versions").disable_fts()
    search_index.rebuild_index(db)


@migrations()
def m008_published_dates(db: Database) -> None:
    # Searches newest first and by published date (--since/--until) read dates in order.
    db.table("versions").create_index(["date"], if_not_exists=True)


VIEWS = {
    # The latest version of every page that has one, removed pages included.
    "latest": """
        SELECT p.id AS page_id, p.url, p.site, p.kind AS page_kind, p.first_seen, p.last_seen,
               p.removed_at, v.number AS version, v.fetched_at, v.kind, """
    + ", ".join(f"v.{name}" for name in EXPORTED_FIELDS)
    + """,
               v.content_hash,
               (SELECT count(*) FROM versions c WHERE c.page_id = p.id) AS versions
        FROM pages p JOIN versions v ON v.page_id = p.id AND v.number = p.current_version
    """,
    # What researchers usually want: live documents as they read now.
    "documents": """
        SELECT url, """
    + ", ".join(EXPORTED_FIELDS)
    + """,
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
    from scraper.archive import search as search_index

    return not migrations.pending(db) and not _stale_views(db) and search_index.is_current(db)


def ensure_schema(db: Database) -> None:
    """Create or upgrade the schema, views and search index. Safe to run every time; it
    writes only what is missing or out of date (an index made by another version of the
    tokens is made again)."""
    from scraper.archive import search as search_index

    migrations.apply(db)
    for name in _stale_views(db):
        db.create_view(name, VIEWS[name], replace=True)
    if not search_index.is_current(db):
        with db.atomic():
            search_index.rebuild_index(db)
