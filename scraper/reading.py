"""Reading fetched bytes: decode, parse once, find the links and extract the fields from the
same tree, make the page's search-index rows, compress; and the text inside attachment
files. Pure functions of picklable values, so that they run in a worker process beside the
crawl's event loop (``scraper.crawl.read.Reader``) and the crawl uses both cores. Outside
the crawl and archive packages on purpose: a worker imports only what reading needs (no
HTTP client, no SQLite layer), so it stays small.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import re
import signal
from dataclasses import dataclass
from typing import Any

from selectolax.lexbor import LexborHTMLParser

from scraper import platforms
from scraper.codec import compress
from scraper.config import ExtractRules
from scraper.decode import decode_html
from scraper.discover import Links, discover
from scraper.errors import DecodeError
from scraper.extract import Extracted, extract
from scraper.extract.files import file_text, sniff
from scraper.searchtext import index_row, title_row
from scraper.urls import Scope

logger = logging.getLogger(__name__)

SOFT_404_MAX_CHARS = 20_000


@dataclass(frozen=True)
class ReadRules:
    """What reading a page needs of the profile (picklable, sent to the workers once)."""

    extract: ExtractRules
    scope: Scope
    attachment_extensions: tuple[str, ...]
    ignore_patterns: tuple[str, ...]
    document_url: str
    soft_404_markers: tuple[str, ...]


@dataclass
class PageRead:
    """One page as read: its fields and links, from one parse."""

    url: str
    encoding: str
    fields: Extracted
    links: Links
    soft_404: bool  # not a document, short, and naming a soft-404 marker
    raw_z: bytes  # the bytes, compressed as the archive stores them
    index_rows: tuple[tuple[str, ...], tuple[str, str]] | None  # its search index rows


_patterns: dict[str, re.Pattern[str]] = {}


def read_page(content: bytes, content_type: str | None, url: str, rules: ReadRules) -> PageRead:
    """Decode and parse ``content`` once; discovery reads the tree before extraction, which
    trims it. Raises DecodeError for bytes that are not a readable page."""
    decoded = decode_html(content, content_type)
    tree = LexborHTMLParser(decoded.markup)
    found = platforms.listing(decoded.text, url)  # for discovery and extraction alike
    pattern = _patterns.get(rules.document_url)
    if pattern is None:
        pattern = _patterns[rules.document_url] = re.compile(rules.document_url)
    links = discover(
        decoded.text,
        url,
        rules.scope,
        attachment_extensions=list(rules.attachment_extensions),
        ignore_patterns=list(rules.ignore_patterns),
        document_pattern=pattern,
        tree=tree,
        listing=found[1],
    )
    fields = extract(decoded.markup, url, rules.extract, tree=tree, found=found)
    soft_404 = (
        fields.kind != "document"
        and len(decoded.text) < SOFT_404_MAX_CHARS
        and any(marker in decoded.text for marker in rules.soft_404_markers)
    )
    rows = None
    if fields.kind != "list":
        values = fields.as_dict()
        rows = (index_row(values), title_row(values))
    return PageRead(url, decoded.encoding, fields, links, soft_404, compress(content), rows)


def read_file(content: bytes, url: str) -> tuple[str | None, str | None, bytes]:
    """The text inside an attachment file, its format, and its bytes compressed."""
    return file_text(content, url), sniff(content), compress(content)


def try_read_page(*args: Any) -> PageRead | DecodeError:
    try:
        return read_page(*args)
    except DecodeError as exc:
        return exc


def start_worker() -> None:
    # Libraries warn about damaged files; in a worker nothing reaches stderr but the log.
    logging.captureWarnings(True)
    logging.getLogger().handlers = [logging.NullHandler()]
    # A worker dies with its run, even one killed with SIGKILL (Linux: PR_SET_PDEATHSIG).
    with contextlib.suppress(Exception):
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)
    if os.getppid() == 1:
        os._exit(0)  # the run died before the line above took effect
