"""Template shapes that extraction once misread, each pinned by a full page of that shape:
head with <title>, the site's header and menus, the shape itself, the footer."""

from __future__ import annotations

import json
from pathlib import Path

from scraper.extract import extract

from .conftest import run_cli

HEADER = """<div class="top"><a href="/">首页</a> | <a href="/zwgk/">政务公开</a> |
 <a href="/xxgk/">政府信息公开</a> | <a href="/hdjl/">互动交流</a> | <a href="/bsfw/">办事服务</a></div>"""
FOOTER = """<div class="footer"><p>主办：吴忠市红寺堡区人民政府办公室　承办：红寺堡区信息中心</p>
<p>网站标识码：6403030001　宁ICP备05001234号</p></div>"""

# Three paragraphs of body text, long enough to read as an article.
PARAS = (
    "<p>　　根据《中华人民共和国预算法》和财政部门的有关要求，现将本部门2019年度决算情况予以公开，"
    "接受社会监督。</p>"
    "<p>　　一、部门基本情况。本部门主要负责全区统计调查、统计监督工作，内设办公室和业务股室，"
    "编制人数12人，实有人数11人。</p>"
    "<p>　　二、收入支出决算总体情况说明。2019年度收入总计156.32万元，支出总计156.32万元，"
    "与上年相比增加12.40万元，增长8.6%，主要原因是人员经费和统计调查专项经费增加。</p>"
    "<p>　　三、一般公共预算财政拨款支出决算情况说明。一般公共预算财政拨款支出148.50万元，"
    "主要用于基本支出和全国经济普查等项目支出，详见附件。</p>"
)


def full_page(title: str, main: str, head: str = "") -> str:
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{title}</title>{head}</head><body>{HEADER}{main}{FOOTER}</body></html>"
    )


# --------------------------------------------------------------------------- 1. table layout

OLD_TABLE_TEMPLATE = full_page(
    "红寺堡区统计局2019年部门决算公开_吴忠市红寺堡区人民政府",
    """<table width="1000" align="center"><tr>
<td width="220" valign="top"><div class="left-nav"><h3>政府信息公开</h3><ul>
 <li><a href="../../xxgkzn/">政府信息公开指南</a></li>
 <li><a href="../../xxgkzd/">政府信息公开制度</a></li>
 <li><a href="../../fdzdgknr/">法定主动公开内容</a></li>
 <li><a href="../../xxgknb/">政府信息公开年报</a></li></ul></div></td>
<td valign="top"><table width="100%">
 <tr><td class="nav">当前位置：<a href="../../../">首页</a> &gt; <a href="../../">政府信息公开</a>
  &gt; <a href="../">财政资金</a></td></tr>
 <tr><td align="center"><font size="4"><b>红寺堡区统计局2019年部门决算公开</b></font></td></tr>
 <tr><td align="center">发布日期：2019年03月27日　信息来源：红寺堡区统计局</td></tr>
 <tr><td class="content">"""
    + PARAS
    + """<p><a href="./P020190327512345678901.docx">附件1：红寺堡区统计局2019年部门决算公开表.docx</a></p>
 </td></tr></table></td></tr></table>""",
)
OLD_URL = "http://www.hongsibu.gov.cn/xxgk/czzj/201903/t20190327_1234567.html"


def test_side_menu_heading_is_not_the_title() -> None:
    # The side menu's <h3> repeats on every page of the site (it is also the breadcrumb's
    # and the top menu's 政府信息公开); the title is the bold line the <title> begins with.
    ex = extract(OLD_TABLE_TEMPLATE, OLD_URL)
    assert ex.kind == "document"
    assert ex.title == "红寺堡区统计局2019年部门决算公开"
    assert ex.date == "2019-03-27"
    assert ex.source == "红寺堡区统计局"


def test_trailing_attachment_link_is_not_the_body_end() -> None:
    ex = extract(OLD_TABLE_TEMPLATE, OLD_URL)
    assert ex.body_text.startswith("根据《中华人民共和国预算法》")
    assert ex.body_text.endswith("详见附件。")
    assert ex.attachments == [
        {
            "url": "http://www.hongsibu.gov.cn/xxgk/czzj/201903/P020190327512345678901.docx",
            "text": "附件1：红寺堡区统计局2019年部门决算公开表.docx",
        }
    ]
    # A body that is only its attachment link keeps it: that is all the document shows.
    only = XXGK_FJ.replace(PARAS, '<p><a href="./P020260105512345678903.pdf">统计公报.pdf</a></p>')
    assert extract(only, OLD_URL).body_text == "统计公报.pdf"


# --------------------------------------------------------------------------- 2. after the body

