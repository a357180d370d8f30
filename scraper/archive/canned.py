"""The SQL of the Datasette canned queries (archive layer: SQL only, no Datasette).

Each query is a title, a description and one statement over the archive's tables and views
(``archive.VIEWS``). :mod:`scraper.serve` reads :data:`QUERIES` into the metadata of every
archive it serves. The names and parameters of the first five are kept as they were, since
users have bookmarked them. ``search`` uses the SQL functions of
:mod:`scraper.datasette_plugin` (``scraper_match``, ``scraper_in_title``, ``scraper_single``,
``scraper_snippet``): a query must be turned into a match expression before the index can
answer it.
"""

from __future__ import annotations

from scraper.archive.search import INDEX, SEARCHABLE_KINDS, TITLES, WEIGHTS

_KINDS = ", ".join(f"'{kind}'" for kind in SEARCHABLE_KINDS)
_BM25 = f"bm25({INDEX}, {', '.join(map(str, WEIGHTS))})"

# The ranking of ``scraper search`` (scraper.archive.search), latest versions, every match:
# title holding every term first, then bm25 (2+ characters) or newest first (one
# character), undated last. The ranking is a FROM-clause subquery alone in the outer FROM,
# so SQLite keeps its order and the snippets (the costly part) are cut only for the rows
# Datasette reads, not for every match.
SEARCH = f"""
WITH hits AS MATERIALIZED (
  SELECT rowid AS version_id, {_BM25} AS score
  FROM {INDEX} WHERE {INDEX} MATCH scraper_match(:q)
),
titled AS MATERIALIZED (
  SELECT rowid AS version_id FROM {TITLES} WHERE {TITLES} MATCH scraper_match(:q)
),
ranked AS (
  SELECT v.id AS version_id, p.url, v.title, v.date, v.source
  FROM hits h JOIN versions v ON v.id = h.version_id JOIN pages p ON p.id = v.page_id
  WHERE v.kind IN ({_KINDS})
  ORDER BY h.version_id IN (SELECT version_id FROM titled) DESC,
           CASE WHEN scraper_single(:q) THEN NULL ELSE h.score END,
           v.date IS NULL, v.date DESC, p.url
)
SELECT url, title, date, source,
  (SELECT scraper_snippet(s.body_text, s.title, s.source, s.doc_no, s.breadcrumb, :q)
   FROM versions s WHERE s.id = ranked.version_id) AS snippet
FROM ranked
"""

PAGE_ON_DATE = """
SELECT v.number, v.fetched_at, v.title, v.date, v.source, v.index_no, v.doc_no, v.body_text
FROM versions v JOIN pages p ON p.id = v.page_id
WHERE p.url = :url AND v.fetched_at <= :day || 'T23:59:59Z'
ORDER BY v.number DESC LIMIT 1
"""

PAGE_CHANGES = """
SELECT v.number, v.fetched_at, v.title, v.date, v.content_hash
FROM versions v JOIN pages p ON p.id = v.page_id
WHERE p.url = :url ORDER BY v.number
"""

# last_seen is moved by every answer that was the page (200 or 304), never by the 404s;
# removed_at is the time of the confirming second request.
DISAPPEARED = """
SELECT p.url, p.kind, l.title, l.date,
       p.last_seen AS last_seen_ok,
       p.removed_at AS gone_confirmed_at,
       (SELECT e.detail FROM page_events e WHERE e.page_id = p.id AND e.event = 'removed'
        ORDER BY e.id DESC LIMIT 1) AS answer,
       l.versions
FROM pages p LEFT JOIN latest l ON l.page_id = p.id
WHERE p.removed_at IS NOT NULL
ORDER BY p.removed_at DESC, p.url
"""

FILES_CHANGED_OR_GONE = """
SELECT url, link_text, versions, size, sha256, fetched_at AS last_changed, removed_at,
       linked_from
FROM attachment_files
WHERE versions > 1 OR removed_at IS NOT NULL
ORDER BY coalesce(removed_at, fetched_at) DESC, url
"""

