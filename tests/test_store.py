"""Storage on recorded data: no network."""

import os
import signal
import subprocess
import sys
import time
import zlib

import pytest

from scraper import archive
from scraper.errors import ArchiveBusy, StoreError

URL = "http://h.cn/xxgk/tzgg/202310/t20231023_1.html"
FIELDS = {
    "title": "关于开展春季植树活动的通知",
    "date": "2023-10-23",
    "source": "红寺堡区林草局",
    "index_no": "640303/2023-00012",
    "doc_no": "红政办发〔2023〕12号",
    "breadcrumb": ["首页", "政府信息公开", "通知公告"],
    "meta": {"索引号": "640303/2023-00012"},
    "body_text": "各乡镇：\n\n现将有关事项通知如下。",
    "attachments": [{"url": "http://h.cn/xxgk/tzgg/202310/P020231023.pdf", "text": "附件1"}],
}
RAW = "<html><body><p>各乡镇：</p><footer>访问量：1</footer></body></html>".encode()


def snap(fields=None, raw=RAW, at="2026-11-01T00:00:00Z", url=URL):
    return archive.Snapshot(
        url, url, "document", dict(fields or FIELDS), raw, at, "utf-8", {"etag": '"a"'}
    )


@pytest.fixture
def db(tmp_path):
    database = archive.open_db(tmp_path / "a.db")
    yield database
    database.close()


@pytest.fixture
def run_id(db):
    return archive.start_run(db, "test", "full", os.getpid(), "scraper crawl")


def test_same_content_with_new_footer_bytes_is_not_a_version(db, run_id):
    assert archive.save_snapshot(db, snap(), run_id, "test") == "new_page"
    other_raw = RAW.replace(b"1</footer>", b"99999</footer>")
    assert (
        archive.save_snapshot(db, snap(raw=other_raw, at="2026-11-02T00:00:00Z"), run_id, "test")
        == "unchanged"
    )
    assert db["versions"].count == 1
    page = archive.get_page(db, URL)
    assert page["last_checked"] == "2026-11-02T00:00:00Z"
    assert page["first_seen"] == "2026-11-01T00:00:00Z"


def test_changed_body_is_a_new_version_and_nothing_is_overwritten(db, run_id):
    archive.save_snapshot(db, snap(), run_id, "test")
    edited = {**FIELDS, "body_text": FIELDS["body_text"] + "\n\n特此通知。"}
    assert (
        archive.save_snapshot(db, snap(edited, at="2026-11-02T00:00:00Z"), run_id, "test")
        == "new_version"
    )
    versions = archive.page_versions(db, URL)
    assert [v["number"] for v in versions] == [1, 2]
    assert versions[0]["body_text"] == FIELDS["body_text"]
    assert versions[1]["body_text"].endswith("特此通知。")
    assert versions[0]["attachments"] == FIELDS["attachments"]
    assert archive.get_page(db, URL)["current_version"] == 2


@pytest.mark.parametrize("field", ["title", "date", "source", "index_no", "doc_no", "body_text"])
def test_each_hashed_field_changes_the_hash(field):
    assert archive.content_hash({**FIELDS, field: "changed"}) != archive.content_hash(FIELDS)


def test_attachment_url_changes_the_hash_but_not_its_link_text():
    moved = {**FIELDS, "attachments": [{"url": "http://h.cn/other.pdf", "text": "附件1"}]}
    renamed = {
        **FIELDS,
        "attachments": [{"url": FIELDS["attachments"][0]["url"], "text": "附件一"}],
    }
    assert archive.content_hash(moved) != archive.content_hash(FIELDS)
    assert archive.content_hash(renamed) == archive.content_hash(FIELDS)


def test_raw_bytes_are_zlib_compressed_and_recoverable(db, run_id):
    archive.save_snapshot(db, snap(), run_id, "test")
    blob = db.execute("SELECT raw FROM versions").fetchone()[0]
    assert zlib.decompress(blob) == RAW


def test_removal_and_return_are_events_and_versions_stay(db, run_id):
    archive.save_snapshot(db, snap(), run_id, "test")
    assert archive.mark_gone(db, URL, 404, "2026-11-03T00:00:00Z", run_id) is True
    assert archive.mark_gone(db, URL, 404, "2026-11-04T00:00:00Z", run_id) is False  # once
    assert archive.get_page(db, URL)["removed_at"] == "2026-11-03T00:00:00Z"
    assert db["versions"].count == 1
    assert archive.save_snapshot(db, snap(at="2026-11-05T00:00:00Z"), run_id, "test") == "unchanged"
    assert archive.get_page(db, URL)["removed_at"] is None
    assert [e["event"] for e in archive.page_events(db, URL)] == ["removed", "returned"]


