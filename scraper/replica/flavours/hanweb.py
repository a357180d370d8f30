"""A 大汉 Hanweb jcms disclosure section (江山市人民政府, an imitation), for the tests.

Site map (``perPage`` 5, ``groupSize`` 2: a column page embeds its first 10 records)::

    /robots.txt                        Disallow: /jrobot/
    /, /index.html                     home, links to the section
    /col/col1229101/index.html         政府信息公开 (start_path): links to the three columns
    /col/col1229102/index.html         通知公告 (unitid 4587, 12 documents: 10 embedded, the
                                       rest only through the data proxy)
    /col/col1229103/index.html         政策文件 (unitid 4588, 5 documents, 信息公开 table)
    /col/col1229104/index.html         政府信息公开年报 (unitid 4589, 3 documents)
    /col/colN/index.html?uid=U&pageNum=K   the same column page (jpage reads pageNum itself)
    /module/web/jpage/dataproxy.jsp    GET or POST: startrecord=S&endrecord=E&perpage=P&
                                       col=1&appid=1&webid=3&path=/&columnid=N&
                                       sourceContentType=1&unitid=U&webname=…&permissiontype=0
                                       → records S..E; or page=K&… → group K (10 records)
    /art/YYYY/M/D/art_<col>_<id>.html  articles (month and day without leading zeros)
    /module/download/downfile.jsp?classid=0&filename=<32 hex>.pdf   (also &showname=<name>)
    /attach/-1/<19 digits>.docx        a directly linked attachment (年报)

A column page holds its records as XML in a script, exactly as jcms writes it (a stray empty
``<div class="bt_list30">`` inside ``<recordset>`` included), then the jpage call::

    <div id="4587"><script type="text/xml"><datastore>
    <nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&webid=3&path=/&
      columnid=1229102&unitid=4587&webname=%25E6%25B1%259F…&permissiontype=0"></a>]]></nextgroup>
    <recordset>
    <div class="bt_list30">    <ul>    </ul></div><record><![CDATA[
            <li>  <i class="bt_i_round"></i><a href='/art/2024/6/20/art_1229102_5000012.html'
            title='关于…的通知' target="_blank">关于…</a>  <span class="sp_time rig">2024-06-20</span></li>
    ]]></record>…</recordset></datastore></script></div>
    … var param_4587 = {col:1,webid:3,path:'/',columnid:1229102,sourceContentType:1,
    unitid:'4587',webname:'%E6%B1%9F…',permissiontype:0}; … $('#4587').jpage({themeName:
    'default',showMode:'full',totalRecord:12,…,groupSize:2,proxyUrl:'/module/web/jpage/
    dataproxy.jsp',perPage:5,barPosition:'bottom',ajaxParam:param_4587});

and the data proxy answers ``text/xml``::

    <?xml version="1.0" encoding="UTF-8"?>
    <datastore>
    <totalrecord>12</totalrecord>
    <totalpage>3</totalpage>
    <recordset>
    <record><![CDATA[…the same <li>…]]></record>
    </recordset>
    </datastore>

Articles carry ``ArticleTitle``/``PubDate``/``ContentSource`` metas (plus ``i_columnid``,
``i_articleid``, ``Maketime``), a 信息公开 table (索引号, 主题分类, 发布机构, 成文日期, 文号,
公开方式) on 政策文件 and 年报 pages, the 信息来源 comment markers, and the body in
``div#zoom`` between ``<!--ZJEG_RSS.content.begin-->`` and ``<!--ZJEG_RSS.content.end-->``,
the attachment links being the body's last paragraphs (``附件1：<a …>name.pdf</a>``).

Imitated from ``tests/corpus/pages/hanweb_jininghrss_list_1.html`` (济宁市人社局 column page:
records, nextgroup, param_ and jpage call, metas) and jcms article and download markup seen
in public crawlers (downfile.jsp with and without ``showname``, ``/attach/-1/…``).
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import ClassVar
from urllib.parse import quote

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
    query_of,
)
from scraper.replica.pages import cn_date, esc

SITE = "江山市人民政府"
DOMAIN = "www.jiangshan.gov.cn"
WEBID = 3
SECTION = 1229101
PROXY = "/module/web/jpage/dataproxy.jsp"
DOWNFILE = "/module/download/downfile.jsp"
ORG_CODE = "11330881002567811X"

# (column id, unit id, name, layout, kind)
COLUMNS = [
    (1229102, 4587, "通知公告", "notice", "notice"),
    (1229103, 4588, "政策文件", "xxgk", "notice"),
    (1229104, 4589, "政府信息公开年报", "xxgk", "report"),
]
UNITS = ["江山市人民政府办公室", "江山市发展和改革局", "江山市教育局", "江山市民政局",
         "江山市人力资源和社会保障局", "江山市住房和城乡建设局", "江山市农业农村局"]  # fmt: skip
NOTICES = [
    ("关于做好2024年防汛防台风工作的通知", "2024-06-20"),
    ("江山市2024年第二批公开招聘事业单位工作人员拟聘用人员公示", "2024-06-12"),
    ("关于开展2024年“安全生产月”活动的通知", "2024-05-31"),
    ("江山市2024年城乡居民基本医疗保险参保缴费工作的通告", "2024-05-16"),
    ("关于公布江山市第三批市级非物质文化遗产代表性项目名录的通知", "2024-04-28"),
    ("江山市2024年义务教育阶段学校招生工作意见", "2024-04-09"),
    ("关于调整江山市最低生活保障标准的通知", "2024-03-22"),
    ("江山市2024年重大行政决策事项目录的公告", "2024-03-05"),
    ("关于做好2024年春节期间烟花爆竹安全管理工作的通告", "2024-01-26"),
    ("江山市2023年度政府信息公开工作年度报告编制工作的通知", "2024-01-10"),
    ("关于开展2023年度法治政府建设情况报告工作的通知", "2023-12-18"),
    ("江山市2023年第四季度重点项目建设推进情况的通报", "2023-11-30"),
]
POLICIES = [
    ("江山市人民政府办公室关于印发江山市促进民营经济高质量发展若干政策的通知", "2024-06-05",
     "江政办发〔2024〕18号"),
    ("江山市人民政府关于印发江山市城市居民最低生活保障实施办法的通知", "2024-04-18",
     "江政发〔2024〕7号"),
    ("江山市人民政府办公室关于进一步加强农村公路养护管理工作的实施意见", "2024-02-27",
     "江政办发〔2024〕5号"),
    ("江山市人民政府办公室关于公布行政规范性文件清理结果的通知", "2023-12-22", ""),
    ("江山市人民政府关于印发江山市政府投资项目管理办法的通知", "2023-10-16",
     "江政发〔2023〕21号"),
]  # fmt: skip
REPORTS = [
    ("江山市人民政府2023年政府信息公开工作年度报告", "2024-01-29"),
    ("江山市人民政府2022年政府信息公开工作年度报告", "2023-01-30"),
    ("江山市人民政府2021年政府信息公开工作年度报告", "2022-01-28"),
]


def art_path(column: int, day: str, doc_id: int) -> str:
    d = date.fromisoformat(day)
    return f"/art/{d.year}/{d.month}/{d.day}/art_{column}_{doc_id}.html"


def _hex(seed: str) -> str:
    return hashlib.md5(seed.encode()).hexdigest()


class HanwebSite(FlavourSite):
    """大汉 jcms: column pages with embedded XML records, a data proxy for the rest."""

    name: ClassVar[str] = "hanweb"
    site_name: ClassVar[str] = SITE
    start_path: ClassVar[str] = f"/col/col{SECTION}/index.html"
    robots: ClassVar[str] = "User-agent: *\nDisallow: /jrobot/\n"
    per_page: ClassVar[int] = 5
    group_size: ClassVar[int] = 2

    # ------------------------------------------------------------------ model

    def _build(self) -> None:
        self._next_id = 5000000
        for col_id, unit, name, layout, kind in COLUMNS:
            key = f"/col/col{col_id}/index.html"
            self._add_column(
                Column(
                    key, name, extra={"id": col_id, "unit": unit, "layout": layout, "kind": kind}
                )
            )
        notice_col, policy_col, report_col = self._columns.values()
        for i, (title, day) in enumerate(reversed(NOTICES)):
            self._register(self._make(notice_col, title, day, UNITS[i % len(UNITS)], n_files=0))
        for i, (title, day, doc_no) in enumerate(reversed(POLICIES)):
            source = UNITS[0] if "办公室" in title else SITE
            d = self._make(policy_col, title, day, source, doc_no=doc_no, n_files=1 + i % 2)
            self._register(d)
        for i, (title, day) in enumerate(reversed(REPORTS)):
            self._register(self._make(report_col, title, day, SITE, n_files=1, direct=i == 2))
        self._sort_columns()

    def _make(
        self,
        col: Column,
        title: str,
        day: str,
        source: str,
        doc_no: str | None = None,
        n_files: int = 0,
        direct: bool = False,
    ) -> FDoc:
        doc_id = self._id()
        col_id: int = col.extra["id"]
        path = art_path(col_id, day, doc_id)
        kind = col.extra["kind"]
        paras = body_paragraphs(path, kind, source, day, "各乡镇（街道）、市政府各部门：")
        xxgk = col.extra["layout"] == "xxgk"
        year = day[:4]
        d = FDoc(
            path=path,
            column=col.key,
            title=title,
            date=day,
            source=source,
            paras=paras,
            doc_id=doc_id,
            index_no=f"{ORG_CODE}/{year}-{doc_id % 100000:05d}" if xxgk else None,
            doc_no=(doc_no or None) if xxgk else None,
            written=_before(day) if xxgk else None,
            topic=("综合政务\\通知" if kind == "notice" else "综合政务\\其他") if xxgk else None,
            layout=col.extra["layout"],
            attachments_in_body=True,
        )
        for k in range(n_files):
            d.attachments.append(self._attachment(d, k, direct))
        return d

    def _attachment(self, d: FDoc, k: int, direct: bool) -> FAttachment:
        if d.layout == "xxgk" and "年度报告" in d.title:
            name = f"{d.title[:-6]}附表.{'docx' if direct else 'pdf'}"
        else:
            name = (
                f"{file_stem(d.title, SITE)}{'（政策解读）' if k else ''}.{'docx' if k else 'pdf'}"
            )
        line = f"附件{k + 1}：{name}"
        if direct:
            day = date.fromisoformat(d.date)
            serial = int(_hex(d.path + str(k))[:7], 16) % 10_000_000
            path = f"/attach/-1/{day:%y%m%d}1530{k:02d}{serial:07d}.{name.rsplit('.', 1)[1]}"
            return FAttachment(path, path, name, name, key=path, line=line)
        filename = f"{_hex(d.path + str(k))}.{name.rsplit('.', 1)[1]}"
        params = [("classid", "0")]
        if k:  # newer jcms writes the shown name too
            params.append(("showname", name))
        params.append(("filename", filename))
        href = f"{DOWNFILE}?{query_of(params)}"
        return FAttachment(href, href, name, name, key=f"downfile:{filename}", line=line)

    def _new_document(self, column: Column, day: str, seq: int) -> FDoc:
        kind = column.extra["kind"]
        title = (
            f"江山市{day[:4]}年第{seq + 1}号政府信息公开工作通报"
            if kind == "report"
            else f"关于做好{day[5:7].lstrip('0')}月份重点工作的通知（第{seq + 1}期）"
        )
        return self._make(column, title, day, UNITS[seq % len(UNITS)], doc_no="", n_files=0)

    # ------------------------------------------------------------------ ground truth

    def list_pages(self) -> list[str]:
        """Column pages, then every data-proxy range a jpage browser asks for beyond the
        embedded group (``startrecord``/``endrecord``/``perpage``)."""
        with self._lock:
            out = [self.start_path]
            for col in self._columns.values():
                out.append(col.key)
                group = self.per_page * self.group_size
                for start in range(group + 1, len(self.live(col)) + 1, group):
                    out.append(f"{PROXY}?{query_of(self._range(col, start, start + group - 1))}")
            return out

    def proxy_params(self, col: Column) -> list[tuple[str, str]]:
        return [
            ("col", "1"),
            ("appid", "1"),
            ("webid", str(WEBID)),
            ("path", "/"),
            ("columnid", str(col.extra["id"])),
            ("sourceContentType", "1"),
            ("unitid", str(col.extra["unit"])),
            ("webname", SITE),
            ("permissiontype", "0"),
        ]

    def _range(self, col: Column, start: int, end: int) -> list[tuple[str, str]]:
        return [
            ("startrecord", str(start)),
            ("endrecord", str(end)),
            ("perpage", str(self.per_page)),
            *self.proxy_params(col),
        ]

    # ------------------------------------------------------------------ HTTP

    def _render(self, req: Request) -> Answer | None:
        p = req.path
        if p in ("/", "/index.html"):
            return self._html(self._home())
        if p == self.start_path:
            return self._html(self._section())
        col = self._columns.get(p)
        if col:
            return self._html(self._column_page(col))
        if p == PROXY:
            return self._proxy(req)
        if p == DOWNFILE:
            hit = self.file_for(f"downfile:{req.query.get('filename', '')}")
            return self.file_answer(*hit, disposition=True) if hit else None
        if p.startswith("/attach/"):
            hit = self.file_for(p)
            return self.file_answer(*hit) if hit else None
        d = self._docs.get(p)
        if d and not d.deleted:
            return self._html(self._article(d))
        return None

    def _html(self, text: str) -> Answer:
        return Answer(text.encode(), HTML)

    def _record(self, d: FDoc) -> str:
        shown = d.title if len(d.title) <= 30 else d.title[:30] + "..."
        return (
            '<record><![CDATA[\n        <li>            <i class="bt_i_round"></i>'
            f"<a href='{d.path}'  title='{esc(d.title)}' target=\"_blank\">{esc(shown)}</a>"
            f'            <span class="sp_time rig">{d.date}</span>        </li>        ]]></record>'
        )

    def _proxy(self, req: Request) -> Answer:
        q = req.query
        col = next(
            (c for c in self._columns.values() if str(c.extra["id"]) == q.get("columnid")), None
        )
        docs = self.live(col) if col else []
        total = len(docs)
        if "startrecord" in q:
            start = _int(q.get("startrecord"), 1)
            end = _int(q.get("endrecord"), start + self.per_page - 1)
            per = _int(q.get("perpage"), self.per_page)
            chosen = docs[start - 1 : end]
            total_pages = pages_of(total, per) if total else 0
        else:
            group = self.per_page * self.group_size
            page = _int(q.get("page"), 1)
            chosen = docs[(page - 1) * group : page * group]
            total_pages = pages_of(total, group) if total else 0
        records = "\n".join(self._record(d) for d in chosen)
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<datastore>\n'
            f"<totalrecord>{total}</totalrecord>\n<totalpage>{total_pages}</totalpage>\n"
            f"<recordset>\n{records}\n</recordset>\n</datastore>\n"
        )
        return Answer(xml.encode(), "text/xml;charset=UTF-8")

    # ------------------------------------------------------------------ templates

    def _head(self, title: str, column: str, extra: str = "") -> str:
        return f"""<!DOCTYPE HTML>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8"><script language="javascript" src="/module/jslib/jquery/jquery.js"></script>
