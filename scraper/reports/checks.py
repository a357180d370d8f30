"""The identities a report's figures must satisfy (issue 13, item 3), checked on its cells.

Every check is one equation, ``left = right``, with both sides written out in
``expression`` (each term named and valued). ``delta`` is ``left - right``. The result is
``PASS`` when the sides are equal, ``FAIL`` when not, and ``NOT_ASSESSABLE`` when a cell the
equation needs is missing or holds no number (a blank, —, / is never read as 0).

Check names are stable, ``<kind>:<column or row>``:

- ``t3_outcomes:<column>``: 予以公开 + 部分公开 + every reason = （七）总计, per applicant column
  (and the 总计 column);
- ``t3_balance:<column>``: 本年新收 + 上年结转 = （七）总计 + 结转下年度继续办理;
- ``t3_total_column:<row>``: the six applicant columns add up to the 总计 column;
- ``t4_total:<group>``: 结果维持 + 结果纠正 + 其他结果 + 尚未审结 = 总计, per group;
- ``carryover:<column>``: year Y's 结转下年度继续办理 = year Y+1's 上年结转 (two reports).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from scraper.reports import names as n
from scraper.reports.tables import Cell, detect_format

PASS, FAIL, NOT_ASSESSABLE = "PASS", "FAIL", "NOT_ASSESSABLE"

Term = tuple[str, Decimal | None]  # (the cell's name, its value or None)


@dataclass(frozen=True)
class CheckResult:
    check: str
    expression: str
    left: Decimal | None
    right: Decimal | None
    delta: Decimal | None
    result: str

    def as_dict(self) -> dict[str, Any]:
        def num(value: Decimal | None) -> int | float | None:
            if value is None:
                return None
            return int(value) if value == value.to_integral_value() else float(value)

        return {
            "check": self.check,
            "expression": self.expression,
            "left": num(self.left),
            "right": num(self.right),
            "delta": num(self.delta),
            "result": self.result,
        }


def _side(terms: list[Term]) -> tuple[str, Decimal | None]:
    text = " + ".join(f"{name}={'missing' if value is None else value}" for name, value in terms)
    values = [value for _, value in terms]
    if any(value is None for value in values):
        return text, None
    return text, sum((v for v in values if v is not None), Decimal(0))


def identity(check: str, left_terms: list[Term], right_terms: list[Term]) -> CheckResult:
    """``sum(left_terms) = sum(right_terms)``, NOT_ASSESSABLE if any term has no value."""
    left_text, left = _side(left_terms)
    right_text, right = _side(right_terms)
    expression = f"{left_text} = {right_text}"
    if left is None or right is None:
        return CheckResult(check, expression, left, right, None, NOT_ASSESSABLE)
    delta = left - right
    return CheckResult(check, expression, left, right, delta, PASS if delta == 0 else FAIL)


class _Figures:
    """Cells by (table, row, column); a term is the cell's name with its value or None."""

    def __init__(self, cells: Iterable[Cell], tag: str = "") -> None:
        self.cells = list(cells)
        self.by_key = {cell.key: cell for cell in self.cells}
        self.tag = tag

    def term(self, table: str, row: str, column: str) -> Term:
        cell = self.by_key.get((table, row, column))
        return f"{self.tag}{table}[{row}|{column}]", None if cell is None else cell.value


def _outcome_rows(figures: _Figures, format: str | None) -> tuple[str, ...]:
    rows = {cell.row for cell in figures.cells if cell.table == n.T3}
    if rows & set(n.T3_OTHER_REASONS):
        return n.T3_OUTCOMES_2021
    if n.T3_OTHER in rows:
        return n.T3_OUTCOMES_2019
    return n.T3_OUTCOMES_2019 if format == "2019" else n.T3_OUTCOMES_2021


def table3_checks(cells: Iterable[Cell], format: str | None = None) -> list[CheckResult]:
    figures = _Figures(cells)
    format = format or detect_format(figures.cells)
    outcomes = _outcome_rows(figures, format)
    results = []
    for column in n.T3_COLUMNS:
        results.append(
            identity(
                f"t3_outcomes:{column}",
                [figures.term(n.T3, row, column) for row in outcomes],
                [figures.term(n.T3, n.T3_TOTAL, column)],
            )
        )
    for column in n.T3_COLUMNS:
        results.append(
            identity(
                f"t3_balance:{column}",
                [figures.term(n.T3, n.T3_NEW, column), figures.term(n.T3, n.T3_CARRIED_IN, column)],
                [
                    figures.term(n.T3, n.T3_TOTAL, column),
                    figures.term(n.T3, n.T3_CARRIED_OUT, column),
                ],
            )
        )
    rows = (n.T3_NEW, n.T3_CARRIED_IN, *outcomes, n.T3_TOTAL, n.T3_CARRIED_OUT)
    for row in rows:
        results.append(
            identity(
                f"t3_total_column:{row}",
                [figures.term(n.T3, row, column) for column in n.T3_APPLICANTS],
                [figures.term(n.T3, row, n.T3_TOTAL_COLUMN)],
            )
        )
    return results


def table4_checks(cells: Iterable[Cell]) -> list[CheckResult]:
    figures = _Figures(cells)
    return [
        identity(
            f"t4_total:{group}",
            [figures.term(n.T4, group, part) for part in n.T4_PARTS],
            [figures.term(n.T4, group, n.T4_TOTAL)],
        )
        for group in n.T4_ROWS
    ]


def run_checks(cells: Iterable[Cell], format: str | None = None) -> list[CheckResult]:
    """Every in-report check of tables 三 and 四, in a fixed order."""
    cells = list(cells)
    return table3_checks(cells, format) + table4_checks(cells)


def cross_year_checks(
    earlier: Iterable[Cell],
    later: Iterable[Cell],
    earlier_year: int | None = None,
    later_year: int | None = None,
) -> list[CheckResult]:
    """Year Y's 四、结转下年度继续办理 = year Y+1's 二、上年结转…, per column of table 三.

    The caller pairs the reports (same unit, consecutive years); the years only label the
    terms."""
    before = _Figures(earlier, f"{earlier_year}:" if earlier_year else "Y:")
    after = _Figures(later, f"{later_year}:" if later_year else "Y+1:")
    return [
        identity(
            f"carryover:{column}",
            [before.term(n.T3, n.T3_CARRIED_OUT, column)],
            [after.term(n.T3, n.T3_CARRIED_IN, column)],
        )
        for column in n.T3_COLUMNS
    ]


def failed(results: Iterable[CheckResult]) -> list[CheckResult]:
    return [result for result in results if result.result == FAIL]
