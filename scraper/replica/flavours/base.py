"""What every flavour site shares: the document model, deterministic prose, the generation
clock, HTTP semantics (validators, 304, robots.txt) and genuine attachment bytes.

A flavour subclasses :class:`FlavourSite` and supplies ``_build`` (its columns and
documents), ``_new_document`` (what ``add_documents`` publishes), ``list_pages`` and
``_render`` (the bytes of one answer). Everything else (ground truth, mutations, caching,
conditional requests) lives here, so the four families differ only in their pages.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
import threading
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from typing import Any, ClassVar
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from scraper.replica.files import docx_with_text, pdf_with_text, xlsx_with_rows
from scraper.replica.pages import NOT_FOUND, cn_date, esc
from scraper.replica.site import Response, _not_modified

__all__ = [
    "Answer",
    "Column",
    "FAttachment",
    "FDoc",
    "FlavourSite",
    "Prose",
    "Request",
    "body_paragraphs",
    "file_stem",
    "nows",
]

START = datetime(2024, 7, 1, tzinfo=UTC)
CST = timedelta(hours=8)
HTML = "text/html; charset=utf-8"
MIME = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
}
_WS = re.compile(r"[\s\u3000\u00a0\u200b\ufeff]+")


def nows(text: str) -> str:
    """``text`` without any whitespace (as the corpus labels compare bodies)."""
    return _WS.sub("", text)


# --------------------------------------------------------------------------- data model


@dataclass
class FAttachment:
    """One attachment link. ``path`` is the link resolved to the site (path and query, as
    written, percent-encoded as a crawler's canonical URL has it); ``href`` is the link as
    the page writes it; ``name`` is the file's own name (its extension decides the bytes)."""

    path: str
    href: str
    text: str
    name: str
    key: str = ""  # what the download endpoint is asked for (a token, an id, a file name)
    line: str = ""  # the body paragraph showing the link, where the link is in the body


@dataclass
class FDoc:
    path: str
    column: str  # the key of its column (see ``FlavourSite.columns()``)
    title: str
    date: str  # published, YYYY-MM-DD
    source: str | None
    paras: list[str]  # the body as shown, one string per paragraph
    doc_id: int
    index_no: str | None = None
    doc_no: str | None = None
    written: str | None = None  # 成文日期, YYYY-MM-DD
    topic: str | None = None  # 主题分类 / 分类
    attachments: list[FAttachment] = field(default_factory=list)
    layout: str = ""  # the flavour's template for this document
    attachments_in_body: bool = False  # the links are the body's last paragraphs
    extra: dict[str, Any] = field(default_factory=dict)
    deleted: bool = False

    def body_texts(self, with_files: bool = False) -> list[str]:
        """The body's paragraphs; ``with_files``: and the attachment links that end it,
        where they are in the body (the project's extractor leaves such a list out)."""
        if not (with_files and self.attachments_in_body):
            return list(self.paras)
        return [*self.paras, *(a.line or a.text for a in self.attachments)]


@dataclass
class Column:
    key: str  # the column's first list page (its entry)
    name: str
    docs: list[str] = field(default_factory=list)  # document paths, top of page 1 first
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Request:
    """One request, as a flavour's ``_render`` sees it."""

    method: str
    path: str  # percent-decoded
    query: dict[str, str]  # decoded; a form body posted to the path is merged in
    raw_query: str
    host: str

    @property
    def origin(self) -> str:
        return f"http://{self.host}"


@dataclass(frozen=True)
class Answer:
    body: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...] = ()


@dataclass
class _Cached:
    generation: int
    answer: Answer
    etag: str
    last_modified: datetime


# --------------------------------------------------------------------------- prose

