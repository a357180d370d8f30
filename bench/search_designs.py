"""The measurement behind the search index's design (README: "How the index works, and why").

Usage::

    python bench/search_designs.py [--docs 20000] [--queries 600]

Builds the same generated pages as bench/search.py (real sentences of the corpus, body lengths
drawn from the corpus's own) into a plain table, then each candidate index over title and body,
all with SQLite's built-in tokenizers, and prints its size and the p50/p95 time of the bare
match (every matching rowid, no ranking, no join) for substrings of 1 character and of 2–20:

- ``trigram``: the index scraper 0.1 had (``tokenize='trigram'``, external content);
- ``chars``: every character a token (``ascii`` tokenizer), a term the phrase of its
  characters;
- ``bigrams+positions``: bigram tokens, plus every character with its positions (one-character
  terms as phrases);
- ``bigrams+chars`` (chosen): bigram tokens, plus each distinct character of the row once.

Only the last two find one-character terms without a prefix scan; only the last is both
smaller than ``trigram`` and fast for long terms.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from search import Generator, default_corpus, load_corpus, machine  # noqa: E402

from scraper.searchtext import TOKENIZE, fold  # noqa: E402


def _bigrams(text: str | None) -> str:
    folded = fold(text)
    return " ".join(folded[i : i + 2] for i in range(len(folded) - 1))


def _chars(text: str | None) -> str:
    return " ".join(fold(text))


def _distinct(*texts: str | None) -> str:
    return " ".join(dict.fromkeys(c for t in texts for c in fold(t)))


def _quote(token: str) -> str:
    return token.replace('"', '""')


DESIGNS = {
    "trigram": None,
    "chars": ("title, body", lambda t, b: (_chars(t), _chars(b))),
    "bigrams+positions": (
        "title, body, ctitle, cbody",
        lambda t, b: (_bigrams(t), _bigrams(b), _chars(t), _chars(b)),
    ),
    "bigrams+chars": (
        "title, body, chars",
        lambda t, b: (_bigrams(t), _bigrams(b), _distinct(t, b)),
    ),
}


def match(design: str, term: str) -> str:
    term = fold(term)
    if design == "trigram":
        return '"' + _quote(term) + '"'
    if design == "chars" or len(term) == 1:
        return '"' + " ".join(_quote(c) for c in term) + '"'
    return '"' + " ".join(_quote(term[i : i + 2]) for i in range(len(term) - 1)) + '"'


def build(conn: sqlite3.Connection, design: str) -> tuple[float, int]:
    t0 = time.perf_counter()
    if design == "trigram":
        conn.execute(
            "CREATE VIRTUAL TABLE idx USING fts5(title, body, content='pages', "
            "content_rowid='id', tokenize='trigram')"
        )
        conn.execute("INSERT INTO idx(idx) VALUES ('rebuild')")
    else:
        columns, tokens = DESIGNS[design]  # type: ignore[misc]
        tokenize = TOKENIZE.replace('"', '""')
        conn.execute(
            f"CREATE VIRTUAL TABLE idx USING fts5({columns}, content='', tokenize=\"{tokenize}\")"
        )
        width = len(columns.split(","))
        rows = [(i, *tokens(t, b)) for i, t, b in conn.execute("SELECT id, title, body FROM pages")]
        conn.executemany(f"INSERT INTO idx (rowid, {columns}) VALUES (?{', ?' * width})", rows)
    conn.execute("INSERT INTO idx(idx) VALUES ('optimize')")
    conn.commit()
    size = conn.execute("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'idx%'").fetchone()[0]
    return time.perf_counter() - t0, int(size)


def pct(values: list[float], p: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--docs", type=int, default=20_000)
    ap.add_argument("--queries", type=int, default=600)
    ap.add_argument("--seed", type=int, default=9)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    gen = Generator(load_corpus(default_corpus()), rng)
    docs = [gen.make(i) for i in range(args.docs)]
    bodies = [fold(d.fields.get("body_text")) for d in docs]
    queries = []
    while len(queries) < args.queries:
        body = rng.choice(bodies)
        if not body:
            continue
        length = rng.choice([1, 1, 2, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20])
        start = rng.randrange(0, max(1, len(body) - length))
        queries.append(body[start : start + length])
    print(f"search index designs: {args.docs} generated pages, {len(queries)} queries; {machine()}")
    print(
        f"{'design':<20} {'size MB':>8} {'build s':>8}  {'1 char p50/p95 ms':>18}  {'2-20 p50/p95 ms':>16}"
    )
    with tempfile.TemporaryDirectory() as folder:
        for design in DESIGNS:
            path = Path(folder) / f"{design}.db"
            conn = sqlite3.connect(path)
            conn.execute("CREATE TABLE pages (id INTEGER PRIMARY KEY, title TEXT, body TEXT)")
            conn.executemany(
                "INSERT INTO pages VALUES (?, ?, ?)",
                [
                    (i + 1, d.fields.get("title"), d.fields.get("body_text"))
                    for i, d in enumerate(docs)
                ],
            )
            conn.commit()
            seconds, size = build(conn, design)
            times: dict[bool, list[float]] = {True: [], False: []}
            for query in queries:
                t0 = time.perf_counter()
                if design == "trigram" and len(query) < 3:
                    # The trigram tokenizer cannot match a term under 3 characters: LIKE.
                    conn.execute(
                        "SELECT id FROM pages WHERE title LIKE ? OR body LIKE ?",
                        [f"%{query}%"] * 2,
                    ).fetchall()
                else:
                    conn.execute(
                        "SELECT rowid FROM idx WHERE idx MATCH ?", [match(design, query)]
                    ).fetchall()
                times[len(query) == 1].append((time.perf_counter() - t0) * 1000)
            one, more = times[True], times[False]
            print(
                f"{design:<20} {size / 1e6:8.1f} {seconds:8.1f}  "
                f"{statistics.median(one):8.1f} / {pct(one, 95):7.1f}  "
                f"{statistics.median(more):7.1f} / {pct(more, 95):7.1f}"
            )
            conn.close()
    print("(trigram: terms under 3 characters fall back to a LIKE scan, as scraper 0.1 did)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
