"""Accuracy on the labelled corpus of real pages, scored exactly as its README says.

The scoring lives in ``bench/accuracy.py`` (one implementation for the test and the bench).
The corpus is ``../shared/corpus`` from the project root, or ``$SCRAPER_CORPUS``.
"""

from __future__ import annotations

import codecs
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from urllib.parse import urljoin

import pytest
from selectolax.lexbor import LexborHTMLParser

from scraper import platforms
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
    """The shared corpus and the project's own, tests/corpus."""
    return accuracy.load_pages(accuracy.default_corpora())


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


KNOWN = json.loads((ROOT / "tests" / "corpus" / "known_failures.json").read_text("utf-8"))[
    "failures"
]


def _scored(label: dict, pred: dict) -> dict:
    """The page's score without its known failures (tests/corpus/known_failures.json)."""
    row = accuracy.score_page(label, pred)
    return {k: v for k, v in row.items() if k not in KNOWN.get(label["file"], {})}


def test_known_failures_still_fail(predictions: list[tuple[dict, dict]]) -> None:
    """A known failure that comes out right must leave the list (and count again)."""
    fixed = []
    for label, pred in predictions:
        row = accuracy.score_page(label, pred)
        for field in KNOWN.get(label["file"], {}):
            if field in row and row[field] is not False:
                fixed.append(f"{label['file']} {field}")
    assert not fixed, "now right, delete from known_failures.json: " + ", ".join(fixed)


def test_fields_meet_floors(predictions: list[tuple[dict, dict]]) -> None:
    rows, reports = [], []
    for label, pred in predictions:
        row = _scored(label, pred)
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
    kinds = {
        label["file"]: pred["kind"]
        for label, pred in predictions
        if label["kind"] == "list" and "kind" not in KNOWN.get(label["file"], {})
    }
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
        if label["kind"] != "list" or KNOWN.get(label["file"]):
            continue
        base = label.get("origin_url") or ""
        text = decode_html(raw).markup
        _, data = platforms.listing(decode_html(raw).text, base)
        items = (
            [{"url": i.url, "title": i.title, "date": i.date} for i in data.items]
            if data is not None and data.items  # a list served as data: Hanweb's records
            else find_list_items(LexborHTMLParser(text), base)
        )
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


def test_fields_meet_floors_in_every_family(predictions: list[tuple[dict, dict]]) -> None:
    """The same floors, family by family, for every field a family has at least
    FAMILY_MIN_VALUES labelled values of (fewer say too little to hold a family to)."""
    families: dict[str, list[dict]] = {}
    for label, pred in predictions:
        families.setdefault(label["platform"], []).append(_scored(label, pred))
    failed = []
    for family, rows in families.items():
        summary = {
            field: cell
            for field, cell in accuracy.summarise(rows).items()
            if cell[1] >= FAMILY_MIN_VALUES
        }
        failed += [f"{family}: {problem}" for problem in accuracy.failures(summary)]
    assert not failed, "; ".join(failed)


FAMILY_MIN_VALUES = 20
