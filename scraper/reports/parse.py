"""One report page's parse as a reading worker runs it (:mod:`scraper.crawl.read`): pure
data in, pure data out, both pickled; the archive gathers the input and saves the answer
(:mod:`scraper.archive.reports`). Here, in the pure package, so that a worker process loads
the parser and not the database layer."""

from __future__ import annotations

import traceback
from dataclasses import dataclass

from scraper.reports.report import ReportFile, ReportReading, read_report


@dataclass(frozen=True)
class ReportInput:
    """What the parser reads of one state of a report page: pure data, so that the crawl
    can hand it to a reading worker process (it is pickled)."""

    page_id: int
    version_id: int
    title: str
    body_text: str | None
    html: str
    files: list[ReportFile]  # the bytes of each linked file version
    unit_hint: str | None


@dataclass(frozen=True)
class ReportParse:
    """The parser's answer: a ``ReportReading``, None when the page is no report, or the
    traceback of a parser bug (text, since the exception may not survive pickling)."""

    reading: ReportReading | None
    error: str | None = None


def parse_report(item: ReportInput) -> ReportParse:
    """The pure phase, no database: importable by name, so that the crawl can run it in a
    reading worker (:mod:`scraper.crawl.read`). Never raises on a parser bug."""
    try:
        reading = read_report(
            item.title, item.body_text, item.html, item.files, unit_hint=item.unit_hint
        )
    except Exception:  # a parser bug on one report must not end the run or the reindex
        return ReportParse(None, traceback.format_exc())
    return ReportParse(reading)
