"""Inspection in a real Datasette, with the metadata that ships in data/."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from urllib.parse import quote

import httpx
import pytest

from scraper.replica import ReplicaServer, ReplicaSite

from .conftest import ROOT
from .test_crawl_e2e import crawl


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def archived(tmp_path):
    site = ReplicaSite()
    db = tmp_path / "archive.db"
    with ReplicaServer(site) as server:
        assert crawl(server, db).returncode == 0
        # A document with attachment files, so that its files disappear with it.
        deleted, doc = next(
            (p, d) for p, d in sorted(site.expected_documents().items()) if d["attachments"]
        )
        site.delete(deleted)
        assert crawl(server, db).returncode == 0
        yield site, server.base_url, db, deleted, [a["path"] for a in doc["attachments"]]


def test_datasette_serves_views_search_and_canned_queries(archived):
    site, base, db, deleted, deleted_files = archived
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "datasette",
            "serve",
            str(db),
            "-m",
            str(ROOT / "data" / "metadata.json"),
            "--port",
            str(port),
            "--host",
            "127.0.0.1",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    root = f"http://127.0.0.1:{port}/archive"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/-/versions.json", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and proc.poll() is None, (
                    proc.stderr.read().decode()
                )
                time.sleep(0.1)
        docs = httpx.get(f"{root}/documents.json?_shape=array").json()
        live = set(site.expected_documents())
        assert {d["url"].removeprefix(base) for d in docs} == live
        removed = httpx.get(f"{root}/disappeared.json?_shape=array").json()
        assert [r["url"].removeprefix(base) for r in removed if r["kind"] == "document"] == [
            deleted
        ]
        gone_files = httpx.get(f"{root}/files_changed_or_gone.json?_shape=array").json()
        assert deleted_files
        assert sorted(f["url"].removeprefix(base) for f in gone_files) == sorted(deleted_files)
        assert all(f["removed_at"] and f["linked_from"] for f in gone_files)
        title = site.expected_documents()[sorted(live)[0]]["title"]
        found = httpx.get(
            f"{root}/search.json?_shape=array&q={quote(json.dumps(title[:6], ensure_ascii=False))}"
        ).json()
        assert sorted(live)[0] in {r["url"].removeprefix(base) for r in found}
        table_search = httpx.get(
            f"{root}/versions.json?_shape=array&_search={quote(json.dumps(title[:6], ensure_ascii=False))}"
        ).json()
        assert any(r["title"] == title for r in table_search)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_metadata_describes_the_main_and_the_demo_archive_alike():
    metadata = json.loads((ROOT / "data" / "metadata.json").read_text(encoding="utf-8"))
    assert metadata["databases"]["archive"] == metadata["databases"]["demo"]
