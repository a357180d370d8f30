"""The command line: a thin click layer. It parses flags, configures logging and progress
output, calls the library and maps its errors to exit codes (see scraper.errors)."""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import json
import logging
import os
import shlex
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, NoReturn

import click

from scraper import __version__, store
from scraper.errors import (
    EXIT_STORE,
    EXIT_USAGE,
    ConfigError,
    DecodeError,
    ScraperError,
    StoreError,
)

logger = logging.getLogger("scraper")

DEFAULT_DB = "data/archive.db"
DEMO_DB = "data/demo.db"
EXPORT_FIELDS = (
    "url", "site", "kind", "title", "date", "source", "index_no", "doc_no", "breadcrumb",
    "body_text", "attachments", "versions", "first_seen", "last_seen", "removed_at",
)  # fmt: skip

db_option = click.option(
    "--db",
    "db_path",
    envvar="SCRAPER_DB",
    default=DEFAULT_DB,
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Archive file (env SCRAPER_DB).",
)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record.created)),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(verbose: int, log_file: str | None, log_format: str) -> None:
    """Terminal or cron: warnings (one line per failed URL) on stderr; everything at INFO
    (or DEBUG with -vv) in --log-file."""
    root = logging.getLogger("scraper")
    root.handlers.clear()
    root.setLevel(logging.DEBUG)
    root.propagate = False
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(
        logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    )
    console.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    root.addHandler(console)
    # Libraries (pypdf, openpyxl…) log and warn about damaged files: that belongs in the log
    # file, never on stderr, where cron would mail it on every successful run.
    logging.captureWarnings(True)
    libraries = logging.getLogger()
    libraries.handlers = [logging.NullHandler()]
    if log_file:
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(log_file, encoding="utf-8")
        handler.setLevel(logging.DEBUG if verbose >= 2 else logging.INFO)
        handler.setFormatter(
            JsonFormatter()
            if log_format == "json"
            else logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
        )
        root.addHandler(handler)
        libraries.addHandler(handler)
        libraries.setLevel(logging.INFO)


