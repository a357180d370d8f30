"""Which addresses scraper connects to. A host *name* whose addresses are not global (private,
loopback, link-local, CGNAT 100.64/10, reserved, multicast, unspecified, IPv6 unique-local,
and those same addresses written as IPv4-mapped, 6to4 or NAT64 IPv6) is refused, unless
private addresses are allowed (``allow_private = true``, ``--allow-private``). An IP literal
the user typed (a start URL or scope of the profile, the URL given to ``probe``, ``extract``
or ``notify``: ``127.0.0.1`` for the replica) is used as given; any other non-global literal
(a redirect to ``http://169.254.169.254/``) is refused like a name.

The check is made where the connection is made, for every connection: :class:`GuardedTransport`
is httpx's own transport with an httpcore network backend that resolves the name itself,
checks each address and connects to a checked address, never resolving again. A DNS answer
therefore cannot change between the check and the connection (rebinding), and redirects,
links to other hosts and robots.txt all pass the same check. TLS still verifies the
certificate for the host name: httpcore sends the name (SNI) from the URL, not the address.

httpx has no public parameter for a network backend, so the transport rebuilds its
connection pool with one (httpx's ``AsyncHTTPTransport`` keeps it in ``_pool`` since 0.18).
Through a proxy (``HTTP(S)_PROXY``/``ALL_PROXY``) the proxy connects, not scraper: then the
names are checked by resolving them before each request (:meth:`AddressPolicy.check_url`),
which a rebinding DNS answer can slip past; pinning is impossible through a proxy.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
import ssl
import typing
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit
from urllib.request import getproxies

import httpcore
import httpx

from scraper.errors import PrivateAddress

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
ALLOW_HINT = "allow it with --allow-private or allow_private = true in the profile"
MAX_ADDRESSES_TRIED = 4  # of one name's checked addresses, in the resolver's order
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def address_kind(ip: IPAddress) -> str | None:
    """What makes ``ip`` non-global ("loopback", "private"…), or None for a global address."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            kind = address_kind(embedded)
            return None if kind is None else f"{kind} (as IPv6)"
    checks = (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("shared (CGNAT)", ip in _CGNAT),
        ("multicast", ip.is_multicast),  # Python counts some multicast as global
        ("unique-local", isinstance(ip, ipaddress.IPv6Address) and ip in _ULA),
        ("site-local", isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local),
        ("private", ip.is_private and not ip.is_reserved),
        ("reserved", ip.is_reserved),
        ("non-global", not ip.is_global),
    )
    return next((kind for kind, hit in checks if hit), None)


_ULA = ipaddress.ip_network("fc00::/7")


def literal(host: str) -> IPAddress | None:
    """``host`` as an IP address when it is one (brackets of an IPv6 URL host removed)."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


@dataclass(frozen=True)
class AddressPolicy:
    """What may be connected to: everything (``allow_private``), or global addresses and the
    IP literals the user typed (``given``, normalised)."""

    allow_private: bool = False
    given: frozenset[IPAddress] = field(default_factory=frozenset)

    @classmethod
    def for_urls(cls, urls: Iterable[str], *, allow_private: bool) -> AddressPolicy:
        given = {ip for url in urls if (ip := literal(urlsplit(url).hostname or "")) is not None}
        return cls(allow_private, frozenset(given))

    def refused(self, host: str, address: str) -> PrivateAddress | None:
        """Why connecting to ``address`` (an answer for ``host``) is refused, or None."""
        if self.allow_private:
            return None
        ip = literal(address)
        if ip is None:
            return None
        kind = address_kind(ip)
        if kind is None:
            return None
        if literal(host) is not None:
            if ip in self.given:
                return None
            return PrivateAddress(
                host, address, f"{address} is a {kind} address not given by the user: refused"
            )
        return PrivateAddress(
            host, address, f"{host} resolves to {address}, a {kind} address: refused ({ALLOW_HINT})"
        )

    def checked(self, host: str, addresses: list[str]) -> list[str]:
        """The addresses of ``host`` that may be connected to, or PrivateAddress for the
        first refused one when none may."""
        allowed = [a for a in addresses if self.refused(host, a) is None]
        if not allowed and addresses:
            problem = self.refused(host, addresses[0])
            assert problem is not None
            raise problem
        return allowed

    async def addresses(self, host: str, port: int, timeout: float | None) -> list[str]:
        """Where a connection to ``host`` may go: the host itself when it is a literal (or
        anything goes), else its checked addresses. DNS failures are httpcore's errors."""
        if self.allow_private or literal(host) is not None:
            self.checked(host, [host.strip("[]")])
            return [host]
        loop = asyncio.get_running_loop()
        try:
            infos = await asyncio.wait_for(
                loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout
            )
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from None
        except (OSError, UnicodeError) as exc:  # UnicodeError: not a valid IDNA name (a..b)
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        return self.checked(host, _unique(str(info[4][0]) for info in infos))

    async def check_url(self, url: str, timeout: float | None) -> None:
        """PrivateAddress when ``url``'s host is refused (the check made before a request
        that goes through a proxy)."""
        parts = urlsplit(url)
        if parts.hostname:
            default = 443 if parts.scheme == "https" else 80
            # A name this machine cannot resolve may still be the proxy's to reach.
            with contextlib.suppress(httpcore.NetworkError, httpcore.TimeoutException):
                await self.addresses(parts.hostname, parts.port or default, timeout)


