"""Unit tests for scraper.extract, each pinned by a small page that needs the rule."""

from __future__ import annotations

import pytest

from scraper.extract import EXTRACTOR_VERSION, Extracted, ExtractRules, extract

URL = "https://www.hongsibu.gov.cn/xxgk/zfxxgknb/201710/t20171023_123456.html"

PARAS = (
    "<p>2016年，按照红寺堡区委、区政府的工作部署，文化体育旅游局进一步提高认识，"
    "充分发挥职能作用，强化保障措施，规范公开内容。</p>"
    "<p>一、本年度工作完成情况</p>"
    "<p>（一）完善组织，加强领导，健全政府信息公开工作领导机制，确保工作深入开展。</p>"
)


def page(body: str, head: str = "", before: str = "", after: str = "") -> str:
    """A detail page: ``before`` the TRS body container, ``after`` it, around ``body``."""
    return (
        f"<html><head><meta charset='utf-8'>{head}<title>测试文章_红寺堡区人民政府</title>"
        f"</head><body><div class='main'>{before}"
        f"<div class='view TRS_UEDITOR trs_paper_default trs_web'>{body}</div>{after}"
        "</div><div class='footer'>网站标识码：6403030001</div></body></html>"
    )


# --------------------------------------------------------------------------- 红寺堡区 template

HONGSIBU = """<!DOCTYPE html>
<html><head><meta charset="utf-8">
<title>吴忠市红寺堡区文化体育旅游局2016年政府信息公开工作年度报告_红寺堡区人民政府</title>
</head><body>
<div class="header"><a href="/">首页</a><a href="/xxgk/">政府信息公开</a></div>
<div class="dqwz">您当前的位置:<a href="../../../">首页</a> &gt; <a href="../../">政府信息公开</a>
 &gt; <a href="../">政府信息公开年报</a> &gt; <a href="./">区政府各部门</a>
 &gt; <a href="./">区文化旅游体育广电局</a></div>
<div class="content">
 <div class="h-title">吴忠市红寺堡区文化体育旅游局2016年政府信息公开工作年度报告</div>
 <table class="xxgk-table">
  <tr><td>索 引 号：</td><td>640303001/2017-00012</td><td>文　　号：</td><td></td></tr>
  <tr><td>发布机构：</td><td>吴忠市红寺堡区文化体育旅游局</td><td>成文日期：</td><td>2017-10-20</td></tr>
 </table>
 <div class="h-info"><span>时间:2017-10-23</span> <span>来源:吴忠市红寺堡区文化体育旅游局</span></div>
 <div class="zh">字号:<a href="javascript:doZoom(18)">大</a><a href="javascript:doZoom(16)">中</a>
  <a href="javascript:doZoom(14)">小</a></div>
 <div class="share"><p>用微信扫描二维码</p><p>分享至好友和朋友圈</p><span>×</span></div>
 <div class="view TRS_UEDITOR trs_paper_default trs_web">
  <p>　　2016年,按照红寺堡区委、区政府的工作部署,文化体育旅游局进一步提高认识,
  充分发挥职能作用,强化保障措施,规范公开内容,丰富公开形式。</p>
  <p>　　一、本年度工作完成情况</p>
  <p>　　三、2017年工作打算</p>
 </div>
 <script type="text/javascript">
  var hasFJ='<a href="./P020171023391257012345.pdf">2016年度报告.pdf</a><BR/><a href="./P020171023391257067890.xls">统计表</a>';
  if(hasFJ!=''){ var FJarr=hasFJ.split("<BR/>"); document.write(FJarr.join("<br/>")); }
 </script>
 <div class="ewm">扫一扫在手机上查看当前页面</div>
</div>
<div class="footer"><span>网站标识码：6403030001</span><span>访问量：<b id="c">18342</b></span></div>
</body></html>"""


def test_hongsibu_template_extracts_every_field() -> None:
    ex = extract(HONGSIBU, URL)
    assert ex.kind == "document"
    assert ex.title == "吴忠市红寺堡区文化体育旅游局2016年政府信息公开工作年度报告"
    assert ex.date == "2017-10-23"
    assert ex.source == "吴忠市红寺堡区文化体育旅游局"
    assert ex.index_no == "640303001/2017-00012"
    assert ex.doc_no is None
    assert ex.breadcrumb == [
        "首页",
        "政府信息公开",
        "政府信息公开年报",
        "区政府各部门",
        "区文化旅游体育广电局",
    ]
    assert ex.body_text.startswith("2016年,按照红寺堡区委")
    assert ex.body_text.endswith("三、2017年工作打算")
    assert ex.attachments == [
        {
            "url": "https://www.hongsibu.gov.cn/xxgk/zfxxgknb/201710/P020171023391257012345.pdf",
            "text": "2016年度报告.pdf",
        },
        {
            "url": "https://www.hongsibu.gov.cn/xxgk/zfxxgknb/201710/P020171023391257067890.xls",
            "text": "统计表",
        },
    ]
    assert ex.meta["成文日期"] == "2017-10-20"
    assert "访问量" not in ex.meta


