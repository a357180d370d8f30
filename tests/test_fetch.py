import asyncio
import time

import pytest

from scraper.config import FetchSettings
from scraper.errors import Blocked, Gone, OutOfScope, RetryableFetch, TooLarge
from scraper.fetch import Fetcher
from scraper.urls import Scope

HTML = {"Content-Type": "text/html; charset=utf-8"}


def settings(**kw):
    base = dict(
        delay=0.0, concurrency=2, retries=2, retry_wait=0.0, timeout=5.0, waf_markers=["网防G01"]
    )
    base.update(kw)
    return FetchSettings(**base)


def fetch(server, path, scope="/xxgk/", **kw):
    async def go():
        async with Fetcher(settings(**kw.pop("s", {})), Scope([server.base_url + scope])) as f:
            return await f.fetch(server.base_url + path, **kw), f.stats

    return asyncio.run(go())


def test_robots_txt_is_obeyed_and_disallowed_url_never_requested(route_server):
    route_server.routes["/robots.txt"] = (200, {}, b"User-agent: *\nDisallow: /xxgk/private/\n")
    route_server.routes["/xxgk/private/a.html"] = (200, HTML, b"secret")
    with pytest.raises(OutOfScope, match="robots"):
        fetch(route_server, "/xxgk/private/a.html")
    assert "/xxgk/private/a.html" not in route_server.paths()


def test_retryable_status_is_retried_then_succeeds(route_server):
    answers = iter([(503, {}, b"busy"), (200, HTML, b"<p>ok</p>")])
    route_server.routes["/xxgk/a.html"] = lambda h: next(answers)
    result, stats = fetch(route_server, "/xxgk/a.html")
    assert result.status == 200 and result.content == b"<p>ok</p>"
    assert result.attempts == 2 and stats.retries == 1


def test_retries_give_up_after_the_configured_count(route_server):
    route_server.routes["/xxgk/a.html"] = (500, {}, b"err")
    with pytest.raises(RetryableFetch) as info:
        fetch(route_server, "/xxgk/a.html", s={"retries": 2})
    assert info.value.attempts == 3
    assert route_server.paths().count("/xxgk/a.html") == 3


def test_404_is_gone_and_not_retried(route_server):
    with pytest.raises(Gone):
        fetch(route_server, "/xxgk/missing.html")
    assert route_server.paths().count("/xxgk/missing.html") == 1


def test_waf_page_is_blocked_not_content(route_server):
    route_server.routes["/xxgk/a.html"] = (405, HTML, "<h1>网防G01 拦截</h1>".encode())
    route_server.routes["/xxgk/b.html"] = (200, HTML, "<h1>网防G01 拦截</h1>".encode())
    gbk = {"Content-Type": "text/html; charset=gb2312"}
    route_server.routes["/xxgk/c.html"] = (200, gbk, "<h1>网防G01 拦截</h1>".encode("gb18030"))
    with pytest.raises(Blocked):
        fetch(route_server, "/xxgk/a.html")
    with pytest.raises(Blocked):
        fetch(route_server, "/xxgk/b.html")
    with pytest.raises(Blocked):  # a GB page names it in GB18030 bytes
        fetch(route_server, "/xxgk/c.html")
    assert route_server.paths().count("/xxgk/a.html") == 1


def test_redirect_within_scope_is_followed_and_one_leaving_it_is_not(route_server):
    route_server.routes["/xxgk/old.html"] = (301, {"Location": "/xxgk/new.html"}, b"")
    route_server.routes["/xxgk/new.html"] = (200, HTML, b"<p>new</p>")
    route_server.routes["/xxgk/away.html"] = (302, {"Location": "/ggqy/x.html"}, b"")
    result, _ = fetch(route_server, "/xxgk/old.html")
    assert result.url == route_server.base_url + "/xxgk/new.html"
    assert result.first_url == route_server.base_url + "/xxgk/old.html"
    with pytest.raises(OutOfScope, match="leaves the scope"):
        fetch(route_server, "/xxgk/away.html")
    assert "/ggqy/x.html" not in route_server.paths()


def test_response_size_cap(route_server):
    route_server.routes["/xxgk/big.html"] = (200, HTML, b"x" * 50_000)
    with pytest.raises(TooLarge):
        fetch(route_server, "/xxgk/big.html", s={"max_bytes": 10_000})


def test_conditional_request_sends_validators_and_returns_304(route_server):
    def answer(handler):
        if handler.headers.get("If-None-Match") == '"v1"':
            return (304, {}, b"")
        return (200, {**HTML, "ETag": '"v1"'}, b"<p>x</p>")

    route_server.routes["/xxgk/a.html"] = answer
    first, _ = fetch(route_server, "/xxgk/a.html")
    assert first.status == 200 and first.headers["etag"] == '"v1"'
    second, stats = fetch(route_server, "/xxgk/a.html", etag='"v1"')
    assert second.status == 304 and second.content == b"" and stats.not_modified == 1


def test_user_agent_is_sent(route_server):
    route_server.routes["/xxgk/a.html"] = (200, HTML, b"x")
    fetch(route_server, "/xxgk/a.html", s={"user_agent": "scraper/test (+https://example.org)"})
    headers = dict(route_server.requests[-1][1])
    assert headers["User-Agent"] == "scraper/test (+https://example.org)"


def test_delay_spaces_requests_to_one_host_and_crawl_delay_raises_it(route_server):
    for k in range(3):
        route_server.routes[f"/xxgk/{k}.html"] = (200, HTML, b"x")

    async def go(delay, robots):
        route_server.routes["/robots.txt"] = (200, {}, robots)
        async with Fetcher(
            settings(delay=delay, concurrency=3), Scope([route_server.base_url + "/xxgk/"])
        ) as f:
            starts = []

            async def one(k):
                await f.fetch(f"{route_server.base_url}/xxgk/{k}.html")
                starts.append(time.monotonic())

            t0 = time.monotonic()
            await asyncio.gather(*(one(k) for k in range(3)))
            return sorted(starts), t0

    starts, t0 = asyncio.run(go(0.25, b"User-agent: *\nDisallow:\n"))
    # robots.txt + 3 pages, each start at least 0.25 s after the previous one
    assert starts[-1] - t0 >= 0.25 * 3 - 0.02
    starts, t0 = asyncio.run(go(0.0, b"User-agent: *\nCrawl-delay: 0.2\n"))
    assert starts[-1] - t0 >= 0.2 * 2 - 0.02
