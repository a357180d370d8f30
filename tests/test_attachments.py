"""Attachment files: downloaded in scope, versioned by their bytes, removals recorded, and
readable back with `scraper raw`. The real CLI against the replica (and small route servers)
on 127.0.0.1."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
import zlib
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import sqlite_utils

from scraper.replica.files import docx_with_text, pdf_with_text

from .conftest import ROOT, run_cli
from .test_crawl_e2e import crawl, last_run


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
    # is downloaded and versioned. (Archive times have whole seconds: start the next one, so
    # that --at can tell the two versions apart.)
    time.sleep(1.05 - time.time() % 1)
    server.reset_log()
    assert crawl(server, archive, "--recheck", "1", full=False).returncode == 0
    run = last_run(archive)
    assert run["files_saved"] == 1
    assert [raw for _, _, raw in archived_files(archive)[path]] == [old, new]
    # The new version carries the new file's text, the old one keeps its own.
    texts = [
        r["body_text"]
        for r in sqlite_utils.Database(archive).query(
            "SELECT v.body_text FROM versions v JOIN pages p ON p.id = v.page_id "
            "WHERE p.url = ? ORDER BY v.number",
            [server.base_url + path],
        )
    ]
    assert "第1次修订" in texts[1] and "第1次修订" not in texts[0]
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
    assert versions[1]["at"] > first_fetch
    result = raw_cli(archive, url, "--at", first_fetch, "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == old
    # The same moment written in Beijing time names the same version.
    beijing = datetime.fromisoformat(first_fetch).astimezone(timezone(timedelta(hours=8)))
    result = raw_cli(archive, url, "--at", beijing.isoformat(), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == old
    too_early = raw_cli(archive, url, "--at", "2000-01-01")
    assert too_early.returncode == 2 and "no version fetched by 2000-01-01T23:59:59Z" in (
        too_early.stderr
    )
    malformed = raw_cli(archive, url, "--at", "yesterday")
    assert malformed.returncode == 2 and "not an ISO 8601" in malformed.stderr
    missing = raw_cli(archive, url, "--version", "9")
    assert missing.returncode == 2 and "has no version 9 (it has 1–2)" in missing.stderr


def test_a_file_that_disappears_is_marked_removed_with_its_versions_kept(replica, archive):
    site, server = replica
    assert crawl(server, archive, full=False).returncode == 0
    doc = next(p for p, d in site.expected_documents().items() if d["attachments"])
    files = [a["path"] for a in site.expected_documents()[doc]["attachments"]]
    before = {path: site.file_bytes(path) for path in files}
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
    # The bytes stay readable, with a note that the file is gone.
    kept = raw_cli(archive, server.base_url + files[0], "--output", str(archive.parent / "f.bin"))
    assert kept.returncode == 0, kept.stderr
    assert (archive.parent / "f.bin").read_bytes() == before[files[0]]
    assert "was removed at" in kept.stderr


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


HTML = {"Content-Type": "text/html; charset=utf-8"}
PDF = {"Content-Type": "application/pdf"}


def _site(route_server, docs: dict[str, str]) -> None:
    """An index linking documents; ``docs``: path -> body HTML (inside a TRS_Editor div)."""
    links = "".join(f"<li><a href='{p}'>通知{i}</a></li>" for i, p in enumerate(docs))
    route_server.routes["/xxgk/"] = (200, HTML, f"<ul>{links}</ul>".encode())
    route_server.routes["/robots.txt"] = (200, {}, b"")
    for path, body in docs.items():
        page = f"<h1>关于{path[-8:]}的通知</h1><div class='TRS_Editor'><p>正文。</p>{body}</div>"
        route_server.routes[path] = (200, HTML, page.encode())


def _crawl(route_server, archive, *extra):
    args = ["crawl", "--start-url", f"{route_server.base_url}/xxgk/", "--db", str(archive)]
    return run_cli(*args, "--delay", "0", "--retries", "0", *extra)


def test_a_file_link_that_redirects_to_a_known_document_leaves_the_document_alone(
    route_server, archive
):
    t1, t2 = "/xxgk/t20240101_1.html", "/xxgk/t20240102_2.html"
    _site(route_server, {t1: "", t2: ""})
    assert _crawl(route_server, archive).returncode == 0
    # A new document whose "attachment" redirects to the known, unchanged t1.
    t3 = "/xxgk/t20240103_3.html"
    _site(route_server, {t1: "", t2: "", t3: "<a href='P1.pdf'>办法.pdf</a>"})
    route_server.routes["/xxgk/P1.pdf"] = (302, {"Location": t1}, b"")
    result = _crawl(route_server, archive)
    assert result.returncode == 0, result.stderr
    db = sqlite_utils.Database(archive)
    rows = {
        urlsplit(r["url"]).path: (r["kind"], r["current_version"])
        for r in db.query("SELECT url, kind, current_version FROM pages")
    }
    assert rows[t1] == ("document", 1)
    assert t1 in {urlsplit(r["url"]).path for r in db.query("SELECT url FROM documents")}
    assert archived_files(archive) == {}


def test_download_script_fragment_and_non_ascii_links_are_one_file_each(route_server, archive):
    doc = "/xxgk/t20240101_1.html"
    _site(
        route_server,
        {
            doc: "<a href='/xxgk/downfile.jsp?filename=P2.pdf'>附件：办法.pdf</a>"
            "<a href='P1.pdf#page=2'>附件1.pdf</a><a href='P1.pdf'>附件1</a>"
            "<a href='附件/说明.doc'>说明.doc</a>"
        },
    )
    route_server.routes["/xxgk/downfile.jsp?filename=P2.pdf"] = (200, PDF, b"%PDF-1.4 two")
    route_server.routes["/xxgk/P1.pdf"] = (200, PDF, b"%PDF-1.4 one")
    route_server.routes["/xxgk/%E9%99%84%E4%BB%B6/%E8%AF%B4%E6%98%8E.doc"] = (
        200,
        {"Content-Type": "application/msword"},
        b"\xd0\xcf\x11\xe0 doc",
    )
    result = _crawl(route_server, archive)
    assert result.returncode == 0, result.stderr
    files = archived_files(archive)
    assert {path: [raw for _, _, raw in v] for path, v in files.items()} == {
        "/xxgk/downfile.jsp": [b"%PDF-1.4 two"],
        "/xxgk/P1.pdf": [b"%PDF-1.4 one"],
        "/xxgk/%E9%99%84%E4%BB%B6/%E8%AF%B4%E6%98%8E.doc": [b"\xd0\xcf\x11\xe0 doc"],
    }
    route_server.requests.clear()
    assert _crawl(route_server, archive, "--recheck", "0").returncode == 0
    assert [p for p in route_server.paths() if p not in ("/robots.txt", "/xxgk/")] == []


def test_an_html_answer_where_a_known_file_was_is_a_failure_not_a_version(route_server, archive):
    doc = "/xxgk/t20240101_1.html"
    _site(route_server, {doc: "<a href='P1.pdf'>附件1.pdf</a>"})
    route_server.routes["/xxgk/P1.pdf"] = (200, PDF, b"%PDF-1.4 one")
    assert _crawl(route_server, archive).returncode == 0
    route_server.routes["/xxgk/P1.pdf"] = (200, HTML, "<p>系统维护中，请稍后访问</p>".encode())
    result = _crawl(route_server, archive, "--full")
    assert result.returncode == 1  # the file could not be had this time
    assert [raw for _, _, raw in archived_files(archive)["/xxgk/P1.pdf"]] == [b"%PDF-1.4 one"]
    failures = sqlite_utils.Database(archive).query("SELECT url, category FROM failures")
    assert [(urlsplit(f["url"]).path, f["category"]) for f in failures] == [
        ("/xxgk/P1.pdf", "unreadable")
    ]


def test_a_resumed_run_keeps_a_queued_download_a_file(route_server, archive, tmp_path):
    doc = "/xxgk/t20240101_1.html"
    _site(route_server, {doc: "<a href='/xxgk/downfile.jsp?id=7'>实施细则.pdf</a>"})
    route_server.routes["/xxgk/downfile.jsp?id=7"] = (200, PDF, b"%PDF-1.4 seven")
    # Stopped after the index and the document: the file is left in the frontier.
    assert _crawl(route_server, archive, "--max-pages", "2").returncode == 0
    assert "/xxgk/downfile.jsp?id=7" not in route_server.paths()
    other = tmp_path / "other.db"
    assert _crawl(route_server, other, "--max-pages", "2").returncode == 0
    # Told not to download files, the next run leaves the queued one alone…
    assert _crawl(route_server, other, "--no-attachments").returncode == 0
    assert "/xxgk/downfile.jsp?id=7" not in route_server.paths()
    # …and a plain one finishes it as a file (its path alone would not say so).
    result = _crawl(route_server, archive)
    assert result.returncode == 0, result.stderr
    assert archived_files(archive) == {
        "/xxgk/downfile.jsp": [
            (1, hashlib.sha256(b"%PDF-1.4 seven").hexdigest(), b"%PDF-1.4 seven")
        ]
    }
    title = next(sqlite_utils.Database(archive).query("SELECT link_text FROM attachment_files"))
    assert title["link_text"] == "实施细则.pdf"


def test_text_inside_attachment_files_is_searchable(route_server, archive):
    doc = "/xxgk/t20240101_1.html"
    _site(
        route_server,
        {doc: "<a href='P1.pdf'>实施方案.pdf</a><a href='P2.docx'>任务清单.docx</a>"},
    )
    pdf = pdf_with_text(["红寺堡区农村饮水安全巩固提升实施方案", "一、工作目标"])
    docx = docx_with_text(["任务分工"], [["序号", "牵头单位"], ["1", "区水务局"]])
    route_server.routes["/xxgk/P1.pdf"] = (200, PDF, pdf)
    route_server.routes["/xxgk/P2.docx"] = (200, {"Content-Type": "application/msword"}, docx)
    result = _crawl(route_server, archive)
    assert result.returncode == 0, result.stderr
    found = run_cli("search", "农村饮水安全", "--db", str(archive), "--json")
    assert found.returncode == 0, found.stderr
    assert [urlsplit(r["url"]).path for r in json.loads(found.stdout)] == ["/xxgk/P1.pdf"]
    found = run_cli("search", "区水务局", "--db", str(archive), "--json")
    assert [urlsplit(r["url"]).path for r in json.loads(found.stdout)] == ["/xxgk/P2.docx"]
    exported = run_cli("export", "--db", str(archive), "--kind", "attachment")
    texts = {
        urlsplit(r["url"]).path: r["body_text"]
        for r in map(json.loads, exported.stdout.splitlines())
    }
    assert texts == {
        "/xxgk/P1.pdf": "红寺堡区农村饮水安全巩固提升实施方案\n一、工作目标",
        "/xxgk/P2.docx": "任务分工\n序号\t牵头单位\n1\t区水务局",
    }


def test_a_file_is_read_for_text_only_when_its_bytes_are_new(route_server, archive, tmp_path):
    doc = "/xxgk/t20240101_1.html"
    _site(route_server, {doc: "<a href='P1.pdf'>实施方案.pdf</a>"})
    route_server.routes["/xxgk/P1.pdf"] = (200, PDF, pdf_with_text(["实施方案正文"]))
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    for log in logs:  # no validators: the file answers 200 with the same bytes both times
        result = _crawl(route_server, archive, "--full", "-vv", "--log-file", str(log))
        assert result.returncode == 0, result.stderr
    assert route_server.paths().count("/xxgk/P1.pdf") == 2
    assert "reading the text of" in logs[0].read_text(encoding="utf-8")
    assert "reading the text of" not in logs[1].read_text(encoding="utf-8")


def test_a_file_behind_a_redirect_is_marked_removed_when_both_addresses_go(route_server, archive):
    doc = "/xxgk/t20240101_1.html"
    _site(route_server, {doc: "<a href='P1.pdf'>附件1.pdf</a>"})
    route_server.routes["/xxgk/P1.pdf"] = (302, {"Location": "/xxgk/files/B.pdf"}, b"")
    route_server.routes["/xxgk/files/B.pdf"] = (200, PDF, b"%PDF-1.4 bee")
    assert _crawl(route_server, archive).returncode == 0
    assert list(archived_files(archive)) == ["/xxgk/files/B.pdf"]
    view = next(sqlite_utils.Database(archive).query("SELECT * FROM attachment_files"))
    assert view["linked_from"]  # linked under the address that redirects
    del route_server.routes["/xxgk/P1.pdf"]
    del route_server.routes["/xxgk/files/B.pdf"]
    # A default run that re-checks the document asks the old address, then the file's own.
    result = _crawl(route_server, archive, "--recheck", "1")
    assert result.returncode == 0, result.stderr
    assert "/xxgk/files/B.pdf" in route_server.paths()
    view = next(sqlite_utils.Database(archive).query("SELECT * FROM attachment_files"))
    assert view["removed_at"] and view["versions"] == 1
