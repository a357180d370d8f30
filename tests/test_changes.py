"""`scraper changes`: the digest of what a run (or a time span) found. The real CLI against
the replica on 127.0.0.1, with the replica's own mutations as the truth."""

from __future__ import annotations

import json
import time
from urllib.parse import urlsplit

import sqlite_utils

from .conftest import run_cli
from .test_crawl_e2e import crawl


def changes(db, *extra):
    result = run_cli("changes", "--db", str(db), *extra)
    assert result.returncode == 0, result.stderr
    return result


def test_the_digest_of_a_run_names_what_it_found(replica, archive):
    site, server = replica
    assert crawl(server, archive, full=False).returncode == 0
    documents = site.expected_documents()
    with_files = sorted(p for p, d in documents.items() if d["attachments"])
    plain = sorted(p for p, d in documents.items() if not d["attachments"])
    edited, retitled = plain[0], plain[1]
    deleted = with_files[0]
    deleted_files = [a["path"] for a in documents[deleted]["attachments"]]
    replaced = documents[with_files[1]]["attachments"][0]["path"]
    site.edit_body(edited)
    site.retitle(retitled, "关于调整城乡居民医保缴费标准的通知（更正）")
    site.delete(deleted)
    (added,) = site.add_documents("/xxgk/tzgg/", 1)
    site.replace_file(replaced)
    time.sleep(1.05 - time.time() % 1)  # the second run starts in a later second
    assert crawl(server, archive).returncode == 0

    events = json.loads(changes(archive, "--json").stdout)
    found = {(e["event"], urlsplit(e["url"]).path): e for e in events}
    expected = {
        ("new", added),
        ("changed", edited),
        ("changed", retitled),
        ("removed", deleted),
        ("changed", replaced),
        *(("removed", path) for path in deleted_files),
    }
    assert set(found) == expected
    assert found[("changed", edited)]["changed"] == ["body_text"]
    assert "title" in found[("changed", retitled)]["changed"]
    assert found[("changed", retitled)]["title"] == "关于调整城乡居民医保缴费标准的通知（更正）"
    assert found[("changed", replaced)]["changed"] == ["bytes"]
    assert found[("new", added)]["version"] == 1

    text = changes(archive).stdout
    removed = 1 + len(deleted_files)
    assert text.splitlines()[0].endswith(f": 1 new, 3 changed, {removed} removed, 0 returned")
    assert f"changed (v2: body_text): {server.base_url}{edited}" in text

    # List pages are left out unless asked for. A list page's version is its listing, so the
    # column that lost the deleted document changed, and its versions tell when it went.
    lists = json.loads(changes(archive, "--json", "--kind", "list").stdout)
    assert lists and {e["kind"] for e in lists} == {"list"}
    title = documents[deleted]["title"]
    column = documents[deleted]["columns"][0]
    dropped = [
        e
        for e in lists
        if urlsplit(e["url"]).path.startswith(column) and e["changed"] == ["body_text"]
    ]
    assert dropped
    history = [
        v["body_text"]
        for v in sqlite_utils.Database(archive).query(
            "SELECT v.body_text FROM versions v JOIN pages p ON p.id = v.page_id "
            "WHERE p.url = ? ORDER BY v.number",
            [dropped[0]["url"]],
        )
    ]
    assert title in history[0] and title not in history[-1]

    # The whole history from the first day includes the first crawl's pages as new.
    everything = json.loads(changes(archive, "--json", "--since", "2000-01-01").stdout)
    assert (
        sum(e["event"] == "new" for e in everything)
        == len(documents) + len([a for d in documents.values() for a in d["attachments"]]) + 1
    )
    # Nothing in a span with no run: nothing on stdout, for `mail -E`.
    quiet = changes(archive, "--since", "2999-01-01")
    assert quiet.stdout == "" and "nothing new" in quiet.stderr


def test_an_archive_without_runs_needs_a_since(tmp_path):
    from scraper import archive

    db = archive.open_db(tmp_path / "empty.db")
    db.close()
    result = run_cli("changes", "--db", str(tmp_path / "empty.db"))
    assert result.returncode == 2 and "give --since" in result.stderr


def test_the_default_span_covers_the_unfinished_runs_the_latest_one_completed(replica, archive):
    site, server = replica
    assert crawl(server, archive, full=False).returncode == 0
    time.sleep(1.05 - time.time() % 1)
    (added,) = site.add_documents("/xxgk/tzgg/", 1)
    assert crawl(server, archive, full=False).returncode == 0
    db = sqlite_utils.Database(archive)
    first, second = [r["id"] for r in db.query("SELECT id FROM runs ORDER BY id")]
    digest = {
        (e["event"], urlsplit(e["url"]).path) for e in json.loads(changes(archive, "--json").stdout)
    }
    assert digest == {("new", added)}
    # Had the first run been cut short, the second one finished its work: both are reported.
    db.execute("UPDATE runs SET status = 'interrupted' WHERE id = ?", [first])
    db.conn.commit()
    digest = json.loads(changes(archive, "--json").stdout)
    assert len(digest) > 1 and ("new", added) in {
        (e["event"], urlsplit(e["url"]).path) for e in digest
    }
    # A digest taken while a run is going says it may be incomplete.
    db.execute("UPDATE runs SET status = 'running' WHERE id = ?", [second])
    db.conn.commit()
    assert "has not finished" in changes(archive).stderr
