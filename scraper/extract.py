"""Pure extraction: decoded HTML and its URL in, fields out.

Pages are read the way these CMS templates are built, not by per-site rules:

* the body is the CMS editor container (TRS ``TRS_UEDITOR``/``TRS_Editor``, ``#zoom``,
  Ucap ``#UCAP-CONTENT``, VSB ``vsb_content`` …) or else the block holding the most
  paragraph text;
* catalogue fields (索引号, 文号, 发布日期, 来源 …) are label/value pairs read from the text
  *outside* the body, whatever carries them: table cells, ``<li>`` pairs, ``label：value``
  runs, labels padded with spaces;
* attachments come from links around the body and from the TRS ``hasFJ``/``rel_appendix``
  script strings that browsers only see through ``document.write``.

The same HTML always gives the same fields, and nothing outside the body that changes per
visit (counters, "today" widgets) feeds a field.

selectolax's ``LexborNode.__eq__`` compares serialised HTML (slow, and true for identical
twins), so nodes are compared and keyed by ``mem_id`` throughout.
"""

from __future__ import annotations

import datetime as _dt
import logging
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

logger = logging.getLogger(__name__)

EXTRACTOR_VERSION = "1.0.0"


@dataclass
class ExtractRules:
    """Site-profile overrides (the ``[extract]`` table); generic rules apply when empty."""

    body: list[str] = field(default_factory=list)  # CSS selectors for the body container
    title: list[str] = field(default_factory=list)
    breadcrumb: list[str] = field(default_factory=list)
    document_url: str = r"/t\d{8}_\d+(?:_\d+)?\.s?html?$"  # regex: a URL that is a document
    drop: list[str] = field(default_factory=list)  # extra CSS selectors of furniture to remove


@dataclass
class Extracted:
    kind: str  # "document" | "list" | "other"
    title: str | None = None
    date: str | None = None  # YYYY-MM-DD
    source: str | None = None
    index_no: str | None = None
    doc_no: str | None = None
    breadcrumb: list[str] = field(default_factory=list)
    body_text: str = ""
    attachments: list[dict[str, str]] = field(default_factory=list)  # {"url": abs, "text": …}
    meta: dict[str, str] = field(default_factory=dict)  # every label read, e.g. {"索引号": …}
    # The pager as read from createPageHTML(…) / countPage: {"total", "current", "stem",
    # "ext", "records", "article"}; "article" marks a multi-part document (stem tYYYYMMDD_id).
    pager: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


# --------------------------------------------------------------------------- vocabulary


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_SKIP_TAGS = frozenset(
    _words(
        "script style noscript template textarea select option button svg canvas iframe object "
        "embed head title meta link input map audio video"
    )
)
_BLOCK_TAGS = frozenset(
    _words(
        "address article aside blockquote body center dd details dialog dir div dl dt fieldset "
        "figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr html li main menu nav "
        "ol p pre section summary table tbody thead tfoot tr td th ul caption"
    )
)
_HEADINGS = {"h1": 15, "h2": 12, "h3": 10, "h4": 6, "h5": 4, "h6": 3}

_CJK = "\u3400-\u9fff\uf900-\ufaff"
_CJK_CHAR_RE = re.compile(f"[{_CJK}]")
_ZERO_WIDTH_RE = re.compile("[\u200b-\u200d\u2060\ufeff\ue000-\uf8ff]")  # + icon-font glyphs
_ALL_WS_RE = re.compile(r"[\s\u3000\u00a0\u200b-\u200d\u2060\ufeff]+")
# U+3000 inside a line is a character the author typed (第一章　总则) and is kept;
# at either end of a line it is indentation and goes with the other whitespace.
_HSPACE_RE = re.compile(r"[ \t\r\f\v\u00a0\u2000-\u200a\u202f\u205f]+")
_NEWLINE_RE = re.compile(r"[ \t\r\f\v\u00a0\u3000]*\n[\s\u00a0\u3000]*")
_BREAK = "\x00"  # a source newline, until we know whether it sits between CJK characters
_CJK_BREAK_RE = re.compile(f"(?<=[{_CJK}，。、；：！？）》」』】”’])\x00+(?=[{_CJK}（《「『【“‘])")

_STRONG_CLASSES = frozenset(
    _words(
        "trs_ueditor trs_editor trs_editor_view article-content article_content articlecontent "
        "detail-content detail_content detailcontent news_content news-content newscontent "
        "content-txt content_txt zw-con zwnr"
    )
)
_STRONG_IDS = frozenset(_words("ucap-content zoom zoomcon fontzoom zoomcontent artibody"))
_STRONG_PREFIX = "vsb_content"
_GOOD_NAME_RE = re.compile(r"content|article|zoom|detail|text|txt|editor|body|zw|nr", re.I)
_BAD_NAME_RE = re.compile(
    r"comment|foot|nav|menu|side|header|banner|share|relat|friend|copyright|bottom|link|list|"
    r"recommend|hot|tab",
    re.I,
)

_ATTACH_EXT = r"pdf|docx?|xlsx?|wps|ofd|zip|rar|7z|txt|et|pptx?|dps|csv|ceb"
_ATTACH_HREF_RE = re.compile(rf"\.(?:{_ATTACH_EXT})$", re.I)
_ATTACH_TEXT_RE = re.compile(rf"\.(?:{_ATTACH_EXT})\s*[)）】\]]?\s*$", re.I)
_DOWNLOAD_RE = re.compile(r"downfile|download|filedown|getfile|attachfile|virtual_attach|/P0\d{10}")
_FJ_SCRIPT_RE = re.compile(r"""\b(hasFJ|rel_appendix)\s*=\s*(['"])(.*?)(?<!\\)\2""", re.S)

