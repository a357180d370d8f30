"""Configuration: the one table of defaults, and the layers over it, each validated as it is
read.

Layers, each overriding the one before: the defaults below; the platform profile
``sites/default.toml`` (generic TRS knowledge: selectors, patterns); a site profile (a
bundled ``sites/NAME.toml`` or a file); the environment (``SCRAPER_DELAY``…); the flags. A
value is checked in the layer the user typed it in, even when a later layer overrides it, and
an error names that layer, the key and the problem in one line::

    profile wuzhong.toml: delay must be a number of seconds ≥ 0, got "fast"
    environment SCRAPER_CONCURRENCY: concurrency must be a whole number ≥ 1, got "0"

Tables (``[fetch]``, ``[discover]``, ``[extract]``) merge key by key; other keys replace.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scraper import __version__, platforms
from scraper.errors import ConfigError
from scraper.urls import Scope, default_scope_prefix

TABLES = ("fetch", "discover", "extract")
USER_AGENT = (
    "scraper/{version} (+https://github.com/scraper-archive/scraper; "
    "government-disclosure archiver)"
)


@dataclass(frozen=True)
class Setting:
    """One setting: its key (``table.name`` or a top-level name), what kind of value it
    takes, its default, and where else it may be given."""

    key: str
    kind: (
        str  # seconds | count | fraction | flag | text | texts | urls | selectors | regex | levels
    )
    default: Any
    minimum: float | None = None
    env: str | None = None
    flag: str | None = None


SETTINGS: tuple[Setting, ...] = (
    Setting("name", "text", "custom"),
    Setting("title", "text", ""),
    Setting("start_urls", "urls", []),
    Setting("scope", "urls", []),
    Setting("delay", "seconds", 1.0, 0, "SCRAPER_DELAY", "--delay"),
    Setting("concurrency", "count", 2, 1, "SCRAPER_CONCURRENCY", "--concurrency"),
    Setting("recheck", "fraction", 0.05, None, "SCRAPER_RECHECK", "--recheck"),
    Setting("fetch.timeout", "seconds", 30.0, 0.001, None, "--timeout"),
    # The whole of one request, however slowly its bytes come (a drip never times out idle).
    Setting("fetch.deadline", "seconds", 120.0, 0.001, None, "--deadline"),
    # Host names resolving to private, loopback, link-local… addresses (scraper.netguard).
    Setting("allow_private", "flag", False, None, None, "--allow-private"),
    # Response bytes (decompressed) per site and run; reaching it ends the run as partial.
    # 0: no budget.
    Setting("budget_bytes", "count", 0, 0, None, "--budget-bytes"),
    # Annual reports: a unit's level where its name does not tell (人民政府/管委会/办事处 are
    # governments, others departments), for the deadline report_timeliness applies.
    Setting("report_levels", "levels", {}),
    Setting("fetch.max_bytes", "count", 20_000_000, 1, None, "--max-bytes"),
    Setting("fetch.retries", "count", 3, 0, None, "--retries"),
    Setting("fetch.retry_wait", "seconds", 2.0, 0, None, "--retry-wait"),
    Setting("fetch.user_agent", "text", USER_AGENT, None, "SCRAPER_USER_AGENT", "--user-agent"),
    Setting("fetch.waf_markers", "texts", []),
    Setting("fetch.soft_404_markers", "texts", []),
    Setting("discover.attachment_extensions", "texts", []),
    Setting("discover.ignore_patterns", "texts", []),
    Setting(
        "discover.download_attachments",
        "flag",
        True,
        None,
        "SCRAPER_ATTACHMENTS",
        "--attachments/--no-attachments",
    ),  # fmt: skip
    Setting(
        "discover.attachment_max_bytes", "count", 50_000_000, 1, None, "--attachment-max-bytes"
    ),  # fmt: skip
    Setting("extract.body", "selectors", []),
    Setting("extract.title", "selectors", []),
    Setting("extract.breadcrumb", "selectors", []),
    Setting("extract.drop", "selectors", []),
    # Every known platform's article addresses (scraper.platforms).
    Setting("extract.document_url", "regex", platforms.document_url_pattern()),
)
BY_KEY = {s.key: s for s in SETTINGS}
REPORT_LEVELS = ("government", "department")
# Older profiles put delay and concurrency in [fetch]; both spellings are read.
_ALIASES = {"fetch.delay": "delay", "fetch.concurrency": "concurrency"}
_FLAG_VALUES = {"true": True, "1": True, "yes": True, "on": True,
                "false": False, "0": False, "no": False, "off": False}  # fmt: skip


def _describe(s: Setting) -> str:
    name = s.key.rsplit(".", 1)[-1]
    low = "" if s.minimum is None else f" ≥ {s.minimum:g}"
    return {
        "seconds": f"{name} must be a number of seconds{low}",
        "count": f"{name} must be a whole number{low}",
        "fraction": f"{name} must be a number between 0 and 1",
        "flag": f"{name} must be true or false",
        "text": f"{name} must be a string",
        "texts": f"{name} must be a list of strings",
        "urls": f"{name} must be a list of http(s) URLs",
        "selectors": f"{name} must be a list of CSS selectors",
        "regex": f"{name} must be a regular expression",
        "levels": f'{name} must be a table of unit = "government" or "department"',
    }[s.kind]


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace('"', '\\"') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def check(setting: Setting, value: Any, where: str, *, typed: bool = True) -> Any:
    """``value`` as the setting's type, or ConfigError naming ``where``. ``typed`` is False
    for text from the environment or a flag, which is parsed first."""
    problem = f"{where}: {_describe(setting)}, got {_shown(value)}"
    kind = setting.kind
    if not typed and isinstance(value, str):
        text = value.strip()
        try:
            if kind == "seconds" or kind == "fraction":
                value = float(text)
            elif kind == "count":
                value = int(text)
            elif kind == "flag":
                value = _FLAG_VALUES[text.lower()]
        except (ValueError, KeyError):
            raise ConfigError(problem) from None
    if kind in ("seconds", "fraction"):
        ok = isinstance(value, int | float) and not isinstance(value, bool) and value == value
        if ok and kind == "fraction":
            ok = 0 <= value <= 1
        if not ok or (setting.minimum is not None and value < setting.minimum):
            raise ConfigError(problem)
        return float(value)
    if kind == "count":
        if not isinstance(value, int) or isinstance(value, bool):
            raise ConfigError(problem)
        if setting.minimum is not None and value < setting.minimum:
            raise ConfigError(problem)
        return value
    if kind == "flag":
        if not isinstance(value, bool):
            raise ConfigError(problem)
        return value
    if kind == "text":
        if not isinstance(value, str):
            raise ConfigError(problem)
        return value
    if kind == "regex":
        if not isinstance(value, str):
            raise ConfigError(problem)
        try:
            re.compile(value)
        except re.error as exc:
            raise ConfigError(
                f"{where}: {_describe(setting)}, got {_shown(value)}: {exc}"
            ) from None
        return value
    if kind == "levels":
        if not isinstance(value, dict) or not all(
            isinstance(unit, str) and unit.strip() and level in REPORT_LEVELS
            for unit, level in value.items()
        ):
            raise ConfigError(problem)
        return {unit.strip(): level for unit, level in value.items()}
    # lists
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(problem)
    if kind == "urls":
        for url in value:
            if not url.strip().startswith(("http://", "https://")):
                raise ConfigError(f"{where}: {_describe(setting)}, got {_shown(url)}")
    if kind == "selectors":
        from selectolax.lexbor import LexborHTMLParser, SelectolaxError

        probe = LexborHTMLParser("<p></p>")
        for selector in value:
            try:
                probe.css(selector)
            except (SelectolaxError, ValueError):
                raise ConfigError(
                    f"{where}: {_describe(setting)}, got {_shown(selector)} (does not parse)"
                ) from None
    return list(value)


def check_table(data: Mapping[str, Any], where: str) -> dict[str, Any]:
    """A whole layer (a profile's TOML): every key known, every value of its type. Returns
    it flattened to setting keys."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if key in TABLES:
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: [{key}] must be a table, got {_shown(value)}")
            for sub, sub_value in value.items():
                flat[f"{key}.{sub}"] = sub_value
        else:
            flat[key] = value
    out: dict[str, Any] = {}
    for key, value in flat.items():
        name = _ALIASES.get(key, key)
        setting = BY_KEY.get(name)
        if setting is None:
            raise ConfigError(f"{where}: unknown key {key}")
        out[name] = check(setting, value, where)
    return out


# -- reading profiles ----------------------------------------------------------------------


def _read_toml(raw: bytes, where: str) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{where}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})"
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: not valid TOML: {exc}") from None