_SUBJECTS = ["我市", "市委、市政府", "各地各部门", "本机关", "各乡镇（街道）", "市直各单位"]
_LEADS = [
    "坚持以习近平新时代中国特色社会主义思想为指导",
    "认真贯彻落实党中央、国务院关于全面推进政务公开的决策部署",
    "按照省委、省政府关于政务公开工作的总体要求",
    "坚持以公开为常态、不公开为例外",
    "对照年初确定的目标任务",
    "围绕经济社会发展大局",
]
_ACTS = [
    "进一步健全政府信息公开工作机制",
    "持续推进决策、执行、管理、服务、结果公开",
    "不断提升政务公开标准化规范化水平",
    "加强政府信息公开平台建设和管理",
    "扎实做好财政预决算等重点领域信息公开",
    "及时回应社会关切和群众诉求",
    "严格落实信息发布保密审查制度",
    "优化政务服务流程，压缩办理时限",
    "规范政府网站信息发布审核流程",
    "抓好政策解读和舆情回应工作",
    "强化业务培训和日常督查考核",
]
_RESULTS = [
    "取得了明显成效",
    "为经济社会高质量发展提供了有力保障",
    "群众满意度持续提升",
    "各项工作有序推进",
    "公开工作的质量和实效进一步提高",
]
_STATS = [
    "全年累计主动公开政府信息{a}条，其中政策文件{b}件",
    "通过政府网站发布各类公告公示{a}条，政策解读{b}篇",
    "组织开展政务公开业务培训{b}次，参训人员{a}余人次",
    "办理群众来信来访{b}件，按期办结率100%",
]
_PURPOSES = [
    "进一步优化营商环境",
    "做好今年防汛防台风工作",
    "加强城乡生活垃圾分类管理",
    "推进农村公路提档升级",
    "做好高校毕业生就业服务工作",
    "加强安全生产隐患排查治理",
    "规范政府投资项目管理",
    "做好困难群众基本生活保障",
    "推动全民健身活动深入开展",
    "加强城市供水设施运行管理",
    "促进养老服务高质量发展",
    "规范行政规范性文件制定程序",
]
_HEADS = ["提高思想认识", "明确工作任务", "强化部门协作", "严格督查考核", "加强宣传引导"]
_HEAD_TEXT = {
    "提高思想认识": "各单位要充分认识做好此项工作的重要性和紧迫性，切实加强组织领导，"
    "主要负责同志亲自抓、负总责。",
    "明确工作任务": "要结合工作实际，细化工作措施，明确责任分工和完成时限，建立工作台账，"
    "确保各项任务落到实处。",
    "强化部门协作": "有关部门要加强沟通协调，形成工作合力，及时研究解决工作中遇到的困难和问题。",
    "严格督查考核": "将适时对工作开展情况进行督查，对工作不力、造成不良影响的单位予以通报。",
    "加强宣传引导": "要充分利用政府网站、政务新媒体等渠道，广泛宣传相关政策，及时回应社会关切。",
}


class Prose:
    """Deterministic government prose from a seed string."""

    def __init__(self, seed: str) -> None:
        self.rng = random.Random(seed)

    def pick(self, seq: list[str]) -> str:
        return self.rng.choice(seq)

    def sentence(self, year: int, kind: str) -> str:
        if kind == "lead":
            return (
                f"{year}年，{self.pick(_SUBJECTS)}{self.pick(_LEADS)}，{self.pick(_ACTS)}，"
                f"{self.pick(_RESULTS)}。"
            )
        if kind == "stat":
            a, b = self.rng.randint(40, 900), self.rng.randint(2, 60)
            return self.pick(_STATS).format(a=a, b=b) + "。"
        if kind == "list":
            x, y, z = self.rng.sample(_ACTS, 3)
            return f"一是{x}；二是{y}；三是{z}。"
        return f"下一步，{self.pick(_SUBJECTS)}将{self.pick(_ACTS)}，推动各项工作再上新台阶。"

    def paragraph(self, year: int, n: int = 2) -> str:
        kinds = ["lead", "stat", "list"][: max(1, min(n, 3))]
        return "".join(self.sentence(year, k) for k in kinds)


def body_paragraphs(
    seed: str, kind: str, issuer: str, day: str, salutation: str = "各有关单位："
) -> list[str]:
    """Deterministic paragraphs of a 通知 (``notice``), a 年度报告 (``report``) or a news item
    (``news``), from ``seed``."""
    gen = Prose(seed)
    year = int(day[:4])
    if kind == "report":
        return [
            f"本报告根据《中华人民共和国政府信息公开条例》要求编制，由{issuer}对{year - 1}年度"
            "政府信息公开工作情况进行总结。",
            "一、总体情况",
            gen.paragraph(year - 1, 3),
            "二、主动公开政府信息情况",
            gen.paragraph(year - 1, 2),
            "三、存在的主要问题及改进情况",
            gen.sentence(year - 1, "next"),
        ]
    if kind == "news":
        return [gen.paragraph(year, 3), gen.paragraph(year, 2), gen.sentence(year, "next")]
    purpose = gen.pick(_PURPOSES)
    paras = [salutation, f"为{purpose}，结合工作实际，现就有关事项通知如下："]
    for i, head in enumerate(gen.rng.sample(_HEADS, 2)):
        paras += [f"{'一二'[i]}、{head}", _HEAD_TEXT[head] + gen.sentence(year, "lead")]
    return [*paras, "特此通知。", issuer, cn_date(day)]


