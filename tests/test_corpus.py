"""Accuracy on the labelled corpus of real pages, scored exactly as its README says.

The scoring lives in ``bench/accuracy.py`` (one implementation for the test and the bench).
The corpus is ``../shared/corpus`` from the project root, or ``$SCRAPER_CORPUS``.
"""

from __future__ import annotations

import codecs
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from urllib.parse import urljoin

import pytest
from selectolax.lexbor import LexborHTMLParser

from scraper.decode import decode_html
from scraper.extract import extract
from scraper.extract.body import find_list_items

ROOT = Path(__file__).resolve().parents[1]


def _load_accuracy() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_accuracy", ROOT / "bench" / "accuracy.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


accuracy = _load_accuracy()
CORPUS: Path = accuracy.default_corpus()

pytestmark = pytest.mark.skipif(
    not (CORPUS / "labels.jsonl").exists(),
    reason=f"corpus not found at {CORPUS} (set SCRAPER_CORPUS to its directory)",
)


@pytest.fixture(scope="module")
def pages() -> list[tuple[dict, bytes]]:
    return [
        (label, (CORPUS / "pages" / label["file"]).read_bytes())
        for label in accuracy.load_labels(CORPUS)
    ]


@pytest.fixture(scope="module")
def predictions(pages: list[tuple[dict, bytes]]) -> list[tuple[dict, dict]]:
    out = []
    for label, raw in pages:
        text = decode_html(raw).text  # raw bytes, no Content-Type: the page must say it
        out.append((label, extract(text, label.get("origin_url") or "").as_dict()))
    return out


def test_encoding_matches_labels(pages: list[tuple[dict, bytes]]) -> None:
    wrong = []
    for label, raw in pages:
        decoded = decode_html(raw)
        want = codecs.lookup(label["encoding"]).name
        if codecs.lookup(decoded.encoding).name != want:
            wrong.append(f"{label['file']}: {decoded.encoding} != {want}")
        declared = label.get("declared_charset")
        if declared and (decoded.declared or "").lower() != declared.lower():
            wrong.append(f"{label['file']}: declared {decoded.declared!r} != {declared!r}")
    assert not wrong, "\n".join(wrong)


def test_fields_meet_floors(predictions: list[tuple[dict, dict]]) -> None:
    rows, reports = [], []
    for label, pred in predictions:
        row = accuracy.score_page(label, pred)
        rows.append(row)
        if report := accuracy.page_report(label, pred, row):
            reports.append(report)
    summary = accuracy.summarise(rows)
    failed = accuracy.failures(summary)
    message = "\n".join(
        [
            "fields below their floor: " + "; ".join(failed),
            accuracy.format_table({"scraper": summary}),
        ]
        + reports
    )
    assert not failed, message


def test_list_pages_are_lists(predictions: list[tuple[dict, dict]]) -> None:
    kinds = {label["file"]: pred["kind"] for label, pred in predictions if label["kind"] == "list"}
    assert kinds and all(kind == "list" for kind in kinds.values()), kinds


def test_detail_pages_are_documents(predictions: list[tuple[dict, dict]]) -> None:
    kinds = {
        label["file"]: pred["kind"] for label, pred in predictions if label["kind"] == "detail"
    }
    assert all(kind == "document" for kind in kinds.values()), kinds


def test_no_furniture_in_any_body(predictions: list[tuple[dict, dict]]) -> None:
    dirty = {
        label["file"]: [w for w in accuracy.FURNITURE if w in accuracy.nows(pred["body_text"])]
        for label, pred in predictions
    }
    assert not {f: words for f, words in dirty.items() if words}


def test_extraction_is_deterministic(pages: list[tuple[dict, bytes]]) -> None:
    for label, raw in pages:
        text = decode_html(raw).text
        url = label.get("origin_url") or ""
        assert extract(text, url).as_dict() == extract(text, url).as_dict(), label["file"]


def test_list_items_match_the_labelled_listings(
    pages: list[tuple[dict, bytes]], predictions: list[tuple[dict, dict]]
) -> None:
    bodies = {label["file"]: pred["body_text"] for label, pred in predictions}
    checked = 0
    for label, raw in pages:
        if label["kind"] != "list":
            continue
        base = label.get("origin_url") or ""
        items = find_list_items(LexborHTMLParser(decode_html(raw).markup), base)
        assert len(items) == label["item_count"], label["file"]
        for got, want in ((items[0], label["first_item"]), (items[-1], label["last_item"])):
            assert (got["title"], got["date"]) == (want["title"], want["date"]), label["file"]
            assert got["url"] == (urljoin(base, want["href"]) if base else want["href"])
        # The list page's body is its listing, a line per entry.
        lines = bodies[label["file"]].splitlines()
        first = label["first_item"]
        assert len(lines) == label["item_count"]
        assert lines[0] == f"{first['date'] or '----------'}  {first['title']}"
        checked += 1
    assert checked >= 3