_FURNITURE_RE = re.compile(
    r"字号\s*[:：]|字体\s*[:：大]|【\s*[大中小]\s*】|\[\s*[大中小]\s*\]|放大字体|缩小字体|"
    r"扫一扫|用微信扫描|分享[至到]|打印本页|打印此页|打印页面|【\s*打印\s*】|\[\s*打印\s*\]|"
    r"关闭窗口|关闭本页|关闭页面|【\s*关闭\s*】|\[\s*关闭\s*\]|返回顶部|我要纠错|内容纠错|"
    r"加入收藏|收藏本页|浏览次数|点击数|点击量|阅读次数|访问量"
)
_FURNITURE_MAX = 60  # furniture blocks are short; a long paragraph that mentions 打印 is text
_RELATED_RE = re.compile(
    r"^(?:相关(?:文档|阅读|链接|稿件|新闻|信息|文章|附件|解读|文件)|关联稿件|延伸阅读|上一篇|下一篇)"
)

_DATE_RE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)")
_DATE_TRAP_RE = re.compile(r"成文|生成|印发|实施|施行|生效|有效期|截止|废止|更新|修订")

# Labels by meaning. Dates: the first tier wins over the second, whatever the distance.
_DATE_TIERS = (
    _words("发布日期 发布时间 公开日期 公开时间 发表日期 发表时间 发稿时间 上网日期"),
    _words("时间 日期 发文日期"),
)
_SOURCE_LABELS = _words(
    "发布机构 来源 信息来源 文章来源 发文机构 发文机关 发布单位 来源单位 发布部门"
)
_INDEX_LABELS = ("索引号",)
_DOCNO_LABELS = _words("文号 发文字号 发文文号 文件编号")
_TITLE_LABELS = _words("标题 名称")
_OTHER_LABELS = _words(
    "成文日期 生成日期 印发日期 生效日期 实施日期 废止日期 主题分类 组配分类 体裁分类 分类 服务对象 "
    "有效性 时效性 主题词 关键字 关键词 作者 责任编辑 编辑 公开方式 公开范围 公开时限 内容概述 摘要 "
    "文种 所属主题 信息类别 统一编号 登记号 发布人 审核人"
)
# Read as labels so that they end a value, never recorded: counters change on every visit.
_NOISE_LABELS = _words(
    "浏览次数 点击数 点击量 访问量 阅读次数 浏览量 字号 字体大小 字体 分享到 分享"
)
_CATALOGUE = frozenset(
    _words(
        "索引号 文号 发文字号 发布机构 发文机关 发文机构 成文日期 发布日期 主题分类 有效性 组配分类"
    )
)
_ALL_LABELS = _DATE_TIERS[0] + _DATE_TIERS[1] + _SOURCE_LABELS + _INDEX_LABELS + _DOCNO_LABELS
_ALL_LABELS += _TITLE_LABELS + _OTHER_LABELS + _NOISE_LABELS
_PAD = r"[\s\u3000\u00a0]*"  # templates pad labels to equal width: 索 引 号, 文　　号
_LABEL_RE = re.compile(
    "(?P<label>"
    + "|".join(_PAD.join(map(re.escape, lb)) for lb in sorted(_ALL_LABELS, key=len, reverse=True))
    + f")(?P<colon>{_PAD}[:：])?"
)
_PLACEHOLDER_RE = re.compile(r"^(?:无|暂无|空|—+|-+|/|／|0|null|none|n/?a)$", re.I)
_EMPTY_BRACKETS_RE = re.compile(r"[〔\[［【(（]\s*[〕\]］】)）]")
_SEPARATOR_RE = re.compile(f"^[^{_CJK}A-Za-z0-9]*$")

_POSITION_RE = re.compile(r"^(?:您|你)?(?:当前|现在|目前)?(?:的|所在的?)?位置(?:是)?\s*[:：>＞]?")
_CRUMB_SPLIT_RE = re.compile(r">>|>|＞|›|»|→|->|—>|\s/\s")
_CRUMB_NAME_RE = re.compile(r"crumb|position|location|localtion|dqwz|weizhi|curpos|path", re.I)
_TITLE_NAME_RE = re.compile(r"title|tit\b|biaoti|headline", re.I)
_SITE_SUFFIX_RE = re.compile(r"(?:政府|网站|门户|网|部|局|厅|委|办|院|委员会|中心)$")
_TITLE_SPLIT_RE = re.compile(r"\s+[-–—|｜]\s+|_|\||｜|——|－")
_TITLE_TAIL_RE = re.compile(r"\s*[-–—_|｜－]+\s*([^-–—_|｜－]+)$")

# Soft 404s and WAF challenge pages answer 200 under a document's address.
_ERROR_PAGE_RE = re.compile(
    r"页面不存在|页面已删除|已被删除|找不到(?:该|您要访问的)?页面|访问已被拦截|网防G01|安全防护平台|"
    r"访问被拒绝|请求疑似|404 Not Found|403 Forbidden"
)
_PAGER_CALL_RE = re.compile(r"createPageHTML\s*\(([^()]*)\)")
_COUNT_PAGE_RE = re.compile(r"\bcountPage\s*=\s*(\d+)")
_CURRENT_PAGE_RE = re.compile(r"\bcurrentPage\s*=\s*(\d+)")
_LINK_PAGER_RE = re.compile(r"下一页|尾页|末页|共\s*\d+\s*页")
_ARTICLE_STEM_RE = re.compile(r"^t\d{8}_\d+$")
_ROOT_PATH_RE = re.compile(r"^/?(?:(?:index|default|main)\.(?:s?html?|jsp|php|aspx?))?$", re.I)

