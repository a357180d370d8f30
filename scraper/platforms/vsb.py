"""博达 VSB (Visual SiteBuilder): articles at ``/info/<col>/<id>.htm``, outside the section's
folder; files through ``/system/_content/download.jsp?…&wbfileid=…`` or
``…/virtual_attach_file.vsb?afc=…``, named only by the link text.

A column's list is ``/<col>.htm``; its later pages are ``/<col>/N.htm``, numbered in
reverse: page 2 is the highest N and ``1.htm`` holds the oldest items, so a new item shifts
every page's number. The pager shows ``共N条 1/M 首页 上页 下页 尾页``; page 1's 下页 link
names page 2, ``<col>/(M-1).htm``, which gives every page's address at once.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from scraper.platforms import Listing, Platform

_HREF = re.compile(r"""href\s*=\s*["']?([^"'\s>]+\.htm)["'\s>]""", re.I)
# 共17条&nbsp;&nbsp;1/2, and the 转到 box's _simple_list_gotopage_fun(2, 'a159419GOPAGE', 2)
_OF_PAGES = re.compile(r"共\s*\d+\s*条(?:&nbsp;|\s|\u00a0)*(\d{1,5})\s*/\s*(\d{1,5})")
_GOTO = re.compile(r"_simple_list_gotopage_fun\(\s*(\d{1,5})\s*,")
_OWN = re.compile(r"^(?P<dir>.*?/)(?:(?P<folder>[^/]+)/(?P<n>\d+)|(?P<stem>[^/]+))\.htm$")
MAX_PAGES = 2000  # every total comes from the page itself; a corrupt one must not explode


def listing(text: str, url: str) -> Listing | None:
    """The reverse-numbered pages of a column list, from page 1's pager or any later one's."""
    if "共" not in text or ("下页" not in text and "尾页" not in text and "下一页" not in text):
        return None
    parts = urlsplit(url)
    own = _OWN.match(parts.path)
    if own is None:
        return None
    numbered = own["n"] is not None
    if numbered:
        # …/tzgg/5.htm: the column is …/tzgg.htm, the folder …/tzgg/
        folder_path = f"{own['dir']}{own['folder']}/"
        first_path = f"{own['dir']}{own['folder']}.htm"
    else:
        folder_path = f"{own['dir']}{own['stem']}/"
        first_path = parts.path
    origin = f"{parts.scheme}://{parts.netloc}"
    numbers = set()
    for href in _HREF.findall(text):
        target = urlsplit(urljoin(url, href))
        if target.netloc != parts.netloc or not target.path.startswith(folder_path):
            continue
        rest = target.path[len(folder_path) :]
        if rest[:-4].isdigit() and rest.endswith(".htm"):
            numbers.add(int(rest[:-4]))
    if not numbers:
        return None
    highest = max(numbers)
    if not numbered:
        # Page 1 of M: its 下页 names M-1, and "1/M" says M; trust the larger.
        shown = [int(m) for k, m in _OF_PAGES.findall(text) if k == "1"]
        shown += [int(m) for m in _GOTO.findall(text)]
        highest = max([highest, *(m - 1 for m in shown)])
    highest = min(highest, MAX_PAGES)
    pager = [f"{origin}{folder_path}{n}.htm" for n in range(highest, 0, -1)]
    if numbered:
        pager.insert(0, origin + first_path)
        current = int(own["n"])
        after = f"{origin}{folder_path}{current - 1}.htm" if current > 1 else None
    else:
        after = pager[0] if pager else None
    return Listing(pager=pager, next=after, kind="reverse-numbered pages")


def section(start_url: str) -> list[str]:
    """``/xxgk.htm`` is a section whose pages live in ``/xxgk/``: both, not the site root."""
    parts = urlsplit(start_url)
    name = parts.path.rsplit("/", 1)[-1]
    if not name.endswith(".htm") or name.startswith("index."):
        return []
    base = f"{parts.scheme}://{parts.netloc}{parts.path[: -len('.htm')]}"
    return [base + ".htm", base + "/"]


PLATFORM = Platform(
    name="vsb",
    title="博达 VSB",
    markers=(
        "vsb_content",
        "_newscontent_fromname",
        "virtual_attach_file.vsb",
        "/system/resource/",
        "Visual SiteBuilder",
        "_showDynClicks",
        "/system/_content/download.jsp",
        "pb_sys_common",
    ),
    address=r"/info/\d+/\d+\.htm$",
    document_url=r"/info/\d+/\d+\.htm$",
    body=("#vsb_content", "div.v_news_content", "form[name=_newscontent_fromname]"),
    folders=("/info/", "/system/_content/download.jsp", "/virtual_attach_file.vsb"),
    listing=listing,
    section=section,
)