def test_visit_counter_and_footer_do_not_change_output() -> None:
    changed = HONGSIBU.replace("18342", "18343").replace(
        "网站标识码：6403030001</span>", "网站标识码：6403030001 版权所有 2026</span>"
    )
    assert changed != HONGSIBU
    assert extract(changed, URL).as_dict() == extract(HONGSIBU, URL).as_dict()


def test_furniture_next_to_the_body_stays_out_of_it() -> None:
    body = extract(HONGSIBU, URL).body_text
    for word in ("字号", "扫一扫", "分享至", "用微信扫描", "×"):
        assert word not in body


# --------------------------------------------------------------------------- labels


def test_spaced_labels_in_table_cells() -> None:
    html = page(
        PARAS,
        before="<table><tr><td><b>索 引 号：</b></td><td>000014349/2017-00110</td></tr>"
        "<tr><td><b>文　　号：</b></td><td>红政办发〔2023〕12号</td></tr></table>",
    )
    ex = extract(html, URL)
    assert ex.index_no == "000014349/2017-00110"
    assert ex.doc_no == "红政办发〔2023〕12号"


def test_label_split_by_empty_inline_tags() -> None:
    html = page(
        PARAS,
        before="<table><tr><th>索<span></span>引<span></span>号：</th>"
        "<td>11341400003225029T/202105-00001</td></tr></table>",
    )
    assert extract(html, URL).index_no == "11341400003225029T/202105-00001"


def test_empty_doc_no_followed_by_next_label_is_not_a_value() -> None:
    html = page(
        PARAS,
        before="<ul><li class='l'>发文字号</li><li class='r'></li>"
        "<li class='l'>索引号</li><li class='r'>005452110/2026-00001</li></ul>",
    )
    ex = extract(html, URL)
    assert ex.doc_no is None
    assert ex.index_no == "005452110/2026-00001"


def test_empty_last_label_does_not_take_text_from_another_block() -> None:
    html = page(
        PARAS,
        before="<ul><li>索引号</li><li>640303/2024-00031</li><li>发文字号</li><li></li></ul>"
        "<div class='art-title'>关于开展安全生产检查的通知</div>",
    )
    assert extract(html, URL).doc_no is None


@pytest.mark.parametrize("shown", ["〔〕号", "红政办发〔 〕号", "无", "暂无"])
def test_placeholder_doc_no_is_none(shown: str) -> None:
    html = page(PARAS, before=f"<p>文号：{shown}</p><p>索引号：无</p>")
    ex = extract(html, URL)
    assert ex.doc_no is None
    assert ex.index_no is None


def test_label_value_pairs_in_one_run_are_split() -> None:
    html = page(PARAS, before="<p>来源：<span>黄石市财政局</span>时间：2026-01-27 21:27</p>")
    ex = extract(html, URL)
    assert ex.source == "黄石市财政局"
    assert ex.date == "2026-01-27"


def test_labels_inside_the_body_are_text_not_metadata() -> None:
    html = page(
        PARAS + "<p>（来源：中国政府网）</p>",
        before="<table><tr><td>发文机构：</td><td>国务院</td></tr></table>",
    )
    ex = extract(html, URL)
    assert ex.source == "国务院"
    assert ex.body_text.endswith("（来源：中国政府网）")


def test_empty_source_label_falls_back_to_content_source_then_none() -> None:
    before = "<div>来源：</div><div>发布日期：2023-05-25</div>"
    with_meta = page(
        PARAS, head="<meta name='ContentSource' content='勉县农业中心'>", before=before
    )
    assert extract(with_meta, URL).source == "勉县农业中心"
    assert extract(page(PARAS, before=before), URL).source is None


# --------------------------------------------------------------------------- dates


