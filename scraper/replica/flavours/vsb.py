"""A 博达 VSB (Visual SiteBuilder 9) disclosure section (弥勒市人民政府, an imitation).

Site map (5 items a list page)::

    /robots.txt                     Disallow: /search.jsp
    /, /index.htm                   home, links to the section
    /xxgk.htm                       政府信息公开 (start_path): the columns and their latest items
    /xxgk/tzgg.htm                  通知公告 page 1 (13 documents, tree 1042), then
    /xxgk/tzgg/2.htm, /xxgk/tzgg/1.htm   pages 2 and 3: numbered in REVERSE, the highest
                                    number is page 2 and 1.htm holds the oldest items
    /xxgk/zcwj.htm                  政策文件 (5 documents, tree 1043, one page)
    /xxgk/ndbg.htm                  政府信息公开年报 (2 documents, tree 1044)
    /info/<tree>/<id>.htm           articles (outside the section's folder)
    /system/_content/download.jsp?urltype=news.DownloadAttachUrl&owner=1712345678&wbfileid=N
    /virtual_attach_file.vsb?afc=<opaque token>
                                    attachments; the file name is only in the link text

The pager is VSB's own table, verbatim in form (page 2 of 3 shown)::

    <TD nowrap align="left" width="1%" id="fanye203020">共13条&nbsp;&nbsp;2/3&nbsp;</td>
    <td nowrap align="left"><div><a href="../tzgg.htm" class="Prev">首页</a><a
    href="../tzgg.htm" class="Prev">上页</a><a href="1.htm" class="Next">下页</a><a
    href="1.htm" class="Next">尾页</a>&nbsp;&nbsp;<input … onclick="javascript:
    a203020_gopage_fun()">…页</div></td>

with ``<span class="PrevDisabled">首页</span>`` (``NextDisabled``) where a button is off,
``_simple_list_gotopage_fun(3,'a203020GOPAGE',2)`` and a ``_showDynClickBatch`` counter call.
Items: ``<li id="line_u7_0"><a href="../info/1042/5013.htm" title="…">…</a><span>2024年06月
20日</span></li>`` (通知公告 shows Chinese dates; the other columns ISO dates).

Three article templates, as real VSB sites have them:

- 通知公告 (``news``): ``<form name="_newscontent_fromname">``, ``<h1>``, a 时间/来源/点击 line
  with ``_showDynClicks("wbnews", 1712345678, id)``, the body in ``div#vsb_content.wz >
  div.v_news_content``, then the attachment block ``附件【<a href="/system/_content/
  download.jsp?urltype=news.DownloadAttachUrl&owner=…&wbfileid=…">name.pdf</a>】已下载<span
  id="nattach…"><script>getClickTimes(…)</script></span>次`` and 上一条/下一条 links.
- 年报 (``nested``): ``div.title``, ``div.time`` (date, an empty 作者, 浏览次数; no 来源, so
  ``source`` is None) and the doubly nested body ``div#vsb_content > div.v_news_content >
  div#vsb_content_4 > div.v_news_content``, whose OUTER container also holds the attachment
  block, the ``dl.page`` 上一条/下一条 links and 【关闭】.
- 政策文件 (``gk``): a ``div.dtl-list`` of 索引号/发布机构/文号/发布日期/时效性, the title in
  ``div.dtl-tit h4``, the body in ``div#vsb_content_1001`` (``p.vsbcontent_start`` …
  ``p.vsbcontent_end``), then ``<span>附件【<a href="../../virtual_attach_file.vsb?afc=…">
  <span>附件：name.xlsx</span></a>】</span>``. Its ``<META ContentSource>`` is the site's
  name, not the shown 发布机构 (as on the real page).

Imitated from ``tests/corpus/pages/``: ``vsb_cqjtuyjszs_list_1.html`` and ``_list_2.html``
(pager table, reverse numbering), ``vsb_henursc_list_1.html`` (page 1 of 2),
``vsb_henursc_4.html`` (the news template), ``vsb_cqjtuyjszs_2.html`` and ``_3.html`` (the
nested template and the attachment block); and ../shared/corpus ``honghe_1.html`` (红河州,
the ``gk`` template and ``virtual_attach_file.vsb``).
"""