_META_NAMES = _words(
    "SiteName SiteDomain SiteIDCode ColumnName ColumnDescription ColumnKeywords ColumnType "
    "ArticleTitle PubDate ContentSource Keywords Author Description Image Url"
)
_META_CANON = {name.lower(): name for name in _META_NAMES}

_MAX_DEPTH = 400  # nesting beyond this is garbage markup; it is read as flat text


# --------------------------------------------------------------------------- helpers


def _nows(text: str | None) -> str:
    return _ALL_WS_RE.sub("", text or "")


def _clean(text: str | None) -> str:
    return " ".join(_ZERO_WIDTH_RE.sub("", text or "").split())


def _text(node: LexborNode) -> str:
    return node.text(deep=True) or ""


def _names(node: LexborNode) -> str:
    attrs = node.attributes
    return f"{attrs.get('class') or ''} {attrs.get('id') or ''}"


def _same(a: LexborNode | None, b: LexborNode | None) -> bool:
    return a is not None and b is not None and a.mem_id == b.mem_id


def _is_cjk(ch: str) -> bool:
    return bool(_CJK_CHAR_RE.match(ch))


def _join_cjk(parts: list[str]) -> str:
    out = ""
    for part in parts:
        if out and part and not (_is_cjk(out[-1]) and _is_cjk(part[0])):
            out += " "
        out += part
    return out


def _parse_date(text: str | None) -> str | None:
    for m in _DATE_RE.finditer(text or ""):
        try:
            return _dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
        except ValueError:
            continue
    return None


def _is_placeholder(value: str) -> bool:
    compact = _nows(value)
    if not compact or _PLACEHOLDER_RE.match(compact):
        return True
    # 〔〕号, 红政办发〔 〕号: the template printed the 文号 pattern without its numbers.
    return bool(_EMPTY_BRACKETS_RE.search(value)) and not re.search(r"\d", compact)


def _is_attachment(href: str, text: str) -> bool:
    path = href.split("#", 1)[0].split("?", 1)[0]
    return bool(
        _ATTACH_HREF_RE.search(path) or _ATTACH_TEXT_RE.search(text) or _DOWNLOAD_RE.search(href)
    )


def _usable_href(href: str | None) -> str | None:
    # Browsers drop tabs and newlines anywhere in a URL (WHATWG URL parser).
    href = re.sub(r"[\t\r\n]", "", href or "").strip()
    if not href or href.startswith("#") or re.match(r"(?i)(javascript|mailto|tel|data):", href):
        return None
    return href


def _child_elements(node: LexborNode) -> Iterator[LexborNode]:
    for child in node.iter(include_text=False):
        if child.is_element_node:
            yield child


def _select(tree: LexborHTMLParser | LexborNode, selector: str) -> list[LexborNode]:
    try:
        return list(tree.css(selector))
    except Exception:  # a broken profile selector must not break extraction
        logger.warning("bad CSS selector %r", selector)
        return []


class _Page:
    """The parsed page plus per-element text statistics, in document (pre-)order."""

    def __init__(self, tree: LexborHTMLParser) -> None:
        self.tree = tree
        self.elements: list[LexborNode] = []
        self._pos: dict[int, int] = {}
        # mem_id → (text chars, chars in non-attachment links, chars in own text nodes,
        #           depth, number of descendants)
        self._stats: dict[int, tuple[int, int, int, int, int]] = {}
        root = tree.body or tree.root
        if root is not None:
            self._index(root)

    def _index(self, root: LexborNode) -> None:
        stack: list[tuple[LexborNode, int, bool]] = [(root, 0, False)]
        while stack:
            node, depth, done = stack.pop()
            key = node.mem_id
            if not done:
                self._pos[key] = len(self.elements)
                self.elements.append(node)
                stack.append((node, depth, True))
                if depth < _MAX_DEPTH:
                    kids = [k for k in _child_elements(node) if k.tag not in _SKIP_TAGS]
                    stack.extend((k, depth + 1, False) for k in reversed(kids))
                continue
            size = len(self.elements) - self._pos[key] - 1
            if depth >= _MAX_DEPTH:
                n = len(_nows(_text(node)))
                self._stats[key] = (n, 0, n, depth, size)
                continue
            total = links = direct = 0
            for child in node.iter(include_text=True):
                if child.is_text_node:
                    n = len(_nows(child.text_content))
                    total += n
                    direct += n
                elif (stats := self._stats.get(child.mem_id)) is not None:
                    total += stats[0]
                    links += stats[1]
            if node.tag == "a" and not _is_attachment(
                _usable_href(node.attributes.get("href")) or "", _text(node)
            ):
                links = total
            self._stats[key] = (total, links, direct, depth, size)

    def pos(self, node: LexborNode | None) -> int | None:
        return None if node is None else self._pos.get(node.mem_id)

    def text_len(self, node: LexborNode) -> int:
        return self._stats.get(node.mem_id, (0,))[0]

    def link_len(self, node: LexborNode) -> int:
        return self._stats.get(node.mem_id, (0, 0))[1]

    def direct_len(self, node: LexborNode) -> int:
        return self._stats.get(node.mem_id, (0, 0, 0))[2]

    def depth(self, node: LexborNode) -> int:
        return self._stats.get(node.mem_id, (0, 0, 0, 0))[3]

    def content(self, node: LexborNode) -> int:
        """Text that is not navigation: everything but non-attachment link text."""
        stats = self._stats.get(node.mem_id, (0, 0))
        return stats[0] - stats[1]

    def contains(self, outer: LexborNode | None, inner: LexborNode | None) -> bool:
        """``inner`` is ``outer`` or inside it (pre-order ranges, O(1))."""
        start, at = self.pos(outer), self.pos(inner)
        if start is None or at is None or outer is None:
            return False
        return start <= at <= start + self._stats[outer.mem_id][4]

    def descendants(self, node: LexborNode) -> list[LexborNode]:
        start = self.pos(node)
        if start is None:
            return []
        return self.elements[start + 1 : start + 1 + self._stats[node.mem_id][4]]