<link href="/script/hanweb.css" type=text/css rel=stylesheet>
<meta name='WebId' content='{WEBID}'>
<title>{esc(title)}</title>
<meta name="SiteName" content="{SITE}">
<meta name="SiteDomain" content="{DOMAIN}">
<meta name="SiteIDCode" content="3308810001">
<meta name="ColumnName" content="{esc(column)}">
<meta name="ColumnType" content="{esc(column)}">
{extra}</head>
<body id="barrierfree_container">
<div class="head head_bj"><div class="bananr"><div class="bt_logo lef"><a href="/index.html">{SITE}</a></div>
<div class="bt_search rig"><form action="/jrobot/search.do" method="get"><input name="q" type="text"><input type="submit" value="搜索"></form></div></div>
<div class="bt_nav"><a href="/index.html">首页</a> <a href="{self.start_path}">政府信息公开</a></div></div>
"""

    def _foot(self, path: str) -> str:
        return f"""<div class="footer"><div class="footer_size p_t">
<p>主办：{SITE}办公室　承办：江山市大数据发展中心　地址：江山市鹿溪南路396号</p>
<p>{self.footer_note()}　网站标识码：3308810001　浙ICP备05004812号</p>
<p>访问量：{self.visits(path)}</p>
</div></div>
</body>
</html>
"""

    def _nav(self) -> str:
        lis = "".join(
            f'<li><a href="{c.key}">{esc(c.name)}</a></li>' for c in self._columns.values()
        )
        return f'<div class="bt_left"><div class="bt_left_title">政府信息公开</div><ul>{lis}</ul></div>'

    def _home(self) -> str:
        body = f'<div class="bt_cen980"><ul><li><a href="{self.start_path}">政府信息公开</a></li></ul></div>'
        return self._head(SITE, "首页") + body + self._foot("/")

    def _section(self) -> str:
        cols = "".join(
            f'<li><a href="{c.key}" target="_blank">{esc(c.name)}</a>'
            f"<span>（{len(self.live(c))}条）</span></li>"
            for c in self._columns.values()
        )
        body = f"""<div class="currentpath">当前位置：<a href="/index.html" class="bt_link">首页</a>&gt;<a href="{self.start_path}" class="bt_link">政府信息公开</a></div>
