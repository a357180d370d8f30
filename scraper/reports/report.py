"""One archived page (and its attachment files) in, one annual report's figures out.

:func:`read_report` is what the archive calls on the write path and in ``reindex --figures``.
It is pure: the page's title, body text and HTML and the bytes of its archived files go in,
nothing is fetched or stored.

Sources, in order: the page's HTML tables, then the files in the order given. Every source is
turned into the same grid (:func:`scraper.reports.tables.cells_of_grid` names its cells), so
labels are matched one way whatever the file type. The first source to give a figure wins; a
later source giving the same figure with another value is a problem line, and so is a file
that cannot be read. Nothing here raises on bad input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from scraper.reports.checks import CheckResult, run_checks
from scraper.reports.readers import read_file
from scraper.reports.recognise import format_for, recognise
from scraper.reports.tables import Cell, ParsedTables, detect_format, parse_tables

# Bump when the reading changes (names, readers, checks), so `reindex --figures` knows which
# versions were read by an older parser.
PARSER_VERSION = "1"


@dataclass
class ReportFile:
    """An archived attachment file of the report's page."""

    url: str
    content_type: str | None
    body: bytes


@dataclass
class ReportReading:
    unit: str  # "" when neither the title nor the caller's unit_hint names it
    year: int
    format: str  # "2019" | "2021" | "free-text"
    cells: list[Cell] = field(default_factory=list)
    checks: list[CheckResult] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


_LOOSE_TITLE = re.compile(r"年度报告|年报")  # not 政府工作报告: its PDF would be read for nothing


def _read_sources(html: str | None, files: list[ReportFile]) -> tuple[ParsedTables, list[str]]:
    """The page's tables, then each file's; a file that cannot be read is a problem line."""
    parsed = parse_tables(html) if html else ParsedTables()
    problems = []
    for file in files:
        reason = read_file(file.url, file.content_type, file.body, parsed)
        if reason:
            problems.append(f"{file.url}: {reason}")
    return parsed, problems


def read_report(
    title: str,
    body_text: str | None,
    html: str | None,
    files: list[ReportFile],
    *,
    unit_hint: str | None = None,
) -> ReportReading | None:
    """The figures and checks of an annual report; None when the page is not one.

    Recognised by the title (a title saying only 年度报告 counts when the body text, or the
    tables of the page and its files, hold the standard tables). The year must be in the title: a report without one is not read.
    ``unit_hint`` (e.g. the page's 发布机构) names the unit when the title does not."""
    recognition = recognise(title)
    if recognition is None and body_text:
        recognition = recognise(title, body_text)
    parsed: ParsedTables | None = None
    problems: list[str] = []
    if recognition is None and _LOOSE_TITLE.search(title or "") and (html or files):
        # "…2022年度报告" whose tables are only in its attachment: the tables are the evidence
        parsed, problems = _read_sources(html, files)
        if parsed.cells:
            recognition = recognise(title, " ".join(cell.row for cell in parsed.cells))
    if recognition is None or recognition.year is None:
        return None
    if parsed is None:
        parsed, problems = _read_sources(html, files)
    format = detect_format(parsed.cells)
    if format is None:
        if parsed.cells or not body_text:
            format = format_for(recognition.year)
        else:  # no tables anywhere: the body decides (a 2021 report may be free text)
            format = format_for(recognition.year, body_text)
    unit = recognition.unit or (unit_hint or "").strip()
    if not unit:
        problems.append("unit: not named in the title")
    problems += [f"skipped {line}" for line in parsed.skipped]
    problems += [f"conflict {line}" for line in parsed.conflicts]
    checks = run_checks(parsed.cells, format) if parsed.cells else []
    return ReportReading(
        unit=unit,
        year=recognition.year,
        format=format or "free-text",
        cells=parsed.cells,
        checks=checks,
        problems=problems,
    )
