"""大汉 Hanweb jcms: columns at ``/col/colN/index.html``, articles at
``/art/YYYY/M/D/art_<col>_<id>.html``, files through ``/module/download/downfile.jsp``.

A column's list is data, not links. The column page embeds its first records in a script
block that the browser's jpage script turns into the list::

    <script type="text/xml"><datastore>
      <nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&webid=1&path=/
          &columnid=1229101&unitid=4587&webname=…&permissiontype=0"></a>]]></nextgroup>
      <recordset><record><![CDATA[<li><a href="/art/2024/6/11/art_1229101_59.html">…</a>
          <span>2024-06-11</span></li>]]></record>…</recordset></datastore></script>

and later records come from the data proxy, asked for a range of record numbers
(``dataproxy.jsp?startrecord=46&endrecord=90&perpage=15&columnid=…``), which answers the same
XML with ``<totalrecord>`` first. An HTML parser sees none of it (script text, CDATA), so
the records are read here and the proxy's ranges are made from the page's own parameters.
"""

from __future__ import annotations

import html as htmllib
import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from scraper.platforms import Item, Listing, Platform

_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S | re.I)
_NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[(.*?)\]\]>", re.S | re.I)
_HREF = re.compile(r"""href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
_TITLE_ATTR = re.compile(r"""title\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)
_TAGS = re.compile(r"<[^>]+>")
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_TOTAL = re.compile(r"<totalrecord>\s*(\d+)|\btotalRecord\s*[:=]\s*['\"]?(\d+)", re.I)
_PER_PAGE = re.compile(r"\bperPage\s*[:=]\s*['\"]?(\d+)", re.I)
_GROUP = re.compile(r"\bgroupSize\s*[:=]\s*['\"]?(\d+)", re.I)
_PROXY = re.compile(r"""(/module/web/jpage/dataproxy\.jsp)""")
# The jpage call's data parameters: ajaxParam:{col:1, appid:1, webid:3, …, columnid:1229101}
_AJAX_PARAM = re.compile(r"ajaxParam\s*:\s*\{([^}]*)\}", re.I)
# …or named: ajaxParam:param_42158, with var param_42158 = {col:1,webid:85,…} before it
_PARAM_VAR = re.compile(r"var\s+param_\w+\s*=\s*\{([^}]*)\}", re.I)
_PAIR = re.compile(r"""['"]?(\w+)['"]?\s*:\s*['"]?([^,'"}]*)['"]?""")
MAX_RECORDS = 100_000  # every total comes from the page; a corrupt one must not explode
DEFAULT_PER_PAGE = 15  # jpage's own defaults
DEFAULT_GROUP = 3


def _item(record: str, base: str) -> Item | None:
    href = _HREF.search(record)
    if href is None:
        return None
    link = htmllib.unescape(next(g for g in href.groups() if g is not None)).strip()
    if not link or link.startswith(("javascript:", "#")):
        return None
    title_attr = _TITLE_ATTR.search(record)
    anchor = re.search(r"<a\b[^>]*>(.*?)</a>", record, re.S | re.I)
    text = _TAGS.sub("", anchor.group(1) if anchor else record)
    title = htmllib.unescape(
        next((g for g in title_attr.groups() if g), "") if title_attr else text
    )
    title = " ".join(title.split()) or " ".join(htmllib.unescape(text).split())
    outside = record[anchor.end() :] if anchor else record
    date = _DATE.search(_TAGS.sub(" ", outside))
    day = f"{int(date[1]):04d}-{int(date[2]):02d}-{int(date[3]):02d}" if date else None
    return Item(urljoin(base, link), title, day)


def _proxy_params(text: str, base: str) -> tuple[str, dict[str, str]] | None:
    """The data proxy's address and the column's parameters, from the nextgroup link or the
    jpage call."""
    params: dict[str, str] = {}
    proxy = None
    nextgroup = _NEXTGROUP.search(text)
    if nextgroup and (href := _HREF.search(nextgroup.group(1))):
        link = htmllib.unescape(next(g for g in href.groups() if g is not None))
        parts = urlsplit(urljoin(base, link))
        proxy = f"{parts.scheme}://{parts.netloc}{parts.path}"
        params.update(parse_qsl(parts.query, keep_blank_values=True))
    ajax = _AJAX_PARAM.search(text) or _PARAM_VAR.search(text)
    if ajax:
        for key, value in _PAIR.findall(ajax.group(1)):
            params.setdefault(key, value.strip())
    if proxy is None:
        found = _PROXY.search(text)
        if found is None or "columnid" not in params:
            return None
        proxy = urljoin(base, found.group(1))
    for key in ("page", "startrecord", "endrecord", "perpage"):
        params.pop(key, None)
    return proxy, params


def _number(text: str | None, default: int) -> int:
    return int(text) if text and text.isdigit() and int(text) > 0 else default


def _range_url(proxy: str, params: dict[str, str], start: int, end: int, per: int) -> str:
    query = {"startrecord": str(start), "endrecord": str(end), "perpage": str(per), **params}
    return f"{proxy}?{urlencode(query)}"


def listing(text: str, url: str) -> Listing | None:
    if "<record" not in text and "dataproxy.jsp" not in text:
        return None
    items = [item for record in _RECORD.findall(text) if (item := _item(record, url))]
    parts = urlsplit(url)
    own = dict(parse_qsl(parts.query, keep_blank_values=True))
    total_match = _TOTAL.search(text)
    total = int(next(g for g in total_match.groups() if g)) if total_match else None
    if "startrecord" in own:  # a data proxy's answer: the column's parameters are our own
        proxy = f"{parts.scheme}://{parts.netloc}{parts.path}"
        params = {k: v for k, v in own.items() if k not in ("startrecord", "endrecord", "perpage")}
        per = _number(own.get("perpage"), DEFAULT_PER_PAGE)
        first = _number(own.get("startrecord"), 1)
        step = max(1, _number(own.get("endrecord"), first) - first + 1)
        start = first + step
    else:  # a column page: its embedded records are the first range
        found = _proxy_params(text, url)
        if found is None:
            return Listing(items=items, kind="hanweb records") if items else None
        proxy, params = found
        per_match, group_match = _PER_PAGE.search(text), _GROUP.search(text)
        per = int(per_match.group(1)) if per_match else DEFAULT_PER_PAGE
        group = int(group_match.group(1)) if group_match else DEFAULT_GROUP
        step = max(1, per * group)
        start = len(items) + 1
    if total is None:
        # No total given: ask for the next range while this one came full; its answer
        # gives the total.
        starts = [start] if len(items) >= step else []
    else:
        starts = list(range(start, min(total, MAX_RECORDS) + 1, step))
    pager = [_range_url(proxy, params, s, s + step - 1, per) for s in starts]
    return Listing(items=items, pager=pager, next=pager[0] if pager else None, kind="dataproxy.jsp")


PLATFORM = Platform(
    name="hanweb",
    title="大汉 Hanweb jcms",
    markers=(
        "/module/web/jpage/",
        "jpage.js",
        "/module/download/downfile.jsp",
        "<datastore>",
        "hanweb",
        "jcms",
        "/art/",
    ),
    address=r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html$|/col/col\d+/|dataproxy\.jsp",
    document_url=r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html$",
    body=("#zoom", "div.bt_content", "#barrierfree_container .main-txt"),
    folders=(
        "/art/",
        "/attach/",
        "/module/web/jpage/dataproxy.jsp",
        "/module/download/downfile.jsp",
    ),
    listing=listing,
)