def test_unknown_url_answering_404_is_not_a_page(db, run_id):
    assert (
        archive.mark_gone(db, "http://h.cn/xxgk/dead.html", 404, "2026-11-03T00:00:00Z", run_id)
        is False
    )
    assert db["pages"].count == 0


def test_ensure_schema_is_rerunnable(tmp_path):
    first = archive.open_db(tmp_path / "a.db")
    archive.ensure_schema(first)
    first.close()
    again = archive.open_db(tmp_path / "a.db")
    archive.ensure_schema(again)
    assert {"pages", "versions", "runs", "failures", "page_events", "search_index"} <= set(
        again.table_names()
    )
    assert {"latest", "documents", "changes", "removed"} <= set(again.view_names())
    assert again["_sqlite_migrations"].count == len(archive.migrations._migrations)


def test_an_archive_from_before_attachment_files_and_alias_kinds_is_upgraded(tmp_path):
    path = tmp_path / "old.db"
    old = archive.open_db(path)
    # Undo m005 as an archive written by the previous release would lack it.
    for name in ("files_checked", "files_saved"):
        old.execute(f"ALTER TABLE runs DROP COLUMN {name}")
    old.execute("DELETE FROM _sqlite_migrations WHERE name = 'm005_attachment_files'")
    old.execute("DROP VIEW attachment_files")
    # …and the kinds of aliases (m006), with a redirect recorded the old way.
    old.execute("ALTER TABLE aliases DROP COLUMN how")
    old.execute("DELETE FROM _sqlite_migrations WHERE name = 'm006_alias_kinds'")
    old.execute(
        "INSERT INTO aliases (url, page_url, first_seen, last_seen) VALUES (?, ?, ?, ?)",
        [
            "http://h.cn/old.html",
            "http://h.cn/new.html",
            "2026-01-01T00:00:00Z",
            "2026-01-01T00:00:00Z",
        ],
    )
    old.conn.commit()
    old.close()
    upgraded = archive.open_db(path)
    assert {"files_checked", "files_saved"} <= set(upgraded["runs"].columns_dict)
    assert "attachment_files" in upgraded.view_names()
    run_id = archive.start_run(upgraded, "test", "full", 1, "scraper crawl", {})
    archive.finish_run(upgraded, run_id, {"files_checked": 3, "files_saved": 2}, "ok", 0)
    assert upgraded["runs"].get(run_id)["files_saved"] == 2
    assert archive.aliases(upgraded) == {"http://h.cn/old.html": "http://h.cn/new.html"}
    assert archive.same_pages(upgraded) == {}


def test_full_text_search_finds_chinese_substrings(db, run_id):
    archive.save_snapshot(db, snap(), run_id, "test")
    # The bigram phrase of 植树活动, as the sqlite3 shell would write it.
    rows = list(
        db.query("SELECT rowid FROM search_index WHERE search_index MATCH ?", ['"植树 树活 活动"'])
    )
    assert len(rows) == 1


def test_unwritable_archive_is_a_store_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError):
        archive.open_db(blocker / "a.db")


def test_write_failure_rolls_back_and_raises_store_error(db, run_id):
    archive.save_snapshot(db, snap(), run_id, "test")
    db.execute("PRAGMA query_only = ON")
    edited = {**FIELDS, "title": "新标题"}
    with pytest.raises(StoreError):
        archive.save_snapshot(db, snap(edited), run_id, "test")
    db.execute("PRAGMA query_only = OFF")
    assert db["versions"].count == 1
    assert archive.get_page(db, URL)["current_version"] == 1


HOLD = "import sys,time; from scraper.archive import archive_lock\nwith archive_lock(sys.argv[1]):\n    print('held', flush=True); time.sleep(60)"


def test_lock_refuses_a_second_holder_and_dies_with_its_process(tmp_path):
    path = tmp_path / "a.db"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(ArchiveBusy, match=str(holder.pid)), archive.archive_lock(path):
            pass
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    deadline = time.monotonic() + 5
    with archive.archive_lock(path):  # the lock file is still there; the kernel released the lock
        assert (tmp_path / "a.db.lock").exists()
    assert time.monotonic() < deadline


def test_integrity(db, run_id):
    archive.save_snapshot(db, snap(), run_id, "test")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
