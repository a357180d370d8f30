"""The replica site: structure, traps, HTTP semantics and mutations, over a real server."""

from __future__ import annotations

import html
import math
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

import httpx
import pytest

from scraper.replica import ReplicaServer, ReplicaSite

TZGG = "/xxgk/tzgg/"
NB = "/xxgk/zfxxgknb/"
GF = "/xxgk/zc/gfxwj/"
ITEM_RE = re.compile(
    r'<li><a href="([^"]+)" title="([^"]*)" target="_blank">([^<]*)</a><span>(\d{4}-\d\d-\d\d)</span></li>'
)


@pytest.fixture
def site() -> ReplicaSite:
    return ReplicaSite()


@pytest.fixture
def server(site: ReplicaSite) -> Iterator[ReplicaServer]:
    with ReplicaServer(site) as srv:
        yield srv


@pytest.fixture
def client(server: ReplicaServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, follow_redirects=False, timeout=10) as c:
        yield c


def all_pages(site: ReplicaSite) -> list[str]:
    return [*site.html_paths(), "/", "/xxgk/index.html", *site.disallowed_paths(), "/ggqy/wzdt/"]


def snapshot(client: httpx.Client, paths: list[str]) -> dict[str, bytes]:
    out = {}
    for p in paths:
        r = client.get(p)
        assert r.status_code == 200, p
        out[p] = r.content
    return out


def changed(before: dict[str, bytes], after: dict[str, bytes]) -> set[str]:
    return {p for p in before if before[p] != after.get(p)}


def items(page: str) -> list[tuple[str, str, str]]:
    """(href, title, date) of each list item."""
    out = []
    for href, title, text, date in ITEM_RE.findall(page):
        assert html.unescape(title) == html.unescape(text)
        out.append((href, html.unescape(text), date))
    return out


def resolve(page_path: str, href: str) -> str:
    return httpx.URL("http://h" + page_path).join(href).path


def body_text(page: str) -> str:
    m = re.search(
        r'<div class="view TRS_UEDITOR trs_paper_default trs_\w+">(.*?)<p><br/></p></div>',
        page,
        re.S,
    )
    assert m, "no TRS_UEDITOR body"
    return html.unescape(re.sub(r"<[^>]+>", "", m.group(1)))


# ---------------------------------------------------------------------- structure


def test_robots_txt(client: httpx.Client) -> None:
    r = client.get("/robots.txt")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    lines = [ln.strip() for ln in r.text.splitlines() if ln.strip()]
    assert lines == ["User-agent: *", "Disallow: /xxgk/nbzl/"]


def test_disallowed_folder_is_real_and_linked(client: httpx.Client, site: ReplicaSite) -> None:
    for p in site.disallowed_paths():
        assert p.startswith("/xxgk/nbzl/")
        assert client.get(p).status_code == 200
    assert 'href="./nbzl/"' in client.get("/xxgk/").text
    assert 'href="../nbzl/"' in client.get("/xxgk/tzgg/list.html").text
    hidden = site.disallowed_paths()[-1]
    assert hidden not in site.expected_documents()
    assert hidden not in site.html_paths()


def test_index_links(client: httpx.Client) -> None:
    page = client.get("/xxgk/").text
    assert client.get("/xxgk/index.html").text == page
    for href in [
        "./zfxxgknb/index.html",
        "./tzgg/list.html",
        "./zc/gfxwj/index.html",
        "/ggqy/wzdt/",
    ]:
        assert f'href="{href}"' in page
    assert 'href="https://www.nx.gov.cn/"' in page and 'href="http://www.wuzhong.gov.cn/"' in page
    assert "网站标识码：6403030001" in page
    assert client.get("/ggqy/wzdt/").status_code == 200
    assert 'href="/xxgk/"' in client.get("/").text


def test_script_pager_from_zero(client: httpx.Client, site: ReplicaSite) -> None:
    for i, p in enumerate(["index.html", "index_1.html", "index_2.html"]):
        page = client.get(NB + p).text
        assert f'createPageHTML(3, {i}, "index", "html");' in page
        pager = page[page.index('<div class="page">') :]
        assert "下一页" not in pager and "<a " not in pager.split("</div>")[0]
    assert client.get(NB + "index_3.html").status_code == 404
    assert client.get(NB).content == client.get(NB + "index.html").content


