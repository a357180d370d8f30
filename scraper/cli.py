"""The command line: a thin click layer. It parses flags, configures logging and progress
output, calls the library and maps its errors to exit codes (see scraper.errors)."""

from __future__ import annotations

import codecs
import contextlib
import csv
import json
import logging
import os
import shlex
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, NoReturn

import click

from scraper import __version__, store
from scraper.errors import EXIT_STORE, EXIT_USAGE, ConfigError, DecodeError, ScraperError

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
            type=int,
            envvar="SCRAPER_CONCURRENCY",
            help="Requests in flight per host (default 2; env SCRAPER_CONCURRENCY).",
        ),
        click.option(
            "--delay",
            type=float,
            envvar="SCRAPER_DELAY",
            help="Least seconds between two requests to the same host; 0 allowed; robots.txt Crawl-delay raises it (default 1; env SCRAPER_DELAY).",
        ),
        click.option(
            "--max-pages",
            type=int,
            help="Stop after fetching this many pages (attachment files count).",
        ),
        click.option(
            "--attachments/--no-attachments",
            "download_attachments",
            default=None,
            envvar="SCRAPER_ATTACHMENTS",
            help="Download and version the attachment files in scope (default: on; env SCRAPER_ATTACHMENTS).",
        ),
        click.option(
            "--attachment-max-bytes",
            type=int,
            help="Largest attachment file downloaded, in bytes (default 50000000); larger ones are recorded as too-large.",
        ),
        click.option("--full", is_flag=True, help="Walk every list and re-check every known page."),
        click.option(
            "--recheck",
            type=float,
            envvar="SCRAPER_RECHECK",
            help="Share of known documents re-checked by a default run (default 0.05; env SCRAPER_RECHECK).",
        ),
        click.option(
            "--timeout", type=float, help="Seconds before a request times out (default 30)."
        ),
        click.option(
            "--max-bytes", type=int, help="Largest response accepted, in bytes (default 20000000)."
        ),
        click.option(
            "--retries",
            type=int,
            help="Retries of a retryable failure: timeout, connection error, HTTP 408, 425, 429, 500, 502, 503, 504, 522, 524 (default 3).",
        ),
        click.option(
            "--retry-wait",
            type=float,
            help="Base seconds of the exponential back-off between retries (default 2).",
        ),
        click.option(
            "--user-agent",
            envvar="SCRAPER_USER_AGENT",
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


def build_profile(
    site: str | None,
    profile_path: str | None,
    start_urls: tuple[str, ...],
    scopes: tuple[str, ...],
    overrides: dict[str, Any],
) -> Any:
    from scraper.profiles import build_profile as build
    from scraper.profiles import load_raw

    if not (site or profile_path or start_urls):
        site = "hongsibu"
    data = load_raw(site, profile_path)
    if start_urls:
        data["start_urls"] = list(start_urls)
        if not (site or profile_path):
            data["name"] = "custom"
            data["scope"] = []
    if scopes:
        data["scope"] = list(scopes)
    for key in ("delay", "concurrency"):
        if overrides.get(key) is not None:
            data[key] = overrides[key]
            data.setdefault("fetch", {}).pop(key, None)
    for key in ("timeout", "max_bytes", "retries", "retry_wait", "user_agent"):
        if overrides.get(key) is not None:
            data.setdefault("fetch", {})[key] = overrides[key]
    for key in ("download_attachments", "attachment_max_bytes"):
        if overrides.get(key) is not None:
            data.setdefault("discover", {})[key] = overrides[key]
    return build(data)


@cli.command()
@crawl_options
def crawl(
    site: str | None,
    profile_path: str | None,
    start_urls: tuple[str, ...],
    scopes: tuple[str, ...],
    db_path: str,
    max_pages: int | None,
    full: bool,
    recheck: float | None,
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
        profile = build_profile(site, profile_path, start_urls, scopes, overrides)
        if max_pages is not None and max_pages < 1:
            raise ConfigError("--max-pages must be ≥ 1")
        if recheck is not None and not 0 <= recheck <= 1:
            raise ConfigError("--recheck must be between 0 and 1")
        result = run_crawl(
            profile, db_path, full=full, max_pages=max_pages, recheck=recheck, summary=summary
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
    recheck: float | None,
    summary: bool | None,
) -> int:
    from scraper.crawl import Crawler, CrawlOptions

    interactive = sys.stderr.isatty()
    with store.archive_lock(db_path):
        db = store.open_db(db_path)
        options = CrawlOptions(
            full=full,
            max_pages=max_pages,
            recheck=0.05 if recheck is None else recheck,
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


@cli.command()
@db_option
@click.option(
    "--since",
    help="From this time (ISO; a date means its start, UTC). Default: the start of the latest run.",
)
@click.option("--until", help="Up to this time (ISO; a date means its end, UTC).")
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    type=click.Choice(KINDS),
    help="Kinds of page (repeatable; default: document and attachment).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array.")
def changes(
    db_path: str, since: str | None, until: str | None, kinds: tuple[str, ...], as_json: bool
) -> None:
    """What was new, changed, removed or returned in a time span: by default, what the latest
    run found (with the interrupted or partial runs it finished). Prints nothing when nothing
    happened (for `mail -E` under cron)."""
    since_utc = archive_time(since, "--since", start=True) if since is not None else None
    until_utc = archive_time(until, "--until") if until is not None else None
    db = open_archive(db_path)
    if since_utc is None:
        since_utc, running = store.digest_start(db)
        if since_utc is None:
            fail(ConfigError("the archive has no runs yet; give --since"))
        if running:
            click.echo(
                f"scraper: the run started at {since_utc} has not finished; this digest may be "
                "incomplete",
                err=True,
            )
    selected = () if "all" in kinds else (kinds or ("document", "attachment"))
    events = store.changes(db, since_utc, until_utc, selected)
    if as_json:
        click.echo(json.dumps(events, ensure_ascii=False, indent=2))
        return
    if not events:
        click.echo(f"scraper: nothing new, changed or removed since {since_utc}", err=True)
        return
    tally = {name: sum(e["event"] == name for e in events) for name in ("new", "changed")}
    tally |= {name: sum(e["event"] == name for e in events) for name in ("removed", "returned")}
    click.echo(
        f"Since {since_utc}"
        + (f" until {until_utc}" if until_utc else "")
        + ": "
        + ", ".join(f"{n} {name}" for name, n in tally.items())
    )
    for event in events:
        what = event["event"]
        if what == "changed":
            what = f"changed (v{event['version']}: {', '.join(event['changed'])})"
        click.echo(
            f"{event['at']}  {event['kind']:<10} {event['date'] or '----------'}  "
            f"{event['title'] or '(no title)'}\n    {what}: {event['url']}"
        )


@cli.command()
@click.argument("url")
@db_option
@click.option(
    "--from", "from_", type=int, help="Older version number (default: the one before --to)."
)
@click.option("--to", type=int, help="Newer version number (default: the latest).")
def diff(url: str, db_path: str, from_: int | None, to: int | None) -> None:
    """A readable, character-level diff between two versions of a page."""
    from scraper.textdiff import diff_versions

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
    to = to or max(versions)
    from_ = from_ or max(to - 1, 1)
    for number in (from_, to):
        if number not in versions:
            fail(ConfigError(f"{url} has no version {number} (it has 1–{max(versions)})"))
    click.echo(diff_versions(versions[from_], versions[to], color=sys.stdout.isatty()))


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
    version = store.find_version(db, url, number=number, at=at_utc)
    if version is None:
        count = len(store.page_versions(db, url))
        if number is not None:
            fail(ConfigError(f"{url} has no version {number} (it has 1–{count})"))
        if at_utc is not None:
            fail(ConfigError(f"{url} has no version fetched by {at_utc} ({count} later)"))
        fail(ConfigError(f"{url} has no versions"))
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


@cli.command()
@click.argument("query")
@db_option
@click.option("--limit", type=int, default=20, show_default=True, help="Most results shown.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array.")
def search(query: str, db_path: str, limit: int, as_json: bool) -> None:
    """Full-text search over the latest version of every page (Chinese-aware)."""
    db = open_archive(db_path)
    rows = store.search(db, query, limit)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    terms = query.split()
    for row in rows:
        body = row["body_text"] or ""
        at = min((body.find(t) for t in terms if t in body), default=0)
        snippet = body[max(0, at - 20) : at + 60].replace("\n", " ")
        gone = f"  (removed {row['removed_at']})" if row["removed_at"] else ""
        click.echo(
            f"{row['date'] or '----------'}  {row['title']}{gone}\n    {row['url']}\n    …{snippet}…"
        )
    if not rows:
        click.echo("no match", err=True)
        sys.exit(1)


@cli.command()
def sites() -> None:
    """List the bundled site profiles."""
    from scraper.profiles import builtin_sites, load_raw

    for name, title in builtin_sites().items():
        starts = ", ".join(load_raw(name).get("start_urls", []))
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
    from scraper.decode import decode_html
    from scraper.extract import EXTRACTOR_VERSION, extract
    from scraper.profiles import build_profile as build
    from scraper.profiles import load_raw

    content_type = None
    try:
        if encoding:
            codecs.lookup(encoding)  # a misspelt codec is bad usage, not an unreadable page
        rules = None
        if site:
            data = load_raw(site)
            rules = build(data).extract
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

    from scraper.profiles import build_profile as build
    from scraper.profiles import load_raw

    agent = build({**load_raw(), "start_urls": [url]}).fetch.user_agent
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
    help="Leave the replica running after the crawl (Ctrl-C stops it).",
)
@click.option("--port", type=int, default=0, help="Port for the replica (default: a free one).")
def demo(keep_serving: bool, port: int) -> None:
    """Serve the bundled replica of a TRS disclosure site on 127.0.0.1, crawl it into a fresh
    data/demo.db (never the main archive) and show what was archived."""
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
            profile, DEMO_DB, full=True, max_pages=None, recheck=None, summary=True
        )
        db = store.open_db(DEMO_DB)
        click.echo("")
        click.echo("Archived documents (latest versions):")
        for row in db.query(
            "SELECT date, title, source, versions FROM latest WHERE kind = 'document' ORDER BY date DESC"
        ):
            click.echo(
                f"  {row['date'] or '----------'}  {row['title']}  [{row['source'] or '-'}]  v{row['versions']}"
            )
        files = list(db.query("SELECT url, link_text, size FROM attachment_files ORDER BY url"))
        click.echo(f"\nArchived attachment files: {len(files)}")
        for row in files[:3]:
            click.echo(f"  {row['link_text']}  ({row['size']} bytes)  {row['url']}")
        if len(files) > 3:
            click.echo("  …")
        click.echo("")
        example = next(
            iter(db.query("SELECT url FROM latest WHERE kind = 'document' ORDER BY url")), None
        )
        me = invoked_as()
        click.echo("Look inside (the archive is plain SQLite):")
        click.echo(f"  {me} stats --db {DEMO_DB}")
        click.echo(f"  {me} export --db {DEMO_DB} | head -n 1")
        if example:
            click.echo(f"  {me} history --db {DEMO_DB} {example['url']}")
        if files:
            name = files[0]["url"].rsplit("/", 1)[-1]
            click.echo(f"  {me} raw --db {DEMO_DB} {files[0]['url']} -o {name}")
        click.echo(f"  {me} warc --db {DEMO_DB} data/demo.warc.gz")
        click.echo(f"  sqlite3 {DEMO_DB} 'SELECT date, title FROM documents'")
        click.echo(f"  datasette {DEMO_DB} -m data/metadata.json   (pip install datasette)")
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
