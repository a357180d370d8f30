"""What every command shares: the click group, the --db option, the archive openers, the
page-kind choices, and the one way a library error ends a command (one line, its exit code)."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import click

from scraper import __version__, archive
from scraper.errors import ConfigError, ScraperError

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