from __future__ import annotations

import base64
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
from scraper.replica.pages import cn_date, esc
from scraper.replica.pages import rel as _rel

SITE = "弥勒市人民政府"
DOMAIN = "www.ynml.gov.cn"
OWNER = 1712345678
DOWNLOAD = "/system/_content/download.jsp"
VIRTUAL = "/virtual_attach_file.vsb"
ORG_CODE = "11532526015190328T"

# (slug, tree id, name, layout, kind, dates as)
COLUMNS = [
    ("tzgg", 1042, "通知公告", "news", "notice", "cn"),
    ("zcwj", 1043, "政策文件", "gk", "notice", "iso"),
    ("ndbg", 1044, "政府信息公开年报", "nested", "report", "iso"),
]
UNITS = ["弥勒市人民政府办公室", "弥勒市发展和改革局", "弥勒市教育体育局", "弥勒市民政局",
         "弥勒市财政局", "弥勒市自然资源局", "弥勒市卫生健康局"]  # fmt: skip
NOTICES = [
    ("关于2024年弥勒市城乡居民基本医疗保险集中缴费期的通告", "2024-06-20"),
    ("弥勒市2024年上半年事业单位公开招聘工作人员拟聘用人员公示", "2024-06-11"),
    ("关于开展2024年全国“安全生产月”活动的通知", "2024-05-30"),
    ("弥勒市关于做好2024年主汛期地质灾害防治工作的通知", "2024-05-21"),
    ("关于公布弥勒市2024年第一批建设项目环境影响评价审批结果的公告", "2024-05-08"),
    ("弥勒市2024年义务教育学校招生入学工作方案", "2024-04-25"),
    ("关于调整弥勒市城乡最低生活保障标准的通知", "2024-04-02"),
    ("弥勒市2024年度重大行政决策事项目录", "2024-03-14"),
    ("关于做好2024年清明节期间森林防灭火工作的通知", "2024-03-28"),
    ("弥勒市2024年春运期间道路交通安全管理工作的通告", "2024-01-24"),
    ("关于开展2023年度法治政府建设情况报告工作的通知", "2023-12-19"),
    ("弥勒市2023年第四季度“双随机、一公开”抽查结果公示", "2023-12-04"),
    ("关于征求《弥勒市城市绿化管理办法（征求意见稿）》意见的公告", "2023-11-15"),
]
POLICIES = [
    ("弥勒市人民政府关于印发弥勒市促进民营经济发展若干措施的通知", "2024-06-03",
     "弥政发〔2024〕12号"),
    ("弥勒市人民政府办公室关于印发弥勒市城市居民最低生活保障实施细则的通知", "2024-04-16",
     "弥政办发〔2024〕9号"),
    ("弥勒市人民政府办公室关于进一步加强农村公路管理养护工作的实施意见", "2024-02-26",
     "弥政办发〔2024〕3号"),
    ("弥勒市人民政府关于公布行政规范性文件清理结果的决定", "2023-12-21", ""),
    ("弥勒市人民政府关于印发弥勒市政府投资项目管理办法的通知", "2023-10-13",
     "弥政发〔2023〕31号"),
]  # fmt: skip
REPORTS = [
    ("弥勒市人民政府2023年政府信息公开工作年度报告", "2024-01-30"),
    ("弥勒市人民政府2022年政府信息公开工作年度报告", "2023-01-31"),
]


