"""Pure extraction: decoded HTML and its URL in, fields out (stub: to be written)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

EXTRACTOR_VERSION = "0.1.0"


@dataclass
class ExtractRules:
    """Site-profile overrides (the ``[extract]`` table); generic rules apply when empty."""

    body: list[str] = field(default_factory=list)  # CSS selectors for the body container
    title: list[str] = field(default_factory=list)
    breadcrumb: list[str] = field(default_factory=list)
    document_url: str = r"/t\d{8}_\d+(?:_\d+)?\.s?html?$"  # regex: a URL that is a document
    drop: list[str] = field(default_factory=list)  # extra CSS selectors of furniture to remove


@dataclass
class Extracted:
    kind: str  # "document" | "list" | "other"
    title: str | None = None
    date: str | None = None  # YYYY-MM-DD
    source: str | None = None
    index_no: str | None = None
    doc_no: str | None = None
    breadcrumb: list[str] = field(default_factory=list)
    body_text: str = ""
    attachments: list[dict[str, str]] = field(default_factory=list)  # {"url": abs, "text": …}
    meta: dict[str, str] = field(default_factory=dict)  # every label read, e.g. {"索引号": …}

    def as_dict(self) -> dict:
        return asdict(self)


def extract(html: str, url: str, rules: ExtractRules | None = None) -> Extracted:
    raise NotImplementedError
