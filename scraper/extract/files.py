"""The text inside attachment files, so that full-text search sees it.

Formats are recognised by their bytes, not by the link's extension (download scripts have
none, and sites mislabel files):

- PDF (``%PDF``): pypdf, page by page, at most ``MAX_PDF_PAGES`` pages; files encrypted
  with an empty user password (RC4 or AES, common for "no copying" official PDFs) are read;
- Word ``.docx`` (a zip holding ``word/document.xml``): python-docx, paragraphs then tables;
- Excel ``.xlsx`` (``xl/workbook.xml``): openpyxl in read-only mode, every sheet, a row per
  line, cells joined by tabs, at most ``MAX_SHEET_CELLS`` filled cells per sheet;
- OFD (``OFD.xml``, GB/T 33190, the national standard format for official documents): each
  document of ``OFD.xml``, its pages in the order ``Document.xml`` lists them, the
  ``TextCode`` runs of each page joined into lines by position. No well-kept Python library
  reads OFD, and its text layer is plain XML, so the standard library does.

Office and OFD files are zips of XML that the readers load whole, and XML takes some twenty
times its size in memory once parsed: a file that unpacks to more than
``MAX_UNZIPPED_BYTES`` is archived but not read.

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
# zipfile never reads past a member's declared size, so the declared sizes bound the work.
MAX_UNZIPPED_BYTES = 40_000_000
_BLANK_LINES = re.compile(r"\n\s*\n+")
_OFD_PAGE = re.compile(r"^(.*?)Pages/Page_(\d+)/Content\.xml$", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding=["']([A-Za-z0-9_-]+)["']""")
_XML_ENCODING_TEXT = re.compile(r"^\s*<\?xml[^>]*\?>")


def sniff(raw: bytes) -> str | None:
    """``pdf``, ``docx``, ``xlsx``, ``ofd`` or None, from the bytes."""
    if not raw.startswith(b"PK\x03\x04"):
        # Some generators put junk before the header; PDF readers allow it.
        return "pdf" if b"%PDF-" in raw[:1024] else None
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
    if kind != "pdf" and (unpacked := _unpacked_size(raw)) > MAX_UNZIPPED_BYTES:
        logger.info("%s unpacks to %d bytes; its text is not read", url or "a file", unpacked)
        return None
    try:
        text = READERS[kind](raw)
    except Exception as exc:  # noqa: BLE001 - see the module docstring
        logger.info("no text from %s (%s: %s: %s)", url or "a file", kind, type(exc).__name__, exc)
        return None
    text = _BLANK_LINES.sub("\n\n", "\n".join(line.strip() for line in text.splitlines()))
    return text.strip()[:MAX_TEXT_CHARS] or None


def _unpacked_size(raw: bytes) -> int:
    with zipfile.ZipFile(BytesIO(raw)) as archive:
        return sum(info.file_size for info in archive.infolist())


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
    try:
        for sheet in workbook.worksheets:
            lines.append(str(sheet.title))
            # A read-only sheet pads every row to its declared dimension, which styling
            # often stretches to the whole grid; read only what is filled.
            reset = getattr(sheet, "reset_dimensions", None)
            if reset is not None:
                reset()
            filled = 0
            for row in sheet.iter_rows(values_only=True):
                values = ["" if v is None else str(v) for v in row]
                if not any(values):
                    continue
                filled += sum(1 for v in values if v)
                lines.append("\t".join(values).rstrip("\t"))
                if filled >= MAX_SHEET_CELLS:
                    logger.info("sheet %s cut at %d cells", sheet.title, MAX_SHEET_CELLS)
                    break
            lines.append("")
    finally:
        workbook.close()
    return "\n".join(lines)


def _ofd_text(raw: bytes) -> str:
    with zipfile.ZipFile(BytesIO(raw)) as archive:
        names = archive.namelist()
        texts = [_ofd_page_text(_xml(archive.read(name))) for name in _ofd_pages(archive, names)]
    return "\n\n".join(texts)


