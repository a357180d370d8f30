"""Per-field accuracy on the labelled corpus: scraper side by side with trafilatura.

Usage::

    python bench/accuracy.py [--corpus PATH] [--repeat N]

The scoring functions here are the single implementation of the corpus README's rules;
``tests/test_corpus.py`` imports this file and applies the same functions.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Whitespace as the README defines it: Unicode spaces incl. U+3000 and U+00A0, zero-width
# characters and the BOM.
_WS_RE = re.compile(r"[\s\u3000\u00a0\u200b\u200c\u200d\u2060\ufeff]+")
FURNITURE = ("字号", "扫一扫", "分享至", "打印本页", "关闭窗口", "用微信扫描")
BODY_WINDOW = 70
FIELDS = (
    "kind",
    "title",
    "date",
    "source",
    "index_no",
    "doc_no",
    "body_start",
    "body_end",
    "no_furniture",
    "attachments",
)
FLOORS = {
    "kind": 1.0,
    "title": 0.98,
    "date": 0.98,
    "source": 0.95,
    "index_no": 0.95,
    "doc_no": 0.95,
    "body_start": 0.95,
    "body_end": 0.95,
    "no_furniture": 1.0,
    "attachments": 0.95,
}


PROJECT_CORPUS = ROOT / "tests" / "corpus"


def default_corpus() -> Path:
    env = os.environ.get("SCRAPER_CORPUS")
    if env:
        return Path(env)
    return ROOT.parent / "shared" / "corpus"


def default_corpora() -> list[Path]:
    """The shared corpus and the project's own (tests/corpus), where they exist."""
    return [c for c in (default_corpus(), PROJECT_CORPUS) if _label_files(c)]


def _label_files(corpus: Path) -> list[Path]:
    """A corpus's labels: ``labels.jsonl`` and/or one file per collector in ``labels/``."""
    files = [corpus / "labels.jsonl"] if (corpus / "labels.jsonl").exists() else []
    return files + sorted((corpus / "labels").glob("*.jsonl"))


def load_labels(corpus: Path) -> list[dict[str, Any]]:
    """Every label of one corpus, each with the family it belongs to: the label's own
    ``platform``, else the hand-made map ``families.json`` of the project's corpus (the
    shared corpus's labels name none), else "other"."""
    families = _families()
    labels = []
    for path in _label_files(corpus):
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    label = json.loads(line)
                    label.setdefault("platform", families.get(label["file"], "other"))
                    label["_corpus"] = str(corpus)
                    labels.append(label)
    return labels


def _families() -> dict[str, str]:
    path = PROJECT_CORPUS / "families.json"
    return json.loads(path.read_text(encoding="utf-8"))["pages"] if path.exists() else {}


def nows(text: str | None) -> str:
    return _WS_RE.sub("", text or "")


def _matches(pred: str | None, label: Mapping[str, Any], name: str) -> bool:
    accepted = [label.get(name)] + list((label.get("alternatives") or {}).get(name, []))
    return any(
        (pred is None and want is None)
        or (pred is not None and want is not None and nows(pred) == nows(want))
        for want in accepted
    )


def _resolve(href: str, base: str | None) -> str:
    href = re.sub(r"[\t\r\n]", "", href).strip()
    return urljoin(base, href) if base else href


def score_page(label: Mapping[str, Any], pred: Mapping[str, Any]) -> dict[str, Any]:
    """Score one page. ``pred`` has the keys of ``Extracted.as_dict()`` (any may be missing).

    Booleans per field, None where the README says the field is not scored; attachments
    are counted as ``attachments_found`` / ``attachments_total``.
    """
    row: dict[str, Any] = {name: None for name in FIELDS}
    want_kind = "document" if label.get("kind") == "detail" else label.get("kind")
    if "kind" in pred:
        row["kind"] = pred.get("kind") == want_kind
    body = nows(pred.get("body_text"))
    row["no_furniture"] = not any(word in body for word in FURNITURE)
    row["attachments_found"] = row["attachments_total"] = 0
    if label.get("kind") != "detail":
        return row

    for name in ("title", "source"):
        if label.get(name) is not None:
            row[name] = _matches(pred.get(name), label, name)
    if label.get("date") is not None:
        row["date"] = pred.get("date") == label["date"]
    for name in ("index_no", "doc_no"):  # scored everywhere: null means "outputs nothing"
        row[name] = _matches(pred.get(name), label, name)

    alternatives = label.get("alternatives") or {}
    if label.get("body_first") is not None:
        firsts = [label["body_first"], *alternatives.get("body_first", [])]
        row["body_start"] = any(nows(f) in body[:BODY_WINDOW] for f in firsts)
    if label.get("body_last") is not None:
        lasts = [label["body_last"], *alternatives.get("body_last", [])]
        row["body_end"] = any(nows(t) in body[-BODY_WINDOW:] for t in lasts)

    wanted = {_resolve(h, label.get("origin_url")) for h in label.get("attachments") or []}
    got = {
        (a.get("url") if isinstance(a, Mapping) else str(a)) or ""
        for a in pred.get("attachments") or []
    }
    row["attachments_total"] = len(wanted)
    row["attachments_found"] = len(wanted & got)
    row["attachments"] = (wanted <= got) if wanted else None
    return row


