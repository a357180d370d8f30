"""Catalogue fields, date, title and breadcrumb: what the page says *about* the document.

Catalogue fields (索引号, 文号, 发布日期, 来源 …) are label/value pairs read from the text
*outside* the body, whatever carries them: table cells, ``<li>`` pairs, ``label：value``
runs, labels padded with spaces. The text is read as runs (``Token``): visible text in
document order, split where a block, a link or an element with text of its own starts or
ends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraper.extract.page import (
    BLOCK_TAGS,
    CJK,
    FURNITURE_RE,
    SKIP_TAGS,
    Page,
    clean,
    is_cjk,
    node_text,
    nows,
    parse_date,
    select,
    words,
)

_DATE_TRAP_RE = re.compile(r"成文|生成|印发|实施|施行|生效|有效期|截止|废止|更新|修订")

# Labels by meaning. Dates: the first tier wins over the second, whatever the distance.
DATE_TIERS = (
    words("发布日期 发布时间 公开日期 公开时间 发表日期 发表时间 发稿时间 上网日期"),
    words("时间 日期 发文日期"),
)
SOURCE_LABELS = words(
    "发布机构 来源 信息来源 文章来源 发文机构 发文机关 发布单位 来源单位 发布部门"
)
INDEX_LABELS = ("索引号",)
DOCNO_LABELS = words("文号 发文字号 发文文号 文件编号")
TITLE_LABELS = words("标题 名称")
_OTHER_LABELS = words(
    "成文日期 生成日期 印发日期 生效日期 实施日期 废止日期 主题分类 组配分类 体裁分类 分类 服务对象 "
    "有效性 时效性 主题词 关键字 关键词 作者 责任编辑 编辑 公开方式 公开范围 公开时限 内容概述 摘要 "
    "文种 所属主题 信息类别 统一编号 登记号 发布人 审核人"
)
_OTHER_DATE_LABELS = tuple(name for name in _OTHER_LABELS if name.endswith("日期"))
# Read as labels so that they end a value, never recorded: counters change on every visit.
NOISE_LABELS = words(
    "浏览次数 点击数 点击量 点击 访问量 阅读次数 浏览量 浏览字号 字号 字体大小 字体 分享到 分享"
)
_CATALOGUE = frozenset(
    words(
        "索引号 文号 发文字号 发布机构 发文机关 发文机构 成文日期 发布日期 主题分类 有效性 组配分类"
    )
)
_ALL_LABELS = DATE_TIERS[0] + DATE_TIERS[1] + SOURCE_LABELS + INDEX_LABELS + DOCNO_LABELS
_ALL_LABELS += TITLE_LABELS + _OTHER_LABELS + NOISE_LABELS
_PAD = r"[\s\u3000\u00a0]*"  # templates pad labels to equal width: 索 引 号, 文　　号
_LABEL_RE = re.compile(
    "(?P<label>"
    + "|".join(_PAD.join(map(re.escape, lb)) for lb in sorted(_ALL_LABELS, key=len, reverse=True))
    + f")(?P<colon>{_PAD}[:：])?"
)
_PLACEHOLDER_RE = re.compile(r"^(?:无|暂无|空|—+|-+|/|／|0|null|none|n/?a)$", re.I)
_EMPTY_BRACKETS_RE = re.compile(r"[〔\[［【(（]\s*[〕\]］】)）]")
_DIGIT_RE = re.compile(r"\d")
_WORD_RE = re.compile(f"[{CJK}A-Za-z]")
SEPARATOR_RE = re.compile(f"^[^{CJK}A-Za-z0-9]*$")

_HEADINGS = {"h1": 15, "h2": 12, "h3": 10, "h4": 6, "h5": 4, "h6": 3}
_POSITION_RE = re.compile(r"^(?:您|你)?(?:当前|现在|目前)?(?:的|所在的?)?位置(?:是)?\s*[:：>＞]?")
_CRUMB_SPLIT_RE = re.compile(r">>|>|＞|›|»|→|->|—>|\s/\s")
_SPACED_SLASH_RE = re.compile(r"\s/\s")
_CRUMB_NAME_RE = re.compile(r"crumb|position|location|localtion|dqwz|weizhi|curpos|path", re.I)
_TITLE_NAME_RE = re.compile(r"title|tit\b|biaoti|headline", re.I)
_SITE_SUFFIX_RE = re.compile(r"(?:政府|网站|门户|网|部|局|厅|委|办|院|委员会|中心)$")
_TITLE_SPLIT_RE = re.compile(r"\s+[-–—|｜]\s+|_|\||｜|——|－")
_TITLE_TAIL_RE = re.compile(r"\s*[-–—_|｜－]+\s*([^-–—_|｜－]+)$")

Labels = dict[str, list[tuple[str, int]]]  # label → [(value, distance from the body in runs)]


# A 文号 standing as a line of its own: issuer abbreviation, year in brackets, number
# (国资发产权规〔2024〕100号, 宁政办发[2019]12号, 红政发（2020）第3号).
_DOC_NO_LINE_RE = re.compile(
    f"[{CJK}]{{2,20}}[〔\\[［（(【]\\s*(?:19|20)\\d{{2}}\\s*[〕\\]］）)】]\\s*第?\\s*\\d{{1,5}}\\s*号"
)


def doc_no_in_body(body_text: str, title: str | None) -> str | None:
    """The 文号 a document prints as its body's first line (after the title, when the body
    repeats it), where no catalogue field gives one. Only a whole line in the 文号 grammar
    counts: a sentence citing another document's 文号 is text."""
    lines = [line.strip() for line in body_text.split("\n", 2)[:2]]
    if lines and title and nows(lines[0]) == nows(title):
        lines = lines[1:]
    if lines and len(lines[0]) <= 40 and _DOC_NO_LINE_RE.fullmatch(lines[0]):
        return lines[0]
    return None


