"""Commands that read the archive: export, warc, history, changes, feed, notify, diff, raw,
show and stats."""

from __future__ import annotations

import logging
import sys

import click

from scraper import archive
from scraper import output as render
from scraper.cli.base import (
    at_option,
    cli,
    db_option,
    digest_kinds,
    fail,
    kind_option,
    open_archive,
)
from scraper.errors import ConfigError
from scraper.times import optional_time

logger = logging.getLogger("scraper")


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
@click.option("--allow-private", is_flag=True,
              help="Send to host names that resolve to private, loopback or link-local addresses (refused by default; IP literals in the URLs are always used).")  # fmt: skip
def notify(
    urls: tuple[str, ...], db_path: str, run_id: int | None, top: int, allow_private: bool
) -> None:
    """Send the latest run's ranked digest (or run N's) through Apprise to each URL
    (mailto://, wecombot://, dingtalk://, feishu://, json://…): one message per run, nothing
    when nothing happened. Exit 1 when a send failed, 2 without Apprise."""
    from scraper import notify as push

    try:
        services = push.check_urls(urls, allow_private=allow_private)
    except (push.NotifyUnavailable, ValueError) as exc:
        fail(ConfigError(str(exc)))
    policy = push.address_policy(urls, allow_private=allow_private)
    done = push.deliver(open_archive(db_path), db_path, services, run_id, top, policy)
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
