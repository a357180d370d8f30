"""WARC export (ISO 28500, WARC/1.1, written with warcio): the archive in the format web
archives keep and replay tools (pywb, ReplayWeb.page) read.

- A ``warcinfo`` record opens the file: the software, the archive it came from, what was asked.
- Every stored version becomes a ``resource`` record: the bytes as fetched, dated with the
  fetch time (``WARC-Date``) and typed with the Content-Type the server sent. scraper keeps
  payloads and a few headers, not whole HTTP exchanges, so it writes resource records rather
  than ``response`` records with invented headers. The extra parts of a multi-part document
  are resource records of their own URLs, with the same date.
- Each version's ``metadata`` record (JSON: version number, extracted fields, content hash,
  removal time) follows it, tied to it by ``WARC-Concurrent-To``.

Records are gzipped one by one, as crawlers write them, so that an index (CDX) can point into
the file. Versions are written oldest first.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from io import BytesIO
from typing import IO, Any

from sqlite_utils import Database
from warcio.warcwriter import WARCWriter

from scraper import __version__, archive

logger = logging.getLogger(__name__)

# Beside the extracted fields (archive.FIELDS), what a reader of the WARC needs to place them.
METADATA_FIELDS = ("kind", *archive.FIELDS, "content_hash", "extractor_version", "encoding")


def versions_to_export(
    db: Database, *, kind: str | None, latest_only: bool, since: str | None
) -> Iterator[dict[str, Any]]:
    """Version rows (raw bytes included) with their page's URL and removal time, oldest
    first. The order is taken on ids alone, then each row is read by its id: sorting whole
    rows would copy every stored file into SQLite's temporary space first."""
    for version_id in archive.version_ids(db, kind=kind, latest_only=latest_only, since=since):
        yield archive.version_with_page(db, version_id)


def write_warc(
    db: Database,
    out: IO[bytes],
    *,
    filename: str,
    kind: str | None = None,
    latest_only: bool = False,
    since: str | None = None,
) -> dict[str, int]:
    """Write the archive's versions to ``out`` as WARC records. Returns counts."""
    writer = WARCWriter(out, gzip=True, warc_version="1.1")
    info = {
        "software": f"scraper/{__version__} (government-disclosure archiver)",
        "format": "WARC File Format 1.1",
        "description": "Versions of government information-disclosure pages and attachment "
        "files, as archived by scraper: resource records with metadata records",
        "selection": json.dumps(
            {"kind": kind or "all", "latest_only": latest_only, "since": since},
            ensure_ascii=False,
        ),
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    writer.write_record(writer.create_warcinfo_record(filename, info))
    counts = {"versions": 0, "records": 1, "pages": 0, "bytes": 0}
    pages: set[int] = set()
    for version in versions_to_export(db, kind=kind, latest_only=latest_only, since=since):
        raw, parts = archive.version_raw(db, version)
        date = version["fetched_at"]
        content_type = version.get("content_type") or "application/octet-stream"
        resource = _resource(writer, version["url"], date, content_type, raw)
        writer.write_record(resource)
        for part_url, part_raw in parts:
            writer.write_record(_resource(writer, part_url, date, content_type, part_raw))
            counts["records"] += 1
            counts["bytes"] += len(part_raw)
        decoded = archive.decode_version(version)
        metadata = {
            "version": version["number"],
            **{name: decoded.get(name) for name in METADATA_FIELDS},
            "parts": [url for url, _ in parts],
            "removed_at": version["removed_at"],
        }
        payload = json.dumps(metadata, ensure_ascii=False, indent=1).encode("utf-8")
        writer.write_record(
            writer.create_warc_record(
                version["url"],
                "metadata",
                payload=BytesIO(payload),
                length=len(payload),
                warc_content_type="application/json",
                warc_headers_dict={
                    "WARC-Date": date,
                    "WARC-Concurrent-To": resource.rec_headers.get_header("WARC-Record-ID"),
                },
            )
        )
        counts["versions"] += 1
        counts["records"] += 2
        counts["bytes"] += len(raw)
        pages.add(version["page_id"])
    counts["pages"] = len(pages)
    return counts


def _resource(writer: WARCWriter, url: str, date: str, content_type: str, raw: bytes) -> Any:
    return writer.create_warc_record(
        url,
        "resource",
        payload=BytesIO(raw),
        length=len(raw),
        warc_content_type=content_type,
        warc_headers_dict={"WARC-Date": date},
    )


def export_warc(
    db: Database, output: str, *, kind: str | None, latest_only: bool, since: str | None
) -> dict[str, int]:
    """``scraper warc``: write to ``output`` (``-``: standard output), renamed into place so
    that a WARC is never truncated. Returns counts."""
    import sys

    from scraper.output import atomic_file

    selection: dict[str, Any] = {"kind": kind, "latest_only": latest_only, "since": since}
    if output == "-":
        return write_warc(db, sys.stdout.buffer, filename="stdout.warc.gz", **selection)
    with atomic_file(output) as handle:
        return write_warc(db, handle, filename=os.path.basename(output), **selection)