def is_placeholder(value: str) -> bool:
    compact = nows(value)
    if not compact or _PLACEHOLDER_RE.match(compact):
        return True
    # 〔〕号, 红政办发〔 〕号: the template printed the 文号 pattern without its numbers.
    return bool(_EMPTY_BRACKETS_RE.search(value)) and not _DIGIT_RE.search(compact)


# --------------------------------------------------------------------------- text runs


@dataclass(slots=True)
class Token:
    text: str
    owner: int  # the element holding the run's first text node
    in_link: bool
    _labels: list[re.Match[str]] | None = field(default=None, repr=False, compare=False)

    @property
    def labels(self) -> list[re.Match[str]]:
        """The labels in this run (read once: neighbouring runs ask for them again)."""
        if self._labels is None:
            self._labels = _label_matches(self.text)
        return self._labels


def read_tokens(page: Page, body: int | None, start: int | None = None) -> tuple[list[Token], int]:
    """Visible text runs in document order, the body left out; and where the body was.

    ``start``: only the runs inside that element (default: the whole ``<body>``).
    """
    tokens: list[Token] = []
    if start is None:
        if page.tree.body is None or not page.nodes:
            return tokens, 0
        start = 0
    seq, seq_end, seq_parent, breaks = page.seq, page.seq_end, page.seq_parent, page.run_breaks
    # Whether a run is in a link counts from ``start``: a link above it is not seen.
    linked = page.linked if start == 0 else _linked_below(page, start)
    add = tokens.append

    def flush(parts: list[str], owner: int) -> None:
        if text := clean("".join(parts)):
            add(Token(text, owner, linked[owner]))

    # The entries before the body, and after it (or all of them).
    first, stop = page.seq_at[start], seq_end[start]
    spans = [(first, stop)]
    if body is not None and first <= page.seq_at[body] < stop:
        spans = [(first, page.seq_at[body]), (seq_end[body], stop)]
    body_pos = -1
    for lo, hi in spans:
        if lo > first:  # the body: it ends a run, and the tokens after it come after it
            body_pos = len(tokens)
        parts: list[str] = []
        owner = -1  # the element holding the run's first text node; -1 between runs
        for item, is_break, parent in zip(
            seq[lo:hi], breaks[lo:hi], seq_parent[lo:hi], strict=True
        ):
            if is_break and owner >= 0:
                if parts:
                    flush(parts, owner)
                    parts = []
                owner = -1
            if item.__class__ is str:
                if owner < 0:
                    owner = parent
                # Whitespace before a run's first text changes nothing once cleaned.
                if parts or not item.isspace():
                    parts.append(item)
        if parts:
            flush(parts, owner)
    return tokens, (body_pos if body_pos >= 0 else len(tokens))


