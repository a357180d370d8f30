"""Crawl benchmark: scraper against a hand-written crawler, on a replica of a few thousand
documents that answers with a realistic delay.

    python bench/crawl.py [--docs 3000] [--latency 0.03] [--concurrency 4]

Phases, each a real `scraper crawl` subprocess against the replica on 127.0.0.1:

1. first crawl (default mode, empty archive);
2. unchanged re-run (default mode);
3. re-run after a small churn (5 bodies edited, 10 documents added on top of a column,
   3 deleted) in default mode;
4. `--full` re-run (every list and every known page, conditional requests).

The baseline is what a user would otherwise write: an asyncio + httpx script that walks every
in-scope link (with the same pager reading and politeness settings) and downloads everything,
attachment files included, again on every run, with no conditional requests.

Prints requests sent, bytes downloaded, wall time, new versions and peak memory per phase,
and the issue's targets as pass/fail lines.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import sqlite_utils
from selectolax.lexbor import LexborHTMLParser

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scraper.platforms.trs import pager_calls  # noqa: E402
from scraper.replica import ReplicaServer, ReplicaSite  # noqa: E402
from scraper.urls import Scope, canonical_url  # noqa: E402


def run_scraper(base: str, db: Path, concurrency: int, *extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPER_")}
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "scraper",
            "crawl",
            "--start-url",
            f"{base}/xxgk/",
            "--db",
            str(db),
            "--delay",
            "0",
            "--concurrency",
            str(concurrency),
            "--retry-wait",
            "0.1",
            *extra,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    if proc.returncode not in (0, 1):
        raise SystemExit(f"crawl failed ({proc.returncode}): {proc.stderr[-2000:]}")
    run = next(sqlite_utils.Database(db).query("SELECT * FROM runs ORDER BY id DESC LIMIT 1"))
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {
        "requests": run["requests"],
        "bytes": run["bytes"],
        "wall": wall,
        "new_versions": run["new_versions"] + run["new_pages"],
        "files": run["files_saved"],
        "pages_per_s": (run["fetched"] + run["not_modified"]) / wall,
        "peak_mb": max(peak, before) / 1024,
    }


async def naive_crawl(base: str, concurrency: int) -> dict:
    """A typical hand-written crawler: BFS over in-scope links, everything downloaded."""
    scope = Scope([f"{base}/xxgk/"])
    seen: set[str] = set()
    queue: asyncio.Queue[str] = asyncio.Queue()
    stats: dict[str, float] = {"requests": 0, "bytes": 0, "files": 0}
    attachment = re.compile(r"\.(pdf|docx?|xlsx?|wps|ofd|zip|rar)$")

    def add(url: str) -> None:
        url = canonical_url(url)
        if url not in seen and url in scope:
            seen.add(url)
            queue.put_nowait(url)

    async with httpx.AsyncClient(timeout=30) as client:
        robots = await client.get(f"{base}/robots.txt")
        stats["requests"] += 1
        disallowed = [
            line.split(":", 1)[1].strip()
            for line in robots.text.splitlines()
            if line.lower().startswith("disallow:") and line.split(":", 1)[1].strip()
        ]

        async def worker() -> None:
            while True:
                url = await queue.get()
                try:
                    if any(url.startswith(base + d) for d in disallowed):
                        continue
                    response = await client.get(url, follow_redirects=True)
                    stats["requests"] += 1 + len(response.history)
                    stats["bytes"] += len(response.content)
                    if response.status_code != 200:
                        continue
                    if attachment.search(url):
                        stats["files"] += 1  # kept as downloaded, not parsed
                        continue
                    html = response.text
                    for call in pager_calls(html):
                        if call.stem is None:
                            continue
                        total, stem, ext = call.total, call.stem, call.ext
                        for k in range(1, total):
                            add(str(response.url.join(f"{stem}_{k}.{ext}")))
                    for node in LexborHTMLParser(html).css("a[href]"):
                        add(str(response.url.join(node.attributes.get("href") or "")))
                except httpx.HTTPError:
                    pass
                finally:
                    queue.task_done()

        add(f"{base}/xxgk/")
        started = time.perf_counter()
        workers = [asyncio.create_task(worker()) for _ in range(concurrency)]
        await queue.join()
        for w in workers:
            w.cancel()
        stats["wall"] = time.perf_counter() - started
    return stats


def row(name: str, r: dict) -> str:
    return (
        f"| {name} | {r['requests']:,} | {r['bytes'] / 1e6:,.1f} MB | {r['wall']:.1f} s | "
        f"{r.get('new_versions', '–')} | {r['files']:,} | "
        + (f"{r['peak_mb']:.0f} MB |" if "peak_mb" in r else "– |")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=3000)
    parser.add_argument(
        "--latency", type=float, default=0.03, help="server delay per response, seconds"
    )
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()

    site = ReplicaSite.with_total_docs(args.docs)
    n_docs = len(site.expected_documents())
    with ReplicaServer(site, delay=args.latency) as server, tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        print(
            f"replica: {n_docs} documents, {len(site.list_pages())} list pages, "
            f"{args.latency * 1000:.0f} ms per response; crawler concurrency {args.concurrency}, delay 0\n"
        )
        results = {}
        results["first crawl"] = run_scraper(server.base_url, db, args.concurrency)
        results["unchanged re-run"] = run_scraper(server.base_url, db, args.concurrency)
        docs = sorted(site.expected_documents())
        for path in docs[100:105]:
            site.edit_body(path)
        site.add_documents("/xxgk/tzgg/", 10)
        for path in docs[200:203]:
            site.delete(path)
        results["re-run after churn"] = run_scraper(server.base_url, db, args.concurrency)
        results["--full re-run"] = run_scraper(server.base_url, db, args.concurrency, "--full")
        naive_first = asyncio.run(naive_crawl(server.base_url, args.concurrency))
        naive_again = asyncio.run(naive_crawl(server.base_url, args.concurrency))

    print("| phase | requests | downloaded | wall time | new versions | files | peak RSS |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        print(row("scraper: " + name, r))
    print(row("hand-written script: first crawl", naive_first))
    print(row("hand-written script: re-run", naive_again))
    first, again, full = (
        results["first crawl"],
        results["unchanged re-run"],
        results["--full re-run"],
    )
    print()
    print(f"first crawl: {first['pages_per_s']:.0f} pages/s")
    checks = [
        (
            "unchanged re-run requests ≤ 10 % of first crawl",
            again["requests"] / first["requests"],
            0.10,
        ),
        ("unchanged re-run wall time ≤ 15 % of first crawl", again["wall"] / first["wall"], 0.15),
        ("--full re-run bytes ≤ 5 % of first crawl", full["bytes"] / first["bytes"], 0.05),
    ]
    for label, ratio, target in checks:
        print(f"{'PASS' if ratio <= target else 'FAIL'}  {label}: {ratio:.1%}")


if __name__ == "__main__":
    main()