_STEM_PREFIX = ("关于印发", "关于")
_STEM_SUFFIX = ("的通知", "的公告", "的通告", "的决定", "的实施意见", "的意见", "公示")


def file_stem(title: str, site: str, limit: int = 24) -> str:
    """A plausible attachment name stem from a document title."""
    stem = title.removeprefix(site + "办公室").removeprefix(site)
    for word in _STEM_PREFIX:
        if word in stem[:12]:
            stem = stem[stem.index(word) + len(word) :]
            break
    for word in _STEM_SUFFIX:
        stem = stem.removesuffix(word)
    return stem.strip("《》")[:limit]


def visit_count(path: str, epoch: int) -> int:
    h = zlib.crc32(path.encode())
    return 2000 + h % 50000 + epoch * (3 + h % 11)


def ts(day: str, hour: int = 10) -> int:
    """The Unix time of ``day`` at ``hour`` o'clock China time."""
    d = date.fromisoformat(day)
    moment = datetime(d.year, d.month, d.day, hour, tzinfo=UTC) - CST
    return int(moment.timestamp())


def query_of(params: Mapping[str, str] | list[tuple[str, str]]) -> str:
    """A query string as a site writes it: ``&``-joined, values percent-encoded (UTF-8,
    upper-case escapes) except ``/``."""
    pairs = params.items() if isinstance(params, Mapping) else params
    return "&".join(f"{k}={quote(str(v), safe='/')}" for k, v in pairs)


# --------------------------------------------------------------------------- the site


