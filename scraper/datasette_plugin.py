"""The Datasette plugin of ``scraper serve``: the SQL functions the canned ``search`` needs,
the ``<mark>`` rendering of its snippets and a facet by year.

The search index holds bigrams and characters of folded text (:mod:`scraper.searchtext`),
so a query must be transformed before FTS5 can answer it; these functions are that
transformation, the same code ``scraper search`` runs:

- ``scraper_match(q)``: the MATCH expression (``'""'``, which matches nothing, for an empty
  query or one with too many terms);
- ``scraper_single(q)``: 1 when every term is one character (ranked newest first);
- ``scraper_in_title(title, q)``: 1 when the title holds every term;
- ``scraper_snippet(body, title, source, doc_no, breadcrumb, q)``: HTML-escaped text around
  the first hit, every hit in ``<mark>``.

Registered by :func:`scraper.serve.make_datasette` (``pm.register``), so it needs no install
step of its own.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.facets import Facet
from datasette.utils import escape_sqlite, path_with_added_args, path_with_removed_args
from datasette.utils.asgi import Request
from markupsafe import Markup

from scraper import searchtext
from scraper.archive import canned

NOTHING = '""'
SNIPPET_COLUMN = "snippet"
_MARKS = ("<mark>", "</mark>")


@lru_cache(maxsize=256)
def _query(q: str | None) -> searchtext.Query | None:
    return searchtext.try_parse(q)


def scraper_match(q: str | None) -> str:
    query = _query(q)
    return query.match() if query else NOTHING


def scraper_single(q: str | None) -> int:
    query = _query(q)
    return int(bool(query and query.single_chars_only))


def scraper_in_title(title: str | None, q: str | None) -> int:
    query = _query(q)
    return int(bool(query and searchtext.contains_all(title, query)))


def _breadcrumb(value: str | None) -> str:
    if not value:
        return ""
    try:
        items = json.loads(value)
    except ValueError:
        return value
    return " > ".join(str(item) for item in items) if isinstance(items, list) else str(items)


def scraper_snippet(
    body: str | None,
    title: str | None,
    source: str | None,
    doc_no: str | None,
    breadcrumb: str | None,
    q: str | None,
) -> str | None:
    query = _query(q)
    if query is None:
        return None
    fields = [body, title, source, doc_no, _breadcrumb(breadcrumb)]
    return searchtext.snippet(fields, query, marks=_MARKS, escape=True)


FUNCTIONS = {
    "scraper_match": (1, scraper_match),
    "scraper_single": (1, scraper_single),
    "scraper_in_title": (2, scraper_in_title),
    "scraper_snippet": (6, scraper_snippet),
}


@hookimpl
def prepare_connection(conn: Any) -> None:
    for name, (arity, function) in FUNCTIONS.items():
        conn.create_function(name, arity, function, deterministic=True)


_TAG = re.compile(r"</?mark>")


def is_marked_text(value: object) -> bool:
    """Our escaped snippet: text whose only markup is ``<mark>``/``</mark>``."""
    if not isinstance(value, str):
        return False
    rest = _TAG.sub("", value)
    return "<" not in rest and ">" not in rest


@hookimpl
def render_cell(value: Any, column: str, table: str | None) -> Markup | None:
    """A canned query's ``snippet`` column is shown as HTML (its hits marked), once checked
    to hold nothing but escaped text and marks. Every other cell, titles included, stays
    plain text."""
    if table is None and column == SNIPPET_COLUMN and is_marked_text(value):
        return Markup(value)
    return None


class YearFacet(Facet):
    """``_facet_year=date``: counts by the year of an ISO date column; a year selects the
    rows with ``date__startswith=YYYY-``."""

    type = "year"

    async def suggest(self) -> list[dict[str, Any]]:
        return []

    async def facet_results(self) -> tuple[list[dict[str, Any]], list[str]]:
        results: list[dict[str, Any]] = []
        timed_out: list[str] = []
        args = dict(self.get_querystring_pairs())
        size = self.get_facet_size()
        request: Request = self.request
        for source_and_config in self.get_configs():
            config = source_and_config["config"]
            column = config.get("column") or config["simple"]
            col = escape_sqlite(column)
            sql = canned.year_facet_sql(self.sql, col, size + 1)
            try:
                rows = await self.ds.execute(
                    self.database,
                    sql,
                    self.params,
                    truncate=False,
                    custom_time_limit=self.ds.setting("facet_time_limit_ms"),
                )
            except QueryInterrupted:
                timed_out.append(column)
                continue
            key = f"{column}__startswith"
            values = []
            for row in rows.rows[:size]:
                prefix = f"{row['value']}-"
                selected = args.get(key) == prefix
                path = (
                    path_with_removed_args(request, {key: prefix})
                    if selected
                    else path_with_added_args(request, {key: prefix})
                )
                values.append(
                    {
                        "value": row["value"],
                        "label": row["value"],
                        "count": row["count"],
                        "toggle_url": self.ds.absolute_url(request, path),
                        "selected": selected,
                    }
                )
            results.append(
                {
                    "name": column,
                    "type": self.type,
                    "results": values,
                    "hideable": source_and_config["source"] != "metadata",
                    "toggle_url": path_with_removed_args(request, {"_facet_year": column}),
                    "truncated": len(rows) > size,
                }
            )
        return results, timed_out


@hookimpl
def register_facet_classes() -> list[type]:
    return [YearFacet]
