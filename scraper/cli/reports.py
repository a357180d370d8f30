"""Commands over the annual reports' figures: figures and reports."""

from __future__ import annotations

import sys

import click

from scraper import archive
from scraper import report_output as render
from scraper.cli.base import cli, db_option, open_archive

TABLES = ("二", "三", "四")


def _none_found(text: str) -> None:
    click.echo(f"scraper: {text}", err=True)
    sys.exit(1)


@cli.command()
@db_option
@click.option("--unit", help="Only reports whose unit's name contains this text.")
@click.option("--year", type=int, help="Only reports on this year (the year reported on).")
@click.option("--table", type=click.Choice(TABLES), help="Only this table.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "json"]),
    default="csv",
    show_default=True,
    help="Output format.",
)
def figures(db_path: str, unit: str | None, year: int | None, table: str | None, fmt: str) -> None:
    """The figures of the annual reports (政府信息公开工作年度报告), a row per cell of
    tables 二, 三 and 四, from each report's current version. Exit 1 when nothing matches."""
    db = open_archive(db_path)
    if not archive.has_readings(db):
        _none_found(
            f"no annual reports in {db_path} (a crawl reads them; `scraper reindex --figures` "
            "reads those archived before)"
        )
    rows = archive.figure_records(db, unit=unit, year=year, table=table)
    if not rows:
        _none_found("no figures match")
    click.echo(render.figures_json(rows) if fmt == "json" else render.figures_csv(rows))


@cli.command()
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array.")
def reports(db_path: str, as_json: bool) -> None:
    """Each annual report: unit, year, format, published date against its deadline, its
    checks passed and failed, and whether its figures changed after publication. Exit 1
    when there is none."""
    db = open_archive(db_path)
    found = archive.report_records(db)
    if not found:
        _none_found(f"no annual reports in {db_path}")
    click.echo(render.reports_json(found) if as_json else render.reports_text(found))