def _linked_below(page: Page, start: int) -> list[bool] | dict[int, bool]:
    if start == 0 or not page.linked[page.parents[start]]:
        return page.linked
    # Inside a link already: recount from ``start`` down.
    tags, parents = page.tags, page.parents
    linked = {start: tags[start] == "a"}
    for i in range(start + 1, page.ends[start]):
        linked[i] = tags[i] == "a" or linked[parents[i]]
    return linked


# --------------------------------------------------------------------------- labels


def _label_matches(text: str) -> list[re.Match[str]]:
    found = []
    for m in _LABEL_RE.finditer(text):
        if not m.group("colon") and nows(text) != nows(m.group(0)):
            continue  # without a colon a label must stand alone: <td>索引号</td>
        # 时间/来源/文号 glued to running text (债务还本付息来源：…) are words, not labels;
        # after a space they start the next field of an info line (来源：本站  时间：…).
        before = text[: m.start()]
        if before and len(nows(m.group("label"))) <= 2 and is_cjk(before[-1]):
            continue
        found.append(m)
    return found


def _label_like(token: Token) -> bool:
    matches = token.labels
    if matches and not token.text[: matches[0].start()].strip(" 【[|｜"):
        return True
    return len(token.text) <= 12 and token.text.endswith((":", "："))


def read_labels(page: Page, tokens: list[Token], body_pos: int) -> Labels:
    """label → [(value, distance from the body in tokens)] for every occurrence."""
    hits: Labels = {}
    for i, token in enumerate(tokens):
        if token.in_link:
            continue
        matches = token.labels
        for j, m in enumerate(matches):
            end = matches[j + 1].start() if j + 1 < len(matches) else len(token.text)
            value = token.text[m.end() : end].strip(" :：|｜")
            if not value and j == len(matches) - 1:
                value = _value_after(page, tokens, i)
            if FURNITURE_RE.search(value):
                value = ""
            distance = body_pos - i if i < body_pos else i - body_pos + 1
            hits.setdefault(nows(m.group("label")), []).append((value, distance))
    return hits


def _value_after(page: Page, tokens: list[Token], i: int) -> str:
    """The value of a label standing alone (<td>索引号</td><td>…</td>), if its row has one."""
    # The row: the parent of the label's block (td → tr, li → ul, div → its box).
    tags, parents = page.tags, page.parents
    scope = tokens[i].owner
    while scope >= 0 and tags[scope] not in BLOCK_TAGS:
        scope = parents[scope]
    if scope < 0:
        return ""
    scope = parents[scope]  # -1: the root's parent, which holds everything
    for token in tokens[i + 1 : i + 4]:
        if SEPARATOR_RE.match(token.text):
            continue
        if _label_like(token) or not page.inside(token.owner, scope):
            return ""
        matches = token.labels
        return token.text[: matches[0].start()].strip(" |｜") if matches else token.text
    return ""


def pick_value(labels: Labels, names: tuple[str, ...], need_word: bool = False) -> str | None:
    """The non-empty value nearest the body: a header widget "日期：today" is far away."""
    best: tuple[int, str] | None = None
    for name in names:
        for value, distance in labels.get(name, []):
            if not value or (need_word and not _WORD_RE.search(value)):
                continue
            if best is None or distance < best[0]:
                best = (distance, value)
    return best[1] if best else None


