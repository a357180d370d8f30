"""The bundled replica of a TRS disclosure site, for ``scraper demo``, the tests and the
benchmarks: the site and its server (:mod:`~scraper.replica.site`), its pages
(:mod:`~scraper.replica.pages`), its genuine attachment files (:mod:`~scraper.replica.files`)
and a static build of it for any web server (:mod:`~scraper.replica.static`)."""

from __future__ import annotations

from scraper.replica.site import ReplicaServer, ReplicaSite

__all__ = ["ReplicaServer", "ReplicaSite"]