def _ofd_pages(archive: zipfile.ZipFile, names: list[str]) -> list[str]:
    """Content.xml members in reading order: OFD.xml's documents, each one's pages as its
    Document.xml lists them (page folders need not be numbered in order). Packages whose
    lists cannot be followed fall back to the Page_N folder numbers."""
    by_lower = {name.lower(): name for name in names}
    ordered: list[str] = []
    root_name = by_lower.get("ofd.xml")
    roots = [] if root_name is None else _texts(_xml(archive.read(root_name)), "DocRoot")
    for doc_root in roots:
        doc_path = doc_root.strip().lstrip("/")
        doc_member = by_lower.get(doc_path.lower())
        if doc_member is None:
            continue
        folder = doc_path.rsplit("/", 1)[0] + "/" if "/" in doc_path else ""
        for page in _xml(archive.read(doc_member)).iter():
            if _local(page.tag) == "Page" and page.get("BaseLoc"):
                location = page.get("BaseLoc", "").strip().lstrip("/")
                for candidate in (folder + location, location):
                    member = by_lower.get(candidate.lower())
                    if member is None and not candidate.lower().endswith(".xml"):
                        member = by_lower.get(candidate.lower().rstrip("/") + "/content.xml")
                    if member is not None:
                        ordered.append(member)
                        break
    if ordered:
        return list(dict.fromkeys(ordered))
    numbered = sorted(
        (match.group(1), int(match.group(2)), name)
        for name in names
        if (match := _OFD_PAGE.search(name))
    )
    return [name for _doc, _number, name in numbered]


def _xml(data: bytes) -> ElementTree.Element:
    # expat reads UTF-8/16 only; producers that declare GBK/GB18030 are decoded first.
    declared = _XML_ENCODING.match(data)
    encoding = declared.group(1).decode("ascii") if declared else "utf-8"
    if encoding.lower().replace("-", "") not in ("utf8", "utf16"):
        text = data.decode(encoding, "replace")
        return ElementTree.fromstring(_XML_ENCODING_TEXT.sub("", text, count=1))
    return ElementTree.fromstring(data)


def _texts(root: ElementTree.Element, tag: str) -> list[str]:
    return [e.text or "" for e in root.iter() if _local(e.tag) == tag]


def _ofd_page_text(root: ElementTree.Element) -> str:
    # A page draws text in runs (often a glyph or a word each) placed by their TextObject's
    # Boundary "x y width height" plus the TextCode's own X/Y; runs on one baseline make one
    # line, read left to right.
    runs: list[tuple[float, float, float, str]] = []
    for element in root.iter():
        if _local(element.tag) != "TextObject":
            continue
        try:
            x, y, _width, height = (float(v) for v in element.get("Boundary", "").split()[:4])
        except ValueError:
            x, y, height = 0.0, float(len(runs)), 1.0
        # The font size is the line height; the boundary may span several lines of codes.
        height = _number(element.get("Size")) or height
        for code in element.iter():
            if _local(code.tag) == "TextCode":
                dx, dy = _number(code.get("X")), _number(code.get("Y"))
                runs.append((y + dy, x + dx, height, code.text or ""))
    lines: list[list[tuple[float, str]]] = []
    last_y, last_height = None, 0.0
    for y, x, height, text in sorted(runs):
        if last_y is None or y - last_y > max(height, last_height) / 2:
            lines.append([])
            last_y, last_height = y, height
        lines[-1].append((x, text))
    return "\n".join("".join(text for _x, text in sorted(line)) for line in lines)


def _number(value: str | None) -> float:
    try:
        return float(value) if value else 0.0
    except ValueError:
        return 0.0


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


READERS: dict[str, Callable[[bytes], str]] = {
    "pdf": _pdf_text,
    "docx": _docx_text,
    "xlsx": _xlsx_text,
    "ofd": _ofd_text,
}
