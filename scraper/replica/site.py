"""A replica of the 红寺堡区 disclosure site, served on 127.0.0.1 for tests, demos and benchmarks.

The real site (www.hongsibu.gov.cn, Ningxia's TRS platform) is unreachable, so this module
builds a deterministic imitation of it from a data model and serves it over real HTTP::

    site = ReplicaSite()
    with ReplicaServer(site) as server:
        httpx.get(server.base_url + "/xxgk/")
        site.edit_body(site.documents_in("/xxgk/tzgg/")[0])   # next crawl sees a new version

Site map of the default site (``per_page=5``)::

    /robots.txt               Disallow: /xxgk/nbzl/
    /                         home (out of scope)       /ggqy/wzdt/  site map (out of scope)
    /xxgk/ , /xxgk/index.html disclosure index: columns, nbzl, site map, off-site links
    /xxgk/zfxxgknb/           年报   index.html, index_1, index_2   createPageHTML(3, i, "index", "html")
    /xxgk/tzgg/               通知公告 list.html, list_1            createPageHTML('page_div', 2, i+1, 'list', 'html')
    /xxgk/zc/gfxwj/           规范性文件 index.html, index_1         link pager 首页 上一页 下一页 尾页 共2页
    /xxgk/nbzl/               robots-disallowed folder (index + one page), linked from /xxgk/ and
                              from every list page's left navigation
    documents                 /xxgk/<column>/YYYYMM/tYYYYMMDD_NNNNNNN.html, see ``expected_documents()``

Traps (each document's ``traps`` in ``expected_documents()`` names its own): a gb2312-labelled
GB18030 page served without a charset, a dead list link (404), a list link that answers 301 to
a document, a list link that redirects off-site, a document listed in two columns, a
three-part document, URL dates that differ from the shown date, a wrong ``PubDate`` meta, a
catalogue table with an empty 文号, ``hasFJ`` attachment scripts and a plain body attachment.

``ReplicaSite(annual_reports=True)`` (``--annual-reports``) adds six annual reports with known
figures to the 年报 column (scraper.replica.reports): tables in the page's HTML or only in a
.docx, .xlsx, .xls or PDF attachment; ``annual_reports()`` gives their truth and
``correct_report()`` publishes a corrected figure.

Each content mutation (``edit_body``, ``retitle``, ``delete``, ``restore``, ``add_documents``,
``change_footer``, ``bump_counters``) is one generation and moves a synthetic clock on by one
hour. ``Last-Modified`` of a path is the clock of the generation in which its bytes were first
served with that content; ``ETag`` is a hash of the bytes.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import math
import re
import socket
import sys
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Generic, NamedTuple, Protocol, TypeVar
from urllib.parse import unquote, urlsplit

from scraper.replica.files import docx_with_text, pdf_with_text, xlsx_with_rows
from scraper.replica.pages import (
    ERROR_PAGE,
    FOOTER_OFFSITE,
    NOT_FOUND,
    WAF_PAGE,
    Doc,
    Furniture,
    ListItem,
    Para,
    Table,
    TextGen,
    base_documents,
    block_texts,
    detail_page,
    footer_links,
    generated_document,
    hidden_document,
    list_page,
    simple_page,
)
from scraper.replica.report_files import report_file
from scraper.replica.reports import (
    ReplicaReport,
    fill_tables,
    replica_reports,
    report_document,
    report_figure_rows,
)

__all__ = ["ReplicaServer", "ReplicaSite", "RequestRecord", "Response", "main"]

START = datetime(2024, 7, 1, tzinfo=UTC)
ROBOTS = "User-agent: *\nDisallow: /xxgk/nbzl/\n"
NBZL = "/xxgk/nbzl/"
DEAD_LINK = "/xxgk/tzgg/202401/t20240108_4590001.html"
OLD_PATH = "/xxgk/tzgg/old/t20200101_1000001.html"
OFFSITE_LINK = "/xxgk/tzgg/ext/t20230601_4400002.html"
OFFSITE_TARGET = "http://offsite.invalid/art/2023/6/1/art_1234_4400002.html"
INDEX_OFFSITE = ["https://www.nx.gov.cn/", "http://www.wuzhong.gov.cn/"]
RELATED_OFFSITE = ["https://www.gov.cn/zhengce/", "https://www.nx.gov.cn/zwgk/"]
BODY_OFFSITE = "https://www.gov.cn/zhengce/content/2019-04/15/content_5382991.htm"

HTML_UTF8 = "text/html; charset=utf-8"
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "png": "image/png",
}
MAGIC = {
    "pdf": b"%PDF-1.4\n",
    "docx": b"PK\x03\x04",
    "xlsx": b"PK\x03\x04",
    "png": b"\x89PNG\r\n\x1a\n",
}


@dataclass
class Column:
    path: str
    name: str
    style: str  # "script" | "script_id" | "links"
    stem: str  # "index" | "list"
    kind: str  # "nb" | "tz" | "gf": what generated documents look like
    entries: list[Entry] = field(default_factory=list)

    def page_path(self, i: int) -> str:
        return f"{self.path}{self.stem}.html" if i == 0 else f"{self.path}{self.stem}_{i}.html"


@dataclass
class Entry:
    """A list item. ``doc`` set: title and date are read live from that document."""

    href: str
    doc: str | None = None
    title: str = ""
    date: str = ""


COLUMNS = [
    ("/xxgk/zfxxgknb/", "政府信息公开年报", "script", "index", "nb"),
    ("/xxgk/tzgg/", "通知公告", "script_id", "list", "tz"),
    ("/xxgk/zc/gfxwj/", "规范性文件", "links", "index", "gf"),
]


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


class RequestRecord(NamedTuple):
    method: str
    path: str  # path with query, as requested
    status: int
    headers: dict[str, str]


@dataclass
class _Cached:
    generation: int
    body: bytes
    content_type: str
    etag: str
    last_modified: datetime


class ReplicaSite:
    """The site's data model, its pages (rendered lazily, cached per generation) and mutations.

    ``extra_docs_per_column`` adds generated, deterministic documents (older than the base
    ones) to every column, for benchmarks; ``per_page`` is the list page size (5 by default,
    20 when extra documents are asked for). All methods are thread-safe.
    """

    def __init__(
        self,
        extra_docs_per_column: int = 0,
        per_page: int | None = None,
        annual_reports: bool = False,
    ) -> None:
        self.per_page = per_page or (20 if extra_docs_per_column else 5)
        self.generation = 0
        self._lock = threading.RLock()
        self._furn = Furniture()
        self._docs: dict[str, Doc] = {}
        self._pages: dict[str, tuple[Doc, int]] = {}
        self._files: dict[str, tuple[Doc, str]] = {}  # path -> (doc, file name)
        self._file_revisions: dict[str, int] = {}  # path -> times its bytes were replaced
        self._file_bytes: dict[str, bytes] = {}
        self._cache: dict[str, _Cached] = {}
        self._removed: dict[str, list[tuple[str, int, Entry]]] = {}
        self._waf_all = False
        self._waf: set[str] = set()
        self._fail: dict[str, list[int]] = {}
        self._next_id = 5000001
        self._columns = {p: Column(p, n, s, st, k) for p, n, s, st, k in COLUMNS}
        self._hidden = hidden_document()
        self._redirects = {OLD_PATH: "", OFFSITE_LINK: OFFSITE_TARGET}
        self._build(extra_docs_per_column)
        self._reports: dict[str, ReplicaReport] = {}  # path -> report (annual_reports=True)
        if annual_reports:
            self._add_reports()

    # ------------------------------------------------------------------ construction

    def _register(self, doc: Doc) -> None:
        self._docs[doc.path] = doc
        for i, p in enumerate(doc.part_paths()):
            self._pages[p] = (doc, i)
        for name in [a.name for a in doc.attachments] + [p.rsplit("/", 1)[1] for p in doc.images()]:
            self._files[doc.folder + name] = (doc, name)

    def _build(self, extra: int) -> None:
        docs = base_documents()
        for d in docs:
            self._register(d)
        by_trap = {t: d for d in docs for t in d.traps}
        redirected, dup = by_trap["redirected"], by_trap["two_columns"]
        self._redirects[OLD_PATH] = redirected.path
        for d in docs:
            href = OLD_PATH if d is redirected else d.path
            self._columns[d.column].entries.append(Entry(href, d.path))
        tz = self._columns["/xxgk/tzgg/"].entries
        tz.append(Entry(dup.path, dup.path))
        tz.append(
            Entry(DEAD_LINK, None, "关于公布红寺堡区2023年度行政执法统计数据的公告", "2024-01-08")
        )
        tz.append(
            Entry(
                OFFSITE_LINK,
                None,
                "自治区关于进一步优化营商环境若干措施的通知（转载）",
                "2023-06-01",
            )
        )
        for ci, col in enumerate(self._columns.values()):
            col.entries.sort(key=self._entry_date, reverse=True)
            oldest = date.fromisoformat(self._entry_date(col.entries[-1]))
            for k in range(extra):
                day = (oldest - timedelta(days=1 + k * 5 // 3)).isoformat()
                d = generated_document(col.kind, col.path, 2000000 + ci * 300000 + k, day, k)
                self._register(d)
                col.entries.append(Entry(d.path, d.path))
        self._pages[self._hidden.path] = (self._hidden, 0)

    def _add_reports(self) -> None:
        """The annual reports with known figures (scraper.replica.reports) in the 年报 column."""
        column = self._columns["/xxgk/zfxxgknb/"]
        for report in replica_reports():
            doc = report_document(report)
            self._register(doc)
            self._reports[doc.path] = report
            column.entries.append(Entry(doc.path, doc.path))
        column.entries.sort(key=self._entry_date, reverse=True)

    def annual_reports(self) -> dict[str, ReplicaReport]:
        """Path -> the report published there, with its truth (``figures()``), as served now."""
        with self._lock:
            return dict(self._reports)

    def correct_report(self, path: str, table: str, row: str, column: str, value: str) -> None:
        """Publish a corrected figure: the page (or the attachment holding the tables) changes.
        ``value`` is a token: a number as text, or "—" for none."""
        with self._lock:
            report = self._reports[path]
            report.correct(table, row, column, value)
            self._doc(path).figures = report_figure_rows(report)
            self._touch()

    def _entry_date(self, e: Entry) -> str:
        return self._docs[e.doc].date if e.doc else e.date

    @classmethod
    def with_total_docs(cls, n: int, annual_reports: bool = False) -> ReplicaSite:
        """A site with about ``n`` documents (at least the 20 base ones)."""
        extra = max(0, math.ceil((n - 20) / len(COLUMNS)))
        return cls(extra_docs_per_column=extra, annual_reports=annual_reports)

    # ------------------------------------------------------------------ clock

    def clock(self, generation: int | None = None) -> datetime:
        g = self.generation if generation is None else generation
        return START + timedelta(hours=g)

    def _touch(self) -> None:
        self.generation += 1

    # ------------------------------------------------------------------ ground truth

    def columns(self) -> list[str]:
        return list(self._columns)

    def column_name(self, column: str) -> str:
        return self._column(column).name

    def documents_in(self, column: str) -> list[str]:
        """Paths of the documents a column lists, top of page 1 first."""
        with self._lock:
            return [e.doc for e in self._column(column).entries if e.doc]

    def documents_with(self, trap: str) -> list[str]:
        """Paths of live documents carrying a trap (see ``expected_documents()[p]["traps"]``)."""
        with self._lock:
            return [p for p, d in self._docs.items() if not d.deleted and trap in d.traps]

    def expected_documents(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return {p: self._expected(d) for p, d in self._docs.items() if not d.deleted}

    def _expected(self, d: Doc) -> dict[str, Any]:
        paras = [t for part in d.parts for t in block_texts(part)]
        cols = [c.path for c in self._columns.values() if any(e.doc == d.path for e in c.entries)]
        hrefs = {e.href for c in self._columns.values() for e in c.entries if e.doc == d.path}
        cat = d.catalogue
        return {
            "kind": "document",
            "path": d.path,
            "title": d.title,
            "date": d.date,
            "source": d.source,
            "index_no": cat.index_no if cat else None,
            "doc_no": (cat.doc_no or None) if cat else None,
            "written_date": cat.written if cat else None,
            "topic": cat.topic if cat else None,
            "body_paragraphs": paras,
            "body_first": paras[0],
            "body_last": paras[-1],
            "body_tables": [
                [list(r) for r in b.rows] for part in d.parts for b in part if isinstance(b, Table)
            ],
            "attachments": [
                {"path": d.attachment_path(a), "text": a.text, "href": "./" + a.name}
                for a in d.attachments
            ],
            "images": d.images(),
            "columns": cols,
            "encoding": d.encoding,
            "declared_charset": "gb2312" if d.encoding != "utf-8" else "utf-8",
            "parts": d.part_paths(),
            "url_date": d.url_date,
            "breadcrumb": ["首页", "政府信息公开", self._columns[d.column].name, *d.crumbs],
            "layout": d.layout,
            "meta": (
                {"ArticleTitle": d.title, "PubDate": d.meta_pubdate, "ContentSource": d.source}
                if d.meta_pubdate
                else {}
            ),
            "redirected_from": sorted(h for h in hrefs if h != d.path),
            "figures": list(d.figures),
            "traps": list(d.traps),
        }

    def list_pages(self) -> list[str]:
        with self._lock:
            return [c.page_path(i) for c in self._columns.values() for i in range(self._count(c))]

    def html_paths(self) -> list[str]:
        """Every in-scope, crawlable (not disallowed) HTML page answering 200, canonical form."""
        with self._lock:
            docs = [p for p, (d, _) in self._pages.items() if d is not self._hidden]
            return ["/xxgk/", *self.list_pages(), *docs]

    def list_entries(self, path: str) -> list[tuple[str, str]]:
        """(date, title) of the entries the list page at ``path`` shows, in order."""
        with self._lock:
            for c in self._columns.values():
                for i in range(self._count(c)):
                    if c.page_path(i) == path:
                        n = self.per_page
                        return [
                            (e.date, e.title) for e in self._items(c.entries[i * n : (i + 1) * n])
                        ]
        raise KeyError(f"no list page at {path}")

    def script_paged_columns(self) -> dict[str, str]:
        """Column folder -> its first list page, for columns whose pager is the TRS script
        call (the folder page names its stem there); link-paged columns say nothing."""
        return {c.path: c.page_path(0) for c in self._columns.values() if c.style != "links"}

    def attachment_paths(self) -> list[str]:
        with self._lock:
            return list(self._files)

    def file_bytes(self, path: str) -> bytes:
        """The bytes the file at ``path`` is served with now."""
        with self._lock:
            return self._file(*self._files[path])[0]

    def disallowed_paths(self) -> list[str]:
        return [NBZL, NBZL + "index.html", self._hidden.path]

    def dead_paths(self) -> list[str]:
        """Linked paths answering 404: the dead list link, plus pages of deleted documents."""
        with self._lock:
            gone = [p for d in self._docs.values() if d.deleted for p in d.part_paths()]
            return [DEAD_LINK, *gone]

    def redirects(self) -> dict[str, str]:
        """Linked old path -> in-scope path it answers 301 to (a crawler follows these)."""
        return {o: n for o, n in self._redirects.items() if n.startswith("/")}

    def offsite_redirects(self) -> dict[str, str]:
        """Linked old path -> off-site URL it answers 301 to (a crawler must not follow)."""
        return {o: n for o, n in self._redirects.items() if not n.startswith("/")}

    def offsite_urls(self) -> list[str]:
        """Off-site URLs the in-scope pages link to or redirect to."""
        with self._lock:
            extra = [u for u, _ in footer_links(self._furn.footer_epoch) if u.startswith("http")]
        urls = {*INDEX_OFFSITE, *RELATED_OFFSITE, BODY_OFFSITE, OFFSITE_TARGET, *FOOTER_OFFSITE}
        return sorted(urls | set(extra))

    def last_modified(self, path: str) -> datetime | None:
        with self._lock:
            c = self._cache.get(path)
            return c.last_modified if c else None

    # ------------------------------------------------------------------ mutations

    def _doc(self, path: str) -> Doc:
        d = self._docs.get(path)
        if d is None or d.deleted:
            raise KeyError(f"no live document at {path}")
        return d

    def _column(self, column: str) -> Column:
        key = "/" + column.strip("/") + "/"
        if not key.startswith("/xxgk/"):
            key = "/xxgk" + key
        if key not in self._columns:
            raise KeyError(f"no column {column!r}; columns: {list(self._columns)}")
        return self._columns[key]

    def edit_body(self, path: str, text: str | None = None) -> str:
        """Replace one body paragraph (in the first part) of a document; returns the new text."""
        with self._lock:
            d = self._doc(path)
            blocks = d.parts[0]
            cands = [
                i
                for i, b in enumerate(blocks)
                if isinstance(b, Para) and b.kind == "p" and not b.link
            ]
            i = cands[len(cands) // 2]
            old = blocks[i]
            assert isinstance(old, Para)
            if text is None:
                gen = TextGen(f"edit:{path}:{self.generation}")
                text = gen.paragraph(int(d.date[:4]), 2)
            if text == old.text:
                text += "（已更新）"
            blocks[i] = Para(text)
            self._touch()
            return text

    def replace_file(self, path: str) -> None:
        """Publish new bytes at an attachment's address (same URL, new content)."""
        with self._lock:
            if path not in self._files:
                raise KeyError(f"no file at {path}")
            self._file_revisions[path] = self._file_revisions.get(path, 0) + 1
            self._touch()

    def retitle(self, path: str, new_title: str) -> None:
        """Correct a title: the detail page(s) and every list item showing it change."""
        with self._lock:
            self._doc(path).title = new_title
            self._touch()

    def delete(self, path: str) -> None:
        """The document's pages and files answer 404 and it leaves its lists."""
        with self._lock:
            d = self._doc(path)
            d.deleted = True
            for p in d.part_paths():
                self._pages.pop(p, None)
            for p in [p for p, (fd, _) in self._files.items() if fd is d]:
                del self._files[p]
            removed = []
            for c in self._columns.values():
                for i, e in enumerate(c.entries):
                    if e.doc == path:
                        removed.append((c.path, i, e))
                c.entries[:] = [e for e in c.entries if e.doc != path]
            self._removed[path] = removed
            self._touch()

    def restore(self, path: str) -> None:
        """Undo ``delete``: the document returns at its old place in its lists."""
        with self._lock:
            d = self._docs[path]
            if not d.deleted:
                return
            d.deleted = False
            self._register(d)
            for col, i, e in self._removed.pop(path, []):
                self._columns[col].entries.insert(i, e)
            self._touch()

    def add_documents(self, column: str, n: int = 1) -> list[str]:
        """Publish ``n`` new documents on top of the column; returns their paths, top first."""
        with self._lock:
            col = self._column(column)
            self._touch()
            day = self.clock().date().isoformat()
            new = []
            for k in range(n):
                doc_id = self._next_id
                self._next_id += 1
                d = generated_document(col.kind, col.path, doc_id, day, len(col.entries) + k)
                d.traps.append("added")
                self._register(d)
                new.append(d)
            col.entries[:0] = [Entry(d.path, d.path) for d in reversed(new)]
            return [d.path for d in reversed(new)]

    def change_footer(self) -> None:
        """Change the footer (host text, year, one more link) of every page."""
        with self._lock:
            f = self._furn
            self._furn = Furniture(f.footer_epoch + 1, f.counter_epoch)
            self._touch()

    def demo_changes(self) -> dict[str, Any]:
        """What ``scraper demo`` changes between its two crawls: a body edited, a title
        corrected, a document deleted (with its files), two documents added on top of
        通知公告, an attachment file replaced and the footer of every page changed. Returns
        the paths (and the new texts) concerned, for the demo's examples and the tests."""
        with self._lock:
            documents = self.expected_documents()
            simple = [
                p
                for p, d in sorted(documents.items())
                if len(d["parts"]) == 1 and not d["redirected_from"] and len(d["columns"]) == 1
            ]
            plain = [p for p in simple if not documents[p]["attachments"]]
            with_files = [p for p in simple if documents[p]["attachments"]]
            edited, retitled = plain[0], plain[1]
            deleted, keeps_files = with_files[0], with_files[1]
            title = documents[retitled]["title"] + "（更正）"
            changes = {
                "edited": edited,
                "old_title": documents[retitled]["title"],
                "new_title": title,
                "retitled": retitled,
                "deleted": deleted,
                "deleted_files": [a["path"] for a in documents[deleted]["attachments"]],
                "replaced": documents[keeps_files]["attachments"][0]["path"],
            }
            changes["new_text"] = self.edit_body(edited)
            self.retitle(retitled, title)
            self.delete(deleted)
            changes["added"] = self.add_documents("/xxgk/tzgg/", 2)
            self.replace_file(changes["replaced"])
            self.change_footer()
            return changes

    def bump_counters(self) -> None:
        """Change the visit counter (访问量) shown on every page."""
        with self._lock:
            f = self._furn
            self._furn = Furniture(f.footer_epoch, f.counter_epoch + 1)
            self._touch()

    def set_waf(self, paths: Iterable[str] | str | None = None, on: bool = True) -> None:
        """Answer 405 with a 网防G01 block page for these exact paths (None: every path)."""
        with self._lock:
            if paths is None:
                self._waf_all = on
                if not on:
                    self._waf.clear()
                return
            ps = {paths} if isinstance(paths, str) else set(paths)
            if on:
                self._waf |= ps
            else:
                self._waf -= ps

    def fail_next(self, path: str, times: int = 1, status: int = 503) -> None:
        """The next ``times`` requests for ``path`` (any query) answer ``status``."""
        with self._lock:
            if times > 0:
                self._fail[path] = [times, status]
            else:
                self._fail.pop(path, None)

    # ------------------------------------------------------------------ rendering

    def _count(self, c: Column) -> int:
        return max(1, math.ceil(len(c.entries) / self.per_page))

    def _nav(self) -> list[tuple[str, str]]:
        return [(c.path, c.name) for c in self._columns.values()] + [(NBZL, "内部资料")]

    def _items(self, entries: list[Entry]) -> list[ListItem]:
        out = []
        for e in entries:
            if e.doc:
                d = self._docs[e.doc]
                out.append(ListItem(e.href, d.title, d.date))
            else:
                out.append(ListItem(e.href, e.title, e.date))
        return out

    def _list(self, c: Column, i: int) -> bytes:
        n = self.per_page
        items = self._items(c.entries[i * n : (i + 1) * n])
        path = c.page_path(i)
        html = list_page(
            path, c.path, c.name, c.style, c.stem, i, self._count(c), items, self._nav(), self._furn
        )
        return html.encode()

    def _index(self) -> bytes:
        cols = "\n".join(
            f'\t\t\t\t\t<li><a href=".{c.page_path(0)[5:]}">{c.name}</a></li>'
            for c in self._columns.values()
        )
        content = f"""				<div class="xxgk-box"><div class="xxgk-box-title">政府信息公开目录</div>
				<ul class="xxgk-ml">
{cols}
					<li><a href="./nbzl/">内部资料</a></li>
				</ul></div>
				<div class="xxgk-box"><div class="xxgk-box-title">政府信息公开指南</div>
				<p>为了更好地提供政府信息公开服务，保障公民、法人和其他组织依法获取政府信息，根据《中华人民共和国政府信息公开条例》，编制本指南。</p></div>
				<div class="xxgk-links"><a href="/ggqy/wzdt/">网站地图</a>
				<a href="{INDEX_OFFSITE[0]}" target="_blank">宁夏回族自治区人民政府</a>
				<a href="{INDEX_OFFSITE[1]}" target="_blank">吴忠市人民政府</a></div>"""
        return simple_page(
            "/xxgk/", "政府信息公开", content, self._furn, [("政府信息公开", "/xxgk/")]
        ).encode()

    def _simple(self, path: str) -> bytes | None:
        furn = self._furn
        if path in ("/", "/index.html"):
            content = """				<ul class="home-links">
					<li><a href="/xxgk/">政府信息公开</a></li>
					<li><a href="/ggqy/wzdt/">网站地图</a></li>
					<li><a href="https://www.nx.gov.cn/" target="_blank">宁夏回族自治区人民政府</a></li>
				</ul>"""
            return simple_page("/", "首页", content, furn, []).encode()
        if path in ("/ggqy/wzdt/", "/ggqy/wzdt/index.html"):
            lis = "\n".join(
                f'\t\t\t\t\t<li><a href="{c.page_path(0)}">{c.name}</a></li>'
                for c in self._columns.values()
            )
            content = f"""				<div class="wzdt"><h3><a href="/xxgk/">政府信息公开</a></h3><ul>
{lis}
				</ul></div>"""
            return simple_page(
                "/ggqy/wzdt/", "网站地图", content, furn, [("网站地图", "/ggqy/wzdt/")]
            ).encode()
        pages = {
            "/ggqy/gywm/": "关于我们",
            "/ggqy/lxwm_17690/": "联系我们",
            "/ggqy/yszc/": "隐私声明",
        }
        if path in pages:
            content = f"\t\t\t\t<p>{pages[path]}：吴忠市红寺堡区人民政府办公室，联系电话0953-5098330。</p>"
            return simple_page(path, pages[path], content, furn, [(pages[path], path)]).encode()
        return None

    def _nbzl_index(self) -> bytes:
        d = self._hidden
        html = list_page(
            NBZL + "index.html", NBZL, "内部资料", "links", "index", 0, 1,
            [ListItem(d.path, d.title, d.date)], self._nav(), self._furn,
        )  # fmt: skip
        return html.encode()

    def _file(self, doc: Doc, name: str) -> tuple[bytes, str]:
        """A genuine PDF, Word or Excel file for attachments (other files: marker bytes),
        built once per revision so that its bytes, and so its ETag, stay put."""
        ext = name.rsplit(".", 1)[1]
        path = doc.folder + name
        report = self._reports.get(doc.path)
        if report is not None and name == report.file_name:
            key = f"{path}#report{report.revision}"
            if key not in self._file_bytes:
                self._file_bytes[key] = report_file(report)
            return self._file_bytes[key], CONTENT_TYPES[ext]
        revision = self._file_revisions.get(path, 0)
        key = f"{doc.path}/{name}" + (f"#{revision}" if revision else "")
        cached = self._file_bytes.get(key)
        if cached is None:
            seed = hashlib.sha256(key.encode()).digest()
            text = next((a.text for a in doc.attachments if a.name == name), name)
            lines = [text.rsplit(".", 1)[0], doc.title, f"编号 {seed[:6].hex()}"]
            if revision:
                lines.append(f"第{revision}次修订")
            if ext == "pdf":
                cached = pdf_with_text(lines)
            elif ext == "docx":
                cached = docx_with_text(lines, [["序号", "事项"], ["1", doc.source]])
            elif ext == "xlsx":
                cached = xlsx_with_rows("附表", [[line] for line in lines])
            else:
                cached = MAGIC.get(ext, b"") + b"replica file " + name.encode() + seed * 8
            self._file_bytes[key] = cached
        return cached, CONTENT_TYPES[ext]

    def _render(self, path: str) -> tuple[bytes, str] | None:
        """Bytes and Content-Type of the 200 answer for ``path``, or None."""
        if path == "/robots.txt":
            return ROBOTS.encode(), "text/plain; charset=utf-8"
        if path in ("/xxgk/", "/xxgk/index.html"):
            return self._index(), HTML_UTF8
        if path in (NBZL, NBZL + "index.html"):
            return self._nbzl_index(), HTML_UTF8
        hit = self._pages.get(path)
        if hit:
            d, part = hit
            name = "内部资料" if d is self._hidden else self._columns[d.column].name
            html = detail_page(d, part, name, self._furn)
            if d.path in self._reports:
                html = fill_tables(html, self._reports[d.path])
            if d.encoding != "utf-8":
                return html.encode(d.encoding), "text/html"
            return html.encode(), HTML_UTF8
        f = self._files.get(path)
        if f:
            return self._file(*f)
        for c in self._columns.values():
            if path.startswith(c.path):
                rest = path[len(c.path) :]
                m = re.fullmatch(rf"{c.stem}_(\d+)\.html", rest)
                if rest in ("", f"{c.stem}.html"):
                    return self._list(c, 0), HTML_UTF8
                if m and 1 <= int(m.group(1)) < self._count(c) and m.group(1)[0] != "0":
                    return self._list(c, int(m.group(1))), HTML_UTF8
        simple = self._simple(path)
        return (simple, HTML_UTF8) if simple is not None else None

    def _get(self, path: str) -> _Cached | None:
        c = self._cache.get(path)
        if c and c.generation == self.generation:
            return c
        r = self._render(path)
        if r is None:
            return None
        body, ctype = r
        if c and c.body == body:
            c.generation = self.generation
            return c
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        c = _Cached(self.generation, body, ctype, etag, self.clock())
        self._cache[path] = c
        return c

    def page(self, path: str) -> bytes:
        """The current bytes of a page (raises KeyError unless it answers 200)."""
        with self._lock:
            c = self._get(path)
            if c is None:
                raise KeyError(path)
            return c.body

    # ------------------------------------------------------------------ HTTP semantics

    def respond(
        self, method: str, target: str, headers: Mapping[str, str] | None = None
    ) -> Response:
        """The answer to one request; the server is a thin shell around this."""
        path = unquote(urlsplit(target).path) or "/"
        h = {k.lower(): v for k, v in (headers or {}).items()}
        with self._lock:
            fail = self._fail.get(path)
            if fail:
                fail[0] -= 1
                if fail[0] <= 0:
                    del self._fail[path]
                return _error(fail[1])
            if self._waf_all or path in self._waf:
                event = hashlib.md5(f"{path}{time.time()}".encode()).hexdigest()[:16]
                return _html(405, WAF_PAGE.replace("{event}", event).encode())
            if path in self._redirects:
                loc = self._redirects[path]
                if loc.startswith("/") and h.get("host"):
                    loc = f"http://{h['host']}{loc}"
                body = f'<html><body>301 Moved Permanently: <a href="{loc}">{loc}</a></body></html>'
                r = _html(301, body.encode())
                r.headers.append(("Location", loc))
                return r
            c = self._get(path)
            if c is None:
                if (
                    not path.endswith("/")
                    and "." not in path.rsplit("/", 1)[1]
                    and self._get(path + "/")
                ):
                    loc = path + "/"
                    r = _html(301, b"<html><body>301 Moved Permanently</body></html>")
                    r.headers.append(
                        ("Location", f"http://{h['host']}{loc}" if h.get("host") else loc)
                    )
                    return r
                return _html(404, NOT_FOUND.encode())
        validators = [
            ("ETag", c.etag),
            ("Last-Modified", format_datetime(c.last_modified, usegmt=True)),
        ]
        if _not_modified(h, c):
            return Response(304, validators, b"")
        headers_out = [
            ("Content-Type", c.content_type),
            ("Content-Length", str(len(c.body))),
            *validators,
        ]
        return Response(200, headers_out, c.body)

    def __repr__(self) -> str:
        return f"<ReplicaSite docs={len(self._docs)} generation={self.generation}>"


