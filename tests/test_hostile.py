"""Hosts that cannot hurt the crawler (issue 14, part 4): real servers on 127.0.0.1 that reset
every connection, drip a byte at a time or answer a gzip bomb; host names that resolve to
private addresses (``localhost``); a byte budget per run. Each hostile host ends as a
recorded failure of its URL, quickly, in one line, and within the size cap's memory."""

from __future__ import annotations

import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from scraper import inflate, netguard
from scraper.errors import PrivateAddress

from .conftest import ROOT, crawl_args, run_cli
from .test_crawl_e2e import crawl, last_run
from .test_incremental import assert_same_archive

HTML = b"Content-Type: text/html; charset=utf-8\r\n"
MB = 1 << 20


# -- hostile servers -------------------------------------------------------------------------


class RawServer:
    """A TCP server on 127.0.0.1: each connection's request path goes to ``answer(conn,
    path)`` in a thread of its own, which writes whatever bytes it likes."""

    def __init__(self, answer: Callable[[socket.socket, str], None]) -> None:
        self.answer = answer
        self.paths: list[str] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)
        self.base_url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.closing = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closing:
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(30)
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                request += chunk
            path = request.split(b" ", 2)[1].decode()
            self.paths.append(path)
            self.answer(conn, path)
        except OSError:
            pass  # the crawler hung up: that is the point
        finally:
            conn.close()

    def close(self) -> None:
        self.closing = True
        self.listener.close()


def not_found(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")


def reset(conn: socket.socket, path: str) -> None:
    """Every connection, robots.txt's too, closed with a TCP reset."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


DRIP_SECONDS = 0.5


def drip(conn: socket.socket, path: str) -> None:
    """robots.txt at once; any other page a byte every half second, never idle for long."""
    if path == "/robots.txt":
        return not_found(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\n" + HTML + b"Content-Length: 100000\r\n\r\n")
    for _ in range(200):
        conn.sendall(b"<")
        time.sleep(DRIP_SECONDS)


def gzip_bomb(size: int) -> bytes:
    """A valid gzip of ``size`` zero bytes (a whole number of MB), built in well under a
    second: after a full flush deflate starts afresh, so every MB of zeros compresses to the
    same bytes, written once and repeated."""
    squeeze = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    zeros = b"\0" * MB
    first = squeeze.compress(zeros) + squeeze.flush(zlib.Z_FULL_FLUSH)
    again = squeeze.compress(zeros) + squeeze.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(size // MB):
        crc = zlib.crc32(zeros, crc)
    trailer = struct.pack("<II", crc, size & 0xFFFFFFFF)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
    return header + first + again * (size // MB - 1) + squeeze.flush() + trailer


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return gzip_bomb(1024 * MB)  # 1 GB of zeros


def bomb_server(body: bytes) -> RawServer:
    def answer(conn: socket.socket, path: str) -> None:
        if path == "/robots.txt":
            return not_found(conn)
        head = b"Content-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(body)
        conn.sendall(b"HTTP/1.1 200 OK\r\n" + HTML + head)
        conn.sendall(body)

    return RawServer(answer)


@pytest.fixture
def hostile() -> Iterator[Callable[[Callable[[socket.socket, str], None]], RawServer]]:
    servers: list[RawServer] = []

    def start(answer: Callable[[socket.socket, str], None]) -> RawServer:
        servers.append(RawServer(answer))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def failures(db: Path) -> list[dict[str, Any]]:
    return list(sqlite_utils.Database(db).query("SELECT * FROM failures ORDER BY id"))


def measured(*args: str, timeout: float = 60) -> tuple[subprocess.CompletedProcess[str], int]:
    """`scraper ARGS…` as run_cli runs it, and its peak RSS in bytes (os.wait4 gives that
    child's own, its reading worker included)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPER_")}
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "scraper", *args], stdout=out, stderr=err, env=env, cwd=ROOT
        )
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        done = subprocess.CompletedProcess(args, proc.returncode, out.read(), err.read())
    return done, usage.ru_maxrss * 1024


