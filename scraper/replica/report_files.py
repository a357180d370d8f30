"""The replica's annual reports as attachment files: .docx (python-docx), .xlsx (openpyxl), .xls
(xlwt, a test dependency) and a text-layer PDF (written with pypdf, STSong-Light CID font).

Each draws the spans of :func:`scraper.replica.reports.report_tables`, merged cells merged the
way the format does it (gridSpan/vMerge, merged ranges, one rectangle with no inner rules). The
PDF flows text and tables down A4 pages; a table taller than what is left of a page carries on
at the top of the next one without repeating its header, so table 三 is split across two pages.
"""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO
from typing import Any

from scraper.replica.reports import (
    HEADINGS,
    NONE,
    ReplicaReport,
    Span,
    closing,
    intro,
    report_tables,
)


def _lines_of(text: str) -> list[str]:
    return text.split("|")


def _sections(report: ReplicaReport) -> list[tuple[str, str]]:
    """(kind, text) of the whole report: paragraphs, headings and the three tables."""
    head, tail = intro(report), closing(report)
    out = [("title", report.title), ("p", head[0]), ("h", head[1]), ("p", head[2])]
    for table, heading in HEADINGS.items():
        out += [("h", heading), ("table", table)]
    out += [("h", tail[0]), ("p", tail[1]), ("h", tail[2]), ("p", tail[3])]
    return out


# --- Word ------------------------------------------------------------------------------------


def docx_report(report: ReplicaReport) -> bytes:
    import docx

    document = docx.Document()
    tables = report_tables(report)
    for kind, text in _sections(report):
        if kind != "table":
            document.add_paragraph(text)
            continue
        width, spans = tables[text]
        height = max(top + h for top, _, h, _, _ in spans)
        grid = document.add_table(rows=height, cols=width)
        grid.style = "Table Grid"
        # text first, from one snapshot of the cells (grid.cell() walks the whole table each
        # call); merging then keeps the top-left cell's text
        cells = grid._cells
        for top, left, _, _, label in spans:
            cell = cells[top * width + left]
            first, *more = _lines_of(label)
            cell.paragraphs[0].text = first
            for line in more:
                cell.add_paragraph(line)
        for top, left, h, w, _ in spans:
            if h > 1 or w > 1:
                grid.cell(top, left).merge(grid.cell(top + h - 1, left + w - 1))
    out = BytesIO()
    document.save(out)
    return out.getvalue()


# --- spreadsheets ----------------------------------------------------------------------------


def _sheet_value(token: str, style_none: str) -> Any:
    """A figure's token as a spreadsheet stores it: a number, or the report's no-number text."""
    if token == NONE:
        return style_none or None
    value = Decimal(token)
    return int(value) if value == value.to_integral_value() else float(value)


def _is_token(text: str) -> bool:
    """A value cell's raw token (labels are never numbers)."""
    if text == NONE:
        return True
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True


def _cells(report: ReplicaReport) -> list[tuple[str, list[tuple[int, int, int, int, Any]]]]:
    """Per sheet, (row, column, height, width, value) with numbers stored as numbers: sheet
    表二 holds table 二; 表三表四 holds 三, a blank row, then 四."""
    raw = report_tables(report, write=False)
    sheets = []
    for sheet, names in (("表二", ("二",)), ("表三表四", ("三", "四"))):
        cells = []
        offset = 0
        for name in names:
            for top, left, h, w, text in raw[name][1]:
                value: Any = text.replace("|", "\n")
                if _is_token(text):
                    value = _sheet_value(text, report.style.none)
                cells.append((offset + top, left, h, w, value))
            offset += max(top + h for top, _, h, _, _ in raw[name][1]) + 1
        sheets.append((sheet, cells))
    return sheets


def xlsx_report(report: ReplicaReport) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    first = workbook.active
    assert first is not None
    workbook.remove(first)
    for title, cells in _cells(report):
        sheet = workbook.create_sheet(title)
        sheet.cell(row=1, column=1)
        for top, left, h, w, value in cells:
            if h > 1 or w > 1:
                sheet.merge_cells(
                    start_row=top + 1, start_column=left + 1, end_row=top + h, end_column=left + w
                )
            if value is not None:
                sheet.cell(row=top + 1, column=left + 1, value=value)
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