<div class="bt_cen980">{self._nav()}
<div class="bt_right"><div class="xxgk_ml"><h3>政府信息公开目录</h3><ul>{cols}</ul></div>
<div class="xxgk_zn"><h3>政府信息公开指南</h3><p>为了更好地提供政府信息公开服务，根据《中华人民共和国政府信息公开条例》，编制本指南。</p></div></div></div>
"""
        return (
            self._head(f"{SITE} 政府信息公开", "政府信息公开") + body + self._foot(self.start_path)
        )

    def _column_page(self, col: Column) -> str:
        unit = col.extra["unit"]
        col_id = col.extra["id"]
        docs = self.live(col)
        embedded = docs[: self.per_page * self.group_size]
        webname = quote(SITE)
        nextgroup = (
            f"{PROXY}?page=1&webid={WEBID}&path=/&columnid={col_id}&unitid={unit}"
            f"&webname={quote(webname)}&permissiontype=0"
        )
        records = "\n".join(self._record(d) for d in embedded)
        jpage = (
            f"themeName:'default',showMode:'full',totalRecord:{len(docs)},openCookies:false,"
            "dataBefore:'<div class=\"bt_list30\">    <ul>',{store}"
            "dataAfter:'    </ul></div>',"
            f"groupSize:{self.group_size},proxyUrl:'{PROXY}',perPage:{self.per_page},"
            f"barPosition:'bottom',ajaxParam:param_{unit}"
        )
        store = f"dataStore:$('#{unit}').children('script').html(),"
        metas = (
            f'<meta name="server" content="{col.key}">\n<meta name="i_webid" content="{WEBID}">\n'
            f'<meta name="i_columnid" content="{col_id}">\n<meta name="i_articleid" content="0">\n'
            '<meta name="pagetype" content="2">\n'
        )
        body = f"""<div class="currentpath">当前位置：<a href="/index.html" class="bt_link">首页</a>&gt;<a href="{self.start_path}" class="bt_link">政府信息公开</a>&gt;<a href="{col.key}" class="bt_link">{esc(col.name)}</a></div>
