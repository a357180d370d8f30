"""End to end: the real CLI in a subprocess crawls the replica site served on 127.0.0.1."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import sqlite_utils

from .conftest import crawl_args, run_cli

WS = re.compile(r"[\s\u3000\u00a0\u200b\ufeff]+")


def nows(text: str | None) -> str:
    return WS.sub("", text or "")


def crawl(server, db, *extra, full=True):
    return run_cli(*crawl_args(server, db, *extra, full=full))


def export(db, kind="document"):
    result = run_cli("export", "--db", str(db), "--kind", kind)
    assert result.returncode == 0, result.stderr
    return {urlsplit(r["url"]).path: r for r in map(json.loads, result.stdout.splitlines())}


def last_run(db):
    return next(sqlite_utils.Database(db).query("SELECT * FROM runs ORDER BY id DESC LIMIT 1"))


def versions_by_path(db):
    rows = sqlite_utils.Database(db).query(
        "SELECT p.url, count(v.id) AS n FROM pages p LEFT JOIN versions v ON v.page_id = p.id "
        "WHERE p.kind = 'document' GROUP BY p.id"
    )
    return {urlsplit(r["url"]).path: r["n"] for r in rows}


def test_first_crawl_archives_every_document_once_with_its_fields(replica, archive):
    site, server = replica
    result = crawl(server, archive)
    assert result.returncode == 0, result.stderr
    expected = site.expected_documents()
    docs = export(archive)
    assert set(docs) == set(expected)
    for path, want in expected.items():
        got = docs[path]
        for name in ("title", "date", "source", "index_no", "doc_no"):
            assert got[name] == want[name], (path, name)
        body = nows(got["body_text"])
        assert body.startswith(nows(want["body_first"])), path
        # A last paragraph that is the attachment's link (附件：….xlsx) is the attachment, not
        # the text (extractor 1.3.0): the body ends with the paragraph before it.
        paras = want["body_paragraphs"]
        last = want["body_last"]
        if len(paras) > 1 and any(last.endswith(a["text"]) for a in want["attachments"]):
            last = paras[-2]
        assert body.endswith(nows(last)), path
        for furniture in (
            "字号",
            "扫一扫",
            "分享至",
            "打印本页",
            "关闭窗口",
            "用微信扫描",
            "网站标识码",
            "访问量",
        ):
            assert furniture not in got["body_text"], (path, furniture)
        assert [urlsplit(a["url"]).path for a in got["attachments"]] == [
            a["path"] for a in want["attachments"]
        ], path
        assert got["versions"] == 1 and got["removed_at"] is None
        assert got["breadcrumb"], path

    requested = [path for method, path, *_ in server.requests]
    assert not any(p.startswith(tuple(site.disallowed_paths())) for p in requested)
    assert all(p == "/robots.txt" or p.startswith("/xxgk/") for p in requested), requested
    assert len(requested) == len(set(requested)), "a URL was requested twice"

    db = sqlite_utils.Database(archive)
    failures = list(db.query("SELECT url, category FROM failures"))
    dead = {urlsplit(f["url"]).path for f in failures if f["category"] == "dead-link"}
    assert dead == set(site.dead_paths())
    assert not any(urlsplit(f["url"]).path in dead for f in db.query("SELECT url FROM pages"))
    assert not any("offsite" in f["url"] or f["category"] == "error" for f in failures)
    redirected_from = {
        urlsplit(r["first_url"]).path
        for r in db.query("SELECT first_url FROM pages WHERE first_url != url")
    }
    assert set(site.redirects()) <= redirected_from
    run = last_run(archive)
    assert run["status"] == "ok" and run["exit_code"] == 0 and run["errors"] == 0
    assert run["dead_links"] == len(site.dead_paths())
    assert run["new_pages"] >= len(expected)


def test_unchanged_site_gives_no_new_versions(replica, archive):
    site, server = replica
    assert crawl(server, archive).returncode == 0
    before = sqlite_utils.Database(archive)["versions"].count
    assert crawl(server, archive).returncode == 0
    assert sqlite_utils.Database(archive)["versions"].count == before
    run = last_run(archive)
    assert run["new_versions"] == 0 and run["new_pages"] == 0 and run["removed"] == 0


def test_changes_make_exactly_the_expected_versions(replica, archive):
    site, server = replica
    assert crawl(server, archive).returncode == 0
    before = versions_by_path(archive)
    paths = sorted(site.expected_documents())
    edited, retitled, deleted = paths[0], paths[1], paths[2]
    site.edit_body(edited)
    site.retitle(retitled, "更正后的标题：关于调整办事时间的通知")
    site.delete(deleted)
    column = site.expected_documents()[paths[3]]["columns"][0]
    added = site.add_documents(column, 2)
    site.change_footer()
    site.bump_counters()

    result = crawl(server, archive)
    assert result.returncode == 0, result.stderr
    after = versions_by_path(archive)
    changed = {p for p in before if after[p] != before[p]}
    assert changed == {edited, retitled}
    assert after[edited] == 2 and after[retitled] == 2
    assert {p for p in after if p not in before} == set(added)
    assert all(after[p] == 1 for p in added)

    docs = export(archive)
    assert docs[retitled]["title"] == "更正后的标题：关于调整办事时间的通知"
    assert docs[deleted]["removed_at"] is not None and docs[deleted]["versions"] == 1
    assert set(docs) == set(site.expected_documents()) | {deleted}

    history = json.loads(
        run_cli("history", server.base_url + deleted, "--db", str(archive), "--json").stdout
    )
    assert [e["event"] for e in history] == ["version", "removed"]
    history = json.loads(
        run_cli("history", server.base_url + retitled, "--db", str(archive), "--json").stdout
    )
    assert history[-1]["changed"] == ["title"]
    diff = run_cli("diff", server.base_url + retitled, "--db", str(archive))
    assert diff.returncode == 0 and "→ 更正后的标题：关于调整办事时间的通知\n" in diff.stdout
    removed = sqlite_utils.Database(archive).query(
        "SELECT url FROM pages WHERE kind = 'document' AND removed_at IS NOT NULL"
    )
    assert {urlsplit(r["url"]).path for r in removed} == {deleted}


def test_waf_pages_never_become_versions(replica, archive):
    site, server = replica
    assert crawl(server, archive).returncode == 0
    before = sqlite_utils.Database(archive)["versions"].count
    site.set_waf(None, on=True)
    result = crawl(server, archive, "--summary")
    assert result.returncode == 1
    assert "errors" in result.stderr
    db = sqlite_utils.Database(archive)
    assert db["versions"].count == before
    assert db.execute("SELECT count(*) FROM pages WHERE removed_at IS NOT NULL").fetchone()[0] == 0
    blocked = db.execute("SELECT count(*) FROM failures WHERE category = 'blocked'").fetchone()[0]
    assert blocked >= 1


def test_extractor_upgrade_alone_creates_no_version(replica, archive):
    site, server = replica
    assert crawl(server, archive).returncode == 0
    db = sqlite_utils.Database(archive)
    # Pretend an older extractor made every version, with a different hash.
    db.execute(
        "UPDATE versions SET extractor_version = '0.0.0-old', content_hash = 'old-' || content_hash"
    )
    db.conn.commit()
    before = db["versions"].count
    site.change_footer()  # every page answers 200 again, so each is re-extracted
    assert crawl(server, archive).returncode == 0
    assert sqlite_utils.Database(archive)["versions"].count == before


def test_export_csv_and_stats(replica, archive):
    site, server = replica
    assert crawl(server, archive).returncode == 0
    result = run_cli("export", "--db", str(archive), "--format", "csv")
    header = result.stdout.splitlines()[0]
    assert header.split(",")[:4] == ["url", "site", "kind", "title"]
    stats = json.loads(run_cli("stats", "--db", str(archive), "--json").stdout)
    assert stats["live_documents"] == len(site.expected_documents())
