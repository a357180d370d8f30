"""Commands over the archive's derived data: search, reindex and serve."""

from __future__ import annotations

import logging
import sqlite3
import sys
import time

import click

from scraper import archive
from scraper import output as render
from scraper.cli.base import (
    DEFAULT_DB,
    SEARCH_KINDS,
    cli,
    db_option,
    fail,
    open_archive,
    require_archive,
)
from scraper.errors import ConfigError, StoreError
from scraper.times import published_day

logger = logging.getLogger("scraper")


@cli.command()
@click.argument("query")
@db_option
@click.option(
    "--kind",
    "kinds",
    type=click.Choice(SEARCH_KINDS),
    multiple=True,
    help="Only pages of this kind (repeatable; default: documents, other pages and files).",
)
@click.option("--source", help="Only pages whose source contains this text.")
@click.option("--column", help="Only pages whose breadcrumb (column) contains this text.")
@click.option("--since", help="Published on or after this date (undated pages left out).")
@click.option("--until", help="Published on or before this date (undated pages left out).")
@click.option("--all-versions", is_flag=True, help="Search every version, not only the latest.")
@click.option(
    "--gone", is_flag=True, help="Pages whose earlier versions held the text and now do not."
)
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True,
              help="Most results shown.")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array.")
def search(
    query: str,
    db_path: str,
    kinds: tuple[str, ...],
    source: str | None,
    column: str | None,
    since: str | None,
    until: str | None,
    all_versions: bool,
    gone: bool,
    limit: int,
    as_json: bool,
) -> None:
    """Search titles, breadcrumbs, sources, 文号 and body texts, best matches first. Every
    term (whitespace-separated; a quoted phrase is one term) must occur, as typed, at any
    length; whitespace in the text and the case of Latin letters do not matter. Exit 1 when
    nothing matches."""
    from scraper.archive import search as search_index
    from scraper.searchtext import QueryError, parse_query

    if "list" in kinds:
        fail(ConfigError("--kind list: list pages are not searched (their text is their titles)"))
    try:
        parsed = parse_query(query)
    except QueryError as exc:
        fail(ConfigError(str(exc)))
    filters = search_index.Filters(
        kinds=kinds,
        source=source,
        column=column,
        since=published_day(since, "--since", end=False),
        until=published_day(until, "--until", end=True),
        all_versions=all_versions,
    )
    db = open_archive(db_path)
    find = search_index.search_gone if gone else search_index.search
    try:
        total, rows = find(db, parsed, filters, limit)
    except sqlite3.Error as exc:
        fail(StoreError(f"cannot search {db_path}: {exc}"))
    if as_json:
        click.echo(render.as_json(rows))
    else:
        click.echo(render.search_text(total, rows, gone=gone, all_versions=all_versions))
    if not rows:
        if not as_json:
            click.echo("no match", err=True)
        sys.exit(1)


@cli.command()
@db_option
@click.option("--search", "search_index", is_flag=True, help="Rebuild the search index.")
@click.option(
    "--figures",
    "figures",
    is_flag=True,
    help="Read the annual reports' figures and checks again (replacing older readings).",
)
def reindex(db_path: str, search_index: bool, figures: bool) -> None:
    """Rebuild derived data from the stored versions (with no flag, everything derived: the
    search index and the annual reports' figures), so an improved indexer or parser can
    revisit history."""
    everything = not (search_index or figures)
    require_archive(db_path)
    lines = []
    with archive.archive_lock(db_path):
        db = archive.open_db(db_path)
        if search_index or everything:
            started = time.monotonic()
            count = archive.reindex_search(db)
            lines.append(f"search index: {count} versions in {time.monotonic() - started:.1f} s")
        if figures or everything:
            started = time.monotonic()
            count = archive.reindex_reports(db)
            seconds = time.monotonic() - started
            lines.append(f"figures: {count} readings of annual reports in {seconds:.1f} s")
    if sys.stdout.isatty():
        click.echo("\n".join(lines))


@cli.command()
@click.option("--db", "db_paths", envvar="SCRAPER_DB", multiple=True, default=[DEFAULT_DB],
              show_default=True, type=click.Path(dir_okay=False),
              help="Archive file (repeatable: one per site; env SCRAPER_DB, paths separated by ':').")  # fmt: skip
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8001, show_default=True)
def serve(db_paths: tuple[str, ...], host: str, port: int) -> None:
    """Browse and search the archives in Datasette (read-only, beside a running crawl)."""
    from scraper import serve as serving

    for path in db_paths:
        require_archive(path)
    if host not in serving.LOCAL_HOSTS:
        click.echo(f"scraper: warning: serving on {host}, not only this machine", err=True)
    ds = serving.make_datasette(db_paths)
    serving.check_port(host, port)
    click.echo("\n".join(serving.banner(ds, host, port)))
    serving.run(ds, host, port)
