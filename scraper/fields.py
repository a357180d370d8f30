"""The field registry: every extracted field of a version, declared once. No SQL: the
archive's schema, the search index's tokens, export, history, diff, show, the WARC metadata
and the digest all read their field lists from here."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    """One extracted field of a version, declared once: every list below derives from the
    registry, and so do the hash, the export, the views' columns, history and diff, show,
    the WARC metadata, the search index and the digest's ranking. Adding a field is one line
    here plus a migration adding its column to ``versions``."""

    name: str
    hashed: bool = False  # part of the content hash: a change makes a new version
    json: bool = False  # stored as JSON text
    compared: bool = True  # named by history, changes and diff when it changes
    exported: bool = True  # a column of `scraper export` and of the latest/documents views
    shown: bool = True  # a metadata line of `scraper show` and `scraper diff`
    searched: bool = False  # a column of the search index
    significant: bool = False  # a change ranks a document in the digest's second tier


REGISTRY = (
    Field("title", hashed=True, searched=True, significant=True),
    Field("date", hashed=True, significant=True),
    Field("source", hashed=True, searched=True),
    Field("index_no", hashed=True),
    Field("doc_no", hashed=True, searched=True, significant=True),
    Field("breadcrumb", json=True, searched=True),
    Field("body_text", hashed=True, shown=False, searched=True),
    # Every label the page showed, raw; the fields above are read from it.
    Field("meta", json=True, compared=False, exported=False, shown=False),
    # Hashed by their URLs (content_hash), not their link texts.
    Field("attachments", json=True),
)
FIELDS = tuple(f.name for f in REGISTRY)
HASHED_FIELDS = tuple(f.name for f in REGISTRY if f.hashed)
JSON_FIELDS = tuple(f.name for f in REGISTRY if f.json)
EXPORTED_FIELDS = tuple(f.name for f in REGISTRY if f.exported)
SHOWN_FIELDS = tuple(f.name for f in REGISTRY if f.shown)
SEARCHED_FIELDS = tuple(f.name for f in REGISTRY if f.searched)
SIGNIFICANT_FIELDS = frozenset(f.name for f in REGISTRY if f.significant)
# What history and changes name as changed: the page's kind, then the compared fields.
COMPARED_FIELDS = ("kind", *(f.name for f in REGISTRY if f.compared))