# --------------------------------------------------------------------------- entry point


def extract(html: str, url: str, rules: ExtractRules | None = None) -> Extracted:
    """Read a decoded page. Never raises: a page that cannot be read is ``kind="other"``."""
    rules = rules or ExtractRules()
    if not isinstance(html, str) or not html.strip():
        return Extracted(kind="other")
    try:
        return _extract(html, url or "", rules)
    except Exception:  # one unreadable page must not take the crawl down with it
        logger.warning("extraction failed for %s", url, exc_info=True)
        return Extracted(kind="other")


def _extract(html: str, url: str, rules: ExtractRules) -> Extracted:
    tree = LexborHTMLParser(html)
    meta = _meta_tags(tree)
    scripts = [_text(s) for s in tree.css("script")]
    pager = _pager(scripts)
    for selector in rules.drop:
        for node in _select(tree, selector):
            node.decompose()

    page = _Page(tree)
    crumb_node, breadcrumb = _breadcrumb(page, rules, meta)
    body, strong = _find_body(page, rules)
    tokens, body_pos = _tokens(page, body)
    labels = _read_labels(tokens, body_pos)
    if body is not None:
        for block in _metadata_blocks(page, body):
            for key, hits in _read_labels(_tokens(page, None, start=block)[0], 0).items():
                labels.setdefault(key, hits)
            block.decompose()

    link_pager = any(_LINK_PAGER_RE.search(t.text) for t in tokens)
    kind = _decide_kind(page, url, rules, meta, body, strong, pager, link_pager)
    result = Extracted(kind=kind, breadcrumb=breadcrumb, pager=pager)
    result.meta = {f"meta:{k}": v for k, v in meta.items()}
    if kind != "document":
        column = meta.get("ColumnName") or (breadcrumb[-1] if breadcrumb else None)
        result.title = column or _title_from_title_tag(tree, meta)
        return result

    title_node, result.title = _title(page, rules, meta, labels, body, crumb_node, breadcrumb)
    for key in labels:
        if key not in _NOISE_LABELS:
            result.meta[key] = _pick_value(labels, (key,)) or ""
    result.date = _pick_date(labels, tokens, body_pos, title_node, page, meta)
    source = _pick_value(labels, _SOURCE_LABELS, need_word=True)
    result.source = source or meta.get("ContentSource") or None
    index_no = _pick_value(labels, _INDEX_LABELS)
    doc_no = _pick_value(labels, _DOCNO_LABELS)
    result.index_no = None if index_no is None or _is_placeholder(index_no) else index_no
    result.doc_no = None if doc_no is None or _is_placeholder(doc_no) else doc_no
    if body is not None:
        _strip_furniture(page, body)
        result.body_text = _render(body)
    result.attachments = _attachments(page, body, title_node, url, scripts)
    return result


# --------------------------------------------------------------------------- meta, pager


def _meta_tags(tree: LexborHTMLParser) -> dict[str, str]:
    found: dict[str, str] = {}
    for node in tree.css("meta"):
        canon = _META_CANON.get((node.attributes.get("name") or "").strip().lower())
        # Two PubDate/ArticleTitle tags can disagree; the first non-empty one is kept.
        if canon is not None and not found.get(canon):
            found[canon] = _clean(node.attributes.get("content"))
    return found


def _pager(scripts: list[str]) -> dict[str, Any]:
    for script in scripts:
        for m in _PAGER_CALL_RE.finditer(script):
            if script[max(0, m.start() - 12) : m.start()].rstrip().endswith("function"):
                continue  # the pager's definition, not a call
            args = [a.strip().strip("'\"") for a in m.group(1).split(",")]
            if args and not args[0].lstrip("-").isdigit():
                args = args[1:]  # createPageHTML('page_div', 5, 1, …): element id first
            nums = [int(a) for a in args if a.lstrip("-").isdigit()]
            words = [a for a in args if a and not a.lstrip("-").isdigit()]
            if len(nums) < 2:
                continue
            pager: dict[str, Any] = {"total": nums[0], "current": nums[1]}
            pager.update(zip(("stem", "ext"), words, strict=False))
            if len(nums) > 2:
                pager["records"] = nums[2]
            pager["article"] = bool(_ARTICLE_STEM_RE.match(pager.get("stem", "")))
            return pager
        if count := _COUNT_PAGE_RE.search(script):
            current = _CURRENT_PAGE_RE.search(script)
            return {
                "total": int(count.group(1)),
                "current": int(current.group(1)) if current else 0,
                "article": False,
            }
    return {}


# --------------------------------------------------------------------------- body


def _is_strong(node: LexborNode) -> bool:
    attrs = node.attributes
    classes = (attrs.get("class") or "").lower().split()
    ident = (attrs.get("id") or "").lower()
    return (
        ident in _STRONG_IDS
        or ident.startswith(_STRONG_PREFIX)
        or any(c in _STRONG_CLASSES or c.startswith(_STRONG_PREFIX) for c in classes)
    )


