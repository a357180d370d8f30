"""Tables of a text-layer PDF as grids, with pdfplumber's table finder (ruled tables).

pdfplumber finds each table's cells as rectangles. The grid's lines are the distinct cell
edges, so a merged cell is one rectangle covering several grid positions and is placed once,
with its size. A cell's text is the characters whose centres fall inside it, line by line
(a label wrapped over two lines reads as one, since names are compared without whitespace).

A table split across pages is joined back: when a page's first table has the same column
edges as the previous page's last table and no header row of its own, its rows continue that
table's grid. A table that repeats its header on the new page stays a table of its own, which
reads just as well (every row carries its labels).
"""

from __future__ import annotations

import logging
from bisect import bisect_right
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

from scraper.reports.readers import UnreadableFile
from scraper.reports.tables import Grid, grid_of_spans, starts_with_header

_MAX_PAGES = 100
_EDGE_TOLERANCE = 1.5  # points: edges this close are one grid line
_LINE_TOLERANCE = 3.0  # points: characters this close in height are one line of text

Span = tuple[int, int, int, int, str]


@dataclass
class _Table:
    columns: list[float]  # the x of each vertical grid line
    spans: list[Span] = field(default_factory=list)
    height: int = 0  # grid rows so far
    last_page: int = 0  # the page its last rows are on


def _lines(values: list[float]) -> list[float]:
    """Distinct coordinates, those within the tolerance merged into one."""
    out: list[float] = []
    for value in sorted(values):
        if not out or value - out[-1] > _EDGE_TOLERANCE:
            out.append(value)
    return out


def _index(lines: list[float], value: float) -> int:
    """The grid line nearest ``value``."""
    return min(range(len(lines)), key=lambda i: abs(lines[i] - value))


def _text(chars: list[dict[str, Any]]) -> str:
    rows: list[list[dict[str, Any]]] = []
    for char in sorted(chars, key=lambda ch: (ch["top"], ch["x0"])):
        if rows and abs(char["top"] - rows[-1][0]["top"]) <= _LINE_TOLERANCE:
            rows[-1].append(char)
        else:
            rows.append([char])
    return "\n".join(
        "".join(ch["text"] for ch in sorted(row, key=lambda ch: ch["x0"])) for row in rows
    )


def _read_table(
    cells: list[tuple[float, float, float, float]], chars: list[dict[str, Any]]
) -> tuple[list[float], list[Span]]:
    """Column lines and ``(top, left, height, width, text)`` spans of one found table."""
    xs = _lines([x for x0, _, x1, _ in cells for x in (x0, x1)])
    ys = _lines([y for _, top, _, bottom in cells for y in (top, bottom)])
    placed: dict[tuple[int, int], int] = {}
    boxes: list[tuple[int, int, int, int, list[dict[str, Any]]]] = []
    for x0, top, x1, bottom in cells:
        left, right = _index(xs, x0), _index(xs, x1)
        upper, lower = _index(ys, top), _index(ys, bottom)
        if right <= left or lower <= upper:
            continue
        number = len(boxes)
        boxes.append((upper, left, lower - upper, right - left, []))
        for r in range(upper, lower):
            for c in range(left, right):
                placed.setdefault((r, c), number)
    for char in chars:
        x = (char["x0"] + char["x1"]) / 2
        y = (char["top"] + char["bottom"]) / 2
        c, r = bisect_right(xs, x) - 1, bisect_right(ys, y) - 1
        owner = placed.get((r, c))
        if owner is not None:
            boxes[owner][4].append(char)
    spans = [
        (top, left, height, width, _text(chars_in)) for top, left, height, width, chars_in in boxes
    ]
    return xs, spans


def _has_header(spans: list[Span]) -> bool:
    return starts_with_header([text for top, _, _, _, text in spans if top == 0])


def _same_columns(a: list[float], b: list[float]) -> bool:
    return len(a) == len(b) and all(
        abs(x - y) <= 2 * _EDGE_TOLERANCE for x, y in zip(a, b, strict=True)
    )


def pdf_grids(body: bytes) -> list[Grid]:
    import pdfplumber

    # pdfminer logs a warning per font without a FontBBox (common in Chinese PDFs)
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    tables: list[_Table] = []
    any_text = False
    with pdfplumber.open(BytesIO(body)) as pdf:
        for number, page in enumerate(pdf.pages):
            if number >= _MAX_PAGES:
                break
            chars = page.chars
            any_text = any_text or bool(chars)
            found = sorted(page.find_tables(), key=lambda table: (table.bbox[1], table.bbox[0]))
            for index, table in enumerate(found):
                x0, top, x1, bottom = table.bbox
                inside = [
                    ch
                    for ch in chars
                    if x0 <= (ch["x0"] + ch["x1"]) / 2 <= x1
                    and top <= (ch["top"] + ch["bottom"]) / 2 <= bottom
                ]
                columns, spans = _read_table(list(table.cells), inside)
                if not spans:
                    continue
                previous = tables[-1] if tables else None
                if (
                    index == 0
                    and previous is not None
                    and previous.last_page == number - 1
                    and _same_columns(previous.columns, columns)
                    and not _has_header(spans)
                ):
                    offset = previous.height
                    previous.spans += [
                        (t + offset, left, h, w, text) for t, left, h, w, text in spans
                    ]
                    previous.height += max(t + h for t, _, h, _, _ in spans)
                    previous.last_page = number
                    continue
                tables.append(_Table(columns, spans, max(t + h for t, _, h, _, _ in spans), number))
            page.close()  # frees the page's parsed objects (a long report has many)
    if not any_text:
        raise UnreadableFile("no text layer (a scanned PDF?)")
    return [grid for grid in (grid_of_spans(t.spans) for t in tables) if grid]