def metadata_blocks(page: Page, body: int) -> list[int]:
    """Catalogue tables pasted inside the body container: read them, then drop them."""
    found: list[int] = []
    tags, total, ends, nodes = page.tags, page.total, page.ends, page.nodes
    for i in page.descendants(body):
        if tags[i] not in ("table", "ul", "dl", "div") or total[i] > 800:
            continue
        if any(f <= i < ends[f] for f in found):
            continue
        text = node_text(nodes[i])
        labels = {nows(m.group("label")) for m in _LABEL_RE.finditer(text)} & _CATALOGUE
        # A catalogue block is little more than its labels and their short values.
        if len(labels) >= 3 and len(nows(text)) <= 60 * len(labels):
            found.append(i)
    return found


# --------------------------------------------------------------------------- date


def _position(page: Page, token: Token) -> int:
    return token.owner if page.indexed(token.owner) else -1


def pick_date(
    labels: Labels,
    tokens: list[Token],
    body_pos: int,
    title_node: LexborNode | None,
    page: Page,
    meta: dict[str, str],
) -> str | None:
    for tier in DATE_TIERS:
        dated = [
            (distance, d)
            for name in tier
            for value, distance in labels.get(name, [])
            if (d := parse_date(value))
        ]
        if dated:
            return min(dated)[1]
    # An unlabelled date on the info line between the heading and the body.
    start = max(0, body_pos - 8)
    title_pos = page.at(title_node)
    if title_pos is not None:
        after_title = (
            i for i, t in enumerate(tokens[:body_pos]) if _position(page, t) >= title_pos
        )
        start = next(after_title, body_pos)
    # A date that is the value of another label (成文日期：2023年07月10日, split across two
    # cells) is not the publication date either.
    other_dates = {
        value for name in _OTHER_DATE_LABELS for value, _ in labels.get(name, []) if value
    }
    for token in tokens[start:body_pos]:
        if _DATE_TRAP_RE.search(token.text) or token.text.strip() in other_dates:
            continue
        if d := parse_date(token.text):
            return d
    # The tags are a fallback: PubDate is often the build time. www.gov.cn's
    # firstpublishedtime ("2007-08-20-23:59:59") is the first publication, so it comes first.
    return parse_date(meta.get("firstpublishedtime")) or parse_date(meta.get("PubDate"))


# --------------------------------------------------------------------------- title


