"""Guangdong's 政府信息公开目录管理平台 (gkmlpt) for 深圳市坪山区人民政府 (an imitation).

Site map (``per_page`` 5 articles an API page; the real platform gives 100)::

    /robots.txt                           Disallow: /gkmlpt/search
    /, /index.html                        home, links to the section
    /gkmlpt/index                         the section (start_path): a script application
                                          whose ``window._CONFIG`` holds SID '755041' and
                                          the category TREE; no document links in the HTML
    /gkmlpt/api/all/{category}?page=N&sid=755041
                                          the list API (JSON); category 0 is every category,
                                          a parent category lists its children's articles;
                                          page 0 and page 1 are the same first page; a page
                                          past the end has no articles
    /gkmlpt/content/<id//10**6>/<id//1000>/post_<id>.html   articles
    /attachment/<aid//10**6>/<aid//1000>/<aid>/<post id>.<ext>   attachments (outside
                                          /gkmlpt/, as on the real sites)

Categories: 20760 政策文件 (parent of 20765 规范性文件, 5 articles, and 20766 其他文件, 3),
20770 通知公告 (11 articles: pages 1-3), 20790 政府信息公开年报 (a ``jump_url`` to an
off-site page, no articles). The API answers::

    {"classify": {"id": 20770, "name": "通知公告", "parent": 0, "post_count": 11, …},
     "articles": [{"id": 11234519, "title": "…",
                   "url": "http://<host>/gkmlpt/content/11/11234/post_11234519.html",
                   "post_url": "…same…", "identifier": "11440300MB2D27012K/2024-00019",
                   "document_number": "", "publisher": "深圳市坪山区…", "keywords": "…",
                   "abstract": "…", "date": 1718496000, "created_at": "2024-06-20 10:00:00",
                   "publish_time": 1718848800, "first_publish_time": …,
                   "display_publish_time": …, "classify_main": 20770,
                   "classify_main_name": "通知公告", "classify_genre_name": "通知",
                   "classify_theme_name": "综合政务", "attachment": [{"id": …, "name":
                   "….pdf", "type": "pdf", "mime": "application/pdf", "size": "1234",
                   "url": "http://<host>/attachment/…"}], "is_expired": 0,
                   "is_abolished": 0, "relation": "[]"}, …],
     "total": 11}

Times are Unix seconds (China time: 10:00 on the published day). Article pages are
server-rendered: a ``div.introduce`` table (索引号, 分类, 发布机构, 成文日期, 名称, 文号, 发布日期,
主题词), the title, the body in ``div.article-content`` and the files in
``div.article-attachment``; the page's ``window._CONFIG.DETAIL`` repeats the article as JSON
(its ``content`` the body HTML), as the platform's pages do.

Imitated from the platform as public crawlers document it (hulelan/china-governance
``crawlers/gkmlpt.py`` and ``docs/archive/crawler-scratchpad.md``: ``_CONFIG`` SID/TREE,
the API and its field names, page 0 = page 1, ``classify.post_count``, ``/attachment/…``
file URLs, the 8 metadata labels; the Dongguan tests' ``div.article-content``). No saved
gkmlpt page was available: the article markup is a reconstruction.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from scraper.replica.flavours.base import (
    HTML,
    MIME,
    Answer,
    Column,
    FAttachment,
    FDoc,
    FlavourSite,
    Request,
    body_paragraphs,
    file_stem,
    pages_of,
    ts,
)
from scraper.replica.pages import cn_date, esc

SITE = "深圳市坪山区人民政府"
SID = "755041"
ORG_CODE = "11440300MB2D27012K"
API = "/gkmlpt/api/all/"

# (id, name, parent, genre, theme, kind)
CATEGORIES = [
    (20765, "规范性文件", 20760, "规范性文件", "综合政务", "notice"),
    (20766, "其他文件", 20760, "通知", "综合政务", "notice"),
    (20770, "通知公告", 0, "通知", "综合政务", "notice"),
]
PARENTS = {20760: "政策文件"}
JUMP = (20790, "政府信息公开年报", "http://www.szpsq.gov.cn/xxgk/zfxxgknb/")
UNITS = ["深圳市坪山区人民政府办公室", "深圳市坪山区发展和改革局", "深圳市坪山区教育局",
         "深圳市坪山区民政局", "深圳市坪山区住房和建设局", "深圳市坪山区卫生健康局"]  # fmt: skip
RULES = [
    ("深圳市坪山区人民政府关于印发《坪山区促进民营经济高质量发展若干措施》的通知", "2024-06-18",
     "深坪府规〔2024〕3号"),
    ("深圳市坪山区人民政府办公室关于印发《坪山区城市更新单元计划管理规定》的通知", "2024-04-22",
     "深坪府办规〔2024〕2号"),
    ("深圳市坪山区人民政府关于印发《坪山区政府投资项目管理办法》的通知", "2024-02-06",
     "深坪府规〔2024〕1号"),
    ("深圳市坪山区人民政府办公室关于印发《坪山区养老服务补贴实施办法》的通知", "2023-12-15",
     "深坪府办规〔2023〕6号"),
    ("深圳市坪山区人民政府关于印发《坪山区产业发展专项资金管理办法》的通知", "2023-10-30",
     "深坪府规〔2023〕5号"),
]  # fmt: skip
OTHERS = [
    ("深圳市坪山区人民政府办公室关于印发坪山区2024年民生实事工作方案的通知", "2024-05-27",
     "深坪府办函〔2024〕41号"),
    ("深圳市坪山区人民政府关于同意设立坪山区马峦街道社区党群服务中心的批复", "2024-03-08", ""),
    ("深圳市坪山区人民政府办公室关于做好2024年防汛防旱防风工作的通知", "2024-01-25",
     "深坪府办函〔2024〕6号"),
]  # fmt: skip
NOTICES = [
    ("坪山区2024年第二批公开招聘社区专职工作者拟聘人员公示", "2024-06-20"),
    ("关于开展2024年坪山区“安全生产月”活动的通告", "2024-06-03"),
    ("坪山区2024年义务教育阶段学校招生工作公告", "2024-05-15"),
    ("关于坪山区2024年第一季度政府投资项目计划调整的公示", "2024-04-29"),
    ("坪山区关于征求《坪山区城市绿化管理办法（征求意见稿）》意见的公告", "2024-04-10"),
    ("关于公布坪山区2024年度重大行政决策事项目录的通告", "2024-03-22"),
    ("坪山区2024年春季植树活动的通知", "2024-03-01"),
    ("关于做好2024年春节期间烟花爆竹安全管理工作的通告", "2024-01-30"),
    ("坪山区2023年第四季度“双随机、一公开”抽查结果公示", "2024-01-12"),
    ("关于开展2023年度法治政府建设情况报告工作的通知", "2023-12-20"),
    ("坪山区2023年度行政执法统计数据公告", "2023-11-28"),
]


def content_path(doc_id: int) -> str:
    return f"/gkmlpt/content/{doc_id // 10**6}/{doc_id // 1000}/post_{doc_id}.html"


class GkmlptSite(FlavourSite):
    """gkmlpt: a script application with a JSON list API and server-rendered articles."""

    name: ClassVar[str] = "gkmlpt"
    site_name: ClassVar[str] = SITE
    start_path: ClassVar[str] = "/gkmlpt/index"
    robots: ClassVar[str] = "User-agent: *\nDisallow: /gkmlpt/search\n"
    per_page: ClassVar[int] = 5
    sid: ClassVar[str] = SID

    # ------------------------------------------------------------------ model

    def _build(self) -> None:
        self._next_id = 11234500
        self._att_id = 1123400
        for cid, name, parent, genre, theme, kind in CATEGORIES:
            extra = {"id": cid, "parent": parent, "genre": genre, "theme": theme, "kind": kind}
            self._add_column(Column(self.api_url(cid), name, extra=extra))
        rules, others, notices = self._columns.values()
        for i, (title, day, doc_no) in enumerate(reversed(RULES)):
            source = UNITS[0] if "办公室" in title else SITE
            self._register(self._make(rules, title, day, source, doc_no, n_files=1 + i % 2))
        for title, day, doc_no in reversed(OTHERS):
            source = UNITS[0] if "办公室" in title else SITE
            self._register(self._make(others, title, day, source, doc_no, n_files=0))
        for i, (title, day) in enumerate(reversed(NOTICES)):
            source = UNITS[i % len(UNITS)]
            self._register(self._make(notices, title, day, source, "", n_files=i % 4 // 3))
        self._sort_columns()

    def api_url(self, category: int, page: int = 1) -> str:
        return f"{API}{category}?page={page}&sid={self.sid}"

    def _make(
        self, col: Column, title: str, day: str, source: str, doc_no: str, n_files: int
    ) -> FDoc:
        doc_id = self._id()
        path = content_path(doc_id)
        paras = body_paragraphs(path, col.extra["kind"], source, day, "各街道办事处，区直各单位：")
        d = FDoc(
            path=path,
            column=col.key,
            title=title,
            date=day,
            source=source,
            paras=paras,
            doc_id=doc_id,
            index_no=f"{ORG_CODE}/{day[:4]}-{doc_id % 100000:05d}",
            doc_no=doc_no or None,
            written=_before(day),
            topic=col.name,
            layout="gkmlpt",
        )
        for k in range(n_files):
            self._att_id += 3
            aid = self._att_id
            ext = "docx" if k else "pdf"
            name = f"{file_stem(title, SITE)}{'（政策解读）' if k else ''}.{ext}"
            file_path = f"/attachment/{aid // 10**6}/{aid // 1000}/{aid}/{doc_id}.{ext}"
            att = FAttachment(file_path, file_path, name, name)
            att_extra: dict[str, Any] = {"id": aid, "type": ext}
            d.extra.setdefault("files", []).append(att_extra)
            d.attachments.append(att)
        return d

    def _new_document(self, column: Column, day: str, seq: int) -> FDoc:
        title = f"关于做好{day[5:7].lstrip('0')}月份重点工作的通知（第{seq + 1}期）"
        return self._make(column, title, day, UNITS[seq % len(UNITS)], "", 0)

    # ------------------------------------------------------------------ ground truth

    def _articles(self, category: int) -> list[FDoc]:
        """The live articles of a category (0: all; a parent: its children's), newest first."""
        cols = [
            c for c in self._columns.values() if category in (0, c.extra["id"], c.extra["parent"])
        ]
        docs = [d for c in cols for d in self.live(c)]
        return sorted(docs, key=lambda d: (d.date, d.doc_id), reverse=True)

    def list_pages(self) -> list[str]:
        """The section page, every page of category 0 and of each category."""
        with self._lock:
            out = [self.start_path]
            for cid in [0, *(c.extra["id"] for c in self._columns.values())]:
                n = pages_of(len(self._articles(cid)), self.per_page)
                out += [self.api_url(cid, k) for k in range(1, n + 1)]
            return out

    def categories(self) -> list[int]:
        return [0, *PARENTS, *(c.extra["id"] for c in self._columns.values())]

    # ------------------------------------------------------------------ HTTP

    def _render(self, req: Request) -> Answer | None:
        p = req.path
        if p in ("/", "/index.html"):
            body = f'<html><head><meta charset="utf-8"><title>{SITE}</title></head><body><a href="/gkmlpt/index">政府信息公开</a></body></html>'
            return Answer(body.encode(), HTML)
        if p == self.start_path:
            return Answer(self._index().encode(), HTML)
        if p.startswith(API):
            return self._api(req)
        hit = self.file_for(p)
        if hit:
            return self.file_answer(*hit)
        d = self._docs.get(p)
        if d and not d.deleted:
            return Answer(self._article(d, req.origin).encode(), HTML)
        return None

    def _tree(self) -> list[dict[str, Any]]:
        def node(
            cid: int, name: str, parent: int, count: int, children: list[Any]
        ) -> dict[str, Any]:
            return {
                "id": cid,
                "name": name,
                "parent": parent,
                "jump_url": "",
                "post_count": count,
                "children": children,
            }

        leaves = {
            c.extra["id"]: node(c.extra["id"], c.name, c.extra["parent"], len(self.live(c)), [])
            for c in self._columns.values()
        }
        tree = []
        for pid, pname in PARENTS.items():
            kids = [n for n in leaves.values() if n["parent"] == pid]
            tree.append(node(pid, pname, 0, sum(k["post_count"] for k in kids), kids))
        tree += [n for n in leaves.values() if n["parent"] == 0]
        jump = node(JUMP[0], JUMP[1], 0, 0, [])
        jump["jump_url"] = JUMP[2]
        return [*tree, jump]

    def _classify(self, cid: int) -> dict[str, Any]:
        if cid == 0:
            name, parent = "全部", 0
        elif cid in PARENTS:
            name, parent = PARENTS[cid], 0
        else:
            col = next(c for c in self._columns.values() if c.extra["id"] == cid)
            name, parent = col.name, col.extra["parent"]
        return {
            "id": cid,
            "name": name,
            "parent": parent,
            "post_count": len(self._articles(cid)),
            "jump_url": "",
        }

    def _api(self, req: Request) -> Answer | None:
        tail = req.path[len(API) :]
        if not tail.isdigit() or int(tail) not in self.categories():
            return None
        cid = int(tail)
        if req.query.get("sid") != self.sid:
            data: dict[str, Any] = {"classify": {}, "articles": [], "total": 0}
        else:
            docs = self._articles(cid)
            page = max(1, int(req.query["page"])) if req.query.get("page", "").isdigit() else 1
            chosen = docs[(page - 1) * self.per_page : page * self.per_page]
            data = {
                "classify": self._classify(cid),
                "articles": [self._json(d, req.origin) for d in chosen],
                "total": len(docs),
            }
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
        return Answer(body, "application/json;charset=UTF-8")

    def _json(self, d: FDoc, origin: str) -> dict[str, Any]:
        col = self._columns[d.column]
        url = origin + d.path
        files = []
        for att, info in zip(d.attachments, d.extra.get("files", []), strict=True):
            size = len(self.file_answer(d, att).body)
            files.append(
                {
                    "id": info["id"],
                    "name": att.name,
                    "type": info["type"],
                    "mime": MIME[info["type"]],
                    "size": str(size),
                    "url": origin + att.path,
                }
            )
        published = ts(d.date)
        return {
            "id": d.doc_id,
            "title": d.title,
            "url": url,
            "post_url": url,
            "identifier": d.index_no,
            "document_number": d.doc_no or "",
            "publisher": d.source,
            "keywords": col.name,
            "abstract": d.paras[1][:60],
            "date": ts(d.written or d.date, 0),
            "created_at": f"{d.date} 10:00:00",
            "publish_time": published,
            "first_publish_time": published,
            "display_publish_time": published,
            "classify_main": col.extra["id"],
            "classify_main_name": col.name,
            "classify_genre_name": col.extra["genre"],
            "classify_theme_name": col.extra["theme"],
            "attachment": files,
            "is_expired": 0,
            "is_abolished": 0,
            "relation": "[]",
        }

    # ------------------------------------------------------------------ templates

    def _foot(self, path: str) -> str:
        return f"""<div class="footer"><div class="footer-inner">
<p>主办：{SITE}办公室　地址：深圳市坪山区坪山大道2008号</p>
<p>{self.footer_note()}　网站标识码：4403100002　粤ICP备19045235号</p>
<p>访问量：{self.visits(path)}</p>
</div></div>
"""

    def _index(self) -> str:
        tree = json.dumps(self._tree(), ensure_ascii=False)
        return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>政府信息公开_{SITE}门户网站</title>
<script>
    window._CONFIG = {{
        SID: '{self.sid}',
        SITE_NAME: '{SITE}',
        TREE: {tree},
        SERVICE_AREA_ID: 440310,
        SEARCH_URL: 'http://search.gd.gov.cn/search/all/{self.sid}',
        STATISTICS: true
    }};
</script>
<link href="/gkmlpt/gkml/pc/css/chunk-common.0c5a1b2e.css" rel="stylesheet">
<link href="/gkmlpt/gkml/pc/css/app.4d8e9f10.css" rel="stylesheet">
</head>
<body>
<noscript><strong>请开启浏览器的JavaScript功能以浏览政府信息公开目录。</strong></noscript>
<div id="app"></div>
{self._foot(self.start_path)}<script src="/gkmlpt/gkml/pc/js/chunk-vendors.8a1f2c3d.js"></script>
<script src="/gkmlpt/gkml/pc/js/chunk-common.c1553651.js"></script>
<script src="/gkmlpt/gkml/pc/js/app.5b6c7d8e.js"></script>
</body>
</html>
"""

    def _article(self, d: FDoc, origin: str) -> str:
        col = self._columns[d.column]
        sign = (d.source, cn_date(d.date))
        paras = "\n".join(
            f'<p style="text-align: right;">{esc(t)}</p>'
            if t in sign
            else f'<p style="text-indent: 2em;">{esc(t)}</p>'
            for t in d.paras
        )
        detail = self._json(d, origin)
        detail["content"] = paras
        config = (
            json.dumps(detail, ensure_ascii=False).replace("<", "\\u003C").replace(">", "\\u003E")
        )
        files = ""
        if d.attachments:
            lis = "".join(
                f'<li><a href="{a.href}" target="_blank">{esc(a.text)}</a></li>'
                for a in d.attachments
            )
            files = (
                f'<div class="article-attachment"><p class="title">附件：</p><ul>{lis}</ul></div>\n'
            )
        return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<title>{esc(d.title)}-{SITE}门户网站</title>
<meta name="keywords" content="{esc(col.name)}">
<meta name="description" content="{esc(d.paras[1][:60])}">
<meta name="ArticleTitle" content="{esc(d.title)}">
<meta name="PubDate" content="{d.date} 10:00">
<meta name="ContentSource" content="{esc(d.source or "")}">
<link href="/gkmlpt/gkml/pc/css/detail.2e3f4a5b.css" rel="stylesheet">
<script>
    window._CONFIG = {{
        SID: '{self.sid}',
        DETAIL: {config}
    }};
</script>
</head>
<body>
<div class="header"><div class="header-inner"><a href="/">{SITE}</a> <a href="/gkmlpt/index">政府信息公开</a></div></div>
<div class="content-box">
<div class="breadcrumb">当前位置：<a href="/">首页</a> &gt; <a href="/gkmlpt/index">政府信息公开</a> &gt; <a href="/gkmlpt/index#{col.extra["id"]}">{esc(col.name)}</a></div>
<div class="introduce">
<table class="table-intro">
<tbody>
<tr><td class="first"><label>索引号：</label></td><td class="second"><span>{d.index_no}</span></td><td class="first"><label>分类：</label></td><td class="second"><span>{esc(col.name)}</span></td></tr>
<tr><td class="first"><label>发布机构：</label></td><td class="second"><span>{esc(d.source or "")}</span></td><td class="first"><label>成文日期：</label></td><td class="second"><span>{d.written}</span></td></tr>
<tr><td class="first"><label>名称：</label></td><td class="second" colspan="3"><span>{esc(d.title)}</span></td></tr>
<tr><td class="first"><label>文号：</label></td><td class="second"><span>{esc(d.doc_no or "")}</span></td><td class="first"><label>发布日期：</label></td><td class="second"><span>{d.date}</span></td></tr>
<tr><td class="first"><label>主题词：</label></td><td class="second" colspan="3"><span></span></td></tr>
</tbody>
</table>
</div>
<div class="article-title"><h1>{esc(d.title)}</h1></div>
<div class="article-content">
{paras}
</div>
{files}<div class="article-tools"><a href="javascript:window.print()">【打印本页】</a><a href="javascript:window.close()">【关闭窗口】</a><span>分享至：</span><a href="javascript:void(0)">微信</a></div>
</div>
{self._foot(d.path)}</body>
</html>
"""


def _before(day: str) -> str:
    from datetime import date, timedelta

    return (date.fromisoformat(day) - timedelta(days=5)).isoformat()


__all__ = ["GkmlptSite", "content_path"]
