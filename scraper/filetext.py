"""The text inside attachment files, so that full-text search sees it.

Formats are recognised by their bytes, not by the link's extension (download scripts have
none, and sites mislabel files):

- PDF (``%PDF``): pypdf, page by page, at most ``MAX_PDF_PAGES`` pages;
- Word ``.docx`` (a zip holding ``word/document.xml``): python-docx, paragraphs then tables;
- Excel ``.xlsx`` (``xl/workbook.xml``): openpyxl in read-only mode, a row per line, cells
  joined by tabs, at most ``MAX_SHEET_CELLS`` cells;
- OFD (``OFD.xml``, GB/T 33190, the national standard format for official documents): the
  ``TextCode`` elements of each page, in page order. No well-kept Python library reads OFD,
  and its text layer is plain XML, so the standard library does.

Everything else (old binary ``.doc``/``.xls``/``.wps``, archives, images, scanned PDFs without
a text layer) gives no text. :func:`file_text` never raises: third-party parsers fail in many
ways on broken files, and a file that cannot be read must still be archived.
"""

from __future__ import annotations

import logging
import re
import zipfile
from collections.abc import Callable
from io import BytesIO
from xml.etree import ElementTree

logger = logging.getLogger(__name__)

MAX_PDF_PAGES = 500
MAX_SHEET_CELLS = 200_000
MAX_TEXT_CHARS = 2_000_000  # a searchable text, not a second copy of a data dump
_BLANK_LINES = re.compile(r"\n\s*\n+")
_OFD_PAGE = re.compile(r"Pages/Page_(\d+)/Content\.xml$", re.I)


def sniff(raw: bytes) -> str | None:
    """``pdf``, ``docx``, ``xlsx``, ``ofd`` or None, from the bytes."""
    if b"%PDF-" in raw[:1024]:  # some generators put junk before the header; readers allow it
        return "pdf"
    if not raw.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(BytesIO(raw)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "OFD.xml" in names or "ofd.xml" in names:
        return "ofd"
    return None


def file_text(raw: bytes, url: str = "") -> str | None:
    """The readable text of a file, or None when it has none that can be read."""
    kind = sniff(raw)
    if kind is None:
        return None
    try:
        text = READERS[kind](raw)
    except Exception as exc:  # noqa: BLE001 - see the module docstring
        logger.info("no text from %s (%s: %s: %s)", url or "a file", kind, type(exc).__name__, exc)
        return None
    text = _BLANK_LINES.sub("\n\n", "\n".join(line.strip() for line in text.splitlines()))
    return text.strip()[:MAX_TEXT_CHARS] or None


def _pdf_text(raw: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(BytesIO(raw))
    if reader.is_encrypted:
        reader.decrypt("")  # many official PDFs are "encrypted" with an empty user password
    pages = []
    for number, page in enumerate(reader.pages):
        if number >= MAX_PDF_PAGES:
            logger.info("PDF text cut at %d pages", MAX_PDF_PAGES)
            break
        pages.append(page.extract_text() or "")
    return "\n\n".join(pages)


def _docx_text(raw: bytes) -> str:
    import docx

    document = docx.Document(BytesIO(raw))
    blocks = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            cells = list(dict.fromkeys(cell.text.strip() for cell in row.cells))  # merged cells
            blocks.append("\t".join(cells))
    return "\n".join(blocks)


def _xlsx_text(raw: bytes) -> str:
    from openpyxl import load_workbook

    workbook = load_workbook(BytesIO(raw), read_only=True, data_only=True)
    lines: list[str] = []
    cells = 0
    try:
        for sheet in workbook.worksheets:
            lines.append(str(sheet.title))
            for row in sheet.iter_rows(values_only=True):
                values = ["" if v is None else str(v) for v in row]
                cells += len(values)
                if any(values):
                    lines.append("\t".join(values).rstrip("\t"))
                if cells >= MAX_SHEET_CELLS:
                    logger.info("spreadsheet text cut at %d cells", MAX_SHEET_CELLS)
                    return "\n".join(lines)
            lines.append("")
    finally:
        workbook.close()
    return "\n".join(lines)


def _ofd_text(raw: bytes) -> str:
    with zipfile.ZipFile(BytesIO(raw)) as archive:
        pages = sorted(
            (int(match.group(1)), name)
            for name in archive.namelist()
            if (match := _OFD_PAGE.search(name))
        )
        return "\n\n".join(_ofd_page_text(archive.read(name)) for _number, name in pages)


def _ofd_page_text(content: bytes) -> str:
    # A page draws text in runs (often a glyph or a word each) placed by their Boundary
    # "x y width height"; runs on one baseline make one line, read left to right.
    runs: list[tuple[float, float, float, str]] = []
    for element in ElementTree.fromstring(content).iter():
        if _local(element.tag) != "TextObject":
            continue
        text = "".join(c.text or "" for c in element.iter() if _local(c.tag) == "TextCode")
        try:
            x, y, _width, height = (float(v) for v in element.get("Boundary", "").split()[:4])
        except ValueError:
            x, y, height = 0.0, float(len(runs)), 1.0
        runs.append((y, x, height, text))
    lines: list[list[tuple[float, str]]] = []
    last_y, last_height = None, 0.0
    for y, x, height, text in sorted(runs):
        if last_y is None or y - last_y > max(height, last_height) / 2:
            lines.append([])
            last_y, last_height = y, height
        lines[-1].append((x, text))
    return "\n".join("".join(text for _x, text in sorted(line)) for line in lines)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


READERS: dict[str, Callable[[bytes], str]] = {
    "pdf": _pdf_text,
    "docx": _docx_text,
    "xlsx": _xlsx_text,
    "ofd": _ofd_text,
}
