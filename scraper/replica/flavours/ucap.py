"""A 开普 Ucap policy section in the manner of www.gov.cn (中国政府网, an imitation).

Site map (5 items a list page; the real site shows 20)::

    /robots.txt                           Disallow: /search/
    /, /index.htm                         home, links to the section
    /zhengce/index.htm (and /zhengce/)    政策 (start_path): the three columns
    /zhengce/zuixin/home.htm              最新政策 page 1 (11 国务院 documents), then
    /zhengce/zuixin/home_1.htm, home_2.htm    pages 2 and 3 (``home_N``, N counted from 1)
    /zhengce/zhengceku/home.htm           部门文件 (5 documents, one page)
    /zhengce/jiedu/home.htm               政策解读 (4 news-style documents, one page)
    /zhengce/content/YYYYMM/content_NNNNNNN.htm    国务院文件 (metadata table)
    /zhengce/zhengceku/YYYYMM/content_NNNNNNN.htm  部门文件 (metadata table)
    /zhengce/YYYYMM/content_NNNNNNN.htm            解读 (news template)
    /zhengce/content/YYYYMM/NNNNNNN/files/<32 hex>.pdf   attachments, linked relatively
                                          from the body (``NNNNNNN/files/….pdf``)

List items are gov.cn's: ``<div class="list list_1 list_2"><ul><li><h4><a href="../content/
202406/content_7000011.htm" target="_blank">…</a><span class="date">2024-06-20</span></h4>
</li>…``, and the pager is a row of plain links (disabled buttons are spans)::

    <div class="newspage cl"><ul><li><a href="home.htm">首页</a></li><li><a class="prev"
    href="home.htm">上一页</a></li><li><a href="home.htm">1</a></li><li><span class="this-page">
    2</span></li><li><a href="home_2.htm">3</a></li><li><a class="next" href="home_2.htm">
    下一页</a></li><li><a href="home_2.htm">尾页</a></li></ul><span class="total">共3页</span>
    </div>

Documents (``gwy`` template) open with gov.cn's ``table.bd1``: 索引号, 主题分类, 发文机关, 成文日期
(``2024年06月14日``), 标题, 发文字号, 发布日期 (``2024年06月20日``), then the body in
``<td class="b12c" id="UCAP-CONTENT">``, its last paragraphs the attachment links
(``附件1：<a href="7000011/files/….pdf">name.pdf</a>``). 解读 pages (``news``) show
``div.pages-date`` (``2024-06-20 16:30 来源：新华社``) and ``div.pages_content#UCAP-CONTENT``.
Every page has gov.cn's ``firstpublishedtime``/``lastmodifiedtime``/``contentid`` metas.

Imitated from gov.cn pages as public crawlers read them (``home_N.htm`` lists,
``div.list.list_1.list_2 li h4 a`` and ``span.date``, ``td#UCAP-CONTENT.b12c``,
``div.pages_content#UCAP-CONTENT``, ``div.pages-date``, sousuo.gov.cn's ``div.newspage``
pager) and the nested ``#UCAP-CONTENT`` of ../shared/corpus ``most_3.html``. No saved Ucap
list page was available, so the pager markup is a reconstruction.
"""

from __future__ import annotations

import hashlib
from typing import ClassVar

from scraper.replica.flavours.base import (
    HTML,
    Answer,
    Column,
    FAttachment,
    FDoc,
    FlavourSite,
    Request,
    body_paragraphs,
    file_stem,
    pages_of,
)
from scraper.replica.pages import cn_date, esc, rel

SITE = "中国政府网"
ORG = "000014349"

