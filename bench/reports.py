"""Annual-report figures read from real reports, scored against hand-made labels.

Usage::

    .venv/bin/python bench/reports.py [--replica]

Labels are ``tests/corpus/reports/labels.jsonl``: one real report a line, with every figure of
its tables 二, 三 and 四 read by a person from the page (value as text, null for a blank, —
or /). A label's page is in ``tests/corpus/reports/pages/`` or, for ``"corpus": "shared"``, in
``../shared/corpus/pages/`` (``$SCRAPER_CORPUS``). Each page goes through
``scraper.reports.read_report`` as the archive calls it.

Per report and in total it prints the labelled cells, how many were read exactly, read with
another value (wrong), not read (missing), and read but not in the label (invented), and the
share exact. Target: at least 99 % exact and no invented cell. ``--replica`` adds the replica's
annual reports (every source: HTML, DOCX, XLSX, XLS, PDF) scored against their TRUTH.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scraper.reports import ReportFile, read_report  # noqa: E402

REPORTS = ROOT / "tests" / "corpus" / "reports"
Key = tuple[str, str, str]


def shared_corpus() -> Path:
    return Path(os.environ.get("SCRAPER_CORPUS") or ROOT.parent / "shared" / "corpus")


def load_labels() -> list[dict[str, Any]]:
    with (REPORTS / "labels.jsonl").open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def page_of(label: dict[str, Any]) -> Path:
    base = shared_corpus() if label.get("corpus") == "shared" else REPORTS
    return base / "pages" / label["file"]


def score(truth: dict[Key, Decimal | None], got: dict[Key, Decimal | None]) -> dict[str, int]:
    exact = sum(1 for key, value in truth.items() if key in got and got[key] == value)
    wrong = sum(1 for key, value in truth.items() if key in got and got[key] != value)
    return {
        "labelled": len(truth),
        "exact": exact,
        "wrong": wrong,
        "missing": sum(1 for key in truth if key not in got),
        "invented": sum(1 for key in got if key not in truth),
    }


def labelled_truth(label: dict[str, Any]) -> dict[Key, Decimal | None]:
    return {
        (f["table"], f["row"], f["column"]): None if f["value"] is None else Decimal(f["value"])
        for f in label["figures"]
    }


def real_reports() -> list[tuple[str, dict[str, int], float, list[str]]]:
    rows = []
    for label in load_labels():
        path = page_of(label)
        if not path.exists():
            print(f"skipped {label['file']}: no page at {path}", file=sys.stderr)
            continue
        html = path.read_text(encoding=label.get("encoding") or "utf-8")
        start = time.perf_counter()
        reading = read_report(label["title"], None, html, [])
        elapsed = time.perf_counter() - start
        got = {} if reading is None else {c.key: c.value for c in reading.cells}
        notes = []
        if reading is None:
            notes.append("not recognised as an annual report")
        elif (reading.unit, reading.year, reading.format) != (
            label["unit"],
            label["year"],
            label["format"],
        ):
            notes.append(f"recognised as {reading.unit}/{reading.year}/{reading.format}")
        rows.append((label["file"], score(labelled_truth(label), got), elapsed, notes))
    return rows


def replica_reports() -> list[tuple[str, dict[str, int], float, list[str]]]:
    from scraper.replica.report_files import report_file
    from scraper.replica.reports import HEADINGS, html_table, replica_reports, report_tables

    rows = []
    for report in replica_reports():
        files = []
        html = None
        if report.carrier == "html":
            tables = report_tables(report)
            html = "".join(f"<p>{h}</p>{html_table(tables[t][1])}" for t, h in HEADINGS.items())
        else:
            files = [ReportFile(f"http://replica/{report.file_name}", None, report_file(report))]
        start = time.perf_counter()
        reading = read_report(report.title, None, html, files)
        elapsed = time.perf_counter() - start
        got = {} if reading is None else {c.key: c.value for c in reading.cells}
        rows.append(
            (f"{report.name} ({report.carrier})", score(report.figures(), got), elapsed, [])
        )
    return rows


def table(title: str, rows: list[tuple[str, dict[str, int], float, list[str]]]) -> dict[str, int]:
    print(title)
    header = f"{'report':<34} {'labelled':>8} {'exact':>6} {'wrong':>6} {'missing':>7} {'invented':>8} {'exact %':>8} {'ms':>7}"
    print(header)
    print("-" * len(header))
    total = {"labelled": 0, "exact": 0, "wrong": 0, "missing": 0, "invented": 0}
    spent = 0.0
    for name, counts, elapsed, notes in rows:
        for key in total:
            total[key] += counts[key]
        spent += elapsed
        share = 100 * counts["exact"] / counts["labelled"] if counts["labelled"] else 0.0
        print(
            f"{name:<34} {counts['labelled']:>8} {counts['exact']:>6} {counts['wrong']:>6} "
            f"{counts['missing']:>7} {counts['invented']:>8} {share:>7.2f}% {elapsed * 1000:>7.1f}"
        )
        for note in notes:
            print(f"    {note}")
    share = 100 * total["exact"] / total["labelled"] if total["labelled"] else 0.0
    print("-" * len(header))
    print(
        f"{'total':<34} {total['labelled']:>8} {total['exact']:>6} {total['wrong']:>6} "
        f"{total['missing']:>7} {total['invented']:>8} {share:>7.2f}% {spent * 1000:>7.1f}"
    )
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--replica", action="store_true", help="also score the replica's reports")
    args = parser.parse_args(argv)
    total = table("real annual reports (tests/corpus/reports/labels.jsonl)", real_reports())
    share = 100 * total["exact"] / total["labelled"] if total["labelled"] else 0.0
    verdict = "met" if share >= 99 and total["invented"] == 0 else "NOT met"
    print(f"target (>= 99 % exact, 0 invented): {verdict}")
    if args.replica:
        print()
        table("replica annual reports (scraper.replica.reports TRUTH)", replica_reports())
    return 0 if verdict == "met" else 1


if __name__ == "__main__":
    raise SystemExit(main())