def test_written_date_is_never_the_published_date() -> None:
    html = page(
        PARAS,
        before="<table><tr><td>成文日期：</td><td>2024年05月26日</td>"
        "<td>发布日期：</td><td>2024年05月30日</td></tr></table>",
    )
    assert extract(html, URL).date == "2024-05-30"
    only_written = page(PARAS, before="<p>成文日期：2024年05月26日</p>")
    assert extract(only_written, URL).date is None


def test_url_date_is_not_the_published_date() -> None:
    url = "https://www.most.gov.cn/xxgk/flfg/202405/t20240531_191008.html"
    html = page(PARAS, before="<p>发布时间：2024/05/30 11:08</p>")
    assert extract(html, url).date == "2024-05-30"


def test_pubdate_meta_only_when_the_page_shows_no_date() -> None:
    head = "<meta name='PubDate' content='2025-10-25 11:32:16'>"
    assert extract(page(PARAS, head=head), URL).date == "2025-10-25"
    shown = page(PARAS, head=head, before="<span>时间：2019.09.18</span>")
    assert extract(shown, URL).date == "2019-09-18"


def test_today_widget_in_the_header_is_not_the_date() -> None:
    header = (
        "<div class='top'>日期：2026-08-01 星期六</div>" + "<ul>" + "<li>栏目</li>" * 30 + "</ul>"
    )
    html = page(PARAS, before="<h1>通知</h1><p>日期：2024-06-11</p>").replace(
        "<div class='main'>", header + "<div class='main'>"
    )
    assert extract(html, URL).date == "2024-06-11"


def test_unlabelled_date_on_the_info_line() -> None:
    html = page(
        PARAS, before="<h1>关于开展专项检查的通知</h1><div class='info'>2021年3月8日 09:00</div>"
    )
    assert extract(html, URL).date == "2021-03-08"


# --------------------------------------------------------------------------- title, breadcrumb


def test_title_prefers_the_heading_over_the_title_tag() -> None:
    html = page(PARAS, before="<div class='article-title'>测试文章</div><h3>相关栏目</h3>")
    assert extract(html, URL).title == "测试文章"


def test_info_line_styled_as_a_title_is_not_the_title() -> None:
    html = page(
        PARAS,
        before="<div class='title-box'><h1>关于调整办事时间的通知</h1>"
        "<div class='title-info'>时间:2024-06-11 来源:区政务服务中心</div></div>",
    )
    ex = extract(html, URL)
    assert ex.title == "关于调整办事时间的通知"
    assert ex.source == "区政务服务中心"


def test_title_falls_back_to_title_tag_without_site_suffix() -> None:
    html = (
        "<html><head><title>关于做好防汛工作的通知 - 应急信息 - 某某县人民政府</title></head>"
        f"<body><div class='TRS_Editor'>{PARAS}</div></body></html>"
    )
    assert extract(html, URL).title == "关于做好防汛工作的通知"


@pytest.mark.parametrize(
    "tag,expected",
    [
        ("关于做好防汛工作的通知-某某市人民政府", "关于做好防汛工作的通知"),
        ("长者专区_金龟子危害及防治技术指导意见", "金龟子危害及防治技术指导意见"),
        ("2025-2026年度重点工作安排_红寺堡区人民政府", "2025-2026年度重点工作安排"),
    ],
)
def test_title_tag_site_and_column_parts_are_dropped(tag: str, expected: str) -> None:
    html = f"<html><head><title>{tag}</title></head><body><div class='TRS_Editor'>{PARAS}</div></body></html>"
    assert extract(html, URL).title == expected


def test_breadcrumb_from_plain_text_trail() -> None:
    html = page(PARAS, before="<div>您当前的位置:首页 > 政府信息公开 > 政府信息公开年报</div>")
    assert extract(html, URL).breadcrumb == ["首页", "政府信息公开", "政府信息公开年报"]


def test_breadcrumb_falls_back_to_column_name() -> None:
    html = page(PARAS, head="<meta name='ColumnName' content='政策文件'>")
    assert extract(html, URL).breadcrumb == ["政策文件"]


# --------------------------------------------------------------------------- body


def test_body_keeps_table_rows_and_paragraphs() -> None:
    table = (
        "<table><tr><td>信息内容</td><td>本年制发件数</td></tr>"
        "<tr><td><p>行政</p><p>规范性文件</p></td><td>62</td></tr></table>"
    )
    body = extract(page(PARAS + table), URL).body_text
    lines = body.split("\n")
    assert lines[0].startswith("2016年，按照")
    assert lines[-2] == "信息内容\t本年制发件数"
    assert lines[-1] == "行政规范性文件\t62"


