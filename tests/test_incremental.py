"""Cron-grade runs: cheap re-runs, new documents found quickly, resume after kill -9, one run
at a time. The real CLI against the replica on 127.0.0.1."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import time
from urllib.parse import urlsplit

import sqlite_utils

from .conftest import ROOT, crawl_args, run_cli
from .test_crawl_e2e import crawl, last_run


def requested(server):
    return [path for _method, path, *_ in server.requests]


def statuses(server):
    return [(path, status) for _method, path, status, *_ in server.requests]


def test_unchanged_rerun_is_cheap_and_gets_304s(replica, archive):
    site, server = replica
    assert crawl(server, archive, full=False).returncode == 0
    first = last_run(archive)
    n_docs = len(site.expected_documents())
    server.reset_log()
    result = crawl(server, archive, "--summary", full=False)
    assert result.returncode == 0, result.stderr
    print(result.stderr.strip())  # the summary line, with the request count
    run = last_run(archive)
    assert run["new_versions"] == 0 and run["new_pages"] == 0
    assert "requests" in result.stderr and str(run["requests"]) in result.stderr
    log = statuses(server)
    assert run["requests"] == len(log)
    assert run["requests"] < first["requests"] / 2
    documents = [(p, s) for p, s in log if p in site.expected_documents()]
    assert len(documents) <= math.ceil(0.05 * n_docs)
    assert [(p, s) for p, s in log if p != "/robots.txt" and s != 304] == []
    # Every answer but robots.txt's was a 304: pages' and re-checked documents' files'.
    assert run["not_modified"] + run["files_checked"] == len(log) - 1
    # No full walk: no list page beyond a column's first one was requested.
    later_list_pages = [
        p for p in requested(server) if p in site.list_pages() and "_" in p.rsplit("/", 1)[-1]
    ]
    assert later_list_pages == []


def test_new_documents_on_top_of_a_column_are_found_with_few_requests(replica, archive):
    site, server = replica
    assert crawl(server, archive, full=False).returncode == 0
    column = "/xxgk/zfxxgknb/"
    added = site.add_documents(column, 2)
    server.reset_log()
    assert crawl(server, archive, full=False).returncode == 0
    docs = {
        urlsplit(r["url"]).path
        for r in sqlite_utils.Database(archive).query("SELECT url FROM pages")
    }
    assert set(added) <= docs
    column_pages = [p for p in site.list_pages() if p.startswith(column)]
    walked = [p for p in requested(server) if p in column_pages]
    assert len(walked) < len(column_pages), "the whole column was walked"


def test_full_rerun_rechecks_everything_with_304s(replica, archive):
    site, server = replica
    assert crawl(server, archive).returncode == 0
    first = last_run(archive)
    server.reset_log()
    assert crawl(server, archive).returncode == 0
    run = last_run(archive)
    assert run["new_versions"] == 0
    fetched_docs = {p for p in requested(server) if p in site.expected_documents()}
    assert fetched_docs == set(site.expected_documents())
    # Everything answers 304 except the parts of the multi-part document, which is re-read
    # whole (a 304 on part 1 says nothing of parts 2…n).
    multipart = site.documents_with("multipart")
    full_downloads = {p for p, status in statuses(server) if status == 200 and p != "/robots.txt"}
    assert full_downloads == {
        p for p in requested(server) if any(p.startswith(m[:-5]) for m in multipart)
    }
    assert run["bytes"] <= first["bytes"] * 0.10


def _archive_state(path):
    db = sqlite_utils.Database(path)
    pages = sorted(
        (r["url"], r["kind"], r["removed_at"] is None, r["current_version"])
        for r in db.query("SELECT * FROM pages")
    )
    versions = sorted(
        (r["url"], r["number"], r["content_hash"], r["title"], r["body_text"])
        for r in db.query("SELECT p.url, v.* FROM versions v JOIN pages p ON p.id = v.page_id")
    )
    return pages, versions


def assert_same_archive(a, b):
    (pages_a, versions_a), (pages_b, versions_b) = _archive_state(a), _archive_state(b)
    only_a = sorted(set(pages_a) - set(pages_b)) + sorted(
        v[:2] for v in set(versions_a) - set(versions_b)
    )
    only_b = sorted(set(pages_b) - set(pages_a)) + sorted(
        v[:2] for v in set(versions_b) - set(versions_a)
    )
    assert (only_a, only_b) == ([], []), f"only in {a.name}: {only_a}; only in {b.name}: {only_b}"
    assert len(versions_a) == len(versions_b)


def _start_crawl(server, db):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPER_")}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scraper",
            *crawl_args(server, db, "--concurrency", "1", full=False),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_documents(db, at_least, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if db.exists():
            try:
                n = (
                    sqlite_utils.Database(db)
                    .execute("SELECT count(*) FROM pages WHERE kind = 'document'")
                    .fetchone()[0]
                )
            except Exception:
                n = 0
            if n >= at_least:
                return n
        time.sleep(0.05)
    raise AssertionError("crawl made no progress")


def test_kill_9_mid_run_then_rerun_equals_an_uninterrupted_crawl(replica, tmp_path):
    site, server = replica
    total = len(site.expected_documents())
    killed = tmp_path / "killed.db"
    server.delay = 0.05
    proc = _start_crawl(server, killed)
    try:
        n = _wait_for_documents(killed, 3)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert n < total, "the crawl finished before it could be killed"
    server.delay = 0.0
    before = {
        urlsplit(r["url"]).path
        for r in sqlite_utils.Database(killed).query(
            "SELECT url FROM pages WHERE kind = 'document'"
        )
    }
    server.reset_log()
    result = crawl(server, killed, full=False)
    assert result.returncode == 0, result.stderr
    assert last_run(killed)["mode"] == "resume"
    # It finished the killed run's work instead of starting over: documents that run had
    # archived are not fetched again (a re-check of the revisit policy aside).
    again = [p for p in requested(server) if p in before]
    assert len(again) <= math.ceil(0.05 * total)

    clean = tmp_path / "clean.db"
    assert crawl(server, clean, full=False).returncode == 0
    assert_same_archive(killed, clean)
    db = sqlite_utils.Database(killed)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert (
        db.execute(
            "SELECT count(*) FROM (SELECT url FROM pages GROUP BY url HAVING count(*) > 1)"
        ).fetchone()[0]
        == 0
    )
    statuses_ = [r["status"] for r in db.query("SELECT status FROM runs ORDER BY id")]
    assert statuses_ == ["interrupted", "ok"]


def test_second_concurrent_run_is_refused_and_a_stale_lock_is_not(replica, archive):
    site, server = replica
    server.delay = 0.2
    proc = _start_crawl(server, archive)
    try:
        _wait_for_documents(archive, 1)
        second = crawl(server, archive)
        assert second.returncode == 3
        assert "another run" in second.stderr and len(second.stderr.strip().splitlines()) == 1
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert (archive.parent / (archive.name + ".lock")).exists()
    server.delay = 0.0
    third = crawl(server, archive)
    assert third.returncode == 0, third.stderr


def test_max_pages_stops_early_and_the_next_run_goes_on(replica, tmp_path):
    site, server = replica
    partial = tmp_path / "partial.db"
    result = crawl(server, partial, "--max-pages", "6", full=False)
    assert result.returncode == 0, result.stderr
    run = last_run(partial)
    pages_asked = [
        p for p, status in statuses(server) if p != "/robots.txt" and status not in (301, 302)
    ]
    assert run["status"] == "partial" and len(pages_asked) == 6
    resumed = crawl(server, partial, full=False)
    assert resumed.returncode == 0
    assert (resumed.stdout, resumed.stderr) == ("", "")  # under cron a successful resume is silent
    assert last_run(partial)["mode"] == "resume"
    clean = tmp_path / "clean.db"
    assert crawl(server, clean, full=False).returncode == 0
    assert_same_archive(partial, clean)


def test_a_column_is_one_page_once_its_folder_names_its_first_list_page(replica, archive):
    site, server = replica
    assert crawl(server, archive).returncode == 0
    same = site.script_paged_columns()
    assert same  # the replica has script-paged columns
    db = sqlite_utils.Database(archive)
    learned = {
        urlsplit(r["url"]).path: urlsplit(r["page_url"]).path
        for r in db.query("SELECT url, page_url FROM aliases WHERE how = 'same-page'")
    }
    assert learned == {first: folder for folder, first in same.items()}
    pages_before = db["pages"].count
    server.reset_log()
    result = crawl(server, archive)  # --full: every list walked, every known page asked
    assert result.returncode == 0, result.stderr
    asked = requested(server)
    for folder, first in same.items():
        assert folder in asked and first not in asked
    # Without the script's word the two addresses stay two pages, both asked.
    linked = [c for c in site.columns() if c not in same]
    assert linked and all(c in asked and c + "index.html" in asked for c in linked)
    assert sqlite_utils.Database(archive)["pages"].count == pages_before
    # The first page's address leads to the folder's history.
    folder, first = next(iter(same.items()))
    history = run_cli("history", server.base_url + first, "--db", str(archive))
    assert history.returncode == 0 and history.stdout.splitlines()[0] == server.base_url + folder


HTML = {"Content-Type": "text/html; charset=utf-8"}


def _column(route_server, entries):
    links = "".join(
        f"<li><a href='{p}'>{t}</a><span>2024-01-0{i + 1}</span></li>"
        for i, (p, t) in enumerate(entries)
    )
    body = f"<ul>{links}</ul><script>createPageHTML(1, 0, 'list', 'html');</script>"
    return (200, HTML, body.encode())


def test_when_the_folder_fails_its_first_page_is_asked_again(route_server, archive):
    doc = "<h1>{}</h1><div class='TRS_Editor'><p>正文。</p></div>"
    route_server.routes["/robots.txt"] = (200, {}, b"")
    route_server.routes["/xxgk/"] = (200, HTML, "<a href='tzgg/'>通知公告栏目</a>".encode())
    t1 = "/xxgk/tzgg/t20240101_1.html"
    route_server.routes[t1] = (200, HTML, doc.format("第一份通知").encode())
    route_server.routes["/xxgk/tzgg/"] = _column(route_server, [(t1, "关于第一份通知的说明")])
    args = ["crawl", "--start-url", f"{route_server.base_url}/xxgk/", "--db", str(archive)]
    assert run_cli(*args, "--delay", "0").returncode == 0
    learned = sqlite_utils.Database(archive)["aliases"].count
    assert learned == 1
    # The folder breaks; the first page lives on and lists a new document.
    t2 = "/xxgk/tzgg/t20240102_2.html"
    route_server.routes[t2] = (200, HTML, doc.format("第二份通知").encode())
    del route_server.routes["/xxgk/tzgg/"]
    route_server.routes["/xxgk/tzgg/list.html"] = _column(
        route_server, [(t2, "关于第二份通知的说明"), (t1, "关于第一份通知的说明")]
    )
    route_server.requests.clear()
    result = run_cli(*args, "--delay", "0", "--full")
    assert result.returncode == 0, result.stderr
    assert "/xxgk/tzgg/list.html" in route_server.paths() and t2 in route_server.paths()
    assert sqlite_utils.Database(archive)["aliases"].count == 0