def _token(seed: str) -> str:
    raw = hashlib.sha512(seed.encode()).digest() + hashlib.sha256(seed.encode()).digest()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class VsbSite(FlavourSite):
    """博达 VSB: static list pages numbered in reverse, /info/ articles, script downloads."""

    name: ClassVar[str] = "vsb"
    site_name: ClassVar[str] = SITE
    start_path: ClassVar[str] = "/xxgk.htm"
    robots: ClassVar[str] = "User-agent: *\nDisallow: /search.jsp\n"
    per_page: ClassVar[int] = 5

    # ------------------------------------------------------------------ model

    def _build(self) -> None:
        self._next_id = 5000
        self._file_id = 6012000
        for slug, tree, name, layout, kind, dates in COLUMNS:
            extra = {"slug": slug, "id": tree, "layout": layout, "kind": kind, "dates": dates}
            self._add_column(Column(f"/xxgk/{slug}.htm", name, extra=extra))
        tz, zc, nb = self._columns.values()
        for i, (title, day) in enumerate(reversed(NOTICES)):
            self._register(self._make(tz, title, day, UNITS[i % len(UNITS)], n_files=i % 3 // 2))
        for i, (title, day, doc_no) in enumerate(reversed(POLICIES)):
            source = UNITS[0] if "办公室" in title else SITE
            self._register(self._make(zc, title, day, source, doc_no, n_files=1 + i % 2))
        for title, day in reversed(REPORTS):
            self._register(self._make(nb, title, day, SITE, n_files=1))
        self._sort_columns()

    def _make(
        self,
        col: Column,
        title: str,
        day: str,
        source: str,
        doc_no: str | None = None,
        n_files: int = 0,
    ) -> FDoc:
        doc_id = self._id()
        path = f"/info/{col.extra['id']}/{doc_id}.htm"
        gk = col.extra["layout"] == "gk"
        nested = col.extra["layout"] == "nested"
        paras = body_paragraphs(
            path, col.extra["kind"], source, day, "各乡镇人民政府、街道办事处，市直各部门："
        )
        d = FDoc(
            path=path,
            column=col.key,
            title=title,
            date=day,
            source=None if nested else source,  # the template shows no 来源
            paras=paras,
            doc_id=doc_id,
            index_no=f"{ORG_CODE}/{day[:4]}-{doc_id % 1000:05d}" if gk else None,
            doc_no=(doc_no or None) if gk else None,
            layout=col.extra["layout"],
        )
        for k in range(n_files):
            d.attachments.append(self._attachment(d, k))
        return d

    def _attachment(self, d: FDoc, k: int) -> FAttachment:
        if "年度报告" in d.title:
            name = f"{d.title[:-6]}统计表.xlsx"
        else:
            name = (
                f"{file_stem(d.title, SITE)}{'（政策解读）' if k else ''}.{'docx' if k else 'pdf'}"
            )
        if d.layout == "gk":
            token = _token(f"{d.path}#{k}")
            href = f"../..{VIRTUAL}?afc={token}"
            path = f"{VIRTUAL}?afc={token}"
            return FAttachment(path, href, f"附件：{name}", name, key=f"afc:{token}")
        self._file_id += 7
        path = f"{DOWNLOAD}?urltype=news.DownloadAttachUrl&owner={OWNER}&wbfileid={self._file_id}"
        return FAttachment(path, path, name, name, key=f"wbfile:{self._file_id}")

    def _new_document(self, column: Column, day: str, seq: int) -> FDoc:
        if column.extra["kind"] == "report":
            title = f"弥勒市{day[:4]}年政府信息公开工作情况通报（第{seq + 1}期）"
        else:
            title = f"关于做好{day[5:7].lstrip('0')}月份重点工作的通知（第{seq + 1}期）"
        return self._make(column, title, day, UNITS[seq % len(UNITS)], n_files=0)

    # ------------------------------------------------------------------ ground truth

    def page_path(self, col: Column, page: int, pages: int) -> str:
        """The path of list page ``page`` (1-based) of ``pages``: the column's own page,
        then ``<slug>/<pages - page + 1>.htm``."""
        if page == 1:
            return col.key
        return f"/xxgk/{col.extra['slug']}/{pages - page + 1}.htm"

    def list_pages(self) -> list[str]:
        with self._lock:
            out = [self.start_path]
            for col in self._columns.values():
                m = pages_of(len(self.live(col)), self.per_page)
                out += [self.page_path(col, k, m) for k in range(1, m + 1)]
            return out

    # ------------------------------------------------------------------ HTTP

    def _render(self, req: Request) -> Answer | None:
        p = req.path
        if p in ("/", "/index.htm"):
            return _html(self._home())
        if p == self.start_path:
            return _html(self._section())
        for col in self._columns.values():
            m = pages_of(len(self.live(col)), self.per_page)
            for k in range(1, m + 1):
                if p == self.page_path(col, k, m):
                    return _html(self._list(col, k, m))
        if p == DOWNLOAD and req.query.get("urltype") == "news.DownloadAttachUrl":
            hit = self.file_for(f"wbfile:{req.query.get('wbfileid', '')}")
            return self.file_answer(*hit, disposition=True) if hit else None
        if p == VIRTUAL:
            hit = self.file_for(f"afc:{req.query.get('afc', '')}")
            return self.file_answer(*hit, disposition=True) if hit else None
        d = self._docs.get(p)
        if d and not d.deleted:
            page = {"gk": self._gk, "nested": self._nested}.get(d.layout, self._news)(d)
            return _html(page)
        return None

    # ------------------------------------------------------------------ templates

    def _head(self, title: str, path: str, metas: str = "", jsq: str = "") -> str:
        up = rel(path, "/").rstrip("/") or "."
        return f"""<!DOCTYPE html>
<HTML lang="zh-CN"><HEAD><TITLE>{esc(title)}</TITLE>{metas}
<META content="text/html; charset=UTF-8" http-equiv="Content-Type">
<META name="viewport" content="width=device-width, initial-scale=1">
<LINK rel="stylesheet" type="text/css" href="{up}/style/public.css">

<!--Announced by Visual SiteBuilder 9-->
<link rel="stylesheet" type="text/css" href="{up}/_sitegray/_sitegray_d.css" />
<script language="javascript" src="{up}/_sitegray/_sitegray.js"></script>
<!-- CustomerNO:77656262657232307b78475d5057574200030002425a -->
<script type="text/javascript" src="/system/resource/js/counter.js"></script>
{jsq}</HEAD>
<BODY>
<div class="head"><div class="w"><a href="{up}/index.htm"><img src="{up}/images/logo.png" alt="{SITE}"></a>
<ul class="nav"><li><a href="{up}/index.htm">首页</a></li><li><a href="{rel(path, self.start_path)}">政府信息公开</a></li></ul></div></div>
"""

    def _foot(self, path: str) -> str:
        return f"""<div class="foot"><div class="w">
<p>主办单位：{SITE}办公室　地址：云南省弥勒市髯翁西路</p>
<p>{self.footer_note()}　网站标识码：5325260001　滇ICP备05000912号-1</p>
<p>您是本站第 {self.visits(path)} 位访问者（访问量）</p>
</div></div>
</BODY></HTML>
"""

    def _crumbs(self, path: str, col: Column | None) -> str:
        trail = [("首页", "/index.htm"), ("政府信息公开", self.start_path)]
        if col:
            trail.append((col.name, col.key))
        links = "\n                >>\n                ".join(
            f'<span><a href="{rel(path, href)}">{esc(name)}</a></span>' for name, href in trail
        )
        return f'<DIV class="position"><div class="w">当前位置：{links}\n</div></DIV>\n'

    def _home(self) -> str:
        body = '<div class="w"><ul><li><a href="xxgk.htm">政府信息公开</a></li></ul></div>\n'
        return self._head(SITE, "/index.htm") + body + self._foot("/index.htm")

    def _section(self) -> str:
        boxes = []
        for col in self._columns.values():
            items = "".join(
                f'<li><a href="{rel(self.start_path, d.path)}" title="{esc(d.title)}">'
                f"{esc(d.title)}</a><span>{d.date}</span></li>"
                for d in self.live(col)[:3]
            )
            boxes.append(
                f'<div class="gk-box"><div class="gk-tit"><h3>{esc(col.name)}</h3>'
                f'<a href="{rel(self.start_path, col.key)}" class="more">更多&gt;&gt;</a></div>'
                f"<ul>{items}</ul></div>"
            )
        body = self._crumbs(self.start_path, None) + (
            '<div class="main"><div class="w">' + "\n".join(boxes) + "</div></div>\n"
        )
        head = self._head(f"政府信息公开-{SITE}", self.start_path)
        return head + body + self._foot(self.start_path)

    def _list(self, col: Column, page: int, pages: int) -> str:
        path = self.page_path(col, page, pages)
        docs = self.live(col)
        chosen = docs[(page - 1) * self.per_page : page * self.per_page]
        cn = col.extra["dates"] == "cn"
        lines = []
        for i, d in enumerate(chosen):
            shown = f"{d.date[:4]}年{d.date[5:7]}月{d.date[8:]}日" if cn else d.date
            lines.append(
                f'<li id="line_u7_{i}"><a href="{rel(path, d.path)}" title="{esc(d.title)}">'
                f"{esc(d.title)}</a><span>{shown}</span></li>"
            )

        def button(label: str, target: int | None, css: str) -> str:
            if target is None:
                return f'<span class="{css}Disabled">{label}</span>'
            return f'<a href="{rel(path, self.page_path(col, target, pages))}" class="{css}">{label}</a>'

        first = button("首页", 1 if page > 1 else None, "Prev")
        prev = button("上页", page - 1 if page > 1 else None, "Prev")
        nxt = button("下页", page + 1 if page < pages else None, "Next")
        last = button("尾页", pages if page < pages else None, "Next")
        ids = [d.doc_id for d in chosen]
        batch = ",".join(f"'dynclicks_u7_{i}'" for i in ids)
        pager = f"""<div align="center"><INPUT TYPE="hidden" NAME="actiontype" VALUE=""><input type="hidden" name="_scode_" value="1719801600000"><input type="hidden" name="urltype" value="tree.TreeTempUrl"><input type="hidden" name="wbtreeid" value="{col.extra["id"]}"><input type="hidden" name="outFlag" value="false">
<script language="javascript" src="/system/resource/js/gotopage.js"></script><script type="text/javascript">function a203020_gopage_fun(){{_simple_list_gotopage_fun({pages},'a203020GOPAGE',2)}}</script><table cellspacing="0" cellpadding="0" border="0"><TR><td colspan="0"><table cellspacing="0" class="headStyle1ipk9pvx8k" width="100%" cellpadding="1"><tr valign="middle"><TD nowrap align="left" width="1%" id="fanye203020">共{len(docs)}条&nbsp;&nbsp;{page}/{pages}&nbsp;</td><td nowrap align="left"><div>{first}{prev}{nxt}{last}&nbsp;&nbsp;<input align="absmiddle" type="button" class="defaultButtonStyle" id="gotopagebut" name="a203020Find" value="转到" onclick="javascript:a203020_gopage_fun()"><INPUT size="2" align="absmiddle" class="defaultInputStyle" NAME="a203020GOPAGE" id="a203020GOPAGE" VALUE="" style="margin-left:1px;margin-right:1px">页</div></td></tr></table></table></div><script>_showDynClickBatch([{batch}],[{",".join(map(str, ids))}],"wbnews", {OWNER})</script>
"""
        body = (
            self._crumbs(path, col)
            + f'<div class="main"><div class="w"><div class="list-tit"><h3>{esc(col.name)}</h3></div>\n'
            + '<DIV class="list"><script language="javascript" src="/system/resource/js/dynclicks.js"></script>\n    <UL>\n'
            + "\n".join(lines)
            + "\n    </UL>\n"
            + pager
            + "</DIV></div></div>\n"
        )
        return self._head(f"{col.name}-{SITE}", path) + body + self._foot(path)

    def _neighbours(self, d: FDoc) -> tuple[FDoc | None, FDoc | None]:
        docs = self.live(self._columns[d.column])
        i = docs.index(d)
        return (docs[i - 1] if i > 0 else None), (docs[i + 1] if i + 1 < len(docs) else None)

    def _news(self, d: FDoc) -> str:
        col = self._columns[d.column]
        tree = col.extra["id"]
        sign = (d.source, cn_date(d.date))
        paras = "\n".join(
            f'<p style="text-align: right;">{esc(t)}</p>'
            if t in sign
            else f'<p style="text-indent:2em;line-height:2;"><span style="font-family:仿宋_GB2312;font-size:21px">{esc(t)}</span></p>'
            for t in d.paras
        )
        files = self._files_block(d)
        before, after = self._neighbours(d)
        links = ""
        if before:
            links += f'<p align="left" style="padding:10px 0;">上一条：<a href="{rel(d.path, before.path)}">{esc(before.title)}</a></p>\n'
        if after:
            links += f'<p align="left" style="padding:10px 0;">下一条：<a href="{rel(d.path, after.path)}">{esc(after.title)}</a></p>\n'
        metas = (
            f'\n<META Name="keywords" Content="{SITE},{esc(col.name)}" />'
            f'\n<META Name="description" Content="{esc(d.paras[1][:80])}" />'
        )
        jsq = f"<script type=\"text/javascript\">_jsq_({tree},'/content.jsp',{d.doc_id},{OWNER})</script>\n"
        body = (
            self._crumbs(d.path, col)
            + f"""<div class="main"><div class="w"><div class="content">
<form name="_newscontent_fromname">
<script language="javascript" src="/system/resource/js/jquery/jquery-latest.min.js"></script>
<h1 align="center">{esc(d.title)}</h1>
<div align="center" style="border-bottom: #cccccc 1px dashed">时间：{d.date} 09:30:12&nbsp;&nbsp;来源：{esc(d.source or "")}&nbsp;&nbsp;点击：
<script>_showDynClicks("wbnews", {OWNER}, {d.doc_id})</script>次 </div>
<div id="vsb_content" class="wz"><div class="v_news_content">
{paras}
</div></div>
<div id="div_vote_id"></div>
{files}{links}</form>
<div class="share">分享到：<a href="javascript:void(0)">微信</a> <a href="javascript:void(0)">微博</a>　【<a href="javascript:window.print()">打印本页</a>】【<a href="javascript:window.close()">关闭窗口</a>】</div>
</div></div></div>
"""
        )
        head = self._head(f"{d.title}-{SITE}", d.path, metas, jsq)
        return head + body + self._foot(d.path)

    def _files_block(self, d: FDoc) -> str:
        if not d.attachments:
            return ""
        lis = "".join(
            f'<li>附件【<a href="{a.href}" target="_blank">{esc(a.text)}</a>】已下载<span id="nattach{a.key[7:]}">'
            f'<script language="javascript">getClickTimes({a.key[7:]},{OWNER},"wbnewsfile","attach")</script></span>次</li>'
            for a in d.attachments
        )
        return f'<p><UL style="list-style-type:none;">{lis}</UL></p>\n'

    def _nested(self, d: FDoc) -> str:
        """The template whose outer ``#vsb_content > .v_news_content`` also holds the files,
        the 上一条/下一条 links and 关闭; the body is the inner ``#vsb_content_4``."""
        col = self._columns[d.column]
        ps = "\n".join(
            f'<p class="vsbcontent_end" style="text-align: right">{esc(t)}</p>'
            if i == len(d.paras) - 1
            else f"<p>{esc(t)}</p>"
            for i, t in enumerate(d.paras)
        )
        before, after = self._neighbours(d)
        pager = ""
        for label, other in (("上一条", before), ("下一条", after)):
            if other:
                short = other.title if len(other.title) <= 20 else other.title[:20] + "..."
                pager += f'         {label}：<a href="{rel(d.path, other.path)}" Title="{esc(other.title)}">{esc(short)}</a>\n'
        jsq = f"<script type=\"text/javascript\">_jsq_({col.extra['id']},'/news.jsp',{d.doc_id},{OWNER})</script>\n"
        metas = f'\n<META Name="keywords" Content="{SITE},{esc(col.name)}" />'
        body = (
            self._crumbs(d.path, col)
            + f"""<div class="main"><div class="w"><div class="content">
<form name="_newscontent_fromname"><script language="javascript" src="/system/resource/js/jquery/jquery-latest.min.js"></script>
<div>
    <div class="title">{esc(d.title)}</div>
<div class="time">{d.date}<em>作者：</em>浏览次数：<span><script>_showDynClicks("wbnews", {OWNER}, {d.doc_id})</script></span></div>
 <div class="text">
<div id="vsb_content"><div class="v_news_content">
<div id="vsb_content_4"><div class="v_news_content">
{ps}
</div></div><div id="div_vote_id"></div>
{self._files_block(d)}<br>
<dl class="page"><dd>
{pager}</dd></dl>
<p align="right">【<a href="javascript:window.opener=null;window.open('','_self');window.close();">关闭</a>】</p>
</div></div>
</div>
</div>
</form>
</div></div></div>
"""
        )
        head = self._head(f"{d.title}-{SITE}", d.path, metas, jsq)
        return head + body + self._foot(d.path)

    def _gk(self, d: FDoc) -> str:
        col = self._columns[d.column]
        texts = d.paras
        ps = []
        for i, t in enumerate(texts):
            css = (
                ' class="vsbcontent_start"'
                if i == 0
                else (' class="vsbcontent_end"' if i == len(texts) - 1 else "")
            )
            align = ' style="text-align: right;"' if t in (d.source, cn_date(d.date)) else ""
            ps.append(f"<p{css}{align}>{esc(t)}</p>")
        files = "".join(
            f'<span>附件【<a href="{a.href}"><span>{esc(a.text)}</span></a>】</span><br>\n'
            for a in d.attachments
        )
        metas = f"""<meta name="pageType" content="3">
<meta name="pageTitle" content="{esc(d.title)}">
<META Name="SiteName" Content="{SITE}" />
<META Name="SiteDomain" Content="{DOMAIN}" />
<META Name="SiteIDCode" Content="5325260001" />
<META Name="ColumnName" Content="{esc(col.name)}" />
<META Name="ColumnType" Content="{esc(col.name)}" />
<META Name="ArticleTitle" Content="{esc(d.title)}" />
<META Name="PubDate" Content="{d.date} 11:01" />
<META Name="ContentSource" Content="{SITE}" />
<META Name="Keywords" Content="{esc(col.name)} 弥勒市 公开 政府 " />
<META Name="Description" Content="{esc(d.paras[1][:80])}..." />
<META Name="Url" Content="{DOMAIN}{d.path}" />
"""
        jsq = f"<script type=\"text/javascript\">_jsq_({col.extra['id']},'/gk_nry.jsp',{d.doc_id},{OWNER})</script>\n"
        body = (
            self._crumbs(d.path, col)
            + f"""<div class="main mbg"><div class="wrap"><div class="ny-ggbox">
<div class="position"><h3>
{esc(col.name)}</h3></div>
<div class="detail">
<LINK href="/system/resource/style/component/news/content/title.css" type="text/css" rel="stylesheet">
      <!--startprint1-->
<div class="dtl-list">
            <ul>
              <li>
                <span>索引号:</span>
                <em>{d.index_no}</em>
              </li>
              <li>
                <span>发布机构:</span>
                <em>{esc(d.source or "")}</em>
              </li>
              <li>
                <span>文号:</span>
                <em>{esc(d.doc_no or "")}</em>
              </li>
              <li>
                <span>发布日期:</span>
                <em>{d.date}</em>
              </li>
              <li>
                <span>时效性:</span>
                <em>有效</em>
              </li>
              <li>
                <span></span>
                <em></em>
              </li>
            </ul>
          </div>
          <div class="dtl-tit">
            <h4>{esc(d.title)}</h4>
                <h5></h5>
          </div>
          <div class="dtl-txt">
        <div id="vsb_content_1001">
       {"".join(ps)}
          </div>
       {files}
          </div>
         <!--endprint1-->
      <div class="xz-sc"><div class="sc"><a href="javascript:void(0);" class="selfopen" onClick="addfavorite(window.location.href,document.title)">收藏</a></div>
          <input type="button" name="button_export" onclick="preview(1)" value="打印页面" class="dy" /></div>
</div></div></div></div>
"""
        )
        head = self._head(f"{d.title}-{SITE}", d.path, metas, jsq)
        return head + body + self._foot(d.path)


def rel(from_path: str, to_path: str) -> str:
    """A relative link as VSB writes it: ``1.htm``, ``../tzgg.htm``, ``../../info/…``."""
    return _rel(from_path, to_path).removeprefix("./")


def _html(text: str) -> Answer:
    return Answer(text.encode(), HTML)


__all__ = ["VsbSite"]
