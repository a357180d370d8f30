"""Crawl speed against Scrapy: the same generated replica, served statically by nginx, crawled
by a plain Scrapy spider and by ``scraper crawl`` in one invocation at the same concurrency.

    .venv/bin/pip install -e '.[bench]'        # scrapy, psutil
    apt-get install -y nginx                   # Debian's nginx; the bench starts its own
    .venv/bin/python bench/versus_scrapy.py [--docs 5000] [--concurrency 16]

Requires nginx on the PATH (or in /usr/sbin) and the ``bench`` extra; installs nothing.
Steps:

1. generates the replica with about ``--docs`` documents (``ReplicaSite.with_total_docs``) and
   builds it to a static folder (``scraper.replica.static``; on /dev/shm when there is one);
2. starts nginx on a free 127.0.0.1 port with a generated configuration in a temporary
   folder (daemon off, one worker, access_log off, sendfile on, pid and temp paths in the
   folder, the replica's two redirects as ``return 301``), and stops it at the end whatever
   happens;
3. runs, one after the other, each on a fresh SQLite file, each as a subprocess:

   a. ``scrapy runspider bench/scrapy_spider.py`` (follows links in scope and TRS pagers,
      CSS selectors, one SQLite row per page; CONCURRENT_REQUESTS and
      CONCURRENT_REQUESTS_PER_DOMAIN = ``--concurrency``, no delay, robots.txt obeyed);
   b. ``scraper crawl --start-url BASE/xxgk/ --delay 0 --concurrency N --full
      --no-attachments`` (like for like: the same requests as the spider);
   c. ``scraper crawl ... --full`` (the default: attachment files downloaded and read).

For each row it prints requests (Scrapy's ``downloader/request_count``; scraper's
``runs.requests``), documents archived (the spider's rows of document pages, parts 2…n of a
multi-part document not counted; scraper's pages of kind ``document``), wall seconds of the
whole command start-up included, pages/s = documents archived / wall, CPU seconds (user + sys
of the whole process tree, from ``getrusage(RUSAGE_CHILDREN)`` around the subprocess) and peak
RSS summed over the process tree (psutil, sampled every 50 ms: the process and all its
descendants, summed at each sample, the largest sum kept). Then the issue's targets as
PASS/FAIL lines.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scraper.replica import ReplicaSite  # noqa: E402
from scraper.replica.static import build_static, nginx_locations  # noqa: E402

NGINX_CONF = """\
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    types {{
        text/html html htm;
        text/plain txt;
        application/pdf pdf;
        application/msword doc;
        application/vnd.openxmlformats-officedocument.wordprocessingml.document docx;
        application/vnd.ms-excel xls;
        application/vnd.openxmlformats-officedocument.spreadsheetml.sheet xlsx;
        image/png png;
    }}
    default_type application/octet-stream;
    server {{
        listen 127.0.0.1:{port};
        server_name localhost;
        root {root};
        index index.html;
{redirects}
    }}
}}
"""


def find_nginx() -> str:
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )
    if not found:
        raise SystemExit("nginx not found: apt-get install -y nginx (the bench starts its own)")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Nginx:
    """nginx serving ``root`` on 127.0.0.1:``port`` (and on each of ``more_ports``: one
    nginx for many sites), configured and run from ``tmp``."""

    def __init__(
        self,
        binary: str,
        root: Path,
        port: int,
        tmp: Path,
        redirects: str,
        more_ports: list[int] | None = None,
    ) -> None:
        self.tmp = tmp
        tmp.mkdir(parents=True, exist_ok=True)
        conf = tmp / "nginx.conf"
        indented = "".join(f"        {line}\n" for line in redirects.splitlines())
        text = NGINX_CONF.format(tmp=tmp, port=port, root=root, redirects=indented)
        if more_ports:
            listens = "".join(f"        listen 127.0.0.1:{p};\n" for p in [port, *more_ports])
            text = text.replace(f"        listen 127.0.0.1:{port};\n", listens)
            # a keep-alive connection from the crawler on every port
            text = text.replace("worker_connections 1024", "worker_connections 8192")
        conf.write_text(text)
        self.proc = subprocess.Popen(
            [binary, "-p", str(tmp), "-e", str(tmp / "error.log"), "-c", str(conf)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self.base_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 10
        for listening in [port, *(more_ports or [])[-1:]]:  # the first and the last
            self._wait(f"http://127.0.0.1:{listening}/robots.txt", deadline)

    def _wait(self, url: str, deadline: float) -> None:
        while True:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""
                raise SystemExit(f"nginx exited ({self.proc.returncode}): {err.strip()}")
            try:
                with urllib.request.urlopen(url, timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise SystemExit("nginx did not answer within 10 s")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM: fast shutdown
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def measure(cmd: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run ``cmd``; wall, CPU (user + sys of the reaped tree), peak tree RSS, and the peak
    RSS of each process of the tree (``peaks``: pid → (bytes, command line))."""
    import psutil

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    peak = 0
    peaks: dict[int, tuple[int, str]] = {}
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        try:
            top = psutil.Process(proc.pid)
        except psutil.NoSuchProcess:
            return
        while not done.is_set():
            total = 0
            try:
                tree = [top, *top.children(recursive=True)]
            except psutil.NoSuchProcess:
                break
            for p in tree:
                with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                    rss = p.memory_info().rss
                    total += rss
                    if rss > peaks.get(p.pid, (0, ""))[0]:
                        known = peaks.get(p.pid, (0, ""))[1]
                        peaks[p.pid] = (rss, known or " ".join(p.cmdline()))
            peak = max(peak, total)
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "returncode": proc.returncode,
        "stdout": out,
        "stderr": err,
        "wall": wall,
        "cpu": cpu,
        "peak_rss": peak,
        "peaks": peaks,
    }


