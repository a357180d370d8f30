"""The parsed page, indexed once for the readers in ``extract.meta`` and ``extract.body``.

One walk over the DOM records every element (outside ``<script>``, ``<style>`` …) in document
order with its text statistics, and every text run in between. The readers then work on
these flat lists instead of walking the tree again in Python: a page is walked once, and
the rest is list indexing.

selectolax's ``LexborNode.__eq__`` compares serialised HTML (slow, and true for identical
twins), so nodes are compared and keyed by ``mem_id`` throughout.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import logging
import operator
import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraper.platforms.shared import href_is_attachment, text_is_attachment  # noqa: F401 (used below)

logger = logging.getLogger("scraper.extract")


def words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


SKIP_TAGS = frozenset(
    words(
        "script style noscript template textarea select option button svg canvas iframe object "
        "embed head title meta link input map audio video"
    )
)
BLOCK_TAGS = frozenset(
    words(
        "address article aside blockquote body center dd details dialog dir div dl dt fieldset "
        "figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr html li main menu nav "
        "ol p pre section summary table tbody thead tfoot tr td th ul caption"
    )
)
_RUN_TAGS = BLOCK_TAGS | {"br", "a"}
_MEM_ID = operator.attrgetter("mem_id")
MAX_DEPTH = 400  # nesting beyond this is garbage markup; it is read as flat text

CJK = "\u3400-\u9fff\uf900-\ufaff"
_CJK_CHAR_RE = re.compile(f"[{CJK}]")
ZERO_WIDTH_RE = re.compile("[\u200b-\u200d\u2060\ufeff\ue000-\uf8ff]")  # + icon-font glyphs
_ZERO_WIDTH_SPACES = "\u200b\u200c\u200d\u2060\ufeff"
_ALL_WS_RE = re.compile(f"[\\s\u3000\u00a0{_ZERO_WIDTH_SPACES}]+")
# Page furniture: font-size switches, share/print/close widgets, visit counters.
FURNITURE_RE = re.compile(
    r"字号\s*[:：]|字体\s*[:：大]|【\s*[大中小]\s*】|\[\s*[大中小]\s*\]|放大字体|缩小字体|"
    r"扫一扫|用微信扫描|分享[至到]|打印本页|打印此页|打印页面|【\s*打印\s*】|\[\s*打印\s*\]|"
    r"关闭窗口|关闭本页|关闭页面|【\s*关闭\s*】|\[\s*关闭\s*\]|返回顶部|我要纠错|内容纠错|"
    r"加入收藏|收藏本页|浏览次数|点击数|点击量|阅读次数|访问量"
)
_DATE_RE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)")

_URL_LAYOUT_RE = re.compile(r"[\t\r\n]")
_NOT_A_PAGE_RE = re.compile(r"(?i)(javascript|mailto|tel|data):")
_NOT_A_PAGE = ("javascript:", "mailto:", "tel:", "data:")


# --------------------------------------------------------------------------- text helpers


def nows(text: str | None) -> str:
    """``text`` without whitespace and zero-width characters."""
    # str.split() drops exactly what \s matches, several times faster than the regex; the
    # zero-width characters are not whitespace to it and are rare enough to test for.
    compact = "".join(text.split()) if text else ""
    if compact.isascii() or not _has_zero_width_space(compact):
        return compact
    return _ALL_WS_RE.sub("", compact)


def _has_zero_width_space(text: str) -> bool:
    return (
        "\u200b" in text
        or "\u200c" in text
        or "\u200d" in text
        or "\u2060" in text
        or "\ufeff" in text
    )


def clean(text: str | None) -> str:
    return " ".join(ZERO_WIDTH_RE.sub("", text or "").split())


def node_text(node: LexborNode) -> str:
    return node.text(deep=True) or ""


def is_cjk(ch: str) -> bool:
    return bool(_CJK_CHAR_RE.match(ch))


def parse_date(text: str | None) -> str | None:
    for m in _DATE_RE.finditer(text or ""):
        try:
            return _dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
        except ValueError:
            continue
    return None


def usable_href(href: str | None) -> str | None:
    if not href:
        return None
    # Browsers drop tabs and newlines anywhere in a URL (WHATWG URL parser).
    if "\t" in href or "\n" in href or "\r" in href:
        href = _URL_LAYOUT_RE.sub("", href)
    href = href.strip()
    if not href or href[0] == "#":
        return None
    if href.isascii():  # what _NOT_A_PAGE_RE tests, without a regex
        if href[0] in "jJmMtTdD" and href[:11].lower().startswith(_NOT_A_PAGE):
            return None
    elif _NOT_A_PAGE_RE.match(href):
        return None
    return href


def select(tree: LexborHTMLParser | LexborNode, selector: str) -> list[LexborNode]:
    try:
        return list(tree.css(selector))
    except Exception:  # a broken profile selector must not break extraction
        logger.warning("bad CSS selector %r", selector)
        return []


def same(a: LexborNode | None, b: LexborNode | None) -> bool:
    return a is not None and b is not None and a.mem_id == b.mem_id


# --------------------------------------------------------------------------- the index


class Page:
    """Every element outside SKIP_TAGS subtrees, in document (pre-)order, with its text
    statistics; and the page's text runs in the same order.

    Elements are numbered by their place in that order, and the lists below are indexed
    by that number. Statistics count non-whitespace characters and leave out SKIP_TAGS
    text; they describe the page as parsed, before any element is removed.
    """

    def __init__(self, tree: LexborHTMLParser) -> None:
        self.tree = tree
        self.nodes: list[LexborNode] = []
        self.tags: list[str] = []
        self.parents: list[int] = []  # -1 above the root
        self.depths: list[int] = []
        self.ends: list[int] = []  # one past the last descendant
        self.total: list[int] = []  # text chars
        self.links: list[int] = []  # chars in links that are not attachments
        self.direct: list[int] = []  # chars in the element's own text nodes
        self.classes: list[str] = []  # the raw class attribute ("" if none)
        self.ids: list[str] = []
        self.names: list[str] = []  # "class id", what class/id name patterns are read from
        self.named: list[int] = []  # elements with a class or an id, in order
        # Element numbers (ints) and text runs (strs) in document order: what token reading
        # and rendering walk instead of the DOM.
        self.seq: list[int | str] = []
        self.seq_at: list[int] = []  # where an element's entry is in seq
        self.seq_end: list[int] = []  # one past its subtree's last entry
        self.seq_parent: list[int] = []  # the element holding each entry
        self.compact: list[str] = []  # each text run without spaces ("" for elements)
        # 1 where a text run ends: before and after each block, link, <br> and element
        # with text of its own.
        self.run_breaks = bytearray()
        self.linked: list[bool] = []  # the element is a link or inside one
        # Elements nested deeper than MAX_DEPTH are numbered for their text runs but are not
        # indexed: no statistics, no position, as if they were text of their ancestor.
        self.elements: list[int] | range = range(0)
        self.deepest = 0
        # Elements holding a text node with 位 (the breadcrumb's "当前位置") in it.
        self.position_holders: list[int] = []
        self.skip_parents: list[int] = []  # the parent of each SKIP_TAGS element
        self._skip_holders: set[int] = set()  # the same, as a set
        self.removed: set[int] = set()  # elements taken out of the DOM since
        self._links_before: list[int] = []  # see running_counts()
        self._skipped_before: list[int] = []  # see running_counts()
        self._number: dict[int, int] = {}  # mem_id → number, every element numbered
        self._pos: dict[int, int] = {}  # mem_id → number, indexed elements only
        root = tree.body or tree.root
        if root is not None:
            _walk(self, root)

    # ----------------------------------------------------------------- building

    def _settle_zero_width(self) -> None:
        """Zero-width spaces out of the text runs' compact forms and counts: one test for
        the page rather than one per text node, as they are rare."""
        compact = self.compact
        joined = "".join(compact)
        if joined.isascii() or not _has_zero_width_space(joined):
            return
        direct, seq_parent = self.direct, self.seq_parent
        for k, text in enumerate(compact):
            if text and _has_zero_width_space(text):
                fixed = _ALL_WS_RE.sub("", text)
                direct[seq_parent[k]] -= len(text) - len(fixed)
                compact[k] = fixed

    def _is_navigation(self, i: int) -> bool:
        """Link ``i`` is one whose text is navigation, not a file's name."""
        link = self.nodes[i]
        href = link.attrs.get("href")
        if href and (href := usable_href(href)) and href_is_attachment(href):
            return False
        # Most links hold one text node, already in the index; SKIP_TAGS text is not.
        at = self.seq_at[i]
        text = self.seq[at + 1] if self.seq_end[i] == at + 2 else None
        if text.__class__ is not str or i in self._skip_holders:
            text = node_text(link)
        return not text_is_attachment(text)

    def _count_text(self) -> None:
        """``total`` and ``links`` for every element, from ``direct``.

        In document order an element's subtree is the numbers ``i`` to ``ends[i]``, so a
        sum over it is a difference of running sums. Past MAX_DEPTH, and for links inside
        links, the counts follow other rules, and are summed element by element."""
        tags, ends, parents, direct = self.tags, self.ends, self.parents, self.direct
        n = len(tags)
        anchors = [i for i, tag in enumerate(tags) if tag == "a"]
        linked = self.linked
        self._skip_holders = set(self.skip_parents)
        if self.deepest > MAX_DEPTH or any(i and linked[parents[i]] for i in anchors):
            self._count_text_by_element()
            return
        before = [0, *itertools.accumulate(direct)]
        self.total = total = [before[end] - before[i] for i, end in enumerate(ends)]
        navigation = [0] * n
        for i in anchors:
            if total[i] and self._is_navigation(i):
                navigation[i] = total[i]
        if any(navigation):
            before = [0, *itertools.accumulate(navigation)]
            self.links = [before[end] - before[i] for i, end in enumerate(ends)]
        else:
            self.links = navigation

    def _count_text_by_element(self) -> None:
        # Children are numbered after their parent: in reverse order each element is
        # complete before it is added to its parent.
        tags, parents, depths, direct = self.tags, self.parents, self.depths, self.direct
        n = len(tags)
        self.total = total = [0] * n
        self.links = links = [0] * n
        for i in range(n - 1, -1, -1):
            depth, parent = depths[i], parents[i]
            if depth < MAX_DEPTH:
                chars = total[i] = total[i] + direct[i]
                # A link counts all its text, links inside it included, once.
                if chars and tags[i] == "a" and self._is_navigation(i):
                    links[i] = chars
                if parent >= 0:
                    total[parent] += chars
                    links[parent] += links[i]
            elif depth == MAX_DEPTH:  # read as flat text, nothing below it counted
                chars = total[i] = direct[i] = len(nows(node_text(self.nodes[i])))
                total[parent] += chars

    # ----------------------------------------------------------------- queries

    def number(self, node: LexborNode) -> int | None:
        """The element's number, indexed or not; None outside the walk (SKIP_TAGS)."""
        return self._number.get(node.mem_id)

    def at(self, node: LexborNode | None) -> int | None:
        """The element's number, None for a node that is not indexed."""
        return None if node is None else self._pos.get(node.mem_id)

    def compact_text(self, i: int) -> str:
        """Element ``i``'s text without whitespace as parsed (SKIP_TAGS text left out, as a
        browser shows it): ``nows(node_text(node))`` from the index, without a DOM walk."""
        return "".join(self.compact[self.seq_at[i] : self.seq_end[i]])

    def text_len(self, node: LexborNode) -> int:
        i = self._pos.get(node.mem_id)
        return 0 if i is None else self.total[i]

    def content(self, node: LexborNode) -> int:
        """Text that is not navigation: everything but non-attachment link text."""
        i = self._pos.get(node.mem_id)
        return 0 if i is None else self.total[i] - self.links[i]

    def contains(self, outer: LexborNode | None, inner: LexborNode | None) -> bool:
        """``inner`` is ``outer`` or inside it."""
        start, at = self.at(outer), self.at(inner)
        return start is not None and at is not None and start <= at < self.ends[start]

    def inside(self, i: int, outer: int) -> bool:
        """Element ``i`` is ``outer`` or inside it (``-1``: above the root, holds everything)."""
        return outer < 0 or outer <= i < self.ends[outer]

    def indexed(self, i: int) -> bool:
        return self.depths[i] <= MAX_DEPTH

    def descendants(self, i: int) -> list[int] | range:
        inner = range(i + 1, self.ends[i])
        if self.deepest > MAX_DEPTH:
            return [j for j in inner if self.depths[j] <= MAX_DEPTH]
        return inner

    def running_counts(self) -> tuple[list[int], list[int]]:
        """(links, SKIP_TAGS elements) before each element number, counted once: how many
        element ``i`` holds is ``count[ends[i]] - count[i]``."""
        if not self._links_before:
            self._links_before = [0, *itertools.accumulate(t == "a" for t in self.tags)]
        return self._links_before, self._skipped_counts()

    def _skipped_counts(self) -> list[int]:
        if not self._skipped_before:
            skipped = [0] * (len(self.tags) + 1)
            for parent in self.skip_parents:
                skipped[parent + 1] += 1
            self._skipped_before = list(itertools.accumulate(skipped))
        return self._skipped_before

    def has_skipped_inside(self, i: int) -> bool:
        """Whether element ``i`` holds SKIP_TAGS elements: text the index has not got."""
        skipped = self._skipped_counts()
        return skipped[self.ends[i]] != skipped[i]

    def link_count(self, i: int) -> int:
        """``len(node.css("a"))``: links in element ``i``, itself included."""
        links, skipped = self.running_counts()
        end = self.ends[i]
        # The index has every link but those in SKIP_TAGS subtrees (<svg><a>, <noscript>).
        if skipped[end] != skipped[i]:
            return len(self.nodes[i].css("a"))
        return links[end] - links[i]

    def children(self, i: int) -> list[int]:
        """Element ``i``'s child elements still in the DOM (SKIP_TAGS ones left out)."""
        found = []
        child, end = i + 1, self.ends[i]
        while child < end:
            if child not in self.removed:
                found.append(child)
            child = self.ends[child]
        return found

    def remove(self, node: LexborNode) -> None:
        """Take ``node`` out of the DOM, and out of what is rendered from the index."""
        i = self._number.get(node.mem_id)
        if i is not None:
            self.removed.add(i)
        node.decompose()


