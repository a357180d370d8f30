"""Tables of a workbook (.xlsx with openpyxl, .xls with python-calamine) as grids.

Each sheet is cut into blocks at fully empty rows (templates stack tables 二, 三 and 四 on one
sheet, or table 二's four parts); a block is one grid. Merged ranges become one cell covering
their range. Values are the stored ones, not formulas (``data_only``); a formula with no
stored result is kept as its formula text, which names nothing, so the cell is never read as a
blank. A number is written as the workbook holds it, to 15 significant digits (Excel's own
precision): 5949.088667 stays 5949.088667 and 0.1+0.2 reads 0.3, not 0.30000000000000004.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from datetime import date, datetime, time
from io import BytesIO
from typing import Any

from scraper.reports.tables import Grid, grid_of_spans

_MAX_ROWS, _MAX_COLUMNS = 2000, 200  # a sheet formatted to row 1048576 is not read that far

Merge = tuple[int, int, int, int]  # top, left, bottom, right (0-based, inclusive)


def value_text(value: Any) -> str:
    """A cell's value as text, numbers without float noise."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(value, ".15g")
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def sheet_grids(rows: list[list[str]], merges: Iterable[Merge]) -> list[Grid]:
    """Grids of one sheet: ``rows`` of text (ragged allowed), merged ranges as given."""
    rows = [row[:_MAX_COLUMNS] for row in rows[:_MAX_ROWS]]
    covered: dict[tuple[int, int], Merge] = {}
    for top, left, bottom, right in merges:
        if top >= len(rows):
            continue
        for r in range(top, min(bottom, len(rows) - 1) + 1):
            for c in range(left, min(right, _MAX_COLUMNS - 1) + 1):
                covered[(r, c)] = (top, left, bottom, right)

    def empty(r: int) -> bool:
        return not any(text.strip() for text in rows[r]) and not any(
            (r, c) in covered and covered[(r, c)][0] != r for c in range(len(rows[r]) + 1)
        )

    blocks: list[tuple[int, int]] = []
    start: int | None = None
    for r in range(len(rows)):
        if empty(r):
            if start is not None:
                blocks.append((start, r))
                start = None
        elif start is None:
            start = r
    if start is not None:
        blocks.append((start, len(rows)))
    grids = []
    for first, end in blocks:
        used = [
            c
            for r in range(first, end)
            for c in range(len(rows[r]))
            if rows[r][c].strip() or (r, c) in covered
        ]
        left, right = min(used), max(used)
        spans = []
        for r in range(first, end):
            line = rows[r] + [""] * (right + 1 - len(rows[r]))
            for c in range(left, right + 1):
                text = line[c]
                merge = covered.get((r, c))
                if merge is None:  # an empty cell inside the table is a blank figure
                    spans.append((r - first, c, 1, 1, text))
                elif merge[:2] == (r, c):
                    height = min(merge[2], end - 1) - r + 1
                    spans.append((r - first, c, height, merge[3] - c + 1, text))
        grid = grid_of_spans(spans)
        if grid:
            grids.append(grid)
    return grids


def xlsx_grids(body: bytes) -> list[Grid]:
    from openpyxl import load_workbook

    values = load_workbook(BytesIO(body), data_only=True)
    with zipfile.ZipFile(BytesIO(body)) as archive:
        has_formulas = any(
            b"<f>" in xml or b"<f " in xml
            for xml in (
                archive.read(name)
                for name in archive.namelist()
                if name.startswith("xl/worksheets/") and name.endswith(".xml")
            )
        )
    formulas = None
    grids: list[Grid] = []
    for sheet in values.worksheets:
        rows: list[list[str]] = []
        missing: list[tuple[int, int]] = []
        for r, line in enumerate(sheet.iter_rows(max_row=min(sheet.max_row, _MAX_ROWS))):
            texts = []
            for c, cell in enumerate(line[:_MAX_COLUMNS]):
                texts.append(value_text(cell.value))
                if cell.value is None:
                    missing.append((r, c))
            rows.append(texts)
        if missing and has_formulas:  # a formula never calculated has no stored value
            if formulas is None:
                formulas = load_workbook(BytesIO(body), data_only=False)
            raw = formulas[sheet.title]
            for r, c in missing:
                formula = raw.cell(row=r + 1, column=c + 1).value
                if isinstance(formula, str) and formula.startswith("="):
                    rows[r][c] = formula
        merges = [
            (m.min_row - 1, m.min_col - 1, m.max_row - 1, m.max_col - 1)
            for m in sheet.merged_cells.ranges
        ]
        grids += sheet_grids(rows, merges)
    return grids


def xls_grids(body: bytes) -> list[Grid]:
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_filelike(BytesIO(body))
    grids: list[Grid] = []
    for name in workbook.sheet_names:
        sheet = workbook.get_sheet_by_name(name)
        rows = [[value_text(v) for v in line] for line in sheet.to_python(skip_empty_area=False)]
        merges = [
            (start[0], start[1], end[0], end[1]) for start, end in sheet.merged_cell_ranges or ()
        ]
        grids += sheet_grids(rows, merges)
    return grids
