"""The command line: click only. It parses flags, configures logging and output, calls the
library (each command a few lines into it) and maps its errors to exit codes (see
scraper.errors). The rendering lives in scraper.output, the pages through time in
scraper.history, the demo in scraper.demo, logging in scraper.logs."""

from __future__ import annotations

import logging
import os
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import click

from scraper import __version__, archive
from scraper import output as render
from scraper.errors import EXIT_STORE, EXIT_USAGE, ConfigError, ScraperError, StoreError
from scraper.logs import configure_logging
from scraper.times import optional_time, published_day

__all__ = ["cli", "configure_logging", "main"]

logger = logging.getLogger("scraper")

DEFAULT_DB = "data/archive.db"

db_option = click.option(
    "--db",
    "db_path",
    envvar="SCRAPER_DB",
    default=DEFAULT_DB,
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Archive file (env SCRAPER_DB).",
)


def fail(exc: ScraperError) -> NoReturn:
    click.echo(f"scraper: {exc}", err=True)
    sys.exit(exc.exit_code)


class Command(click.Command):
    """A command whose library errors end it with one line and their exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ScraperError as exc:
            fail(exc)


class Group(click.Group):
    command_class = Command


def require_archive(db_path: str) -> None:
    if not Path(db_path).is_file():
        fail(ConfigError(f"no archive at {db_path} (run `scraper crawl` first, or give --db)"))


def open_archive(db_path: str) -> Any:
    """Open an existing archive for reading."""
    require_archive(db_path)
    return archive.open_db(db_path, readonly=True)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="scraper")
def cli() -> None:
    """Archive Chinese government information-disclosure (政府信息公开) sites into SQLite,
    keeping every version of every page."""


# -- crawl ---------------------------------------------------------------------------------


# Settings typed as text on the command line; config checks them and names the flag.
_SETTING_FLAGS = [
    ("--concurrency", "Requests in flight per host (default 2; env SCRAPER_CONCURRENCY)."),
    ("--delay", "Least seconds between two requests to the same host; 0 allowed; robots.txt Crawl-delay raises it (default 1; env SCRAPER_DELAY)."),
    ("--max-pages", "Stop after fetching this many pages (attachment files count)."),
    ("--attachment-max-bytes", "Largest attachment file downloaded, in bytes (default 50000000); larger ones are recorded as too-large."),
    ("--recheck", "Share of known documents re-checked by a default run (default 0.05; env SCRAPER_RECHECK)."),
    ("--timeout", "Seconds before a request times out (default 30)."),
    ("--max-bytes", "Largest response accepted, in bytes (default 20000000)."),
    ("--retries", "Retries of a retryable failure: timeout, connection error, HTTP 408, 425, 429, 500, 502, 503, 504, 522, 524 (default 3)."),
    ("--retry-wait", "Base seconds of the exponential back-off between retries (default 2)."),
    ("--user-agent", "User-Agent header (default names scraper and its home page; env SCRAPER_USER_AGENT)."),
]  # fmt: skip


def crawl_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option(
            "--site",
            envvar="SCRAPER_SITE",
            help="Bundled site profile (see `scraper sites`; env SCRAPER_SITE).",
        ),
        click.option(
            "--profile",
            "profile_path",
            type=click.Path(dir_okay=False),
            help="Site profile TOML file.",
        ),
        click.option(
            "--start-url",
            "start_urls",
            multiple=True,
            help="Start here instead of a profile's start URLs (repeatable).",
        ),
        click.option(
            "--scope",
            "scopes",
            multiple=True,
            help="URL prefix to stay within (repeatable; default: the start URL's folder).",
        ),
        db_option,
        *(click.option(flag, help=text) for flag, text in _SETTING_FLAGS[:3]),
        click.option(
            "--attachments/--no-attachments",
            "download_attachments",
            default=None,
            help="Download and version the attachment files in scope (default: on; env SCRAPER_ATTACHMENTS).",
        ),
        click.option("--full", is_flag=True, help="Walk every list and re-check every known page."),
        *(click.option(flag, help=text) for flag, text in _SETTING_FLAGS[3:]),
        click.option(
            "--log-file",
            type=click.Path(dir_okay=False),
            envvar="SCRAPER_LOG_FILE",
            help="Write a log of the run here (env SCRAPER_LOG_FILE).",
        ),
        click.option(
            "--log-format",
            type=click.Choice(["text", "json"]),
            default="text",
            show_default=True,
            help="Format of --log-file.",
        ),
        click.option(
            "--summary/--no-summary",
            default=None,
            help="Print the summary line (default: only on a terminal, or when the run failed).",
        ),
        click.option("-v", "--verbose", count=True, help="More on stderr (-v info, -vv debug)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@cli.command()
@crawl_options
def crawl(
    site: str | None,
    profile_path: str | None,
    start_urls: tuple[str, ...],
    scopes: tuple[str, ...],
    db_path: str,
    max_pages: str | None,
    full: bool,
    log_file: str | None,
    log_format: str,
    summary: bool | None,
    verbose: int,
    **overrides: Any,
) -> None:
    """Crawl a site into the archive. Exit codes: 0 completed, 1 some URLs failed, 2 bad
    usage or configuration, 3 another run holds the archive, 4 the archive cannot be written."""
    configure_logging(verbose, log_file, log_format)
    from scraper import config
    from scraper.crawl import run_crawl

    try:
        profile = config.command_profile(site, profile_path, start_urls, scopes, overrides)
        pages = config.max_pages(max_pages)
        result = run_crawl(
            profile, db_path, full=full, max_pages=pages, summary=summary, echo=click.echo
        )
    except ScraperError as exc:
        logger.info("run refused or aborted: %s", exc)  # for --log-file; stderr gets fail()'s line
        fail(exc)
    except KeyboardInterrupt:
        click.echo("scraper: interrupted; the next run resumes", err=True)
        sys.exit(130)
    sys.exit(result)


# -- reading the archive -------------------------------------------------------------------


KINDS = ["document", "list", "other", "attachment", "all"]
SEARCH_KINDS = ["document", "other", "attachment", "list"]


def kind_option(default: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option("--kind", type=click.Choice(KINDS), default=default, show_default=True,
                        help="Which pages (kind of page).")  # fmt: skip


digest_kinds = click.option(
    "--kind",
    "kinds",
    multiple=True,
    type=click.Choice(KINDS),
    help="Kinds of page (repeatable; default: document and attachment).",
)
at_option = click.option(
    "--at", help="The version current at this time (ISO; a date means the end of that day, UTC)."
)


@cli.command()
@db_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "csv"]),
    default="jsonl",
    show_default=True,
    help="Output format.",
)
@kind_option("document")
def export(db_path: str, fmt: str, kind: str) -> None:
    """Print one record per archived page, from its latest version."""
    db = open_archive(db_path)
    render.write_export(
        archive.latest_records(db, None if kind == "all" else kind), fmt, sys.stdout
    )


@cli.command()
@click.argument("output", type=click.Path(dir_okay=False, allow_dash=True))
@db_option
@kind_option("all")
@click.option("--latest", is_flag=True, help="Only each page's current version.")
@click.option(
    "--since", help="Only versions fetched at or after this time (ISO; a date means its start)."
)
def warc(output: str, db_path: str, kind: str, latest: bool, since: str | None) -> None:
    """Write the archive's versions as a WARC/1.1 file (gzipped records; - for stdout)."""
    from scraper.warc import export_warc

    since_utc = optional_time(since, "--since", start=True)
    db = open_archive(db_path)
    chosen = None if kind == "all" else kind
    counts = export_warc(db, output, kind=chosen, latest_only=latest, since=since_utc)
    click.echo(render.warc_line(counts, output), err=True)