def bin_of(name: str) -> str:
    """The console script installed beside this Python (the venv's), else on the PATH."""
    beside = Path(sys.executable).with_name(name)
    return str(beside) if beside.exists() else (shutil.which(name) or name)


def run_spider(base: str, work: Path, concurrency: int, env: dict[str, str]) -> dict[str, Any]:
    db, stats = work / "spider.db", work / "spider-stats.json"
    cmd = [
        bin_of("scrapy"), "runspider", str(ROOT / "bench" / "scrapy_spider.py"),
        "-a", f"start_url={base}/xxgk/", "-a", f"db={db}", "-a", f"stats={stats}",
        "-s", f"CONCURRENT_REQUESTS={concurrency}",
        "-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={concurrency}",
    ]  # fmt: skip
    r = measure(cmd, env)
    if r["returncode"] != 0 or not stats.exists():
        raise SystemExit(f"scrapy failed ({r['returncode']}): {r['stderr'][-3000:]}")
    s = json.loads(stats.read_text())
    with sqlite3.connect(db) as con:
        docs = con.execute("SELECT count(*) FROM pages WHERE kind = 'document'").fetchone()[0]
    r.update(requests=s.get("downloader/request_count", 0), documents=docs)
    r["errors"] = sum(v for k, v in s.items() if k.startswith("log_count/ERROR"))
    return r


def run_scraper(
    base: str, db: Path, concurrency: int, env: dict[str, str], *extra: str
) -> dict[str, Any]:
    cmd = [
        bin_of("scraper"), "crawl", "--start-url", f"{base}/xxgk/", "--db", str(db),
        "--delay", "0", "--concurrency", str(concurrency), "--full", *extra,
    ]  # fmt: skip
    r = measure(cmd, env)
    if r["returncode"] not in (0, 1):
        raise SystemExit(f"scraper crawl failed ({r['returncode']}): {r['stderr'][-3000:]}")
    with sqlite3.connect(db) as con:
        try:
            requests, errors = con.execute(
                "SELECT requests, errors FROM runs ORDER BY id DESC LIMIT 1"
            ).fetchone()
        except (sqlite3.OperationalError, TypeError):
            raise SystemExit(
                f"scraper crawl left no run ({r['returncode']}): {r['stderr'][-3000:]}"
            ) from None
        docs = con.execute("SELECT count(*) FROM pages WHERE kind = 'document'").fetchone()[0]
        files = con.execute("SELECT count(*) FROM pages WHERE kind = 'attachment'").fetchone()[0]
    r.update(requests=requests, documents=docs, errors=errors, files=files)
    return r