def _walk(page: Page, root: LexborNode) -> None:
    """Number the elements under ``root`` and fill ``page``'s lists (:class:`Page`)."""
    # By first_child/next, not traverse(): the walk then knows each node's parent and
    # when an element ends without asking, and never enters SKIP_TAGS subtrees. It only
    # records; the statistics are sums over the numbered subtrees, taken afterwards with
    # list operations. (Hot loop: methods are bound to locals, an element is one tuple
    # unzipped afterwards, and per-element lists grow in chunks rather than by append.)
    seq, seq_parent = page.seq, page.seq_parent
    position_holders, skip_parents = page.position_holders, page.skip_parents
    records: list[tuple[LexborNode, str, int, int]] = []  # (node, tag, parent, depth)
    add_record = records.append
    add_text, add_text_parent = seq.append, seq_parent.append
    add_compact = page.compact.append
    size = 1024
    direct, ends, seq_at, seq_end = [0] * size, [0] * size, [0] * size, [0] * size
    skip = SKIP_TAGS
    count = 0  # elements numbered so far
    pos = 0  # entries in seq so far
    # Open elements above ``parent``: (the node after the open element, its parent).
    stack: list[tuple[LexborNode | None, int]] = []
    push, pop = stack.append, stack.pop
    depth = -1  # of ``parent``
    parent = -1
    node: LexborNode | None = root
    while True:
        while node is not None:
            # text_content is None but for text nodes: one call tells most nodes apart.
            text = node.text_content
            if text is not None:
                add_text(text)
                add_text_parent(parent)
                pos += 1
                if text.isspace():
                    add_compact("")
                else:
                    # nows(text) but for zero-width spaces, which _settle_zero_width()
                    # takes out for the whole page at once.
                    compact = "".join(text.split())
                    add_compact(compact)
                    direct[parent] += len(compact)
                    if "位" in text:
                        position_holders.append(parent)
                node = node.next
                continue
            # Element names never start with "-": "-text" (an empty text node),
            # "-comment", "-doctype"; None for processing instructions.
            tag = node.tag or "-"
            if tag[0] == "-":
                if tag == "-text":  # an empty text node still starts a run
                    add_text("")
                    add_text_parent(parent)
                    add_compact("")
                    pos += 1
                node = node.next
                continue
            if tag in skip:
                # Not walked, but its text is in its ancestors' text().
                if "位" in node_text(node):
                    position_holders.append(parent)
                skip_parents.append(parent)
                node = node.next
                continue
            i = count
            count += 1
            if count > size:
                for column in (direct, ends, seq_at, seq_end):
                    column.extend([0] * size)
                size *= 2
            add_record((node, tag, parent, depth + 1))
            seq_at[i] = pos
            add_text(i)
            add_text_parent(parent)
            add_compact("")
            pos += 1
            child = node.first_child
            if child is None and i:  # ends where it starts
                ends[i] = count
                seq_end[i] = pos
                node = node.next
                continue
            push((node.next, parent))
            parent = i
            depth += 1
            node = child

        # Element ``parent`` ends here.
        ends[parent] = count
        seq_end[parent] = pos
        node, parent = pop()
        depth -= 1
        if not stack:
            break

    for column in (direct, ends, seq_at, seq_end):
        del column[count:]
    page.direct, page.ends, page.seq_at, page.seq_end = direct, ends, seq_at, seq_end
    n = count
    if n:
        nodes, tags, parents, depths = map(list, zip(*records, strict=True))
    else:
        nodes, tags, parents, depths = [], [], [], []
    page.nodes, page.tags, page.parents, page.depths = nodes, tags, parents, depths
    page.deepest = max(depths, default=0)
    # A link's subtree is all linked: slices, not a test per element.
    page.linked = linked = [False] * n
    for i, tag in enumerate(tags):
        if tag == "a" and not linked[i]:
            linked[i : ends[i]] = [True] * (ends[i] - i)
    page._settle_zero_width()
    page._count_text()
    # Text split by empty inline tags (索<span></span>引<span></span>号) is one run; an
    # element with text of its own, or a block, is a run of its own.
    page.run_breaks = breaks = bytearray(pos + 1)
    total, run_tags = page.total, _RUN_TAGS
    for i, tag in enumerate(tags):
        if total[i] or tag in run_tags:
            breaks[seq_at[i]] = breaks[seq_end[i]] = 1

    if page.deepest > MAX_DEPTH:
        page.elements = [i for i in range(n) if depths[i] <= MAX_DEPTH]
        page._pos = {nodes[i].mem_id: i for i in page.elements}
        page._number = dict(zip(map(_MEM_ID, nodes), range(n), strict=True))
    else:
        page.elements = range(n)
        # Built here rather than in the walk: a third of the time.
        page._pos = page._number = dict(zip(map(_MEM_ID, nodes), range(n), strict=True))

    page.classes = classes = [""] * n
    page.ids = ids = [""] * n
    page.names = names = [" "] * n
    for node in root.css("[class], [id]"):
        k = page._pos.get(node.mem_id)
        if k is not None:
            attrs = node.attributes
            classes[k] = attrs.get("class") or ""
            ids[k] = attrs.get("id") or ""
            names[k] = f"{classes[k]} {ids[k]}"
            page.named.append(k)
    page.named.sort()