def find_title(
    page: Page,
    title_rules: list[str],
    meta: dict[str, str],
    labels: Labels,
    body: LexborNode | None,
    crumb_node: LexborNode | None,
    breadcrumb: list[str],
) -> tuple[LexborNode | None, str | None]:
    for selector in title_rules:
        for node in select(page.tree, selector):
            if text := clean(node_text(node)):
                return node, text

    article = nows(meta.get("ArticleTitle"))
    labelled = pick_value(labels, TITLE_LABELS)
    title_tag = page.tree.css_first("title")
    tag_text = nows(node_text(title_tag)) if title_tag is not None else ""
    tag_parts = {nows(p) for p in _TITLE_SPLIT_RE.split(tag_text)} | {tag_text}
    tag_parts.add(nows(title_from_title_tag(page.tree, meta)))  # 标题-中国科普网
    not_titles = {nows(meta.get("ColumnName")), nows(meta.get("SiteName"))}
    if breadcrumb:
        not_titles.add(nows(breadcrumb[-1]))
    body_pos = page.at(body)
    crumb = page.at(crumb_node)
    tags, total, links, names, ends = page.tags, page.total, page.links, page.names, page.ends

    # Headings, elements named like a title, and any element showing exactly the
    # ArticleTitle or a part of the <title>, whatever its markup (<font><b> on old
    # table-layout templates).
    named = {i for i in page.named if _title_name(names[i])}
    found = [i for i, tag in enumerate(tags) if tag in _HEADINGS] + list(named)
    if article:
        length = len(article)
        found += [i for i, size in enumerate(total) if size == length]
    # (Not the site's name: a <title> that is only 黄石市财政局 names no document. Not in
    # the body either, where a repeat of the title is text.)
    shown = {p for p in tag_parts if len(p) >= 4 and not _SITE_SUFFIX_RE.search(p)} - not_titles
    if shown:
        lengths = {len(p) for p in shown}
        found += [
            i
            for i, size in enumerate(total)
            if size in lengths
            and not (body_pos is not None and body_pos <= i < ends[body_pos])
            and page.compact_text(i) in shown
        ]
    # Menu entries make a heading doubtful only where the <title> or ArticleTitle can vouch
    # for the real one: a site-wide <title> leaves nothing to prefer instead.
    furniture = _Furniture(page, breadcrumb, menus=bool(shown or article))
    candidates = []
    nearest_before = None
    for i in sorted(set(found)):
        if not page.indexed(i):
            continue
        heading = _HEADINGS.get(tags[i], 0)
        size = total[i]
        if not 4 <= size <= 300 or links[i] > size * 0.9:
            continue
        if crumb is not None and crumb <= i < ends[crumb]:
            continue
        node = page.nodes[i]
        text = clean(node_text(node))
        compact = nows(text)
        if (compact in not_titles and compact != article) or _label_matches(text):
            continue  # a column heading, or an info line (时间：… 来源：…)
        # A heading repeated as a menu entry or a breadcrumb step is the site's furniture
        # (a side menu's 政府信息公开), unless the <title> or ArticleTitle says it is this
        # page's title.
        if compact not in tag_text and compact != article and furniture.has(compact, i):
            continue
        before = body_pos is not None and i < body_pos and not i <= body_pos < ends[i]
        if before:
            nearest_before = i
        score = heading + (8 if i in named else 0)
        candidates.append((i, text, compact, score, before))

    best: tuple[float, int, LexborNode, str] | None = None
    for i, text, compact, score, before in candidates:
        score -= 6 if "sub" in names[i].lower() else 0
        score += 100 if article and compact == article else 0
        score += 60 if labelled and compact == nows(labelled) else 0
        if compact in tag_parts:
            score += 40
        elif compact in tag_text:
            score += 20
        if i == nearest_before:
            score += 18
        elif before:
            score += 10
        elif body is not None and (body_pos is None or not body_pos <= i < ends[body_pos]):
            score -= 50  # after the body: related items, footers
        if best is None or (score, -i) > best[:2]:
            best = (score, -i, page.nodes[i], text)
    if best is not None and best[0] >= 22:
        return best[2], best[3]
    if meta.get("ArticleTitle"):
        return None, meta["ArticleTitle"]
    return None, labelled or title_from_title_tag(page.tree, meta)


class _Furniture:
    """What a site repeats on every page: its breadcrumb steps and (``menus``) the texts
    of its links. Link texts are read only when a heading asks."""

    def __init__(self, page: Page, breadcrumb: list[str], menus: bool) -> None:
        self.page = page
        self.crumbs = {nows(item) for item in breadcrumb}
        self.menus = menus
        self._links: dict[str, list[int]] | None = None

    def has(self, compact: str, i: int) -> bool:
        """Whether ``compact``, the text of element ``i``, is a breadcrumb step or the text
        of a link outside element ``i``."""
        if compact in self.crumbs:
            return True
        if not self.menus:
            return False
        page = self.page
        if self._links is None:
            self._links = {}
            for k, tag in enumerate(page.tags):
                if tag == "a" and page.total[k] >= 4:
                    self._links.setdefault(page.compact_text(k), []).append(k)
        end = page.ends[i]
        return any(not i <= k < end for k in self._links.get(compact, ()))


def _title_name(names: str) -> bool:
    if names.isascii():  # re.I folds only ASCII case here: plain substrings suffice first
        low = names.lower()
        if "tit" not in low and "biaoti" not in low and "headline" not in low:
            return False
    return bool(_TITLE_NAME_RE.search(names))


def title_from_title_tag(tree: LexborHTMLParser, meta: dict[str, str]) -> str | None:
    """<title> without the site/column parts: "标题_栏目_某某区人民政府", "标题-某某市人民政府"."""
    node = tree.css_first("title")
    text = clean(node_text(node)) if node is not None else ""
    skip = {nows(meta.get("SiteName")), nows(meta.get("ColumnName"))} - {""}
    while (m := _TITLE_TAIL_RE.search(text)) and m.start() > 0:
        if nows(m.group(1)) not in skip and not _SITE_SUFFIX_RE.search(m.group(1)):
            break
        text = text[: m.start()]
    parts = [p for p in _TITLE_SPLIT_RE.split(text) if p.strip() and nows(p) not in skip]
    return max(parts, key=len).strip() if parts else (text or None)


