"""Many sites in one run (issue 14): 100 replica sites on distinct ports, each with a per-host
delay, crawled by one ``scraper crawl --sites-file`` against the same sites crawled alone.

    .venv/bin/pip install -e '.[bench]'        # psutil
    apt-get install -y nginx                   # Debian's nginx; the bench starts its own
    .venv/bin/python bench/many_sites.py [--sites 100] [--docs 60] [--delay 0.2] [--alone 3]
        [--max-sites 100] [--no-processes]

Steps:

1. generates one replica of about ``--docs`` documents (``ReplicaSite.with_total_docs``;
   60 gives 76 HTML pages and 11 attachment files, about 90 requests a crawl) and builds it
   to a static folder (``scraper.replica.static``, on /dev/shm when there is one);
2. serves that folder with one nginx (one worker, the configuration of
   bench/versus_scrapy.py) listening on ``--sites`` free ports of 127.0.0.1: each port is a
   site of its own (its own origin, so its own politeness slot and its own archive), the
   replica's redirects answered relative to the port asked;
3. crawls ``--alone`` of the sites one at a time, each alone (``scraper crawl --start-url
   … --delay D --db …``), and takes the slowest wall time and the largest peak RSS;
4. crawls every site in one run (``scraper crawl --sites-file … --data-dir … --delay D``),
   each to its own archive;
5. crawls every site again the way a user would without many-site runs: one ``scraper crawl``
   process a site, all started at once by a shell loop (``--no-processes`` skips it);
6. measures, at the start and at the end (the machine's speed drifts), the CPU of one httpx GET
   and of reading one page alone in this process (:func:`cpu_floor`): a floor under the CPU of
   a request, printed against what the CPU target allows one;
7. prints, for each run, wall seconds (start-up included), CPU seconds (user + sys of the whole
   process tree, ``getrusage(RUSAGE_CHILDREN)`` around the subprocess), peak RSS summed over
   the process tree (psutil, sampled every 50 ms; for the run of every site, also each
   process's own peak: the run's and each reading worker's) and requests per second (the runs tables'
   ``requests``), then the issue's targets as PASS/FAIL lines:
   wall ≤ 1.5× the slowest single site's, peak RSS ≤ 3× one site's, CPU ≤ 50 % of wall.

A site is bound by its delay (about ``requests × delay`` seconds); 100 of them at 0.2 s ask
for 500 requests a second in all, which is the figure to read CPU against.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from versus_scrapy import Nginx, bin_of, find_nginx, free_port, machine, measure

from scraper.replica import ReplicaSite
from scraper.replica.static import build_static, nginx_locations


def free_ports(n: int) -> list[int]:
    ports: set[int] = set()
    while len(ports) < n:
        ports.add(free_port())
    return sorted(ports)


def requests_of(dbs: list[Path]) -> tuple[int, int]:
    """(requests, errors) of the last run of each archive, summed."""
    requests = errors = 0
    for db in dbs:
        with sqlite3.connect(db) as con:
            row = con.execute(
                "SELECT requests, errors FROM runs ORDER BY id DESC LIMIT 1"
            ).fetchone()
        requests += row[0]
        errors += row[1]
    return requests, errors


def crawl_alone(base: str, db: Path, delay: float, env: dict[str, str]) -> dict[str, Any]:
    cmd = [bin_of("scraper"), "crawl", "--start-url", f"{base}/xxgk/", "--db", str(db),
           "--delay", str(delay)]  # fmt: skip
    r = measure(cmd, env)
    if r["returncode"] not in (0, 1):
        raise SystemExit(f"scraper crawl failed ({r['returncode']}): {r['stderr'][-3000:]}")
    r["requests"], r["errors"] = requests_of([db])
    return r


def crawl_together(
    sites_file: Path, data: Path, delay: float, env: dict[str, str], max_sites: int
) -> dict[str, Any]:
    cmd = [bin_of("scraper"), "crawl", "--sites-file", str(sites_file), "--data-dir", str(data),
           "--delay", str(delay), "--max-sites", str(max_sites), "--summary"]  # fmt: skip
    r = measure(cmd, env)
    if r["returncode"] not in (0, 1):
        raise SystemExit(f"scraper crawl failed ({r['returncode']}): {r['stderr'][-3000:]}")
    dbs = sorted(data.glob("*.db"))
    r["requests"], r["errors"] = requests_of(dbs)
    r["archives"] = len(dbs)
    r["slowest_site"] = max(
        sqlite3.connect(db)
        .execute(
            "SELECT (julianday(finished) - julianday(started)) * 86400 FROM runs "
            "ORDER BY id DESC LIMIT 1"
        )
        .fetchone()[0]
        for db in dbs
    )
    return r


def crawl_processes(
    ports: list[int], tmp: Path, delay: float, env: dict[str, str]
) -> dict[str, Any]:
    """The way without many-site runs: one ``scraper crawl`` process a site, all started at
    once by a shell loop (what cron lines or ``xargs -P`` give), each to its own archive."""
    scraper = bin_of("scraper")
    script = tmp / "one-process-a-site.sh"
    lines = [
        f'"{scraper}" crawl --start-url http://127.0.0.1:{p}/xxgk/ --db "{tmp}/proc-{p}.db" '
        f"--delay {delay} 2>/dev/null &"
        for p in ports
    ]
    script.write_text("\n".join(["#!/bin/sh", *lines, "wait", ""]))
    r = measure(["sh", str(script)], env)
    dbs = [tmp / f"proc-{p}.db" for p in ports]
    missing = [db for db in dbs if not db.exists()]
    if missing:
        raise SystemExit(f"{len(missing)} of the one-process-a-site crawls wrote no archive")
    r["requests"], r["errors"] = requests_of(dbs)
    return r


def cpu_floor(static: Path, base: str) -> dict[str, float]:
    """CPU milliseconds of two parts of the pipeline, alone in this process on a quiet
    core: one GET with httpx (keep-alive, body read) against the nginx, and reading one of
    the replica's pages (decode, parse, links, fields, search rows, compression), the
    crawl's own ``read_page``. Their sum is a floor under the CPU of a request, before
    SQLite, the event loop's other sites and the hand-over to a reading worker; it is
    measured at the start and at the end, since the machine's speed drifts."""
    import asyncio

    import httpx

    from scraper import config
    from scraper.reading import ReadRules, read_page

    profile = config.resolve(start_urls=(base + "/xxgk/",), environ={})
    rules = ReadRules(
        extract=profile.extract,
        scope=profile.scope,
        attachment_extensions=tuple(profile.discover.attachment_extensions),
        ignore_patterns=tuple(profile.discover.ignore_patterns),
        document_url=profile.extract.document_url,
        soft_404_markers=tuple(profile.fetch.soft_404_markers),
    )
    pages = [(f"{base}/{f.relative_to(static)}", f.read_bytes()) for f in static.rglob("*.html")]
    for _ in range(3):  # warm: imports, caches, the core's clock
        for url, body in pages:
            read_page(body, "text/html; charset=utf-8", url, rules)
    started = time.process_time()
    for _ in range(3):
        for url, body in pages:
            read_page(body, "text/html; charset=utf-8", url, rules)
    reading = (time.process_time() - started) * 1000 / (3 * len(pages))

    async def gets(n: int) -> float:
        async with httpx.AsyncClient() as client:
            for _ in range(200):
                await client.get(base + "/xxgk/")
            began = time.process_time()
            for _ in range(n):
                async with client.stream("GET", base + "/xxgk/") as response:
                    async for _chunk in response.aiter_raw():
                        pass
            return (time.process_time() - began) * 1000 / n

    return {"http": asyncio.run(gets(500)), "reading": reading}


