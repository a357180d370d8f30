"""The body: its container, its text, and the attachments listed with it.

* the body is the CMS editor container (TRS ``TRS_UEDITOR``/``TRS_Editor``, ``#zoom``,
  Ucap ``#UCAP-CONTENT``, VSB ``vsb_content`` …) or else the block holding the most
  paragraph text;
* furniture inside it (字号, 打印, 关闭窗口, related links …) is dropped, and the rest is
  rendered a block per line, a table row per line;
* attachments come from links around the body and from the TRS ``hasFJ``/``rel_appendix``
  script strings that browsers only see through ``document.write``.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import operator
import re
from collections.abc import Iterator
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraper.extract.page import (
    BLOCK_TAGS,
    CJK,
    FURNITURE_RE,
    MAX_DEPTH,
    ZERO_WIDTH_RE,
    Page,
    clean,
    is_cjk,
    node_text,
    nows,
    parse_date,
    same,
    select,
    usable_href,
    words,
)
from scraper.platforms.shared import href_is_attachment, text_is_attachment

logger = logging.getLogger(__name__)

_STRONG_CLASSES = frozenset(
    words(
        "trs_ueditor trs_editor article-content article_content articlecontent "
        "detail-content detail_content detailcontent news_content news-content newscontent "
        "content-txt content_txt zw-con zwnr"
    )
)
_STRONG_IDS = frozenset(words("ucap-content zoom zoomcon fontzoom zoomcontent artibody"))
_STRONG_PREFIX = "vsb_content"

_GOOD_NAME_RE = re.compile(r"content|article|zoom|detail|text|txt|editor|body|zw|nr", re.I)
_BAD_NAME_RE = re.compile(
    r"comment|foot|nav|menu|side|header|banner|share|relat|friend|copyright|bottom|link|list|"
    r"recommend|hot|tab",
    re.I,
)
_PARAGRAPHS = frozenset(("p", "pre", "blockquote", "td", "li", "dd", "h2", "h3", "h4"))

_FURNITURE_MAX = 60  # furniture blocks are short; a long paragraph that mentions 打印 is text
_RELATED_RE = re.compile(
    r"^(?:相关(?:文档|阅读|链接|稿件|新闻|信息|文章|附件|解读|文件)|关联稿件|延伸阅读|上一篇|下一篇|上一条|下一条)"
)
_RELATED_WORDS = ("相关", "关联", "延伸阅读", "上一篇", "下一篇", "上一条", "下一条")

# U+3000 inside a line is a character the author typed (第一章　总则) and is kept;
# at either end of a line it is indentation and goes with the other whitespace.
_HSPACE = " \t\r\f\v\u00a0\u2000-\u200a\u202f\u205f"
_HSPACE_RE = re.compile(f"[{_HSPACE}]+")
# One character, no repeat: sre then scans for it at C speed, several times faster than for
# _HSPACE_RE, so lines without one skip the substitution.
_HSPACE_CHAR_RE = re.compile(f"[{_HSPACE}]")
_LINE_END_SPACE = " \t\r\f\v\u00a0\u3000"  # spaces before a source newline that go with it
_BREAK = "\x00"  # a source newline, until we know whether it sits between CJK characters
# What str.strip() strips (str.isspace()), and _BREAK.
_SPACES_AND_BREAK = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\x00"
)
_BREAKS_RE = re.compile("\x00+")  # starts with a literal: sre finds it at C speed
_BEFORE_BREAK_RE = re.compile(f"[{CJK}，。、；：！？）》」』】”’]")
_AFTER_BREAK_RE = re.compile(f"[{CJK}（《「『【“‘]")

# What an element does to the line it sits in; other elements are inline.
_LINE_BREAKING = {tag: "block" for tag in BLOCK_TAGS} | {"br": "br", "table": "table"}

_FJ_SCRIPT_RE = re.compile(r"""\b(hasFJ|rel_appendix)\s*=\s*(['"])(.*?)(?<!\\)\2""", re.S)
_JS_ESCAPE_RE = re.compile(r"\\(['\"/\\])")


# --------------------------------------------------------------------------- container


def _has_strong_hint(names: str) -> bool:
    """Every strong class or id contains one of these: a cheap test before the exact one."""
    return (
        "content" in names
        or "editor" in names
        or "zoom" in names
        or "zw" in names
        or "artibody" in names
    )


def _is_strong(classes: str, ident: str) -> bool:
    ident = ident.lower()
    return (
        ident in _STRONG_IDS
        or ident.startswith(_STRONG_PREFIX)
        or any(
            c in _STRONG_CLASSES or c.startswith(_STRONG_PREFIX) for c in classes.lower().split()
        )
    )


def find_body(
    page: Page, body_rules: list[str], hints: tuple[str, ...] = ()
) -> tuple[LexborNode | None, bool]:
    """The body container, and whether a profile or CMS selector named it. ``hints``: the
    page's CMS family's containers, trusted like a CMS class: unless a block outside
    holds five times their text (a family's id on a banner)."""
    for selector in body_rules:
        hits = [n for n in select(page.tree, selector) if page.at(n) is not None]
        if hits:
            return max(hits, key=lambda n: (page.content(n), -(page.at(n) or 0))), True
    for selector in hints:
        hits = [n for n in select(page.tree, selector) if page.at(n) is not None]
        if hits:
            hinted = max(hits, key=lambda n: (page.content(n), -(page.at(n) or 0)))
            at = page.at(hinted)
            content = page.content(hinted)
            if at is not None and not _has_block_beside(page, at, max(300, 5 * content)):
                return hinted, True

    total, links, ends, names = page.total, page.links, page.ends, page.names
    named = [
        i
        for i in page.named
        if _has_strong_hint(names[i].lower()) and _is_strong(page.classes[i], page.ids[i])
    ]
    # An empty editor container (the document is only its hasFJ attachments) is still the
    # body: better an empty body than a footer standing in for it.
    strong = [i for i in named if total[i] - links[i] > 0] or named
    best = -1
    if strong:
        best = max(strong, key=lambda i: (total[i] - links[i], -i))
        # Nested editor containers (a page pasted into the TRS editor): the innermost one
        # that still holds essentially all of the text.
        floor = (total[best] - links[best]) * 0.97
        inner = [i for i in strong if total[i] - links[i] >= floor and best <= i < ends[best]]
        best = max(inner, key=lambda i: (page.depths[i], -i))
        # A CMS class on a banner or caption loses only to a block outside it with five
        # times its text: when there is no such block, the vote below cannot change that.
        if not _has_block_beside(page, best, max(300, 5 * (total[best] - links[best]))):
            return page.nodes[best], True
    dense = _densest(page)
    if not strong or dense is None or best <= dense < ends[best] or dense <= best < ends[dense]:
        if strong:
            return page.nodes[best], True
        return (page.nodes[dense], False) if dense is not None else (None, False)
    # A CMS class on a banner or caption while the article sits elsewhere: trust the text.
    if total[dense] - links[dense] >= max(300, 5 * (total[best] - links[best])):
        return page.nodes[dense], False
    return page.nodes[best], True


def _has_block_beside(page: Page, inner: int, content: int) -> bool:
    """Whether an element neither inside ``inner`` nor around it has ``content`` chars of
    non-link text."""
    total, links, ends = page.total, page.links, page.ends
    if total[0] - total[inner] < content:
        return False  # not even all the text outside it together
    after = ends[inner]
    if after < len(total) and max(map(operator.sub, total[after:], links[after:])) >= content:
        return True
    return any(total[i] - links[i] >= content and ends[i] <= inner for i in range(inner))


def _densest(page: Page) -> int | None:
    """Readability-style: paragraphs vote for their parent, half a vote for the grandparent."""
    scores: dict[int, float] = {}
    tags, total, links, direct, parents = (
        page.tags,
        page.total,
        page.links,
        page.direct,
        page.parents,
    )
    # Only these can vote (the rest would only be looked at and passed over).
    voters = [i for i in page.elements if direct[i] >= 10 or tags[i] in _PARAGRAPHS]
    for i in voters:
        own = direct[i]
        tag = tags[i]
        if own >= 10 and tag != "a" and tag != "body" and links[i] <= own:
            # Text straight in a div/td (laid out with <br>), or a div used as a paragraph.
            scores[i] = scores.get(i, 0.0) + own
            if tag not in _PARAGRAPHS and (parent := parents[i]) >= 0:
                scores[parent] = scores.get(parent, 0.0) + own
        if tag in _PARAGRAPHS:
            text = total[i] - links[i]
            if text >= 10 and links[i] <= total[i] / 2:
                parent = parents[i]
                if parent >= 0:
                    scores[parent] = scores.get(parent, 0.0) + text
                    if (grandparent := parents[parent]) >= 0:
                        scores[grandparent] = scores.get(grandparent, 0.0) + text / 2
    best: tuple[float, int] | None = None
    winner = None
    for i, score in scores.items():
        names = page.names[i]
        if names == " ":  # neither class nor id
            pass
        elif _BAD_NAME_RE.search(names):
            score *= 0.4
        elif _GOOD_NAME_RE.search(names):
            score *= 1.25
        rank = (score, -i)
        if best is None or rank > best:
            best, winner = rank, i
    return winner


# --------------------------------------------------------------------------- furniture


def strip_furniture(page: Page, body: LexborNode) -> None:
    root = page.number(body)
    if root is None:
        return
    compact = _CompactText(page, root)
    # Furniture is found by its words. A word missing from the whole body is missing from
    # every part of it, which spares the regexes below on most bodies.
    whole = compact(root)
    has_related = any(word in whole for word in _RELATED_WORDS)
    has_furniture = bool(FURNITURE_RE.search(whole))
    if not has_related and not has_furniture:
        return
    doomed: list[int] = []
    stack = page.children(root)
    while stack:
        i = stack.pop()
        text = compact(i)
        furniture = has_furniture and len(text) <= _FURNITURE_MAX and FURNITURE_RE.search(text)
        related = has_related and len(text) <= 400 and _RELATED_RE.match(text) and page.links[i] > 0
        if furniture or related:
            doomed.append(i)
        elif "相关" in text or "关联" in text or (has_furniture and FURNITURE_RE.search(text)):
            stack.extend(page.children(i))
    for i in doomed:
        page.remove(page.nodes[i])


class _CompactText:
    """``nows(node_text(node))`` for the elements inside ``root`` as the DOM now is, cut from
    one string joined from the index rather than read and squeezed for every element."""

    def __init__(self, page: Page, root: int) -> None:
        self.page = page
        self.first = first = page.seq_at[root]
        parts = page.compact[first : page.seq_end[root]]
        for gone in page.removed:  # what was taken out of the DOM is not in its text
            start, end = page.seq_at[gone] - first, page.seq_end[gone] - first
            if 0 <= start < len(parts):
                parts[start:end] = [""] * (end - start)
        self.offsets = [0, *itertools.accumulate(map(len, parts))]
        self.text = "".join(parts)

    def __call__(self, i: int) -> str:
        page = self.page
        if page.has_skipped_inside(i):
            return nows(node_text(page.nodes[i]))  # script text too, which the index lacks
        start, end = page.seq_at[i] - self.first, page.seq_end[i] - self.first
        return self.text[self.offsets[start] : self.offsets[end]]


# --------------------------------------------------------------------------- text


def render(page: Page, body: LexborNode) -> str:
    """The body's text: a line per block or ``<br>``, a table row per line."""
    root = page.number(body)
    if root is None:
        return ""
    lines = []
    for line in _lines(page, root, 0):
        compact = nows(line)
        if not (len(compact) <= _FURNITURE_MAX and FURNITURE_RE.search(compact)):
            lines.append(line)
    return "\n".join(_without_file_list(page, body, lines))


# What a line of a file list holds besides the files' names: 附件1：, 附件下载, numbering,
# brackets, VSB's 已下载…次.
_FILE_LIST_WORDS_RE = re.compile(
    r"(?:附件|附表|下载|相关|点击|已下载\d*次|[\d.．、:：;；,，()（）【】\[\]<>《》\-—_])*"
)


def _without_file_list(page: Page, body: LexborNode, lines: list[str]) -> list[str]:
    """``lines`` without the list of attachment links that ends them: the files are the
    attachments, not the text. A body that is nothing but its files keeps them."""
    root = page.at(body)
    if len(lines) < 2 or root is None or not page.link_count(root):
        return lines
    names = sorted(
        {nows(t) for node in body.css("a") if (link := _attachment_link(node)) and (t := link[1])},
        key=len,
        reverse=True,
    )
    if not names:
        return lines

    def kind(line: str) -> str:
        """What the line is: "file" (files' names, with the list's words), "label" (a
        heading of the list, 附件：, or its numbering) or "text"."""
        compact = nows(line)
        for name in names:
            compact = compact.replace(name, "\x00")
        rest = compact.replace("\x00", "")
        if not _FILE_LIST_WORDS_RE.fullmatch(rest):
            return "text"
        if len(rest) < len(compact):
            return "file"
        # A date (2024.12.25) is made of the same characters, and is text.
        return "label" if "附" in rest or "下载" in rest or len(rest) <= 3 else "text"

    end = len(lines)
    if kind(lines[-1]) != "file":
        return lines
    while end and kind(lines[end - 1]) != "text":
        end -= 1
    return lines[:end] if end else lines


def _finish_line(parts: list[str]) -> str:
    line = "".join(parts)
    if not line.isascii() and ZERO_WIDTH_RE.search(line):
        line = ZERO_WIDTH_RE.sub("", line)
    # Spaces and newlines at either end go whatever they are; only the ones inside the
    # line need a closer look.
    line = line.strip(_SPACES_AND_BREAK)
    # A source newline between CJK characters is layout, not a space (CSS Text 3
    # segment-break rules); anywhere else it renders as one space.
    if _BREAK in line:
        line = _BREAKS_RE.sub(_render_break, line)
    if _HSPACE_CHAR_RE.search(line):
        line = _HSPACE_RE.sub(" ", line)
    return line


def _render_break(m: re.Match[str]) -> str:
    """Nothing between two CJK characters, else a space per newline."""
    line, start, end = m.string, m.start(), m.end()
    if (
        start
        and end < len(line)
        and _BEFORE_BREAK_RE.match(line, start - 1)
        and _AFTER_BREAK_RE.match(line, end)
    ):
        return ""
    return " " * (end - start)


def _mark_newlines(text: str) -> str:
    """Each source newline, with the spaces around it, as one _BREAK.

    What ``re.sub(r"[ \\t\\r\\f\\v\\u00a0\\u3000]*\\n\\s*", _BREAK, text)`` does, without a
    regex that has to try every position."""
    pieces = text.split("\n")
    if len(pieces) == 2 and not pieces[1].strip():  # "…\n   ": the usual indentation
        return pieces[0].rstrip(_LINE_END_SPACE) + _BREAK
    out = [pieces[0].rstrip(_LINE_END_SPACE)]
    last = len(pieces) - 1
    for k in range(1, last + 1):
        piece = pieces[k].lstrip()
        if k < last:
            piece = piece.rstrip(_LINE_END_SPACE)
        if piece:
            out.append(_BREAK)
            out.append(piece)
    if not piece:  # the text ends in spaces and newlines
        out.append(_BREAK)
    return "".join(out)


def _lines(page: Page, root: int, depth: int) -> list[str]:
    """The lines of element ``root``'s content, read from the page index as the DOM now
    is (without removed elements). ``depth`` counts elements and cells, not DOM levels:
    an element ``k`` levels below ``root`` is at ``depth + k - 1``."""
    lines: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        if line := _finish_line(buf):
            lines.append(line)
        buf.clear()

    seq, seq_end, tags, depths, removed = (
        page.seq,
        page.seq_end,
        page.tags,
        page.depths,
        page.removed,
    )
    base = depths[root] + 1 - depth  # depths[k] - base: the depth an element is read at
    too_deep = page.deepest - base > MAX_DEPTH
    blocks: list[int] = []  # where the open blocks end in seq
    closes = stop = seq_end[root]  # where the innermost open block ends
    at = page.seq_at[root] + 1
    while at < stop:
        while at >= closes:  # a block ends: so does its last line
            blocks.pop()
            if buf:
                flush()
            closes = blocks[-1] if blocks else stop
        item = seq[at]
        if isinstance(item, str):
            # Whitespace before a line's first text goes when the line is finished.
            if buf or not item.isspace():
                buf.append(_mark_newlines(item) if "\n" in item else item)
            at += 1
            continue
        if removed and item in removed:
            at = seq_end[item]
            continue
        if too_deep and depths[item] - base > MAX_DEPTH:
            buf.append(node_text(page.nodes[item]))
            at = seq_end[item]
            continue
        kind = _LINE_BREAKING.get(tags[item])
        if kind is None:  # inline: its text joins the line
            at += 1
            continue
        if buf:
            flush()
        if kind == "block":
            blocks.append(seq_end[item])
            closes = seq_end[item]
            at += 1
            continue
        if kind == "table":
            lines.extend(_table_lines(page, item, depths[item] - base))
        at = seq_end[item]  # a table is done, and <br> has nothing inside
    if buf:
        flush()
    return lines


def _table_lines(page: Page, table: int, depth: int) -> list[str]:
    """A row per line, cells joined by tabs; nested tables stay inside their cell."""
    rows: list[str] = []
    tags, parents, ends, removed = page.tags, page.parents, page.ends, page.removed
    row = table + 1
    while row < ends[table]:
        if row in removed:
            row = ends[row]
            continue
        if tags[row] == "tr":
            owner = parents[row]
            while owner >= 0 and tags[owner] != "table":
                owner = parents[owner]
            if owner == table:
                cells = []
                cell = row + 1
                while cell < ends[row]:
                    if cell not in removed and tags[cell] in ("td", "th"):
                        cells.append(_join_cjk(_lines(page, cell, depth + 1)))
                    cell = ends[cell]
                if any(cells):
                    rows.append("\t".join(cells))
        row += 1
    return rows


def _join_cjk(parts: list[str]) -> str:
    out = ""
    for part in parts:
        if out and part and not (is_cjk(out[-1]) and is_cjk(part[0])):
            out += " "
        out += part
    return out


# --------------------------------------------------------------------------- attachments


def _has_fj(script: str) -> bool:
    return "hasFJ" in script or "rel_appendix" in script


def find_attachments(
    page: Page,
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
    if body is not None and (region is None or same(region, body)):
        region = body.parent or body
    if region is not None and region.tag in ("body", "html"):
        region = body

    found: dict[str, str] = {}
    base = link_base(url)

    def add(href: str, text: str) -> None:
        try:
            absolute = urljoin(base, href) if base else href
        except ValueError:  # "http://www.x.go索引号：v.cn/a.pdf": no address to record
            logger.debug("unresolvable attachment link %r on %s", href, url)
            return
        if not found.get(absolute):
            found[absolute] = text

    def add_fragment(fragment: str) -> None:
        # The string is JavaScript: undo its escapes, then read it as the HTML it writes.
        fragment = _JS_ESCAPE_RE.sub(r"\1", fragment)
        for link in LexborHTMLParser(fragment).css("a"):
            if (href := usable_href(link.attributes.get("href"))) is not None:
                add(href, clean(node_text(link)))

    done: set[str] = set()
    for node in region.css("a, script") if region is not None else ():
        if node.tag == "a":
            if (link := _attachment_link(node)) is not None:
                add(*link)
        elif _has_fj(script := node_text(node)):
            for m in _FJ_SCRIPT_RE.finditer(script):
                done.add(m.group(3))
                add_fragment(m.group(3))
    # An attachment list may close the body's block and open one of its own right after
    # it (TRS div.xxgk-fj, VSB p.fujian after the body's <form>).
    for block in _blocks_after(region) if region is not None else ():
        links = _attachment_block(page, block)
        if links is None:
            continue  # empty, or a print/close bar: look past it
        if not links:
            break  # anything else (related links, the footer) ends the body's surroundings
        for link in links:
            add(*link)
    for script in scripts:  # hasFJ strings elsewhere on the page still list attachments
        if _has_fj(script):
            for m in _FJ_SCRIPT_RE.finditer(script):
                if m.group(3) not in done:
                    add_fragment(m.group(3))
    return [{"url": u, "text": t} for u, t in found.items()]


def link_base(url: str) -> str:
    """The address relative links are resolved against: none for a ``file:`` URL, which
    says where a page was saved, not where it was published (``scraper extract FILE``)."""
    return "" if url[:5].lower() == "file:" else url


def _attachment_link(node: LexborNode) -> tuple[str, str] | None:
    """(href, text) of a link to a file, by its address or by the name it shows."""
    if (href := usable_href(node.attributes.get("href"))) is None:
        return None
    text = clean(node_text(node))
    return (href, text) if href_is_attachment(href) or text_is_attachment(text) else None


def _blocks_after(region: LexborNode) -> Iterator[LexborNode]:
    """The elements after ``region``, nearest first: its next siblings, then its parent's,
    up to the page's ``<body>``."""
    node: LexborNode | None = region
    while node is not None and node.tag not in ("body", "html"):
        sibling = node.next
        while sibling is not None:
            if sibling.tag and sibling.tag[0] != "-":  # not text, comment
                yield sibling
            sibling = sibling.next
        node = node.parent


_ATTACH_NAME_RE = re.compile(r"fj|fujian|attach|appendix|annex|file|down", re.I)
_ATTACH_BLOCK_TEXT = 12  # characters per file beyond its name: 附件下载：, 【】已下载…次


def _attachment_block(page: Page, block: LexborNode) -> list[tuple[str, str]] | None:
    """The files an attachment block after the body lists; None for a block that shows
    nothing (empty, a script) or only a print/close bar; [] for any other block.

    An attachment block says what it is (附件 in its text, or fj/attach/file… in its class
    or id) and holds little but its links to files: a footer's 隐私政策.pdf is neither."""
    i = page.at(block)
    if i is None or not page.total[i]:
        return None  # SKIP_TAGS (scripts, styles) and empty spacers
    text = page.compact_text(i)  # what it shows: a click counter's <script> is not text
    if len(text) <= _FURNITURE_MAX and FURNITURE_RE.search(text):
        return None
    if page.links[i]:
        return []  # a link that is not a file's: navigation
    files = [link for node in block.css("a") if (link := _attachment_link(node)) is not None]
    names = sum(len(nows(t)) for _, t in files)
    attrs = block.attributes
    named = _ATTACH_NAME_RE.search(f"{attrs.get('class') or ''} {attrs.get('id') or ''}")
    if not files or not ("附件" in text or named):
        return []
    if len(text) - names > _ATTACH_BLOCK_TEXT * len(files) + 10:
        return []
    return files


# --------------------------------------------------------------------------- list items

LIST_ROW_TAGS = ("li", "tr", "dd")
MIN_ITEM_TITLE = 5  # characters: menu entries (首页, 机构概况) are shorter than titles


def find_list_items(tree: LexborHTMLParser, url: str) -> list[dict[str, str | None]]:
    """The entries of a list page, in page order: ``{"url", "title", "date"}``.

    An entry is a row (``li``, ``tr``, ``dd``) holding a link with a title-length text. Rows
    are grouped by their grandparent element (a list may be split into several ``ul`` of one
    column, a table has a ``tbody``). The listing is the group with the most dated entries,
    then the most entries: a column's last page may hold one dated entry, fewer than the
    footer's friendly links, which carry no dates and lead to other sites (skipped when the
    page's address is known). The title is the link's ``title``
    attribute when it has one (lists cut long titles short), else its first line of text;
    the date is the first one in the row outside the link (a link's subtitle may quote other
    dates: 公布, 修订)."""
    body = tree.body
    if body is None:
        return []
    groups: dict[int, list[tuple[LexborNode, LexborNode, str]]] = {}
    seen_rows: set[int] = set()
    host = urlsplit(url).netloc if url else ""
    for link in body.css("a[href]"):
        href = (link.attributes.get("href") or "").strip()
        if host and href.startswith(("http://", "https://", "//")):
            with contextlib.suppress(ValueError):
                if urlsplit(urljoin(url, href)).netloc != host:
                    continue
        row = link.parent
        for _ in range(4):
            if row is None or row.tag in LIST_ROW_TAGS:
                break
            row = row.parent
        if row is None or row.tag not in LIST_ROW_TAGS or row.mem_id in seen_rows:
            continue
        title = _item_title(link)
        if len(title) < MIN_ITEM_TITLE:
            continue
        seen_rows.add(row.mem_id)
        holder = row.parent.parent if row.parent is not None else None
        key = holder.mem_id if holder is not None else row.mem_id
        groups.setdefault(key, []).append((row, link, title))
    best: list[dict[str, str | None]] = []
    best_score = (0, 0)
    for rows in groups.values():
        items = [_list_item(row, link, title, url) for row, link, title in rows]
        score = (sum(1 for item in items if item["date"]), len(items))
        if score > best_score:
            best, best_score = items, score
    return best


def _item_title(link: LexborNode) -> str:
    title = clean(link.attributes.get("title") or "")
    if title:
        return title
    lines = [clean(line) for line in (link.text(separator="\n") or "").splitlines()]
    return next((line for line in lines if line), "")


def _list_item(row: LexborNode, link: LexborNode, title: str, url: str) -> dict[str, str | None]:
    href = (link.attributes.get("href") or "").strip()
    base = link_base(url)
    try:
        target = urljoin(base, href) if base else href
    except ValueError:
        target = href
    outside = (row.text(separator=" ") or "").replace(link.text(separator=" ") or "", " ", 1)
    return {"url": target, "title": title, "date": parse_date(outside)}