def xls_report(report: ReplicaReport) -> bytes:
    import xlwt

    workbook = xlwt.Workbook(encoding="utf-8")
    for title, cells in _cells(report):
        sheet = workbook.add_sheet(title)
        for top, left, h, w, value in cells:
            label = "" if value is None else value
            if h > 1 or w > 1:
                sheet.write_merge(top, top + h - 1, left, left + w - 1, label)
            else:
                sheet.write(top, left, label)
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- PDF -------------------------------------------------------------------------------------

PAGE_WIDTH, PAGE_HEIGHT, MARGIN = 595.0, 842.0, 40.0
TABLE_FONT, TEXT_FONT = 8.0, 10.5
WIDTHS = {  # column widths (points) per table
    "二": (165.0, 115.0, 115.0, 120.0),
    "三": (40.0, 50.0, 150.0, *(39.0,) * 7),
    "四": (515.0 / 15,) * 15,
}


def _advance(char: str) -> float:
    """Glyph width in ems: half for ASCII (the font's /W array says so), full otherwise."""
    return 0.5 if " " <= char <= "~" else 1.0


def _wrap(text: str, width: float, size: float) -> list[str]:
    lines: list[str] = []
    for part in _lines_of(text):
        line, used = "", 0.0
        for char in part:
            step = _advance(char) * size
            if line and used + step > width:
                lines.append(line)
                line, used = "", 0.0
            line += char
            used += step
        lines.append(line)
    return lines


class _Pages:
    """Operators of each page, text and rules placed from the top-left corner."""

    def __init__(self) -> None:
        self.pages: list[list[str]] = [[]]
        self.y = MARGIN

    def new_page(self) -> None:
        self.pages.append([])
        self.y = MARGIN

    def paragraph(self, text: str, size: float = TEXT_FONT) -> None:
        for line in _wrap(text, PAGE_WIDTH - 2 * MARGIN, size):
            if self.y + size * 1.6 > PAGE_HEIGHT - MARGIN:
                self.new_page()
            self._text_on(len(self.pages) - 1, MARGIN, self.y, size, line)
            self.y += size * 1.6
        self.y += 4

    def table(self, widths: tuple[float, ...], spans: list[Span]) -> None:
        lefts = [MARGIN + sum(widths[:i]) for i in range(len(widths) + 1)]
        rows = max(top + h for top, _, h, _, _ in spans)
        heights = [TABLE_FONT + 8] * rows
        wrapped = {}
        for span in spans:
            top, left, h, w, text = span
            lines = _wrap(text, lefts[left + w] - lefts[left] - 4, TABLE_FONT)
            wrapped[span] = lines
            need = len(lines) * (TABLE_FONT + 2) + 6
            if need > sum(heights[top : top + h]):
                heights[top + h - 1] += need - sum(heights[top : top + h])
        placed: list[tuple[int, float]] = []  # per row: (page, y)
        for height in heights:
            if self.y + height > PAGE_HEIGHT - MARGIN:
                self.new_page()
            placed.append((len(self.pages) - 1, self.y))
            self.y += height
        for span, lines in wrapped.items():
            top, left, h, w, _ = span
            x, width = lefts[left], lefts[left + w] - lefts[left]
            # a cell crossing a page break is drawn as one rectangle per page, text in the first
            pieces: dict[int, tuple[float, float]] = {}
            for r in range(top, top + h):
                page, y = placed[r]
                start, end = pieces.get(page, (y, y))
                pieces[page] = (start, y + heights[r])
            for number, (start, end) in pieces.items():
                self._box_on(number, x, start, width, end - start)
            page, y = placed[top]
            for i, line in enumerate(lines):
                self._text_on(page, x + 2, y + 3 + i * (TABLE_FONT + 2), TABLE_FONT, line)
        self.y += 6

    def _box_on(self, page: int, x: float, y: float, width: float, height: float) -> None:
        bottom = PAGE_HEIGHT - y - height
        self.pages[page].append(f"0.6 w {x:.2f} {bottom:.2f} {width:.2f} {height:.2f} re S")

    def _text_on(self, page: int, x: float, y: float, size: float, text: str) -> None:
        hex_text = text.encode("utf-16-be").hex().upper()
        baseline = PAGE_HEIGHT - y - size * 0.88
        self.pages[page].append(
            f"BT /F1 {size:g} Tf 1 0 0 1 {x:.2f} {baseline:.2f} Tm <{hex_text}> Tj ET"
        )