# (key, folder of its documents, name, layout, kind)
COLUMNS = [
    ("/zhengce/zuixin/home.htm", "/zhengce/content/", "最新政策", "gwy", "notice"),
    ("/zhengce/zhengceku/home.htm", "/zhengce/zhengceku/", "部门文件", "gwy", "notice"),
    ("/zhengce/jiedu/home.htm", "/zhengce/", "政策解读", "news", "news"),
]
STATE = [
    ("国务院办公厅关于印发《促进民营经济高质量发展若干措施》的通知", "2024-06-20",
     "国务院办公厅", "国办发〔2024〕31号", "综合政务\\其他"),
    ("国务院关于印发《2024—2025年节能降碳行动方案》的通知", "2024-06-11", "国务院",
     "国发〔2024〕12号", "能源\\节能"),
    ("国务院办公厅关于加快构建废弃物循环利用体系的意见", "2024-05-29", "国务院办公厅",
     "国办发〔2024〕28号", "城乡建设、环境保护\\其他"),
    ("国务院关于修改和废止部分行政法规的决定", "2024-05-16", "国务院", "国务院令第778号",
     "综合政务\\其他"),
    ("国务院办公厅关于进一步优化支付服务提升支付便利性的意见", "2024-04-30", "国务院办公厅",
     "国办发〔2024〕10号", "财政、金融、审计\\其他"),
    ("国务院关于加强监管防范风险推动资本市场高质量发展的若干意见", "2024-04-12", "国务院",
     "国发〔2024〕10号", "财政、金融、审计\\证券"),
    ("国务院办公厅关于推动养老服务高质量发展的意见", "2024-03-28", "国务院办公厅",
     "国办发〔2024〕9号", "民政、扶贫、救灾\\其他"),
    ("国务院关于印发《推动大规模设备更新和消费品以旧换新行动方案》的通知", "2024-03-13",
     "国务院", "国发〔2024〕7号", "工业、交通\\其他"),
    ("国务院办公厅关于印发《扎实推进高水平对外开放更大力度吸引和利用外资行动方案》的通知",
     "2024-03-19", "国务院办公厅", "国办发〔2024〕8号", "商贸、海关、旅游\\对外经贸合作"),
    ("国务院关于进一步优化政务服务提升行政效能推动“高效办成一件事”的指导意见", "2024-01-16",
     "国务院", "国发〔2024〕3号", "综合政务\\政务公开"),
    ("国务院办公厅关于公布《国务院2024年度立法工作计划》的通知", "2024-01-05", "国务院办公厅",
     "", "综合政务\\其他"),
]  # fmt: skip
DEPARTMENTS = [
    ("教育部等九部门关于实施教育家精神铸魂强师行动的意见", "2024-06-14", "教育部",
     "教师〔2024〕2号", "科技、教育\\教育"),
    ("人力资源社会保障部 财政部关于调整退休人员基本养老金的通知", "2024-05-24",
     "人力资源社会保障部", "人社部发〔2024〕46号", "劳动、人事、监察\\社会保险"),
    ("国家发展改革委关于印发《电力市场运行基本规则》的通知", "2024-04-26", "国家发展改革委",
     "国家发展改革委令2024年第20号", "国民经济管理、国有资产监管\\其他"),
    ("民政部关于加强养老机构服务安全管理的通知", "2024-03-21", "民政部", "民发〔2024〕9号",
     "民政、扶贫、救灾\\其他"),
    ("财政部关于印发《政府采购需求管理办法》的通知", "2024-01-19", "财政部",
     "财库〔2024〕3号", "财政、金融、审计\\财政"),
]  # fmt: skip
READINGS = [
    ("国务院政策例行吹风会：介绍促进民营经济高质量发展若干措施有关情况", "2024-06-21", "新华社"),
    ("权威解读｜节能降碳行动方案明确五方面重点任务", "2024-06-12", "人民日报"),
    ("一图读懂｜推动大规模设备更新和消费品以旧换新", "2024-03-14", "中国政府网"),
    ("专家解读：以高效办成一件事推动政务服务提质增效", "2024-01-17", "经济日报"),
]


