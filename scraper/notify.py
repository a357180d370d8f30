"""``scraper notify``: one run's ranked digest, sent through Apprise (an optional extra,
``pip install 'scraper[notify]'``) to any Apprise URL: mail, 企业微信 (``wecombot://``),
DingTalk, Feishu, a JSON webhook… No SQL, no click.

One message per run and service: the top events and how many more there are, with their
links, cut to the service's limit (Apprise's ``body_maxlen`` for it) at a line boundary,
never split into several messages.

Targets obey the crawler's address rule (:mod:`scraper.netguard`): a host name that resolves
to a private, loopback or link-local address is refused unless ``allow_private``; an IP
literal in a URL is used as given. The URLs' own host names are checked before anything is
sent, and every connection Apprise makes while sending (a redirect, a plugin's API host) is
checked again where it resolves.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from scraper import archive, digest, netguard

INSTALL = "pip install 'scraper[notify]'"
CUT = "…(cut to this service's limit; `scraper changes` prints it all)"


class NotifyUnavailable(RuntimeError):
    """Apprise is not installed."""


@dataclass(frozen=True)
class Message:
    title: str
    body: str


def message(header: str, items: Sequence[dict[str, Any]], top: int, more_hint: str) -> Message:
    """The digest's ``top`` most significant events, each with its link and what changed,
    and how many more there are."""
    lines: list[str] = []
    for entry in items[:top]:
        lines.append(
            f"{entry['rank']}. {digest.label(entry)}: {entry.get('title') or '(no title)'}"
        )
        lines.append(f"   {entry['url']}")
        lines.extend(f"   {line}" for line in digest.details(entry))
    if len(items) > top:
        lines.append(f"… and {len(items) - top} more ({more_hint})")
    return Message(f"{header}: {digest.tally(items)}", "\n".join(lines))


def fit(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters at a line boundary (a line longer than the whole
    limit is cut inside), ending with a note that it was cut. Never longer than ``limit``."""
    if limit <= 0 or len(text) <= limit:
        return text
    room = limit - len(CUT) - 1
    if room <= 0:
        return text[:limit]
    kept = text[:room]
    if "\n" in kept:
        kept = kept[: kept.rindex("\n")]
    return f"{kept}\n{CUT}"


def _apprise() -> Any:
    try:
        import apprise
    except ImportError as exc:
        raise NotifyUnavailable(f"notify needs Apprise: {INSTALL}") from exc
    # Apprise logs a bad URL or a failed send at WARNING; the caller says it in one line.
    logging.getLogger("apprise").setLevel(logging.CRITICAL + 1)
    return apprise


def check_urls(urls: Sequence[str], *, allow_private: bool = False) -> list[Any]:
    """One Apprise service per URL; ValueError names a URL Apprise does not know,
    PrivateAddress a host name that resolves to a private address. (A name that does not
    resolve is left to the send: ``wecombot://KEY`` names a key, not a host.)"""
    apprise = _apprise()
    services = []
    for url in urls:
        service = apprise.Apprise.instantiate(url)
        if not service:
            raise ValueError(f"not an Apprise URL Apprise can use: {url}")
        services.append(service)
    netguard.check_start_hosts(urls, allow_private=allow_private)
    return services


def address_policy(urls: Sequence[str], *, allow_private: bool = False) -> netguard.AddressPolicy:
    """What the sends may connect to: the literals in ``urls`` and global addresses."""
    return netguard.AddressPolicy.for_urls(urls, allow_private=allow_private)


def send(services: Sequence[Any], note: Message) -> list[str]:
    """Send ``note`` once to every service, fitted to its limits. Returns the services it
    could not be sent to (their URLs with secrets masked)."""
    apprise = _apprise()
    failed = []
    for service in services:
        title, body = note.title, note.body
        title_max = int(getattr(service, "title_maxlen", 0) or 0)
        if title_max <= 0:  # no title on this service: the title leads the body
            title, body = "", f"{title}\n{body}"
        elif len(title) > title_max:
            title = title[: title_max - 1] + "…"
        body = fit(body, int(getattr(service, "body_maxlen", 0) or 0))
        service.overflow_mode = apprise.common.OverflowMode.TRUNCATE
        try:
            ok = bool(service.notify(body=body, title=title))
        except Exception:  # a plugin's own error is a failed send, said in one line
            ok = False
        if not ok:
            failed.append(service.url(privacy=True))
    return failed


@dataclass
class Delivery:
    """What ``scraper notify`` did: nothing to send (``sent`` false), or sent, but not to
    the ``failed`` services; ``again`` is the run to send again."""

    header: str
    sent: bool = False
    failed: Sequence[str] = ()
    again: int | None = None


def deliver(
    db: Any,
    db_path: str,
    services: Sequence[Any],
    run_id: int | None,
    top: int,
    policy: netguard.AddressPolicy | None = None,
) -> Delivery:
    """Send the latest run's digest (or run ``run_id``'s) to every service, connecting only
    where ``policy`` allows (PrivateAddress for the first refused connection)."""
    from pathlib import Path

    header, items, running = digest.run_digest(db, run_id, digest.DEFAULT_KINDS, lines=1)
    if not items:
        return Delivery(header)
    hint = f"scraper changes --db {db_path}"
    title = f"scraper {Path(db_path).stem}: {header}" + (" (still running)" if running else "")
    if policy is None:
        policy = address_policy([service.url() for service in services])
    with netguard.guarded_resolution(policy) as refused:
        failed = send(services, message(title, items, top, hint))
    if refused:
        raise refused[0]
    again = archive.digest_runs(db, run_id)[0][-1] if failed else None
    return Delivery(header, True, failed, again)