def _font(writer: Any) -> Any:
    from pypdf.generic import (
        ArrayObject,
        DictionaryObject,
        FloatObject,
        NameObject,
        NumberObject,
        TextStringObject,
    )

    def name(value: str) -> NameObject:
        return NameObject(value)

    descriptor = DictionaryObject({
        name("/Type"): name("/FontDescriptor"), name("/FontName"): name("/STSong-Light"),
        name("/Flags"): NumberObject(6), name("/ItalicAngle"): NumberObject(0),
        name("/FontBBox"): ArrayObject([NumberObject(v) for v in (-25, -254, 1000, 880)]),
        name("/Ascent"): NumberObject(880), name("/Descent"): NumberObject(-120),
        name("/CapHeight"): NumberObject(880), name("/StemV"): NumberObject(93),
    })  # fmt: skip
    cid_font = DictionaryObject({
        name("/Type"): name("/Font"), name("/Subtype"): name("/CIDFontType0"),
        name("/BaseFont"): name("/STSong-Light"),
        name("/CIDSystemInfo"): DictionaryObject({
            name("/Registry"): TextStringObject("Adobe"), name("/Ordering"): TextStringObject("GB1"),
            name("/Supplement"): NumberObject(4)}),
        name("/FontDescriptor"): writer._add_object(descriptor),
        name("/DW"): NumberObject(1000),
        # CIDs 1-95 are the proportional ASCII glyphs UniGB-UCS2-H maps U+0020-U+007E to
        name("/W"): ArrayObject([NumberObject(1), NumberObject(95), FloatObject(500)]),
    })  # fmt: skip
    return DictionaryObject({
        name("/Type"): name("/Font"), name("/Subtype"): name("/Type0"),
        name("/BaseFont"): name("/STSong-Light"), name("/Encoding"): name("/UniGB-UCS2-H"),
        name("/DescendantFonts"): ArrayObject([writer._add_object(cid_font)]),
    })  # fmt: skip


def split_spans(spans: list[Span], at: int, header: int) -> tuple[list[Span], list[Span]]:
    """Table rows before ``at``, and the header's ``header`` rows followed by the rest, as
    Word prints a table whose header row repeats on the next page (a cell crossing the break
    goes on, empty, in the second part)."""
    first: list[Span] = []
    second: list[Span] = [span for span in spans if span[0] < header]
    for top, left, height, width, text in spans:
        if top < header or top + height <= at:
            first.append((top, left, height, width, text))
        elif top >= at:
            second.append((top - at + header, left, height, width, text))
        else:
            first.append((top, left, at - top, width, text))
            second.append((header, left, top + height - at, width, ""))
    return first, second


def pdf_report(report: ReplicaReport, repeat_header: bool = False) -> bytes:
    """The whole report as a PDF. Table 三 runs over a page break; with ``repeat_header`` it
    is cut after its 15th row and its three header rows repeat on the next page."""
    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, StreamObject

    pages = _Pages()
    tables = report_tables(report)
    for kind, text in _sections(report):
        if kind == "table" and text == "三" and repeat_header:
            first, second = split_spans(tables[text][1], 15, 3)
            pages.table(WIDTHS[text], first)
            pages.new_page()
            pages.table(WIDTHS[text], second)
        elif kind == "table":
            pages.table(WIDTHS[text], tables[text][1])
        elif kind == "title":
            pages.paragraph(text, 14)
        else:
            pages.paragraph(text)
    writer = PdfWriter()
    font = writer._add_object(_font(writer))
    for operators in pages.pages:
        page = writer.add_blank_page(PAGE_WIDTH, PAGE_HEIGHT)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
        )
        content = StreamObject()
        content.set_data("\n".join(op for op in operators if op).encode("ascii"))
        page[NameObject("/Contents")] = writer._add_object(content)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def report_file(report: ReplicaReport) -> bytes:
    """The bytes of the report's attachment (its carrier's format)."""
    writers = {"docx": docx_report, "xlsx": xlsx_report, "xls": xls_report, "pdf": pdf_report}
    return writers[report.carrier](report)