def test_script_pager_with_element_id_from_one(client: httpx.Client) -> None:
    assert (
        "createPageHTML('page_div', 2, 1, 'list', 'html');" in client.get(TZGG + "list.html").text
    )
    assert (
        "createPageHTML('page_div', 2, 2, 'list', 'html');" in client.get(TZGG + "list_1.html").text
    )
    assert client.get(TZGG + "list_2.html").status_code == 404
    assert client.get(TZGG + "index.html").status_code == 404


def test_link_pager(client: httpx.Client) -> None:
    first = client.get(GF + "index.html").text
    assert '<a href="./index_1.html">下一页</a>' in first
    assert '<a href="./index_1.html">尾页</a>' in first and "共2页" in first
    assert "createPageHTML" not in first
    last = client.get(GF + "index_1.html").text
    assert '<a href="./index.html">上一页</a>' in last and "<span>下一页</span>" in last


def test_list_items_cover_ground_truth(client: httpx.Client, site: ReplicaSite) -> None:
    expected = site.expected_documents()
    redirects = site.redirects()
    offsite = site.offsite_redirects()
    listed: dict[str, set[str]] = {}
    seen = set()
    assert len(site.list_pages()) == 7
    for lp in site.list_pages():
        found = items(client.get(lp).text)
        assert 1 <= len(found) <= 5
        for href, title, date in found:
            assert href.startswith("./") or href.startswith("../")
            target = resolve(lp, href)
            seen.add(target)
            final = redirects.get(target, target)
            if final in expected:
                assert expected[final]["title"] == title and expected[final]["date"] == date
                listed.setdefault(final, set()).add(lp.rsplit("/", 1)[0] + "/")
    assert set(listed) == set(expected)
    for p, exp in expected.items():
        assert sorted(listed[p]) == sorted(exp["columns"])
    assert set(site.dead_paths()) <= seen
    assert set(redirects) <= seen and set(offsite) <= seen
    assert 15 <= len(expected) <= 20


def test_detail_pages_match_ground_truth(client: httpx.Client, site: ReplicaSite) -> None:
    for path, exp in site.expected_documents().items():
        texts = []
        for i, part in enumerate(exp["parts"]):
            r = client.get(part)
            assert r.status_code == 200
            page = r.content.decode(exp["encoding"])
            assert (
                "您当前的位置:" in page and f'&gt; <a href="../">{exp["breadcrumb"][2]}</a>' in page
            )
            assert re.search(rf"<h[23][^>]*>{re.escape(html.escape(exp['title']))}</h[23]>", page)
            if exp["layout"] == "fabu_li":
                assert (
                    f"<li>发布机构：{exp['source']}</li>" in page
                    and f"<li>发布日期：{exp['date']}</li>" in page
                )
            else:
                assert (
                    f'时间:{exp["date"]}</span> <span class="info-source">来源:{exp["source"]}'
                    in page
                )
            for furniture in [
                "字号:",
                "用微信扫描二维码",
                "分享至好友和朋友圈",
                "扫一扫在手机上查看当前页面",
                "打印本页",
                "关闭窗口",
                "相关链接",
                "访问量：",
            ]:
                assert furniture in page and furniture not in body_text(page)
            texts.append(body_text(page))
            if len(exp["parts"]) > 1:
                assert f'createPageHTML(3, {i}, "t20151009_1067430", "html");' in page
        flat = "".join(texts)
        for para in exp["body_paragraphs"]:
            assert para.replace("\t", "") in flat, (path, para)
        assert flat.startswith(exp["body_first"])
        assert flat.endswith(exp["body_last"])
        assert exp["body_first"] == exp["body_paragraphs"][0]
        for a in exp["attachments"]:
            assert re.search(f'href="{re.escape(a["href"])}"[^>]*>{re.escape(a["text"])}</a>', page)
            f = client.get(a["path"])
            assert f.status_code == 200 and not f.headers["content-type"].startswith("text/")
        meta = re.findall(
            r'<meta name="(ArticleTitle|PubDate|ContentSource)" content="([^"]*)">', page
        )
        assert dict(meta) == exp["meta"]
        if exp["index_no"]:
            assert f">{exp['index_no']}</td>" in page and f">{exp['written_date']}</td>" in page
            doc_no = exp["doc_no"] or ""
            assert f'文　　号</td><td class="td_content">{doc_no}</td>' in page


