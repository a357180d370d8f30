"""The replica sites of the other CMS families (scraper.replica.flavours), over real HTTP.

Each walk below follows a family's lists as a browser does (the jpage script's data-proxy
posts, VSB's reverse-numbered pages, gov.cn's home_N links, gkmlpt's JSON API), with plain
regexes and json, not with the crawler's discovery."""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qsl, quote, urljoin, urlsplit

import httpx
import pytest

from scraper.replica import ReplicaServer
from scraper.replica.flavours import FLAVOURS, FlavourSite, flavour

WS = re.compile(r"[\s\u3000\u00a0\u200b\ufeff]+")
TAGS = re.compile(r"<[^>]+>")


def nows(text: str) -> str:
    return WS.sub("", text)


def visible(page: str) -> str:
    """The page's text without scripts, tags or whitespace."""
    page = re.sub(r"<script\b.*?</script>", "", page, flags=re.S | re.I)
    return nows(html.unescape(TAGS.sub("", page)))


def grab(pattern: str, text: str, flags: int = 0) -> str:
    """The first group of ``pattern`` in ``text`` (which must match)."""
    found = re.search(pattern, text, flags)
    assert found, pattern
    return found.group(1)


def local(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


class Browser:
    """A tiny client: absolute URLs resolved against the page, every request recorded."""

    def __init__(self, server: ReplicaServer[Any]) -> None:
        self.base = server.base_url
        self.client = httpx.Client(base_url=self.base, timeout=10)

    def get(self, url: str, **kw: Any) -> httpx.Response:
        return self.client.get(urljoin(self.base + "/", url), **kw)

    def text(self, url: str) -> str:
        r = self.get(url)
        assert r.status_code == 200, (url, r.status_code)
        assert r.headers["content-type"].startswith("text/html"), url
        return r.text


# --------------------------------------------------------------------------- walks


def walk_hanweb(b: Browser, site: FlavourSite) -> set[str]:
    section = b.text(site.start_path)
    columns = sorted(set(re.findall(r'href="(/col/col\d+/index\.html)"', section)))
    found: set[str] = set()
    for col in columns:
        if col == site.start_path:
            continue
        page = b.text(col)
        store = re.search(r'<script type="text/xml">(.*?)</script>', page, re.S)
        assert store, col
        records = re.findall(r"<record><!\[CDATA\[(.*?)\]\]></record>", store.group(1), re.S)
        found |= {grab(r"href='([^']+)'", r) for r in records}
        # The jpage call says how many records exist and how the proxy is asked for them.
        call = re.search(r"\$\(function\(\)\{\$\('#(\d+)'\)\.jpage\(\{(.*?)\}\);\}\);", page)
        assert call, col
        unit, args = call.groups()
        total = int(grab(r"totalRecord:(\d+)", args))
        per = int(grab(r"perPage:(\d+)", args))
        group = int(grab(r"groupSize:(\d+)", args))
        proxy = grab(r"proxyUrl:'([^']+)'", args)
        param = grab(rf"var param_{unit} = \{{(.*?)\}};", page)
        form = {k: v.strip("'") for k, v in re.findall(r"(\w+):('[^']*'|[^,]*)", param)}
        assert len(records) == min(total, per * group), col
        for start in range(per * group + 1, total + 1, per * group):
            end = start + per * group - 1
            r = b.client.post(
                f"{proxy}?startrecord={start}&endrecord={end}&perpage={per}", data=form
            )
            assert r.status_code == 200 and r.headers["content-type"].startswith("text/xml")
            assert r.text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<datastore>')
            assert f"<totalrecord>{total}</totalrecord>" in r.text
            more = re.findall(
                r"<record><!\[CDATA\[.*?href='([^']+)'.*?\]\]></record>", r.text, re.S
            )
            assert 0 < len(more) <= per * group
            found |= set(more)
    return found


def walk_vsb(b: Browser, site: FlavourSite) -> set[str]:
    section = b.text(site.start_path)
    columns = sorted(set(re.findall(r'href="(xxgk/\w+\.htm)" class="more"', section)))
    found: set[str] = set()
    for col in columns:
        url = urljoin(b.base + site.start_path, col)
        seen = []
        while url:
            page = b.text(url)
            seen.append(local(url))
            items = re.findall(r'<li id="line_u7_\d+"><a href="([^"]+)"', page)
            found |= {local(urljoin(url, h)) for h in items}
            nxt = re.search(r'<a href="([^"]+)" class="Next">下页</a>', page)
            url = urljoin(url, nxt.group(1)) if nxt else ""
            count = re.search(r"共(\d+)条&nbsp;&nbsp;(\d+)/(\d+)&nbsp;", page)
            assert count and int(count.group(2)) == len(seen), url
        # Reverse numbering: after the column's own page, N.htm counts down to 1.htm.
        pages = len(seen)
        stem = seen[0].removesuffix(".htm")
        assert seen[1:] == [f"{stem}/{pages - k + 1}.htm" for k in range(2, pages + 1)]
    return found


def walk_ucap(b: Browser, site: FlavourSite) -> set[str]:
    section = b.text(site.start_path)
    columns = re.findall(r'<li><a href="(/zhengce/[^"]+/home\.htm)"', section)
    found: set[str] = set()
    for col in columns:
        url = b.base + col
        for _ in range(50):
            page = b.text(url)
            box = re.search(r'<div class="list list_1 list_2"><ul>(.*?)</ul></div>', page, re.S)
            assert box, url
            hrefs = re.findall(r'<h4><a href="([^"]+)"', box.group(1))
            found |= {local(urljoin(url, h)) for h in hrefs}
            nxt = re.search(r'<a class="next" href="([^"]+)">下一页</a>', page)
            if not nxt:
                break
            url = urljoin(url, nxt.group(1))
    return found


def walk_gkmlpt(b: Browser, site: FlavourSite) -> set[str]:
    app = b.text(site.start_path)
    sid = grab(r"SID:\s*'(\d+)'", app)
    tree = json.loads(grab(r"TREE:\s*(\[.*?\]),\s*SERVICE_AREA_ID", app, re.S))

    def leaves(nodes: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for n in nodes:
            if n["jump_url"]:
                continue
            if n["children"]:
                yield from leaves(n["children"])
            else:
                yield n

    found: set[str] = set()
    for node in leaves(tree):
        first = b.get(f"/gkmlpt/api/all/{node['id']}?page=1&sid={sid}")
        assert first.status_code == 200
        assert first.headers["content-type"].startswith("application/json")
        data = first.json()
        assert data["classify"]["post_count"] == node["post_count"] == data["total"]
        per = len(data["articles"])
        articles = list(data["articles"])
        for page in range(2, -(-data["total"] // per) + 1):
            articles += b.get(f"/gkmlpt/api/all/{node['id']}?page={page}&sid={sid}").json()[
                "articles"
            ]
        assert len(articles) == data["total"]
        found |= {local(a["url"]) for a in articles}
    return found


WALKS: dict[str, Callable[[Browser, FlavourSite], set[str]]] = {
    "hanweb": walk_hanweb,
    "vsb": walk_vsb,
    "ucap": walk_ucap,
    "gkmlpt": walk_gkmlpt,
}


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(params=list(FLAVOURS))
def served(request: pytest.FixtureRequest) -> Iterator[tuple[str, FlavourSite, Browser]]:
    site = flavour(request.param)
    with ReplicaServer(site) as server:
        b = Browser(server)
        yield request.param, site, b
        b.client.close()
        assert not server.errors


def snapshot(b: Browser, site: FlavourSite) -> dict[str, bytes]:
    out = {}
    for path in dict.fromkeys(site.html_paths()):
        r = b.get(path)
        assert r.status_code == 200, path
        out[path] = r.content
    return out


# --------------------------------------------------------------------------- tests


def test_every_document_is_reachable_through_the_familys_lists(served):
    name, site, b = served
    expected = site.expected_documents()
    assert 12 <= len(expected) <= 24
    assert 2 <= len(site.columns()) <= 3
    assert WALKS[name](b, site) == set(expected)
    for column in site.columns():
        assert set(site.documents_in(column)) <= set(expected)
    robots = b.get("/robots.txt")
    assert robots.status_code == 200 and robots.text.startswith("User-agent: *\nDisallow: /")
    assert b.get("/no/such/page.html").status_code == 404
    # Every list page named as ground truth answers, and one needs the pager or API.
    assert all(b.get(p).status_code == 200 for p in site.list_pages())
    assert len(site.list_pages()) > len(site.columns()) + 1


def test_documents_show_their_fields_and_files_answer(served):
    name, site, b = served
    for path, want in site.expected_documents().items():
        page = b.text(path)
        text = visible(page)
        assert nows(want["title"]) in text, path
        for field in ("index_no", "doc_no", "source"):
            if want[field]:
                assert nows(want[field]) in text, (path, field)
        shown = {want["date"], want["date"].replace("-", ""), want["date"][:4] + "年"}
        assert any(s in text for s in shown), path
        assert want["body_first"] in text and want["body_last"] in text, path
        assert want["body_first"] == nows("".join(want["body_paragraphs"]))[:30]
        if want["attachments_in_body"]:  # the body's last paragraphs are the file links
            ending = want["alternatives"]["body_last"][0]
            assert ending in text and ending.endswith(nows(want["attachments"][-1]["name"]))
        for att in want["attachments"]:
            assert f'href="{att["href"]}"' in page, (path, att["href"])
            assert att["path"] == local(urljoin(b.base + path, html.unescape(att["href"])))
            r = b.get(att["path"])
            assert r.status_code == 200, att["path"]
            assert r.content[:4] in (b"%PDF", b"PK\x03\x04"), att["path"]
            named = r.headers.get("content-disposition", "")
            assert named.endswith(quote(att["name"])) or "octet" not in r.headers["content-type"]
    assert sorted(site.attachment_paths()) == sorted(
        a["path"] for d in site.expected_documents().values() for a in d["attachments"]
    )
    assert site.attachment_paths(), "every flavour has attachments"


def test_validators_and_conditional_requests(served):
    _, site, b = served
    doc = next(iter(site.expected_documents()))
    first = b.get(doc)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert b.get(doc, headers={"If-None-Match": etag}).status_code == 304
    assert b.get(doc, headers={"If-Modified-Since": modified}).status_code == 304
    site.bump_counters()
    again = b.get(doc, headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["etag"] != etag


COUNTER = re.compile(r"<p>[^<\n]*访问[^<\n]*</p>")


def test_mutations_change_exactly_what_they_should(served):
    name, site, b = served
    before = snapshot(b, site)
    documents = site.expected_documents()
    paths = sorted(documents)
    edited, retitled, deleted = paths[0], paths[1], paths[2]
    column = documents[paths[3]]["columns"][0]

    new_text = site.edit_body(edited)
    after = snapshot(b, site)
    assert {p for p in before if before[p] != after[p]} == {edited}
    assert nows(new_text) in visible(after[edited].decode())
    assert (
        site.expected_documents()[edited]["body_paragraphs"] != documents[edited]["body_paragraphs"]
    )

    old = html.escape(documents[retitled]["title"][:20], quote=False).encode()
    showing = {p for p in after if old in after[p]}  # lists, records, VSB's 上一条/下一条
    site.retitle(retitled, "更正后的标题：关于调整办事时间的通知")
    again = snapshot(b, site)
    changed = {p for p in after if after[p] != again[p]}
    assert retitled in changed and changed <= showing
    assert showing & set(site.list_pages())
    assert "更正后的标题" in again[retitled].decode()
    assert site.expected_documents()[retitled]["title"] == "更正后的标题：关于调整办事时间的通知"

    files = [a["path"] for a in documents[deleted]["attachments"]]
    site.delete(deleted)
    assert b.get(deleted).status_code == 404
    assert all(b.get(f).status_code == 404 for f in files)
    assert deleted not in site.expected_documents() and deleted not in WALKS[name](b, site)
    assert set(site.dead_paths()) == {deleted, *files}

    added = site.add_documents(column, 2)
    assert site.documents_in(column)[:2] == added
    assert WALKS[name](b, site) == set(site.expected_documents())
    assert all(b.get(p).status_code == 200 for p in added)

    truth = site.expected_documents()
    settled = snapshot(b, site)
    site.change_footer()
    footer = snapshot(b, site)
    assert all(settled[p] != footer[p] for p in settled if p.endswith((".html", ".htm", "/index")))
    assert site.expected_documents() == truth
    site.bump_counters()
    counted = snapshot(b, site)
    assert any(footer[p] != counted[p] for p in footer)
    for p in footer:
        assert COUNTER.sub("", footer[p].decode()) == COUNTER.sub("", counted[p].decode()), p
    assert site.expected_documents() == truth


# --------------------------------------------------------------------------- per family


@pytest.fixture
def hanweb() -> Iterator[tuple[FlavourSite, Browser]]:
    site = flavour("hanweb")
    with ReplicaServer(site) as server:
        yield site, Browser(server)


def test_hanweb_proxy_answers_get_post_and_page_groups(hanweb):
    site, b = hanweb
    column = site.columns()[0]
    page = b.text(column)
    nextgroup = re.search(r'<nextgroup><!\[CDATA\[<a href="([^"]+)"></a>\]\]></nextgroup>', page)
    assert nextgroup and "page=1&" in nextgroup.group(1)
    assert (
        '<div class="bt_list30">\n    <ul>\n    </ul>\n</div><record>' in page
    )  # as jcms writes it
    proxy_range = next(p for p in site.list_pages() if "startrecord=" in p)
    by_get = b.get(proxy_range)
    query = dict(parse_qsl(urlsplit(proxy_range).query))
    head = {k: query.pop(k) for k in ("startrecord", "endrecord", "perpage")}
    by_post = b.client.post(
        "/module/web/jpage/dataproxy.jsp?" + "&".join(f"{k}={v}" for k, v in head.items()),
        data=query,
    )
    assert by_get.status_code == by_post.status_code == 200 and by_get.text == by_post.text
    docs = site.documents_in(column)
    group2 = b.get(nextgroup.group(1).replace("page=1&", "page=2&"))
    assert "<totalpage>2</totalpage>" in group2.text
    assert re.findall(r"href='([^']+)'", group2.text) == docs[10:20]
    assert re.findall(r"href='([^']+)'", by_get.text) == docs[10:20]
    art = docs[0]
    assert re.fullmatch(r"/art/\d{4}/[1-9]\d?/[1-9]\d?/art_\d+_\d+\.html", art)
    body = b.text(art)
    assert "<!--ZJEG_RSS.content.begin-->" in body and '<meta name="ArticleTitle"' in body
    policy = site.documents_in(site.columns()[1])[0]
    files = site.expected_documents()[policy]["attachments"]
    assert files and files[0]["path"].startswith("/module/download/downfile.jsp?classid=0&")
    assert "attachment; filename*=UTF-8''" in b.get(files[0]["path"]).headers["content-disposition"]
    assert b.get("/module/download/downfile.jsp?classid=0&filename=nothing.pdf").status_code == 404


def test_vsb_pager_text_and_links_as_the_family_writes_them():
    site = flavour("vsb")
    with ReplicaServer(site) as server:
        b = Browser(server)
        first = b.text("/xxgk/tzgg.htm")
        assert "共13条&nbsp;&nbsp;1/3&nbsp;" in first
        assert (
            '<span class="PrevDisabled">首页</span><span class="PrevDisabled">上页</span>' in first
        )
        assert (
            '<a href="tzgg/2.htm" class="Next">下页</a><a href="tzgg/1.htm" class="Next">尾页</a>'
            in first
        )
        middle = b.text("/xxgk/tzgg/2.htm")
        assert (
            '<a href="../tzgg.htm" class="Prev">上页</a><a href="1.htm" class="Next">下页</a>'
            in middle
        )
        last = b.text("/xxgk/tzgg/1.htm")
        assert '<span class="NextDisabled">下页</span>' in last
        assert b.get("/xxgk/tzgg/3.htm").status_code == 404
        oldest = site.documents_in("/xxgk/tzgg.htm")[-1]
        assert f'href="../../{oldest[1:]}"' in last
        news = next(
            p
            for p, d in site.expected_documents().items()
            if d["layout"] == "news" and d["attachments"]
        )
        page = b.text(news)
        assert '<form name="_newscontent_fromname">' in page
        assert '<div id="vsb_content" class="wz"><div class="v_news_content">' in page
        assert '_showDynClicks("wbnews"' in page and "getClickTimes(" in page
        gk = site.documents_in("/xxgk/zcwj.htm")[0]
        att = site.expected_documents()[gk]["attachments"][0]
        assert (
            att["href"].startswith("../../virtual_attach_file.vsb?afc=")
            and "." not in att["href"].split("?", 1)[1]
        )
        assert att["text"].startswith("附件：") and att["text"].endswith(att["name"])


def test_gkmlpt_api_pages_and_categories():
    site = flavour("gkmlpt")
    with ReplicaServer(site) as server:
        b = Browser(server)
        everything = b.get("/gkmlpt/api/all/0?page=1&sid=755041").json()
        assert everything["total"] == len(site.expected_documents())
        assert b.get("/gkmlpt/api/all/0?page=0&sid=755041").json() == everything
        beyond = b.get("/gkmlpt/api/all/0?page=99&sid=755041").json()
        assert beyond["articles"] == [] and beyond["total"] == everything["total"]
        parent = b.get("/gkmlpt/api/all/20760?page=1&sid=755041").json()
        assert parent["total"] == 8
        assert b.get("/gkmlpt/api/all/1?page=1&sid=755041").status_code == 404
        article = everything["articles"][0]
        for key in ("id", "title", "url", "post_url", "identifier", "document_number", "publisher",
                    "publish_time", "display_publish_time", "classify_main_name", "attachment"):  # fmt: skip
            assert key in article
        assert article["url"].startswith(server.base_url + "/gkmlpt/content/")
        with_files = next(
            a for p in range(1, 5)
            for a in b.get(f"/gkmlpt/api/all/0?page={p}&sid=755041").json()["articles"]
            if a["attachment"]
        )  # fmt: skip
        file = with_files["attachment"][0]
        got = b.get(file["url"])
        assert got.status_code == 200 and got.headers["content-type"] == file["mime"]
        assert int(file["size"]) == len(got.content)
        assert re.fullmatch(r"/attachment/\d+/\d+/\d+/\d+\.\w+", urlsplit(file["url"]).path)


def test_ucap_pages_and_metadata_table():
    site = flavour("ucap")
    with ReplicaServer(site) as server:
        b = Browser(server)
        assert [p for p in site.list_pages() if "zuixin" in p] == [
            "/zhengce/zuixin/home.htm", "/zhengce/zuixin/home_1.htm", "/zhengce/zuixin/home_2.htm"
        ]  # fmt: skip
        assert b.get("/zhengce/zuixin/home_3.htm").status_code == 404
        doc = site.documents_in("/zhengce/zuixin/home.htm")[0]
        page = b.text(doc)
        assert 'id="UCAP-CONTENT"' in page and "发文字号：" in page and "成文日期：" in page
        want = site.expected_documents()[doc]
        assert f"{want['date'][:4]}年{want['date'][5:7]}月{want['date'][8:]}日" in page
        reading = site.documents_in("/zhengce/jiedu/home.htm")[0]
        assert '<div class="pages_content" id="UCAP-CONTENT">' in b.text(reading)


def test_python_m_scraper_replica_serves_a_flavour():
    proc = subprocess.Popen(
        [sys.executable, "-m", "scraper.replica", "--flavour", "gkmlpt", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        url = grab(r"at (http://\S+)", line)
        assert url.endswith("/gkmlpt/index") and "SID: '755041'" in httpx.get(url).text
    finally:
        proc.terminate()
        proc.wait(timeout=10)