def row(label: str, r: dict[str, Any]) -> str:
    return (
        f"| {label} | {r['requests']:,} | {r['errors']} | {r['wall']:.1f} | {r['cpu']:.1f} "
        f"({100 * r['cpu'] / r['wall']:.0f} %) | {r['peak_rss'] / 1e6:.0f} MB "
        f"| {r['requests'] / r['wall']:.0f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=100)
    parser.add_argument("--docs", type=int, default=60, help="about this many documents a site")
    parser.add_argument("--delay", type=float, default=0.2, help="per-host delay, seconds")
    parser.add_argument("--alone", type=int, default=3, help="sites crawled alone for the baseline")
    parser.add_argument("--max-sites", type=int, default=100, help="--max-sites of the run")
    parser.add_argument(
        "--no-processes",
        action="store_true",
        help="skip the comparison run: one scraper process a site, all at once",
    )
    args = parser.parse_args()
    nginx_bin = find_nginx()
    try:
        import psutil  # noqa: F401
    except ImportError as exc:
        raise SystemExit(f"{exc.name} is missing: .venv/bin/pip install -e '.[bench]'") from exc
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPER_")}
    print(machine(nginx_bin).split("; Scrapy")[0], flush=True)

    with tempfile.TemporaryDirectory(prefix="many-sites-") as tmp_name:
        tmp = Path(tmp_name)
        shm = Path("/dev/shm")
        static_parent = shm if shm.is_dir() and os.access(shm, os.W_OK) else tmp
        static = Path(tempfile.mkdtemp(prefix="many-sites-site-", dir=static_parent))
        static.chmod(0o755)  # nginx's worker may run as another user than its master
        try:
            ports = free_ports(args.sites)
            placeholder = "http://127.0.0.1:1"
            counts = build_static(ReplicaSite.with_total_docs(args.docs), static, placeholder)
            # A redirect stays on the port it was asked on: each port is a site of its own.
            redirects = {
                path: loc.replace(placeholder, "$scheme://$http_host")
                for path, loc in counts["redirects"].items()
            }
            nginx = Nginx(
                nginx_bin, static, ports[0], tmp / "nginx", nginx_locations(redirects), ports[1:]
            )
            try:
                print(
                    f"{args.sites} sites on ports {ports[0]}…{ports[-1]}, each the replica of "
                    f"{counts['documents']} documents, {counts['pages']} HTML pages and "
                    f"{counts['files']} attachment files; delay {args.delay} s per host",
                    flush=True,
                )
                floors = [cpu_floor(static, f"http://127.0.0.1:{ports[0]}")]
                alone = [
                    crawl_alone(f"http://127.0.0.1:{p}", tmp / f"alone-{p}.db", args.delay, env)
                    for p in ports[: args.alone]
                ]
                print(f"  done: {len(alone)} sites alone", flush=True)
                sites_file = tmp / "sites.txt"
                sites_file.write_text("".join(f"http://127.0.0.1:{p}/xxgk/\n" for p in ports))
                many = crawl_together(sites_file, tmp / "data", args.delay, env, args.max_sites)
                print(f"  done: {args.sites} sites in one run", flush=True)
                processes = None
                if not args.no_processes:
                    processes = crawl_processes(ports, tmp, args.delay, env)
                    print(f"  done: {args.sites} sites as {args.sites} processes", flush=True)
                floors.append(cpu_floor(static, f"http://127.0.0.1:{ports[0]}"))
            finally:
                nginx.stop()
        finally:
            subprocess.run(["rm", "-rf", str(static)], check=False)

    slowest = max(alone, key=lambda r: r["wall"])
    one_rss = max(r["peak_rss"] for r in alone)
    print()
    print("| run | requests | errors | wall s | CPU s (of wall) | peak RSS (tree) | requests/s |")
    print("|---|---|---|---|---|---|---|")
    for i, r in enumerate(alone):
        print(row(f"one site alone ({i + 1})", r))
    print(row(f"{args.sites} sites, one run", many))
    if processes is not None:
        print(row(f"{args.sites} sites, one process each", processes))
    print()
    print(
        f"{many['archives']} archives; the slowest site's own run took {many['slowest_site']:.1f} s "
        f"inside the {many['wall']:.1f} s of the whole"
    )
    workers = sorted(rss for rss, command in many["peaks"].values() if "scraper.workers" in command)
    run_rss = max(
        rss for rss, command in many["peaks"].values() if "scraper.workers" not in command
    )
    print(
        f"peak RSS by process: the run's {run_rss / 1e6:.0f} MB; reading workers "
        + ", ".join(f"{rss / 1e6:.0f} MB" for rss in workers)
    )
    wall_ratio = many["wall"] / slowest["wall"]
    rss_ratio = many["peak_rss"] / one_rss
    cpu_share = many["cpu"] / many["wall"]
    checks = [
        (f"wall {many['wall']:.1f} s = {wall_ratio:.2f}× the slowest single site's "
         f"{slowest['wall']:.1f} s (target ≤ 1.5×)", wall_ratio <= 1.5),
        (f"peak RSS {many['peak_rss'] / 1e6:.0f} MB = {rss_ratio:.2f}× one site's "
         f"{one_rss / 1e6:.0f} MB (target ≤ 3×)", rss_ratio <= 3),
        (f"CPU {many['cpu']:.1f} s = {100 * cpu_share:.0f} % of wall (target ≤ 50 %)",
         cpu_share <= 0.5),
    ]  # fmt: skip
    for text, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'} {text}")
    # What the CPU target allows a request, against what two parts of it cost alone.
    budget = 0.5 * many["wall"] * 1000 / many["requests"]
    spent = many["cpu"] * 1000 / many["requests"]
    floor = " and ".join(
        f"{f['http']:.2f} + {f['reading']:.2f} = {f['http'] + f['reading']:.2f} ms" for f in floors
    )
    print(
        f"CPU a request: {spent:.2f} ms spent; the target allows {budget:.2f} ms at this wall; "
        f"one httpx GET + reading one page cost, alone, {floor} (at the start and at the end)"
    )
    if many["errors"] or many["archives"] != args.sites:
        print(f"NOTE {many['errors']} failed URLs, {many['archives']} archives of {args.sites}")
    # The machine may be shared: other work on it shows here, and slows every figure.
    print("load average at the end: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print(f"requests/s: {many['requests'] / many['wall']:.0f} in one run of {args.sites} sites, "
          f"{slowest['requests'] / slowest['wall']:.1f} for one site alone")  # fmt: skip


if __name__ == "__main__":
    main()