def test_catalogue_traps(site: ReplicaSite) -> None:
    exp = site.expected_documents()
    empty = [e for e in exp.values() if e["index_no"] and e["doc_no"] is None]
    assert len(empty) == 1
    assert any(e["written_date"] and e["written_date"] != e["date"] for e in exp.values())
    assert sum(1 for e in exp.values() if e["meta"]) >= 2 and any(
        not e["meta"] for e in exp.values()
    )
    wrong = site.documents_with("meta_pubdate_wrong")
    assert len(wrong) == 1 and not exp[wrong[0]]["meta"]["PubDate"].startswith(
        exp[wrong[0]]["date"]
    )
    url_dates = [e for e in exp.values() if e["url_date"] != e["date"]]
    assert len(url_dates) >= 2
    for e in exp.values():
        assert re.fullmatch(r"/xxgk/.+/\d{6}/t\d{8}_\d{7}\.html", e["path"])


def test_attachments(client: httpx.Client, site: ReplicaSite) -> None:
    exp = site.expected_documents()
    fj = next(e for p, e in exp.items() if "hasFJ" in e["traps"] and len(e["attachments"]) == 2)
    page = client.get(fj["path"]).text
    m = re.search(r"var hasFJ='(.+?)';", page)
    assert m
    links = [f'<a href="{a["href"]}">{a["text"]}</a>' for a in fj["attachments"]]
    assert m.group(1) == "<BR/>".join(links)
    assert 'var FJarr=hasFJ.split("<BR/>")' in page and "document.write(i+" in page
    for a in fj["attachments"]:
        assert a["path"] == resolve(fj["path"], a["href"])
        assert re.fullmatch(r"\./P0\d{14}\.(pdf|docx)", a["href"])
    body = exp[site.documents_with("body_attachment")[0]]
    (att,) = body["attachments"]
    assert att["path"].endswith(".xlsx") and body["body_last"].endswith(att["text"])
    r = client.get(att["path"])
    assert (
        r.headers["content-type"]
        == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert r.content.startswith(b"PK\x03\x04")
    pdf = client.get(
        next(
            a["path"] for e in exp.values() for a in e["attachments"] if a["path"].endswith(".pdf")
        )
    )
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_gb2312_labelled_page(client: httpx.Client, site: ReplicaSite) -> None:
    (path,) = site.documents_with("gb18030")
    r = client.get(path)
    assert r.headers["content-type"] == "text/html"
    assert b'<meta http-equiv="Content-Type" content="text/html; charset=gb2312">' in r.content
    with pytest.raises(UnicodeDecodeError):
        r.content.decode("gb2312")
    with pytest.raises(UnicodeDecodeError):
        r.content.decode("utf-8")
    text = r.content.decode("gb18030")
    exp = site.expected_documents()[path]
    assert exp["encoding"] == "gb18030"
    assert "王堃" in exp["title"] and exp["title"] in text
    assert "陶喆" in body_text(text) and "张镕" in body_text(text)


def test_dead_link_and_redirects(client: httpx.Client, site: ReplicaSite) -> None:
    for p in site.dead_paths():
        r = client.get(p)
        assert r.status_code == 404 and "页面不存在" in r.text
    expected = site.expected_documents()
    onsite, offsite = site.redirects(), site.offsite_redirects()
    assert onsite and offsite and not set(onsite) & set(offsite)
    assert all(n.startswith("/xxgk/") for n in onsite.values())
    for old, new in onsite.items():
        r = client.get(old)
        assert r.status_code == 301 and httpx.URL(r.headers["location"]).path == new
        assert new in expected and old in expected[new]["redirected_from"]
    for old, new in offsite.items():
        r = client.get(old)
        assert r.status_code == 301 and r.headers["location"] == new
        assert new.startswith("http://offsite.invalid/") and new in site.offsite_urls()
    assert client.get("/xxgk").headers["location"].endswith("/xxgk/")


def test_document_in_two_columns(client: httpx.Client, site: ReplicaSite) -> None:
    (path,) = site.documents_with("two_columns")
    assert path in site.documents_in(TZGG) and path in site.documents_in(GF)
    assert site.expected_documents()[path]["columns"] == [TZGG, GF]


def test_offsite_body_link(client: httpx.Client, site: ReplicaSite) -> None:
    (path,) = site.documents_with("offsite_body_link")
    page = client.get(path).text
    m = re.search(
        r'<div class="view TRS_UEDITOR.*?<a href="(https://www\.gov\.cn/[^"]+)"', page, re.S
    )
    assert m and m.group(1) in site.offsite_urls()


def test_deterministic(site: ReplicaSite) -> None:
    other = ReplicaSite()
    assert other.expected_documents() == site.expected_documents()
    for p in all_pages(site):
        assert other.page(p) == site.page(p), p


# ---------------------------------------------------------------------- HTTP semantics


def test_etag_and_if_none_match(client: httpx.Client, site: ReplicaSite) -> None:
    path = site.documents_in(NB)[0]
    r = client.get(path)
    etag = r.headers["etag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag) and r.headers["content-length"] == str(
        len(r.content)
    )
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    r304 = client.get(path, headers={"If-None-Match": etag})
    assert r304.status_code == 304 and r304.content == b"" and r304.headers["etag"] == etag
    assert client.get(path, headers={"If-None-Match": f'"x", W/{etag}'}).status_code == 304
    assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200
    assert client.get(site.documents_in(NB)[1], headers={"If-None-Match": etag}).status_code == 200


def test_if_modified_since(client: httpx.Client, site: ReplicaSite) -> None:
    path = site.documents_in(GF)[0]
    lm = client.get(path).headers["last-modified"]
    when = parsedate_to_datetime(lm)
    assert client.get(path, headers={"If-Modified-Since": lm}).status_code == 304
    later = format_datetime(when.replace(year=when.year + 1), usegmt=True)
    assert client.get(path, headers={"If-Modified-Since": later}).status_code == 304
    earlier = format_datetime(when.replace(year=when.year - 1), usegmt=True)
    assert client.get(path, headers={"If-Modified-Since": earlier}).status_code == 200
    # If-None-Match takes precedence: a stale ETag with a fresh date is a 200
    both = {"If-None-Match": '"stale"', "If-Modified-Since": later}
    assert client.get(path, headers=both).status_code == 200
    assert client.get(path, headers={"If-Modified-Since": "garbage"}).status_code == 200


def test_conditional_after_change(client: httpx.Client, site: ReplicaSite) -> None:
    edited, untouched = site.documents_in(TZGG)[0], site.documents_in(NB)[0]
    r1, u1 = client.get(edited), client.get(untouched)
    site.edit_body(edited)
    r2 = client.get(edited, headers={"If-None-Match": r1.headers["etag"]})
    assert r2.status_code == 200 and r2.headers["etag"] != r1.headers["etag"]
    lm1, lm2 = (parsedate_to_datetime(r.headers["last-modified"]) for r in (r1, r2))
    assert (lm2 - lm1).total_seconds() >= 3600
    assert (
        client.get(edited, headers={"If-Modified-Since": r1.headers["last-modified"]}).status_code
        == 200
    )
    assert client.get(untouched, headers={"If-None-Match": u1.headers["etag"]}).status_code == 304
    assert (
        client.get(
            untouched, headers={"If-Modified-Since": u1.headers["last-modified"]}
        ).status_code
        == 304
    )
    assert client.get(untouched).headers["last-modified"] == u1.headers["last-modified"]


def test_head(client: httpx.Client, site: ReplicaSite) -> None:
    path = site.documents_in(NB)[2]
    g, h = client.get(path), client.head(path)
    assert h.status_code == 200 and h.content == b""
    assert (
        h.headers["content-length"] == str(len(g.content))
        and h.headers["etag"] == g.headers["etag"]
    )
    assert client.head("/nope.html").status_code == 404


def test_unknown_path_404(client: httpx.Client) -> None:
    r = client.get("/xxgk/tzgg/202401/t20240101_9999999.html")
    assert r.status_code == 404 and "页面不存在" in r.text
    assert "etag" not in r.headers


def test_request_log(server: ReplicaServer, client: httpx.Client) -> None:
    client.get("/xxgk/?a=1", headers={"User-Agent": "probe/1.0"})
    client.head("/missing")
    (g, h) = server.requests
    assert g.method == "GET" and g.path == "/xxgk/?a=1" and g.status == 200
    assert g.headers["User-Agent"] == "probe/1.0"
    assert (h.method, h.path, h.status) == ("HEAD", "/missing", 404)
    server.reset_log()
    assert server.requests == []


def test_delay(server: ReplicaServer, client: httpx.Client) -> None:
    server.delay = 0.3
    t = time.monotonic()
    client.get("/robots.txt")
    assert time.monotonic() - t >= 0.3
    server.delay = 0.0
    t = time.monotonic()
    client.get("/robots.txt")
    assert time.monotonic() - t < 0.25


def test_waf(client: httpx.Client, site: ReplicaSite) -> None:
    path = site.documents_in(NB)[0]
    site.set_waf([path])
    r = client.get(path)
    assert r.status_code == 405 and "网防G01" in r.text
    assert client.get("/xxgk/").status_code == 200
    site.set_waf(None)
    assert client.get("/robots.txt").status_code == 405
    site.set_waf(None, on=False)
    assert client.get(path).status_code == 200 and client.get("/robots.txt").status_code == 200


def test_fail_next(client: httpx.Client, site: ReplicaSite) -> None:
    site.fail_next("/xxgk/", 2)
    assert [client.get("/xxgk/").status_code for _ in range(3)] == [503, 503, 200]
    site.fail_next("/robots.txt", 1, status=429)
    assert client.get("/robots.txt?x=1").status_code == 429
    assert client.get("/robots.txt").status_code == 200


def test_stop_closes_port(site: ReplicaSite) -> None:
    server = ReplicaServer(site).start()
    url = server.base_url
    assert httpx.get(url + "/robots.txt").status_code == 200
    server.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/robots.txt", timeout=2)


def test_concurrent_requests_during_mutations(server: ReplicaServer, site: ReplicaSite) -> None:
    paths = all_pages(site)
    statuses: list[int] = []

    def worker() -> None:
        with httpx.Client(base_url=server.base_url) as c:
            for p in paths:
                statuses.append(c.get(p).status_code)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for _ in range(5):
        site.add_documents(NB, 2)
        site.bump_counters()
    for t in threads:
        t.join()
    assert set(statuses) == {200} and len(statuses) == 4 * len(paths)
    assert server.errors == []


# ---------------------------------------------------------------------- mutations


def test_edit_body_changes_only_that_page(client: httpx.Client, site: ReplicaSite) -> None:
    paths = all_pages(site)
    before = snapshot(client, paths)
    target = site.documents_in(GF)[1]
    old = site.expected_documents()[target]["body_paragraphs"]
    text = site.edit_body(target)
    assert changed(before, snapshot(client, paths)) == {target}
    new = site.expected_documents()[target]["body_paragraphs"]
    assert text in new and text not in old and len(new) == len(old)
    assert sum(a != b for a, b in zip(old, new, strict=True)) == 1
    assert text in body_text(client.get(target).text)


def test_retitle_changes_page_and_lists(client: httpx.Client, site: ReplicaSite) -> None:
    paths = all_pages(site)
    before = snapshot(client, paths)
    (target,) = site.documents_with("two_columns")
    site.retitle(target, "更正后的标题：红寺堡区农村人居环境整治提升五年行动实施方案")
    diff = changed(before, snapshot(client, paths))
    assert diff == {target, TZGG + "list.html", GF + "index.html"}
    assert site.expected_documents()[target]["title"].startswith("更正后的标题")
    assert any(
        t.startswith("更正后的标题") for _, t, _ in items(client.get(TZGG + "list.html").text)
    )


def test_delete_and_restore(client: httpx.Client, site: ReplicaSite) -> None:
    (target,) = site.documents_with("hasFJ")[:1]
    exp = site.expected_documents()[target]
    site.delete(target)
    assert client.get(target).status_code == 404
    assert client.get(exp["attachments"][0]["path"]).status_code == 404
    assert target not in site.expected_documents() and target in site.dead_paths()
    assert target not in site.documents_in(NB)
    hrefs = [resolve(lp, h) for lp in site.list_pages() for h, _, _ in items(client.get(lp).text)]
    assert target not in hrefs
    site.restore(target)
    assert client.get(target).status_code == 200
    assert site.expected_documents()[target] == exp


def test_add_documents_shifts_lists(client: httpx.Client, site: ReplicaSite) -> None:
    old_first = items(client.get(TZGG + "list.html").text)
    other = {p: client.get(p).content for p in [NB + "index.html", GF + "index.html"]}
    new = site.add_documents(TZGG, 5)
    assert len(new) == 5 and len(set(new)) == 5
    first = client.get(TZGG + "list.html").text
    assert [resolve(TZGG + "list.html", h) for h, _, _ in items(first)] == new
    assert "createPageHTML('page_div', 3, 1, 'list', 'html');" in first
    assert items(client.get(TZGG + "list_1.html").text) == old_first
    assert client.get(TZGG + "list_2.html").status_code == 200
    assert {p: client.get(p).content for p in other} == other
    expected = site.expected_documents()
    for p in new:
        assert client.get(p).status_code == 200 and expected[p]["columns"] == [TZGG]
        assert re.fullmatch(r"/xxgk/tzgg/\d{6}/t\d{8}_\d{7}\.html", p)
    assert site.documents_in(TZGG)[:5] == new


def test_change_footer_changes_every_page(client: httpx.Client, site: ReplicaSite) -> None:
    paths = all_pages(site)
    before = snapshot(client, paths)
    site.change_footer()
    after = snapshot(client, paths)
    assert changed(before, after) == set(paths)
    for p in site.html_paths():
        enc = "gb18030" if p in site.documents_with("gb18030") else "utf-8"
        text = after[p].decode(enc)
        assert (
            "Copyright 2009-2025" in text
            and "宁夏政务服务网" in text
            and "网站标识码：6403030001" in text
        )
    assert "https://www.nxzwfw.gov.cn/" in site.offsite_urls()


def test_bump_counters_changes_every_page(client: httpx.Client, site: ReplicaSite) -> None:
    paths = all_pages(site)
    before = snapshot(client, paths)
    site.bump_counters()
    after = snapshot(client, paths)
    assert changed(before, after) == set(paths)
    count = re.compile(rb"\xe8\xae\xbf\xe9\x97\xae\xe9\x87\x8f\xef\xbc\x9a(\d+)")  # 访问量：
    for p in site.html_paths():
        if p not in site.documents_with("gb18030"):
            m1, m2 = count.search(before[p]), count.search(after[p])
            assert m1 and m2 and int(m2.group(1)) > int(m1.group(1))
            assert count.sub(b"", before[p]) == count.sub(b"", after[p])


def test_generation_clock(site: ReplicaSite) -> None:
    t0 = site.clock()
    site.bump_counters()
    assert (site.clock() - t0).total_seconds() >= 3600 and site.generation == 1
    site.fail_next("/xxgk/", 1)
    assert site.generation == 1


# ---------------------------------------------------------------------- big site and CLI


def test_big_site_builds_fast_and_paginates() -> None:
    t = time.monotonic()
    big = ReplicaSite(extra_docs_per_column=1000)
    assert time.monotonic() - t < 2.0
    expected = big.expected_documents()
    assert 3000 <= len(expected) <= 3100
    assert big.per_page == 20
    with ReplicaServer(big) as srv, httpx.Client(base_url=srv.base_url) as c:
        last = big.list_pages()[-1]
        assert last.startswith(GF) and c.get(last).status_code == 200
        n = int(last.rsplit("_", 1)[1].removesuffix(".html"))
        assert n == math.ceil(len(big.documents_in(GF)) / 20) - 1
        assert f'href="./index_{n}.html">尾页</a>' in c.get(GF + "index.html").text
        page = c.get(NB + "index_10.html").text
        assert 'createPageHTML(51, 10, "index", "html");' in page and len(items(page)) == 20
        deep = big.documents_in(TZGG)[-1]
        assert c.get(deep).status_code == 200 and expected[deep]["body_last"] in body_text(
            c.get(deep).text
        )
    assert ReplicaSite(extra_docs_per_column=1000).page(deep) == big.page(deep)


def test_cli_serves_until_interrupted() -> None:
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "scraper.replica", "--port", "0", "--docs", "50"],
        cwd=root,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        m = re.search(r"(http://127\.0\.0\.1:\d+)", line)
        assert m, line
        assert httpx.get(m.group(1) + "/robots.txt").status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=5)