def _find_body(page: _Page, rules: ExtractRules) -> tuple[LexborNode | None, bool]:
    """The body container, and whether a profile or CMS selector named it."""
    for selector in rules.body:
        hits = [n for n in _select(page.tree, selector) if page.pos(n) is not None]
        if hits:
            return max(hits, key=lambda n: (page.content(n), -(page.pos(n) or 0))), True

    named = [n for n in page.elements if _is_strong(n)]
    # An empty editor container (the document is only its hasFJ attachments) is still the
    # body: better an empty body than a footer standing in for it.
    strong = [n for n in named if page.content(n) > 0] or named
    if strong:
        best = max(strong, key=lambda n: (page.content(n), -(page.pos(n) or 0)))
        # Nested editor containers (a page pasted into the TRS editor): the innermost one
        # that still holds essentially all of the text.
        floor = page.content(best) * 0.97
        inner = [n for n in strong if page.content(n) >= floor and page.contains(best, n)]
        best = max(inner, key=lambda n: (page.depth(n), -(page.pos(n) or 0)))
    dense = _densest(page)
    if not strong or dense is None or page.contains(best, dense) or page.contains(dense, best):
        return (best, True) if strong else (dense, False)
    # A CMS class on a banner or caption while the article sits elsewhere: trust the text.
    if page.content(dense) >= max(300, 5 * page.content(best)):
        return dense, False
    return best, True


_PARAGRAPHS = frozenset(("p", "pre", "blockquote", "td", "li", "dd", "h2", "h3", "h4"))


def _densest(page: _Page) -> LexborNode | None:
    """Readability-style: paragraphs vote for their parent, half a vote for the grandparent."""
    scores: dict[int, float] = {}
    nodes: dict[int, LexborNode] = {}

    def vote(node: LexborNode | None, amount: float) -> None:
        if node is not None and page.pos(node) is not None:
            scores[node.mem_id] = scores.get(node.mem_id, 0.0) + amount
            nodes[node.mem_id] = node

    for node in page.elements:
        direct = page.direct_len(node)
        if direct >= 10 and node.tag not in ("a", "body") and page.link_len(node) <= direct:
            # Text straight in a div/td (laid out with <br>), or a div used as a paragraph.
            vote(node, direct)
            if node.tag not in _PARAGRAPHS:
                vote(node.parent, direct)
        if node.tag in _PARAGRAPHS:
            text = page.content(node)
            if text >= 10 and page.link_len(node) <= page.text_len(node) / 2:
                parent = node.parent
                vote(parent, text)
                vote(parent.parent if parent is not None else None, text / 2)
    best: tuple[float, int] | None = None
    for key, score in scores.items():
        names = _names(nodes[key])
        if _BAD_NAME_RE.search(names):
            score *= 0.4
        elif _GOOD_NAME_RE.search(names):
            score *= 1.25
        rank = (score, -(page.pos(nodes[key]) or 0))
        if best is None or rank > best:
            best, winner = rank, key
    return nodes[winner] if best is not None else None


def _metadata_blocks(page: _Page, body: LexborNode) -> list[LexborNode]:
    """Catalogue tables pasted inside the body container: read them, then drop them."""
    found: list[LexborNode] = []
    for node in page.descendants(body):
        if node.tag not in ("table", "ul", "dl", "div") or page.text_len(node) > 800:
            continue
        if any(page.contains(f, node) for f in found):
            continue
        text = _text(node)
        labels = {_nows(m.group("label")) for m in _LABEL_RE.finditer(text)} & _CATALOGUE
        # A catalogue block is little more than its labels and their short values.
        if len(labels) >= 3 and len(_nows(text)) <= 60 * len(labels):
            found.append(node)
    return found


def _strip_furniture(page: _Page, body: LexborNode) -> None:
    doomed: list[LexborNode] = []
    stack = list(_child_elements(body))
    while stack:
        node = stack.pop()
        if node.tag in _SKIP_TAGS:
            continue
        text = _nows(_text(node))
        furniture = len(text) <= _FURNITURE_MAX and _FURNITURE_RE.search(text)
        related = len(text) <= 400 and _RELATED_RE.match(text) and page.link_len(node) > 0
        if furniture or related:
            doomed.append(node)
        elif _FURNITURE_RE.search(text) or "相关" in text or "关联" in text:
            stack.extend(_child_elements(node))
    for node in doomed:
        node.decompose()


# --------------------------------------------------------------------------- text


def _render(root: LexborNode) -> str:
    return "\n".join(
        line
        for line in _lines(root, 0)
        if not (len(_nows(line)) <= _FURNITURE_MAX and _FURNITURE_RE.search(_nows(line)))
    )


def _lines(node: LexborNode, depth: int) -> list[str]:
    lines: list[str] = []
    buf: list[str] = []
    _render_into(node, lines, buf, depth)
    if line := _finish_line(buf):
        lines.append(line)
    return lines


def _finish_line(parts: list[str]) -> str:
    line = _ZERO_WIDTH_RE.sub("", "".join(parts))
    # A source newline between CJK characters is layout, not a space (CSS Text 3
    # segment-break rules); anywhere else it renders as one space.
    line = _CJK_BREAK_RE.sub("", line).replace(_BREAK, " ")
    return _HSPACE_RE.sub(" ", line).strip()


def _render_into(node: LexborNode, lines: list[str], buf: list[str], depth: int) -> None:
    def flush() -> None:
        line = _finish_line(buf)
        buf.clear()
        if line:
            lines.append(line)

    for child in node.iter(include_text=True):
        if child.is_text_node:
            raw = child.text_content or ""
            buf.append(_NEWLINE_RE.sub(_BREAK, raw) if "\n" in raw else raw)
            continue
        tag = child.tag
        if not child.is_element_node or tag in _SKIP_TAGS:
            continue
        if depth > _MAX_DEPTH:
            buf.append(_text(child))
        elif tag == "br":
            flush()
        elif tag == "table":
            flush()
            lines.extend(_render_table(child, depth))
        elif tag in _BLOCK_TAGS:
            flush()
            _render_into(child, lines, buf, depth + 1)
            flush()
        else:
            _render_into(child, lines, buf, depth + 1)


