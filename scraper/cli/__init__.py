"""The command line: click only (no other module imports click). It parses flags, configures
logging and output, calls the library (each command a few lines into it) and maps its errors
to exit codes (see scraper.errors). One module per family of commands; the rendering lives in
scraper.output, the pages through time in scraper.history, the demo in scraper.demo, logging
in scraper.logs."""

from __future__ import annotations

import os
import sys

import click

from scraper.cli import crawling, merging, reading, reports, searching  # noqa: F401  (each registers its commands)
from scraper.cli.base import cli
from scraper.errors import EXIT_STORE, EXIT_USAGE
from scraper.logs import configure_logging

__all__ = ["cli", "configure_logging", "main"]


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
