"""The replica built to a static folder: the same bytes, and a crawl of it served by a plain
file server archives every document."""

from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlite_utils

from scraper.replica import ReplicaSite
from scraper.replica.static import build_static, nginx_locations

from .conftest import crawl_args, run_cli


class _Handler(SimpleHTTPRequestHandler):
    """Files from the folder, plus the build's redirects (what ``nginx_locations`` gives
    nginx)."""

    redirects: dict[str, str] = {}

    def do_GET(self) -> None:  # noqa: N802
        location = self.redirects.get(urlsplit(self.path).path)
        if location is None:
            super().do_GET()
            return
        self.send_response(301)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def static_server(tmp_path: Path):
    """(site, server with .base_url, build counts, folder)."""
    site = ReplicaSite()
    folder = tmp_path / "static"
    handler = type("Handler", (_Handler,), {"redirects": {}})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(folder)))
    httpd.daemon_threads = True
    httpd.base_url = f"http://127.0.0.1:{httpd.server_address[1]}"  # type: ignore[attr-defined]
    counts = build_static(site, folder, httpd.base_url)  # type: ignore[attr-defined]
    handler.redirects = dict(counts["redirects"])
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield site, httpd, counts, folder
    httpd.shutdown()
    httpd.server_close()


def test_static_files_are_the_bytes_the_replica_serves(static_server):
    site, server, counts, folder = static_server
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert len(files) == counts["pages"] + counts["files"] + counts["other"]
    assert sum(p.stat().st_size for p in files) == counts["bytes"]
    assert counts["documents"] == len(site.expected_documents())
    assert counts["files"] == len(site.attachment_paths())
    for p in files:
        path = "/" + p.relative_to(folder).as_posix()
        answer = site.respond("GET", path)
        if answer.status == 404 and path.endswith("/index.html"):
            answer = site.respond("GET", path.removesuffix("index.html"))  # a folder's page
        assert answer.status == 200, path
        assert answer.body == p.read_bytes(), path
    for path in [*site.html_paths(), *site.attachment_paths(), *site.disallowed_paths()]:
        target = folder / (path.lstrip("/") + ("index.html" if path.endswith("/") else ""))
        assert target.is_file(), path
    old, new = next(iter(site.redirects().items()))
    assert counts["redirects"][old] == server.base_url + new
    assert f"location = {old} {{ return 301 {server.base_url}{new}; }}" in nginx_locations(
        counts["redirects"]
    )


def test_build_refuses_a_folder_that_is_not_empty(tmp_path: Path):
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(FileExistsError):
        build_static(ReplicaSite(), tmp_path, "http://127.0.0.1:8080")
    assert (tmp_path / "keep.txt").read_text() == "mine"


def test_crawl_of_the_static_build_archives_every_document(static_server, archive):
    site, server, _, _ = static_server
    result = run_cli(*crawl_args(server, archive))
    assert result.returncode == 0, result.stderr
    db = sqlite_utils.Database(archive)
    kinds: dict[str, set[str]] = {}
    for row in db.query("SELECT url, kind FROM pages"):
        kinds.setdefault(row["kind"], set()).add(urlsplit(row["url"]).path)
    assert kinds["document"] == set(site.expected_documents())
    in_scope_files = {
        a["path"] for d in site.expected_documents().values() for a in d["attachments"]
    }
    assert in_scope_files <= kinds["attachment"]