def _bundled(name: str) -> bytes | None:
    path = resources.files("scraper") / "sites" / f"{name}.toml"
    return path.read_bytes() if path.is_file() else None


def builtin_sites() -> dict[str, str]:
    """Name -> title of every bundled profile except the platform default."""
    sites = {}
    for entry in sorted(resources.files("scraper").joinpath("sites").iterdir(), key=str):
        if entry.name.endswith(".toml") and entry.name != "default.toml":
            data = _read_toml(entry.read_bytes(), f"site {entry.name[:-5]}")
            sites[str(data.get("name", entry.name[:-5]))] = str(data.get("title", ""))
    return sites


def site_layer(site: str) -> tuple[dict[str, Any], str]:
    raw = _bundled(site) if site != "default" else None
    if raw is None:
        known = ", ".join(builtin_sites()) or "none"
        raise ConfigError(f"unknown site {site!r} (known: {known}; see `scraper sites`)")
    where = f"site {site}"
    return check_table(_read_toml(raw, where), where), where


def file_layer(path: str | Path) -> tuple[dict[str, Any], str]:
    where = f"profile {path}"
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read profile {path}: {exc.strerror or exc}") from None
    return check_table(_read_toml(raw, where), where), where


def platform_layer() -> dict[str, Any]:
    raw = _bundled("default")
    assert raw is not None, "scraper/sites/default.toml is missing from the package"
    return check_table(_read_toml(raw, "platform profile default"), "platform profile default")


