"""What ``scraper figures`` and ``scraper reports`` print: the figures as CSV or JSON, the
reports as a block each (or JSON). Plain values in, strings out; no SQL, no click."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

FIGURE_FIELDS = (
    "unit", "year", "format", "table", "row", "column", "value", "document", "version",
    "source",
)  # fmt: skip


def figures_csv(rows: Sequence[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIGURE_FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({name: row.get(name) for name in FIGURE_FIELDS})
    return out.getvalue().rstrip("\n")


def figures_json(rows: Sequence[dict[str, Any]]) -> str:
    return json.dumps(
        [{name: row.get(name) for name in FIGURE_FIELDS} for row in rows],
        ensure_ascii=False,
        indent=2,
    )


def _number(value: Any) -> str:
    return "-" if value is None else str(value)


def reports_text(reports: Sequence[dict[str, Any]]) -> str:
    """A block per report: what, when against its deadline, its checks, whether it changed,
    then each failed check with both sides."""
    lines = [f"{len(reports)} annual report{'s' if len(reports) != 1 else ''}"]
    for report in reports:
        if report["status"] is None:
            when = "no published date shown"
        else:
            state = (
                "on time"
                if report["status"] == "on_time"
                else (f"late by {report['days_late']} days")
            )
            when = f"published {report['published']}, {state}"
        lines += [
            "",
            f"{report['unit'] or '(unit not named)'} {report['year']} "
            f"(format {report['format']}, {report['level']})",
            f"    {when} (deadline {report['deadline']}; first seen {report['first_seen']})",
            f"    checks: {report['checks_passed']} passed, {report['checks_failed']} failed, "
            f"{report['checks_not_assessable']} not assessable",
            "    figures changed after publication: "
            + ("yes" if report["changed_after_publication"] else "no"),
            f"    {report['url']}  v{report['version']}",
        ]
        for check in report["failed_checks"]:
            lines.append(
                f"    FAIL {check['check']}: {check['expression']} "
                f"(left {_number(check['left'])}, right {_number(check['right'])}, "
                f"delta {_number(check['delta'])})"
            )
    return "\n".join(lines)


def reports_json(reports: Sequence[dict[str, Any]]) -> str:
    return json.dumps(list(reports), ensure_ascii=False, indent=2)