class StatusLine:
    """A one-line progress display on a terminal (the total is unknown until the end)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.last = 0.0

    def __call__(self, counts: dict[str, int]) -> None:
        now = time.monotonic()
        if not self.enabled or now - self.last < 0.2:
            return
        self.last = now
        line = (
            f"\r\x1b[2K[scraper] fetched {counts['fetched']} · 304 {counts['not_modified']} · "
            f"new {counts['new_pages']} · changed {counts['new_versions']} · "
            f"errors {counts['errors']} · queued {counts.get('queued', 0)}"
        )
        sys.stderr.write(line)
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\r\x1b[2K")
            sys.stderr.flush()


def fail(exc: ScraperError) -> NoReturn:
    click.echo(f"scraper: {exc}", err=True)
    sys.exit(exc.exit_code)


def open_archive(db_path: str) -> Any:
    """Open an existing archive for reading."""
    if not Path(db_path).exists():
        fail(ConfigError(f"no archive at {db_path} (run `scraper crawl` first, or give --db)"))
    try:
        return store.open_db(db_path, readonly=True)
    except ScraperError as exc:
        fail(exc)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="scraper")
def cli() -> None:
    """Archive Chinese government information-disclosure (政府信息公开) sites into SQLite,
    keeping every version of every page."""


# -- crawl ---------------------------------------------------------------------------------


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
        click.option(
            "--concurrency",
            help="Requests in flight per host (default 2; env SCRAPER_CONCURRENCY).",
        ),
        click.option(
            "--delay",
            help="Least seconds between two requests to the same host; 0 allowed; robots.txt Crawl-delay raises it (default 1; env SCRAPER_DELAY).",
        ),
        click.option(
            "--max-pages",
            help="Stop after fetching this many pages (attachment files count).",
        ),
        click.option(
            "--attachments/--no-attachments",
            "download_attachments",
            default=None,
            help="Download and version the attachment files in scope (default: on; env SCRAPER_ATTACHMENTS).",
        ),
        click.option(
            "--attachment-max-bytes",
            help="Largest attachment file downloaded, in bytes (default 50000000); larger ones are recorded as too-large.",
        ),
        click.option("--full", is_flag=True, help="Walk every list and re-check every known page."),
        click.option(
            "--recheck",
            help="Share of known documents re-checked by a default run (default 0.05; env SCRAPER_RECHECK).",
        ),
        click.option("--timeout", help="Seconds before a request times out (default 30)."),
        click.option("--max-bytes", help="Largest response accepted, in bytes (default 20000000)."),
        click.option(
            "--retries",
            help="Retries of a retryable failure: timeout, connection error, HTTP 408, 425, 429, 500, 502, 503, 504, 522, 524 (default 3).",
        ),
        click.option(
            "--retry-wait",
            help="Base seconds of the exponential back-off between retries (default 2).",
        ),
        click.option(
            "--user-agent",
            help="User-Agent header (default names scraper and its home page; env SCRAPER_USER_AGENT).",
        ),
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


# Crawl flags by the configuration key they set (scraper.config.SETTINGS).
FLAG_KEYS = {
    "delay": "delay",
    "concurrency": "concurrency",
    "recheck": "recheck",
    "timeout": "fetch.timeout",
    "max_bytes": "fetch.max_bytes",
    "retries": "fetch.retries",
    "retry_wait": "fetch.retry_wait",
    "user_agent": "fetch.user_agent",
    "download_attachments": "discover.download_attachments",
    "attachment_max_bytes": "discover.attachment_max_bytes",
}


def build_profile(
    site: str | None,
    profile_path: str | None,
    start_urls: tuple[str, ...],
    scopes: tuple[str, ...],
    overrides: dict[str, Any],
) -> Any:
    """The profile of a command: defaults, profile, environment and flags, each checked
    (scraper.config); ``overrides`` are flag values by option name."""
    from scraper import config

    flags = {FLAG_KEYS[name]: value for name, value in overrides.items() if name in FLAG_KEYS}
    return config.resolve(
        site,
        profile_path,
        start_urls=start_urls,
        scopes=scopes,
        flags=flags,
        default_site="hongsibu",
    )


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
    try:
        from scraper.config import Setting, check

        profile = build_profile(site, profile_path, start_urls, scopes, overrides)
        pages = None
        if max_pages is not None:
            pages = check(Setting("max_pages", "count", None, 1), max_pages, "--max-pages",
                          typed=False)  # fmt: skip
        result = run_crawl(
            profile, db_path, full=full, max_pages=pages, recheck=profile.recheck, summary=summary
        )
    except ScraperError as exc:
        logger.info("run refused or aborted: %s", exc)  # for --log-file; stderr gets fail()'s line
        fail(exc)
    except KeyboardInterrupt:
        click.echo("scraper: interrupted; the next run resumes", err=True)
        sys.exit(130)
    sys.exit(result)


def run_crawl(
    profile: Any,
    db_path: str,
    *,
    full: bool,
    max_pages: int | None,
    recheck: float,
    summary: bool | None,
) -> int:
    from scraper.crawl import Crawler, CrawlOptions

    interactive = sys.stderr.isatty()
    with store.archive_lock(db_path):
        db = store.open_db(db_path)
        options = CrawlOptions(
            full=full,
            max_pages=max_pages,
            recheck=recheck,
            command=shlex.join(["scraper", *sys.argv[1:]]),
        )
        status = StatusLine(interactive)
        logger.info(
            "crawl of %s (%s) into %s", profile.name, ", ".join(profile.start_urls), db_path
        )
        try:
            result = Crawler(db, profile, options, progress=status).run()
        finally:
            status.close()
        line = f"scraper: {result.summary(db_path)}"
        logger.info("%s", line)
        if summary or (summary is None and (interactive or result.exit_code != 0)):
            click.echo(line, err=not interactive)
        return result.exit_code


# -- reading the archive -------------------------------------------------------------------


KINDS = ["document", "list", "other", "attachment", "all"]


def kind_option(default: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "--kind",
        type=click.Choice(KINDS),
        default=default,
        show_default=True,
        help="Which pages (kind of page).",
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
    rows = store.latest_records(db, None if kind == "all" else kind)
    out = sys.stdout
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS)
        writer.writeheader()
    for row in rows:
        record = {name: row.get(name) for name in EXPORT_FIELDS}
        if fmt == "csv":
            writer.writerow(
                {
                    k: json.dumps(v, ensure_ascii=False) if isinstance(v, list) else v
                    for k, v in record.items()
                }
            )
        else:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


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
    from scraper.warc import write_warc

    since_utc = archive_time(since, "--since", start=True) if since is not None else None
    db = open_archive(db_path)
    selection: dict[str, Any] = {
        "kind": None if kind == "all" else kind,
        "latest_only": latest,
        "since": since_utc,
    }
    if output == "-":
        counts = write_warc(db, sys.stdout.buffer, filename="stdout.warc.gz", **selection)
    else:
        # Written beside the target and renamed into place: never a truncated WARC, whatever
        # stops the export (an error, Ctrl-C, a full disk).
        folder = os.path.dirname(os.path.abspath(output))
        partial = None
        try:
            with tempfile.NamedTemporaryFile(
                "wb",
                dir=folder,
                prefix=os.path.basename(output) + ".",
                suffix=".part",
                delete=False,
            ) as handle:
                partial = handle.name
                counts = write_warc(db, handle, filename=os.path.basename(output), **selection)
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(partial, 0o666 & ~umask)  # a temporary file is private; the WARC is not
            os.replace(partial, output)
            partial = None
        except OSError as exc:
            fail(ConfigError(f"cannot write {output}: {exc.strerror or exc}"))
        finally:
            if partial is not None:
                with contextlib.suppress(OSError):
                    os.unlink(partial)
    click.echo(
        f"scraper: {counts['versions']} versions of {counts['pages']} pages, "
        f"{counts['records']} WARC records, {counts['bytes']} payload bytes -> {output}",
        err=True,
    )


def history_entries(db: Any, url: str) -> list[dict[str, Any]]:
    versions = store.page_versions(db, url)
    entries: list[dict[str, Any]] = []
    previous: dict[str, Any] | None = None
    for version in versions:
        changed = store.changed_fields(version, previous)
        entries.append(
            {
                "event": "version",
                "number": version["number"],
                "at": version["fetched_at"],
                "title": version["title"],
                "changed": changed,
                "content_hash": version["content_hash"],
                "run_id": version["run_id"],
            }
        )
        previous = version
    for event in store.page_events(db, url):
        entries.append(
            {
                "event": event["event"],
                "at": event["at"],
                "detail": event["detail"],
                "run_id": event["run_id"],
            }
        )
    # Runs never overlap, so the run orders events that share a second; within a run a return
    # precedes the version it brings and a removal follows the last version.
    rank = {"returned": 0, "version": 1, "removed": 2}
    entries.sort(
        key=lambda e: (e["run_id"] or 0, e["at"], rank.get(e["event"], 3), e.get("number", 0))
    )
    return entries


def _lookup(db: Any, url: str) -> str:
    from scraper.urls import canonical_url

    # A column's first list page is archived under its folder URL once the folder said so
    # (an older row under the first page's own address no longer moves).
    same = store.same_pages(db)
    for candidate in (url, canonical_url(url)):
        if candidate in same and store.get_page(db, same[candidate]):
            return same[candidate]
    for candidate in (url, canonical_url(url)):
        if store.get_page(db, candidate):
            return candidate
    rows = list(
        db.query(
            "SELECT url FROM pages WHERE first_url = ? OR first_url = ?", [url, canonical_url(url)]
        )
    )
    if rows:
        return str(rows[0]["url"])
    # An address that redirects to an archived page, or that a page names as itself.
    rows = list(
        db.query("SELECT page_url FROM aliases WHERE url IN (?, ?)", [url, canonical_url(url)])
    )
    if rows and store.get_page(db, rows[0]["page_url"]):
        return str(rows[0]["page_url"])
    fail(ConfigError(f"no page {url} in the archive"))
    return url


@cli.command()
@click.argument("url")
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array.")
def history(url: str, db_path: str, as_json: bool) -> None:
    """The versions of one page, and its removal/return events."""
    db = open_archive(db_path)
    url = _lookup(db, url)
    entries = history_entries(db, url)
    if as_json:
        click.echo(json.dumps(entries, ensure_ascii=False, indent=2))
        return
    click.echo(url)
    for entry in entries:
        if entry["event"] == "version":
            what = (
                "first version"
                if entry["number"] == 1
                else "changed: " + ", ".join(entry["changed"])
            )
            click.echo(f"  v{entry['number']:<3} {entry['at']}  {what}")
        else:
            click.echo(f"  {entry['event']:<4} {entry['at']}  {entry['detail']}")


DEFAULT_DIGEST_KINDS = ("document", "attachment")


def run_digest(
    db: Any, run_id: int | None, kinds: tuple[str, ...], lines: int, until: str | None = None
) -> tuple[str, list[dict[str, Any]], bool]:
    """(header, ranked items, running) of the latest run's digest (or run ``run_id``'s), with
    the interrupted or partial runs it finished; up to ``until`` if given."""
    from scraper import digest

    run_ids, running = store.digest_runs(db, run_id)
    if not run_ids:
        if run_id is not None:
            fail(ConfigError(f"the archive has no run {run_id}"))
        fail(ConfigError("the archive has no runs yet; give --since"))
    started = store.run_started(db, run_ids[0])
    runs = f"run {run_ids[-1]}" if len(run_ids) == 1 else f"runs {run_ids[0]}–{run_ids[-1]}"
    items = digest.ranked(store.changes(db, None, until, kinds, run_ids=run_ids), lines)
    header = f"{runs.capitalize()} (since {started})" + (f" until {until}" if until else "")
    return header, items, running


def echo_digest(header: str, items: list[dict[str, Any]]) -> None:
    from scraper import digest

    click.echo(f"{header}: {digest.tally(items)}")
    click.echo("\n".join(digest.text(items)))


@cli.command()
@db_option
@click.option(
    "--since",
    help="From this time (ISO; a date means its start, UTC). Default: what the latest run found.",
)
@click.option("--until", help="Up to this time (ISO; a date means its end, UTC).")
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    type=click.Choice(KINDS),
    help="Kinds of page (repeatable; default: document and attachment).",
)
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

    since_utc = archive_time(since, "--since", start=True) if since is not None else None
    until_utc = archive_time(until, "--until") if until is not None else None
    selected = () if "all" in kinds else (kinds or DEFAULT_DIGEST_KINDS)
    db = open_archive(db_path)
    if since_utc is None:
        header, items, running = run_digest(db, None, selected, lines, until_utc)
        if running:
            click.echo(
                "scraper: the latest run has not finished; this digest may be incomplete",
                err=True,
            )
    else:
        header = f"Since {since_utc}" + (f" until {until_utc}" if until_utc else "")
        items = digest.ranked(store.changes(db, since_utc, until_utc, selected), lines)
    if as_json:
        click.echo(json.dumps([digest.public(i) for i in items], ensure_ascii=False, indent=2))
        return
    if not items:
        click.echo(f"scraper: nothing new, changed or removed ({header.lower()})", err=True)
        return
    echo_digest(header, items)


@cli.command()
@db_option
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the feed to FILE.")
@click.option("--since", help="Events from this time (ISO; a date means its start, UTC).")
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    type=click.Choice(KINDS),
    help="Kinds of page (repeatable; default: document and attachment).",
)
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
    from urllib.parse import quote

    from scraper import digest
    from scraper import feed as atom
    from scraper.searchtext import QueryError, parse_query

    since_utc = archive_time(since, "--since", start=True) if since is not None else None
    selected = () if "all" in kinds else (kinds or DEFAULT_DIGEST_KINDS)
    match = None
    if query is not None:
        try:
            match = parse_query(query).match()
        except QueryError as exc:
            fail(ConfigError(f"--query: {exc}"))
    db = open_archive(db_path)
    filtered = column is not None or match is not None
    events = store.changes(db, since_utc, None, selected, limit=None if filtered else limit)
    if column is not None:
        events = [e for e in events if column in _column_text(e)]
    if match is not None:
        try:
            hits = store.matching_versions(db, match)
        except sqlite3.Error as exc:
            fail(StoreError(f"cannot search {db_path}: {exc}"))
        events = [e for e in events if (e.get("after") or {}).get("id") in hits]
    items = digest.ranked(events[-limit:])
    selection = [f"kind={','.join(selected) or 'all'}"]
    selection += [f"{name}={quote(value)}" for name, value in (("column", column), ("query", query)) if value]
    name = quote(Path(db_path).stem)
    document = atom.atom(
        items,
        feed_id=f"tag:scraper,2026:feed/{name}?{'&'.join(selection)}",
        title=f"scraper: changes archived in {Path(db_path).name}",
        updated=store.stats(db)["last_run"],
        link_base=link_base,
    )
    if output is None:
        sys.stdout.buffer.write(document)
        sys.stdout.flush()
        return
    try:
        write_atomically(output, document)
    except OSError as exc:
        fail(ConfigError(f"cannot write {output}: {exc.strerror or exc}"))


def _column_text(event: dict[str, Any]) -> str:
    crumbs = (event.get("after") or {}).get("breadcrumb") or []
    return " > ".join(str(c) for c in crumbs) if isinstance(crumbs, list) else str(crumbs)


def write_atomically(output: str, data: bytes) -> None:
    """Write ``data`` beside ``output`` and rename it into place: a reader (a web server
    serving the feed) never sees a half-written file."""
    folder = os.path.dirname(os.path.abspath(output))
    with tempfile.NamedTemporaryFile(
        "wb", dir=folder, prefix=os.path.basename(output) + ".", suffix=".part", delete=False
    ) as handle:
        partial = handle.name
        try:
            handle.write(data)
        except BaseException:
            os.unlink(partial)
            raise
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(partial, 0o666 & ~umask)
        os.replace(partial, output)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(partial)
        raise


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
    except push.NotifyUnavailable as exc:
        fail(ConfigError(str(exc)))
    except ValueError as exc:
        fail(ConfigError(str(exc)))
    db = open_archive(db_path)
    header, items, running = run_digest(db, run_id, DEFAULT_DIGEST_KINDS, lines=1)
    if not items:
        if sys.stderr.isatty():
            click.echo(f"scraper: nothing to send ({header.lower()})", err=True)
        return
    hint = f"scraper changes --db {db_path}"
    title = f"scraper {Path(db_path).stem}: {header}" + (" (still running)" if running else "")
    failed = push.send(services, push.message(title, items, top, hint))
    if failed:
        again = store.digest_runs(db, run_id)[0][-1]
        click.echo(
            f"scraper: notify: sending failed to {', '.join(failed)} "
            f"(send it again with `scraper notify URL --run {again}`)",
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
    from scraper.textdiff import diff_json, diff_versions

    if to is not None and at is not None:
        fail(ConfigError("give --to or --at, not both"))
    at_utc = archive_time(at) if at is not None else None
    db = open_archive(db_path)
    url = _lookup(db, url)
    versions = {v["number"]: v for v in store.page_versions(db, url)}
    if not versions:
        fail(ConfigError(f"{url} has no versions"))
    if any(v["kind"] == "attachment" for v in versions.values()):
        fail(
            ConfigError(
                f"{url} is an attachment file, versioned by its bytes: "
                "compare `scraper raw --version N` outputs"
            )
        )
    last = max(versions)
    for option, number in (("--from", from_), ("--to", to)):
        if number is not None and number not in versions:
            fail(ConfigError(f"{option} {number}: {url} has no version {number} (it has 1–{last})"))
    if at_utc is not None:
        to = _version_or_fail(db, url, None, at_utc)["number"]
    newer = to if to is not None else last
    older = from_ if from_ is not None else newer - 1
    if last == 1 or older < 1:
        what = (
            f"{url} has only one version (v1, {versions[1]['fetched_at']}); nothing to compare"
            if last == 1
            else f"v1 is the first version of {url}; nothing before it to compare (give --from)"
        )
        click.echo(what, err=fmt == "json")
        return
    fields = [name for name in store.COMPARED_FIELDS if name != "body_text"]
    if fmt == "json":
        report = diff_json(versions[older], versions[newer], fields)
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    click.echo(
        diff_versions(
            versions[older], versions[newer], sys.stdout.isatty(), context=context, names=fields
        )
    )


def archive_time(value: str, option: str = "--at", *, start: bool = False) -> str:
    """A time option as the archive writes times (UTC, ``YYYY-MM-DDTHH:MM:SSZ``). A date
    means the end of that day, UTC (its start with ``start``); a time without an offset is
    UTC."""
    try:
        if len(value) == 10:
            day = date.fromisoformat(value).isoformat()
            return day + ("T00:00:00Z" if start else "T23:59:59Z")
        moment = datetime.fromisoformat(value)
    except ValueError:
        fail(ConfigError(f"{option} {value!r} is not an ISO 8601 date or time"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@cli.command()
@click.argument("url")
@db_option
@click.option("--version", "number", type=int, help="This version number.")
@click.option(
    "--at", help="The version current at this time (ISO; a date means the end of that day, UTC)."
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write to this file (default: standard output).",
)
def raw(url: str, db_path: str, number: int | None, at: str | None, output: str | None) -> None:
    """Write the bytes of a page or attachment file as fetched (the current version, or the
    one --version or --at names). A multi-part document gives its first part."""
    if number is not None and at is not None:
        fail(ConfigError("give --version or --at, not both"))
    at_utc = archive_time(at) if at is not None else None
    db = open_archive(db_path)
    url = _lookup(db, url)
    version = _version_or_fail(db, url, number, at_utc)
    body, _parts = store.version_raw(db, version)
    page = store.get_page(db, url) or {}
    removed = page.get("removed_at")
    if (
        removed
        and version["number"] == page.get("current_version")
        and (at_utc is None or removed <= at_utc)
    ):
        click.echo(
            f"scraper: note: {url} was removed at {removed}; this is its last version", err=True
        )
    if output:
        try:
            with open(output, "wb") as handle:
                handle.write(body)
        except OSError as exc:
            fail(ConfigError(f"cannot write {output}: {exc.strerror or exc}"))
        click.echo(
            f"v{version['number']} of {url} ({version['fetched_at']}, {len(body)} bytes) -> {output}",
            err=True,
        )
    else:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()


def _version_or_fail(db: Any, url: str, number: int | None, at_utc: str | None) -> Any:
    """Version ``number``, else the one current at ``at_utc``, else the current one; a usage
    error (one line, exit 2) when there is none."""
    version = store.find_version(db, url, number=number, at=at_utc)
    if version is None:
        count = len(store.page_versions(db, url))
        if number is not None:
            fail(ConfigError(f"{url} has no version {number} (it has 1–{count})"))
        if at_utc is not None:
            fail(ConfigError(f"{url} has no version fetched by {at_utc} ({count} later)"))
        fail(ConfigError(f"{url} has no versions"))
    return version


def page_state(db: Any, url: str, at_utc: str | None) -> tuple[str, str | None]:
    """``("live", None)`` or ``("removed", since)`` for a page: now, or at ``at_utc`` by its
    removed/returned events (``pages.removed_at`` when no event tells)."""
    removed_at = (store.get_page(db, url) or {}).get("removed_at")
    if at_utc is None:
        return ("removed", removed_at) if removed_at else ("live", None)
    events = [
        e
        for e in store.page_events(db, url)
        if e["event"] in ("removed", "returned") and e["at"] <= at_utc
    ]
    if events:
        last = events[-1]
        return ("removed", last["at"]) if last["event"] == "removed" else ("live", None)
    if removed_at and removed_at <= at_utc:
        return "removed", removed_at
    return "live", None


SHOW_FIELDS = ("title", "date", "source", "index_no", "doc_no", "breadcrumb", "kind")


@cli.command()
@click.argument("url")
@db_option
@click.option(
    "--at", help="The version current at this time (ISO; a date means the end of that day, UTC)."
)
@click.option("--version", "number", type=int, help="This version number.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def show(url: str, db_path: str, at: str | None, number: int | None, as_json: bool) -> None:
    """The page as it was: the fields, attachments and body of the current version, of
    --version N or of the one current at --at TIME, and whether it was live or removed."""
    if number is not None and at is not None:
        fail(ConfigError("give --version or --at, not both"))
    at_utc = archive_time(at) if at is not None else None
    db = open_archive(db_path)
    url = _lookup(db, url)
    version = store.decode_version(_version_or_fail(db, url, number, at_utc))
    state, since = page_state(db, url, at_utc)
    record: dict[str, Any] = {
        "url": url,
        "version": version["number"],
        "fetched_at": version["fetched_at"],
        "state": state,
        "removed_at": since,
        **{name: version.get(name) for name in SHOW_FIELDS},
        "attachments": version.get("attachments") or [],
        "body_text": version.get("body_text") or "",
    }
    if as_json:
        click.echo(json.dumps(record, ensure_ascii=False, indent=2))
        return
    when = f" at {at_utc}" if at_utc else ""
    status = f"removed{when} (since {since})" if state == "removed" else f"live{when}"
    click.echo(url)
    click.echo(f"version {record['version']}, fetched {record['fetched_at']}; {status}")
    for name in SHOW_FIELDS:
        value = record[name]
        if isinstance(value, list):
            value = " > ".join(map(str, value))
        click.echo(f"{name:>10}: {value if value not in (None, '') else '-'}")
    click.echo(f"{'attachments':>10}: {len(record['attachments']) or '-'}")
    for item in record["attachments"]:
        click.echo(f"    {item.get('text') or ''}  {item.get('url')}".rstrip())
    click.echo("")
    click.echo(record["body_text"])


@cli.command()
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def stats(db_path: str, as_json: bool) -> None:
    """Counts of pages, versions, removals and runs in the archive."""
    db = open_archive(db_path)
    figures = store.stats(db)
    if as_json:
        click.echo(json.dumps(figures, ensure_ascii=False))
        return
    for key, value in figures.items():
        click.echo(f"{key:>21}: {value}")


SEARCH_KINDS = ["document", "other", "attachment", "list"]


def published_day(value: str | None, option: str, *, end: bool) -> str | None:
    """A published-date bound: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, as the archive's
    ``YYYY-MM-DD`` dates compare (a year or month ``--until`` means its last day)."""
    if value is None:
        return None
    parts = value.split("-")
    try:
        if len(parts) == 3:
            return date.fromisoformat(value).isoformat()
        if len(parts) in (1, 2) and len(parts[0]) == 4:
            first = date(int(parts[0]), int(parts[1]) if len(parts) == 2 else 1, 1)
            if not end:
                return first.isoformat()
            return value + ("-31" if len(parts) == 2 else "-12-31")
    except ValueError:
        pass
    fail(ConfigError(f"{option} {value!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)"))


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
    from scraper import search as search_index
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
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        what = "page held it before and no longer does" if gone else "match"
        plural = "pages held it before and no longer do" if gone else "matches"
        shown = f" (best {len(rows)} shown)" if len(rows) < total else ""
        click.echo(f"{total} {what if total == 1 else plural}{shown}")
        for row in rows:
            state = f"  (removed {row['removed_at']})" if row["removed_at"] else ""
            version = f"  v{row['version']}" if all_versions or gone else ""
            if gone and row.get("gone_in"):
                version += f", gone in v{row['gone_in']}"
            source_text = f"  {row['source']}" if row["source"] else ""
            click.echo(
                f"\n{row['date'] or '----------'}  {row['title']}{source_text}{state}{version}\n"
                f"    {row['url']}\n    {row['snippet']}"
            )
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
    if not Path(db_path).exists():
        fail(ConfigError(f"no archive at {db_path} (run `scraper crawl` first, or give --db)"))
    try:
        with store.archive_lock(db_path):
            db = store.open_db(db_path)
            started = time.monotonic()
            count = store.reindex_search(db)
    except ScraperError as exc:
        fail(exc)
    if sys.stdout.isatty():
        click.echo(f"search index: {count} versions in {time.monotonic() - started:.1f} s")


@cli.command()
@click.option(
    "--db",
    "db_paths",
    envvar="SCRAPER_DB",
    multiple=True,
    default=[DEFAULT_DB],
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Archive file (repeatable: one per site; env SCRAPER_DB, paths separated by ':').",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8001, show_default=True)
def serve(db_paths: tuple[str, ...], host: str, port: int) -> None:
    """Browse and search the archives in Datasette (read-only, beside a running crawl)."""
    from scraper import serve as serving

    for path in db_paths:
        if not Path(path).is_file():
            fail(ConfigError(f"no archive at {path} (run `scraper crawl` first, or give --db)"))
    if host not in serving.LOCAL_HOSTS:
        click.echo(f"scraper: warning: serving on {host}, not only this machine", err=True)
    try:
        ds = serving.make_datasette(db_paths)
        serving.check_port(host, port)
    except ScraperError as exc:
        fail(exc)
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
    from scraper import config
    from scraper.decode import decode_html
    from scraper.extract import EXTRACTOR_VERSION, extract

    content_type = None
    try:
        if encoding:
            codecs.lookup(encoding)  # a misspelt codec is bad usage, not an unreadable page
        rules = None
        if site:
            rules = config.build(*config.layered(site)).extract
        if path_or_url.startswith(("http://", "https://")):
            raw, content_type, final = _download(path_or_url)
            page_url = page_url or final
        else:
            try:
                raw = Path(path_or_url).read_bytes()
            except OSError as exc:
                raise ConfigError(f"cannot read {path_or_url}: {exc.strerror}") from exc
            page_url = page_url or Path(path_or_url).resolve().as_uri()
        decoded = decode_html(raw, content_type, override=encoding)
        fields = extract(decoded.markup, page_url, rules).as_dict()
    except DecodeError as exc:
        click.echo(f"scraper: cannot read {path_or_url} as a page: {exc}", err=True)
        sys.exit(1)
    except LookupError as exc:
        fail(ConfigError(f"unknown encoding: {exc}"))
    except ScraperError as exc:
        fail(exc)
    fields = {
        "url": page_url,
        **fields,
        "encoding": decoded.encoding,
        "extractor_version": EXTRACTOR_VERSION,
    }
    if as_json:
        click.echo(json.dumps(fields, ensure_ascii=False, indent=2))
        return
    for key, value in fields.items():
        if key == "body_text":
            continue
        click.echo(
            f"{key:>17}: {json.dumps(value, ensure_ascii=False) if isinstance(value, list | dict) else value}"
        )
    click.echo("        body_text:")
    click.echo(fields["body_text"])


def _download(url: str) -> tuple[bytes, str | None, str]:
    import httpx

    from scraper import config

    agent = config.resolve(start_urls=(url,)).fetch.user_agent
    try:
        response = httpx.get(url, headers={"User-Agent": agent}, follow_redirects=True, timeout=30)
    except httpx.HTTPError as exc:
        raise ConfigError(f"cannot fetch {url}: {exc}") from exc
    if response.status_code != 200:
        raise ConfigError(f"cannot fetch {url}: HTTP {response.status_code}")
    return response.content, response.headers.get("content-type"), str(response.url)


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
    from scraper.replica import ReplicaServer, ReplicaSite

    configure_logging(0, None, "text")
    # A scratch archive: the replica's port changes from run to run, and so do its URLs, so
    # an older demo archive would only pile up copies of the same site.
    for suffix in ("", "-wal", "-shm", ".lock"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(DEMO_DB + suffix)
    server = ReplicaServer(ReplicaSite(), port=port)
    server.start()
    try:
        start = f"{server.base_url}/xxgk/"
        click.echo(f"Replica site serving at {start}")
        profile = build_profile(None, None, (start,), (), {"delay": 0.0, "retry_wait": 0.1})
        profile.name = "demo"
        exit_code = run_crawl(
            profile, DEMO_DB, full=True, max_pages=None, recheck=profile.recheck, summary=True
        )
        db = store.open_db(DEMO_DB)
        counts = store.stats(db)
        click.echo(
            f"\nArchived {counts['documents']} documents and {counts['attachment_files']} "
            "attachment files, each at version 1."
        )
        made = server.site.demo_changes()
        between = store.utcnow()
        click.echo(
            "\nThe replica changes: a body edited, a title corrected, a document deleted, two "
            "documents added on top of 通知公告, an attachment file replaced and the footer of "
            "every page changed (a footer is not content: no new versions for it). Crawling "
            "again with --full:"
        )
        time.sleep(1.05 - time.time() % 1)  # the second crawl's versions come after `between`
        exit_code = max(
            exit_code,
            run_crawl(
                profile, DEMO_DB, full=True, max_pages=None, recheck=profile.recheck, summary=True
            ),
        )
        me = invoked_as()
        header, items, _ = run_digest(db, None, DEFAULT_DIGEST_KINDS, lines=1)
        click.echo(f"\n$ {me} changes --db {DEMO_DB} --lines 1")
        echo_digest(header, items)
        ctx = click.get_current_context()
        edited, retitled = server.url(made["edited"]), server.url(made["retitled"])
        click.echo(f"\n$ {me} history --db {DEMO_DB} {edited}")
        ctx.invoke(history, url=edited, db_path=DEMO_DB, as_json=False)
        click.echo(f"\n$ {me} diff --db {DEMO_DB} {edited}")
        ctx.invoke(
            diff, url=edited, db_path=DEMO_DB, from_=None, to=None, at=None, context=1, fmt="text"
        )
        click.echo(f"\n$ {me} show --db {DEMO_DB} {retitled} --at {between} | head -n 4")
        shown = io.StringIO()
        with contextlib.redirect_stdout(shown):
            ctx.invoke(show, url=retitled, db_path=DEMO_DB, at=between, number=None, as_json=False)
        click.echo("\n".join(shown.getvalue().splitlines()[:4]))
        click.echo("")
        click.echo("Look inside (the archive is plain SQLite):")
        click.echo(f"  {me} stats --db {DEMO_DB}")
        click.echo(f"  {me} export --db {DEMO_DB} | head -n 1")
        click.echo(f"  {me} history --db {DEMO_DB} {retitled}")
        replaced = server.url(made["replaced"])
        name = replaced.rsplit("/", 1)[-1]
        click.echo(f"  {me} raw --db {DEMO_DB} {replaced} --version 1 -o {name}  # before it was replaced")
        click.echo(f"  {me} warc --db {DEMO_DB} data/demo.warc.gz")
        click.echo(f"  {me} feed --db {DEMO_DB} -o data/demo.atom")
        click.echo(f"  sqlite3 {DEMO_DB} 'SELECT date, title FROM documents'")
        click.echo(f"  {me} serve --db {DEMO_DB}")
        if keep_serving:
            click.echo(f"Replica still serving at {start} (Ctrl-C to stop)")
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        exit_code = 0
    except ScraperError as exc:
        fail(exc)
    finally:
        server.stop()
    sys.exit(exit_code)


def invoked_as() -> str:
    """The command as the user can type it again (``.venv/bin/scraper``, ``scraper`` when it
    is on PATH, ``.venv/bin/python -m scraper``), so that printed hints run as they are."""
    program = sys.argv[0] if sys.argv else "scraper"
    if program.endswith("__main__.py"):
        return f"{_short_path(sys.executable)} -m scraper"
    if os.path.basename(program) != "scraper":
        return "scraper"
    on_path = shutil.which("scraper")
    if on_path and os.path.abspath(on_path) == os.path.abspath(program):
        return "scraper"
    return _short_path(program)


def _short_path(path: str) -> str:
    relative = os.path.relpath(path)
    return relative if not relative.startswith("..") else path


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