def env_layer(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    environ = os.environ if environ is None else environ
    out = {}
    for setting in SETTINGS:
        if setting.env and environ.get(setting.env, "").strip():
            value = environ[setting.env]
            out[setting.key] = check(setting, value, f"environment {setting.env}", typed=False)
    return out


def flag_layer(flags: Mapping[str, Any]) -> dict[str, Any]:
    """Flag values by setting key (text as typed, or a bool for on/off flags)."""
    out = {}
    for key, value in flags.items():
        if value is None:
            continue
        setting = BY_KEY[key]
        where = (setting.flag or "--" + key).split("/")[0]
        out[key] = check(setting, value, where, typed=not isinstance(value, str))
    return out


# -- the resolved profile ------------------------------------------------------------------


@dataclass
class FetchSettings:
    timeout: float = BY_KEY["fetch.timeout"].default
    max_bytes: int = BY_KEY["fetch.max_bytes"].default
    retries: int = BY_KEY["fetch.retries"].default
    retry_wait: float = BY_KEY["fetch.retry_wait"].default
    user_agent: str = f"scraper/{__version__}"
    waf_markers: list[str] = field(default_factory=list)
    soft_404_markers: list[str] = field(default_factory=list)
    delay: float = BY_KEY["delay"].default
    concurrency: int = BY_KEY["concurrency"].default
    deadline: float = BY_KEY["fetch.deadline"].default
    allow_private: bool = BY_KEY["allow_private"].default


@dataclass
class DiscoverSettings:
    attachment_extensions: list[str] = field(default_factory=list)
    ignore_patterns: list[str] = field(default_factory=list)
    download_attachments: bool = True
    attachment_max_bytes: int = BY_KEY["discover.attachment_max_bytes"].default


@dataclass
class ExtractRules:
    """Site-profile overrides (the ``[extract]`` table); generic rules apply when empty."""

    body: list[str] = field(default_factory=list)  # CSS selectors for the body container
    title: list[str] = field(default_factory=list)
    breadcrumb: list[str] = field(default_factory=list)
    document_url: str = BY_KEY["extract.document_url"].default  # regex: a document's URL
    drop: list[str] = field(default_factory=list)  # extra CSS selectors of furniture to remove


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
    recheck: float = BY_KEY["recheck"].default
    budget_bytes: int = BY_KEY["budget_bytes"].default  # 0: none
    report_levels: dict[str, str] = field(default_factory=dict)  # unit → government|department


def layered(
    site: str | None = None,
    profile_path: str | Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    flags: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any], str]:
    """Every layer read and checked, merged by setting key; and where the profile came from."""
    if site and profile_path:
        raise ConfigError("give --site or --profile, not both")
    values = {s.key: s.default for s in SETTINGS}
    values.update(platform_layer())
    where = "default"
    if site:
        layer, where = site_layer(site)
        values.update(layer)
    elif profile_path:
        layer, where = file_layer(profile_path)
        values.update(layer)
    values.update(env_layer(environ))
    values.update(flag_layer(flags or {}))
    return values, where


def build(values: Mapping[str, Any], where: str) -> Profile:
    """The Profile of merged, checked values (start URLs and scope checked together)."""
    start_urls = [u.strip() for u in values["start_urls"] if u.strip()]
    if not start_urls:
        raise ConfigError(
            "no start URL: use --site NAME, --profile PATH or --start-url URL (see `scraper sites`)"
        )
    prefixes = list(values["scope"])
    if prefixes:
        scope = Scope(prefixes)
    else:
        # Derived from the start URLs: each one's folder, and on the same hosts whatever
        # the known platforms keep outside a section (VSB's /info/ articles, Hanweb's /art/).
        scope = Scope(
            [default_scope_prefix(u) for u in start_urls], also=platforms.outside_folders()
        )
    for url in start_urls:
        if url not in scope:
            raise ConfigError(f"start URL {url} is outside the scope ({', '.join(scope.prefixes)})")
    from scraper.platforms import shared

    def table(name: str) -> dict[str, Any]:
        return {k.split(".", 1)[1]: v for k, v in values.items() if k.startswith(name + ".")}

    fetch = FetchSettings(
        **table("fetch"), delay=values["delay"], concurrency=values["concurrency"]
    )
    fetch.user_agent = fetch.user_agent.replace("{version}", __version__)
    fetch.allow_private = values["allow_private"]
    # A profile's markers add to the platform's own (scraper.platforms.shared), never replace them.
    fetch.waf_markers = list(dict.fromkeys([*shared.WAF_MARKERS, *fetch.waf_markers]))
    fetch.soft_404_markers = list(
        dict.fromkeys([*shared.SOFT_404_MARKERS, *fetch.soft_404_markers])
    )
    return Profile(
        name=str(values["name"]),
        title=str(values["title"]),
        start_urls=start_urls,
        scope=scope,
        fetch=fetch,
        discover=DiscoverSettings(**table("discover")),
        extract=ExtractRules(**table("extract")),
        source=where,
        recheck=values["recheck"],
        budget_bytes=values["budget_bytes"],
        report_levels=dict(values["report_levels"]),
    )


