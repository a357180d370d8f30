"""Exceptions raised by scraper, and the exit codes the CLI maps them to.

::

    ScraperError
    ├── ConfigError            bad flags, unknown site, broken profile      → exit 2
    │   └── PrivateAddress     a host name that resolves to a private address (netguard)
    ├── ArchiveBusy            another run holds the archive's lock         → exit 3
    ├── StoreError             the archive cannot be written (disk full…)   → exit 4
    ├── DecodeError            bytes that cannot be read as a page
    ├── ProbeFailed            `probe` could not read the start page        → exit 1
    └── FetchError             one URL could not be fetched (has .url)
        ├── RetryableFetch     timeout, connection reset, 5xx, 429          → retried
        └── PermanentFetch     not worth retrying
            ├── Gone           404 / 410 or a soft-404 page: a fact about the site
            ├── Blocked        a WAF / challenge page (405 "网防G01", 403, 412, 418…)
            ├── OutOfScope     a redirect that leaves the scope, or robots.txt says no
            ├── BadRedirect    a redirect whose Location is not a URL
            ├── TooLarge       the response exceeds the size cap (counted decompressed)
            ├── TooSlow        the response did not finish within the deadline
            └── AddressRefused the host's address is private (a PrivateAddress, per URL)

Only ``RetryableFetch`` is retried, and only the HTTP statuses listed in
``RETRY_HTTP_CODES`` produce it (like Scrapy's setting of the same name).
"""

from __future__ import annotations

RETRY_HTTP_CODES: frozenset[int] = frozenset({408, 425, 429, 500, 502, 503, 504, 522, 524})
GONE_HTTP_CODES: frozenset[int] = frozenset({404, 410})
BLOCKED_HTTP_CODES: frozenset[int] = frozenset({403, 405, 412, 418, 451})

EXIT_OK = 0
EXIT_SOME_FAILED = 1
EXIT_USAGE = 2
EXIT_BUSY = 3
EXIT_STORE = 4


class ScraperError(Exception):
    """Base class of every error scraper raises on purpose."""

    exit_code = EXIT_USAGE


class ConfigError(ScraperError):
    exit_code = EXIT_USAGE


class PrivateAddress(ConfigError):
    """A host name whose address is private, loopback, link-local…; refused unless private
    addresses are allowed (:mod:`scraper.netguard`)."""

    def __init__(self, host: str, address: str, message: str) -> None:
        super().__init__(message)
        self.host = host
        self.address = address


class ArchiveBusy(ScraperError):
    exit_code = EXIT_BUSY


class StoreError(ScraperError):
    exit_code = EXIT_STORE


class DecodeError(ScraperError):
    pass


class ProbeFailed(ScraperError):
    exit_code = EXIT_SOME_FAILED


class FetchError(ScraperError):
    def __init__(self, url: str, reason: str, status: int | None = None) -> None:
        super().__init__(f"{reason}: {url}")
        self.url = url
        self.reason = reason
        self.status = status
        self.attempts = 1


class RetryableFetch(FetchError):
    pass


class PermanentFetch(FetchError):
    pass


class Gone(PermanentFetch):
    pass


class Blocked(PermanentFetch):
    pass


class OutOfScope(PermanentFetch):
    pass


class BadRedirect(PermanentFetch):
    pass


class TooLarge(PermanentFetch):
    pass


class TooSlow(PermanentFetch):
    """Not retried: a server that drips its answer is not helped by asking again, and the
    deadline is the bound of what one URL may cost."""


class AddressRefused(PermanentFetch):
    pass
