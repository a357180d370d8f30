import re

import pytest

from scraper.crawl import next_pages
from scraper.discover import discover
from scraper.platforms.trs import MAX_PAGER_PAGES, PagerCall, pager_calls
from scraper.urls import Scope

DOC = re.compile(r"/t\d{8}_\d+(?:_\d+)?\.s?html?$")
EXTS = ["pdf", "doc", "docx", "xls", "xlsx", "wps", "ofd", "zip", "rar"]
SCOPE = Scope(["http://h.cn/xxgk/"])


def links(html, url="http://h.cn/xxgk/tzgg/index.html"):
    return discover(
        html,
        url,
        SCOPE,
        attachment_extensions=EXTS,
        ignore_patterns=["javascript:"],
        document_pattern=DOC,
    )


def test_pager_call_variants():
    html = """
    <script>function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){}</script>
    <script>createPageHTML(3, 0, "index", "html");</script>
    <script>createPageHTML('page_div', 5, 1, 'fg', 'shtml', 89);</script>
    """
    assert pager_calls(html) == [
        PagerCall(3, 0, "index", "html"),
        PagerCall(5, 1, "fg", "shtml", records=89),
    ]
    assert pager_calls("<script>var countPage = 4;var currentPage = 1;</script>") == [
        PagerCall(4, 1, None, None)
    ]


def test_script_pager_pages_are_derived_from_the_call():
    found = links('<script>createPageHTML(3, 0, "index", "html");</script>')
    assert found.pager == [
        "http://h.cn/xxgk/tzgg/index_1.html",
        "http://h.cn/xxgk/tzgg/index_2.html",
    ]
    assert found.parts == []


def test_element_id_first_and_list_stem():
    found = links(
        "<script>createPageHTML('page_div', 2, 1, 'list', 'html');</script>",
        "http://h.cn/xxgk/gg/list.html",
    )
    assert found.pager == ["http://h.cn/xxgk/gg/list_1.html"]


def test_detail_page_pager_means_parts_of_one_document():
    url = "http://h.cn/xxgk/tzgg/201510/t20151009_67430.html"
    found = links('<script>createPageHTML(3, 0, "t20151009_67430", "html");</script>', url)
    assert found.parts == [
        "http://h.cn/xxgk/tzgg/201510/t20151009_67430_1.html",
        "http://h.cn/xxgk/tzgg/201510/t20151009_67430_2.html",
    ]
    assert found.pager == []


def test_links_are_classified_and_scope_applied():
    html = """
    <a href="./202310/t20231023_1.html">doc</a>
    <a href=" ./202310/t20231023_1.html#x ">same doc again</a>
    <a href="../zc/index.html">other column</a>
    <a href="/ggqy/wzdt/">site map, out of scope</a>
    <a href="https://www.nx.gov.cn/">off-site</a>
    <a href="./P020240611.pdf">附件</a>
    <a href="javascript:void(0)">x</a>
    <a href="index_1.html">下一页</a>
    """
    found = links(html)
    assert found.pages == [
        "http://h.cn/xxgk/tzgg/202310/t20231023_1.html",
        "http://h.cn/xxgk/zc/index.html",
        "http://h.cn/xxgk/tzgg/index_1.html",
    ]
    assert found.pager == ["http://h.cn/xxgk/tzgg/index_1.html"]


def test_total_pages_text_pager():
    found = links(
        "<div>共3页 <a href='index_1.html'>下一页</a></div>", "http://h.cn/xxgk/zc/index.html"
    )
    assert "http://h.cn/xxgk/zc/index_1.html" in found.pager


def test_next_pages_picks_the_following_list_page_only():
    pager = [f"http://h.cn/xxgk/tzgg/index_{k}.html" for k in (1, 2, 3)]
    assert next_pages("http://h.cn/xxgk/tzgg/index.html", pager) == [pager[0]]
    assert next_pages("http://h.cn/xxgk/tzgg/index_2.html", pager) == [pager[2]]
    assert next_pages("http://h.cn/xxgk/tzgg/index_3.html", pager) == []


def test_next_page_of_a_column_folder_url_is_page_one_of_its_stem():
    pager = ["http://h.cn/xxgk/tzgg/list_1.html", "http://h.cn/xxgk/tzgg/list_2.html"]
    assert next_pages("http://h.cn/xxgk/tzgg/", pager) == [pager[0]]


@pytest.mark.parametrize(
    "html",
    [
        '<script>createPageHTML(50000, 0, "index", "html");</script>',
        "<script>var countPage = 50000;</script>",
        "<div>共50000页</div>",
    ],
    ids=["createPageHTML", "countPage", "total-pages-text"],
)
def test_a_corrupt_pager_total_is_capped(html):
    found = links(html)
    assert len(found.pager) == MAX_PAGER_PAGES - 1
    assert found.pager[-1] == f"http://h.cn/xxgk/tzgg/index_{MAX_PAGER_PAGES - 1}.html"


@pytest.mark.parametrize("base", ["http://[::1/", "http://h.cn:abc/"])
def test_an_unusable_base_href_leaves_links_relative_to_the_page(base):
    found = links(f"<head><base href='{base}'></head><a href='t20240101_1.html'>通知</a>")
    assert found.pages == ["http://h.cn/xxgk/tzgg/t20240101_1.html"]


def test_a_column_folder_names_its_first_list_page_as_itself():
    script = '<script>createPageHTML(3, 0, "list", "html");</script>'
    assert links(script, "http://h.cn/xxgk/tzgg/").same_as == "http://h.cn/xxgk/tzgg/list.html"
    # Only a folder address says so; a numbered page, a link pager or a document's parts do not.
    assert links(script, "http://h.cn/xxgk/tzgg/list_1.html").same_as is None
    assert links("<a href='index_1.html'>下一页</a>", "http://h.cn/xxgk/zc/").same_as is None
    parts = '<script>createPageHTML(3, 0, "t20151009_67430", "html");</script>'
    assert links(parts, "http://h.cn/xxgk/tzgg/").same_as is None


def test_same_page_needs_the_folder_itself_without_a_query():
    script = '<script>createPageHTML(3, 0, "index", "html");</script>'
    assert links(script, "http://h.cn/xxgk/tzgg/?from=nav").same_as is None
    elsewhere = "<head><base href='http://h.cn/xxgk/'></head>" + script
    assert links(elsewhere, "http://h.cn/xxgk/tzgg/").same_as is None


def test_attachments_are_one_rule_with_a_profiles_extra_extensions():
    from scraper.platforms.shared import href_is_attachment, url_is_attachment

    assert url_is_attachment("http://h.cn/a/P020231023.PDF")
    assert url_is_attachment("http://h.cn/a/scan.tif", ["tif"])
    assert not url_is_attachment("http://h.cn/a/scan.tif")
    assert not url_is_attachment("http://h.cn/a/t20231023_1.html")
    assert href_is_attachment("/system/download.jsp?id=3")  # a download script
    page = '<a href="a.ceb">附件</a><a href="b.tif">扫描件</a><a href="c.html">正文</a>'
    assert links(page).pages == ["http://h.cn/xxgk/tzgg/b.tif", "http://h.cn/xxgk/tzgg/c.html"]