@cli.command()
@click.argument("url")
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array.")
def history(url: str, db_path: str, as_json: bool) -> None:
    """The versions of one page, and its removal/return events."""
    from scraper.history import history_entries, lookup

    db = open_archive(db_path)
    url = lookup(db, url)
    entries = history_entries(db, url)
    if as_json:
        click.echo(render.as_json(entries))
        return
    click.echo("\n".join(render.history_lines(url, entries)))


@cli.command()
@db_option
@click.option(
    "--since",
    help="From this time (ISO; a date means its start, UTC). Default: what the latest run found.",
)
@click.option("--until", help="Up to this time (ISO; a date means its end, UTC).")
@digest_kinds
@click.option(
    "--lines",
    type=click.IntRange(min=0),
    default=3,
    show_default=True,
    help="Unchanged paragraphs shown around each change of a body.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array.")
def changes(
    db_path: str,
    since: str | None,
    until: str | None,
    kinds: tuple[str, ...],
    lines: int,
    as_json: bool,
) -> None:
    """What was new, changed, removed or returned, most significant first, with what changed:
    by default, what the latest run found (with the interrupted or partial runs it finished).
    Prints nothing when nothing happened (for `mail -E` under cron)."""
    from scraper import digest

    since_utc = optional_time(since, "--since", start=True)
    until_utc = optional_time(until, "--until")
    db = open_archive(db_path)
    selected = digest.selected_kinds(kinds)
    header, items, running = digest.changes_digest(db, since_utc, until_utc, selected, lines)
    if running:
        click.echo(
            "scraper: the latest run has not finished; this digest may be incomplete", err=True
        )
    if as_json:
        click.echo(render.as_json([digest.public(i) for i in items]))
    elif not items:
        click.echo(
            f"scraper: nothing new, changed or removed ({header[:1].lower()}{header[1:]})", err=True
        )
    else:
        click.echo(render.digest_text(header, items))