def _render_table(table: LexborNode, depth: int) -> list[str]:
    """A row per line, cells joined by tabs; nested tables stay inside their cell."""
    rows: list[str] = []
    for row in table.css("tr"):
        owner = row.parent
        while owner is not None and owner.tag != "table":
            owner = owner.parent
        if not _same(owner, table):
            continue
        cells = []
        for cell in _child_elements(row):
            if cell.tag in ("td", "th"):
                cells.append(_join_cjk(_lines(cell, depth + 1)))
        if any(cells):
            rows.append("\t".join(cells))
    return rows


# --------------------------------------------------------------------------- labels


@dataclass
class _Token:
    text: str
    node: LexborNode | None  # element holding the text
    in_link: bool


def _tokens(
    page: _Page, body: LexborNode | None, start: LexborNode | None = None
) -> tuple[list[_Token], int]:
    """Visible text runs in document order with the body left out; and where it was."""
    tokens: list[_Token] = []
    body_id = body.mem_id if body is not None else None
    body_pos = -1
    buf: list[str] = []
    holder: list[Any] = [None, False]

    def flush() -> None:
        text = _clean("".join(buf))
        buf.clear()
        if text:
            tokens.append(_Token(text, holder[0], holder[1]))

    root = start or page.tree.body
    # (node, in_link); None marks the end of an element whose text is a run of its own.
    stack: list[tuple[LexborNode | None, bool]] = [(root, False)] if root is not None else []
    while stack:
        node, in_link = stack.pop()
        if node is None:
            flush()
        elif node.is_text_node:
            if not buf:
                holder[0], holder[1] = node.parent, in_link
            buf.append(node.text_content or "")
        elif node.is_element_node and node.tag not in _SKIP_TAGS:
            if node.mem_id == body_id:
                flush()
                body_pos = len(tokens)
                continue
            # Text split by empty inline tags (索<span></span>引<span></span>号) stays one
            # run; an element with text of its own, or a block, is a run of its own.
            if node.tag in _BLOCK_TAGS or node.tag in ("br", "a") or page.text_len(node):
                flush()
                stack.append((None, in_link))
            link = in_link or node.tag == "a"
            stack.extend((kid, link) for kid in reversed(list(node.iter(include_text=True))))
    flush()
    return tokens, (body_pos if body_pos >= 0 else len(tokens))


def _label_matches(text: str) -> list[re.Match[str]]:
    found = []
    for m in _LABEL_RE.finditer(text):
        if not m.group("colon") and _nows(text) != _nows(m.group(0)):
            continue  # without a colon a label must stand alone: <td>索引号</td>
        before = text[: m.start()].rstrip()
        # 时间/来源/文号 inside running text (债务还本付息来源：…) are words, not labels.
        if before and len(_nows(m.group("label"))) <= 2 and _is_cjk(before[-1]):
            continue
        found.append(m)
    return found


def _label_like(text: str) -> bool:
    matches = _label_matches(text)
    if matches and not text[: matches[0].start()].strip(" 【[|｜"):
        return True
    return len(text) <= 12 and text.endswith((":", "："))


def _read_labels(tokens: list[_Token], body_pos: int) -> dict[str, list[tuple[str, int]]]:
    """label → [(value, distance from the body in tokens)] for every occurrence."""
    hits: dict[str, list[tuple[str, int]]] = {}
    for i, token in enumerate(tokens):
        if token.in_link:
            continue
        matches = _label_matches(token.text)
        for j, m in enumerate(matches):
            end = matches[j + 1].start() if j + 1 < len(matches) else len(token.text)
            value = token.text[m.end() : end].strip(" :：|｜")
            if not value and j == len(matches) - 1:
                value = _value_after(tokens, i)
            if _FURNITURE_RE.search(value):
                value = ""
            distance = body_pos - i if i < body_pos else i - body_pos + 1
            hits.setdefault(_nows(m.group("label")), []).append((value, distance))
    return hits


def _value_after(tokens: list[_Token], i: int) -> str:
    """The value of a label standing alone (<td>索引号</td><td>…</td>), if its row has one."""
    # The row: the parent of the label's block (td → tr, li → ul, div → its box).
    scope = tokens[i].node
    while scope is not None and scope.tag not in _BLOCK_TAGS:
        scope = scope.parent
    scope = scope.parent if scope is not None else None
    for token in tokens[i + 1 : i + 4]:
        if _SEPARATOR_RE.match(token.text):
            continue
        if _label_like(token.text) or scope is None or not _inside(token.node, scope):
            return ""
        matches = _label_matches(token.text)
        return token.text[: matches[0].start()].strip(" |｜") if matches else token.text
    return ""


def _inside(node: LexborNode | None, scope: LexborNode) -> bool:
    while node is not None:
        if node.mem_id == scope.mem_id:
            return True
        node = node.parent
    return False


def _pick_value(
    labels: dict[str, list[tuple[str, int]]], names: tuple[str, ...], need_word: bool = False
) -> str | None:
    """The non-empty value nearest the body: a header widget "日期：today" is far away."""
    best: tuple[int, str] | None = None
    for name in names:
        for value, distance in labels.get(name, []):
            if not value or (need_word and not re.search(f"[{_CJK}A-Za-z]", value)):
                continue
            if best is None or distance < best[0]:
                best = (distance, value)
    return best[1] if best else None