def test_furniture_inside_the_container_is_removed() -> None:
    furniture = (
        "<div class='tools'>【打印本页】【关闭窗口】</div><div>扫一扫在手机打开当前页</div>"
        "<p>字号：<a href='#'>大</a> <a href='#'>中</a> <a href='#'>小</a></p>"
        "<div>分享至：<a href='#'>微信</a></div>"
        "<div class='bdshare'><p>分享到：</p><p><a href='#'>微博</a> <a href='#'>QQ空间</a></p></div>"
    )
    body = extract(page(PARAS + furniture), URL).body_text
    for word in ("打印本页", "关闭窗口", "扫一扫", "字号", "分享至", "分享到", "QQ空间"):
        assert word not in body
    assert body.endswith("健全政府信息公开工作领导机制，确保工作深入开展。")


def test_body_found_by_text_density_without_known_container() -> None:
    html = (
        "<html><body><ul class='nav'><li><a href='/a'>首页</a></li><li><a href='/b'>新闻</a></li>"
        f"</ul><div class='wz'>{PARAS}</div><div class='foot'>版权所有</div></body></html>"
    )
    ex = extract(html, URL)
    assert ex.body_text.startswith("2016年，按照")
    assert "版权所有" not in ex.body_text and "首页" not in ex.body_text


def test_source_line_wraps_join_cjk_but_space_latin() -> None:
    body = extract(page("<p>关于吕梁市2025年\n   全市预算</p><p>Article\n  one 第一条</p>"), URL)
    assert body.body_text == "关于吕梁市2025年全市预算\nArticle one 第一条"


def test_ideographic_and_nbsp_indents_are_trimmed_not_invented() -> None:
    html = page("<p>\u3000\u3000第一章\u3000总则</p><p>\xa0\xa0金额\xa0\xa0100万元</p>")
    assert extract(html, URL).body_text == "第一章\u3000总则\n金额 100万元"


# --------------------------------------------------------------------------- attachments


def test_rel_appendix_script_and_links_near_the_body() -> None:
    html = page(
        PARAS + "<p><a href='../../upload/2026年预算表.xlsx'>2026年预算表.xlsx</a></p>",
        after="<script>var rel_appendix='<a href=\"/attach/P020260101123456.pdf\">附件</a>';"
        "</script><div class='related'><a href='/other/t20260101_1.html'>其他文章</a></div>",
    )
    urls = [a["url"] for a in extract(html, URL).attachments]
    assert urls == [
        "https://www.hongsibu.gov.cn/xxgk/upload/2026年预算表.xlsx",
        "https://www.hongsibu.gov.cn/attach/P020260101123456.pdf",
    ]


def test_hasfj_script_far_from_the_body_still_lists_attachments() -> None:
    script = "<script>var hasFJ='<a href=\\'./P020240611555555555.ofd\\'>正式文件</a>';</script>"
    html = page(PARAS).replace("</body>", script + "</body>")
    assert extract(html, URL).attachments == [
        {
            "url": "https://www.hongsibu.gov.cn/xxgk/zfxxgknb/201710/P020240611555555555.ofd",
            "text": "正式文件",
        }
    ]


def test_opaque_download_link_recognised_by_its_text() -> None:
    html = page(
        PARAS,
        after="<span>附件【<a href='../../virtual_attach_file.vsb?afc=Ko7'>附表.xlsx</a>】</span>",
    )
    [att] = extract(html, URL).attachments
    assert att["url"] == "https://www.hongsibu.gov.cn/xxgk/virtual_attach_file.vsb?afc=Ko7"


def test_footer_documents_are_not_attachments() -> None:
    html = page(PARAS).replace(
        "网站标识码：6403030001", "<a href='/guide/隐私政策.pdf'>隐私政策.pdf</a>"
    )
    assert extract(html, URL).attachments == []


def test_each_attachment_once_in_page_order() -> None:
    links = "<a href='b.pdf'>B.pdf</a><a href='a.doc'>A.doc</a><a href='b.pdf'>B again</a>"
    html = page(PARAS + f"<p>{links}</p>")
    texts = [a["text"] for a in extract(html, URL).attachments]
    assert texts == ["B.pdf", "A.doc"]


