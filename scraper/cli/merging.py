"""`scraper merge`: site archives combined into one archive, for queries across sites."""

from __future__ import annotations

import click

from scraper import archive
from scraper import output as render
from scraper.cli.base import cli
from scraper.logs import configure_logging


def summary_line(summary: archive.MergeSummary) -> str:
    def total(name: str) -> int:
        return summary.total(name)

    line = (
        f"merged {len(summary.inputs)} archive(s) into {summary.out}: "
        f"{total('pages_added')} pages added, {total('pages_updated')} updated; "
        f"{total('versions_added')} versions added, "
        f"{total('versions_skipped')} skipped as already merged; "
        f"{total('runs_added')} runs, {total('events_added')} events, "
        f"{total('failures_added')} failures added"
    )
    if summary.readings:
        line += f"; {summary.readings} report readings derived"
    return line


@cli.command()
@click.argument("out", type=click.Path(dir_okay=False))
@click.argument("inputs", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the counts of each input as JSON.")
@click.option("-v", "--verbose", count=True, help="Name each archive on stderr as it is merged.")
def merge(out: str, inputs: tuple[str, ...], as_json: bool, verbose: int) -> None:
    """Merge site archives INPUTS into the archive OUT (created if missing).

    Pages keep their site; versions, events, runs, failures and attachment files come
    along, the frontier does not. Merging again adds only what is new. A page in two
    archives with different versions stops the merge (exit 1, nothing written). Merge
    snapshots (VACUUM INTO), not archives being crawled."""
    configure_logging(verbose, None, "text")
    summary = archive.merge_archives(out, inputs)
    click.echo(render.as_json(summary.as_dict()) if as_json else summary_line(summary))
