"""One page through time, for ``scraper history``, ``show``, ``diff`` and ``raw``: the page a
typed URL names, its versions and events, the version an option picks and whether the page
was live. Plain values out; a usage problem is a :class:`~scraper.errors.ConfigError`. No SQL
(that is :mod:`scraper.archive`), no click."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scraper import archive
from scraper.errors import ConfigError
from scraper.urls import canonical_url

# Attachments are shown apart, a line each.
SHOW_FIELDS = (*(name for name in archive.SHOWN_FIELDS if name != "attachments"), "kind")


def lookup(db: Any, url: str) -> str:
    """The archived page a typed URL names (as typed, canonical, or an alias)."""
    found = archive.resolve_url(db, url, canonical_url(url))
    if found is None:
        raise ConfigError(f"no page {url} in the archive")
    return str(found)


def history_entries(db: Any, url: str) -> list[dict[str, Any]]:
    versions = archive.page_versions(db, url)
    entries: list[dict[str, Any]] = []
    previous: dict[str, Any] | None = None
    for version in versions:
        changed = archive.changed_fields(version, previous)
        entries.append(
            {
                "event": "version",
                "number": version["number"],
                "at": version["fetched_at"],
                "title": version["title"],
                "changed": changed,
                "content_hash": version["content_hash"],
                "run_id": version["run_id"],
            }
        )
        previous = version
    for event in archive.page_events(db, url):
        entries.append(
            {
                "event": event["event"],
                "at": event["at"],
                "detail": event["detail"],
                "run_id": event["run_id"],
            }
        )
    # Runs never overlap, so the run orders events that share a second; within a run a return
    # precedes the version it brings and a removal follows the last version.
    rank = {"returned": 0, "version": 1, "removed": 2}
    entries.sort(
        key=lambda e: (e["run_id"] or 0, e["at"], rank.get(e["event"], 3), e.get("number", 0))
    )
    return entries


def version_or_fail(db: Any, url: str, number: int | None, at_utc: str | None) -> Any:
    """Version ``number``, else the one current at ``at_utc``, else the current one; a usage
    error (one line, exit 2) when there is none."""
    version = archive.find_version(db, url, number=number, at=at_utc)
    if version is None:
        count = len(archive.page_versions(db, url))
        if number is not None:
            raise ConfigError(f"{url} has no version {number} (it has 1–{count})")
        if at_utc is not None:
            raise ConfigError(f"{url} has no version fetched by {at_utc} ({count} later)")
        raise ConfigError(f"{url} has no versions")
    return version


def live_or_removed(db: Any, url: str, at_utc: str | None) -> tuple[str, str | None]:
    """``("live", None)`` or ``("removed", since)`` for a page: now, or at ``at_utc`` by its
    removed/returned events (``pages.removed_at`` when no event tells)."""
    removed_at = (archive.get_page(db, url) or {}).get("removed_at")
    if at_utc is None:
        return ("removed", removed_at) if removed_at else ("live", None)
    events = [
        e
        for e in archive.page_events(db, url)
        if e["event"] in ("removed", "returned") and e["at"] <= at_utc
    ]
    if events:
        last = events[-1]
        return ("removed", last["at"]) if last["event"] == "removed" else ("live", None)
    if removed_at and removed_at <= at_utc:
        return "removed", removed_at
    return "live", None


def one_of(first: tuple[str, Any], second: tuple[str, Any]) -> None:
    """Two options that pick the same thing: a usage error when both are given."""
    if first[1] is not None and second[1] is not None:
        raise ConfigError(f"give {first[0]} or {second[0]}, not both")


def show_record(db: Any, url: str, number: int | None, at_utc: str | None) -> dict[str, Any]:
    """``scraper show``: the page as it was, as one record."""
    url = lookup(db, url)
    version = archive.decode_version(version_or_fail(db, url, number, at_utc))
    state, since = live_or_removed(db, url, at_utc)
    return {
        "url": url,
        "version": version["number"],
        "fetched_at": version["fetched_at"],
        "state": state,
        "removed_at": since,
        **{name: version.get(name) for name in SHOW_FIELDS},
        "attachments": version.get("attachments") or [],
        "body_text": version.get("body_text") or "",
    }


@dataclass
class RawVersion:
    """``scraper raw``: the bytes of a version, and a note when the page is gone."""

    url: str
    version: Any
    body: bytes
    removed_at: str | None  # set when this is the last version of a page removed (by then)


def raw_version(db: Any, url: str, number: int | None, at_utc: str | None) -> RawVersion:
    url = lookup(db, url)
    version = version_or_fail(db, url, number, at_utc)
    body, _parts = archive.version_raw(db, version)
    page = archive.get_page(db, url) or {}
    removed = page.get("removed_at")
    gone = (
        removed
        and version["number"] == page.get("current_version")
        and (at_utc is None or removed <= at_utc)
    )
    return RawVersion(url, version, body, removed if gone else None)


@dataclass
class DiffPair:
    """``scraper diff``: the two versions compared, or why there is nothing to compare."""

    url: str
    older: Any = None
    newer: Any = None
    nothing: str | None = None


def diff_pair(db: Any, url: str, from_: int | None, to: int | None, at_utc: str | None) -> DiffPair:
    url = lookup(db, url)
    versions = {v["number"]: v for v in archive.page_versions(db, url)}
    if not versions:
        raise ConfigError(f"{url} has no versions")
    if any(v["kind"] == "attachment" for v in versions.values()):
        raise ConfigError(
            f"{url} is an attachment file, versioned by its bytes: "
            "compare `scraper raw --version N` outputs"
        )
    last = max(versions)
    for option, number in (("--from", from_), ("--to", to)):
        if number is not None and number not in versions:
            raise ConfigError(f"{option} {number}: {url} has no version {number} (it has 1–{last})")
    if at_utc is not None:
        to = version_or_fail(db, url, None, at_utc)["number"]
    newer = to if to is not None else last
    older = from_ if from_ is not None else newer - 1
    if last == 1:
        return DiffPair(
            url,
            nothing=f"{url} has only one version (v1, {versions[1]['fetched_at']}); "
            "nothing to compare",
        )
    if older < 1:
        return DiffPair(
            url,
            nothing=f"v1 is the first version of {url}; nothing before it to compare (give --from)",
        )
    return DiffPair(url, versions[older], versions[newer])
