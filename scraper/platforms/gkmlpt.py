"""Guangdong's 政府信息公开 platform (gkmlpt), shared by the province's governments: the
section lives under ``/gkmlpt/``, articles at ``/gkmlpt/content/<a>/<b>/post_<id>.html``.

Its column pages are a script application; the lists come from a JSON API::

    /gkmlpt/api/all/{category}?page=N&sid=SID
    {"articles": [{"id": 5123456, "title": "…", "url": "http://…/post_5123456.html",
                   "publish_time": 1718064000, "identifier": "…", "document_number": "…"}, …],
     "total": 1234, …}

Category 0 is every category. The site's ``SID`` is in the page's script configuration.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from scraper.platforms import Item, Listing, Platform

_SID = re.compile(r"""\bSID\s*[:=]\s*['"]?(\d+)""")
_API = re.compile(r"/gkmlpt/api/all/(\d+)$")
MAX_PAGES = 5000  # every total comes from the answer; a corrupt one must not explode
_DATE_KEYS = ("publish_time", "first_publish_time", "date", "display_publish_time", "created_at")


def _date(value: object) -> str | None:
    if isinstance(value, int | float) and value > 0:
        seconds = value / 1000 if value > 10_000_000_000 else value
        # The platform's times are China Standard Time; the date shown is that day.
        return datetime.fromtimestamp(seconds + 8 * 3600, UTC).strftime("%Y-%m-%d")
    if isinstance(value, str):
        found = re.search(r"(\d{4})-(\d{1,2})-(\d{1,2})", value)
        if found:
            return f"{int(found[1]):04d}-{int(found[2]):02d}-{int(found[3]):02d}"
    return None


def _answer(text: str, url: str) -> Listing | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("articles"), list):
        return None
    items = []
    for article in data["articles"]:
        if not isinstance(article, dict) or not isinstance(article.get("url"), str):
            continue
        day = next((d for k in _DATE_KEYS if (d := _date(article.get(k)))), None)
        items.append(Item(urljoin(url, article["url"]), str(article.get("title") or ""), day))
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    page = int(query["page"]) if query.get("page", "").isdigit() else 1
    total = data.get("total")
    per = data.get("per_page") or data.get("page_size") or (len(items) if page == 1 else 0)
    pager: list[str] = []
    if isinstance(total, int) and isinstance(per, int) and per > 0:
        pages = min(math.ceil(total / per), MAX_PAGES)
        base = f"{parts.scheme}://{parts.netloc}{parts.path}"
        pager = [f"{base}?{urlencode({**query, 'page': str(n)})}" for n in range(2, pages + 1)]
        after = f"{base}?{urlencode({**query, 'page': str(page + 1)})}"
        return Listing(items, pager, after if page < pages else None, "gkmlpt JSON API")
    return Listing(items, pager, None, "gkmlpt JSON API")


def listing(text: str, url: str) -> Listing | None:
    path = urlsplit(url).path
    if _API.search(path):
        return _answer(text, url)
    sid = _SID.search(text)
    if sid is None or "/gkmlpt/" not in path + "/":
        return None
    first = urljoin(url, f"/gkmlpt/api/all/0?page=1&sid={sid.group(1)}")
    return Listing(pager=[first], next=first, kind="gkmlpt JSON API")


PLATFORM = Platform(
    name="gkmlpt",
    title="广东 政府信息公开 (gkmlpt)",
    markers=("gkmlpt", "/gkmlpt/api/"),
    address=r"/gkmlpt/",
    document_url=r"/gkmlpt/content/\d+/\d+/post_\d+\.html$",
    body=("div.article-content", "div.content-box .content", "#zoomcon"),
    folders=("/gkmlpt/", "/attachment/"),  # files live outside /gkmlpt/
    listing=listing,
    data_lists=r"/gkmlpt/api/all/\d+$",
)
