"""``scraper extract``: the crawler's decoding and extraction on one saved file or one live
URL, outside the archive. No click."""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Any

from scraper.errors import ConfigError


def extract_one(
    path_or_url: str,
    page_url: str | None,
    encoding: str | None,
    site: str | None,
    *,
    allow_private: bool = False,
) -> dict[str, Any]:
    """The fields of one page, with its URL, the encoding it was read in and the extractor
    version. A misspelt ``encoding`` raises LookupError, an unreadable page DecodeError; a
    URL whose host name is private without ``allow_private``, PrivateAddress."""
    from scraper import config
    from scraper.decode import decode_html
    from scraper.extract import EXTRACTOR_VERSION, extract

    content_type = None
    if encoding:
        codecs.lookup(encoding)  # a misspelt codec is bad usage, not an unreadable page
    rules = None
    if site:
        rules = config.build(*config.layered(site)).extract
    if path_or_url.startswith(("http://", "https://")):
        from scraper.fetch import download

        flags = {"allow_private": True} if allow_private else {}
        settings = config.resolve(start_urls=(path_or_url,), flags=flags).fetch
        raw, content_type, final = download(path_or_url, settings)
        page_url = page_url or final
    else:
        try:
            raw = Path(path_or_url).read_bytes()
        except OSError as exc:
            raise ConfigError(f"cannot read {path_or_url}: {exc.strerror}") from exc
        page_url = page_url or Path(path_or_url).resolve().as_uri()
    decoded = decode_html(raw, content_type, override=encoding)
    fields = extract(decoded.markup, page_url, rules).as_dict()
    return {
        "url": page_url,
        **fields,
        "encoding": decoded.encoding,
        "extractor_version": EXTRACTOR_VERSION,
    }
