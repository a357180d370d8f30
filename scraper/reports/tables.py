"""Tables 二, 三 and 四 of an annual report, from the page's HTML, as cells.

Each ``<table>`` is first expanded into a grid (rowspan and colspan copy a cell into every
slot it covers, keeping the cell's identity). Then every value-like cell (a number, or a blank,
``—`` or ``/``) is read once, at its top-left slot:

- its row labels are the text cells to its left in that row, nearest first;
- its column labels are the text cells above it in that column, nearest first.

The nearest row label and the nearest column label must each be a canonical name of the same
table (:mod:`scraper.reports.names`); table 四's group (行政复议, 未经复议直接起诉, 复议后起诉)
may be any label of either direction, so a transposed table 四 reads the same. A cell whose
labels are not recognised is left out (and listed in ``ParsedTables.skipped``), never guessed:
the parser invents no cell. A blank, ``—`` or ``/`` is a cell whose value is None, never 0.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraper.reports import names as n

_MAX_SPAN = 200  # a rowspan="1000" in a broken template must not make a huge grid


@dataclass(frozen=True)
class Cell:
    """One figure: ``table`` 二/三/四, ``row`` and ``column`` canonical, ``value`` as written."""

    table: str
    row: str
    column: str
    value: Decimal | None
    group: str | None = None  # table 三's reason group (（三）不予公开 …), else None
    text: str = ""  # the cell's text as shown, whitespace removed
    source: str = "html"
    locator: str = ""  # e.g. "table[1]", the table's index in the page

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.table, self.row, self.column)

    def number(self) -> int | float | None:
        """The value as a plain number for storage (int when integral)."""
        if self.value is None:
            return None
        if self.value == self.value.to_integral_value() and "." not in str(self.value):
            return int(self.value)
        return float(self.value)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["value"] = self.number()
        return out


@dataclass
class ParsedTables:
    cells: list[Cell] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # value cells whose labels were not known
    conflicts: list[str] = field(default_factory=list)  # the same figure twice, differing

    def get(self, table: str, row: str, column: str) -> Cell | None:
        for cell in self.cells:
            if cell.key == (table, row, column):
                return cell
        return None

    def format(self) -> str | None:
        """ "2019" or "2021" as the tables show it, or None when they do not say."""
        return detect_format(self.cells)


# --- values ---------------------------------------------------------------------------------

_BLANK = re.compile(r"^[—–―\-‐‑_/\\.…]*$")
_NUMBER = re.compile(r"^([+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)(?:件|个|项|次|万元)?$")


def is_value(text: str) -> bool:
    """A number, or a blank / dash / slash (a value cell holding nothing)."""
    return text in ("无", "空") or bool(_BLANK.match(text)) or bool(_NUMBER.match(text))


def parse_value(text: str) -> Decimal | None:
    """``1,234`` -> 1234, ``5949.088667`` stays 5949.088667; blank, —, / -> None (never 0)."""
    found = _NUMBER.match(n.squash(text))
    if not found:
        return None
    try:
        return Decimal(found.group(1).replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        return None


# --- grid -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Slot:
    ident: int  # the source cell: the same for every slot a merged cell covers
    text: str
    top: int
    left: int


def _cell_text(node: LexborNode) -> str:
    return n.squash(node.text(deep=True, separator=""))


def _span(node: LexborNode, name: str) -> int:
    raw = (node.attributes.get(name) or "1").strip()
    digits = re.match(r"\d+", raw)
    return max(1, min(int(digits.group()) if digits else 1, _MAX_SPAN))


def _own_rows(table: LexborNode) -> list[LexborNode]:
    """The table's rows, not those of a table nested in one of its cells."""
    rows = []
    for tr in table.css("tr"):
        parent = tr.parent
        while parent is not None and parent.tag != "table":
            parent = parent.parent
        if parent is not None and parent.mem_id == table.mem_id:
            rows.append(tr)
    return rows


def grid_of(table: LexborNode) -> list[list[_Slot | None]]:
    """The table as a rectangle of slots, merged cells copied into every slot they cover."""
    placed: dict[tuple[int, int], _Slot] = {}
    ident = 0
    rows = _own_rows(table)
    for r, tr in enumerate(rows):
        c = 0
        for td in tr.iter():
            if td.tag not in ("td", "th"):
                continue
            while (r, c) in placed:
                c += 1
            rowspan, colspan = _span(td, "rowspan"), _span(td, "colspan")
            rowspan = min(rowspan, len(rows) - r)
            slot = _Slot(ident, _cell_text(td), r, c)
            ident += 1
            for dr in range(rowspan):
                for dc in range(colspan):
                    placed.setdefault((r + dr, c + dc), slot)
            c += colspan
    if not placed:
        return []
    height = max(r for r, _ in placed) + 1
    width = max(c for _, c in placed) + 1
    return [[placed.get((r, c)) for c in range(width)] for r in range(height)]


def _labels(line: list[_Slot | None], before: int) -> list[str]:
    """Text (non-value) labels in ``line`` before position ``before``, nearest first."""
    found: list[str] = []
    seen: set[int] = set()
    for slot in reversed(line[:before]):
        if slot is None or slot.ident in seen:
            continue
        seen.add(slot.ident)
        if slot.text and not is_value(slot.text):
            found.append(slot.text)
    return found


