"""URL canonicalisation and crawl scope.

``canonical_url`` is the one place that decides what "the same URL" means: it is the dedupe
key of a run and the form of every URL stored in the archive.
"""

from __future__ import annotations

import contextlib
import re
from functools import lru_cache
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

# Characters left alone by quote(): the reserved set plus "%" so existing escapes survive.
_SAFE_PATH = "/:@!$&'()*+,;=-._~%"
_SAFE_QUERY = _SAFE_PATH + "?"


_ESCAPE = re.compile(r"%([0-9a-fA-F]{2})")
_STRAY_PERCENT = re.compile(r"%(?![0-9a-fA-F]{2})")


def _fix_percents(text: str) -> str:
    """Upper-case existing escapes (%e4 and %E4 are one URL) and escape a stray "%"."""
    return _ESCAPE.sub(lambda m: "%" + m.group(1).upper(), _STRAY_PERCENT.sub("%25", text))


def canonical_link(href: str, base: str) -> str:
    """``canonical_url(href, base=base)``, remembered: a site's pages repeat the same links
    (menus, footers, columns), so each distinct link is canonicalised once. A reference with
    a path resolves against the base's folder alone, which makes the key shared by every
    page of a folder. Raises ValueError as canonical_url does."""
    href = href.strip()
    if href and href[0] not in "?#":
        cut = base.find("?")
        head = base if cut < 0 else base[:cut]
        base = head[: head.rfind("/") + 1] if head.count("/") > 2 else head
    return _canonical_link(href, base)


# The links most recently seen: a site's menus stay in, its one-off links pass through.
# 16,384 entries are ~4 MB in each process that reads pages; 50,000 held ~12 MB a reading
# worker when a hundred sites share it, for a few more hits.
@lru_cache(maxsize=16_384)
def _canonical_link(href: str, base: str) -> str:
    return canonical_url(href, base=base)


def canonical_url(url: str, base: str | None = None) -> str:
    """The canonical form of ``url`` (resolved against ``base`` if given).

    - surrounding whitespace stripped, the fragment dropped;
    - scheme and host lower-cased, the default port (80/443) dropped, an empty path made "/";
    - non-ASCII and spaces in path and query percent-encoded as UTF-8; existing escapes kept
      but upper-cased, a "%" that starts no escape encoded as %25;
    - ``/./`` and ``/../`` segments resolved.

    A redirect's final URL becomes the page's URL; the crawler keeps the first address as
    ``first_url``. The query is kept as is (TRS list pages do not use one; other CMSs do).
    """
    url = url.strip()
    if base is not None:
        url = urljoin(base, url)
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    with contextlib.suppress(UnicodeError):
        host = host.encode("idna").decode("ascii") if host and not host.isascii() else host
    port = (
        parts.port
        if parts.port and (scheme, parts.port) not in (("http", 80), ("https", 443))
        else None
    )
    netloc = f"{host}:{port}" if port else host
    path = quote(_fix_percents(parts.path) or "/", safe=_SAFE_PATH)
    # urljoin resolves dot segments only when joining; normalise a bare URL the same way.
    if "/." in path:
        path = urlsplit(urljoin(f"{scheme}://{netloc}/", path)).path
    query = quote(_fix_percents(parts.query), safe=_SAFE_QUERY + "=")
    return urlunsplit((scheme, netloc, path, query, ""))


def default_scope_prefix(start_url: str) -> str:
    """Scheme, host and path up to and including the last "/" of the start URL.

    ``…/xxgk/index.html`` and ``…/xxgk/`` both give ``…/xxgk/``.
    """
    parts = urlsplit(canonical_url(start_url))
    path = parts.path[: parts.path.rfind("/") + 1] or "/"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


class Scope:
    """A set of URL prefixes. Matching compares host (and port) and path prefix;
    http and https count as the same site. ``also``: folders (path prefixes) admitted on
    the prefixes' hosts besides (where a platform keeps a section's articles and files
    outside its folder, see :func:`scraper.platforms.outside_folders`)."""

    def __init__(self, prefixes: list[str], also: tuple[str, ...] = ()) -> None:
        self.prefixes = [canonical_url(p) for p in prefixes]
        self.also = tuple(also)
        self._rules: list[tuple[str, str]] = []
        for prefix in self.prefixes:
            parts = urlsplit(prefix)
            self._rules.append((parts.netloc, parts.path))
        self._hosts = frozenset(netloc for netloc, _ in self._rules)

    def __contains__(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return False
        if any(
            parts.netloc == netloc and parts.path.startswith(path) for netloc, path in self._rules
        ):
            return True
        return parts.netloc in self._hosts and parts.path.startswith(self.also)

    def __repr__(self) -> str:
        also = f", also={self.also!r}" if self.also else ""
        return f"Scope({self.prefixes!r}{also})"