XXGK_FJ = full_page(
    "2026年部门预算公开_吴忠市红寺堡区人民政府",
    """<div class="main"><div class="position">当前位置：<a href="/">首页</a> &gt;
 <a href="/xxgk/">政府信息公开</a> &gt; <a href="./">部门预算</a></div>
<table class="xxgk-table"><tr><td>索引号：</td><td>640303001/2026-00031</td>
 <td>发布机构：</td><td>红寺堡区财政局</td></tr>
 <tr><td>发布日期：</td><td>2026-01-05</td><td>文号：</td><td></td></tr></table>
<div class="xxgk-article"><h1 class="title">2026年部门预算公开</h1>
 <div class="TRS_UEDITOR trs_paper_default trs_web">"""
    + PARAS
    + """</div></div>
<div class="xxgk-fj"><span>附件下载：</span><a href="./W020260105512345678901.doc">1.目录2026.doc</a><BR>
<span>附件下载：</span><a href="./W020260105512345678902.xlsx">2.2026年部门预算公开表.xlsx</a><BR></div>
<div class="related"><h4>相关文章</h4><ul><li><a href="./t20260104_1.html">2025年部门决算公开</a></li></ul></div>
</div>""",
)


def test_attachment_block_after_the_body_container() -> None:
    url = "http://www.hongsibu.gov.cn/xxgk/bmys/202601/t20260105_3456789.html"
    ex = extract(XXGK_FJ, url)
    assert ex.title == "2026年部门预算公开"
    assert [(a["url"], a["text"]) for a in ex.attachments] == [
        (
            "http://www.hongsibu.gov.cn/xxgk/bmys/202601/W020260105512345678901.doc",
            "1.目录2026.doc",
        ),
        (
            "http://www.hongsibu.gov.cn/xxgk/bmys/202601/W020260105512345678902.xlsx",
            "2.2026年部门预算公开表.xlsx",
        ),
    ]
    assert "附件下载" not in ex.body_text


# --------------------------------------------------------------------------- 3. VSB

VSB_TOKEN = (
    "KoRUODLzfVUNQ7Mx4QfMlC8UzAfLR7Jbnzv4UmV2nRvsLlC0gihFp2hmCIa0LSh7nSy4LSysnN-bMllYLzvPMlUb"
)


def vsb_page(after_form: str) -> str:
    return full_page(
        "关于公布2026年财政预算的通知-红河州财政局",
        """<div class="main"><div class="left"><h2>信息公开</h2><ul>
 <li><a href="../../xxgk.htm">信息公开</a></li><li><a href="../../tzgg.htm">通知公告</a></li></ul></div>
<div class="right"><div class="position">当前位置: <a href="../../index.htm">首页</a> &gt;&gt;
 <a href="../../tzgg.htm">通知公告</a> &gt;&gt; 正文</div>
<form name="_newscontent_fromname">
 <h1 align="center">关于公布2026年财政预算的通知</h1>
 <div align="center">发布时间：2026-02-12 11:01&nbsp;&nbsp;发布机构：红河州财政局</div>
 <div id="vsb_content"><div class="v_news_content">"""
        + PARAS
        + """</div></div><div id="div_vote_id"></div>
</form>"""
        + after_form
        + """<p align="right">【<a href="javascript:window.close()">关闭窗口</a>】</p>
</div></div>""",
    )


def test_vsb_virtual_attach_link_after_the_body_form() -> None:
    html = vsb_page(
        f'<p class="fujian"><span>附件【<a href="../../virtual_attach_file.vsb?afc={VSB_TOKEN}">'
        "附件1.pdf</a>】</span></p>"
    )
    ex = extract(html, "https://www.hh.gov.cn/info/11351/1241182.htm")
    assert ex.title == "关于公布2026年财政预算的通知"
    assert ex.attachments == [
        {
            "url": f"https://www.hh.gov.cn/virtual_attach_file.vsb?afc={VSB_TOKEN}",
            "text": "附件1.pdf",
        }
    ]


def test_vsb_download_jsp_links_after_the_body_form() -> None:
    jsp = "/system/_content/download.jsp?urltype=news.DownloadAttachUrl&amp;owner=1676231333"
    html = vsb_page(
        '<ul style="list-style-type:none;">'
        f'<li>附件【<a href="{jsp}&amp;wbfileid=2534089" target="_blank">考场安排表.pdf</a>】已下载'
        '<span id="nattach2534089"><script>getClickTimes(2534089,1676231333)</script></span>次</li>'
        f'<li>附件【<a href="{jsp}&amp;wbfileid=2534090" target="_blank">考生座次表.xls</a>】已下载'
        '<span id="nattach2534090"><script>getClickTimes(2534090,1676231333)</script></span>次</li>'
        "</ul>"
    )
    ex = extract(html, "https://www.hh.gov.cn/info/11351/1241182.htm")
    base = (
        "https://www.hh.gov.cn/system/_content/download.jsp"
        "?urltype=news.DownloadAttachUrl&owner=1676231333&wbfileid="
    )
    assert [(a["url"], a["text"]) for a in ex.attachments] == [
        (base + "2534089", "考场安排表.pdf"),
        (base + "2534090", "考生座次表.xls"),
    ]