def summarise(rows: Iterable[Mapping[str, Any]]) -> dict[str, tuple[int, int]]:
    """field → (right, scored). Attachments count labelled links, not pages."""
    rows = list(rows)
    out: dict[str, tuple[int, int]] = {}
    for name in FIELDS:
        if name == "attachments":
            out[name] = (
                sum(r["attachments_found"] for r in rows),
                sum(r["attachments_total"] for r in rows),
            )
            continue
        scored = [r[name] for r in rows if r.get(name) is not None]
        out[name] = (sum(1 for ok in scored if ok), len(scored))
    return out


def failures(summary: Mapping[str, tuple[int, int]]) -> list[str]:
    bad = []
    for name, floor in FLOORS.items():
        right, total = summary.get(name, (0, 0))
        if total and right / total < floor:
            bad.append(f"{name}: {right}/{total} < {floor:.0%}")
    return bad


def _pct(cell: tuple[int, int]) -> str:
    right, total = cell
    return f"{right / total:.1%} ({right}/{total})" if total else "n/a"


def format_table(columns: Mapping[str, Mapping[str, tuple[int, int]]]) -> str:
    names = list(columns)
    lines = [
        "| field | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for field in FIELDS:
        lines.append(
            f"| {field} | " + " | ".join(_pct(columns[n].get(field, (0, 0))) for n in names) + " |"
        )
    return "\n".join(lines)


def page_report(label: Mapping[str, Any], pred: Mapping[str, Any], row: Mapping[str, Any]) -> str:
    """One line per wrong field, for failure messages."""
    out = []
    for name in FIELDS:
        if row.get(name) is False:
            got: Any
            want: Any
            if name == "body_start":
                got, want = nows(pred.get("body_text"))[:BODY_WINDOW], label.get("body_first")
            elif name == "body_end":
                got, want = nows(pred.get("body_text"))[-BODY_WINDOW:], label.get("body_last")
            elif name == "no_furniture":
                body = nows(pred.get("body_text"))
                got, want = [w for w in FURNITURE if w in body], []
            elif name == "attachments":
                got = [a.get("url") for a in pred.get("attachments") or []]
                want = label.get("attachments")
            else:
                got, want = pred.get(name), label.get(name)
            out.append(f"  {label['file']} {name}: got {got!r} want {want!r}")
    return "\n".join(out)


# --------------------------------------------------------------------------- the two tools


def scraper_predict(label: Mapping[str, Any], raw: bytes) -> dict[str, Any]:
    from scraper.decode import decode_html
    from scraper.extract import extract

    decoded = decode_html(raw)
    return extract(decoded.markup, label.get("origin_url") or "").as_dict()


def trafilatura_predict(label: Mapping[str, Any], raw: bytes) -> dict[str, Any]:
    import trafilatura

    doc = trafilatura.bare_extraction(raw, url=label.get("origin_url"), with_metadata=True)
    data = doc.as_dict() if doc is not None and hasattr(doc, "as_dict") else (doc or {})
    return {
        "title": data.get("title"),
        "date": data.get("date"),
        "source": data.get("author") or data.get("sitename"),
        "index_no": None,
        "doc_no": None,
        "body_text": data.get("text") or "",
        "attachments": [],
    }


Predictor = Callable[[Mapping[str, Any], bytes], Mapping[str, Any]]
Pages = list[tuple[dict[str, Any], bytes]]  # (label, the page's bytes as saved)


def load_pages(corpora: Path | Iterable[Path], exclude: Iterable[str] = ()) -> Pages:
    skip = set(exclude)
    dirs = [corpora] if isinstance(corpora, Path) else list(corpora)
    return [
        (label, (corpus / "pages" / label["file"]).read_bytes())
        for corpus in dirs
        for label in load_labels(corpus)
        if label["file"] not in skip
    ]


def _host(label: Mapping[str, Any]) -> str:
    from urllib.parse import urlsplit

    return urlsplit(label.get("origin_url") or "").netloc or label["file"]


def by_family(rows: list[dict[str, Any]], pages: Pages) -> dict[str, list[dict[str, Any]]]:
    family = {label["file"]: label["platform"] for label, _ in pages}
    out: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        out.setdefault(family[row["file"]], []).append(row)
    return dict(sorted(out.items()))


def score(pages: Pages, predict: Predictor) -> list[dict[str, Any]]:
    """Every page predicted once and scored."""
    rows = []
    for label, raw in pages:
        row = score_page(label, predict(label, raw))
        row["file"] = label["file"]
        rows.append(row)
    return rows


def warmup_pages() -> Pages:
    """Pages outside the corpus (the replica district's), run through each tool before a
    first-sight pass so that what it has kept about the corpus is pushed further out."""
    from scraper.replica import ReplicaSite

    site = ReplicaSite(extra_docs_per_column=2)
    pages = []
    for path in site.html_paths():
        answer = site.respond("GET", path)
        if answer.status == 200:
            pages.append(({"origin_url": f"http://www.hongsibu.gov.cn{path}"}, answer.body))
    return pages


def forget_pages() -> bool:
    """Empty the LRU caches trafilatura keeps between pages: htmldate's of dates it has
    parsed (what makes a repeated pass faster), its own of strings it has cleaned, and a
    few tables it rebuilds from them (stop lists, charset_normalizer's; rebuilding those
    measures as nothing). scraper keeps no cache. False when this trafilatura has no
    ``reset_caches``."""
    try:
        from trafilatura.meta import reset_caches
    except ImportError:
        return False
    reset_caches()
    return True


def speeds(
    pages: Pages, predictors: Mapping[str, Predictor], repeat: int, first_sight: bool
) -> dict[str, float]:
    """Pages per second of each predictor: the fastest of ``repeat`` timed passes over the
    pages, with the garbage collector off while a pass runs (both timeit's conventions:
    on a shared machine the slower passes measure the neighbours, and a collection
    measures whatever else the process holds, not the code). The tools take turns, pass
    by pass, so that a busy spell on the machine falls on both rather than on one.

    ``first_sight``: before each pass the tools forget the pages and warm up on others,
    so that every pass reads the corpus as a crawl does, each page for the first time.
    Otherwise each pass repeats the last, and caches keyed by a page's strings answer."""
    # What a tool loads once per process, on the first page that needs it (dateparser's
    # language data: over a second), is loaded before any timing.
    for predict in predictors.values():
        for label, raw in pages:
            predict(label, raw)
    warmup = warmup_pages() if first_sight else []
    best = dict.fromkeys(predictors, float("inf"))
    for _ in range(repeat):
        for name, predict in predictors.items():
            if first_sight:
                forget_pages()
                for label, raw in warmup:
                    predict(label, raw)
            gc.collect()
            gc.disable()
            try:
                started = time.perf_counter()
                for label, raw in pages:
                    predict(label, raw)
                best[name] = min(best[name], time.perf_counter() - started)
            finally:
                gc.enable()
    return {name: len(pages) / t if t else float("inf") for name, t in best.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--corpus",
        type=Path,
        action="append",
        help="a corpus directory (repeatable; default: ../shared/corpus and tests/corpus)",
    )
    parser.add_argument(
        "--repeat", type=int, default=7, help="timed passes over the corpus (the best counts)"
    )
    parser.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="FILE",
        help="leave this corpus page out (repeatable): how much one page moves the figures",
    )
    args = parser.parse_args(argv)
    corpora = args.corpus or default_corpora()
    if not corpora or not all(_label_files(c) for c in corpora):
        print(f"no corpus at {corpora} (set --corpus or SCRAPER_CORPUS)", file=sys.stderr)
        return 0

    import logging

    logging.disable(logging.WARNING)  # trafilatura is chatty about short pages
    pages = load_pages(corpora, args.exclude)
    tools = {"scraper": scraper_predict, "trafilatura": trafilatura_predict}
    scored = {name: score(pages, predict) for name, predict in tools.items()}
    columns = {name: summarise(rows) for name, rows in scored.items()}
    first = speeds(pages, tools, args.repeat, first_sight=True)
    again = speeds(pages, tools, args.repeat, first_sight=False)
    where = " + ".join(str(c) for c in corpora)
    sites = len(
        {label.get("site") or _host(label) for label, _ in pages if label["kind"] == "detail"}
    )
    details = sum(1 for label, _ in pages if label["kind"] == "detail")
    print(f"Corpus: {where} ({len(pages)} pages: {details} detail pages from {sites} sites; "
          f"best of {args.repeat} timed passes each)\n")  # fmt: skip
    print(format_table(columns))
    families = {name: by_family(rows, pages) for name, rows in scored.items()}
    for family in families["scraper"]:
        count = sum(1 for label, _ in pages if label["platform"] == family)
        print(f"\nFamily {family} ({count} pages)\n")
        print(format_table({n: summarise(families[n][family]) for n in tools}))
    rows = [("pages/s, same pages again", again)]
    if forget_pages():
        rows.insert(0, ("pages/s, first sight", first))
    else:
        print("(this trafilatura has no reset_caches: no first-sight figure)", file=sys.stderr)
    for title, rate in rows:
        print(f"| {title} | " + " | ".join(f"{rate[n]:.1f}" for n in columns) + " |")
    print()
    for title, rate in rows:
        ratio = rate["scraper"] / rate["trafilatura"]
        print(f"{title.removeprefix('pages/s, ')}: scraper is {ratio:.1f}× trafilatura's pages/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