class FlavourSite:
    """A replica of one CMS family's disclosure section, served by ``ReplicaServer``.

    Subclasses set ``name``, ``site_name``, ``start_path`` and ``robots`` and implement the
    hooks named in the module docstring. All public methods are thread-safe; each content
    mutation is one generation and moves the synthetic clock on by one hour.
    """

    name: ClassVar[str] = ""
    site_name: ClassVar[str] = ""
    start_path: ClassVar[str] = "/"
    robots: ClassVar[str] = "User-agent: *\nDisallow:\n"

    def __init__(self) -> None:
        self.generation = 0
        self.footer_epoch = 0
        self.counter_epoch = 0
        self._lock = threading.RLock()
        self._docs: dict[str, FDoc] = {}
        self._columns: dict[str, Column] = {}
        self._cache: dict[str, _Cached] = {}
        self._file_bytes: dict[str, bytes] = {}
        self._files: dict[str, tuple[FDoc, FAttachment]] = {}
        self._next_id = 0
        self._build()

    # ------------------------------------------------------------------ hooks

    def _build(self) -> None:
        raise NotImplementedError

    def _new_document(self, column: Column, day: str, seq: int) -> FDoc:
        raise NotImplementedError

    def list_pages(self) -> list[str]:
        """Every list page and list API answer of the site (path with query), in order."""
        raise NotImplementedError

    def _render(self, req: Request) -> Answer | None:
        raise NotImplementedError

    def _removed(self, doc: FDoc) -> None:
        """Called when a document is deleted (a flavour may drop its own indexes)."""

    # ------------------------------------------------------------------ construction helpers

    def _add_column(self, column: Column) -> Column:
        self._columns[column.key] = column
        return column

    def _register(self, doc: FDoc, top: bool = False) -> FDoc:
        self._docs[doc.path] = doc
        self._index_files(doc)
        docs = self._columns[doc.column].docs
        if top:
            docs.insert(0, doc.path)
        else:
            docs.append(doc.path)
        return doc

    def _index_files(self, doc: FDoc) -> None:
        for att in doc.attachments:
            self._files[att.key or att.path] = (doc, att)

    def file_for(self, key: str) -> tuple[FDoc, FAttachment] | None:
        """The live document and attachment a download key (or path) names."""
        hit = self._files.get(key)
        return hit if hit and not hit[0].deleted else None

    def _sort_columns(self) -> None:
        for col in self._columns.values():
            col.docs.sort(key=lambda p: (self._docs[p].date, self._docs[p].doc_id), reverse=True)

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
        """Paths of the live documents a column lists, top of its first page first."""
        with self._lock:
            return [p for p in self._column(column).docs if not self._docs[p].deleted]

    def live(self, column: Column) -> list[FDoc]:
        return [self._docs[p] for p in column.docs if not self._docs[p].deleted]

    def expected_documents(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return {p: self._expected(d) for p, d in self._docs.items() if not d.deleted}

    def _expected(self, d: FDoc) -> dict[str, Any]:
        texts = d.body_texts()
        body = nows("".join(texts))
        alternatives = {}
        if d.attachments_in_body and d.attachments:
            alternatives["body_last"] = [nows("".join(d.body_texts(with_files=True)))[-30:]]
        return {
            "kind": "document",
            "path": d.path,
            "title": d.title,
            "date": d.date,
            "source": d.source,
            "index_no": d.index_no,
            "doc_no": d.doc_no,
            "written_date": d.written,
            "topic": d.topic,
            "body_paragraphs": texts,
            "body_first": body[:30],
            "body_last": body[-30:],
            "attachments": [
                {"path": a.path, "href": a.href, "text": a.text, "name": a.name}
                for a in d.attachments
            ],
            "columns": [d.column],
            "layout": d.layout,
            "attachments_in_body": d.attachments_in_body and bool(d.attachments),
            "alternatives": alternatives,
        }

    def attachment_paths(self) -> list[str]:
        with self._lock:
            return [a.path for d in self._docs.values() if not d.deleted for a in d.attachments]

    def html_paths(self) -> list[str]:
        """The section's entry, its list pages and list API answers, and its documents
        (paths, with queries): every address a crawl of the section should fetch but files."""
        with self._lock:
            docs = [p for p, d in self._docs.items() if not d.deleted]
        return list(dict.fromkeys([self.start_path, *self.list_pages(), *docs]))

    def dead_paths(self) -> list[str]:
        """Paths of deleted documents and their files (they answer 404)."""
        with self._lock:
            gone = [d for d in self._docs.values() if d.deleted]
            return [p for d in gone for p in [d.path, *(a.path for a in d.attachments)]]

    def page(self, target: str, host: str = "127.0.0.1") -> bytes:
        """The current bytes of ``target`` (raises KeyError unless it answers 200)."""
        r = self.respond("GET", target, {"Host": host})
        if r.status != 200:
            raise KeyError(target)
        return r.body

    def file_bytes(self, path: str) -> bytes:
        return self.page(path)

    def find(self, doc_path: str) -> FDoc:
        return self._doc(doc_path)

    # ------------------------------------------------------------------ mutations

    def _doc(self, path: str) -> FDoc:
        d = self._docs.get(path)
        if d is None or d.deleted:
            raise KeyError(f"no live document at {path}")
        return d

    def _column(self, column: str) -> Column:
        if column in self._columns:
            return self._columns[column]
        for col in self._columns.values():
            if column in (col.name, col.extra.get("slug"), str(col.extra.get("id"))):
                return col
        raise KeyError(f"no column {column!r}; columns: {list(self._columns)}")

    def edit_body(self, path: str, text: str | None = None) -> str:
        """Replace one body paragraph of a document; returns the new text."""
        with self._lock:
            d = self._doc(path)
            long = [i for i, p in enumerate(d.paras) if len(p) > 20] or [len(d.paras) - 1]
            i = long[len(long) // 2]
            if text is None:
                text = Prose(f"edit:{path}:{self.generation}").paragraph(int(d.date[:4]), 2)
            if text == d.paras[i]:
                text += "（已更新）"
            d.paras[i] = text
            self._touch()
            return text

    def retitle(self, path: str, new_title: str) -> None:
        """Correct a title: the document and every list, record and API entry showing it."""
        with self._lock:
            self._doc(path).title = new_title
            self._touch()

    def delete(self, path: str) -> None:
        """The document and its files answer 404 and it leaves its lists."""
        with self._lock:
            d = self._doc(path)
            d.deleted = True
            self._removed(d)
            self._touch()

    def restore(self, path: str) -> None:
        """Undo ``delete``."""
        with self._lock:
            d = self._docs[path]
            if d.deleted:
                d.deleted = False
                self._touch()

    def add_documents(self, column: str, n: int = 1) -> list[str]:
        """Publish ``n`` new documents on top of a column; returns their paths, top first."""
        with self._lock:
            col = self._column(column)
            self._touch()
            day = self.clock().date().isoformat()
            new = []
            for k in range(n):
                d = self._new_document(col, day, len(col.docs) + k)
                self._docs[d.path] = d
                self._index_files(d)
                new.append(d)
            col.docs[:0] = [d.path for d in reversed(new)]
            return [d.path for d in reversed(new)]

    def change_footer(self) -> None:
        """Change the footer (text and year) of every page."""
        with self._lock:
            self.footer_epoch += 1
            self._touch()

    def bump_counters(self) -> None:
        """Change the visit counters (访问量) every page shows; no content changes."""
        with self._lock:
            self.counter_epoch += 1
            self._touch()

    def _id(self) -> int:
        self._next_id += 1
        return self._next_id

    # ------------------------------------------------------------------ furniture

    def visits(self, path: str) -> int:
        return visit_count(path, self.counter_epoch)

    def footer_note(self) -> str:
        """The footer's changing line (``change_footer``)."""
        year = 2024 + self.footer_epoch
        extra = "　技术支持：政务云平台" if self.footer_epoch % 2 else ""
        return f"Copyright © {year} {esc(self.site_name)} 版权所有{extra}"

    # ------------------------------------------------------------------ files

    def file_answer(self, doc: FDoc, att: FAttachment, disposition: bool = False) -> Answer:
        """Genuine bytes for an attachment, built once: a PDF, Word or Excel file naming
        the document, or marker bytes for other types."""
        ext = att.name.rsplit(".", 1)[-1].lower()
        key = f"{doc.path}|{att.path}"
        body = self._file_bytes.get(key)
        if body is None:
            seed = hashlib.sha256(key.encode()).hexdigest()[:12]
            lines = [att.name.rsplit(".", 1)[0], doc.title, f"编号 {seed}"]
            if ext == "pdf":
                body = pdf_with_text(lines)
            elif ext in ("docx", "doc"):
                body = docx_with_text(lines, [["序号", "事项"], ["1", doc.source or ""]])
            elif ext in ("xlsx", "xls"):
                body = xlsx_with_rows("附表", [[line] for line in lines])
            else:
                body = b"PK\x03\x04replica " + key.encode() * 4
            self._file_bytes[key] = body
        if disposition:
            name = quote(att.name)
            headers = (("Content-Disposition", f"attachment; filename*=UTF-8''{name}"),)
            return Answer(body, "application/octet-stream", headers)
        return Answer(body, MIME.get(ext, "application/octet-stream"))

    # ------------------------------------------------------------------ HTTP

    def respond(
        self, method: str, target: str, headers: Mapping[str, str] | None = None
    ) -> Response:
        """The answer to one request; ``ReplicaServer`` is a thin shell around this."""
        h = {k.lower(): v for k, v in (headers or {}).items()}
        parts = urlsplit(target)
        path = unquote(parts.path) or "/"
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        host = h.get("host") or "127.0.0.1"
        req = Request(method.upper(), path, query, parts.query, host)
        key = f"{host}|{path}?{'&'.join(f'{k}={v}' for k, v in sorted(query.items()))}"
        with self._lock:
            c = self._get(key, req)
        if c is None:
            body = NOT_FOUND.encode()
            return Response(404, [("Content-Type", HTML), ("Content-Length", str(len(body)))], body)
        validators = [
            ("ETag", c.etag),
            ("Last-Modified", format_datetime(c.last_modified, usegmt=True)),
        ]
        if req.method in ("GET", "HEAD") and _not_modified(h, c):  # type: ignore[arg-type]
            return Response(304, validators, b"")
        out = [
            ("Content-Type", c.answer.content_type),
            ("Content-Length", str(len(c.answer.body))),
            *c.answer.headers,
            *validators,
        ]
        return Response(200, out, c.answer.body)

    def _get(self, key: str, req: Request) -> _Cached | None:
        c = self._cache.get(key)
        if c and c.generation == self.generation:
            return c
        if req.path == "/robots.txt":
            answer: Answer | None = Answer(self.robots.encode(), "text/plain; charset=utf-8")
        else:
            answer = self._render(req)
        if answer is None:
            return None
        if c and c.answer == answer:
            c.generation = self.generation
            return c
        etag = '"' + hashlib.sha256(answer.body).hexdigest()[:32] + '"'
        c = _Cached(self.generation, answer, etag, self.clock())
        self._cache[key] = c
        return c

    def __repr__(self) -> str:
        return f"<{type(self).__name__} docs={len(self._docs)} generation={self.generation}>"


def pages_of(n_items: int, per_page: int) -> int:
    return max(1, math.ceil(n_items / per_page))