<div class="bt_cen980">{self._nav()}
<div class="bt_right"><div class="bt_cenert_title"><div class="title"><div><span>{esc(col.name)}</span></div></div></div>
<div class="bt_lm_cen"><div id="{unit}"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="{nextgroup}"></a>]]></nextgroup>
<recordset>
<div class="bt_list30">
    <ul>
    </ul>
</div>{records}
</recordset>
</datastore></script></div><link rel="stylesheet" type="text/css" href="/module/web/jpage/theme/default/css/jpage.css"/><script language="javascript" src="/module/jslib/jquery/cookie/jquery.cookie.js"></script><script language="javascript" src="/module/web/jpage/jquery.jpage.js"></script><script>var param_{unit} = {{col:1,webid:{WEBID},path:'/',columnid:{col_id},sourceContentType:1,unitid:'{unit}',webname:'{webname}',permissiontype:0}}; function jpage_{unit}(){{$('#jpageform_{unit} :input').each(function(){{param_{unit}[$(this).attr('name')]=$(this).val();}});$('#{unit}').jpage({{{jpage.format(store="")}}});}};$(function(){{$('#{unit}').jpage({{{jpage.format(store=store)}}});}});</script></div>
</div></div>
"""
        head = self._head(f"{SITE} {col.name}", col.name, metas)
        return head + body + self._foot(col.key)

    def _article(self, d: FDoc) -> str:
        col = self._columns[d.column]
        stamp = f"{d.date} 15:30"
        metas = f"""<meta name='Maketime' content='{d.date} 15:30:12'>