def machine(nginx: str) -> str:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    nginx_v = subprocess.run([nginx, "-v"], capture_output=True, text=True).stderr.strip()
    try:
        import scrapy

        scrapy_v = scrapy.__version__
    except ImportError:
        scrapy_v = "not installed"
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"machine: {os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, {nginx_v.removeprefix('nginx version: ')}, "
        f"Scrapy {scrapy_v}, {platform.system()} {platform.release()}; load average {load}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=5000, help="about this many documents")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--only",
        choices=["scrapy", "like-for-like", "default"],
        action="append",
        help="run only these rows (repeatable; default all three)",
    )
    args = parser.parse_args()
    rows_wanted = args.only or ["scrapy", "like-for-like", "default"]
    nginx_bin = find_nginx()
    try:
        import psutil  # noqa: F401

        if "scrapy" in rows_wanted:
            import scrapy  # noqa: F401
    except ImportError as exc:
        raise SystemExit(f"{exc.name} is missing: .venv/bin/pip install -e '.[bench]'") from exc
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPER_")}

    with tempfile.TemporaryDirectory(prefix="versus-scrapy-") as tmp_name:
        tmp = Path(tmp_name)
        shm = Path("/dev/shm")
        static_parent = shm if shm.is_dir() and os.access(shm, os.W_OK) else tmp
        static = Path(tempfile.mkdtemp(prefix="versus-scrapy-site-", dir=static_parent))
        static.chmod(0o755)  # nginx's worker may run as another user (nobody) than its master
        try:
            started = time.perf_counter()
            site = ReplicaSite.with_total_docs(args.docs)
            generated = time.perf_counter() - started
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            counts = build_static(site, static, base)
            built = time.perf_counter() - started - generated
            print(
                f"replica: {counts['documents']:,} documents, {counts['pages']:,} HTML pages, "
                f"{counts['files']:,} attachment files, {counts['bytes'] / 1e6:,.1f} MB "
                f"(generated in {generated:.1f} s, built static in {built:.1f} s); "
                f"nginx at {base}; concurrency {args.concurrency}, delay 0",
                flush=True,
            )
            nginx = Nginx(nginx_bin, static, port, tmp / "nginx", nginx_locations(
                counts["redirects"]
            ))  # fmt: skip
            results: dict[str, dict[str, Any]] = {}
            try:
                if "scrapy" in rows_wanted:
                    results["Scrapy spider"] = run_spider(base, tmp, args.concurrency, env)
                    print("  done: Scrapy spider", flush=True)
                if "like-for-like" in rows_wanted:
                    results["scraper crawl --no-attachments"] = run_scraper(
                        base, tmp / "like.db", args.concurrency, env, "--no-attachments"
                    )
                    print("  done: scraper crawl --no-attachments", flush=True)
                if "default" in rows_wanted:
                    results["scraper crawl (attachment files too)"] = run_scraper(
                        base, tmp / "default.db", args.concurrency, env
                    )
                    print("  done: scraper crawl", flush=True)
            finally:
                nginx.stop()
        finally:
            shutil.rmtree(static, ignore_errors=True)

        print()
        print(machine(nginx_bin))
        print()
        print(
            "| crawler | requests | documents archived | wall | pages/s | CPU | peak RSS (tree) |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|")
        for name, r in results.items():
            print(
                f"| {name} | {r['requests']:,} | {r['documents']:,} | {r['wall']:.1f} s | "
                f"{r['documents'] / r['wall']:.0f} | {r['cpu']:.1f} s | "
                f"{r['peak_rss'] / 2**20:.0f} MB |"
            )
        notes = [f"{name}: {r['errors']} errors" for name, r in results.items() if r.get("errors")]
        if "scraper crawl (attachment files too)" in results:
            notes.append(
                f"default crawl archived {results['scraper crawl (attachment files too)']['files']:,}"
                " attachment files"
            )
        for note in notes:
            print(f"note: {note}")
        spider = results.get("Scrapy spider")
        like = results.get("scraper crawl --no-attachments")
        default = results.get("scraper crawl (attachment files too)")
        if spider:
            rate = spider["documents"] / spider["wall"]
            print()
            checks = []
            if like:
                checks.append(
                    (
                        "like for like ≥ 1.5× the spider's pages/s",
                        like["documents"] / like["wall"] / rate,
                        1.5,
                    )
                )
                checks.append(
                    (
                        "like for like peak RSS ≤ the spider's (scraper / spider)",
                        like["peak_rss"] / max(spider["peak_rss"], 1),
                        -1.0,  # at most 1×
                    )
                )
            if default:
                checks.append(
                    (
                        "default crawl ≥ the spider's pages/s",
                        default["documents"] / default["wall"] / rate,
                        1.0,
                    )
                )
            for label, ratio, target in checks:
                # A negative target is a ceiling: the ratio must stay at or under it.
                ok = ratio <= -target if target < 0 else ratio >= target
                bound = f"≤ {-target}×" if target < 0 else f"≥ {target}×"
                print(f"{'PASS' if ok else 'FAIL'}  {label}: {ratio:.2f}× (target {bound})")


if __name__ == "__main__":
    main()