# --------------------------------------------------------------------------- 4. info line


def test_source_stops_at_the_next_label() -> None:
    html = full_page(
        "全市春季农业生产工作会议召开-某某市农业农村局",
        """<div class="content-box"><div class="content-title">全市春季农业生产工作会议召开</div>
<div class="content-small-title">来源：本站&nbsp;&nbsp;时间：2026-04-24 21:06 &nbsp;</div>
<div class="content-text">"""
        + PARAS
        + "</div></div>",
    )
    ex = extract(html, "http://nyj.example.gov.cn/news/2026/0424/123.html")
    assert ex.source == "本站"
    assert ex.date == "2026-04-24"


# --------------------------------------------------------------------------- 5. meta date

GOV_CN_2007 = full_page(
    "国务院关于印发节能减排综合性工作方案的通知_2007年第20号国务院公报_中国政府网",
    """<div class="BreadcrumbNav"><a href="/">首页</a> &gt; <a href="/gongbao/">国务院公报</a>
 &gt; <a href="/gongbao/2007/">2007年第20号</a></div>
<div class="pages_content" id="UCAP-CONTENT"><table><tr><td>
<p align="center"><b>国务院关于印发节能减排综合性工作方案的通知</b></p>
<p align="center">国发〔2007〕15号</p>
<p>各省、自治区、直辖市人民政府，国务院各部委、各直属机构：</p>
<p>　　国务院同意发展改革委会同有关部门制定的《节能减排综合性工作方案》，现印发给你们，
请结合本地区、本部门实际，认真贯彻执行。</p>
<p>　　一、充分认识节能减排工作的重要性和紧迫性。</p>
<p align="right">国务院</p></td></tr></table></div>""",
    head=(
        '<meta name="firstpublishedtime" content="2007-08-20-23:59:59">'
        '<meta name="lastmodifiedtime" content="2023-10-23-11:23:36">'
        '<meta name="others" content="页面生成时间 2023-10-23 11:23:36">'
    ),
)


def test_first_published_meta_is_the_date_of_a_page_showing_none() -> None:
    ex = extract(GOV_CN_2007, "https://www.gov.cn/gongbao/content/2007/content_678915.htm")
    assert ex.kind == "document"
    assert ex.date == "2007-08-20"


# --------------------------------------------------------------------------- 6. 文号 in the body


def ministry_page(lines: str) -> str:
    return full_page(
        "关于优化中央企业资产评估管理有关事项的通知_国务院国有资产监督管理委员会",
        """<div class="container"><div class="crumb">当前位置：<a href="/">首页</a> &gt;
 <a href="/n2588035/">政策发布</a></div>
<h2 class="zsy_cotitle">关于优化中央企业资产评估管理有关事项的通知</h2>
<div class="zsy_cotime">发布时间：2024-12-27 来源：产权管理局</div>
<div class="zsy_comain" id="zoom">"""
        + lines
        + """<p>　　各中央企业：</p>
<p>　　为深入贯彻落实党中央、国务院关于进一步深化国有企业改革的决策部署，规范中央企业资产评估行为，
现就有关事项通知如下。</p>
<p>　　一、中央企业应当加强资产评估管理，健全内部工作流程。</p>
<p align="right">国务院国资委</p><p align="right">2024年12月25日</p></div></div>""",
    )


SASAC_URL = "http://www.sasac.gov.cn/n2588035/c32580000/content.html"


def test_doc_no_from_the_first_body_line() -> None:
    ex = extract(ministry_page("<p>国资发产权规〔2024〕100号</p>"), SASAC_URL)
    assert ex.doc_no == "国资发产权规〔2024〕100号"
    assert ex.source == "产权管理局" and ex.date == "2024-12-27"
    # Not from a sentence that cites another document's 文号, nor from nothing.
    cited = "<p>　　根据《关于加强中央企业资产评估管理的通知》（国资发产权〔2019〕29号），结合实际。</p>"
    assert extract(ministry_page(cited), SASAC_URL).doc_no is None
    assert extract(ministry_page(""), SASAC_URL).doc_no is None


# --------------------------------------------------------------------------- 7. no address


def test_extract_without_url_keeps_relative_links_as_written(tmp_path: Path) -> None:
    saved = tmp_path / "page.html"
    saved.write_text(OLD_TABLE_TEMPLATE, encoding="utf-8")
    result = run_cli("extract", str(saved), "--json")
    assert result.returncode == 0, result.stderr
    assert [a["url"] for a in json.loads(result.stdout)["attachments"]] == [
        "./P020190327512345678901.docx"
    ]
    result = run_cli("extract", str(saved), "--url", OLD_URL, "--json")
    assert result.returncode == 0, result.stderr
    assert [a["url"] for a in json.loads(result.stdout)["attachments"]] == [
        "http://www.hongsibu.gov.cn/xxgk/czzj/201903/P020190327512345678901.docx"
    ]