def _at(page: _Page, token: _Token) -> int:
    pos = page.pos(token.node)
    return -1 if pos is None else pos


def _pick_date(
    labels: dict[str, list[tuple[str, int]]],
    tokens: list[_Token],
    body_pos: int,
    title_node: LexborNode | None,
    page: _Page,
    meta: dict[str, str],
) -> str | None:
    for tier in _DATE_TIERS:
        dated = [
            (distance, d)
            for name in tier
            for value, distance in labels.get(name, [])
            if (d := _parse_date(value))
        ]
        if dated:
            return min(dated)[1]
    # An unlabelled date on the info line between the heading and the body.
    start = max(0, body_pos - 8)
    title_pos = page.pos(title_node)
    if title_pos is not None:
        after_title = (i for i, t in enumerate(tokens[:body_pos]) if _at(page, t) >= title_pos)
        start = next(after_title, body_pos)
    for token in tokens[start:body_pos]:
        if not _DATE_TRAP_RE.search(token.text) and (d := _parse_date(token.text)):
            return d
    return _parse_date(meta.get("PubDate"))  # the tag is a fallback: it is often build time


# --------------------------------------------------------------------------- title, breadcrumb


def _title(
    page: _Page,
    rules: ExtractRules,
    meta: dict[str, str],
    labels: dict[str, list[tuple[str, int]]],
    body: LexborNode | None,
    crumb_node: LexborNode | None,
    breadcrumb: list[str],
) -> tuple[LexborNode | None, str | None]:
    for selector in rules.title:
        for node in _select(page.tree, selector):
            if text := _clean(_text(node)):
                return node, text

    article = _nows(meta.get("ArticleTitle"))
    labelled = _pick_value(labels, _TITLE_LABELS)
    title_tag = page.tree.css_first("title")
    tag_text = _nows(_text(title_tag)) if title_tag is not None else ""
    tag_parts = {_nows(p) for p in _TITLE_SPLIT_RE.split(tag_text)} | {tag_text}
    not_titles = {_nows(meta.get("ColumnName")), _nows(meta.get("SiteName"))}
    if breadcrumb:
        not_titles.add(_nows(breadcrumb[-1]))
    body_pos = page.pos(body)

    candidates = []
    nearest_before = None
    for node in page.elements:
        heading = _HEADINGS.get(node.tag or "", 0)
        named = bool(_TITLE_NAME_RE.search(_names(node)))
        size = page.text_len(node)
        # Any element showing exactly the ArticleTitle is a candidate, whatever its markup.
        if not heading and not named and not (article and size == len(article)):
            continue
        if not 4 <= size <= 300 or page.link_len(node) > size * 0.9:
            continue
        if page.contains(crumb_node, node):
            continue
        text = _clean(_text(node))
        compact = _nows(text)
        if (compact in not_titles and compact != article) or _label_matches(text):
            continue  # a column heading, or an info line (时间：… 来源：…)
        pos = page.pos(node) or 0
        before = body_pos is not None and pos < body_pos and not page.contains(node, body)
        if before:
            nearest_before = node.mem_id
        candidates.append((node, text, compact, heading + (8 if named else 0), pos, before))

    best: tuple[float, int, LexborNode, str] | None = None
    for node, text, compact, score, pos, before in candidates:
        score -= 6 if "sub" in _names(node).lower() else 0
        score += 100 if article and compact == article else 0
        score += 60 if labelled and compact == _nows(labelled) else 0
        if compact in tag_parts:
            score += 40
        elif compact in tag_text:
            score += 20
        if node.mem_id == nearest_before:
            score += 18
        elif before:
            score += 10
        elif body is not None and not page.contains(body, node):
            score -= 50  # after the body: related items, footers
        if best is None or (score, -pos) > best[:2]:
            best = (score, -pos, node, text)
    if best is not None and best[0] >= 22:
        return best[2], best[3]
    if meta.get("ArticleTitle"):
        return None, meta["ArticleTitle"]
    return None, labelled or _title_from_title_tag(page.tree, meta)


def _title_from_title_tag(tree: LexborHTMLParser, meta: dict[str, str]) -> str | None:
    """<title> without the site/column parts: "标题_栏目_某某区人民政府", "标题-某某市人民政府"."""
    node = tree.css_first("title")
    text = _clean(_text(node)) if node is not None else ""
    skip = {_nows(meta.get("SiteName")), _nows(meta.get("ColumnName"))} - {""}
    while (m := _TITLE_TAIL_RE.search(text)) and m.start() > 0:
        if _nows(m.group(1)) not in skip and not _SITE_SUFFIX_RE.search(m.group(1)):
            break
        text = text[: m.start()]
    parts = [p for p in _TITLE_SPLIT_RE.split(text) if p.strip() and _nows(p) not in skip]
    return max(parts, key=len).strip() if parts else (text or None)


def _breadcrumb(
    page: _Page, rules: ExtractRules, meta: dict[str, str]
) -> tuple[LexborNode | None, list[str]]:
    for selector in rules.breadcrumb:
        for node in _select(page.tree, selector):
            if items := _crumb_items(node):
                return node, items

    best: LexborNode | None = None
    for node in page.elements:  # the smallest element reading "当前位置：…" with more after it
        size = page.text_len(node)
        if 4 <= size <= 300 and (best is None or size < page.text_len(best)):
            text = _clean(_text(node))
            m = _POSITION_RE.match(text)
            if m and _nows(text[m.end() :]):
                best = node
    if best is None:
        best = next(
            (
                n
                for n in page.elements
                if 4 <= page.text_len(n) <= 200
                and _CRUMB_NAME_RE.search(_names(n))
                and len(n.css("a")) >= 2
            ),
            None,
        )
    if best is None:
        best = _linked_trail(page)
    if best is None:
        # TRS renders breadcrumb links with class CurrChnlCls, whatever the container.
        links = page.tree.css("a.CurrChnlCls")
        if len(links) >= 2:
            best = links[0].parent
            while best is not None and not page.contains(best, links[-1]):
                best = best.parent
    if best is not None and (items := _crumb_items(best)):
        return best, items
    column = meta.get("ColumnName")
    return None, [column] if column else []


