"""The CMS families' knowledge (scraper.platforms), pinned by real pages of each family from
the project's corpus (tests/corpus) and by pages of the shapes those families write."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scraper import platforms
from scraper.config import resolve
from scraper.decode import decode_html
from scraper.discover import discover
from scraper.urls import Scope

CORPUS = Path(__file__).resolve().parent / "corpus"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def _labels() -> dict[str, dict]:
    out = {}
    for path in sorted((CORPUS / "labels").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                label = json.loads(line)
                out[label["file"]] = label
    return out


LABELS = _labels()


def _page(name: str) -> str:
    return decode_html((CORPUS / "pages" / name).read_bytes()).text


@pytest.mark.parametrize(
    "name", sorted(n for n, label in LABELS.items() if label.get("platform") not in (None, "other"))
)
def test_each_family_page_of_the_corpus_is_recognised_as_its_family(name: str) -> None:
    label = LABELS[name]
    found = platforms.recognise(_page(name), label.get("origin_url") or "")
    assert found is not None and found.name == label["platform"]


def test_pages_of_no_known_family_are_not_claimed() -> None:
    for name, label in LABELS.items():
        if label.get("platform") == "other":
            assert platforms.recognise(_page(name), label.get("origin_url") or "") is None, name


@pytest.mark.skipif(not SHARED.exists(), reason="../shared/corpus not beside the project")
def test_trs_pages_of_the_shared_corpus_are_trs() -> None:
    for name in ("hongsibu_1.html", "most_1.html", "lvliang_1.html"):
        text = decode_html((SHARED / "pages" / name).read_bytes()).text
        assert platforms.recognise(text).name == "trs", name  # type: ignore[union-attr]


# -- Hanweb ------------------------------------------------------------------------------


def test_hanweb_records_embedded_in_a_real_column_page_are_its_items() -> None:
    name = "hanweb_jininghrss_list_1.html"
    label = LABELS[name]
    _, listing = platforms.listing(_page(name), label["origin_url"])
    assert listing is not None
    assert len(listing.items) == label["item_count"]
    first, last = listing.items[0], listing.items[-1]
    assert first.url == "https://hrss.jining.gov.cn" + label["first_item"]["href"]
    assert (first.title, first.date) == (label["first_item"]["title"], label["first_item"]["date"])
    assert last.url.endswith(label["last_item"]["href"])
    # 21 records, all embedded (the page's jpage call: totalRecord:21): no data proxy range.
    assert listing.pager == [] and listing.next is None


HANWEB_COLUMN = """<html><head><title>通知公告</title>
<script src="/module/web/jpage/jquery.jpage.js"></script></head><body>
<div id="4587"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&webid=3&path=/&columnid=1229101&unitid=4587&webname=%E6%B5%8B&permissiontype=0"></a>]]></nextgroup>
<recordset>{records}</recordset></datastore></script></div>
<script>$('#4587').jpage({{totalRecord:100,perPage:15,groupSize:3,proxyUrl:'/module/web/jpage/dataproxy.jsp'}});</script>
</body></html>"""


def _records(first: int, n: int) -> str:
    return "".join(
        f"<record><![CDATA[<li><a href='/art/2024/6/{1 + i % 28}/art_1229101_{first + i}.html' "
        f"title='通知{first + i}'>通知{first + i}</a><span>2024-06-{1 + i % 28:02d}</span></li>]]></record>"
        for i in range(n)
    )


def test_hanweb_column_page_asks_the_data_proxy_for_the_records_after_its_own() -> None:
    url = "http://www.example.gov.cn/col/col1229101/index.html"
    _, listing = platforms.listing(HANWEB_COLUMN.format(records=_records(1, 45)), url)
    assert listing is not None and len(listing.items) == 45
    proxy = "http://www.example.gov.cn/module/web/jpage/dataproxy.jsp?"
    common = "perpage=15&webid=3&path=%2F&columnid=1229101&unitid=4587&webname=%E6%B5%8B&permissiontype=0"
    assert listing.pager == [
        proxy + "startrecord=46&endrecord=90&" + common,
        proxy + "startrecord=91&endrecord=135&" + common,
    ]
    assert listing.next == listing.pager[0]


def test_hanweb_data_proxy_answer_gives_its_records_and_the_ranges_after_it() -> None:
    url = (
        "http://www.example.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=46&endrecord=90"
        "&perpage=15&columnid=1229101&unitid=4587"
    )
    answer = (
        '<?xml version="1.0" encoding="UTF-8"?><datastore><totalrecord>150</totalrecord>'
        f"<totalpage>10</totalpage><recordset>{_records(46, 45)}</recordset></datastore>"
    )
    _, listing = platforms.listing(answer, url)
    assert listing is not None and len(listing.items) == 45
    assert listing.items[0].url == "http://www.example.gov.cn/art/2024/6/1/art_1229101_46.html"
    assert [u.split("?")[1].split("&perpage")[0] for u in listing.pager] == [
        "startrecord=91&endrecord=135",
        "startrecord=136&endrecord=180",
    ]


# -- VSB ---------------------------------------------------------------------------------


def test_vsb_real_list_page_one_of_two_names_its_reverse_numbered_second_page() -> None:
    _, listing = platforms.listing(
        _page("vsb_henursc_list_1.html"), "http://rsc.henu.edu.cn/rcdw1/ysfc.htm"
    )
    assert listing is not None
    assert listing.pager == ["http://rsc.henu.edu.cn/rcdw1/ysfc/1.htm"]


def _vsb_list(current: int, total: int, links: str) -> str:
    return (
        f"<html><body><div class='list'><ul><li><a href='../info/1033/5685.htm'>通知</a></li></ul></div>"
        f"<table><tr><td id='fanye1'>共{total * 15}条&nbsp;&nbsp;{current}/{total}&nbsp;</td>"
        f"<td>{links}</td></tr></table><script>_showDynClicks('wbnews',1,2)</script></body></html>"
    )


def test_vsb_page_one_gives_every_page_newest_first_and_a_later_page_its_follower() -> None:
    first = _vsb_list(
        1, 5, "<a href='tzgg/4.htm' class='Next'>下页</a><a href='tzgg/1.htm'>尾页</a>"
    )
    _, listing = platforms.listing(first, "http://h.gov.cn/xxgk/tzgg.htm")
    assert listing is not None
    assert listing.pager == [f"http://h.gov.cn/xxgk/tzgg/{n}.htm" for n in (4, 3, 2, 1)]
    assert listing.next == "http://h.gov.cn/xxgk/tzgg/4.htm"
    third = _vsb_list(
        3,
        5,
        "<a href='../tzgg.htm'>首页</a><a href='4.htm'>上页</a><a href='2.htm'>下页</a><a href='1.htm'>尾页</a>",
    )
    _, later = platforms.listing(third, "http://h.gov.cn/xxgk/tzgg/3.htm")
    assert later is not None and later.next == "http://h.gov.cn/xxgk/tzgg/2.htm"
    assert "http://h.gov.cn/xxgk/tzgg.htm" in later.pager


def test_a_derived_scope_admits_the_families_article_folders_on_its_host_only() -> None:
    profile = resolve(start_urls=("http://h.gov.cn/xxgk/index.htm",))
    assert "http://h.gov.cn/info/1033/5685.htm" in profile.scope
    assert "http://h.gov.cn/system/_content/download.jsp?wbfileid=1" in profile.scope
    assert "http://other.gov.cn/info/1033/5685.htm" not in profile.scope
    assert "http://h.gov.cn/news/1.htm" not in profile.scope
    chosen = resolve(
        start_urls=("http://h.gov.cn/xxgk/index.htm",), scopes=("http://h.gov.cn/xxgk/",)
    )
    assert "http://h.gov.cn/info/1033/5685.htm" not in chosen.scope


# -- gkmlpt ------------------------------------------------------------------------------


def test_gkmlpt_api_answer_is_a_list_with_every_page_of_the_category() -> None:
    articles = [
        {"id": 5000 + i, "title": f"文件{i}", "url": f"http://www.sz.gov.cn/gkmlpt/content/5/{i}/post_{5000 + i}.html",
         "publish_time": 1718064000 + i}
        for i in range(10)
    ]  # fmt: skip
    text = json.dumps({"articles": articles, "total": 35, "classify": {}})
    url = "http://www.sz.gov.cn/gkmlpt/api/all/0?page=1&sid=755031"
    _, listing = platforms.listing(text, url)
    assert listing is not None and len(listing.items) == 10
    assert listing.items[0].date == "2024-06-11"  # 1718064000 is 2024-06-11 08:00 in Beijing
    assert listing.pager == [
        f"http://www.sz.gov.cn/gkmlpt/api/all/0?page={n}&sid=755031" for n in (2, 3, 4)
    ]
    links = discover(
        "", url, Scope(["http://www.sz.gov.cn/gkmlpt/"]), attachment_extensions=[],
        ignore_patterns=[], document_pattern=__import__("re").compile("post_"), listing=listing,
    )  # fmt: skip
    assert links.pages[0] == "http://www.sz.gov.cn/gkmlpt/content/5/0/post_5000.html"
    assert links.next == "http://www.sz.gov.cn/gkmlpt/api/all/0?page=2&sid=755031"


def test_gkmlpt_index_page_names_its_list_api_by_the_site_id() -> None:
    page = "<html><script>window._CONFIG = {SID: '755031', TITLE: '政府信息公开'}</script>gkmlpt</html>"
    _, listing = platforms.listing(page, "http://www.sz.gov.cn/gkmlpt/index")
    assert listing is not None
    assert listing.pager == ["http://www.sz.gov.cn/gkmlpt/api/all/0?page=1&sid=755031"]
