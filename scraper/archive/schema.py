"""The schema: the field registry, the migrations (an archive written by any earlier version
opens and upgrades), the views and the search index."""

from __future__ import annotations

import logging

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from scraper.reports import names as _n  # the canonical figure names the views select

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


@migrations()
def m009_report_figures(db: Database) -> None:
    # Annual reports as data (issue 13). A reading is one derivation of a report page's
    # figures: its version and the versions of the attachment files it read (``files``), so a
    # file replaced under the same address makes a new reading of the same page version.
    # ``current`` marks the reading of each page's current version that is newest.
    db.table("reports").create(
        {
            "id": int,
            "version_id": int,
            "page_id": int,
            "run_id": int,
            "unit": str,
            "year": int,
            "format": str,
            "parser_version": str,
            "files": str,  # JSON: [{"url", "version_id", "sha256"}] of the files read
            "problems": str,  # JSON: the parser's problem lines
            "seen_at": str,  # the newest fetch time among the version and its files
            "derived_at": str,
            "current": int,
        },
        pk="id",
        foreign_keys=[("version_id", "versions", "id"), ("page_id", "pages", "id")],
    )
    db.table("reports").create_index(["page_id"])
    db.table("reports").create_index(["version_id"])
    db.table("reports").create_index(["unit", "year"])
    db.table("report_figures").create(
        {
            "id": int,
            "report_id": int,
            "version_id": int,
            "unit": str,
            "year": int,
            "format": str,
            "table": str,
            "row": str,
            "column": str,
            "group": str,
            # NUMERIC affinity ("ANY"): 12 stays INTEGER, 5949.088667 REAL; NULL for —, / or blank
            "value": "ANY",
            "source": str,
            "locator": str,
        },
        pk="id",
        foreign_keys=[("report_id", "reports", "id"), ("version_id", "versions", "id")],
    )
    db.table("report_figures").create_index(["report_id"])
    db.table("report_figures").create_index(["version_id"])
    db.table("report_figures").create_index(["unit", "year"])
    db.table("report_checks").create(
        {
            "id": int,
            "report_id": int,
            "version_id": int,
            "check": str,
            "expression": str,
            "left": "ANY",
            "right": "ANY",
            "delta": "ANY",
            "result": str,  # PASS | FAIL | NOT_ASSESSABLE
        },
        pk="id",
        foreign_keys=[("report_id", "reports", "id"), ("version_id", "versions", "id")],
    )
    db.table("report_checks").create_index(["report_id"])
    db.table("report_checks").create_index(["version_id"])
    # Runs whose new versions have been read for reports (the write path's bookkeeping);
    # the runs of an archive written before are left to `scraper reindex --figures`.
    db.table("report_runs").create({"run_id": int, "derived_at": str}, pk="run_id")
    db.execute("INSERT INTO report_runs (run_id, derived_at) SELECT id, 'before m009' FROM runs")
    # When a run ends, its new versions and the documents linking its new files are looked up.
    db.table("versions").create_index(["run_id"], if_not_exists=True)
    db.table("attachments").create_index(["url"], if_not_exists=True)
    # A unit's level where its name does not say it (a profile's report_levels).
    db.table("report_levels").create({"unit": str, "level": str}, pk="unit")


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
    # Annual reports whose figures changed between two readings of the same page (a new
    # version of the page, or a file replaced under its address): "changed after
    # publication", a row per changed cell.
    "report_changes": """
        SELECT r.unit, r.year, p.url, ov.number AS old_version, nv.number AS new_version,
               f."table", f."row", f."column", o.value AS old_value, f.value AS new_value,
               o.source AS old_source, f.source AS new_source,
               prev.seen_at AS old_seen_at, r.seen_at AS new_seen_at
        FROM reports r
        JOIN reports prev ON prev.id = (SELECT max(x.id) FROM reports x
                                        WHERE x.page_id = r.page_id AND x.id < r.id)
             AND prev.parser_version = r.parser_version
        JOIN report_figures f ON f.report_id = r.id
        JOIN report_figures o ON o.report_id = prev.id AND o."table" = f."table"
             AND o."row" = f."row" AND o."column" = f."column"
        JOIN pages p ON p.id = r.page_id
        JOIN versions nv ON nv.id = r.version_id
        JOIN versions ov ON ov.id = prev.version_id
        WHERE o.value IS NOT f.value
    """,
    # Published on time? The date the report shows decides, against 31 March of the next
    # year for a government (人民政府, 管委会, 办事处, or report_levels), 31 January for a
    # department; the day the archive first saw it stands beside.
    "report_timeliness": """
        SELECT unit, year, level, published, first_seen, deadline,
               CASE WHEN published IS NULL THEN NULL
                    WHEN published <= deadline THEN 'on_time' ELSE 'late' END AS status,
               CASE WHEN published IS NULL THEN NULL WHEN published <= deadline THEN 0
                    ELSE CAST(julianday(published) - julianday(deadline) AS INTEGER)
               END AS days_late,
               url, version
        FROM (
          SELECT unit, year, level, published, first_seen, url, version,
                 printf('%04d', year + 1)
                 || CASE WHEN level = 'government' THEN '-03-31' ELSE '-01-31' END AS deadline
          FROM (
            SELECT r.unit, r.year, v.date AS published, substr(p.first_seen, 1, 10) AS first_seen,
                   p.url, v.number AS version,
                   coalesce((SELECT l.level FROM report_levels l WHERE l.unit = r.unit),
                            CASE WHEN r.unit LIKE '%人民政府' OR r.unit LIKE '%管委会'
                                      OR r.unit LIKE '%办事处' THEN 'government'
                                 ELSE 'department' END) AS level
            FROM reports r JOIN versions v ON v.id = r.version_id
            JOIN pages p ON p.id = r.page_id
            WHERE r.current = 1
          )
        )
    """,
    # The derived rates: 予以公开 / 总计 of table 三 (its 总计 column), 纠正 / 总计 of 行政复议.
    "report_rates": f"""
        SELECT r.unit, r.year, p.url,
               g.value AS granted, t.value AS applications,
               CASE WHEN t.value > 0 THEN round(1.0 * g.value / t.value, 4) END AS granted_share,
               c.value AS corrected, rt.value AS reviews,
               CASE WHEN rt.value > 0 THEN round(1.0 * c.value / rt.value, 4)
               END AS corrected_share
        FROM reports r JOIN pages p ON p.id = r.page_id
        LEFT JOIN report_figures g ON g.report_id = r.id AND g."table" = '{_n.T3}'
             AND g."row" = '{_n.T3_GRANTED}' AND g."column" = '{_n.T3_TOTAL_COLUMN}'
        LEFT JOIN report_figures t ON t.report_id = r.id AND t."table" = '{_n.T3}'
             AND t."row" = '{_n.T3_TOTAL}' AND t."column" = '{_n.T3_TOTAL_COLUMN}'
        LEFT JOIN report_figures c ON c.report_id = r.id AND c."table" = '{_n.T4}'
             AND c."row" = '{_n.T4_REVIEW}' AND c."column" = '{_n.T4_PARTS[1]}'
        LEFT JOIN report_figures rt ON rt.report_id = r.id AND rt."table" = '{_n.T4}'
             AND rt."row" = '{_n.T4_REVIEW}' AND rt."column" = '{_n.T4_TOTAL}'
        WHERE r.current = 1
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
