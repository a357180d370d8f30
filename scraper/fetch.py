"""HTTP for the crawler: one client, per-host politeness, robots.txt, retries, conditional
requests and the size cap. It knows nothing of pages or the archive.

Every request goes through :meth:`Fetcher.fetch`, which

- waits for the host's slot (at most ``concurrency`` requests in flight per host, and at least
  ``delay`` seconds between two request starts to the same host; a robots.txt Crawl-delay
  raises the delay, never lowers it);
- asks robots.txt (fetched once per host; RFC 9309: a 4xx robots.txt allows everything, an
  unreachable one disallows everything);
- follows redirects itself, hop by hop, so that every hop is checked against the scope and
  robots.txt;
- retries only :class:`~scraper.errors.RetryableFetch` (timeouts, connection errors and the
  statuses in ``RETRY_HTTP_CODES``), with exponential back-off (tenacity);
- sends ``If-None-Match`` / ``If-Modified-Since`` when the caller knows the validators, and
  returns a 304 as such, without a body;
- cannot be hurt by a host (:mod:`scraper.netguard`, :mod:`scraper.inflate`): every
  connection goes to a checked address (no private addresses unless allowed), the size cap
  counts decompressed bytes, and a request ends at its ``deadline`` however slowly its bytes
  come (not retried: one URL costs at most a deadline per hop of a dripping answer).
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TypeVar
from urllib.parse import urlsplit

import httpx
from protego import Protego
from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from scraper import inflate, netguard
from scraper.config import FetchSettings
from scraper.errors import (
    BLOCKED_HTTP_CODES,
    GONE_HTTP_CODES,
    RETRY_HTTP_CODES,
    AddressRefused,
    BadRedirect,
    Blocked,
    ConfigError,
    FetchError,
    Gone,
    OutOfScope,
    PermanentFetch,
    PrivateAddress,
    RetryableFetch,
    TooLarge,
    TooSlow,
)
from scraper.urls import Scope, canonical_url

logger = logging.getLogger(__name__)
T = TypeVar("T")

MAX_REDIRECTS = 10
# WAF challenge pages are small; a real document that merely quotes a marker is not.
WAF_PAGE_MAX_BYTES = 20_000
KEPT_HEADERS = ("content-type", "etag", "last-modified", "content-length")


@dataclass
class FetchResult:
    url: str  # canonical final URL, after redirects
    first_url: str  # the URL that was asked for
    status: int  # 200, or 304 for a conditional request that matched
    headers: dict[str, str]
    content: bytes
    redirects: list[str] = field(default_factory=list)
    attempts: int = 1

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")


@dataclass
class FetchStats:
    requests: int = 0
    bytes: int = 0  # decompressed response bytes read, kept or not (the --budget-bytes count)
    not_modified: int = 0
    retries: int = 0
    robots_denied: int = 0


class _Read:
    """One response body as it is read: decoded under the size cap, with its decoded size
    so far (for the byte count and the deadline's message)."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.size = 0

    async def body(self, response: httpx.Response) -> bytes:
        decoder = inflate.CappedDecoder(response.headers.get("content-encoding"), self.cap)
        chunks: list[bytes] = []
        try:
            async for raw in response.aiter_raw():
                chunks.append(decoder.feed(raw))
                self.size = decoder.size
            chunks.append(decoder.finish())
        finally:
            self.size = decoder.size
        return b"".join(chunks)


class HostSlot:
    """Concurrency and spacing of requests to one host."""

    def __init__(self, concurrency: int, delay: float) -> None:
        self.semaphore = asyncio.Semaphore(concurrency)
        self.delay = delay
        self._lock = asyncio.Lock()
        self._next_start = 0.0

    async def __aenter__(self) -> None:
        await self.semaphore.acquire()
        async with self._lock:
            now = time.monotonic()
            start = max(now, self._next_start)
            self._next_start = start + self.delay
        if start > now:
            await asyncio.sleep(start - now)

    async def __aexit__(self, *exc: object) -> None:
        self.semaphore.release()


class Fetcher:
    def __init__(
        self,
        settings: FetchSettings,
        scope: Scope,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        tls: ssl.SSLContext | None = None,
        on_request: Callable[[str], None] | None = None,
    ) -> None:
        """``transport``: used as given (in-process tests); by default connections go
        through :class:`~scraper.netguard.GuardedTransport` (``tls``: a TLS context to
        share between fetchers). The IP literals of the scope are the user's own."""
        self.settings = settings
        # A WAF page's markers as the bytes they may come in (UTF-8 or GB18030).
        self._waf_bytes = tuple(
            {m.encode(c) for m in settings.waf_markers for c in ("utf-8", "gb18030")}
        )
        self.scope = scope
        self.stats = FetchStats()
        self._on_request = on_request
        self.policy = netguard.AddressPolicy.for_urls(
            scope.prefixes, allow_private=settings.allow_private
        )
        # Through a proxy the proxy connects: names are checked before each request instead.
        self._precheck = transport is None and netguard.proxied()
        if transport is None and not self._precheck:
            transport = netguard.GuardedTransport(self.policy, verify=tls or True)
        self._client = httpx.AsyncClient(
            headers={"User-Agent": settings.user_agent, "Accept-Encoding": inflate.ACCEPT_ENCODING},
            timeout=settings.timeout,
            follow_redirects=False,
            transport=transport,
        )
        self._slots: dict[str, HostSlot] = {}
        self._robots: dict[str, Protego | None] = {}
        self._robots_lock = asyncio.Lock()
        self._robots_problems: dict[str, str] = {}

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- politeness -----------------------------------------------------------------------

    def _slot(self, host: str) -> HostSlot:
        if host not in self._slots:
            self._slots[host] = HostSlot(self.settings.concurrency, self.settings.delay)
        return self._slots[host]

    async def _robots_for(self, url: str) -> Protego | None:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        async with self._robots_lock:
            if origin not in self._robots:
                self._robots[origin] = await self._read_robots(origin)
            return self._robots[origin]

    async def _read_robots(self, origin: str) -> Protego | None:
        """RFC 9309: a 4xx robots.txt allows everything; a 5xx or an unreachable one
        disallows everything (the reason is kept for :meth:`robots_problem`); up to five
        redirects on the same host are followed."""
        url = origin + "/robots.txt"
        try:
            for _ in range(6):
                try:
                    response = await self._retrying(partial(self._robots_response, url))
                except BadRedirect:
                    # Redirects that lead nowhere: unavailable, like too many (RFC 9309).
                    return Protego.parse("")
                if not response.is_redirect:
                    break
                try:
                    target = canonical_url(response.headers.get("location", ""), base=url)
                except ValueError:  # "http://[::1/", a port of 99999: no rules to be had
                    break
                if urlsplit(target).hostname != urlsplit(origin).hostname:
                    break  # another host's rules are not this host's: treat as unavailable
                url = target
        except AddressRefused:
            # The host's own requests are refused the same way, each recorded as its URL's
            # failure; robots.txt has nothing to add.
            return Protego.parse("")
        except (RetryableFetch, PermanentFetch) as exc:
            self._robots_problems[origin] = f"robots.txt unreachable ({exc.reason})"
            logger.warning("robots.txt of %s unreachable: %s", origin, exc.reason)
            return None
        if response.is_redirect or 400 <= response.status_code < 500:
            return Protego.parse("")
        parser = Protego.parse(response.content.decode("utf-8", "replace"))
        delay = parser.crawl_delay(self.settings.user_agent)
        if delay and float(delay) > self.settings.delay:
            logger.info("robots.txt Crawl-delay %s s for %s", delay, origin)
            self._slot(urlsplit(origin).netloc).delay = float(delay)
        return parser

    async def _robots_response(self, url: str) -> httpx.Response:
        response = await self._send(url, {}, check_robots=False)
        if response.status_code >= 500:
            raise RetryableFetch(url, f"HTTP {response.status_code}", response.status_code)
        return response

    def robots_problem(self, url: str) -> tuple[str, str] | None:
        """(origin, reason) when ``url`` is refused because its robots.txt could not be read."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        reason = self._robots_problems.get(origin)
        return (origin, reason) if reason else None

    async def allowed(self, url: str) -> bool:
        parser = await self._robots_for(url)
        return parser is not None and parser.can_fetch(url, self.settings.user_agent)

    # -- one request ----------------------------------------------------------------------

    async def _send(
        self,
        url: str,
        headers: dict[str, str],
        *,
        check_robots: bool = True,
        max_bytes: int | None = None,
    ) -> httpx.Response:
        cap = max_bytes or self.settings.max_bytes
        if check_robots and not await self.allowed(url):
            self.stats.robots_denied += 1
            raise OutOfScope(url, "disallowed by robots.txt")
        host = urlsplit(url).netloc
        async with self._slot(host):
            self.stats.requests += 1
            if self._on_request:
                self._on_request(url)
            deadline = self.settings.deadline
            read = _Read(cap)
            try:
                async with asyncio.timeout(deadline):
                    response = await self._read(url, headers, read)
            except TimeoutError:
                raise TooSlow(
                    url, f"deadline of {deadline:g} s exceeded ({read.size} bytes received)"
                ) from None
            finally:
                self.stats.bytes += read.size
            return response

    async def _read(self, url: str, headers: dict[str, str], read: _Read) -> httpx.Response:
        """One GET, its body decoded under the cap. Foreign errors become FetchErrors."""
        try:
            if self._precheck:
                await self.policy.check_url(url, self.settings.timeout)
            async with self._client.stream("GET", url, headers=headers) as response:
                response._content = await read.body(response)
        except inflate.TooBig as exc:
            raise TooLarge(url, str(exc)) from None
        except inflate.Undecodable as exc:
            raise PermanentFetch(url, f"bad request or response ({exc})") from None
        except PrivateAddress as exc:
            raise AddressRefused(url, str(exc)) from None
        except httpx.TimeoutException as exc:
            raise RetryableFetch(url, f"timeout ({type(exc).__name__})") from exc
        except httpx.RemoteProtocolError as exc:
            # httpx reads every redirect's Location, followed or not; a garbled one is
            # the site's answer, not a broken connection.
            if str(exc).startswith("Invalid URL in location header"):
                raise BadRedirect(url, f"redirect to an invalid URL ({exc})") from exc
            raise RetryableFetch(url, f"connection error ({type(exc).__name__}: {exc})") from exc
        except (httpx.NetworkError, httpx.ProxyError) as exc:
            raise RetryableFetch(url, f"connection error ({type(exc).__name__}: {exc})") from exc
        except (httpx.UnsupportedProtocol, httpx.InvalidURL, httpx.DecodingError) as exc:
            raise PermanentFetch(url, f"bad request or response ({exc})") from exc
        return response

    def _check(self, url: str, response: httpx.Response) -> None:
        status = response.status_code
        if status in RETRY_HTTP_CODES:
            raise RetryableFetch(url, f"HTTP {status}", status)
        if status in GONE_HTTP_CODES:
            raise Gone(url, f"HTTP {status}", status)
        body = response.content
        if status in BLOCKED_HTTP_CODES or (
            status == 200
            and len(body) <= WAF_PAGE_MAX_BYTES
            and any(marker in body for marker in self._waf_bytes)
        ):
            raise Blocked(url, f"blocked by WAF or access control (HTTP {status})", status)
        if status >= 400:
            raise PermanentFetch(url, f"HTTP {status}", status)

    async def _fetch_once(
        self, first_url: str, headers: dict[str, str], max_bytes: int | None = None
    ) -> FetchResult:
        url = first_url
        redirects: list[str] = []
        for _ in range(MAX_REDIRECTS + 1):
            response = await self._send(url, headers, max_bytes=max_bytes)
            if response.is_redirect and "location" in response.headers:
                location = response.headers["location"]
                try:
                    target = canonical_url(location, base=url)
                except ValueError:
                    raise BadRedirect(
                        first_url,
                        f"redirect to an invalid URL ({location!r})",
                        response.status_code,
                    ) from None
                if target not in self.scope:
                    raise OutOfScope(
                        first_url, f"redirect leaves the scope ({target})", response.status_code
                    )
                redirects.append(target)
                url = target
                continue
            if response.status_code == 304:
                self.stats.not_modified += 1
                return FetchResult(url, first_url, 304, _kept(response), b"", redirects)
            self._check(url, response)
            return FetchResult(
                url, first_url, response.status_code, _kept(response), response.content, redirects
            )
        raise PermanentFetch(first_url, f"more than {MAX_REDIRECTS} redirects")

    async def _retrying(self, call: Callable[[], Awaitable[T]]) -> T:
        """Run ``call`` until it succeeds, retrying RetryableFetch only."""
        attempt = 0
        try:
            async for try_ in AsyncRetrying(
                stop=stop_after_attempt(self.settings.retries + 1),
                wait=wait_exponential(multiplier=self.settings.retry_wait, max=120),
                retry=retry_if_exception_type(RetryableFetch),
                reraise=True,
            ):
                with try_:
                    attempt += 1
                    if attempt > 1:
                        self.stats.retries += 1
                    outcome = await call()
        except FetchError as exc:
            exc.attempts = attempt
            raise
        return outcome

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        max_bytes: int | None = None,
    ) -> FetchResult:
        """GET ``url`` (canonical, in scope) with retries. Raises a FetchError subclass.
        ``max_bytes`` replaces the settings' size cap for this request (attachment files)."""
        if url not in self.scope:
            raise OutOfScope(url, "outside the crawl scope")
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        attempts = 0

        async def once() -> FetchResult:
            nonlocal attempts
            attempts += 1
            if attempts > 1:
                logger.info("retry %d for %s", attempts - 1, url)
            return await self._fetch_once(url, headers, max_bytes)

        result = await self._retrying(once)
        result.attempts = attempts
        return result


def _kept(response: httpx.Response) -> dict[str, str]:
    return {k: response.headers[k] for k in KEPT_HEADERS if k in response.headers}


def download(url: str, settings: FetchSettings) -> tuple[bytes, str | None, str]:
    """One page for ``scraper extract URL``, outside any crawl (no robots.txt, scope or
    politeness: the user asked for this one URL): (bytes, Content-Type, final URL). The size
    cap, the deadline and the address rule hold as in a crawl; redirects are followed."""
    return asyncio.run(_download(url, settings))


async def _download(url: str, settings: FetchSettings) -> tuple[bytes, str | None, str]:
    policy = netguard.AddressPolicy.for_urls([url], allow_private=settings.allow_private)
    transport, hooks = None, {}
    if netguard.proxied():

        async def check(request: httpx.Request) -> None:
            await policy.check_url(str(request.url), settings.timeout)

        hooks = {"request": [check]}
    else:
        transport = netguard.GuardedTransport(policy)
    read = _Read(settings.max_bytes)
    try:
        async with (
            httpx.AsyncClient(
                headers={
                    "User-Agent": settings.user_agent,
                    "Accept-Encoding": inflate.ACCEPT_ENCODING,
                },
                follow_redirects=True,
                timeout=settings.timeout,
                transport=transport,
                event_hooks=hooks,
            ) as client,
            asyncio.timeout(settings.deadline),
            client.stream("GET", url) as response,
        ):
            content = await read.body(response)
    except TimeoutError:
        raise ConfigError(
            f"cannot fetch {url}: deadline of {settings.deadline:g} s exceeded "
            f"({read.size} bytes received)"
        ) from None
    except (inflate.TooBig, inflate.Undecodable) as exc:
        raise ConfigError(f"cannot fetch {url}: {exc}") from None
    except httpx.HTTPError as exc:
        raise ConfigError(f"cannot fetch {url}: {exc}") from exc
    if response.status_code != 200:
        raise ConfigError(f"cannot fetch {url}: HTTP {response.status_code}")
    return content, response.headers.get("content-type"), str(response.url)