def resolve(
    site: str | None = None,
    profile_path: str | Path | None = None,
    *,
    start_urls: tuple[str, ...] = (),
    scopes: tuple[str, ...] = (),
    environ: Mapping[str, str] | None = None,
    flags: Mapping[str, Any] | None = None,
    default_site: str | None = None,
) -> Profile:
    """The profile a command runs with: defaults, profile, environment and flags, each
    checked. ``--start-url`` with no profile makes an ad-hoc one (name ``custom``)."""
    if not (site or profile_path or start_urls):
        site = default_site
    values, where = layered(site, profile_path, environ=environ, flags=flags)
    if start_urls:
        values["start_urls"] = check(BY_KEY["start_urls"], list(start_urls), "--start-url")
        if not (site or profile_path):
            values["name"], values["scope"] = "custom", []
    if scopes:
        values["scope"] = check(BY_KEY["scope"], list(scopes), "--scope")
    return build(values, where)


# The CLI's crawl flags by the configuration key they set (their option's parameter name).
FLAG_KEYS = {
    "delay": "delay",
    "concurrency": "concurrency",
    "recheck": "recheck",
    "timeout": "fetch.timeout",
    "max_bytes": "fetch.max_bytes",
    "retries": "fetch.retries",
    "retry_wait": "fetch.retry_wait",
    "user_agent": "fetch.user_agent",
    "download_attachments": "discover.download_attachments",
    "attachment_max_bytes": "discover.attachment_max_bytes",
    "deadline": "fetch.deadline",
    "allow_private": "allow_private",
    "budget_bytes": "budget_bytes",
}


def command_profile(
    site: str | None,
    profile_path: str | None,
    start_urls: tuple[str, ...],
    scopes: tuple[str, ...],
    overrides: Mapping[str, Any],
) -> Profile:
    """The profile of a crawl command: defaults, profile, environment and flags, each
    checked; ``overrides`` are flag values by option name (:data:`FLAG_KEYS`)."""
    flags = {FLAG_KEYS[name]: value for name, value in overrides.items() if name in FLAG_KEYS}
    return resolve(
        site,
        profile_path,
        start_urls=start_urls,
        scopes=scopes,
        flags=flags,
        default_site="hongsibu",
    )


# -- site names (many sites in one run: each name is a file name, DATA_DIR/NAME.db) -----------

_NAME_JUNK = re.compile(r"[^a-z0-9]+")
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def profile_name(url: str) -> str:
    """A valid profile name (and safe file name) from a start URL's host, port and path:
    ``http://127.0.0.1:8080/xxgk/`` gives ``127-0-0-1-8080-xxgk``."""
    parts = urlsplit(url)
    host = (parts.hostname or "site").removeprefix("www.")
    words = [
        host,
        str(parts.port or ""),
        parts.path.rsplit(".", 1)[0] if "." in parts.path.rsplit("/", 1)[-1] else parts.path,
    ]
    name = _NAME_JUNK.sub("-", "-".join(w for w in words if w).lower()).strip("-")
    return name[:64].rstrip("-") or "site"


def check_site_name(name: str, where: str) -> str:
    """``name`` if it can be a file name (``DATA_DIR/NAME.db``), else ConfigError."""
    if not SAFE_NAME.fullmatch(name) or name.endswith((".", ".db")):
        raise ConfigError(
            f"{where}: site name {_shown(name)} cannot be a file name "
            "(letters, digits, '.', '_' and '-', up to 100, not ending in '.' or '.db')"
        )
    return name


def max_pages(value: str | None) -> int | None:
    """``--max-pages``, checked like a setting (a count of at least 1)."""
    if value is None:
        return None
    return check(Setting("max_pages", "count", None, 1), value, "--max-pages", typed=False)