def hostile_crawl(server: RawServer, db: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    args = ["crawl", "--start-url", f"{server.base_url}/xxgk/", "--db", str(db), "--delay", "0"]
    return run_cli(*args, "--retry-wait", "0", *extra, timeout=60)


# -- resets, drips and bombs ---------------------------------------------------------------


def test_a_server_that_resets_every_connection_is_a_recorded_failure(hostile, archive):
    server = hostile(reset)
    started = time.monotonic()
    result = hostile_crawl(server, archive, "--retries", "1")
    assert time.monotonic() - started < 20
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    # robots.txt is the first request: unreachable, so nothing is crawled, and it is said once.
    (failure,) = failures(archive)
    assert failure["url"] == f"{server.base_url}/robots.txt"
    assert failure["category"] == "error"
    assert "connection error" in failure["reason"] and "nothing crawled there" in failure["reason"]
    assert server.paths == ["/robots.txt", "/robots.txt"]  # asked, retried once, no more
    assert last_run(archive)["status"] == "failed-urls"


def test_a_slow_drip_ends_at_the_deadline_and_is_not_retried(hostile, archive):
    server = hostile(drip)
    started = time.monotonic()
    # The idle timeout never fires (a byte comes every half second); the deadline does.
    result = hostile_crawl(server, archive, "--timeout", "5", "--deadline", "1.5", "--retries", "3")
    elapsed = time.monotonic() - started
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    (failure,) = failures(archive)
    assert failure["url"] == f"{server.base_url}/xxgk/"
    assert failure["category"] == "error"
    assert failure["reason"].startswith("deadline of 1.5 s exceeded (")
    assert failure["attempts"] == 1
    assert server.paths == ["/robots.txt", "/xxgk/"]  # not asked again
    assert elapsed < 1.5 + 8  # one deadline, plus the start of a Python process or two
    lines = [line for line in result.stderr.splitlines() if "deadline" in line]
    assert len(lines) == 1 and f"{server.base_url}/xxgk/" in lines[0]


def test_a_decompression_bomb_is_cut_at_the_cap_counted_decompressed(bomb, replica, tmp_path):
    assert len(bomb) < 2 * MB  # a gigabyte of zeros, served as about a megabyte
    site, healthy = replica
    # The same crawler on a healthy site, for how much memory a run takes anyway.
    normal, normal_rss = measured(*crawl_args(healthy, tmp_path / "normal.db"), "--max-pages", "5")
    assert normal.returncode == 0, normal.stderr
    server = bomb_server(bomb)
    try:
        db = tmp_path / "bomb.db"
        cap = 2_000_000
        args = ["crawl", "--start-url", f"{server.base_url}/xxgk/", "--db", str(db)]
        result, bomb_rss = measured(*args, "--delay", "0", "--max-bytes", str(cap))
    finally:
        server.close()
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    (failure,) = failures(db)
    assert failure["url"] == f"{server.base_url}/xxgk/"
    assert failure["reason"] == f"response larger than {cap} bytes decompressed"
    assert failure["attempts"] == 1  # too large is not worth asking again
    # Decoded no further than the cap: the run's byte count, and the process's memory.
    assert cap <= last_run(db)["bytes"] <= cap + 1
    print("peak RSS", bomb_rss // MB, "MB against", normal_rss // MB, "MB")
    # Decoding as httpx does (a 64 KB chunk inflated whole) peaks at about 175 MB here.
    assert bomb_rss < normal_rss + 50 * MB, (bomb_rss, normal_rss)


def test_extract_of_a_bomb_is_cut_at_the_cap(bomb, tmp_path):
    server = bomb_server(bomb)
    try:
        result, rss = measured("extract", f"{server.base_url}/page.html")
    finally:
        server.close()
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"scraper: cannot fetch {server.base_url}/page.html: "
        "response larger than 20000000 bytes decompressed"
    )
    assert rss < 300 * MB  # 1 GB decoded would be over a gigabyte


def test_decoder_caps_each_stage_and_refuses_what_it_cannot_read():
    text = "政府信息公开".encode() * 1000
    squeeze = zlib.compressobj(wbits=31)
    gz = squeeze.compress(text) + squeeze.flush()
    decoder = inflate.CappedDecoder("gzip", len(text))
    # Fed a byte at a time, exactly the cap is still fine.
    assert b"".join(decoder.feed(gz[i : i + 1]) for i in range(len(gz))) + decoder.finish() == text
    with pytest.raises(inflate.TooBig, match=f"larger than {len(text) - 1} bytes decompressed"):
        inflate.CappedDecoder("gzip", len(text) - 1).feed(gz)
    # gzip of gzip: a bomb of a bomb is held at every stage.
    twice = zlib.compressobj(wbits=31)
    nested = twice.compress(gzip_bomb(64 * MB)) + twice.flush()
    stacked = inflate.CappedDecoder("gzip, gzip", MB)
    with pytest.raises(inflate.TooBig):
        stacked.feed(nested)
    assert stacked.size <= MB + 1
    # deflate, with its zlib header or raw, as servers send it.
    raw = zlib.compressobj(wbits=-15)
    for body in (zlib.compress(text), raw.compress(text) + raw.flush()):
        deflate = inflate.CappedDecoder("deflate", 10 * MB)
        assert deflate.feed(body) + deflate.finish() == text
    with pytest.raises(inflate.Undecodable, match="unsupported Content-Encoding 'zstd'"):
        inflate.CappedDecoder("zstd", MB)
    with pytest.raises(inflate.Undecodable):
        inflate.CappedDecoder("gzip", MB).feed(b"not gzip at all")
    assert inflate.ACCEPT_ENCODING == "gzip, deflate"


def gzipped(data: bytes) -> bytes:
    squeeze = zlib.compressobj(wbits=31)
    return squeeze.compress(data) + squeeze.flush()


def fed(decoder: inflate.CappedDecoder, chunks: Iterator[bytes]) -> int:
    """Feeds ``chunks`` until the decoder refuses one (it must): how many it was given."""
    given = 0
    for chunk in chunks:
        given += 1
        decoder.feed(chunk)
    decoder.finish()
    raise AssertionError(f"all {given} chunks were taken")


def after(head: bytes, filler: bytes, total: int) -> Iterator[bytes]:
    """``head``, then about ``total`` bytes of ``filler`` repeated, in chunks of about 64 KB
    (whole fillers each), made as asked."""
    yield head
    chunk = filler * (64 * 1024 // len(filler))
    for _ in range(total // len(chunk)):
        yield chunk


def test_bytes_after_the_end_of_the_stream_are_refused_not_kept():
    page = "<html>政府信息公开</html>".encode()
    # Under a small cap, 50 MB of junk after a valid gzip: refused at once, by the raw count.
    started = time.monotonic()
    decoder = inflate.CappedDecoder("gzip", 1000)
    with pytest.raises(inflate.TooBig, match=r"larger than \d+ bytes compressed"):
        fed(decoder, after(gzipped(page), b"junk", 50 * MB))
    assert decoder.raw < 100 * 1024 and decoder.size == len(page)
    assert time.monotonic() - started < 1
    # Under a large cap, what follows is no gzip member, nor anything after deflate's end.
    big = 20 * MB
    for encoding, body in (("gzip", gzipped(page)), ("deflate", zlib.compress(page))):
        for junk in (b"junk", b"\x1f\x8b not a member"):
            decoder = inflate.CappedDecoder(encoding, big)
            with pytest.raises(
                inflate.Undecodable, match="data after the end of the|while decompressing"
            ):
                fed(decoder, after(body, junk, 50 * MB))
            assert decoder.raw <= len(body) + 64 * 1024  # the first chunk of junk, no more
    # Nothing that decodes to nothing is read without end either: zero padding, empty members.
    cap = 4 * MB
    for filler in (b"\0", gzipped(b"")):
        decoder = inflate.CappedDecoder("gzip", cap)
        with pytest.raises(inflate.TooBig, match="compressed"):
            fed(decoder, after(gzipped(page), filler, 50 * MB))
        assert cap < decoder.raw <= cap + cap // 100 + 64 * 1024


def test_every_gzip_member_is_decoded_under_one_cap_and_a_cut_body_is_refused():
    first, second = "第一部分".encode() * 300, "第二部分".encode() * 200
    body = gzipped(first) + gzipped(second) + b"\0" * 512  # zero padding, as gzip ignores it
    whole = inflate.CappedDecoder("gzip", MB)
    assert whole.feed(body) + whole.finish() == first + second
    # A byte at a time, members meeting inside one feed or not, exactly the cap is fine.
    bytewise = inflate.CappedDecoder("gzip", len(first) + len(second))
    decoded = b"".join(bytewise.feed(body[i : i + 1]) for i in range(len(body)))
    assert decoded + bytewise.finish() == first + second
    # The cap is on the whole body, not on each member.
    with pytest.raises(inflate.TooBig, match=f"larger than {len(first) + 100} bytes decompressed"):
        inflate.CappedDecoder("gzip", len(first) + 100).feed(body)
    # gzip of gzip, each of several members.
    stacked = inflate.CappedDecoder("gzip, gzip", MB)
    assert stacked.feed(gzipped(gzipped(first) + gzipped(second))) + stacked.finish() == (
        first + second
    )
    # A body cut short is refused, in gzip and deflate, and in a second member too.
    raw = zlib.compressobj(wbits=-15)
    cut = [
        ("gzip", gzipped(first)[:-4]),  # no length in the trailer
        ("gzip", gzipped(first)[:40]),
        ("gzip", gzipped(first) + gzipped(second)[:20]),
        ("deflate", zlib.compress(first)[:-1]),
        ("deflate", (raw.compress(first) + raw.flush())[:-10]),
    ]
    if inflate.BROTLI is not None:
        cut.append(("br", inflate.BROTLI.compress(first)[:-3]))
    for encoding, short in cut:
        decoder = inflate.CappedDecoder(encoding, MB)
        decoder.feed(short)
        with pytest.raises(inflate.Undecodable, match=f"truncated {encoding} body"):
            decoder.finish()
    # No body at all (a 304, say, with its Content-Encoding) is no truncated one.
    empty = inflate.CappedDecoder("gzip", MB)
    assert empty.feed(b"") + empty.finish() == b""


def test_junk_after_a_gzip_body_is_a_one_line_failure_of_that_url(hostile, archive):
    page = gzipped(b"<html><body>" + "政府信息公开".encode() * 100 + b"</body></html>")

    def answer(conn: socket.socket, path: str) -> None:
        if path == "/robots.txt":
            return not_found(conn)
        head = b"Content-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % (len(page) + 50 * MB)
        conn.sendall(b"HTTP/1.1 200 OK\r\n" + HTML + head + page)
        for _ in range(50 * 16):
            conn.sendall(b"junk" * 16 * 1024)

    server = hostile(answer)
    result = hostile_crawl(server, archive)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    (failure,) = failures(archive)
    assert failure["url"] == f"{server.base_url}/xxgk/"
    assert failure["reason"].startswith("bad request or response (")
    assert "\n" not in failure["reason"]
    assert failure["attempts"] == 1
    assert last_run(archive)["bytes"] < 100 * 1024  # stopped at the junk, not read to its end


# -- private addresses ---------------------------------------------------------------------


def test_address_kinds_and_which_addresses_a_name_may_use():
    kinds = {
        "127.0.0.1": "loopback",
        "10.1.2.3": "private",
        "192.168.0.9": "private",
        "172.16.5.5": "private",
        "169.254.169.254": "link-local",
        "100.64.0.1": "shared (CGNAT)",
        "0.0.0.0": "unspecified",
        "224.0.0.1": "multicast",
        "240.0.0.1": "reserved",
        "::1": "loopback",
        "fe80::1": "link-local",
        "fd00::5": "unique-local",
        "ff02::1": "multicast",
        "::ffff:10.0.0.1": "private (as IPv6)",
        "2002:a00:1::1": "private (as IPv6)",  # 6to4 of 10.0.0.1
        "64:ff9b::7f00:1": "loopback (as IPv6)",  # NAT64 of 127.0.0.1
        "8.8.8.8": None,
        "2400:3200::1": None,
        "::ffff:8.8.8.8": None,
    }
    import ipaddress

    assert {a: netguard.address_kind(ipaddress.ip_address(a)) for a in kinds} == kinds
    policy = netguard.AddressPolicy.for_urls(["http://127.0.0.1:8080/xxgk/"], allow_private=False)
    # A name with a public and a private answer connects to the public one only.
    assert policy.checked("mixed.example", ["10.0.0.7", "93.184.216.34"]) == ["93.184.216.34"]
    with pytest.raises(PrivateAddress) as refused:
        policy.checked("intranet.example", ["10.0.0.7"])
    assert str(refused.value) == (
        "intranet.example resolves to 10.0.0.7, a private address: refused "
        "(allow it with --allow-private or allow_private = true in the profile)"
    )
    # The user's literal is used as given; another loopback literal is not.
    assert policy.checked("127.0.0.1", ["127.0.0.1"]) == ["127.0.0.1"]
    with pytest.raises(PrivateAddress, match="127.0.0.2 is a loopback address not given"):
        policy.checked("127.0.0.2", ["127.0.0.2"])
    everything = netguard.AddressPolicy(allow_private=True)
    assert everything.checked("intranet.example", ["10.0.0.7"]) == ["10.0.0.7"]


def localhost_profile(tmp_path: Path, port: int, extra: str = "") -> Path:
    profile = tmp_path / "local.toml"
    profile.write_text(
        f'name = "local"\nstart_urls = ["http://localhost:{port}/xxgk/"]\n{extra}',
        encoding="utf-8",
    )
    return profile


def refused_line(stderr: str, host: str = "localhost") -> str:
    (line,) = stderr.strip().splitlines()
    assert line.startswith(f"scraper: {host} resolves to ")
    assert line.endswith(
        "a loopback address: refused "
        "(allow it with --allow-private or allow_private = true in the profile)"
    )
    assert any(a in line for a in ("127.0.0.1,", "::1,"))
    return line


def test_a_localhost_start_url_is_refused_without_allow_private_and_crawled_with_it(
    replica, tmp_path
):
    site, server = replica
    port = server.base_url.rsplit(":", 1)[1]
    profile = localhost_profile(tmp_path, int(port))
    db = tmp_path / "local.db"
    args = ["crawl", "--profile", str(profile), "--db", str(db), "--delay", "0"]
    refused = run_cli(*args)
    assert refused.returncode == 2
    refused_line(refused.stderr)
    assert not db.exists()  # refused before anything was written, like a bad profile
    allowed = run_cli(*args, "--allow-private", "--max-pages", "4")
    assert allowed.returncode == 0, allowed.stderr
    urls = [r["url"] for r in sqlite_utils.Database(db).query("SELECT url FROM pages")]
    assert urls and all(u.startswith(f"http://localhost:{port}/xxgk/") for u in urls)
    # The profile may say so itself.
    keyed = localhost_profile(tmp_path, int(port), "allow_private = true\n")
    by_key = run_cli("crawl", "--profile", str(keyed), "--db", str(tmp_path / "k.db"),
                     "--delay", "0", "--max-pages", "2")  # fmt: skip
    assert by_key.returncode == 0, by_key.stderr
    # A typo in it is a profile error like any other.
    typo = localhost_profile(tmp_path, int(port), 'allow_private = "yes"\n')
    bad = run_cli("crawl", "--profile", str(typo), "--db", str(tmp_path / "t.db"))
    assert bad.returncode == 2
    assert bad.stderr.strip() == (
        f'scraper: profile {typo}: allow_private must be true or false, got "yes"'
    )


def test_links_and_redirects_to_a_private_name_are_failures_of_those_urls(route_server, tmp_path):
    base = route_server.base_url
    port = base.rsplit(":", 1)[1]
    local = f"http://localhost:{port}/xxgk/"
    page = b"<html><body><h1>%s</h1><div class='TRS_UEDITOR'><p>%s</p></div></body></html>"
    route_server.routes["/robots.txt"] = (404, {}, b"")
    route_server.routes["/xxgk/"] = (
        200,
        {"Content-Type": "text/html"},
        f"<html><body><a href='{local}t20240101_1.html'>a</a>"
        f"<a href='/xxgk/t20240101_2.html'>b</a></body></html>".encode(),
    )
    route_server.routes["/xxgk/t20240101_2.html"] = (301, {"Location": f"{local}t20240101_3.html"}, b"")  # fmt: skip
    for n in (1, 3):
        route_server.routes[f"/xxgk/t20240101_{n}.html"] = (
            200, {"Content-Type": "text/html"}, page % (b"doc", "正文内容".encode() * 20))  # fmt: skip
    db = tmp_path / "links.db"
    args = ["crawl", "--start-url", f"{base}/xxgk/", "--scope", f"{base}/xxgk/",
            "--scope", local, "--db", str(db), "--delay", "0", "--retry-wait", "0"]  # fmt: skip
    result = run_cli(*args)
    assert result.returncode == 1, result.stderr
    found = {f["url"]: f for f in failures(db)}
    assert set(found) == {f"{local}t20240101_1.html", f"{base}/xxgk/t20240101_2.html"}
    for failure in found.values():
        assert failure["category"] == "error"
        assert "localhost resolves to " in failure["reason"]
        assert failure["attempts"] == 1
    assert found[f"{base}/xxgk/t20240101_2.html"]["reason"].endswith(f" at {local}t20240101_3.html")
    assert all(not p.startswith("/xxgk/t20240101_1") for p in route_server.paths())
    # Allowed, the same links are crawled.
    allowed = run_cli(*args, "--allow-private")
    assert allowed.returncode == 0, allowed.stderr
    urls = {r["url"] for r in sqlite_utils.Database(db).query("SELECT url FROM pages")}
    assert {f"{local}t20240101_1.html", f"{local}t20240101_3.html"} <= urls


def test_probe_and_extract_refuse_localhost_without_allow_private(replica):
    site, server = replica
    url = server.base_url.replace("127.0.0.1", "localhost") + "/xxgk/"
    for command in (["probe", url, "--delay", "0"], ["extract", url]):
        refused = run_cli(*command)
        assert refused.returncode == 2, (command, refused.stderr)
        refused_line(refused.stderr)
        assert refused.stdout == ""
        allowed = run_cli(*command, "--allow-private")
        assert allowed.returncode == 0, (command, allowed.stderr)
        assert allowed.stdout
    # As given, the literal is fine.
    assert run_cli("extract", server.base_url + "/xxgk/").returncode == 0


def test_extract_refuses_a_redirect_to_another_private_literal(route_server):
    port = route_server.base_url.rsplit(":", 1)[1]
    route_server.routes["/go"] = (302, {"Location": f"http://127.0.0.2:{port}/inside"}, b"")
    result = run_cli("extract", route_server.base_url + "/go")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "scraper: 127.0.0.2 is a loopback address not given by the user: refused"
    )
    assert "/inside" not in route_server.paths()


def test_through_a_proxy_private_names_are_still_refused(route_server):
    # The proxy would connect, so the name is checked before the request instead.
    dead_proxy = f"http://127.0.0.1:{_free_port()}"
    url = route_server.base_url.replace("127.0.0.1", "localhost") + "/xxgk/"
    result = run_cli("extract", url, env={"HTTP_PROXY": dead_proxy, "http_proxy": dead_proxy})
    assert result.returncode == 2
    refused_line(result.stderr)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Hook:
    """A JSON webhook on 127.0.0.1 keeping what is posted to /hook; /jump redirects to
    ``jump_to``."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.jump_to = ""
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.path == "/jump":
                    self.send_response(307)
                    self.send_header("Location", hook.jump_to)
                else:
                    hook.messages.append(json.loads(body))
                    self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def test_notify_refuses_private_names_before_sending_and_where_it_connects(route_server, tmp_path):
    pytest.importorskip("apprise")
    route_server.routes["/robots.txt"] = (404, {}, b"")
    route_server.routes["/xxgk/"] = (200, {"Content-Type": "text/html"},
                                     b"<html><body><a href='t20240101_1.html'>a</a></body></html>")  # fmt: skip
    route_server.routes["/xxgk/t20240101_1.html"] = (
        200, {"Content-Type": "text/html"},
        "<html><body><h1>通知</h1><div class='TRS_UEDITOR'><p>正文</p></div></body></html>".encode())  # fmt: skip
    db = tmp_path / "n.db"
    assert run_cli(*crawl_args(route_server, db)).returncode == 0
    hook = Hook()
    try:
        local = f"json://localhost:{hook.port}/hook"
        refused = run_cli("notify", local, "--db", str(db))
        assert refused.returncode == 2
        refused_line(refused.stderr)
        assert hook.messages == []
        sent = run_cli("notify", local, "--db", str(db), "--allow-private")
        assert sent.returncode == 0, sent.stderr
        assert len(hook.messages) == 1
        # The literal is the user's; the redirect it answers leads to a private name, refused
        # where the connection is made.
        hook.jump_to = f"http://localhost:{hook.port}/hook"
        jumped = run_cli("notify", f"json://127.0.0.1:{hook.port}/jump", "--db", str(db))
        assert jumped.returncode == 2
        refused_line(jumped.stderr)
        assert len(hook.messages) == 1
    finally:
        hook.close()


# -- the byte budget -----------------------------------------------------------------------


def test_budget_bytes_ends_the_run_partial_and_the_next_run_finishes(replica, tmp_path):
    site, server = replica
    partial = tmp_path / "partial.db"
    result = crawl(server, partial, "--budget-bytes", "20000", full=False)
    assert result.returncode == 0, result.stderr
    run = last_run(partial)
    assert run["status"] == "partial" and run["exit_code"] == 0
    assert 20000 <= run["bytes"] < 20000 + 200_000  # the requests in flight finish
    assert json.loads(run["settings"])["budget_bytes"] == 20000
    pending = sqlite_utils.Database(partial).execute("SELECT count(*) FROM frontier").fetchone()[0]
    assert pending > 0
    resumed = crawl(server, partial, full=False)
    assert resumed.returncode == 0, resumed.stderr
    assert last_run(partial)["mode"] == "resume" and last_run(partial)["status"] == "ok"
    clean = tmp_path / "clean.db"
    assert crawl(server, clean, full=False).returncode == 0
    assert_same_archive(partial, clean)


def test_budget_and_deadline_flags_are_checked_like_any_setting(tmp_path):
    for flag, value, message in (
        ("--budget-bytes", "lots", 'scraper: --budget-bytes: budget_bytes must be a whole number ≥ 0, got "lots"'),
        ("--deadline", "0", 'scraper: --deadline: deadline must be a number of seconds ≥ 0.001, got "0"'),
    ):  # fmt: skip
        result = run_cli("crawl", "--start-url", "http://127.0.0.1:9/xxgk/", "--db",
                         str(tmp_path / "x.db"), flag, value)  # fmt: skip
        assert result.returncode == 2
        assert result.stderr.strip() == message
        assert not (tmp_path / "x.db").exists()