@cli.command()
@db_option
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the feed to FILE.")
@click.option("--since", help="Events from this time (ISO; a date means its start, UTC).")
@digest_kinds
@click.option("--column", help="Only pages whose breadcrumb (column) contains this text.")
@click.option("--query", help="Only pages whose version matches this search (as `scraper search`).")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True,
              help="The newest so many events.")  # fmt: skip
@click.option(
    "--link-base",
    help="Where the archive is served (e.g. http://127.0.0.1:8001/archive): entries link there too.",
)
def feed(
    db_path: str,
    output: str | None,
    since: str | None,
    kinds: tuple[str, ...],
    column: str | None,
    query: str | None,
    limit: int,
    link_base: str | None,
) -> None:
    """An Atom 1.0 feed of the digest's events (new, changed, removed, returned), newest
    first, each with what changed; ids stay the same from one writing to the next."""
    from scraper import digest
    from scraper.feed import build_feed, query_match

    since_utc = optional_time(since, "--since", start=True)
    match = query_match(query)
    db = open_archive(db_path)
    document = build_feed(
        db, db_path, since=since_utc, kinds=digest.selected_kinds(kinds), column=column,
        query=query, match=match, limit=limit, link_base=link_base,
    )  # fmt: skip
    if output is None:
        sys.stdout.buffer.write(document)
        sys.stdout.flush()
    else:
        render.write_atomically(output, document)


@cli.command()
@click.argument("urls", nargs=-1, required=True)
@db_option
@click.option("--run", "run_id", type=int, help="Send run N's digest (again).")
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True,
              help="Events in the message; the rest are counted.")  # fmt: skip
