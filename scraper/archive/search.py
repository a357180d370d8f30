"""The search index and its queries (archive layer: the SQL of search lives here).

Three contentless FTS5 tables, built with SQLite's own ``ascii`` tokenizer from the tokens
:mod:`scraper.searchtext` makes (bigrams of each folded field, and the distinct characters
of the row), rowid = ``versions.id``, versions of every kind but ``list``:

- ``search_index``: the current version of every page (removed pages included), the one a
  search reads by default. Columns: the searched fields of the registry, then ``chars``;
- ``search_titles``: the same versions' titles alone, so that "the title holds every term",
  the first rank of every result list, costs a look at a small index;
- ``search_history``: every earlier version, for ``--all-versions`` and ``--gone``.

When a page gets a new version, its old row moves from the first two to the history, in
the transaction that writes the version. A contentless row is deleted by giving its tokens
again, so the tokens must be made the same way as when the row was written: ``FORMAT``
names the way, and an archive whose index was made another way is indexed again on open.

Exact for substrings of any length, readable with no extension (``MATCH '"公开"'`` in the
sqlite3 shell), and no copy of the text is stored: snippets are cut from ``versions``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from scraper.fields import SEARCHED_FIELDS
from scraper.searchtext import TOKENIZE, Query, breadcrumb_items, index_row, snippet, title_row

INDEX = "search_index"
TITLES = "search_titles"
HISTORY = "search_history"
FORMAT = "bigrams+chars/2"  # change it whenever the tokens of a row could come out differently
_COLUMN_OF = {"body_text": "body"}
COLUMNS = (*(_COLUMN_OF.get(name, name) for name in SEARCHED_FIELDS), "chars")
_WEIGHT_OF = {"title": 4.0, "breadcrumb": 2.0, "source": 2.0, "doc_no": 2.0, "body": 1.0}
# bm25 weights, column by column; chars only finds one-character terms and scores nothing.
WEIGHTS = tuple(_WEIGHT_OF.get(column, 0.0) for column in COLUMNS)
SEARCHABLE_KINDS = ("document", "other", "attachment")
_SHADOWS = ("data", "idx", "docsize", "config", "content")
# Every table of the index, shadow tables included (Datasette hides them).
TABLES = (
    *(f"{t}{s}" for t in (INDEX, TITLES, HISTORY) for s in ("", *(f"_{x}" for x in _SHADOWS))),
    "search_format",
)
_BM25 = f"bm25({INDEX}, {', '.join(map(str, WEIGHTS))})"


def _create(db: Database, name: str, columns: tuple[str, ...]) -> None:
    tokenize = TOKENIZE.replace('"', '""')
    db.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {name} USING fts5({', '.join(columns)}, "
        f"content='', tokenize=\"{tokenize}\")"
    )


def create_index(db: Database) -> None:
    _create(db, INDEX, COLUMNS)
    _create(db, TITLES, ("title", "chars"))
    _create(db, HISTORY, COLUMNS)
    db.execute("CREATE TABLE IF NOT EXISTS search_format (format TEXT NOT NULL)")


def is_current(db: Database) -> bool:
    """The index exists and was made the way this code makes it."""
    if "search_format" not in db.table_names():
        return False
    row = db.execute("SELECT format FROM search_format").fetchone()
    return row is not None and row[0] == FORMAT


def _insert(db: Database, table: str, version_id: int, row: tuple[str, ...]) -> None:
    columns = COLUMNS if len(row) == len(COLUMNS) else ("title", "chars")
    db.execute(
        f"INSERT INTO {table} (rowid, {', '.join(columns)}) VALUES (?, {', '.join('?' * len(row))})",
        [version_id, *row],
    )


def _delete(db: Database, table: str, version_id: int, row: tuple[str, ...]) -> None:
    columns = COLUMNS if len(row) == len(COLUMNS) else ("title", "chars")
    db.execute(
        f"INSERT INTO {table} ({table}, rowid, {', '.join(columns)}) "
        f"VALUES ('delete', ?, {', '.join('?' * len(row))})",
        [version_id, *row],
    )


def index_version(
    db: Database,
    version_id: int,
    kind: str,
    fields: dict[str, Any],
    previous: tuple[int, str, dict[str, Any]] | None = None,
    *,
    rows: tuple[tuple[str, ...], tuple[str, str]] | None = None,
) -> None:
    """Index a page's new version; its ``previous`` current version (id, kind, fields), if
    any, moves to the history. Called in the transaction that writes the version. ``rows``:
    its index and title rows, when a worker made them already."""
    if previous is not None and previous[1] != "list":
        old_id, _, old_fields = previous
        row = index_row(old_fields)
        _delete(db, INDEX, old_id, row)
        _delete(db, TITLES, old_id, title_row(old_fields))
        _insert(db, HISTORY, old_id, row)
    if kind != "list":
        row, title = rows if rows is not None else (index_row(fields), title_row(fields))
        _insert(db, INDEX, version_id, row)
        _insert(db, TITLES, version_id, title)


def rebuild_index(db: Database) -> int:
    """Index every version again from the stored fields (``scraper reindex --search``, the
    migration that creates the index, an index made another way). Returns the number of
    versions indexed."""
    for table in (INDEX, TITLES, HISTORY, "search_format"):
        db.execute(f"DROP TABLE IF EXISTS {table}")
    create_index(db)
    count = 0
    rows = db.execute(
        "SELECT v.id, v.number = p.current_version, v.title, v.breadcrumb, v.source, v.doc_no, "
        "v.body_text FROM versions v JOIN pages p ON p.id = v.page_id "
        "WHERE v.kind != 'list' ORDER BY v.id"
    )
    batch: dict[str, list[tuple[Any, ...]]] = {INDEX: [], TITLES: [], HISTORY: []}

    def flush() -> None:
        for table, items in batch.items():
            if items:
                width = len(items[0]) - 1
                columns = COLUMNS if width == len(COLUMNS) else ("title", "chars")
                db.conn.executemany(
                    f"INSERT INTO {table} (rowid, {', '.join(columns)}) "
                    f"VALUES (?, {', '.join('?' * width)})",
                    items,
                )
                items.clear()

    for vid, current, title, breadcrumb, source, doc_no, body in rows.fetchall():
        fields = {"title": title, "breadcrumb": breadcrumb, "source": source,
                  "doc_no": doc_no, "body_text": body}  # fmt: skip
        if current:
            batch[INDEX].append((vid, *index_row(fields)))
            batch[TITLES].append((vid, *title_row(fields)))
        else:
            batch[HISTORY].append((vid, *index_row(fields)))
        count += 1
        if count % 500 == 0:
            flush()
    flush()
    for table in (INDEX, TITLES, HISTORY):
        db.execute(f"INSERT INTO {table} ({table}) VALUES ('optimize')")
    db.execute("INSERT INTO search_format (format) VALUES (?)", [FORMAT])
    return count


# -- queries -------------------------------------------------------------------------------


@dataclass
class Filters:
    """What a search keeps besides the match (``scraper search``'s options)."""

    kinds: tuple[str, ...] = ()
    source: str | None = None
    column: str | None = None
    since: str | None = None
    until: str | None = None
    all_versions: bool = False

    @property
    def any(self) -> bool:
        return bool(self.kinds or self.source or self.column or self.since or self.until)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _where(filters: Filters) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
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


_NEWEST = "v.date IS NULL, v.date DESC, p.url, v.number DESC"


def _hits(query: Query, filters: Filters) -> tuple[str, list[Any]]:
    """A CTE of (version_id, score, titled) over the versions a search reads."""
    match = query.match()
    score = "NULL" if query.single_chars_only else _BM25
    tables = [INDEX, HISTORY] if filters.all_versions else [INDEX]
    parts = []
    params: list[Any] = []
    for table in tables:
        table_score = score.replace(f"bm25({INDEX},", f"bm25({table},")
        parts.append(
            f"SELECT rowid AS version_id, {table_score} AS score FROM {table} WHERE {table} MATCH ?"
        )
        params.append(match)
    sql = (
        f"hits AS MATERIALIZED ({' UNION ALL '.join(parts)}), "
        f"titled AS MATERIALIZED (SELECT rowid AS version_id FROM {TITLES} "
        f"WHERE {TITLES} MATCH ?)"
    )
    return sql, [*params, match]


def _ranked(
    db: Database, query: Query, filters: Filters, limit: int
) -> tuple[int, list[tuple[int, float | None]]]:
    """The total and the best ``limit`` version ids: the versions whose title holds every
    term first; then by bm25 (a term of 2+ characters) or newest published first."""
    if not filters.any and not filters.all_versions:
        return _ranked_fast(db, query, limit)
    cte, params = _hits(query, filters)
    where, where_params = _where(filters)
    if not filters.all_versions:
        where.append("v.number = p.current_version")
    order = "in_title DESC, " + ("" if query.single_chars_only else "h.score, ") + _NEWEST
    sql = (
        f"WITH {cte} SELECT v.id, h.version_id IN (SELECT version_id FROM titled) AS in_title, "
        "count(*) OVER (), h.score FROM hits h JOIN versions v ON v.id = h.version_id "
        "JOIN pages p ON p.id = v.page_id"
        + (f" WHERE {' AND '.join(where)}" if where else "")
        + f" ORDER BY {order} LIMIT ?"
    )
    rows = db.execute(sql, [*params, *where_params, max(limit, 0)]).fetchall()
    return (int(rows[0][2]) if rows else 0), [(row[0], row[3]) for row in rows]


def _ranked_fast(
    db: Database, query: Query, limit: int
) -> tuple[int, list[tuple[int, float | None]]]:
    """The default search (latest versions, no filter), on the indexes alone but for the
    dates of one-character results."""
    match = query.match()
    if query.single_chars_only:
        total = int(
            db.execute(f"SELECT count(*) FROM {INDEX} WHERE {INDEX} MATCH ?", [match]).fetchone()[0]
        )
        first = _newest(db, f"SELECT rowid FROM {TITLES} WHERE {TITLES} MATCH ?", [match], limit)
        rest: list[int] = []
        if len(first) < limit:
            rest = _newest(
                db,
                f"SELECT rowid FROM {INDEX} WHERE {INDEX} MATCH ? "
                f"EXCEPT SELECT rowid FROM {TITLES} WHERE {TITLES} MATCH ?",
                [match, match],
                limit - len(first),
            )
        return total, [(vid, None) for vid in first + rest]
    titled = db.execute(f"SELECT rowid FROM {TITLES} WHERE {TITLES} MATCH ?", [match])
    in_title = {row[0] for row in titled}
    ranked = db.execute(
        f"SELECT rowid, {_BM25} FROM {INDEX} WHERE {INDEX} MATCH ? ORDER BY 2, rowid", [match]
    ).fetchall()
    best = [r for r in ranked if r[0] in in_title][:limit]
    if len(best) < limit:
        best += [r for r in ranked if r[0] not in in_title][: limit - len(best)]
    scores = dict(best)
    return len(ranked), [(vid, scores[vid]) for vid in _tie_order(db, best)]


def _newest(db: Database, ids_sql: str, params: list[Any], limit: int) -> list[int]:
    rows = db.execute(
        f"SELECT v.id FROM versions v JOIN pages p ON p.id = v.page_id "
        f"WHERE v.id IN ({ids_sql}) ORDER BY {_NEWEST} LIMIT ?",
        [*params, max(limit, 0)],
    ).fetchall()
    return [row[0] for row in rows]


def _tie_order(db: Database, ranked: list[tuple[int, float]]) -> list[int]:
    """Equal scores in the order the full query gives them: newest first, then URL."""
    if len({score for _, score in ranked}) == len(ranked):
        return [vid for vid, _ in ranked]
    keys = {
        vid: (date is None, "" if date is None else _desc(date), url, -number)
        for vid, date, url, number in db.execute(
            "SELECT v.id, v.date, p.url, v.number FROM versions v JOIN pages p "
            f"ON p.id = v.page_id WHERE v.id IN ({', '.join('?' * len(ranked))})",
            [vid for vid, _ in ranked],
        )
    }
    groups: dict[float, int] = {}
    for position, (_, score) in enumerate(ranked):
        groups.setdefault(score, position)
    ordered = sorted(ranked, key=lambda r: (groups[r[1]], keys.get(r[0], (True, "", "", 0))))
    return [vid for vid, _ in ordered]


def _desc(date: str) -> str:
    """A key that sorts ISO dates newest first."""
    return "".join(chr(0x10FFFF - ord(c)) for c in date)


def _details(db: Database, ids: list[int]) -> dict[int, tuple[Any, ...]]:
    if not ids:
        return {}
    return {
        row[0]: row
        for row in db.execute(
            "SELECT v.id, p.url, v.kind, v.title, v.date, v.source, v.number, p.removed_at, "
            "p.current_version, v.body_text, v.doc_no, v.breadcrumb "
            f"FROM versions v JOIN pages p ON p.id = v.page_id WHERE v.id IN ({', '.join('?' * len(ids))})",
            ids,
        )
    }


def _result(row: tuple[Any, ...], query: Query, score: float | None) -> dict[str, Any]:
    _, url, kind, title, date, source, number, removed_at, _, body, doc_no, breadcrumb = row
    return {
        "url": url,
        "kind": kind,
        "title": title,
        "date": date,
        "source": source,
        "version": number,
        "score": score,
        "snippet": snippet(
            [body, title, source, doc_no, " > ".join(breadcrumb_items(breadcrumb))], query
        ),
        "removed_at": removed_at,
    }


def search(
    db: Database, query: Query, filters: Filters | None = None, limit: int = 20
) -> tuple[int, list[dict[str, Any]]]:
    """The best ``limit`` matches and the total count. Each result: url, kind, title, date,
    source, version, score (None for one-character queries), snippet, removed_at."""
    filters = filters or Filters()
    total, ranked = _ranked(db, query, filters, limit)
    details = _details(db, [vid for vid, _ in ranked])
    return total, [
        _result(details[vid], query, None if score is None else float(f"{score:.6g}"))
        for vid, score in ranked
        if vid in details
    ]


def search_gone(
    db: Database, query: Query, filters: Filters | None = None, limit: int = 20
) -> tuple[int, list[dict[str, Any]]]:
    """Pages whose earlier versions contained the query and whose current version does not:
    text quietly removed. A removed page counts by its last version. Each result is the last
    version that held the text, with ``gone_in``: the version that dropped it."""
    where, params = _where(filters or Filters())
    match = query.match()
    sql = (
        f"WITH held AS (SELECT v.page_id, max(v.number) AS last_number FROM {HISTORY} h "
        f"JOIN versions v ON v.id = h.rowid WHERE {HISTORY} MATCH ?"
        + (f" AND {' AND '.join(where)}" if where else "")
        + " GROUP BY v.page_id) "
        "SELECT v.id, count(*) OVER () FROM held JOIN pages p ON p.id = held.page_id "
        "JOIN versions v ON v.page_id = held.page_id AND v.number = held.last_number "
        "WHERE p.current_version > held.last_number "
        f"AND p.id NOT IN (SELECT c.page_id FROM {INDEX} s JOIN versions c ON c.id = s.rowid "
        f"WHERE {INDEX} MATCH ?) "
        f"ORDER BY {_NEWEST} LIMIT ?"
    )
    rows = db.execute(sql, [match, *params, match, max(limit, 0)]).fetchall()
    total = int(rows[0][1]) if rows else 0
    details = _details(db, [row[0] for row in rows])
    results = []
    for vid, _ in rows:
        result = _result(details[vid], query, None)
        result["gone_in"] = result["version"] + 1
        results.append(result)
    return total, results