class UcapSite(FlavourSite):
    """开普 Ucap (gov.cn): ``home_N.htm`` link pagers, ``#UCAP-CONTENT`` bodies."""

    name: ClassVar[str] = "ucap"
    site_name: ClassVar[str] = SITE
    start_path: ClassVar[str] = "/zhengce/index.htm"
    robots: ClassVar[str] = "User-agent: *\nDisallow: /search/\n"
    per_page: ClassVar[int] = 5

    # ------------------------------------------------------------------ model

    def _build(self) -> None:
        self._next_id = 7000000
        for key, folder, name, layout, kind in COLUMNS:
            extra = {"folder": folder, "layout": layout, "kind": kind}
            self._add_column(Column(key, name, extra=extra))
        zx, bm, jd = self._columns.values()
        for i, (title, day, issuer, doc_no, topic) in enumerate(reversed(STATE)):
            self._register(self._make(zx, title, day, issuer, doc_no, topic, n_files=i % 3 // 2))
        for i, (title, day, issuer, doc_no, topic) in enumerate(reversed(DEPARTMENTS)):
            self._register(self._make(bm, title, day, issuer, doc_no, topic, n_files=1 - i % 2))
        for title, day, source in reversed(READINGS):
            self._register(self._make(jd, title, day, source))
        self._sort_columns()

    def _make(
        self,
        col: Column,
        title: str,
        day: str,
        issuer: str,
        doc_no: str | None = None,
        topic: str | None = None,
        n_files: int = 0,
    ) -> FDoc:
        doc_id = self._id()
        path = f"{col.extra['folder']}{day[:4]}{day[5:7]}/content_{doc_id}.htm"
        gwy = col.extra["layout"] == "gwy"
        salutation = (
            "各省、自治区、直辖市人民政府，国务院各部委、各直属机构："
            if issuer.startswith("国务院")
            else "各省、自治区、直辖市及新疆生产建设兵团有关部门："
        )
        paras = body_paragraphs(path, col.extra["kind"], issuer, day, salutation)
        d = FDoc(
            path=path,
            column=col.key,
            title=title,
            date=day,
            source=issuer,
            paras=paras,
            doc_id=doc_id,
            index_no=f"{ORG}/{day[:4]}-{doc_id % 100000:05d}" if gwy else None,
            doc_no=(doc_no or None) if gwy else None,
            written=_before(day) if gwy else None,
            topic=topic if gwy else None,
            layout=col.extra["layout"],
            attachments_in_body=True,
        )
        for k in range(n_files):
            ext = "docx" if k else "pdf"
            name = f"{file_stem(title, '')}{'（附表）' if k else ''}.{ext}"
            hexname = hashlib.md5(f"{path}#{k}".encode()).hexdigest()
            href = f"{doc_id}/files/{hexname}.{ext}"
            full = path.rsplit("/", 1)[0] + "/" + href
            d.attachments.append(FAttachment(full, href, name, name, line=f"附件{k + 1}：{name}"))
        return d

    def _new_document(self, column: Column, day: str, seq: int) -> FDoc:
        if column.extra["layout"] == "news":
            return self._make(column, f"政策问答｜第{seq + 1}期政策热点解读", day, "中国政府网")
        title = f"国务院办公厅关于做好{day[5:7].lstrip('0')}月份重点工作的通知（第{seq + 1}号）"
        return self._make(column, title, day, "国务院办公厅", "", "综合政务\\其他")

    # ------------------------------------------------------------------ ground truth

    def page_path(self, col: Column, k: int) -> str:
        """List page ``k`` (0-based): ``home.htm``, then ``home_1.htm``, ``home_2.htm``…"""
        return col.key if k == 0 else col.key.replace("home.htm", f"home_{k}.htm")

    def list_pages(self) -> list[str]:
        with self._lock:
            out = [self.start_path]
            for col in self._columns.values():
                out += [self.page_path(col, k) for k in range(self._count(col))]
            return out

    def _count(self, col: Column) -> int:
        return pages_of(len(self.live(col)), self.per_page)

    # ------------------------------------------------------------------ HTTP

    def _render(self, req: Request) -> Answer | None:
        p = req.path
        if p in ("/", "/index.htm"):
            return _html(self._home())
        if p in (self.start_path, "/zhengce/"):
            return _html(self._section())
        for col in self._columns.values():
            for k in range(self._count(col)):
                if p == self.page_path(col, k):
                    return _html(self._list(col, k))
        hit = self.file_for(p)
        if hit:
            return self.file_answer(*hit)
        d = self._docs.get(p)
        if d and not d.deleted:
            return _html(self._document(d))
        return None

    # ------------------------------------------------------------------ templates

    def _head(self, title: str, metas: str = "") -> str:
        return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge,chrome=1">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
{metas}<title>{esc(title)}</title>
<link href="/images/2023ucap/css/common.css" rel="stylesheet" type="text/css">
<script type="text/javascript" src="/images/2023ucap/js/jquery.min.js"></script>
</head>
<body>
<div class="header"><div class="wrap"><a class="logo" href="/">{SITE}</a>
<ul class="nav"><li><a href="/">首页</a></li><li><a href="/zhengce/">政策</a></li><li><a href="/hudong/">互动</a></li></ul></div></div>
"""

    def _foot(self, path: str) -> str:
        return f"""<div class="footer"><div class="wrap">
<p>主办单位：国务院办公厅　运行维护单位：中国政府网运行中心</p>
<p>{self.footer_note()}　网站标识码bm01000001　京ICP备05070218号</p>
<p>访问量：{self.visits(path)}</p>
</div></div>
</body>
</html>
"""

    def _crumb(self, col: Column | None) -> str:
        tail = f' &gt; <a href="{col.key}">{esc(col.name)}</a>' if col else ""
        return f'<div class="BreadcrumbNav"><a href="/">首页</a> &gt; <a href="/zhengce/">政策</a>{tail}</div>\n'

    def _home(self) -> str:
        body = '<div class="wrap"><ul><li><a href="/zhengce/index.htm">政策</a></li></ul></div>\n'
        return self._head(SITE) + body + self._foot("/")

    def _section(self) -> str:
        cols = "".join(
            f'<li><a href="{c.key}" target="_blank">{esc(c.name)}</a></li>'
            for c in self._columns.values()
        )
        body = (
            self._crumb(None)
            + f'<div class="wrap"><div class="zhengce_nav"><ul>{cols}</ul></div></div>\n'
        )
        return self._head(f"政策_{SITE}") + body + self._foot(self.start_path)

    def _list(self, col: Column, k: int) -> str:
        path = self.page_path(col, k)
        pages = self._count(col)
        docs = self.live(col)[k * self.per_page : (k + 1) * self.per_page]
        lis = "\n".join(
            f'<li><h4><a href="{rel(path, d.path).removeprefix("./")}" target="_blank">'
            f'{esc(d.title)}</a><span class="date">{d.date}</span></h4></li>'
            for d in docs
        )

        def link(label: str, target: int | None, css: str = "") -> str:
            if target is None:
                return f"<li><span>{label}</span></li>"
            cls = f' class="{css}"' if css else ""
            return f'<li><a{cls} href="{self.page_path(col, target).rsplit("/", 1)[1]}">{label}</a></li>'

        nums = "".join(
            f'<li><span class="this-page">{i + 1}</span></li>' if i == k else link(str(i + 1), i)
            for i in range(pages)
        )
        pager = (
            '<div class="newspage cl"><ul>'
            + link("首页", 0 if k else None)
            + link("上一页", k - 1 if k else None, "prev")
            + nums
            + link("下一页", k + 1 if k + 1 < pages else None, "next")
            + link("尾页", pages - 1 if k + 1 < pages else None)
            + f'</ul><span class="total">共{pages}页</span></div>'
        )
        body = (
            self._crumb(col)
            + f'<div class="wrap"><div class="news_box"><div class="list list_1 list_2"><ul>\n{lis}\n</ul></div>\n'
            + pager
            + "\n</div></div>\n"
        )
        return self._head(f"{col.name}_{SITE}") + body + self._foot(path)

    def _document(self, d: FDoc) -> str:
        col = self._columns[d.column]
        metas = f"""<meta name="keywords" content="{esc(col.name)}">
<meta name="description" content="{esc(d.paras[1][:60])}">
<meta name="firstpublishedtime" content="{d.date}-16:00:00">
<meta name="lastmodifiedtime" content="{d.date}-16:02:11">
<meta name="catalog" content="{esc(col.name)}">
<meta name="contentid" content="{d.doc_id}">
<meta name="publishedtype" content="1">
<meta name="filetype" content="0">
<meta name="pagetype" content="1">
<meta name="url" content="https://www.gov.cn{d.path}">
"""
        sign = (d.source, cn_date(d.date))
        paras = "\n".join(
            f'<p style="text-align: right;">{esc(t)}</p>'
            if t in sign
            else f'<p style="text-indent: 2em; font-family: 宋体;">{esc(t)}</p>'
            for t in d.paras
        )
        files = "".join(
            f'\n<p style="text-indent: 2em;">附件{k + 1}：<a href="{a.href}" target="_blank">{esc(a.text)}</a></p>'
            for k, a in enumerate(d.attachments)
        )
        share = '<div class="share">分享到：<a href="javascript:void(0)">微信</a> <a href="javascript:void(0)">微博</a>　【<a href="javascript:window.print()">打印</a>】【<a href="javascript:window.close()">关闭窗口</a>】</div>'
        if d.layout == "news":
            content = f"""<div class="article oneColumn pub_border">
<h1>{esc(d.title)}</h1>
<div class="pages-date">{d.date} 16:30 <span class="font">来源： {esc(d.source or "")}</span>
<span class="font index_switchsize">字号：<span>默认</span> <span>大</span> <span>超大</span></span> | <span class="font printIco">打印</span></div>
<div class="pages_content" id="UCAP-CONTENT">
{paras}{files}
</div>
<div class="editor">【我要纠错】 责任编辑：王洋</div>
{share}
</div>
"""
        else:
            content = f"""<div class="wrap">
<table width="100%" border="0" cellspacing="1" cellpadding="0" class="bd1">
<tbody>
<tr>
<td width="103" bgcolor="#eeeeee" class="b12c"><b>索&nbsp;&nbsp;引&nbsp;&nbsp;号：</b></td>
<td width="249" bgcolor="#FFFFFF">{d.index_no}</td>
<td width="103" bgcolor="#eeeeee"><b>主题分类：</b></td>
<td width="250" bgcolor="#FFFFFF">{esc(d.topic or "")}</td>
</tr>
<tr>
<td bgcolor="#eeeeee"><b>发文机关：</b></td>
<td bgcolor="#FFFFFF">{esc(d.source or "")}</td>
<td bgcolor="#eeeeee"><b>成文日期：</b></td>
<td bgcolor="#FFFFFF">{_cn(d.written or d.date)}</td>
</tr>
<tr>
<td bgcolor="#eeeeee"><b>标　　题：</b></td>
<td colspan="3" bgcolor="#FFFFFF">{esc(d.title)}</td>
</tr>
<tr>
<td bgcolor="#eeeeee"><b>发文字号：</b></td>
<td bgcolor="#FFFFFF">{esc(d.doc_no or "")}</td>
<td bgcolor="#eeeeee"><b>发布日期：</b></td>
<td bgcolor="#FFFFFF">{_cn(d.date)}</td>
</tr>
</tbody>
</table>
<table width="100%" border="0" cellspacing="0" cellpadding="0">
<tbody>
<tr><td align="center" class="b12c"><h1 style="font-size:22px">{esc(d.title)}</h1></td></tr>
<tr><td class="b12c" id="UCAP-CONTENT">
{paras}{files}
</td></tr>
</tbody>
</table>
<div class="index_switchsize">【字体：<span>大</span> <span>中</span> <span>小</span>】</div>
{share}
</div>
"""
        head = self._head(f"{d.title}_{col.name}_{SITE}", metas)
        return head + self._crumb(col) + content + self._foot(d.path)


def _cn(day: str) -> str:
    return f"{day[:4]}年{day[5:7]}月{day[8:]}日"


def _before(day: str) -> str:
    from datetime import date, timedelta

    return (date.fromisoformat(day) - timedelta(days=6)).isoformat()


def _html(text: str) -> Answer:
    return Answer(text.encode(), HTML)


__all__ = ["UcapSite"]
