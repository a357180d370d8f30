"""What the reading commands print, as text or JSON, and files written whole: the lines of
``history``, ``show``, ``search``, ``stats``, ``changes`` and ``extract``, the records of
``export``, and the rename-into-place writes of ``warc``, ``feed`` and ``raw``. Plain values
in, strings out; the CLI echoes them. No SQL, no click."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any

from scraper import archive, digest
from scraper.errors import ConfigError
from scraper.history import SHOW_FIELDS

EXPORT_FIELDS = (
    "url", "site", "kind", *archive.EXPORTED_FIELDS, "versions", "first_seen", "last_seen",
    "removed_at",
)  # fmt: skip


def as_json(value: Any, indent: int | None = 2) -> str:
    return json.dumps(value, ensure_ascii=False, indent=indent)


def write_export(rows: Iterable[dict[str, Any]], fmt: str, out: IO[str]) -> None:
    """``scraper export``: one record per page, JSON lines or CSV (lists as JSON). The
    fields every kind has come first, then those of the kind (``rows.extra_fields``)."""
    fields = (*EXPORT_FIELDS, *getattr(rows, "extra_fields", ()))
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=fields)
        writer.writeheader()
    for row in rows:
        record = {name: row.get(name) for name in fields}
        if fmt == "csv":
            writer.writerow(
                {
                    k: json.dumps(v, ensure_ascii=False) if isinstance(v, list) else v
                    for k, v in record.items()
                }
            )
        else:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


def history_lines(url: str, entries: Sequence[dict[str, Any]]) -> list[str]:
    lines = [url]
    for entry in entries:
        if entry["event"] == "version":
            what = (
                "first version"
                if entry["number"] == 1
                else "changed: " + ", ".join(entry["changed"])
            )
            lines.append(f"  v{entry['number']:<3} {entry['at']}  {what}")
        else:
            lines.append(f"  {entry['event']:<4} {entry['at']}  {entry['detail']}")
    return lines


def show_text(record: dict[str, Any], at_utc: str | None) -> str:
    """``scraper show``: the fields, a line each, the attachments, then the body."""
    when = f" at {at_utc}" if at_utc else ""
    since = record["removed_at"]
    status = f"removed{when} (since {since})" if record["state"] == "removed" else f"live{when}"
    lines = [
        record["url"],
        f"version {record['version']}, fetched {record['fetched_at']}; {status}",
    ]
    for name in SHOW_FIELDS:
        value = record[name]
        if isinstance(value, list):
            value = " > ".join(map(str, value))
        lines.append(f"{name:>10}: {value if value not in (None, '') else '-'}")
    lines.append(f"{'attachments':>10}: {len(record['attachments']) or '-'}")
    for item in record["attachments"]:
        lines.append(f"    {item.get('text') or ''}  {item.get('url')}".rstrip())
    lines += ["", record["body_text"]]
    return "\n".join(lines)


def search_text(
    total: int, rows: Sequence[dict[str, Any]], *, gone: bool, all_versions: bool
) -> str:
    """``scraper search``: the count, then a block per result."""
    what = "page held it before and no longer does" if gone else "match"
    plural = "pages held it before and no longer do" if gone else "matches"
    shown = f" (best {len(rows)} shown)" if len(rows) < total else ""
    lines = [f"{total} {what if total == 1 else plural}{shown}"]
    for row in rows:
        state = f"  (removed {row['removed_at']})" if row["removed_at"] else ""
        version = f"  v{row['version']}" if all_versions or gone else ""
        if gone and row.get("gone_in"):
            version += f", gone in v{row['gone_in']}"
        source_text = f"  {row['source']}" if row["source"] else ""
        lines.append(
            f"\n{row['date'] or '----------'}  {row['title']}{source_text}{state}{version}\n"
            f"    {row['url']}\n    {row['snippet']}"
        )
    return "\n".join(lines)


def stats_text(figures: dict[str, Any]) -> str:
    return "\n".join(f"{key:>21}: {value}" for key, value in figures.items())


def digest_text(header: str, items: Sequence[dict[str, Any]]) -> str:
    """``scraper changes``: the header with the tally, then the ranked events."""
    return f"{header}: {digest.tally(items)}\n" + "\n".join(digest.text(items))


def extract_text(fields: dict[str, Any]) -> str:
    """``scraper extract``: a field a line, the body last."""
    lines = []
    for key, value in fields.items():
        if key == "body_text":
            continue
        shown = json.dumps(value, ensure_ascii=False) if isinstance(value, list | dict) else value
        lines.append(f"{key:>17}: {shown}")
    lines += ["        body_text:", fields["body_text"]]
    return "\n".join(lines)


def probe_text(found: dict[str, Any]) -> str:
    """``scraper probe``: what was found, then the starter profile."""
    sample = found["sample"]
    lines = [
        f"platform: {found['platform']}",
        f"columns:  {len(found['columns'])} found" + "".join(f"\n  {u}" for u in found["columns"][:20]),
        f"list:     {found['list_url'] or '(none found)'}",
        f"pagers:   {', '.join(found['pagers']) or '(none)'}",
        f"document: {found['document_url'] or '(none found)'}",
        *(f"  {key:>11}: {json.dumps(value, ensure_ascii=False) if isinstance(value, list | dict) else value}"
          for key, value in sample.items()),
        *(f"note: {note}" for note in found["notes"]),
        "",
        "# starter profile" + " (validated)",
        found["profile"].rstrip(),
    ]  # fmt: skip
    return "\n".join(lines)


def warc_line(counts: dict[str, int], output: str) -> str:
    return (
        f"scraper: {counts['versions']} versions of {counts['pages']} pages, "
        f"{counts['records']} WARC records, {counts['bytes']} payload bytes -> {output}"
    )


def removed_note(url: str, removed_at: str) -> str:
    return f"scraper: note: {url} was removed at {removed_at}; this is its last version"


def raw_line(url: str, version: dict[str, Any], size: int, output: str) -> str:
    return f"v{version['number']} of {url} ({version['fetched_at']}, {size} bytes) -> {output}"


@contextlib.contextmanager
def atomic_file(output: str) -> Iterator[IO[bytes]]:
    """A file written beside ``output`` and renamed into place: a reader (a web server
    serving the feed) never sees a half-written file, and whatever stops the writing (an
    error, Ctrl-C, a full disk) leaves no truncated one. An OSError is a ConfigError."""
    try:
        folder = os.path.dirname(os.path.abspath(output))
        with tempfile.NamedTemporaryFile(
            "wb", dir=folder, prefix=os.path.basename(output) + ".", suffix=".part", delete=False
        ) as handle:
            try:
                yield handle
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(handle.name)
                raise
        try:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(handle.name, 0o666 & ~umask)  # a temporary file is private; this is not
            os.replace(handle.name, output)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(handle.name)
            raise
    except OSError as exc:
        raise ConfigError(f"cannot write {output}: {exc.strerror or exc}") from exc


def write_atomically(output: str, data: bytes) -> None:
    """Write ``data`` to ``output`` (:func:`atomic_file`)."""
    with atomic_file(output) as handle:
        handle.write(data)


def write_bytes(output: str, data: bytes) -> None:
    """Write ``data`` to ``output`` in place; an OSError is a ConfigError."""
    try:
        with open(output, "wb") as handle:
            handle.write(data)
    except OSError as exc:
        raise ConfigError(f"cannot write {output}: {exc.strerror or exc}") from exc
