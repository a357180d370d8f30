"""The search index and its queries (archive layer: the SQL of search lives here).

``search_index`` is a contentless FTS5 table, one row per version (rowid = ``versions.id``)
of every kind but ``list``, built with SQLite's own ``ascii`` tokenizer from the tokens that
:mod:`scraper.searchtext` makes: bigrams of the folded title, breadcrumb, source, 文号 and
body text, plus the distinct characters of all five. It is exact for substrings of any
length, needs no extension to read (``MATCH '"公开"'`` in the sqlite3 shell finds 公开), and
stores no copy of the text: snippets are cut from ``versions``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from scraper.searchtext import TOKENIZE, Query, char_tokens, field_tokens, snippet

INDEX = "search_index"
COLUMNS = ("title", "breadcrumb", "source", "doc_no", "body", "chars")
# bm25 weights, column by column; chars only finds one-character terms and scores nothing.
WEIGHTS = (4.0, 2.0, 2.0, 2.0, 1.0, 0.0)
SEARCHABLE_KINDS = ("document", "other", "attachment")
# A title folded in SQL (for ranking only; the match itself is the index's): the common
# whitespace dropped, ASCII lower-cased, as searchtext.fold does.
_FOLDED_TITLE = (
    "lower(replace(replace(replace(replace(replace(coalesce(v.title, ''), ' ', ''), "
    "char(10), ''), char(13), ''), char(9), ''), char(12288), ''))"
)


def create_index(db: Database) -> None:
    columns = ", ".join(COLUMNS)
    tokenize = TOKENIZE.replace('"', '""')
    db.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {INDEX} USING fts5({columns}, content='', "
        f'tokenize="{tokenize}")'
    )


def _breadcrumb(value: Any) -> list[str]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return [value]
    return [str(item) for item in value or []]


def index_row(fields: dict[str, Any]) -> tuple[str, ...]:
    """The index columns of one version, from its fields (stored or fresh)."""
    values = [
        fields.get("title"),
        _breadcrumb(fields.get("breadcrumb")),
        fields.get("source"),
        fields.get("doc_no"),
        fields.get("body_text"),
    ]
    return (*(field_tokens(v) for v in values), char_tokens(values))


def index_version(db: Database, version_id: int, kind: str, fields: dict[str, Any]) -> None:
    """Index one new version; called in the transaction that writes it."""
    if kind == "list":
        return
    db.execute(
        f"INSERT INTO {INDEX} (rowid, {', '.join(COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [version_id, *index_row(fields)],
    )


def rebuild_index(db: Database) -> int:
    """Index every version again from the stored fields (``scraper reindex --search`` and the
    migration that creates the index). Returns the number of versions indexed."""
    create_index(db)
    db.execute(f"INSERT INTO {INDEX} ({INDEX}) VALUES ('delete-all')")
    count = 0
    rows = db.execute(
        "SELECT id, title, breadcrumb, source, doc_no, body_text FROM versions "
        "WHERE kind != 'list' ORDER BY id"
    )
    insert = f"INSERT INTO {INDEX} (rowid, {', '.join(COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?)"
    batch: list[tuple[Any, ...]] = []
    for vid, title, breadcrumb, source, doc_no, body in rows:
        fields = {
            "title": title,
            "breadcrumb": breadcrumb,
            "source": source,
            "doc_no": doc_no,
            "body_text": body,
        }
        batch.append((vid, *index_row(fields)))
        if len(batch) >= 500:
            db.conn.executemany(insert, batch)
            count += len(batch)
            batch = []
    db.conn.executemany(insert, batch)
    count += len(batch)
    db.execute(f"INSERT INTO {INDEX} ({INDEX}) VALUES ('optimize')")
    return count


@dataclass
class Filters:
    """What a search keeps besides the match (``scraper search``'s options)."""

    kinds: tuple[str, ...] = ()
    source: str | None = None
    column: str | None = None
    since: str | None = None
    until: str | None = None
    all_versions: bool = False


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _where(filters: Filters) -> tuple[list[str], list[Any]]:
    where = ["v.kind != 'list'"]
    params: list[Any] = []
    if not filters.all_versions:
        where.append("v.number = p.current_version")
    if filters.kinds:
        where.append(f"v.kind IN ({', '.join('?' * len(filters.kinds))})")
        params += filters.kinds
    if filters.source:
        where.append("v.source LIKE ? ESCAPE '\\'")
        params.append(_like(filters.source))
    if filters.column:
        where.append("v.breadcrumb LIKE ? ESCAPE '\\'")
        params.append(_like(filters.column))
    if filters.since:
        where.append("v.date >= ?")
        params.append(filters.since)
    if filters.until:
        where.append("v.date <= ?")
        params.append(filters.until)
    return where, params


def _title_rank(query: Query) -> tuple[str, list[str]]:
    """1 when the title holds every term, else 0 (SQL, with its parameters)."""
    return " AND ".join(f"instr({_FOLDED_TITLE}, ?) > 0" for _ in query.terms), list(query.terms)


def ranked_sql(query: Query, filters: Filters) -> tuple[str, list[Any]]:
    """The ranked search as one statement (also the model of the Datasette canned query):
    title matches first; then bm25 for queries with a term of 2+ characters, newest first
    for one-character queries; undated pages last; a total count on every row."""
    where, params = _where(filters)
    title_sql, title_params = _title_rank(query)
    score = "NULL" if query.single_chars_only else f"bm25({INDEX}, {', '.join(map(str, WEIGHTS))})"
    sql = (
        f"WITH hits AS MATERIALIZED (SELECT rowid AS version_id, {score} AS score "
        f"FROM {INDEX} WHERE {INDEX} MATCH ?) "
        f"SELECT v.id AS version_id, p.url, v.kind, v.title, v.date, v.source, "
        f"v.number AS version, p.removed_at, h.score, ({title_sql}) AS in_title, "
        f"count(*) OVER () AS total "
        f"FROM hits h JOIN versions v ON v.id = h.version_id JOIN pages p ON p.id = v.page_id "
        f"WHERE {' AND '.join(where)} "
        f"ORDER BY in_title DESC, h.score, v.date IS NULL, v.date DESC, p.url, v.number DESC"
    )
    return sql, [query.match(), *title_params, *params]


def _snippet_for(db: Database, version_id: int, query: Query, **kwargs: Any) -> str:
    row = db.execute(
        "SELECT body_text, title, source, doc_no, breadcrumb FROM versions WHERE id = ?",
        [version_id],
    ).fetchone()
    if row is None:
        return ""
    body, title, source, doc_no, breadcrumb = row
    return snippet(
        [body, title, source, doc_no, " > ".join(_breadcrumb(breadcrumb))], query, **kwargs
    )


def search(
    db: Database, query: Query, filters: Filters | None = None, limit: int = 20
) -> tuple[int, list[dict[str, Any]]]:
    """The best ``limit`` matches and the total count. Each result: url, kind, title, date,
    source, version, score (None for one-character queries), snippet, removed_at."""
    sql, params = ranked_sql(query, filters or Filters())
    rows = db.execute(sql + " LIMIT ?", [*params, max(limit, 0)]).fetchall()
    total = int(rows[0][-1]) if rows else 0
    results = []
    for vid, url, kind, title, date, source, version, removed_at, score, _, _ in rows:
        results.append(
            {
                "url": url,
                "kind": kind,
                "title": title,
                "date": date,
                "source": source,
                "version": version,
                "score": None if score is None else round(float(score), 4),
                "snippet": _snippet_for(db, vid, query),
                "removed_at": removed_at,
            }
        )
    return total, results


def search_gone(
    db: Database, query: Query, filters: Filters | None = None, limit: int = 20
) -> tuple[int, list[dict[str, Any]]]:
    """Pages whose earlier versions contained the query and whose current version does not:
    text quietly removed. A removed page counts by its last version. Each result is the last
    version that held the text, with ``gone_in``: the version that dropped it."""
    filters = filters or Filters()
    where, params = _where(Filters(**{**filters.__dict__, "all_versions": True}))
    sql = (
        f"WITH hits AS MATERIALIZED (SELECT rowid AS version_id FROM {INDEX} "
        f"WHERE {INDEX} MATCH ?), "
        "held AS (SELECT v.page_id, max(v.number) AS last_number FROM hits h "
        f"JOIN versions v ON v.id = h.version_id JOIN pages p ON p.id = v.page_id "
        f"WHERE {' AND '.join(where)} GROUP BY v.page_id) "
        "SELECT v.id, p.url, v.kind, v.title, v.date, v.source, v.number, p.removed_at, "
        "p.current_version, count(*) OVER () "
        "FROM held JOIN pages p ON p.id = held.page_id "
        "JOIN versions v ON v.page_id = held.page_id AND v.number = held.last_number "
        "WHERE held.last_number < p.current_version "
        "ORDER BY v.date IS NULL, v.date DESC, p.url LIMIT ?"
    )
    rows = db.execute(sql, [query.match(), *params, max(limit, 0)]).fetchall()
    total = int(rows[0][-1]) if rows else 0
    results = []
    for vid, url, kind, title, date, source, number, removed_at, current, _ in rows:
        results.append(
            {
                "url": url,
                "kind": kind,
                "title": title,
                "date": date,
                "source": source,
                "version": number,
                "score": None,
                "snippet": _snippet_for(db, vid, query),
                "removed_at": removed_at,
                "gone_in": number + 1 if number < current else None,
            }
        )
    return total, results
