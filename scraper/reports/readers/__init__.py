"""Readers for a report's attachment files: each turns a file's tables into grids.

Every reader returns ``list[Grid]`` (:data:`scraper.reports.tables.Grid`), one per table in the
file's order, the same shape :func:`scraper.reports.tables.grid_of` makes of an HTML table, so
one naming path (:func:`~scraper.reports.tables.cells_of_grid`) serves every source. A reader
raises on a file it cannot read; :func:`read_file` turns that into a reason string.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from io import BytesIO
from urllib.parse import urlsplit

from scraper.reports.tables import Grid, ParsedTables, cells_of_grid

DOCX, XLSX, XLS, PDF = "docx", "xlsx", "xls", "pdf"

_TYPES = {
    "application/pdf": PDF,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": DOCX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": XLSX,
    "application/vnd.ms-excel": XLS,
}


# Formats a report's tables come in that no reader here takes (legacy Word, WPS, OFD).
_UNREAD = ("doc", "wps", "et", "ofd")


def _extension(url: str) -> str:
    name = urlsplit(url).path.lower().rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[-1] if "." in name else ""


class UnreadableFile(Exception):
    """A file the reader cannot take tables from; its message is the reason."""


def kind_of(url: str, content_type: str | None, body: bytes) -> str | None:
    """docx, xlsx, xls or pdf from the bytes first (servers mislabel files), else None.

    The extension and Content-Type only tell an OLE file (.xls, or a .doc we cannot read)
    and name what a broken file was meant to be."""
    if b"%PDF-" in body[:1024]:  # the header may follow a few junk bytes
        return PDF
    if body.startswith(b"PK"):
        try:
            with zipfile.ZipFile(BytesIO(body)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, ValueError, OSError):
            names = set()
        if "word/document.xml" in names:
            return DOCX
        if "xl/workbook.xml" in names:
            return XLSX
    extension = _extension(url)
    declared = _TYPES.get((content_type or "").split(";")[0].strip().lower())
    if body.startswith(b"\xd0\xcf\x11\xe0"):  # OLE: .xls, or .doc/.wps (not read)
        return XLS if XLS in (extension, declared) else None
    if extension in (DOCX, XLSX, XLS, PDF):
        return extension
    return declared


def _reader(kind: str) -> Callable[[bytes], list[Grid]]:
    if kind == DOCX:
        from scraper.reports.readers.docx import docx_grids

        return docx_grids
    if kind == XLSX:
        from scraper.reports.readers.sheets import xlsx_grids

        return xlsx_grids
    if kind == XLS:
        from scraper.reports.readers.sheets import xls_grids

        return xls_grids
    from scraper.reports.readers.pdf import pdf_grids

    return pdf_grids


def read_file(url: str, content_type: str | None, body: bytes, out: ParsedTables) -> str | None:
    """Add the cells of the file's tables to ``out``; a reason string when none could be read.

    Files that are not tables at all (images, archives) are passed over silently; a .doc,
    .wps or .ofd gives "not read"; a docx/xlsx/xls/pdf that is broken, encrypted or holds no
    table gives its reason."""
    kind = kind_of(url, content_type, body)
    if kind is None:
        extension = _extension(url)
        if extension in _UNREAD:  # may hold the tables, but no reader here: say so
            return f"{extension}: not read (no reader for this format)"
        return None
    try:
        grids = _reader(kind)(body)
    except UnreadableFile as error:
        return f"{kind} not read: {error}"
    except Exception as error:  # noqa: BLE001 - a library's failure on a broken file
        return f"{kind} not read: {type(error).__name__}: {str(error)[:200]}"
    if not grids:
        return f"{kind}: no table found"
    named = sum(
        cells_of_grid(grid, f"{url}#table[{index}]", out, kind) for index, grid in enumerate(grids)
    )
    if not named:
        return f"{kind}: {len(grids)} table(s), no figure of tables 二/三/四"
    return None
