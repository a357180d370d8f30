"""Tables of a Word (.docx) file as grids, merged cells expanded.

Read from the document's XML through python-docx: each ``<w:tr>`` is walked cell by cell,
``w:gridBefore`` skipping leading grid columns, ``w:gridSpan`` widening a cell and
``w:vMerge="continue"`` extending the cell above it downwards. python-docx's own ``_cells``
assumes rectangular rows and misplaces cells when a row starts late, so the spans are worked
out here. Every table of the document is read, nested ones included (some reports wrap the
whole text in a one-cell layout table); a cell's text is that of its own paragraphs, not of
a table nested inside it.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from scraper.reports.tables import Grid, grid_of_spans

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _int_attr(element: Any, path: str) -> int:
    found = element.find(path)
    if found is None:
        return 0
    raw = found.get(f"{_W}val") or "0"
    return int(raw) if raw.isdigit() else 0


def _cell_text(tc: Any) -> str:
    lines = []
    for paragraph in tc.iterchildren(f"{_W}p", f"{_W}sdt"):
        lines.append("".join(t.text or "" for t in paragraph.iter(f"{_W}t")))
    return "\n".join(lines)


def _row_cells(tr: Any) -> list[Any]:
    """The ``w:tc`` of a row, through content controls (``w:sdt``) wrapping them."""
    cells = []
    for child in tr.iterchildren(f"{_W}tc", f"{_W}sdt"):
        if child.tag == f"{_W}tc":
            cells.append(child)
        else:
            cells.extend(child.iter(f"{_W}tc"))
    return cells


def _table_rows(tbl: Any) -> list[Any]:
    rows = []
    for child in tbl.iterchildren(f"{_W}tr", f"{_W}sdt"):
        if child.tag == f"{_W}tr":
            rows.append(child)
        else:
            rows.extend(child.iter(f"{_W}tr"))
    return rows


def table_grid(tbl: Any) -> Grid:
    """One ``w:tbl`` element as a grid."""
    spans: list[list[Any]] = []  # [top, left, height, width, text]
    open_below: dict[int, list[Any]] = {}  # grid column -> the span a vMerge continues
    for r, tr in enumerate(_table_rows(tbl)):
        column = _int_attr(tr, f"{_W}trPr/{_W}gridBefore")
        for tc in _row_cells(tr):
            width = max(1, _int_attr(tc, f"{_W}tcPr/{_W}gridSpan"))
            merge = tc.find(f"{_W}tcPr/{_W}vMerge")
            above = open_below.get(column)
            continues = merge is not None and (merge.get(f"{_W}val") or "continue") == "continue"
            if continues and above is not None and above[0] + above[2] == r:
                above[2] += 1
            else:
                span = [r, column, 1, width, _cell_text(tc)]
                spans.append(span)
                for c in range(column, column + width):
                    open_below[c] = span
            column += width
    return grid_of_spans([(t, left, h, w, text) for t, left, h, w, text in spans])


def docx_grids(body: bytes) -> list[Grid]:
    import docx

    document = docx.Document(BytesIO(body))
    grids = [table_grid(tbl) for tbl in document.element.body.iter(f"{_W}tbl")]
    return [grid for grid in grids if grid]