<meta name="ArticleTitle" content="{esc(d.title)}">
<meta name="PubDate" content="{stamp}">
<meta name="ContentSource" content="{esc(d.source or "")}">
<meta name="Keywords" content="">
<meta name="Description" content="{esc(d.paras[1][:60])}">
<meta name="Url" content="http://{DOMAIN}{d.path}">
<meta name="i_webid" content="{WEBID}">
<meta name="i_columnid" content="{col.extra["id"]}">
<meta name="i_articleid" content="{d.doc_id}">
<meta name="pagetype" content="1">
"""
        table = ""
        if d.layout == "xxgk":
            table = f"""<table class="xxgk_table" width="100%" border="0" cellspacing="1" cellpadding="0">
<tr><td class="xxgk_td1">索引号：</td><td class="xxgk_td2">{d.index_no}</td><td class="xxgk_td1">主题分类：</td><td class="xxgk_td2">{esc(d.topic or "")}</td></tr>
<tr><td class="xxgk_td1">发布机构：</td><td class="xxgk_td2">{esc(d.source or "")}</td><td class="xxgk_td1">成文日期：</td><td class="xxgk_td2">{d.written}</td></tr>
<tr><td class="xxgk_td1">文号：</td><td class="xxgk_td2">{esc(d.doc_no or "")}</td><td class="xxgk_td1">公开方式：</td><td class="xxgk_td2">主动公开</td></tr>
<tr><td class="xxgk_td1">信息名称：</td><td class="xxgk_td2" colspan="3">{esc(d.title)}</td></tr>
</table>
"""
        sign = (d.source, cn_date(d.date))
        paras = "\n".join(_para(t, t in sign) for t in d.paras)
        files = "\n".join(
            f'<p style="text-indent:2em;">附件{k + 1}：<a href="{a.href}" target="_blank">{esc(a.text)}</a></p>'
            for k, a in enumerate(d.attachments)
        )
        body = f"""<div class="currentpath">当前位置：<a href="/index.html" class="bt_link">首页</a>&gt;<a href="{self.start_path}" class="bt_link">政府信息公开</a>&gt;<a href="{col.key}" class="bt_link">{esc(col.name)}</a></div>
