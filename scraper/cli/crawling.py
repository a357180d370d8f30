"""Commands that fetch from the web: crawl, probe, extract, sites and the demo."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from click.core import ParameterSource

from scraper import output as render
from scraper.cli.base import (
    cli,
    db_option,
    fail,
)
from scraper.errors import ConfigError, ScraperError
from scraper.logs import configure_logging

if TYPE_CHECKING:
    from scraper.sitelist import Plan, SiteJob

logger = logging.getLogger("scraper")


# -- crawl ---------------------------------------------------------------------------------


# Settings typed as text on the command line; config checks them and names the flag.
_SETTING_FLAGS = [
    ("--concurrency", "Requests in flight per host (default 2; env SCRAPER_CONCURRENCY)."),
    ("--delay", "Least seconds between two requests to the same host; 0 allowed; robots.txt Crawl-delay raises it (default 1; env SCRAPER_DELAY)."),
    ("--max-pages", "Stop after fetching this many pages (attachment files count)."),
    ("--attachment-max-bytes", "Largest attachment file downloaded, in bytes (default 50000000); larger ones are recorded as too-large."),
    ("--recheck", "Share of known documents re-checked by a default run (default 0.05; env SCRAPER_RECHECK)."),
    ("--timeout", "Seconds before a request times out (default 30)."),
    ("--max-bytes", "Largest response accepted, in bytes, counted decompressed (default 20000000)."),
    ("--deadline", "Seconds one request may take in all, however slowly its bytes come; not retried (default 120)."),
    ("--budget-bytes", "Stop a site's run after this many response bytes (decompressed); the next run finishes it, like --max-pages (default 0: no budget)."),
    ("--retries", "Retries of a retryable failure: timeout, connection error, HTTP 408, 425, 429, 500, 502, 503, 504, 522, 524 (default 3)."),
    ("--retry-wait", "Base seconds of the exponential back-off between retries (default 2)."),
    ("--user-agent", "User-Agent header (default names scraper and its home page; env SCRAPER_USER_AGENT)."),
]  # fmt: skip


_allow_private = click.option(
    "--allow-private",
    is_flag=True,
    default=None,
    help="Connect to host names that resolve to private, loopback or link-local addresses (refused by default; IP literals you give are always used).",
)


def crawl_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option(
            "--site",
            "sites",
            multiple=True,
            envvar="SCRAPER_SITE",
            help="Bundled site profile (see `scraper sites`; repeatable; env SCRAPER_SITE, names separated by spaces).",
        ),
        click.option(
            "--profile",
            "profile_paths",
            multiple=True,
            type=click.Path(dir_okay=False),
            help="Site profile TOML file (repeatable).",
        ),
        click.option("--all-sites", is_flag=True, help="Crawl every bundled site profile."),
        click.option(
            "--sites-file",
            type=click.Path(dir_okay=False),
            help="Crawl the sites listed here: a bundled name, a profile path or a start URL a line; # comments.",
        ),
        click.option(
            "--data-dir",
            envvar="SCRAPER_DATA_DIR",
            default="data",
            show_default=True,
            help="With several sites, each one's archive is DATA_DIR/NAME.db (env SCRAPER_DATA_DIR).",
        ),
        click.option("--max-sites", help="Sites crawled at the same time, at most (default 50)."),
        click.option(
            "--dry-run",
            is_flag=True,
            help="List the sites this run would crawl, each with its archive; fetch nothing.",
        ),
        click.option(
            "--shard",
            envvar="SCRAPER_SHARD",
            help="K/N: crawl only the sites in shard K of N by a stable hash of the name, K from 0 (env SCRAPER_SHARD).",
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
        _allow_private,
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
    sites: tuple[str, ...],
    profile_paths: tuple[str, ...],
    all_sites: bool,
    sites_file: str | None,
    data_dir: str,
    max_sites: str | None,
    dry_run: bool,
    shard: str | None,
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
    """Crawl a site, or several, into the archive. Exit codes: 0 completed, 1 some URLs
    failed (or, of several sites, some skipped as busy), 2 bad usage or configuration, 3
    another run holds the archive (every site's), 4 an archive cannot be written."""
    configure_logging(verbose, log_file, log_format)
    from scraper import config, sitelist
    from scraper.crawl import run_crawl

    ctx = click.get_current_context()
    if ctx.get_parameter_source("sites") == ParameterSource.ENVIRONMENT and (
        profile_paths or all_sites or sites_file
    ):
        sites = ()  # SCRAPER_SITE is a default: sites named on the command line replace it
    explicit_db = ctx.get_parameter_source("db_path") != ParameterSource.DEFAULT
    try:
        pages = config.max_pages(max_pages)
        several = sitelist.plan(
            sites=sites,
            profiles=profile_paths,
            all_sites=all_sites,
            sites_file=sites_file,
            start_urls=start_urls,
            scopes=scopes,
            shard=shard,
            data_dir=data_dir,
            db_path=db_path if explicit_db else None,
            overrides=overrides,
        )
        if several is not None:
            limit = sitelist.max_sites(max_sites)
            if dry_run:
                sys.exit(_list_sites(several.jobs))
            sys.exit(_crawl_sites(several, limit, full, pages, summary))
        site = sites[0] if sites else None
        profile_path = profile_paths[0] if profile_paths else None
        profile = config.command_profile(site, profile_path, start_urls, scopes, overrides)
        if dry_run:
            sys.exit(_list_sites([sitelist.SiteJob(profile, db_path, profile.source)]))
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


def _list_sites(jobs: list[SiteJob]) -> int:
    for job in jobs:
        click.echo(f"{job.name}\t{job.db_path}\t{' '.join(job.profile.start_urls)}")
    return 0


def _crawl_sites(
    several: Plan, max_sites: int, full: bool, pages: int | None, summary: bool | None
) -> int:
    from scraper.crawl.sites import run_sites

    if not several.jobs:
        k, n = several.shard or (0, 1)
        click.echo(f"scraper: shard {k}/{n} holds none of the {several.named} sites", err=True)
        return 0
    return run_sites(
        several.jobs,
        full=full,
        max_pages=pages,
        max_sites=max_sites,
        combined=several.combined,
        summary=summary,
        echo=click.echo,
    )


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
@_allow_private
def extract_command(
    path_or_url: str,
    page_url: str | None,
    encoding: str | None,
    as_json: bool,
    site: str | None,
    allow_private: bool | None,
) -> None:
    """Run the crawler's decoding and extraction on one saved file or one live URL."""
    from scraper.errors import DecodeError
    from scraper.onepage import extract_one

    try:
        fields = extract_one(
            path_or_url, page_url, encoding, site, allow_private=bool(allow_private)
        )
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
@_allow_private
def probe(
    url: str,
    as_json: bool,
    output: str | None,
    delay: str | None,
    user_agent: str | None,
    allow_private: bool | None,
) -> None:
    """Fetch a start page, a list and a document politely; name the platform, its columns and
    pagers, the document's fields, and print a starter profile."""
    from scraper.probe import probe as run_probe

    if output and Path(output).exists():
        fail(ConfigError(f"{output} exists; not overwriting it"))
    logging.getLogger("scraper").setLevel(logging.ERROR)  # the one line is the report
    flags = {"delay": delay, "fetch.user_agent": user_agent, "fetch.retries": "1"}
    found = run_probe(url, {**flags, "allow_private": allow_private})
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
