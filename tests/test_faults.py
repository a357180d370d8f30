"""The crawler against servers that misbehave: soft 404s, flapping 404s, unreadable robots.txt,
redirects into forbidden folders, changed parts of multi-part documents, returns."""

from __future__ import annotations

import json

import pytest
import sqlite_utils

from scraper.replica import ReplicaServer, ReplicaSite

from .conftest import crawl_args, run_cli
from .test_crawl_e2e import crawl as crawl_replica

HTML = {"Content-Type": "text/html; charset=utf-8"}


def page(title: str, body: str, extra: str = "") -> bytes:
    return (
        f"<html><head><title>{title}</title></head><body><h1>{title}</h1>"
        f"<div class='info'>发布日期：2024-01-01 来源：红寺堡区人民政府</div>"
        f"<div class='TRS_UEDITOR'><p>{body}</p></div>{extra}</body></html>"
    ).encode()


def small_site(server, doc_body="原始正文内容，共三段文字用于测试。") -> None:
    server.routes["/robots.txt"] = (200, {}, b"User-agent: *\nDisallow: /xxgk/private/\n")
    server.routes["/xxgk/"] = (
        200,
        HTML,
        b"<html><body><ul><li><a href='./202401/t20240101_1.html'>doc</a></li>"
        b"<li><a href='./old/t20230101_9.html'>old</a></li></ul></body></html>",
    )
    server.routes["/xxgk/202401/t20240101_1.html"] = (200, HTML, page("通知一", doc_body))
    server.routes["/xxgk/old/t20230101_9.html"] = (
        301,
        {"Location": "/xxgk/private/t20230101_9.html"},
        b"",
    )
    server.routes["/xxgk/private/t20230101_9.html"] = (200, HTML, page("内部", "不应抓取"))


def crawl(server, db, *extra):
    return run_cli(*crawl_args(server, db, *extra), timeout=60)


def test_redirect_into_a_robots_disallowed_folder_is_not_followed(route_server, archive):
    small_site(route_server)
    assert crawl(route_server, archive).returncode == 0
    assert "/xxgk/private/t20230101_9.html" not in route_server.paths()


def test_soft_404_of_a_known_page_marks_it_removed_without_looping(route_server, archive):
    small_site(route_server)
    assert crawl(route_server, archive).returncode == 0
    route_server.routes["/xxgk/202401/t20240101_1.html"] = (
        200,
        HTML,
        "<html><body><h2>您访问的页面不存在</h2></body></html>".encode(),
    )
    result = crawl(route_server, archive)
    assert result.returncode == 0, result.stderr
    assert (
        route_server.paths().count("/xxgk/202401/t20240101_1.html") == 1 + 2
    )  # first, then soft 404 + confirmation
    db = sqlite_utils.Database(archive)
    row = next(db.query("SELECT removed_at FROM pages WHERE url LIKE '%t20240101_1.html'"))
    assert row["removed_at"] is not None
    assert (
        db.execute(
            "SELECT count(*) FROM versions v JOIN pages p ON p.id = v.page_id WHERE p.url LIKE '%t20240101_1.html'"
        ).fetchone()[0]
        == 1
    )


def test_unreadable_robots_txt_means_nothing_is_crawled_and_the_run_fails(route_server, archive):
    small_site(route_server)
    route_server.routes["/robots.txt"] = (503, {}, b"busy")
    result = crawl(route_server, archive)
    assert result.returncode == 1
    assert "robots.txt unreachable" in result.stderr
    assert set(route_server.paths()) == {"/robots.txt"}
    assert route_server.paths().count("/robots.txt") == 2  # retried once (--retries 1)


def test_robots_txt_redirect_on_the_same_host_is_followed(route_server, archive):
    small_site(route_server)
    route_server.routes["/robots.txt"] = (301, {"Location": "/real-robots.txt"}, b"")
    route_server.routes["/real-robots.txt"] = (200, {}, b"User-agent: *\nDisallow: /xxgk/202401/\n")
    assert crawl(route_server, archive).returncode == 0
    assert "/real-robots.txt" in route_server.paths()
    assert "/xxgk/202401/t20240101_1.html" not in route_server.paths()