def _html(status: int, body: bytes) -> Response:
    return Response(status, [("Content-Type", HTML_UTF8), ("Content-Length", str(len(body)))], body)


def _error(status: int) -> Response:
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Error"
    return _html(status, ERROR_PAGE.format(status=status, reason=reason).encode())


def _not_modified(h: Mapping[str, str], c: _Cached) -> bool:
    inm = h.get("if-none-match")
    if inm is not None:  # takes precedence over If-Modified-Since (RFC 9110 §13.2.2)
        tags = [t.strip() for t in inm.split(",")]
        return "*" in tags or any(t.removeprefix("W/") == c.etag for t in tags)
    ims = h.get("if-modified-since")
    if not ims:
        return False
    try:
        since = parsedate_to_datetime(ims)
    except (TypeError, ValueError, IndexError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return c.last_modified <= since


# ---------------------------------------------------------------------- server


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes
    server_version = "nginx"
    sys_version = ""
    timeout = 30
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        self.server.owner._conn_opened(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.owner._conn_closed(self.connection)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_HEAD(self) -> None:
        self._serve("HEAD")

    def do_POST(self) -> None:
        """A form post (jpage's data proxy): the form's fields join the query."""
        n = int(self.headers.get("Content-Length") or 0)
        form = self.rfile.read(n).decode("latin-1") if n > 0 else ""
        target = self.path
        if form and "urlencoded" in (self.headers.get("Content-Type") or "urlencoded"):
            target += ("&" if "?" in target else "?") + form
        self._serve("POST", target)

    def _serve(self, method: str, target: str | None = None) -> None:
        target = target or self.path
        owner = self.server.owner
        if owner.delay > 0:
            owner._stopping.wait(owner.delay)
        if owner._stopping.is_set():
            self.close_connection = True
            return
        headers = dict(self.headers.items())
        try:
            resp = owner.site.respond(method, target, headers)
        except Exception as exc:  # a replica bug: answer 500 and keep it for the tests
            owner.errors.append(exc)
            resp = _error(500)
        owner._log(RequestRecord(method, target, resp.status, headers))
        self.send_response(resp.status)
        for k, v in resp.headers:
            self.send_header(k, v)
        self.end_headers()
        if method != "HEAD" and resp.status != 304:
            self.wfile.write(resp.body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet server
        pass


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: ReplicaServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if exc is not None and not isinstance(exc, OSError):  # OSError: the client went away
            self.owner.errors.append(exc)


class Respondent(Protocol):
    """What the server serves: a :class:`ReplicaSite` or a flavour site
    (:mod:`scraper.replica.flavours`)."""

    def respond(
        self, method: str, target: str, headers: Mapping[str, str] | None = None
    ) -> Response: ...


S = TypeVar("S", bound=Respondent)


class ReplicaServer(Generic[S]):
    """A real HTTP server for a :class:`ReplicaSite` in a daemon thread.

    ``delay`` (seconds slept before each response) may be changed while it runs;
    ``requests`` is a snapshot of every request answered (method, path with query, status,
    request headers).
    """

    def __init__(self, site: S, host: str = "127.0.0.1", port: int = 0, delay: float = 0.0) -> None:
        self.site = site
        self.host = host
        self.port = port
        self.delay = delay
        self.errors: list[BaseException] = []
        self._log_lock = threading.Lock()
        self._requests: list[RequestRecord] = []
        self._conns: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> ReplicaServer:
        if self._httpd is not None:
            return self
        self._stopping.clear()
        httpd = _HTTPServer((self.host, self.port), _Handler)
        httpd.owner = self
        self.port = httpd.server_address[1]
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="replica-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        with self._log_lock:
            conns = list(self._conns)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        httpd.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> ReplicaServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    @property
    def requests(self) -> list[RequestRecord]:
        with self._log_lock:
            return list(self._requests)

    def requested_paths(self) -> list[str]:
        return [r.path for r in self.requests]

    def reset_log(self) -> None:
        with self._log_lock:
            self._requests.clear()

    def _log(self, rec: RequestRecord) -> None:
        with self._log_lock:
            self._requests.append(rec)

    def _conn_opened(self, conn: socket.socket) -> None:
        with self._log_lock:
            self._conns.add(conn)

    def _conn_closed(self, conn: socket.socket) -> None:
        with self._log_lock:
            self._conns.discard(conn)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        prog="python -m scraper.replica", description=__doc__.split("\n")[0]
    )
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8000)
    ap.add_argument(
        "--docs", type=int, default=0, help="about this many documents (default: the 20 base ones)"
    )
    ap.add_argument("--delay", type=float, default=0.0, help="seconds slept before each response")
    ap.add_argument(
        "--flavour",
        choices=["trs", "hanweb", "vsb", "ucap", "gkmlpt"],
        default="trs",
        help="the CMS family to imitate (default: trs, this module's site)",
    )
    ap.add_argument(
        "--annual-reports",
        action="store_true",
        help="add the annual reports with known figures (HTML, DOCX, XLSX, XLS, PDF tables)",
    )
    args = ap.parse_args(argv)
    server: ReplicaServer[Any]
    if args.flavour != "trs":
        from scraper.replica.flavours import flavour

        other = flavour(args.flavour)
        server = ReplicaServer(other, args.host, args.port, args.delay).start()
        print(f"replica of a {args.flavour} site ({len(other.expected_documents())} documents) "
              f"at {server.base_url}{other.start_path}  (Ctrl-C to stop)", flush=True)  # fmt: skip
    else:
        site = (
            ReplicaSite.with_total_docs(args.docs, annual_reports=args.annual_reports)
            if args.docs
            else ReplicaSite(annual_reports=args.annual_reports)
        )
        server = ReplicaServer(site, args.host, args.port, args.delay).start()
        print(f"replica of www.hongsibu.gov.cn ({len(site.expected_documents())} documents) at "
              f"{server.base_url}/xxgk/  (Ctrl-C to stop)", flush=True)  # fmt: skip
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