# New and changed versions, removals and returns, newest first; list pages left out (their
# versions are what a column listed, see the `changes` view).
RECENT_CHANGES = """
SELECT at, event, url, kind, title, date, version FROM (
  SELECT v.fetched_at AS at,
         CASE WHEN v.number = 1 THEN 'new' ELSE 'changed' END AS event,
         p.url, v.kind, v.title, v.date, v.number AS version
  FROM versions v JOIN pages p ON p.id = v.page_id
  WHERE v.kind != 'list'
  UNION ALL
  SELECT e.at, e.event, p.url, p.kind, l.title, l.date, l.version
  FROM page_events e JOIN pages p ON p.id = e.page_id
  LEFT JOIN latest l ON l.page_id = p.id
  WHERE p.kind != 'list'
)
ORDER BY at DESC, url
"""

# The digest as an Atom feed (datasette-atom: /ARCHIVE/changes_feed.atom): the newest 100
# events of documents and attachment files, the kinds `scraper changes` shows by default.
# atom_id is the tag: URI `scraper feed` gives the same event (scraper.feed.entry_id): the
# URL's host, the event's day, the URL without its scheme, the event, and vN or the time.
CHANGES_FEED = """
WITH events AS (
  SELECT v.fetched_at AS at,
         CASE WHEN v.number = 1 THEN 'new' ELSE 'changed' END AS event,
         'v' || v.number AS which,
         p.url, v.kind, v.title, v.date, v.source, v.doc_no, v.number AS version
  FROM versions v JOIN pages p ON p.id = v.page_id
  WHERE v.kind IN ('document', 'attachment')
  UNION ALL
  SELECT e.at, e.event, replace(replace(e.at, '-', ''), ':', ''),
         p.url, p.kind, l.title, l.date, l.source, l.doc_no, l.version
  FROM page_events e JOIN pages p ON p.id = e.page_id
  LEFT JOIN latest l ON l.page_id = p.id
  WHERE p.kind IN ('document', 'attachment')
  ORDER BY at DESC, url LIMIT 100
),
addressed AS (
  SELECT *, substr(url, instr(url, '://') + 3) AS rest FROM events
),
hosted AS (
  SELECT *, substr(rest, 1, instr(rest || '/', '/') - 1) AS netloc FROM addressed
)
SELECT 'tag:' || CASE WHEN instr(netloc, ':') > 0 THEN substr(netloc, 1, instr(netloc, ':') - 1)
                      ELSE netloc END
       || ',' || substr(at, 1, 10) || ':' || rest || '/' || event || '/' || which AS atom_id,
       event || CASE WHEN event = 'changed' THEN ' (v' || version || ')' ELSE '' END
       || ': ' || coalesce(title, url) AS atom_title,
       at AS atom_updated,
       '发布日期: ' || coalesce(date, '-') || ' · 来源: ' || coalesce(source, '-')
       || ' · 文号: ' || coalesce(doc_no, '-') || char(10)
       || event || ' (' || kind || ', version ' || coalesce(version, '-') || ') at ' || at
       || ': ' || url AS atom_content,
       url AS atom_link,
       event, kind, url, version
FROM hosted
ORDER BY at DESC, url
"""

BY_SOURCE = """
SELECT source, count(*) AS documents, min(date) AS oldest, max(date) AS newest
FROM documents
GROUP BY source
ORDER BY documents DESC, source
"""

COLUMN_COUNTS = """
SELECT (SELECT group_concat(value, ' > ') FROM json_each(d.breadcrumb)) AS "column",
       count(*) AS documents, min(date) AS oldest, max(date) AS newest
FROM documents d
GROUP BY d.breadcrumb
ORDER BY documents DESC, "column"
"""

# Annual reports (issue 13): a row per report (its current reading), across units and years.
_REPORT_ROWS = """
SELECT r.unit, r.year, r.format, t.level, t.published, t.deadline, t.status, t.days_late,
       t.first_seen,
       (SELECT count(*) FROM report_checks c WHERE c.report_id = r.id AND c.result = 'PASS')
         AS checks_passed,
       (SELECT count(*) FROM report_checks c WHERE c.report_id = r.id AND c.result = 'FAIL')
         AS checks_failed,
       CASE WHEN EXISTS (SELECT 1 FROM report_changes x WHERE x.url = p.url)
            THEN 'yes' ELSE 'no' END AS changed_after_publication,
       a.granted_share, a.corrected_share, p.url, v.number AS version
FROM reports r JOIN pages p ON p.id = r.page_id JOIN versions v ON v.id = r.version_id
LEFT JOIN report_timeliness t ON t.url = p.url AND t.version = v.number
LEFT JOIN report_rates a ON a.url = p.url AND a.unit = r.unit AND a.year = r.year
WHERE r.current = 1
"""

