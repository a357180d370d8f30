"""Search benchmark: issue 9's targets on a generated archive built from real sentences.

Usage::

    python bench/search.py [--docs 20000] [--queries 1500] [--http-sample 200] [--keep DIR]

1. Builds an archive of ``--docs`` generated pages (documents, some ``other`` pages and
   attachment files) whose text comes from the labelled corpus (``SCRAPER_CORPUS``, default
   ../shared/corpus): the corpus pages are extracted with ``scraper.extract``, their bodies
   split into sentences, and each generated body is composed of random sentences up to a
   length drawn from the corpus bodies' own lengths. Titles are sentence pieces of 10–40
   characters, sources and breadcrumbs come from the corpus, dates span 2015–2026. Every
   page goes through ``archive.save_snapshot`` (the index is built on the write path, as in a
   crawl); ``archive.reindex_search`` is timed after.
2. Sizes the search index (every ``search_index*`` table, from ``dbstat``) against the old
   trigram ``versions_fts`` built on a copy of the same archive.
3. Times ``scraper.search.search`` (top 20 with snippets and the total) on a read-only
   connection over the property test's query mix: substrings of 1–20 characters of titles and
   bodies, Latin letters and digits, mixed two-term queries, and strings that occur nowhere.
4. Times the canned Datasette ``search`` over HTTP, started with ``scraper serve`` (skipped,
   with a note, when that command does not exist yet).

Prints the machine, the figures and the targets as pass/fail lines, and the slowest queries.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import platform
import random
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scraper import archive, searchtext  # noqa: E402
from scraper.archive import search as search_mod  # noqa: E402
from scraper.decode import decode_html  # noqa: E402
from scraper.extract import extract  # noqa: E402

SITE = "bench"
DB_NAME = "searchbench"  # the archive's file stem: Datasette's database name
TARGET_ONE_MS = 100.0
TARGET_MULTI_MS = 50.0
TARGET_HTTP_MS = 300.0
_SENTENCE_END = re.compile(r"(?<=[。！？；])|\n+")
_LATIN = re.compile(r"[0-9A-Za-z][0-9A-Za-z.%]*")
_PUNCT_EDGE = "，。、；：！？,.;:!?（）()《》“”\"' \u3000"
SCRIPTS = ("2016 年报", "国办发〔2019〕", "公开", "预算", "年报", "县")


def default_corpus() -> Path:
    env = os.environ.get("SCRAPER_CORPUS")
    if env:
        return Path(env)
    return ROOT.parent / "shared" / "corpus"


# -- the corpus ---------------------------------------------------------------------------


@dataclass
class Corpus:
    sentences: list[str]
    lengths: list[int]  # body lengths of the corpus's detail pages (characters)
    sources: list[str]
    breadcrumbs: list[list[str]]


def load_corpus(path: Path) -> Corpus:
    sentences: dict[str, None] = {}
    lengths: list[int] = []
    sources: dict[str, None] = {}
    crumbs: list[list[str]] = []
    with (path / "labels.jsonl").open(encoding="utf-8") as fh:
        labels = [json.loads(line) for line in fh if line.strip()]
    for label in labels:
        raw = (path / "pages" / label["file"]).read_bytes()
        try:
            markup: str | bytes = decode_html(raw).markup
        except Exception:  # noqa: BLE001 - an unreadable page just gives no sentences
            markup = raw
        got = extract(markup, url=label.get("origin_url") or "").as_dict()
        if label.get("kind") != "detail" or got.get("kind") != "document":
            continue
        body = got.get("body_text") or ""
        if body:
            lengths.append(len(body))
        for piece in _SENTENCE_END.split(body):
            piece = piece.strip()
            if len(piece) >= 4:
                sentences[piece] = None
        for name in (label.get("source"), got.get("source")):
            if name:
                sources[name] = None
        crumb = [c for c in got.get("breadcrumb") or [] if c and c != "hide" and len(c) <= 20]
        if crumb:
            crumbs.append(crumb)
    if not sentences or not lengths:
        sys.exit(f"no document bodies found in {path}")
    return Corpus(list(sentences), lengths, list(sources) or ["办公室"], crumbs or [["首页"]])


# -- the generated archive ----------------------------------------------------------------


@dataclass
class Doc:
    url: str
    kind: str
    fields: dict[str, Any]


def _trim(text: str) -> str:
    return text.strip(_PUNCT_EDGE)


class Generator:
    def __init__(self, corpus: Corpus, rng: random.Random) -> None:
        self.corpus = corpus
        self.rng = rng
        self.start = date(2015, 1, 1)
        self.days = (date(2026, 12, 31) - self.start).days

    def body(self) -> str:
        rng = self.rng
        target = max(20, int(rng.choice(self.corpus.lengths) * rng.uniform(0.7, 1.3)))
        paragraphs: list[str] = []
        para: list[str] = []
        size = 0
        while size < target:
            sentence = rng.choice(self.corpus.sentences)
            para.append(sentence)
            size += len(sentence)
            if rng.random() < 0.3:
                paragraphs.append("".join(para))
                para = []
        if para:
            paragraphs.append("".join(para))
        return "\n".join(paragraphs)

    def title(self, low: int = 10, high: int = 40) -> str:
        rng = self.rng
        text = ""
        while len(_trim(text)) < low:
            text += rng.choice(self.corpus.sentences)
        text = _trim(text)
        size = rng.randint(low, min(high, len(text)))
        start = rng.randint(0, len(text) - size)
        return _trim(text[start : start + size]) or text[:size]

    def day(self) -> date:
        return self.start + timedelta(days=self.rng.randint(0, self.days))

    def doc_no(self, when: date) -> str | None:
        rng = self.rng
        if rng.random() < 0.5:
            return None
        prefix = rng.choice(["红政发", "红政办发", "国办发", "财预", "统字", "宁政规发"])
        return f"{prefix}〔{when.year}〕{rng.randint(1, 150)}号"

    def make(self, number: int) -> Doc:
        rng = self.rng
        roll = rng.random()
        kind = "document" if roll < 0.88 else "other" if roll < 0.95 else "attachment"
        when = self.day()
        column = rng.choice(self.corpus.breadcrumbs)
        base = f"https://www.bench.gov.cn/xxgk/c{zlib.crc32('/'.join(column).encode()) % 97}"
        if kind == "attachment":
            title = self.title(8, 30) + rng.choice([".pdf", ".docx", ".xls"])
            body = self.body() if rng.random() < 0.8 else ""
            return Doc(
                f"{base}/{when:%Y%m}/P0{when:%Y%m%d}{number:06d}.pdf",
                kind,
                {"title": title, "body_text": body, "meta": {"file_name": title}},
            )
        dated = kind == "document" or rng.random() < 0.5
        fields: dict[str, Any] = {
            "title": self.title(),
            "date": when.isoformat() if dated else None,
            "source": rng.choice(self.corpus.sources) if rng.random() < 0.9 else None,
            "index_no": f"11640300MB{rng.randint(0, 9999999):07d}/{when.year}-{number:05d}",
            "doc_no": self.doc_no(when) if kind == "document" else None,
            "breadcrumb": column,
            "body_text": self.body(),
            "attachments": [],
        }
        return Doc(f"{base}/{when:%Y%m}/t{when:%Y%m%d}_{number}.html", kind, fields)


def build_archive(path: Path, docs: list[Doc], batch: int = 500) -> float:
    """Write ``docs`` through archive.save_snapshot, ``batch`` pages a transaction; seconds."""
    db = archive.open_db(path)
    run_id = archive.start_run(db, SITE, "full", os.getpid(), "bench/search.py")
    t0 = time.perf_counter()
    for at in range(0, len(docs), batch):
        with archive.writing(db):
            for doc in docs[at : at + batch]:
                raw = f"<html><title>{doc.fields.get('title') or ''}</title></html>".encode()
                digest = None
                if doc.kind == "attachment":
                    digest = hashlib.sha256((doc.fields.get("body_text") or doc.url).encode())
                snap = archive.Snapshot(
                    url=doc.url,
                    first_url=doc.url,
                    kind=doc.kind,
                    fields=doc.fields,
                    raw=raw,
                    fetched_at="2026-05-01T00:00:00Z",
                    encoding="utf-8",
                    extractor_version="bench",
                    digest=digest.hexdigest() if digest else None,
                )
                archive.save_snapshot(db, snap, run_id, SITE)
    elapsed = time.perf_counter() - t0
    archive.finish_run(db, run_id, {"new_pages": len(docs)}, "completed", 0)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return elapsed


def index_bytes(conn: sqlite3.Connection, prefix: str) -> int:
    """Bytes of the tables named ``prefix…``; ``search_index`` means every table of the
    search index (search_index, search_titles, search_history, their shadows, the format),
    plus the index on versions.date that its newest-first ordering reads."""
    if prefix == "search_index":
        names = [*search_mod.TABLES, "idx_versions_date"]
        row = conn.execute(
            f"SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name IN ({', '.join('?' * len(names))})",
            names,
        ).fetchone()
        return int(row[0])
    row = conn.execute(
        "SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name LIKE ?", [prefix + "%"]
    ).fetchone()
    return int(row[0])


def trigram_copy(path: Path, copy: Path) -> tuple[float, int]:
    """The old index (trigram versions_fts on title and body_text) on a copy: (s, bytes)."""
    shutil.copyfile(path, copy)
    conn = sqlite3.connect(copy)
    t0 = time.perf_counter()
    conn.execute(
        "CREATE VIRTUAL TABLE versions_fts USING fts5(title, body_text, content='versions', "
        "content_rowid='id', tokenize='trigram')"
    )
    conn.execute("INSERT INTO versions_fts(versions_fts) VALUES('rebuild')")
    conn.commit()
    elapsed = time.perf_counter() - t0
    size = index_bytes(conn, "versions_fts")
    conn.close()
    return elapsed, size


# -- the query mix ------------------------------------------------------------------------


def _texts(doc: Doc) -> list[str]:
    f = doc.fields
    return [t for t in (f.get("title"), f.get("body_text")) if t]


def _haystack(docs: list[Doc]) -> str:
    """Every indexed field of every page, folded, separated by NUL (no term spans two)."""
    parts: list[str] = []
    for doc in docs:
        f = doc.fields
        parts += [f.get("title") or "", f.get("source") or "", f.get("doc_no") or ""]
        parts += list(f.get("breadcrumb") or [])
        parts.append(f.get("body_text") or "")
    return searchtext.fold("\x00".join(parts))


def _length(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.25:
        return 1
    if roll < 0.45:
        return 2
    if roll < 0.65:
        return rng.randint(3, 4)
    return rng.randint(5, 20)


def _substring(rng: random.Random, text: str, size: int) -> str:
    folded = searchtext.fold(text)
    if not folded:
        return ""
    size = min(size, len(folded))
    start = rng.randint(0, len(folded) - size)
    return folded[start : start + size]


def make_queries(docs: list[Doc], count: int, rng: random.Random) -> list[str]:
    haystack = _haystack(docs)
    charset = sorted(set(haystack) - {"\x00"})
    cjk = [c for c in charset if "\u4e00" <= c <= "\u9fff"]
    out: list[str] = list(SCRIPTS)
    while len(out) < count:
        roll = rng.random()
        doc = rng.choice(docs)
        texts = _texts(doc)
        if not texts:
            continue
        if roll < 0.35:  # a body substring
            q = _substring(rng, texts[-1], _length(rng))
        elif roll < 0.55:  # a title substring
            q = _substring(rng, texts[0], _length(rng))
        elif roll < 0.65:  # Latin letters and digits (case as written)
            runs = [m.group() for t in texts for m in _LATIN.finditer(t)]
            if not runs:
                continue
            run = rng.choice(runs)
            size = rng.randint(1, min(20, len(run)))
            at = rng.randint(0, len(run) - size)
            q = run[at : at + size]
        elif roll < 0.75:  # two terms of one page: Latin/digits + Chinese ('2016 年报')
            runs = [m.group() for t in texts for m in _LATIN.finditer(t)]
            word = rng.choice(runs) if runs else _substring(rng, texts[-1], rng.randint(1, 3))
            q = f"{word[:8]} {_substring(rng, rng.choice(texts), rng.randint(1, 4))}"
        elif roll < 0.80:  # a one-character string that occurs nowhere
            q = chr(rng.randint(0x4E00, 0x9FA5))
            if q in charset:
                continue
        elif roll < 0.90:  # random combinations of the archive's own characters, absent
            q = "".join(rng.choice(cjk) for _ in range(rng.randint(2, 6)))
            if q in haystack:
                continue
        else:  # two real pieces joined, absent as a whole (every bigram may exist)
            a = _substring(rng, rng.choice(texts), rng.randint(1, 5))
            b = _substring(rng, rng.choice(_texts(rng.choice(docs)) or ["x"]), rng.randint(1, 5))
            q = a + b
            if len(q) > 20 or q in haystack:
                continue
        q = q.strip()
        if q and len(searchtext.fold(q)) <= 20 and searchtext.try_parse(q) is not None:
            out.append(q)
    return out


# -- timing -------------------------------------------------------------------------------


@dataclass
class Timing:
    query: str
    chars: int  # folded characters, all terms
    longest: int  # the longest term
    total: int  # matches (library) or rows (HTTP)
    ms: float
    extra: dict[str, Any] = field(default_factory=dict)
    cpu_ms: float | None = None  # this process's CPU time (library only)


def time_library(path: Path, queries: Sequence[str], repeat: int) -> list[Timing]:
    """Each query once to warm up, then ``repeat`` timed passes over the whole mix (the
    garbage collector off, as timeit does); a query's time is its fastest pass, which
    filters out what other processes on the machine cost it."""
    db = archive.open_db(path, readonly=True)
    filters = search_mod.Filters()
    parsed = [searchtext.parse_query(q) for q in queries]
    for query in parsed:  # warm: page cache, statement cache
        search_mod.search(db, query, filters, limit=20)
    best = [float("inf")] * len(parsed)
    cpu = [float("inf")] * len(parsed)
    totals = [0] * len(parsed)
    gc.disable()
    try:
        for _ in range(max(1, repeat)):
            for i, query in enumerate(parsed):
                c0, t0 = time.process_time(), time.perf_counter()
                totals[i], _ = search_mod.search(db, query, filters, limit=20)
                best[i] = min(best[i], (time.perf_counter() - t0) * 1000)
                cpu[i] = min(cpu[i], (time.process_time() - c0) * 1000)
    finally:
        gc.enable()
    db.close()
    return [
        Timing(q, sum(map(len, p.terms)), max(map(len, p.terms)), total, ms, cpu_ms=c)
        for q, p, total, ms, c in zip(queries, parsed, totals, best, cpu, strict=True)
    ]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_available(scraper: Path) -> bool:
    done = subprocess.run(
        [str(scraper), "serve", "--help"], capture_output=True, text=True, check=False
    )
    return done.returncode == 0


def time_http(
    path: Path, queries: Sequence[str], scraper: Path, repeat: int
) -> tuple[list[Timing], str]:
    import httpx

    port = _free_port()
    log = path.with_suffix(".serve.log")
    with log.open("w") as fh:
        proc = subprocess.Popen(
            [str(scraper), "serve", "--db", str(path), "--port", str(port)],
            stdout=fh,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    out: list[Timing] = []
    try:
        with httpx.Client(base_url=base, timeout=60) as client:
            deadline = time.monotonic() + 90
            while True:
                try:
                    if client.get("/-/versions.json").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    return [], f"scraper serve did not start (see {log})"
                time.sleep(0.3)
            url = f"/{path.stem}/search.json"
            for q in queries:  # warm
                client.get(url, params={"q": q, "_shape": "array"})
            for q in queries:
                ms = float("inf")
                for _ in range(max(1, repeat)):
                    t0 = time.perf_counter()
                    resp = client.get(url, params={"q": q, "_shape": "array"})
                    ms = min(ms, (time.perf_counter() - t0) * 1000)
                rows = resp.json() if resp.status_code == 200 else []
                terms = searchtext.parse_query(q).terms
                extra: dict[str, Any] = {}
                if resp.status_code != 200:
                    extra = {"status": resp.status_code, "error": resp.text[:200]}
                out.append(
                    Timing(
                        q,
                        sum(map(len, terms)),
                        max(map(len, terms)),
                        len(rows) if isinstance(rows, list) else -1,
                        ms,
                        extra,
                    )
                )
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
    return out, ""


# -- report -------------------------------------------------------------------------------


def pct(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def machine() -> str:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} cores ({model}), Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}"
    )


def loadavg() -> str:
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return "?"


def row(label: str, value: str, target: str = "", ok: bool | None = None) -> str:
    mark = "" if ok is None else ("PASS" if ok else "MISS")
    return f"  {label:<44} {value:>22}  {target:<12} {mark}"


def latency_rows(
    label: str, timings: list[Timing], pick: Callable[[Timing], bool], target: float
) -> list[str]:
    chosen = [t for t in timings if pick(t)]
    if not chosen:
        return [row(label, "no queries")]
    ms = [t.ms for t in chosen]
    p95 = pct(ms, 95)
    lines = [
        row(
            f"{label} (n={len(ms)})",
            f"p50 {pct(ms, 50):.1f} / p95 {p95:.1f} / max {max(ms):.1f}",
            f"≤ {target:.0f} ms p95",
            p95 <= target,
        )
    ]
    cpu = [t.cpu_ms for t in chosen if t.cpu_ms is not None]
    if cpu:
        lines.append(
            row("  the same in CPU time", f"p50 {pct(cpu, 50):.1f} / p95 {pct(cpu, 95):.1f}")
        )
    return lines


def slowest(title: str, timings: list[Timing], n: int = 10) -> list[str]:
    lines = [f"{title}:"]
    for t in sorted(timings, key=lambda t: -t.ms)[:n]:
        note = f"  {t.extra}" if t.extra else ""
        lines.append(
            f"  {t.ms:8.1f} ms  len {t.chars:>2} (longest term {t.longest:>2})  "
            f"matches {t.total:>6}  {t.query!r}{note}"
        )
    return lines


def by_bucket(timings: list[Timing]) -> list[str]:
    """p95 by longest-term length and by match count, to see what makes a query slow."""
    lines = ["p95 by longest term length / by match count (library):"]
    buckets = [(1, 1), (2, 2), (3, 4), (5, 8), (9, 20)]
    for lo, hi in buckets:
        ms = [t.ms for t in timings if lo <= t.longest <= hi]
        if ms:
            name = f"{lo}" if lo == hi else f"{lo}-{hi}"
            lines.append(
                f"  length {name:<6} n={len(ms):<5} p50 {pct(ms, 50):6.1f}  p95 {pct(ms, 95):6.1f}"
            )
    for lo, hi in [(0, 0), (1, 99), (100, 999), (1000, 4999), (5000, 10**9)]:
        ms = [t.ms for t in timings if lo <= t.total <= hi]
        if ms:
            name = f"{lo}+" if hi >= 10**9 else f"{lo}-{hi}"
            lines.append(
                f"  matches {name:<10} n={len(ms):<5} p50 {pct(ms, 50):6.1f}  p95 {pct(ms, 95):6.1f}"
            )
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--docs", type=int, default=20_000)
    ap.add_argument("--queries", type=int, default=1200, help="library queries (≥ 1000 by default)")
    ap.add_argument(
        "--repeat", type=int, default=2, help="timed passes; a query's time is its fastest"
    )
    ap.add_argument("--http-sample", type=int, default=200, help="queries sent over HTTP")
    ap.add_argument("--corpus", type=Path, default=default_corpus())
    ap.add_argument("--seed", type=int, default=9)
    ap.add_argument("--keep", type=Path, help="build (and keep) the archives in DIR")
    ap.add_argument(
        "--reuse", action="store_true", help="with --keep: reuse the archive already in DIR"
    )
    ap.add_argument(
        "--wait-serve",
        type=float,
        default=0,
        help="minutes to wait for `scraper serve` to exist, polling every minute",
    )
    ap.add_argument("--no-http", action="store_true")
    args = ap.parse_args(argv)

    rng = random.Random(args.seed)
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="search-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / f"{DB_NAME}.db"
    scraper = Path(sys.executable).with_name("scraper")
    lines = [f"search benchmark: {args.docs} generated pages, machine: {machine()}"]

    t0 = time.perf_counter()
    corpus = load_corpus(args.corpus)
    gen = Generator(corpus, rng)
    docs = [gen.make(i) for i in range(args.docs)]
    gen_s = time.perf_counter() - t0
    chars = sum(len(d.fields.get("body_text") or "") for d in docs)
    kinds = {k: sum(d.kind == k for d in docs) for k in ("document", "other", "attachment")}
    print(
        f"corpus: {len(corpus.sentences)} sentences, {len(corpus.lengths)} body lengths "
        f"(median {statistics.median(corpus.lengths):.0f} chars); generated {kinds} with "
        f"{chars / 1e6:.1f}M body characters in {gen_s:.1f} s",
        file=sys.stderr,
    )

    sizes: dict[str, int] = {}
    times: dict[str, float] = {}
    sidecar = workdir / f"{DB_NAME}.build.json"
    built_note = ""
    if args.reuse and path.exists():
        print(f"reusing {path}", file=sys.stderr)
        if sidecar.exists():
            saved = json.loads(sidecar.read_text())
            times, sizes = saved["times"], saved["sizes"]
            built_note = f" (build figures from {saved['at']}, load {saved['load']})"
    else:
        for stale in workdir.glob(f"{DB_NAME}*"):
            stale.unlink()
        times["write"] = build_archive(path, docs)
        print(f"written in {times['write']:.1f} s", file=sys.stderr)
        conn = sqlite3.connect(path)
        sizes["write"] = index_bytes(conn, "search_index")
        conn.close()
        db = archive.open_db(path)
        t1 = time.perf_counter()
        archive.reindex_search(db)
        times["reindex"] = time.perf_counter() - t1
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
        conn = sqlite3.connect(path)
        sizes["reindex"] = index_bytes(conn, "search_index")
        sizes["versions"] = index_bytes(conn, "versions")  # the table (and its indexes)
        conn.close()
        print(f"reindexed in {times['reindex']:.1f} s", file=sys.stderr)
        times["trigram"], sizes["trigram"] = trigram_copy(path, workdir / f"{DB_NAME}-trigram.db")
        print(f"trigram index built in {times['trigram']:.1f} s", file=sys.stderr)
        sidecar.write_text(
            json.dumps(
                {
                    "at": time.strftime("%Y-%m-%d %H:%M"),
                    "load": loadavg(),
                    "times": times,
                    "sizes": sizes,
                }
            )
        )

    queries = make_queries(docs, args.queries, rng)
    load_before = loadavg()
    lib = time_library(path, queries, args.repeat)
    print(f"{len(lib)} library queries timed", file=sys.stderr)

    http: list[Timing] = []
    http_note = ""
    if args.no_http:
        http_note = "skipped (--no-http)"
    else:
        waited = 0.0
        while not serve_available(scraper) and waited < args.wait_serve:
            print("`scraper serve` not there yet; waiting a minute", file=sys.stderr)
            time.sleep(60)
            waited += 1
        if serve_available(scraper):
            sample = rng.sample(queries, min(args.http_sample, len(queries)))
            http, http_note = time_http(path, sample, scraper, args.repeat)
        else:
            http_note = "skipped: `scraper serve` does not exist yet"

    load_after = loadavg()
    mb = 1024 * 1024
    lines.append(
        f"archive: {path} ({path.stat().st_size / mb:.0f} MB), {kinds}, "
        f"{chars / 1e6:.1f}M body characters"
    )
    lines.append("")
    lines.append(
        f"load average (1 min) before/after the timings: {load_before} / {load_after} "
        f"on {os.cpu_count()} cores; times are each query's fastest of {args.repeat} passes"
    )
    lines.append("build" + built_note)
    if times:
        lines.append(
            row(
                "save_snapshot, index on the write path",
                f"{times['write']:.1f} s",
                f"{args.docs / times['write']:.0f} pages/s",
            )
        )
        lines.append(row("archive.reindex_search", f"{times['reindex']:.1f} s"))
        lines.append(row("old trigram versions_fts 'rebuild' (copy)", f"{times['trigram']:.1f} s"))
        lines.append("size")
        ok = sizes["write"] < sizes["trigram"] and sizes["reindex"] < sizes["trigram"]
        lines.append(row("search_index* as written (write path)", f"{sizes['write'] / mb:.1f} MB"))
        lines.append(row("search_index* after reindex", f"{sizes['reindex'] / mb:.1f} MB"))
        lines.append(row("old trigram versions_fts*", f"{sizes['trigram'] / mb:.1f} MB"))
        lines.append(
            row(
                "ratio new / old (write path; reindexed)",
                f"{sizes['write'] / sizes['trigram']:.2f}; {sizes['reindex'] / sizes['trigram']:.2f}",
                "< 1",
                ok,
            )
        )
        lines.append(row("(versions table and its indexes)", f"{sizes['versions'] / mb:.1f} MB"))
    absent = sum(t.total == 0 for t in lib)
    lines.append(
        f"library search, top 20 + snippets + total ({len(lib)} queries, {absent} with no match)"
    )
    lines += latency_rows("one character", lib, lambda t: t.chars == 1, TARGET_ONE_MS)
    lines += latency_rows("2+ characters", lib, lambda t: t.chars >= 2, TARGET_MULTI_MS)
    lines.append("canned Datasette search over HTTP (every match, _shape=array)")
    if http:
        errors = [t for t in http if t.extra]
        lines += latency_rows("all sampled queries", http, lambda t: True, TARGET_HTTP_MS)
        lines += latency_rows("  one character", http, lambda t: t.chars == 1, TARGET_HTTP_MS)
        lines += latency_rows("  2+ characters", http, lambda t: t.chars >= 2, TARGET_HTTP_MS)
        if errors:
            lines.append(
                f"  {len(errors)} requests failed, e.g. {errors[0].query!r}: {errors[0].extra}"
            )
    else:
        lines.append(f"  {http_note}")
    lines.append("")
    lines += by_bucket(lib)
    lines += slowest("slowest library queries", lib)
    if http:
        lines += slowest("slowest HTTP queries (matches = rows returned)", http, 5)
    print("\n".join(lines))
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