def notify(urls: tuple[str, ...], db_path: str, run_id: int | None, top: int) -> None:
    """Send the latest run's ranked digest (or run N's) through Apprise to each URL
    (mailto://, wecombot://, dingtalk://, feishu://, json://…): one message per run, nothing
    when nothing happened. Exit 1 when a send failed, 2 without Apprise."""
    from scraper import notify as push

    try:
        services = push.check_urls(urls)
    except (push.NotifyUnavailable, ValueError) as exc:
        fail(ConfigError(str(exc)))
    done = push.deliver(open_archive(db_path), db_path, services, run_id, top)
    if not done.sent and sys.stderr.isatty():
        click.echo(
            f"scraper: nothing to send ({done.header[:1].lower()}{done.header[1:]})", err=True
        )
    if done.failed:
        click.echo(
            f"scraper: notify: sending failed to {', '.join(done.failed)} "
            f"(send it again with `scraper notify URL --run {done.again}`)",
            err=True,
        )
        sys.exit(1)


@cli.command()
@click.argument("url")
@db_option
@click.option(
    "--from", "from_", type=int, help="Older version number (default: the one before the newer)."
)
@click.option("--to", type=int, help="Newer version number (default: the latest).")
@click.option(
    "--at",
    help="Newer side: the version current at this time (ISO; a date means the end of that day, UTC).",
)
@click.option(
    "--context",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    help="Unchanged paragraphs shown around each change.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format (json: every paragraph, unchanged ones included).",
)
def diff(
    url: str,
    db_path: str,
    from_: int | None,
    to: int | None,
    at: str | None,
    context: int,
    fmt: str,
) -> None:
    """A readable diff between two versions of a page: the metadata field by field, then the
    body paragraph by paragraph, small edits marked inside their paragraph."""
    from scraper.history import diff_pair, one_of
    from scraper.textdiff import diff_json, diff_versions

    one_of(("--to", to), ("--at", at))
    at_utc = optional_time(at)
    pair = diff_pair(open_archive(db_path), url, from_, to, at_utc)
    fields = [name for name in archive.COMPARED_FIELDS if name != "body_text"]
    if pair.nothing is not None:
        click.echo(pair.nothing, err=fmt == "json")
    elif fmt == "json":
        click.echo(render.as_json(diff_json(pair.older, pair.newer, fields)))
    else:
        tty = sys.stdout.isatty()
        click.echo(diff_versions(pair.older, pair.newer, tty, context=context, names=fields))


@cli.command()
@click.argument("url")
@db_option
@click.option("--version", "number", type=int, help="This version number.")
@at_option
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write to this file (default: standard output).",
)
def raw(url: str, db_path: str, number: int | None, at: str | None, output: str | None) -> None:
    """Write the bytes of a page or attachment file as fetched (the current version, or the
    one --version or --at names). A multi-part document gives its first part."""
    from scraper.history import one_of, raw_version

    one_of(("--version", number), ("--at", at))
    at_utc = optional_time(at)
    found = raw_version(open_archive(db_path), url, number, at_utc)
    if found.removed_at:
        click.echo(render.removed_note(found.url, found.removed_at), err=True)
    if output:
        render.write_bytes(output, found.body)
        click.echo(render.raw_line(found.url, found.version, len(found.body), output), err=True)
    else:
        sys.stdout.buffer.write(found.body)
        sys.stdout.flush()


