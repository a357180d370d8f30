"""开普 Ucap: the body is ``#UCAP-CONTENT`` (www.gov.cn and the ministries and provinces on
the same platform); lists are ordinary links, paged by ``index_N`` addresses."""

from __future__ import annotations

from scraper.platforms import Platform

PLATFORM = Platform(
    name="ucap",
    title="开普 Ucap",
    markers=("UCAP-CONTENT", "ucap", "Ucap"),
    address="",  # content_N.htm is also other CMSs' (Founder's) article name
    document_url=r"/content_\d+\.s?html?$",
    body=("#UCAP-CONTENT",),
    signatures=('id="UCAP-CONTENT"',),
)