def test_an_unresolvable_attachment_link_does_not_cost_the_document() -> None:
    # urljoin refuses a host that NFKC-normalises into URL syntax (the full-width colon).
    bad = "<a href='http://www.hongsibu.go索引号：v.cn/a.pdf'>坏链接.pdf</a>"
    good = "<a href='./P020240611000000001.pdf'>正式文件.pdf</a>"
    ex = extract(page(PARAS + f"<p>{bad}{good}</p>"), URL)
    assert ex.kind == "document"
    assert ex.title == "测试文章"
    assert ex.attachments == [
        {
            "url": "https://www.hongsibu.gov.cn/xxgk/zfxxgknb/201710/P020240611000000001.pdf",
            "text": "正式文件.pdf",
        }
    ]


# --------------------------------------------------------------------------- kind


def test_list_page_with_trs_pager_call() -> None:
    items = "".join(
        f"<li><a href='./202310/t202310{d:02d}_{d}.html'>关于第{d}项工作的通知</a>"
        f"<span>2023-10-{d:02d}</span></li>"
        for d in range(1, 4)
    )
    html = (
        f"<html><body><ul class='list'>{items}</ul>"
        '<script>createPageHTML(12, 0, "index", "html");</script></body></html>'
    )
    ex = extract(html, "https://www.hongsibu.gov.cn/xxgk/zfxxgknb/")
    assert ex.kind == "list"
    assert ex.pager == {
        "total": 12,
        "current": 0,
        "stem": "index",
        "ext": "html",
        "article": False,
    }


def test_list_page_from_dated_items_alone() -> None:
    items = "".join(
        f"<li><a href='./t2023100{d}_{d}.html'>第{d}号公告内容标题</a><span>2023-10-0{d}</span></li>"
        for d in range(1, 8)
    )
    html = f"<html><body><div class='box'><ul>{items}</ul></div></body></html>"
    assert extract(html, "https://www.hongsibu.gov.cn/xxgk/tzgg/").kind == "list"


def test_multi_part_article_pager_is_still_a_document() -> None:
    html = page(PARAS, after='<script>createPageHTML(3, 0, "t20151009_67430", "html");</script>')
    ex = extract(html, "https://www.example.gov.cn/col/art/xxgk-show-1.html")
    assert ex.kind == "document"
    assert ex.pager["article"] is True


def test_document_url_without_trs_pattern_decided_from_content() -> None:
    html = page(PARAS * 3, head="<meta name='ArticleTitle' content='测试文章'>")
    assert extract(html, "https://www.dachuan.gov.cn/xxgk-show-139432.html").kind == "document"


# --------------------------------------------------------------------------- robustness


@pytest.mark.parametrize(
    "html",
    [
        "",
        "   ",
        "<<<>>><",
        "\x00\x01\x02 binary-ish \ufffd",
        "<html><body><p>短</p></body></html>",
        "<div>" * 5000 + "深层嵌套的文字" + "</div>" * 10,
        "<table><tr><td>" * 300 + "表格",
        "<p>" + "很长的页面。" * 200_000 + "</p>",
        "<script>var hasFJ='<a href=\"x.pdf\">'</script>",
        "<a href='javascript:void(0)'>附件.pdf</a><a href=''>x.doc</a>",
    ],
)
def test_garbage_never_crashes(html: str) -> None:
    ex = extract(html, "not a url")
    assert isinstance(ex, Extracted)
    assert ex.kind in {"document", "list", "other"}


def test_empty_page_is_other_with_empty_fields() -> None:
    assert extract("", URL) == Extracted(kind="other")


def test_profile_rules_override_generic_guesses() -> None:
    html = page(
        PARAS,
        after="<div class='zw-extra'><p>这是站点配置指定的正文容器里的文字内容，应当被选中。</p></div>",
    )
    ex = extract(html, URL, ExtractRules(body=["div.zw-extra"], drop=[".footer"]))
    assert ex.body_text == "这是站点配置指定的正文容器里的文字内容，应当被选中。"


def test_extractor_version_is_set() -> None:
    assert EXTRACTOR_VERSION.count(".") == 2


@pytest.mark.parametrize(
    "text",
    [
        "很抱歉，您的访问请求疑似存在安全威胁，已被网防G01政府网站安全防护平台拦截。",
        "抱歉，您访问的页面不存在或已被删除！",
    ],
)
def test_block_and_soft_404_pages_under_a_document_url_are_other(text: str) -> None:
    html = f"<html><head><title>提示</title></head><body><div class='box'><h1>405</h1><p>{text}</p></div></body></html>"
    assert extract(html, URL).kind == "other"


