"""Annual reports (政府信息公开工作年度报告) as data: recognise them, read tables 二, 三 and 四
into cells with canonical names, and check the identities between the figures.

Pure functions, no database: the archive integration lives in scraper.archive.
"""

from scraper.reports.checks import CheckResult, cross_year_checks, run_checks
from scraper.reports.parse import ReportInput, ReportParse, parse_report
from scraper.reports.recognise import Recognition, recognise
from scraper.reports.report import PARSER_VERSION, ReportFile, ReportReading, read_report
from scraper.reports.tables import Cell, ParsedTables, parse_tables

__all__ = [
    "PARSER_VERSION",
    "Cell",
    "CheckResult",
    "ParsedTables",
    "Recognition",
    "ReportFile",
    "ReportInput",
    "ReportParse",
    "ReportReading",
    "cross_year_checks",
    "parse_report",
    "parse_tables",
    "read_report",
    "recognise",
    "run_checks",
]
