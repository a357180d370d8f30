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
_NUMBER = re.compile(r"^([+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)(?:件|个|项|次|万元|元)?$")


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
class Slot:
    """One position of a table's grid; a merged cell is the same slot in every position."""

    ident: int  # the source cell: the same for every slot a merged cell covers
    text: str  # squashed (see names.squash)
    top: int
    left: int


Grid = list[list[Slot | None]]


def grid_of_spans(spans: list[tuple[int, int, int, int, str]]) -> Grid:
    """A grid from ``(top, left, height, width, text)`` cells, as every reader finds them.

    A cell is copied into each position it covers; where two claim one position the first
    wins. Text is squashed here, so readers pass it as the file holds it."""
    placed: dict[tuple[int, int], Slot] = {}
    for ident, (top, left, height, width, text) in enumerate(spans):
        slot = Slot(ident, n.squash(text), top, left)
        for dr in range(max(1, min(height, _MAX_SPAN))):
            for dc in range(max(1, min(width, _MAX_SPAN))):
                placed.setdefault((top + dr, left + dc), slot)
    if not placed:
        return []
    height = max(r for r, _ in placed) + 1
    width = max(c for _, c in placed) + 1
    return [[placed.get((r, c)) for c in range(width)] for r in range(height)]


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


def grid_of(table: LexborNode) -> Grid:
    """The table as a rectangle of slots, merged cells copied into every slot they cover."""
    placed: dict[tuple[int, int], Slot] = {}
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
            slot = Slot(ident, _cell_text(td), r, c)
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


def _labels(line: list[Slot | None], before: int) -> list[str]:
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
    if row is None or column is None or column not in n.T2_PAIRS[row]:
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


def _looks_like(grid: Grid) -> set[str]:
    """Which tables a grid may hold, from its labels (keeps 总计 of 三 and 四 apart)."""
    text = "".join(slot.text for line in grid for slot in line if slot is not None)
    kinds = set()
    # table 三's rows, and its header alone (the part of a split table after the page break)
    t3_words = ("本年新收", "上年结转", "予以公开", "本年度办理结果", "不予公开", "无法提供",
                "不予处理", "其他处理", "结转下年度", "申请人情况")  # fmt: skip
    if any(word in text for word in t3_words):
        kinds.add(n.T3)
    if "行政复议" in text and ("维持" in text or "纠正" in text):
        kinds.add(n.T4)
    if any(word in text for word in ("第二十条", "规章", "规范性文件", "行政许可", "收费")):
        kinds.add(n.T2)
    return kinds


def cells_of_grid(grid: Grid, locator: str, out: ParsedTables, source: str = "html") -> int:
    """Name every value cell of ``grid`` and add it to ``out`` (one path for every source).

    Returns how many cells were named (duplicates of figures already in ``out`` included)."""
    kinds = _looks_like(grid)
    if not kinds:
        return 0
    named_count = 0
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
            if "万元" in column and slot.text.endswith("元") and not slot.text.endswith("万元"):
                # a figure in 元 under a 万元 header: reading it as 万元 would be 10,000 times off
                out.skipped.append(f"{locator} r{r}c{c} {slot.text!r}: 元 in a 万元 column")
                continue
            _add(out, Cell(table, row, column, parse_value(slot.text),
                           n.T3_GROUP_OF.get(row) if table == n.T3 else None,
                           slot.text, source, locator))  # fmt: skip
            named_count += 1
    return named_count


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


# Column names a header row holds (a table's continuation has none of its own).
HEADER_KEYS = {
    **n.T3_COLUMN_KEYS,
    **n.T4_COLUMN_KEYS,
    **n.T2_COLUMN_KEYS,
    n.label_key("信息内容"): "信息内容",
    n.label_key("申请人情况"): "申请人情况",
}


def starts_with_header(texts: list[str]) -> bool:
    """Whether a table's first row (its cells' texts) is a header: column names and no figure
    (a row label such as ``3.其他`` also reads as a column name, but its row holds numbers)."""
    texts = [n.squash(text) for text in texts]
    if any(text and is_value(text) for text in texts):
        return False
    return any(n.label_key(text) in HEADER_KEYS for text in texts)


def continues(previous: Grid, grid: Grid) -> bool:
    """``grid`` carries on ``previous`` (a table 三 or 四 cut in two): as wide, no header."""
    if not previous or not grid or len(previous[0]) != len(grid[0]):
        return False
    if not _looks_like(previous) & {n.T3, n.T4}:
        return False
    return not starts_with_header([slot.text for slot in grid[0] if slot is not None])


def joined(previous: Grid, grid: Grid) -> Grid:
    """``grid``'s rows below ``previous``'s, its cells renumbered so no two share an ident."""
    offset = 1 + max((s.ident for line in previous for s in line if s is not None), default=0)
    height = len(previous)
    moved: dict[int, Slot] = {}
    rows = []
    for line in grid:
        row: list[Slot | None] = []
        for slot in line:
            if slot is not None and slot.ident not in moved:
                moved[slot.ident] = Slot(
                    slot.ident + offset, slot.text, slot.top + height, slot.left
                )
            row.append(None if slot is None else moved[slot.ident])
        rows.append(row)
    return previous + rows


def parse_tables(html: str) -> ParsedTables:
    """Cells of tables 二, 三 and 四 found in the page's ``<table>`` elements, in page order.

    A table as wide as the one before it and with no header row of its own continues it (an
    editor cut table 三, or put table 四's figures in a table of their own); its cells are
    located at the first part. The first copy of a figure wins; a later copy with another
    value is a conflict."""
    tree = LexborHTMLParser(html)
    out = ParsedTables()
    parts: list[tuple[int, Grid]] = []
    for index, table in enumerate(tree.css("table")):
        grid = grid_of(table)
        if parts and continues(parts[-1][1], grid):
            parts[-1] = (parts[-1][0], joined(parts[-1][1], grid))
        else:
            parts.append((index, grid))
    for index, grid in parts:
        cells_of_grid(grid, f"table[{index}]", out)
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
