"""Which sites a crawl runs, and where each one's archive goes.

Sites are named by ``--site NAME`` and ``--profile PATH`` (both repeatable), ``--all-sites``
(every bundled profile) and ``--sites-file FILE``: one entry a line, a bundled name, a
profile path (relative to the file's folder) or a start URL, ``#`` comments and blank lines
ignored. A start URL makes an ad-hoc profile named after its host, port and path
(:func:`scraper.config.profile_name`), checked like any other. Every profile is built and
checked, whatever the shard, so that every machine given the same file agrees on it.

Names must be safe file names and unique. A duplicate is an error naming both entries, not
renamed with a suffix: a suffix would tie a site's archive file to the order of the lines,
and reordering the file would start a second archive of the same site.

``--shard K/N`` keeps the sites whose name, hashed with sha256 (stable across processes and
machines, unlike ``hash()``), falls in shard K of N.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scraper import config
from scraper.config import Profile
from scraper.errors import ConfigError


@dataclass(frozen=True)
class SiteEntry:
    kind: str  # site | profile | url
    value: str
    where: str  # where the user named it, for messages: "--site", "sites.txt line 3"


@dataclass
class SiteJob:
    """One site of a run: its checked profile and its archive."""

    profile: Profile
    db_path: str
    where: str

    @property
    def name(self) -> str:
        return self.profile.name


def _entry(text: str, where: str, folder: Path | None) -> SiteEntry:
    if text.startswith(("http://", "https://")):
        return SiteEntry("url", text, where)
    if text.endswith(".toml") or "/" in text:
        path = Path(text)
        if folder is not None and not path.is_absolute():
            path = folder / path
        return SiteEntry("profile", str(path), where)
    return SiteEntry("site", text, where)


_COMMENT = re.compile(r"(^|\s)#.*$")


def read_sites_file(path: str) -> list[SiteEntry]:
    """The entries of a sites file, in order."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read sites file {path}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"sites file {path}: not UTF-8 text (offset {exc.start})") from None
    folder = Path(path).parent
    entries = []
    for number, line in enumerate(text.splitlines(), 1):
        value = _COMMENT.sub("", line).strip()
        if value:
            entries.append(_entry(value, f"{path} line {number}", folder))
    if not entries:
        raise ConfigError(f"sites file {path} names no site")
    return entries


def entries_from(
    sites: tuple[str, ...],
    profiles: tuple[str, ...],
    all_sites: bool,
    sites_file: str | None,
) -> list[SiteEntry]:
    """Every site the flags name, in the order given: --all-sites, --site, --profile, the
    sites file."""
    entries = (
        [SiteEntry("site", name, "--all-sites") for name in config.builtin_sites()]
        if all_sites
        else []
    )
    entries += [SiteEntry("site", name, f"--site {name}") for name in sites]
    entries += [SiteEntry("profile", path, f"--profile {path}") for path in profiles]
    if sites_file:
        entries += read_sites_file(sites_file)
    return entries


def profile_of(entry: SiteEntry, overrides: Mapping[str, Any]) -> Profile:
    """The checked profile of one entry, with the environment and the flags over it."""
    site, path, urls = {
        "url": (None, None, (entry.value,)),
        "site": (entry.value, None, ()),
        "profile": (None, entry.value, ()),
    }[entry.kind]
    try:
        profile = config.command_profile(site, path, urls, (), overrides)
    except ConfigError as exc:
        if entry.where.startswith("--"):  # the message names the flag's value already
            raise
        raise ConfigError(f"{entry.where}: {exc}") from None
    if entry.kind == "url":
        profile.name = config.profile_name(entry.value)
    return profile


def profiles_of(entries: list[SiteEntry], overrides: Mapping[str, Any]) -> list[Profile]:
    """Every entry's checked profile; names safe as file names and unique."""
    profiles: list[Profile] = []
    first: dict[str, SiteEntry] = {}
    for entry in entries:
        profile = profile_of(entry, overrides)
        config.check_site_name(profile.name, entry.where)
        if profile.name in first:
            raise ConfigError(
                f"site {profile.name} is named twice: {first[profile.name].where} and {entry.where}"
            )
        first[profile.name] = entry
        profiles.append(profile)
    return profiles


# -- shards ----------------------------------------------------------------------------------

_SHARD = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")


def parse_shard(text: str, where: str = "--shard") -> tuple[int, int]:
    """``K/N`` as (K, N), 0 ≤ K < N."""
    match = _SHARD.fullmatch(text)
    if not match or int(match[2]) < 1 or int(match[1]) >= int(match[2]):
        raise ConfigError(
            f"{where} must be K/N with 0 ≤ K < N (K counts from 0, as JOB_COMPLETION_INDEX "
            f"does), got {text!r}"
        )
    return int(match[1]), int(match[2])


def shard_of(name: str, shards: int) -> int:
    """The shard of ``name`` among ``shards``: sha256 of its UTF-8 bytes, mod ``shards``."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest(), "big") % shards


def in_shard(profiles: list[Profile], shard: tuple[int, int] | None) -> list[Profile]:
    if shard is None:
        return profiles
    k, n = shard
    return [p for p in profiles if shard_of(p.name, n) == k]


# -- archives --------------------------------------------------------------------------------


def site_archive(data_dir: str, name: str) -> str:
    return str(Path(data_dir) / f"{name}.db")


@dataclass
class Plan:
    """A run of several sites: the jobs of this shard, of ``named`` sites in all."""

    jobs: list[SiteJob]
    named: int
    shard: tuple[int, int] | None
    combined: str | None  # the one archive of every site, when --db (or SCRAPER_DB) is given


def plan(
    *,
    sites: tuple[str, ...],
    profiles: tuple[str, ...],
    all_sites: bool,
    sites_file: str | None,
    start_urls: tuple[str, ...],
    scopes: tuple[str, ...],
    shard: str | None,
    data_dir: str,
    db_path: str | None,
    overrides: Mapping[str, Any],
) -> Plan | None:
    """The run of several sites the flags ask for, or None for one site (the crawl of
    today: ``--db``, else SCRAPER_DB, else data/archive.db). Several sites: more than one
    named, or any of --all-sites, --sites-file, --shard (a shard of one site still writes
    DATA_DIR/NAME.db, so that a site's archive does not depend on its shard's size)."""
    if len(sites) + len(profiles) <= 1 and not (all_sites or sites_file or shard):
        return None
    if start_urls or scopes:
        raise ConfigError(
            "--start-url and --scope are for one site; with several, list start URLs in a "
            "--sites-file"
        )
    chosen = parse_shard(shard) if shard else None
    profiles_all = profiles_of(entries_from(sites, profiles, all_sites, sites_file), overrides)
    kept = in_shard(profiles_all, chosen)
    jobs = [
        SiteJob(p, db_path if db_path is not None else site_archive(data_dir, p.name), p.source)
        for p in kept
    ]
    return Plan(jobs, len(profiles_all), chosen, db_path)


def max_sites(value: str | None) -> int:
    """``--max-sites``, checked like a setting (a count of at least 1; default 50)."""
    setting = config.Setting("max_sites", "count", 50, 1)
    return (
        setting.default
        if value is None
        else config.check(setting, value, "--max-sites", typed=False)
    )
