"""Replica disclosure sections of the other CMS families, one module each, served by the
same :class:`~scraper.replica.site.ReplicaServer` as the TRS replica::

    site = flavour("hanweb")
    with ReplicaServer(site) as server:
        httpx.get(server.base_url + site.start_path)
        site.retitle(site.documents_in(site.columns()[0])[0], "新标题")

    hanweb   大汉 jcms: /col/colN/ pages with embedded XML records, dataproxy.jsp ranges
    vsb      博达 VSB: /xxgk/<col>.htm then /xxgk/<col>/N.htm numbered in reverse, /info/ articles
    ucap     开普 Ucap (gov.cn): home.htm, home_N.htm link pagers, #UCAP-CONTENT bodies
    gkmlpt   广东 gkmlpt: a script application, the /gkmlpt/api/all/{category} JSON API

Each site offers the ground truth the TRS replica does (``start_path``,
``expected_documents()``, ``documents_in``, ``columns``, ``list_pages``,
``attachment_paths``) and the same mutations (``edit_body``, ``retitle``, ``delete``,
``add_documents``, ``change_footer``, ``bump_counters``), each one generation on the clock.
Each module's docstring is its site map.
"""

from __future__ import annotations

from scraper.replica.flavours.base import FlavourSite
from scraper.replica.flavours.gkmlpt import GkmlptSite
from scraper.replica.flavours.hanweb import HanwebSite
from scraper.replica.flavours.ucap import UcapSite
from scraper.replica.flavours.vsb import VsbSite

FLAVOURS: dict[str, type[FlavourSite]] = {
    "hanweb": HanwebSite,
    "vsb": VsbSite,
    "ucap": UcapSite,
    "gkmlpt": GkmlptSite,
}


def flavour(name: str) -> FlavourSite:
    """A fresh site of the family ``name`` (one of ``FLAVOURS``)."""
    try:
        return FLAVOURS[name]()
    except KeyError:
        raise KeyError(f"no flavour {name!r}; flavours: {', '.join(FLAVOURS)}") from None


__all__ = ["FLAVOURS", "FlavourSite", "GkmlptSite", "HanwebSite", "UcapSite", "VsbSite", "flavour"]