def _linked_trail(page: _Page) -> LexborNode | None:
    """The first short run of links separated by '>' (首页 > 政务公开 > …), innermost."""

    def trail(node: LexborNode) -> bool:
        size = page.text_len(node)
        if not 4 <= size <= 200 or page.content(node) > 12:
            return False  # a trail is links and separators, little else
        return len(node.css("a")) >= 2 and bool(_CRUMB_SPLIT_RE.search(_text(node)))

    found = next((n for n in page.elements if trail(n)), None)
    while found is not None:
        inner = next((c for c in _child_elements(found) if trail(c)), None)
        if inner is None:
            return found
        found = inner
    return None


def _crumb_items(node: LexborNode) -> list[str]:
    items: list[str] = []
    for raw in node.traverse(include_text=True):
        if not raw.is_text_node or (raw.parent is not None and raw.parent.tag in _SKIP_TAGS):
            continue
        text = _clean(raw.text_content)
        if not items and (m := _POSITION_RE.match(text)):
            text = text[m.end() :]
        for part in _CRUMB_SPLIT_RE.split(text):
            part = part.strip(" :：|")
            if part and not _SEPARATOR_RE.match(part):
                items.append(part)
    return items


# --------------------------------------------------------------------------- kind


def _decide_kind(
    page: _Page,
    url: str,
    rules: ExtractRules,
    meta: dict[str, str],
    body: LexborNode | None,
    strong: bool,
    pager: dict[str, Any],
    link_pager: bool,
) -> str:
    path = urlsplit(url).path if url else ""
    content = page.content(body) if body is not None else 0
    try:
        doc_url = bool(rules.document_url and re.search(rules.document_url, path))
    except re.error:
        logger.warning("bad document_url pattern %r", rules.document_url)
        doc_url = False
    if not strong and content < 300 and _ERROR_PAGE_RE.search(_text(page.elements[0])[:3000]):
        return "other"  # an error or block page is never a version of the document
    if doc_url and body is not None:
        return "document"
    # ArticleTitle is only required on article pages (2017 政府网站发展指引).
    if pager.get("article") or meta.get("ArticleTitle") or (strong and content >= 50):
        return "document"
    if pager:
        return "list"
    # Weaker list signals: a 下一页/共N页 pager, or dated item links. A short article with a
    # dated "latest news" sidebar is still an article, so they must be in or beside the body.
    rows = _dated_rows(page)
    listy = link_pager or (len(rows) >= 5 and not _ROOT_PATH_RE.match(path))
    inside = sum(1 for row in rows if page.contains(body, row))
    if listy and (inside >= 5 or content < 200):
        return "list"
    if content >= 200:
        return "document"
    return "list" if listy else "other"


def _dated_rows(page: _Page) -> list[LexborNode]:
    """Links that sit in a short row with a date beside them: the items of a column list."""
    rows: dict[int, LexborNode] = {}
    for link in page.tree.css("a"):
        if page.text_len(link) < 5 or not _usable_href(link.attributes.get("href")):
            continue
        row = link.parent
        while row is not None and row.tag not in ("li", "tr", "dd", "p", "div"):
            row = row.parent
        if row is None or row.mem_id in rows or page.text_len(row) > 300:
            continue
        if _parse_date(_text(row)):
            rows[row.mem_id] = row
    return list(rows.values())


# --------------------------------------------------------------------------- attachments


def _attachments(
    page: _Page,
    body: LexborNode | None,
    title_node: LexborNode | None,
    url: str,
    scripts: list[str],
) -> list[dict[str, str]]:
    # Attachment lists sit in or right after the body: look in the smallest block holding
    # both the heading and the body, or at least the body's parent.
    region = title_node if body is not None else None
    while region is not None and not page.contains(region, body):
        region = region.parent
    if body is not None and (region is None or _same(region, body)):
        region = body.parent or body
    if region is not None and region.tag in ("body", "html"):
        region = body

    found: dict[str, str] = {}

    def add(href: str | None, text: str, trusted: bool) -> None:
        href = _usable_href(href)
        if href is not None and (trusted or _is_attachment(href, text)):
            absolute = urljoin(url, href) if url else href
            if not found.get(absolute):
                found[absolute] = text

    def add_fragment(fragment: str) -> None:
        # The string is JavaScript: undo its escapes, then read it as the HTML it writes.
        fragment = re.sub(r"\\(['\"/\\])", r"\1", fragment)
        for link in LexborHTMLParser(fragment).css("a"):
            add(link.attributes.get("href"), _clean(_text(link)), True)

    done: set[str] = set()
    for node in region.traverse() if region is not None else ():
        if node.tag == "a":
            add(node.attributes.get("href"), _clean(_text(node)), False)
        elif node.tag == "script":
            for m in _FJ_SCRIPT_RE.finditer(_text(node)):
                done.add(m.group(3))
                add_fragment(m.group(3))
    for script in scripts:  # hasFJ strings elsewhere on the page still list attachments
        for m in _FJ_SCRIPT_RE.finditer(script):
            if m.group(3) not in done:
                add_fragment(m.group(3))
    return [{"url": u, "text": t} for u, t in found.items()]