# --------------------------------------------------------------------------- breadcrumb


def find_breadcrumb(
    page: Page, crumb_rules: list[str], meta: dict[str, str]
) -> tuple[LexborNode | None, list[str]]:
    for selector in crumb_rules:
        for node in select(page.tree, selector):
            if items := _crumb_items(node):
                return node, items

    total, nodes = page.total, page.nodes
    best: int | None = None
    # The smallest element reading "当前位置：…" with more after it.
    for i in _position_holders(page):
        size = total[i]
        if 4 <= size <= 300 and (best is None or size < total[best]):
            text = clean(node_text(nodes[i]))
            m = _POSITION_RE.match(text)
            if m and nows(text[m.end() :]):
                best = i
    if best is None:
        best = next(
            (
                i
                for i in page.named
                if 4 <= total[i] <= 200
                and _CRUMB_NAME_RE.search(page.names[i])
                and page.link_count(i) >= 2
            ),
            None,
        )
    if best is None:
        best = _linked_trail(page)
    crumb = nodes[best] if best is not None else None
    if crumb is None:
        # TRS renders breadcrumb links with class CurrChnlCls, whatever the container.
        links = page.tree.css("a.CurrChnlCls")
        if len(links) >= 2:
            crumb = links[0].parent
            while crumb is not None and not page.contains(crumb, links[-1]):
                crumb = crumb.parent
    if crumb is not None and (items := _crumb_items(crumb)):
        return crumb, items
    column = meta.get("ColumnName")
    return None, [column] if column else []


def _position_holders(page: Page) -> list[int]:
    """Indexed elements whose text holds a 位, in document order: the only ones whose text
    can begin with "(您当前的)位置"."""
    found: set[int] = set()
    parents = page.parents
    for i in page.position_holders:
        while i >= 0 and i not in found:
            if page.indexed(i):
                found.add(i)
            i = parents[i]
    return sorted(found)


def _linked_trail(page: Page) -> int | None:
    """The first short run of links separated by '>' (首页 > 政务公开 > …), innermost."""
    total, links, nodes, ends = page.total, page.links, page.nodes, page.ends
    links_before, skipped_before = page.running_counts()

    def trail(i: int) -> bool:
        # A trail is links and separators, little else.
        return (
            4 <= total[i] <= 200
            and total[i] - links[i] <= 12
            and page.link_count(i) >= 2
            and _has_crumb_separator(node_text(nodes[i]))
        )

    found = next(
        (
            i
            for i in page.elements
            if 4 <= total[i] <= 200
            and total[i] - links[i] <= 12
            # two links at least (or links hidden in SKIP_TAGS to count): a quick test
            and (
                links_before[ends[i]] - links_before[i] >= 2
                or skipped_before[ends[i]] != skipped_before[i]
            )
            and trail(i)
        ),
        None,
    )
    while found is not None:
        child, inner = found + 1, None
        while child < ends[found]:
            if trail(child):
                inner = child
                break
            child = ends[child]
        if inner is None:
            return found
        found = inner
    return None


def _has_crumb_separator(text: str) -> bool:
    """``_CRUMB_SPLIT_RE.search(text)``, by its parts: most are one character."""
    return (
        ">" in text  # also >>, ->, —>
        or "＞" in text
        or "›" in text
        or "»" in text
        or "→" in text
        or ("/" in text and bool(_SPACED_SLASH_RE.search(text)))
    )


def _crumb_items(node: LexborNode) -> list[str]:
    items: list[str] = []
    for raw in node.traverse(include_text=True):
        if not raw.is_text_node or (raw.parent is not None and raw.parent.tag in SKIP_TAGS):
            continue
        text = clean(raw.text_content)
        if not items and (m := _POSITION_RE.match(text)):
            text = text[m.end() :]
        for part in _CRUMB_SPLIT_RE.split(text):
            part = part.strip(" :：|")
            if part and not SEPARATOR_RE.match(part):
                items.append(part)
    return items