def test_a_change_in_a_later_part_of_a_multi_part_document_is_a_new_version(route_server, archive):
    small_site(route_server)
    pager = "<script>createPageHTML(2, 0, 't20240101_1', 'html');</script>"
    route_server.routes["/xxgk/202401/t20240101_1.html"] = (
        200,
        {**HTML, "ETag": '"p1"'},
        page("通知一", "第一部分正文。", pager),
    )
    route_server.routes["/xxgk/202401/t20240101_1_1.html"] = (
        200,
        HTML,
        page("通知一", "第二部分正文。", pager),
    )
    assert crawl(route_server, archive).returncode == 0
    route_server.routes["/xxgk/202401/t20240101_1_1.html"] = (
        200,
        HTML,
        page("通知一", "第二部分正文，已更正。", pager),
    )
    assert crawl(route_server, archive).returncode == 0
    url = f"{route_server.base_url}/xxgk/202401/t20240101_1.html"
    history = json.loads(run_cli("history", url, "--db", str(archive), "--json").stdout)
    assert [e["event"] for e in history] == ["version", "version"]
    body = next(
        sqlite_utils.Database(archive).query("SELECT body_text FROM latest WHERE url = ?", [url])
    )["body_text"]
    assert "第一部分正文" in body and "已更正" in body


def test_removed_document_that_returns_has_both_events_and_a_confirmed_removal(tmp_path):
    site = ReplicaSite()
    db = tmp_path / "a.db"
    with ReplicaServer(site) as server:
        assert crawl_replica(server, db).returncode == 0
        path = sorted(site.expected_documents())[5]
        site.fail_next(path, times=1, status=404)  # a flapping server: 404 once, then 200
        server.reset_log()
        assert crawl_replica(server, db).returncode == 0
        assert server.requested_paths().count(path) == 2  # the 404 was checked again
        url = server.base_url + path
        assert (
            json.loads(run_cli("history", url, "--db", str(db), "--json").stdout)[-1]["event"]
            == "version"
        )
        site.delete(path)
        assert crawl_replica(server, db).returncode == 0
        site.restore(path)
        assert crawl_replica(server, db).returncode == 0
        events = [
            e["event"]
            for e in json.loads(run_cli("history", url, "--db", str(db), "--json").stdout)
        ]
        assert events == ["version", "removed", "returned"]
        row = next(
            sqlite_utils.Database(db).query("SELECT removed_at FROM pages WHERE url = ?", [url])
        )
        assert row["removed_at"] is None


def test_revisit_policy_finds_an_edit_to_a_document_on_a_walked_list(tmp_path):
    site = ReplicaSite()
    db = tmp_path / "a.db"
    with ReplicaServer(site) as server:
        assert crawl_replica(server, db, full=False).returncode == 0
        top = site.documents_in("/xxgk/zfxxgknb/")[0]
        site.edit_body(top)
        assert crawl_replica(server, db, "--recheck", "0", full=False).returncode == 0
        assert last_versions(db, server.base_url + top) == 1  # nothing re-checked, edit unseen
        assert crawl_replica(server, db, "--recheck", "1", full=False).returncode == 0
        assert last_versions(db, server.base_url + top) == 2


def last_versions(db, url):
    return (
        sqlite_utils.Database(db)
        .execute(
            "SELECT count(*) FROM versions v JOIN pages p ON p.id = v.page_id WHERE p.url = ?",
            [url],
        )
        .fetchone()[0]
    )


# httpx refuses the first Location itself; the second only canonical_url refuses.
BAD_LOCATIONS = ["http://[::1/broken", "http://127.0.0.1:99999/r"]


@pytest.mark.parametrize("location", BAD_LOCATIONS)
def test_redirect_to_an_invalid_url_is_a_clean_failure_and_the_run_goes_on(
    route_server, archive, location
):
    small_site(route_server)
    route_server.routes["/xxgk/old/t20230101_9.html"] = (302, {"Location": location}, b"")
    result = crawl(route_server, archive)
    assert result.returncode == 0, result.stderr  # a fact about the site, like a dead link
    assert "Traceback" not in result.stderr
    db = sqlite_utils.Database(archive)
    [failure] = db.query("SELECT url, category, reason, attempts FROM failures")
    assert failure["url"].endswith("/xxgk/old/t20230101_9.html")
    assert "redirect to an invalid URL" in failure["reason"]
    assert failure["category"] == "dead-link"
    assert failure["attempts"] == 1  # not retried as if the connection had failed
    assert db.execute("SELECT count(*) FROM versions").fetchone()[0] == 2  # list + document


@pytest.mark.parametrize("location", BAD_LOCATIONS)
def test_robots_txt_redirect_to_an_invalid_url_counts_as_no_robots_txt(
    route_server, archive, location
):
    small_site(route_server)
    route_server.routes["/robots.txt"] = (301, {"Location": location}, b"")
    result = crawl(route_server, archive)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "/xxgk/202401/t20240101_1.html" in route_server.paths()