def test_cms_class_on_a_banner_does_not_beat_the_article() -> None:
    article = "".join(
        f"<p>第{i}条 这是正文的一个段落，讲述政府信息公开工作的具体安排和要求。</p>"
        for i in range(12)
    )
    html = (
        "<html><body><div class='top'><div class='TRS_Editor'>欢迎访问本网站</div></div>"
        f"<div class='main-text'>{article}</div><div class='foot'>主办单位：某某县人民政府</div>"
        "</body></html>"
    )
    body = extract(html, URL).body_text
    assert body.startswith("第0条") and "欢迎访问" not in body


def test_empty_editor_container_with_only_attachments() -> None:
    html = page(
        "",
        before="<h2>关于公布2024年预算的通知</h2><p>发布日期：2024-06-11</p>",
        after="<script>var hasFJ='<a href=\"./P020240611123456789.pdf\">预算.pdf</a>';</script>",
    )
    ex = extract(html, URL)
    assert ex.kind == "document"
    assert ex.body_text == ""
    assert ex.date == "2024-06-11"
    assert [a["text"] for a in ex.attachments] == ["预算.pdf"]


def test_catalogue_table_inside_the_body_container_is_read_and_dropped() -> None:
    table = (
        "<table><tr><td>索引号：</td><td>640303/2024-00031</td><td>发布机构：</td><td>区财政局</td>"
        "</tr><tr><td>发文字号：</td><td>红财发〔2024〕5号</td><td>成文日期：</td><td>2024-06-01</td>"
        "</tr></table>"
    )
    ex = extract(page(table + PARAS), URL)
    assert ex.index_no == "640303/2024-00031"
    assert ex.doc_no == "红财发〔2024〕5号"
    assert ex.source == "区财政局"
    assert "索引号" not in ex.body_text and ex.body_text.startswith("2016年")


def test_short_article_with_a_dated_sidebar_is_a_document() -> None:
    sidebar = "".join(
        f"<li><a href='/xwzx/t2024060{d}_{d}.html'>区政府召开第{d}次常务会议</a><span>2024-06-0{d}</span></li>"
        for d in range(1, 9)
    )
    html = (
        f"<html><body><div class='side'><ul>{sidebar}</ul></div>"
        f"<div class='wz'>{PARAS}{PARAS}</div></body></html>"
    )
    assert extract(html, "https://www.example.gov.cn/content/4567.html").kind == "document"


def test_as_dict_is_dataclasses_asdict() -> None:
    import dataclasses

    ex = extract(HONGSIBU, URL)
    ex.pager = {"total": 3, "current": 1, "stem": "index", "ext": "html", "article": False}
    assert ex.attachments and ex.meta and ex.breadcrumb
    assert ex.as_dict() == dataclasses.asdict(ex)
    assert list(ex.as_dict()) == [f.name for f in dataclasses.fields(Extracted)]


def test_text_nested_beyond_the_depth_limit_is_still_read() -> None:
    deep = "<div>" * 450 + "<p>埋得很深的一段正文，仍然属于正文。</p>" + "</div>" * 450
    ex = extract(page(PARAS + deep), URL)
    assert ex.body_text.startswith("2016年")
    assert ex.body_text.endswith("埋得很深的一段正文，仍然属于正文。")


def test_thousands_of_text_runs_between_comments() -> None:
    runs = "字<!-- -->" * 6000
    ex = extract(
        page(f"<p>{runs}</p>" + PARAS, after="<span>" + "词<!---->" * 5000 + "</span>"), URL
    )
    assert ex.body_text.startswith("字" * 6000)


@pytest.mark.parametrize(
    "text",
    ["a\nb", "中 \n文", "  \n  ", "x\r\n\r\n y\n", "\u2003\n\u3000z", "a\n\u2028\nb \t\n", "\n"],
)
def test_source_newlines_become_one_break_each(text: str) -> None:
    import re

    from scraper.extract.body import _BREAK, _mark_newlines

    assert _mark_newlines(text) == re.sub(r"[ \t\r\f\v\u00a0\u3000]*\n\s*", _BREAK, text)


def test_every_replica_list_page_body_is_its_listing():
    """Including a column's last page, where one dated entry is fewer links than the footer's
    friendly sites."""
    from scraper.replica import ReplicaSite

    site = ReplicaSite()
    for path in site.list_pages():
        body = extract(site.page(path), "http://127.0.0.1:8000" + path).body_text
        assert body.splitlines() == [f"{d}  {t}" for d, t in site.list_entries(path)], path