REPORTS_OVERVIEW = _REPORT_ROWS + "ORDER BY r.unit, r.year, p.url\n"

UNIT_REPORTS = _REPORT_ROWS + "AND instr(r.unit, :unit) > 0\nORDER BY r.year, r.unit, p.url\n"

FAILED_CHECKS = """
SELECT r.unit, r.year, c."check", c.expression, c."left", c."right", c.delta,
       p.url, v.number AS version
FROM report_checks c JOIN reports r ON r.id = c.report_id
JOIN pages p ON p.id = r.page_id JOIN versions v ON v.id = r.version_id
WHERE c.result = 'FAIL' AND r.current = 1
ORDER BY r.unit, r.year, c.id
"""

QUERIES: dict[str, dict[str, str]] = {
    "search": {
        "title": "Search (any length: 1, 2 or more characters)",
        "description": (
            "Every page whose title, column, source, 文号 or text contains the words, as "
            "written (whitespace and the case of Latin letters ignored); several words must "
            "all occur, a quoted phrase is one word. Latest versions of documents, other "
            "pages and attachment files, best first: titles holding every word, then by "
            "relevance (newest first for one-character queries), undated last."
        ),
        "sql": SEARCH,
    },
    "recent_changes": {
        "title": "What changed recently?",
        "description": (
            "New pages, new versions, removals and returns, newest first (list pages left out)."
        ),
        "sql": RECENT_CHANGES,
    },
    "changes_feed": {
        "title": "Changes feed (Atom: add .atom to this page's address)",
        "description": (
            "The newest 100 new, changed, removed and returned documents and attachment "
            "files, shaped for datasette-atom: /ARCHIVE/changes_feed.atom is an Atom feed "
            "with the same entry ids as `scraper feed`."
        ),
        "sql": CHANGES_FEED,
    },
    "page_on_date": {
        "title": "What did this page say on a date?",
        "description": "The version of :url archived on or before :day (YYYY-MM-DD, UTC).",
        "sql": PAGE_ON_DATE,
    },
    "page_changes": {
        "title": "When did this page change?",
        "description": "Every version of :url.",
        "sql": PAGE_CHANGES,
    },
    "disappeared": {
        "title": "What disappeared?",
        "description": (
            "Pages that stopped answering: last seen OK at last_seen_ok, gone (confirmed by a "
            "second request) at gone_confirmed_at. Their versions are kept."
        ),
        "sql": DISAPPEARED,
    },
    "files_changed_or_gone": {
        "title": "Which attachment files changed or disappeared?",
        "sql": FILES_CHANGED_OR_GONE,
    },
    "by_source": {
        "title": "Documents by source (发布机构)",
        "sql": BY_SOURCE,
    },
    "column_counts": {
        "title": "Documents by column (栏目)",
        "sql": COLUMN_COUNTS,
    },
    "annual_reports": {
        "title": "Annual reports (政府信息公开工作年度报告) across units and years",
        "description": (
            "A row per report: format, published date against its deadline (31 March of the "
            "next year for a government, 31 January for a department), checks passed and "
            "failed, whether its figures changed after publication, and the rates "
            "予以公开/总计 and 纠正/复议总计. The figures are in report_figures."
        ),
        "sql": REPORTS_OVERVIEW,
    },
    "unit_reports": {
        "title": "One unit's annual reports across years",
        "description": "The reports of the units whose name contains :unit, year by year.",
        "sql": UNIT_REPORTS,
    },
    "failed_checks": {
        "title": "Annual-report checks that failed",
        "description": (
            "Every identity of tables 三 and 四 (and across years) a report's current "
            "figures do not satisfy, with both sides written out."
        ),
        "sql": FAILED_CHECKS,
    },
}


def year_facet_sql(inner_sql: str, column: str, limit: int) -> str:
    """Counts per year of a ``YYYY-MM-DD`` column (escaped by the caller) over a table's
    query, newest first: Datasette's year facet."""
    return (
        f"SELECT substr({column}, 1, 4) AS value, count(*) AS count FROM ({inner_sql}) "
        f"WHERE {column} GLOB '[0-9][0-9][0-9][0-9]-*' "
        f"GROUP BY value ORDER BY value DESC LIMIT {limit}"
    )