<div class="bt_cen980"><div class="bt_content">
{table}<table width="100%" border="0" cellspacing="0" cellpadding="0"><tr><td class="title" align="center">{esc(d.title)}</td></tr>
<tr><td class="bt_info" align="center">发布日期：{stamp}　信息来源：<!--<$[信息来源]>begin-->{esc(d.source or "")}<!--<$[信息来源]>end-->　浏览次数：<script language="javascript" src="/module/visitcount/articlehits.jsp?colid={col.extra["id"]}&artid={d.doc_id}"></script>　字号：[<a href="javascript:doZoom(20)">大</a> <a href="javascript:doZoom(16)">中</a> <a href="javascript:doZoom(12)">小</a>]</td></tr>
<tr><td class="bt_content_td"><div id="zoom"><!--<$[信息内容]>begin--><!--ZJEG_RSS.content.begin--><meta name="ContentStart">{paras}
{files}<meta name="ContentEnd"><!--ZJEG_RSS.content.end--><!--<$[信息内容]>end--></div></td></tr></table>
<div class="bt_tools">【<a href="javascript:window.print()">打印本页</a>】　【<a href="javascript:window.close()">关闭窗口</a>】　<span>扫一扫在手机打开当前页</span></div>
</div></div>
"""
        head = self._head(f"{SITE} {col.name} {d.title}", col.name, metas)
        return head + body + self._foot(d.path)


def _para(text: str, right: bool = False) -> str:
    if right:
        return f'<p style="text-align:right;">{esc(text)}</p>'
    if text == "特此通知。" or text[:2] in ("一、", "二、", "三、"):
        return f'<p style="text-indent:2em;"><strong>{esc(text)}</strong></p>'
    return f'<p style="text-indent:2em;">{esc(text)}</p>'


def _before(day: str) -> str:
    d = date.fromordinal(date.fromisoformat(day).toordinal() - 4)
    return d.isoformat()


def _int(text: str | None, default: int) -> int:
    return int(text) if text and text.isdigit() and int(text) > 0 else default


__all__ = ["HanwebSite", "art_path"]
