"""Site profiles: TOML data describing a site (start URLs, scope, politeness, selectors).

Every profile extends ``sites/default.toml`` (the generic TRS defaults): top-level keys in the
site profile replace the default's, tables (``[fetch]``, ``[discover]``, ``[extract]``) are
merged key by key. Adding a district means adding a profile, not code.
"""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from scraper import __version__, trs
from scraper.errors import ConfigError
from scraper.extract import ExtractRules
from scraper.urls import Scope, default_scope_prefix

logger = logging.getLogger(__name__)

TABLES = ("fetch", "discover", "extract")
TOP_LEVEL_KEYS = {"name", "title", "start_urls", "scope", "delay", "concurrency", *TABLES}


@dataclass
class FetchSettings:
    timeout: float = 30.0
    max_bytes: int = 20_000_000
    retries: int = 3
    retry_wait: float = 2.0
    user_agent: str = f"scraper/{__version__}"
    waf_markers: list[str] = field(default_factory=list)
    soft_404_markers: list[str] = field(default_factory=list)
    delay: float = 1.0
    concurrency: int = 2


@dataclass
class DiscoverSettings:
    attachment_extensions: list[str] = field(default_factory=list)
    ignore_patterns: list[str] = field(default_factory=list)
    download_attachments: bool = True
    attachment_max_bytes: int = 50_000_000


@dataclass
class Profile:
    name: str
    title: str
    start_urls: list[str]
    scope: Scope
    fetch: FetchSettings
    discover: DiscoverSettings
    extract: ExtractRules
    source: str  # where the profile came from, for messages


def _read_toml(text: str, where: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"profile {where} is not valid TOML: {exc}") from exc


def _builtin_text(name: str) -> str | None:
    path = resources.files("scraper") / "sites" / f"{name}.toml"
    return path.read_text(encoding="utf-8") if path.is_file() else None


def builtin_sites() -> dict[str, str]:
    """Name -> title of every bundled profile except the generic default."""
    sites = {}
    for entry in sorted(resources.files("scraper").joinpath("sites").iterdir(), key=str):
        if entry.name.endswith(".toml") and entry.name != "default.toml":
            data = _read_toml(entry.read_text(encoding="utf-8"), entry.name)
            sites[data.get("name", entry.name[:-5])] = data.get("title", "")
    return sites


def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if key in TABLES and isinstance(value, dict):
            merged[key] = {**base.get(key, {}), **value}
        else:
            merged[key] = value
    return merged


def load_raw(site: str | None = None, profile_path: str | Path | None = None) -> dict[str, Any]:
    """The default profile merged with a bundled site profile or a profile file."""
    default_text = _builtin_text("default")
    assert default_text is not None, "scraper/sites/default.toml is missing from the package"
    data = _read_toml(default_text, "default")
    data["_source"] = "default"
    if site and profile_path:
        raise ConfigError("give --site or --profile, not both")
    if site:
        text = _builtin_text(site)
        if text is None or site == "default":
            known = ", ".join(builtin_sites()) or "none"
            raise ConfigError(f"unknown site {site!r} (known: {known}; see `scraper sites`)")
        data = merge(data, _read_toml(text, site))
        data["_source"] = f"site {site}"
    elif profile_path:
        path = Path(profile_path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read profile {path}: {exc.strerror or exc}") from exc
        data = merge(data, _read_toml(text, str(path)))
        data["_source"] = str(path)
    return data


def _fields(cls: type, table: dict[str, Any], where: str) -> dict[str, Any]:
    known = set(cls.__dataclass_fields__)  # type: ignore[attr-defined]
    unknown = set(table) - known
    if unknown:
        raise ConfigError(f"profile {where}: unknown key(s) {', '.join(sorted(unknown))}")
    return dict(table)


def build_profile(data: dict[str, Any]) -> Profile:
    """Turn merged profile data (after environment and flags were applied) into a Profile."""
    where = data.get("_source", "profile")
    unknown = {k for k in data if not k.startswith("_")} - TOP_LEVEL_KEYS
    if unknown:
        raise ConfigError(f"profile {where}: unknown key(s) {', '.join(sorted(unknown))}")
    start_urls = [u.strip() for u in data.get("start_urls") or [] if u.strip()]
    if not start_urls:
        raise ConfigError(
            "no start URL: use --site NAME, --profile PATH or --start-url URL (see `scraper sites`)"
        )
    for url in start_urls:
        if not url.startswith(("http://", "https://")):
            raise ConfigError(f"start URL must be http(s): {url!r}")
    prefixes = list(data.get("scope") or []) or [default_scope_prefix(u) for u in start_urls]
    scope = Scope(prefixes)
    for url in start_urls:
        if url not in scope:
            raise ConfigError(f"start URL {url} is outside the scope ({', '.join(scope.prefixes)})")
    fetch_table = dict(data.get("fetch", {}))
    fetch_table.setdefault("delay", data.get("delay", 1.0))
    fetch_table.setdefault("concurrency", data.get("concurrency", 2))
    fetch = FetchSettings(**_fields(FetchSettings, fetch_table, where))
    fetch.user_agent = fetch.user_agent.replace("{version}", __version__)
    # A profile's markers add to the platform's own (scraper.trs), never replace them.
    fetch.waf_markers = list(dict.fromkeys([*trs.WAF_MARKERS, *fetch.waf_markers]))
    fetch.soft_404_markers = list(dict.fromkeys([*trs.SOFT_404_MARKERS, *fetch.soft_404_markers]))
    if fetch.delay < 0:
        raise ConfigError("--delay must be ≥ 0")
    if fetch.concurrency < 1:
        raise ConfigError("--concurrency must be ≥ 1")
    if fetch.retries < 0 or fetch.retry_wait < 0 or fetch.timeout <= 0 or fetch.max_bytes <= 0:
        raise ConfigError("timeout, max-bytes, retries and retry-wait must be positive")
    discover = DiscoverSettings(**_fields(DiscoverSettings, data.get("discover", {}), where))
    if not isinstance(discover.download_attachments, bool):
        raise ConfigError(f"profile {where}: download_attachments must be true or false")
    if not isinstance(discover.attachment_max_bytes, int) or discover.attachment_max_bytes <= 0:
        raise ConfigError(f"profile {where}: attachment_max_bytes must be a positive integer")
    return Profile(
        name=str(data.get("name", "custom")),
        title=str(data.get("title", "")),
        start_urls=start_urls,
        scope=scope,
        fetch=fetch,
        discover=discover,
        extract=ExtractRules(**_fields(ExtractRules, data.get("extract", {}), where)),
        source=where,
    )
