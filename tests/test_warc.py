"""WARC export: every version as a resource record with its metadata, readable by warcio with
its digests checked, written atomically. The real CLI against the replica on 127.0.0.1."""

from __future__ import annotations

import json
import os
import stat
import time
import zlib
from urllib.parse import urlsplit

import httpx
import pytest
import sqlite_utils
from warcio.archiveiterator import ArchiveIterator

from scraper.replica import ReplicaServer, ReplicaSite

from .conftest import run_cli
from .test_crawl_e2e import crawl


@pytest.fixture(scope="module")
def two_crawls(tmp_path_factory):
    """An archive of the replica crawled twice, with one attachment file and one document
    changed in between, so that some pages have two versions."""
    site = ReplicaSite()
    db = tmp_path_factory.mktemp("warc") / "archive.db"
    with ReplicaServer(site) as server:
        assert crawl(server, db).returncode == 0
        file_path = sorted(
            a["path"] for d in site.expected_documents().values() for a in d["attachments"]
        )[0]
        old_file = site.file_bytes(file_path)
        site.replace_file(file_path)
        edited = sorted(site.expected_documents())[2]
        site.edit_body(edited)
        time.sleep(1.05 - time.time() % 1)  # the second versions get a later WARC-Date
        assert crawl(server, db).returncode == 0
        served_type = httpx.get(server.base_url + file_path).headers["content-type"]
        yield {
            "served_type": served_type,
            "site": site,
            "db": db,
            "base": server.base_url,
            "file": file_path,
            "old_file": old_file,
            "new_file": site.file_bytes(file_path),
            "edited": edited,
        }


def read_warc(path):
    with open(path, "rb") as stream:
        records = []
        for record in ArchiveIterator(stream, check_digests="raise"):
            records.append(
                {
                    "type": record.rec_type,
                    "uri": record.rec_headers.get_header("WARC-Target-URI"),
                    "date": record.rec_headers.get_header("WARC-Date"),
                    "id": record.rec_headers.get_header("WARC-Record-ID"),
                    "concurrent": record.rec_headers.get_header("WARC-Concurrent-To"),
                    "content_type": record.rec_headers.get_header("Content-Type"),
                    "payload": record.content_stream().read(),
                }
            )
    return records


def db_versions(db):
    return list(
        sqlite_utils.Database(db).query(
            "SELECT p.url, v.id, v.number, v.fetched_at, v.raw, v.title FROM versions v "
            "JOIN pages p ON p.id = v.page_id"
        )
    )


def test_every_version_is_a_resource_record_with_its_metadata(two_crawls, tmp_path):
    out = tmp_path / "site.warc.gz"
    result = run_cli("warc", str(out), "--db", str(two_crawls["db"]))
    assert result.returncode == 0, result.stderr
    records = read_warc(out)  # digests verified: a corrupt record raises
    assert records[0]["type"] == "warcinfo"
    resources = [r for r in records if r["type"] == "resource"]
    metadata = [r for r in records if r["type"] == "metadata"]
    versions = db_versions(two_crawls["db"])
    parts = list(sqlite_utils.Database(two_crawls["db"]).query("SELECT url FROM version_parts"))
    assert len(resources) == len(versions) + len(parts)
    assert len(metadata) == len(versions)
    assert {(r["uri"], r["date"]) for r in metadata} == {
        (v["url"], v["fetched_at"]) for v in versions
    }
    payloads = {(r["uri"], r["date"]): r["payload"] for r in resources}
    for version in versions:
        assert payloads[(version["url"], version["fetched_at"])] == zlib.decompress(version["raw"])
    # The replaced attachment: both files, oldest first, as the replica served them.
    file_url = two_crawls["base"] + two_crawls["file"]
    assert [r["payload"] for r in resources if r["uri"] == file_url] == [
        two_crawls["old_file"],
        two_crawls["new_file"],
    ]
    assert {r["content_type"] for r in resources if r["uri"] == file_url} == {
        two_crawls["served_type"]
    }
    # Each metadata record names its resource record and carries the extracted fields.
    ids = {r["id"]: r for r in resources}
    edited_url = two_crawls["base"] + two_crawls["edited"]
    edited = [json.loads(r["payload"]) for r in metadata if r["uri"] == edited_url]
    assert [m["version"] for m in edited] == [1, 2]
    title = two_crawls["site"].expected_documents()[two_crawls["edited"]]["title"]
    assert {m["title"] for m in edited} == {title}
    assert edited[0]["body_text"] != edited[1]["body_text"]
    for record in metadata:
        assert ids[record["concurrent"]]["uri"] == record["uri"]
    assert "versions of" in result.stderr


def test_latest_and_kind_select_records(two_crawls, tmp_path):
    out = tmp_path / "files.warc.gz"
    result = run_cli(
        "warc", str(out), "--db", str(two_crawls["db"]), "--kind", "attachment", "--latest"
    )
    assert result.returncode == 0, result.stderr
    resources = [r for r in read_warc(out) if r["type"] == "resource"]
    files = {
        a["path"]
        for d in two_crawls["site"].expected_documents().values()
        for a in d["attachments"]
    }
    assert sorted(urlsplit(r["uri"]).path for r in resources) == sorted(files)
    file_url = two_crawls["base"] + two_crawls["file"]
    assert [r["payload"] for r in resources if r["uri"] == file_url] == [two_crawls["new_file"]]


def test_since_keeps_only_later_versions(two_crawls, tmp_path):
    versions = db_versions(two_crawls["db"])
    second_run = max(v["fetched_at"] for v in versions if v["number"] == 2)
    out = tmp_path / "since.warc.gz"
    result = run_cli("warc", str(out), "--db", str(two_crawls["db"]), "--since", second_run)
    assert result.returncode == 0, result.stderr
    dates = [r["date"] for r in read_warc(out) if r["type"] == "resource"]
    assert dates and min(dates) >= second_run
    assert len(dates) < len(versions)


def test_an_unwritable_output_is_a_clear_error_and_leaves_no_file(two_crawls, tmp_path):
    out = tmp_path / "missing-dir" / "site.warc.gz"
    result = run_cli("warc", str(out), "--db", str(two_crawls["db"]))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "cannot write" in result.stderr
    assert not (tmp_path / "missing-dir").exists()


def test_an_interrupted_export_leaves_neither_output_nor_temporary_file(
    two_crawls, tmp_path, monkeypatch
):
    from click.testing import CliRunner

    from scraper import warc
    from scraper.cli import cli

    def interrupted(db, out, **kwargs):
        out.write(b"WARC/1.1\r\n" * 100)
        raise KeyboardInterrupt

    monkeypatch.setattr(warc, "write_warc", interrupted)
    out = tmp_path / "site.warc.gz"
    result = CliRunner().invoke(cli, ["warc", str(out), "--db", str(two_crawls["db"])])
    assert result.exit_code != 0
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_since_a_date_and_a_clear_error_for_a_bad_one(two_crawls, tmp_path):
    out = tmp_path / "since.warc.gz"
    day = db_versions(two_crawls["db"])[0]["fetched_at"][:10]
    result = run_cli("warc", str(out), "--db", str(two_crawls["db"]), "--since", day)
    assert result.returncode == 0, result.stderr
    assert len([r for r in read_warc(out) if r["type"] == "resource"]) >= len(
        db_versions(two_crawls["db"])
    )
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~umask
    bad = run_cli("warc", str(out), "--db", str(two_crawls["db"]), "--since", "yesterday")
    assert bad.returncode == 2 and "--since 'yesterday'" in bad.stderr