# --- naming a value cell --------------------------------------------------------------------


def _name_t3(row_labels: list[str], column_labels: list[str]) -> tuple[str, str] | None:
    if not row_labels or not column_labels:
        return None
    column = n.match(column_labels[0], n.T3_COLUMN_KEYS)
    row = n.match(row_labels[0], n.T3_ROW_KEYS, prefixes=True)
    if column is None or row is None:
        return None
    if row in n.T3_GROUP_OF:
        # a reason: its group, where the page names one, must be the canonical group
        groups = [g for g in (n.match(t, n.T3_HEADING_KEYS) for t in row_labels[1:]) if g]
        reason_groups = [g for g in groups if g in n.T3_REASONS]
        if reason_groups and reason_groups[0] != n.T3_GROUP_OF[row]:
            return None
    return row, column


def _name_t2(row_labels: list[str], column_labels: list[str]) -> tuple[str, str] | None:
    if not row_labels or not column_labels:
        return None
    row = n.match(row_labels[0], n.T2_ROW_KEYS)
    column = n.match(column_labels[0], n.T2_COLUMN_KEYS, prefixes=True)
    if row is None or column is None:
        return None
    return row, column


def _name_t4(row_labels: list[str], column_labels: list[str]) -> tuple[str, str] | None:
    group = next(
        (g for g in (n.match(t, n.T4_ROW_KEYS) for t in (*row_labels, *column_labels)) if g),
        None,
    )
    if group is None:
        return None
    for nearest in (column_labels[:1], row_labels[:1]):
        if nearest and (column := n.match(nearest[0], n.T4_COLUMN_KEYS)):
            return group, column
    return None


def _looks_like(grid: list[list[_Slot | None]]) -> set[str]:
    """Which tables a grid may hold, from its labels (keeps 总计 of 三 and 四 apart)."""
    text = "".join(slot.text for line in grid for slot in line if slot is not None)
    kinds = set()
    if any(word in text for word in ("本年新收", "上年结转", "予以公开", "本年度办理结果")):
        kinds.add(n.T3)
    if "行政复议" in text and ("维持" in text or "纠正" in text):
        kinds.add(n.T4)
    if any(word in text for word in ("第二十条", "规章", "规范性文件", "行政许可", "收费")):
        kinds.add(n.T2)
    return kinds


def cells_of_grid(grid: list[list[_Slot | None]], locator: str, out: ParsedTables) -> None:
    kinds = _looks_like(grid)
    if not kinds:
        return
    done: set[int] = set()
    for r, line in enumerate(grid):
        for c, slot in enumerate(line):
            if slot is None or slot.ident in done or not is_value(slot.text):
                continue
            done.add(slot.ident)
            column_line = [grid[i][c] for i in range(r)]
            row_labels = _labels(line, c)
            column_labels = _labels(column_line, len(column_line))
            named = _name(kinds, row_labels, column_labels)
            if named is None:
                if slot.text and (row_labels or column_labels):
                    out.skipped.append(
                        f"{locator} r{r}c{c} {slot.text!r}: row {row_labels[:2]} "
                        f"column {column_labels[:2]}"
                    )
                continue
            table, row, column = named
            _add(out, Cell(table, row, column, parse_value(slot.text),
                           n.T3_GROUP_OF.get(row) if table == n.T3 else None,
                           slot.text, "html", locator))  # fmt: skip


def _name(
    kinds: set[str], row_labels: list[str], column_labels: list[str]
) -> tuple[str, str, str] | None:
    for table, namer in ((n.T3, _name_t3), (n.T2, _name_t2), (n.T4, _name_t4)):
        if table in kinds and (named := namer(row_labels, column_labels)):
            return table, *named
    return None


def _add(out: ParsedTables, cell: Cell) -> None:
    old = out.get(*cell.key)
    if old is None:
        out.cells.append(cell)
    elif old.value != cell.value:  # a second copy of the table (全真版/文字版 tabs) disagrees
        out.conflicts.append(
            f"{'/'.join(cell.key)}: {old.text!r} ({old.locator}) vs {cell.text!r} ({cell.locator})"
        )


def parse_tables(html: str) -> ParsedTables:
    """Cells of tables 二, 三 and 四 found in the page's ``<table>`` elements, in page order.

    The first copy of a figure wins; a later copy with another value is a conflict."""
    tree = LexborHTMLParser(html)
    out = ParsedTables()
    for index, table in enumerate(tree.css("table")):
        cells_of_grid(grid_of(table), f"table[{index}]", out)
    return out


def detect_format(cells: list[Cell]) -> str | None:
    """ "2021" or "2019" from the cells' names, or None (no table 二/三 names that tell)."""
    columns2 = {c.column for c in cells if c.table == n.T2}
    rows3 = {c.row for c in cells if c.table == n.T3}
    if columns2 & set(n.T2_COLUMNS_2021) or rows3 & set(n.T3_OTHER_REASONS):
        return "2021"
    if columns2 & set(n.T2_COLUMNS_2019) or n.T3_OTHER in rows3:
        return "2019"
    return None