@cli.command()
@click.argument("url")
@db_option
@at_option
@click.option("--version", "number", type=int, help="This version number.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def show(url: str, db_path: str, at: str | None, number: int | None, as_json: bool) -> None:
    """The page as it was: the fields, attachments and body of the current version, of
    --version N or of the one current at --at TIME, and whether it was live or removed."""
    from scraper.history import one_of, show_record

    one_of(("--version", number), ("--at", at))
    at_utc = optional_time(at)
    record = show_record(open_archive(db_path), url, number, at_utc)
    click.echo(render.as_json(record) if as_json else render.show_text(record, at_utc))


@cli.command()
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def stats(db_path: str, as_json: bool) -> None:
    """Counts of pages, versions, removals and runs in the archive."""
    figures = archive.stats(open_archive(db_path))
    click.echo(render.as_json(figures, indent=None) if as_json else render.stats_text(figures))


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
@click.option("--search", "search_only", is_flag=True, help="Rebuild the search index.")
def reindex(db_path: str, search_only: bool) -> None:
    """Rebuild derived data from the stored versions (with no flag, everything derived:
    today the search index), so an improved indexer can revisit history."""
    require_archive(db_path)
    with archive.archive_lock(db_path):
        db = archive.open_db(db_path)
        started = time.monotonic()
        count = archive.reindex_search(db)
    if sys.stdout.isatty():
        click.echo(f"search index: {count} versions in {time.monotonic() - started:.1f} s")


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


@cli.command()
def sites() -> None:
    """List the bundled site profiles."""
    from scraper.config import builtin_sites, site_layer

    for name, title in builtin_sites().items():
        starts = ", ".join(site_layer(name)[0].get("start_urls", []))
        click.echo(f"{name:<12} {title}  {starts}")


@cli.command("extract")
@click.argument("path_or_url")
@click.option("--url", "page_url", help="The page's address, so that relative links resolve.")
@click.option("--encoding", help="Decode with this codec instead of detecting it.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--site", help="Use this site profile's extraction rules.")
def extract_command(
    path_or_url: str, page_url: str | None, encoding: str | None, as_json: bool, site: str | None
) -> None:
    """Run the crawler's decoding and extraction on one saved file or one live URL."""
    from scraper.errors import DecodeError
    from scraper.onepage import extract_one

    try:
        fields = extract_one(path_or_url, page_url, encoding, site)
    except DecodeError as exc:
        click.echo(f"scraper: cannot read {path_or_url} as a page: {exc}", err=True)
        sys.exit(1)
    except LookupError as exc:
        fail(
            ConfigError(str(exc) if "unknown encoding" in str(exc) else f"unknown encoding: {exc}")
        )
    click.echo(render.as_json(fields) if as_json else render.extract_text(fields))


@cli.command()
@click.argument("url")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the starter profile here.")  # fmt: skip
@click.option("--delay", help="Least seconds between two requests (default 1).")
@click.option("--user-agent", help="User-Agent header.")
def probe(
    url: str, as_json: bool, output: str | None, delay: str | None, user_agent: str | None
) -> None:
    """Fetch a start page, a list and a document politely; name the platform, its columns and
    pagers, the document's fields, and print a starter profile."""
    from scraper.probe import probe as run_probe

    if output and Path(output).exists():
        fail(ConfigError(f"{output} exists; not overwriting it"))
    logging.getLogger("scraper").setLevel(logging.ERROR)  # the one line is the report
    found = run_probe(url, {"delay": delay, "fetch.user_agent": user_agent, "fetch.retries": "1"})
    if output:
        Path(output).write_text(found.profile, encoding="utf-8")
    click.echo(render.as_json(found.as_dict()) if as_json else render.probe_text(found.as_dict()))


# -- demo ----------------------------------------------------------------------------------


@cli.command()
@click.option(
    "--keep-serving",
    is_flag=True,
    help="Leave the changed replica running after the crawls (Ctrl-C stops it).",
)
@click.option("--port", type=int, default=0, help="Port for the replica (default: a free one).")
def demo(keep_serving: bool, port: int) -> None:
    """Serve the bundled replica of a TRS disclosure site on 127.0.0.1, crawl it into a fresh
    data/demo.db (never the main archive), change the site (a body, a title, a deletion, two
    new documents, a replaced file, every footer), crawl again and show what changed."""
    from scraper.demo import run_demo

    configure_logging(0, None, "text")
    sys.exit(run_demo(keep_serving, port, click.echo))


def main() -> None:
    try:
        cli(prog_name="scraper")
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        # `scraper export | head`: the reader went away; not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
    except OSError as exc:
        click.echo(f"scraper: {exc}", err=True)
        sys.exit(EXIT_STORE if exc.errno in (28, 30) else EXIT_USAGE)