def _unique(addresses: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(addresses))


def check_start_hosts(urls: Iterable[str], *, allow_private: bool) -> None:
    """PrivateAddress (exit 2) when a start URL's host name resolves only to refused
    addresses: a run that would crawl nothing is refused before it writes anything. A name
    that does not resolve is left to the run, which records it as a failure."""
    urls = list(urls)
    policy = AddressPolicy.for_urls(urls, allow_private=allow_private)
    for url in urls:
        host = urlsplit(url).hostname or ""
        if allow_private or not host or literal(host) is not None:
            continue  # literals in the user's own URLs are used as given
        try:
            infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):  # left to the run, which records the URL's failure
            continue
        policy.checked(host, _unique(str(info[4][0]) for info in infos))


def proxied() -> bool:
    """Whether the environment sends requests through a proxy (as httpx would read it)."""
    return any(k in ("http", "https", "all") for k in getproxies())


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's AnyIO backend, connecting only to the addresses the policy allows."""

    def __init__(self, policy: AddressPolicy) -> None:
        self.policy = policy
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self.policy.addresses(host, port, timeout)
        error: Exception | None = None
        for address in addresses[:MAX_ADDRESSES_TRIED]:
            try:
                return await self._inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        raise error or httpcore.ConnectError(f"no address for {host}")

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not used by scraper")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport (request conversion, error mapping, streaming) over a connection
    pool whose connections go through :class:`GuardedBackend`."""

    def __init__(self, policy: AddressPolicy, *, verify: ssl.SSLContext | bool = True) -> None:
        # One TLS context for both pools: loading the CA bundle costs ~1 MB and ~35 ms.
        context = httpx.create_ssl_context(verify=verify)
        super().__init__(verify=context)
        limits = httpx.Limits()
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(policy),
        )


@contextlib.contextmanager
def guarded_resolution(policy: AddressPolicy) -> Iterator[list[PrivateAddress]]:
    """While the block runs, ``socket.getaddrinfo`` answers only addresses ``policy`` allows,
    and the refusals are collected in the list it yields. For libraries that resolve and
    connect through the socket module themselves (Apprise's requests, smtplib): they
    connect to what getaddrinfo answered, so the check holds at connect time. A refused
    name looks to them like one that does not resolve: their send fails."""
    if policy.allow_private:
        yield []
        return
    real = socket.getaddrinfo
    refusals: list[PrivateAddress] = []

    def checked(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        infos = real(host, port, *args, **kwargs)
        name = host.decode() if isinstance(host, bytes) else host
        if not name:
            return infos
        try:
            allowed = set(policy.checked(name, _unique(str(i[4][0]) for i in infos)))
        except PrivateAddress as exc:
            refusals.append(exc)
            raise socket.gaierror(socket.EAI_NONAME, str(exc)) from None
        return [i for i in infos if str(i[4][0]) in allowed]

    socket.getaddrinfo = checked
    try:
        yield refusals
    finally:
        socket.getaddrinfo = real
