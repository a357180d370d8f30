"""Attachment files: downloaded in scope, versioned by their bytes, removals recorded, and
readable back with `scraper raw`. The real CLI against the replica (and small route servers)
on 127.0.0.1."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import zlib
from urllib.parse import urlsplit

import pytest
import sqlite_utils

from scraper.replica import ReplicaServer, ReplicaSite

from .conftest import ROOT, run_cli
from .test_crawl_e2e import crawl, last_run


@pytest.fixture
def replica():
    site = ReplicaSite()
    with ReplicaServer(site) as server:
        yield site, server


def linked_files(site):
    """Path -> link text of every attachment a live document links (the replica's truth)."""
    return {
        a["path"]: a["text"]
        for doc in site.expected_documents().values()
        for a in doc["attachments"]
    }


def requested(server):
    return [path for _method, path, *_ in server.requests]


def archived_files(db):
    """Path -> list of (version number, sha256, bytes) of every archived attachment file."""
    files: dict[str, list[tuple[int, str, bytes]]] = {}
    rows = sqlite_utils.Database(db).query(
        "SELECT p.url, v.number, v.content_hash, v.raw FROM versions v "
        "JOIN pages p ON p.id = v.page_id WHERE p.kind = 'attachment' ORDER BY v.number"
    )
    for row in rows:
        files.setdefault(urlsplit(row["url"]).path, []).append(
            (row["number"], row["content_hash"], zlib.decompress(row["raw"]))
        )
    return files


def raw_cli(db, url, *extra):
    return run_cli("raw", url, "--db", str(db), *extra)


def test_first_crawl_archives_every_linked_file_once_with_its_bytes(replica, archive):
    site, server = replica
    expected = linked_files(site)
    assert len(expected) >= 3  # the replica links pdf, docx and xls files from several documents
    result = crawl(server, archive, full=False)
    assert result.returncode == 0, result.stderr
    files = archived_files(archive)
    assert set(files) == set(expected)
    for path, versions in files.items():
        served = site.file_bytes(path)
        assert [(n, raw) for n, _, raw in versions] == [(1, served)]
        assert versions[0][1] == hashlib.sha256(served).hexdigest()
    downloads = [p for p in requested(server) if p in expected]
    assert sorted(downloads) == sorted(expected)  # each file requested exactly once
    run = last_run(archive)
    assert run["files_checked"] == run["files_saved"] == len(expected)
    # The file's title is the text of the link to it; the view ties it to its documents.
    db = sqlite_utils.Database(archive)
    view = {urlsplit(r["url"]).path: r for r in db.query("SELECT * FROM attachment_files")}
    for path, text in expected.items():
        assert view[path]["link_text"] == text
        assert view[path]["size"] == len(site.file_bytes(path))
        assert view[path]["linked_from"]
    exported = run_cli("export", "--db", str(archive), "--kind", "attachment")
    assert exported.returncode == 0, exported.stderr
    assert {urlsplit(json.loads(line)["url"]).path for line in exported.stdout.splitlines()} == set(
        expected
    )


def test_no_attachments_flag_downloads_no_file_but_keeps_the_links(replica, archive):
    site, server = replica
    expected = linked_files(site)
    result = crawl(server, archive, "--no-attachments", full=False)
    assert result.returncode == 0, result.stderr
    assert not [p for p in requested(server) if p in site.attachment_paths()]
    assert archived_files(archive) == {}
    links = {
        urlsplit(r["url"]).path
        for r in sqlite_utils.Database(archive).query("SELECT url FROM attachments")
    }
    assert set(expected) <= links


def test_the_environment_can_switch_downloads_off(replica, archive, tmp_path):
    site, server = replica
    args = ["crawl", "--start-url", f"{server.base_url}/xxgk/", "--db", str(archive)]
    result = run_cli(*args, "--delay", "0", env={"SCRAPER_ATTACHMENTS": "false"})
    assert result.returncode == 0, result.stderr
    assert not [p for p in requested(server) if p in site.attachment_paths()]


def test_a_replaced_file_becomes_a_new_version_and_the_old_bytes_stay(replica, archive, tmp_path):
    site, server = replica
    assert crawl(server, archive, full=False).returncode == 0
    path = sorted(linked_files(site))[0]
    old = site.file_bytes(path)
    site.replace_file(path)
    new = site.file_bytes(path)
    assert new != old

    # A default run that re-checks no document asks no known file again.
    server.reset_log()
    assert crawl(server, archive, "--recheck", "0", full=False).returncode == 0
    assert not [p for p in requested(server) if p in site.attachment_paths()]
    assert len(archived_files(archive)[path]) == 1

    # Re-checking the documents re-asks their files, conditionally: only the replaced one
    # is downloaded and versioned.
    server.reset_log()
    assert crawl(server, archive, "--recheck", "1", full=False).returncode == 0
    run = last_run(archive)
    assert run["files_saved"] == 1
    assert [raw for _, _, raw in archived_files(archive)[path]] == [old, new]
    file_answers = [
        status for _m, p, status, *_ in server.requests if p in linked_files(site) and p != path
    ]
    assert file_answers and set(file_answers) == {304}

    url = server.base_url + path
    history = run_cli("history", url, "--db", str(archive), "--json")
    assert history.returncode == 0, history.stderr
    versions = [e for e in json.loads(history.stdout) if e["event"] == "version"]
    assert [v["changed"] for v in versions] == [[], ["bytes"]]

    to_stdout = subprocess.run(
        [sys.executable, "-m", "scraper", "raw", url, "--db", str(archive), "--version", "1"],
        capture_output=True,
        cwd=ROOT,
        timeout=60,
    )
    assert to_stdout.returncode == 0 and to_stdout.stdout == old
    out = tmp_path / "old.bin"
    result = raw_cli(archive, url, "--version", "1", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == old
    result = raw_cli(archive, url, "--output", str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == new
    refused = run_cli("diff", url, "--db", str(archive))
    assert refused.returncode == 2 and "scraper raw" in refused.stderr
    first_fetch = versions[0]["at"]
    result = raw_cli(archive, url, "--at", first_fetch, "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == old


def test_a_file_that_disappears_is_marked_removed_with_its_versions_kept(replica, archive):
    site, server = replica
    assert crawl(server, archive, full=False).returncode == 0
    doc = next(p for p, d in site.expected_documents().items() if d["attachments"])
    files = [a["path"] for a in site.expected_documents()[doc]["attachments"]]
    site.delete(doc)
    result = crawl(server, archive)  # --full: every known page and file is asked again
    assert result.returncode == 0, result.stderr
    db = sqlite_utils.Database(archive)
    view = {urlsplit(r["url"]).path: r for r in db.query("SELECT * FROM attachment_files")}
    for path in files:
        assert view[path]["removed_at"], path
        assert view[path]["versions"] == 1
    removed = {urlsplit(r["url"]).path for r in db.query("SELECT url FROM removed")}
    assert set(files) <= removed


def test_a_file_over_the_cap_is_recorded_not_downloaded_and_not_asked_again(replica, archive):
    site, server = replica
    expected = linked_files(site)
    result = crawl(server, archive, "--attachment-max-bytes", "100", full=False)
    assert result.returncode == 0, result.stderr  # a policy, not a failure of the run
    assert archived_files(archive) == {}
    failures = {
        urlsplit(r["url"]).path: r["category"]
        for r in sqlite_utils.Database(archive).query("SELECT url, category FROM failures")
    }
    assert {p: failures.get(p) for p in expected} == dict.fromkeys(expected, "too-large")
    server.reset_log()
    result = crawl(server, archive, "--attachment-max-bytes", "100", "--recheck", "1", full=False)
    assert result.returncode == 0, result.stderr
    assert not [p for p in requested(server) if p in expected]


def _doc_linking(route_server, file_path, file_route, robots=""):
    page = (
        "<html><head><title>通知</title></head><body><h1>关于印发办法的通知</h1>"
        "<div class='TRS_Editor'><p>正文第一段。</p>"
        f"<p>附件：<a href='{file_path}'>实施办法.pdf</a></p></div></body></html>"
    )
    route_server.routes["/xxgk/"] = (
        200,
        {"Content-Type": "text/html; charset=utf-8"},
        b"<a href='t20240101_1.html'>\xe9\x80\x9a\xe7\x9f\xa5</a>",
    )
    route_server.routes["/xxgk/t20240101_1.html"] = (
        200,
        {"Content-Type": "text/html; charset=utf-8"},
        page.encode(),
    )
    route_server.routes["/robots.txt"] = (200, {"Content-Type": "text/plain"}, robots.encode())
    if file_route is not None:
        route_server.routes[file_path] = file_route


def test_a_soft_404_where_a_file_was_expected_is_not_a_version(route_server, archive):
    _doc_linking(
        route_server,
        "/xxgk/P020240101.pdf",
        (200, {"Content-Type": "text/html; charset=utf-8"}, "<p>您访问的页面不存在</p>".encode()),
    )
    args = ["crawl", "--start-url", f"{route_server.base_url}/xxgk/", "--db", str(archive)]
    result = run_cli(*args, "--delay", "0", "--retries", "0")
    assert result.returncode == 0, result.stderr
    assert "/xxgk/P020240101.pdf" in route_server.paths()
    assert archived_files(archive) == {}
    failures = list(sqlite_utils.Database(archive).query("SELECT url, category FROM failures"))
    assert [(urlsplit(f["url"]).path, f["category"]) for f in failures] == [
        ("/xxgk/P020240101.pdf", "dead-link")
    ]


def test_files_outside_the_scope_or_disallowed_by_robots_are_never_requested(route_server, archive):
    _doc_linking(
        route_server,
        "/xxgk/private/P020240101.pdf",
        (200, {"Content-Type": "application/pdf"}, b"%PDF-1.4 secret"),
        robots="User-agent: *\nDisallow: /xxgk/private/\n",
    )
    route_server.routes["/xxgk/t20240101_1.html"] = (
        200,
        {"Content-Type": "text/html; charset=utf-8"},
        (
            "<h1>通知</h1><div class='TRS_Editor'><p>正文。</p>"
            "<a href='/xxgk/private/P020240101.pdf'>甲.pdf</a>"
            "<a href='/other/P020240102.pdf'>乙.pdf</a></div>"
        ).encode(),
    )
    route_server.routes["/other/P020240102.pdf"] = (200, {}, b"%PDF-1.4 elsewhere")
    args = ["crawl", "--start-url", f"{route_server.base_url}/xxgk/", "--db", str(archive)]
    result = run_cli(*args, "--delay", "0")
    assert result.returncode == 0, result.stderr
    assert "/xxgk/t20240101_1.html" in route_server.paths()
    assert not [p for p in route_server.paths() if p.endswith(".pdf")]
    assert archived_files(archive) == {}
