"""The ranked digest of `scraper changes`: the real CLI against the replica crawled, changed
as `scraper demo` changes it (ReplicaSite.demo_changes) and crawled again; the ranking and
the excerpts of scraper.digest on literal events and texts."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from scraper import digest
from scraper.replica import ReplicaServer, ReplicaSite

from .conftest import crawl_args, run_cli


@dataclass
class Changed:
    db: Path
    base: str
    made: dict[str, Any]  # what ReplicaSite.demo_changes did
    old_file: bytes  # the replaced file's bytes before
    new_file: bytes  # and after


def changed_archive(tmp: Path) -> Iterator[Changed]:
    """An archive of the replica crawled (--full), changed as the demo changes it, and
    crawled again (--full)."""
    site = ReplicaSite()
    db = tmp / "archive.db"
    with ReplicaServer(site) as server:
        assert run_cli(*crawl_args(server, db)).returncode == 0
        replaced = "/xxgk/zfxxgknb/202303/P020230328118830.pdf"  # the one demo_changes picks
        old_file = site.file_bytes(replaced)
        made = site.demo_changes()
        assert made["replaced"] == replaced
        result = run_cli(*crawl_args(server, db))
        assert result.returncode == 0, result.stderr
        yield Changed(db, server.base_url, made, old_file, site.file_bytes(replaced))


@pytest.fixture(scope="module")
def changed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Changed]:
    yield from changed_archive(tmp_path_factory.mktemp("digest"))


def changes(db: Path, *extra: str) -> Any:
    result = run_cli("changes", "--db", str(db), *extra)
    assert result.returncode == 0, result.stderr
    return result


def test_the_digest_lists_exactly_the_changes_ranked(changed):
    made = changed.made
    # The replica's own record of what it changed, written out for the test's reading.
    assert made["edited"] == "/xxgk/tzgg/201809/t20180910_1156789.html"
    assert made["retitled"] == "/xxgk/zc/gfxwj/202111/t20211103_3198765.html"
    assert made["deleted"] == "/xxgk/tzgg/202406/t20240605_4702231.html"
    assert made["deleted_files"] == ["/xxgk/tzgg/202406/P020240605520331.xlsx"]
    assert made["added"] == [
        "/xxgk/tzgg/202407/t20240701_5000002.html",
        "/xxgk/tzgg/202407/t20240701_5000001.html",
    ]
    events = json.loads(changes(changed.db, "--json").stdout)
    ranks = {(e["event"], urlsplit(e["url"]).path): e["rank"] for e in events}
    # Exactly these events: the footer changed on every page too, and made none.
    assert set(ranks) == {
        ("removed", made["deleted"]),
        ("removed", made["deleted_files"][0]),
        ("changed", made["retitled"]),
        ("changed", made["edited"]),
        ("new", made["added"][0]),
        ("new", made["added"][1]),
        ("changed", made["replaced"]),
    }
    assert ranks[("removed", made["deleted"])] == 1  # a document removed
    assert ranks[("removed", made["deleted_files"][0])] == 2  # then a file removed
    assert ranks[("changed", made["retitled"])] == 3  # a title changed
    assert ranks[("changed", made["edited"])] == 4  # a body edited
    assert {ranks[("new", path)] for path in made["added"]} == {5, 6}  # new documents
    assert ranks[("changed", made["replaced"])] == 7  # a file replaced
    assert [e["rank"] for e in events] == [1, 2, 3, 4, 5, 6, 7]  # printed in rank order


def test_each_event_shows_its_change(changed):
    made = changed.made
    events = {
        (e["event"], urlsplit(e["url"]).path): e
        for e in json.loads(changes(changed.db, "--json").stdout)
    }
    # Today's fields are kept.
    edited = events[("changed", made["edited"])]
    assert {"event", "kind", "url", "at", "version", "changed"} <= set(edited)
    assert edited["changed"] == ["body_text"] and edited["version"] == 2
    # The edited paragraph is new text: shown whole in the excerpt, as added.
    assert any(f"+ {made['new_text']}" in excerpt for excerpt in edited["excerpts"])
    assert 0 < edited["share"] < 0.5
    retitled = events[("changed", made["retitled"])]
    assert retitled["fields"] == {"title": [made["old_title"], made["new_title"]]}
    assert retitled["excerpts"] == []
    removed = events[("removed", made["deleted"])]
    assert removed["last_seen"] < removed["at"]
    replaced = events[("changed", made["replaced"])]
    assert replaced["size"] == [len(changed.old_file), len(changed.new_file)]
    assert replaced["sha256"] == [
        hashlib.sha256(changed.old_file).hexdigest(),
        hashlib.sha256(changed.new_file).hexdigest(),
    ]
    added = events[("new", made["added"][0])]
    assert added["version"] == 1 and added["source"] == "红寺堡区审计局"

    text = changes(changed.db).stdout
    lines = text.splitlines()
    assert lines[0].startswith("Run 2 (since ")
    assert lines[0].endswith(": 2 new, 3 changed, 2 removed, 0 returned")
    assert lines[1].startswith("  1. ") and lines[1].endswith(
        "红寺堡区医疗保障局关于做好2025年度城乡居民基本医疗保险集中参保缴费工作的通知"
    )
    assert f"removed: {changed.base}{made['deleted']}" in lines[2]
    assert (
        lines[3].strip().startswith(f"last seen OK at {removed['last_seen']}, gone (confirmed) at ")
    )
    assert f"title: {made['old_title']} → {made['new_title']}" in text
    assert f"+ {made['new_text']}" in text
    assert f"size: {len(changed.old_file)} → {len(changed.new_file)} bytes" in text
    assert f"sha256: {hashlib.sha256(changed.old_file).hexdigest()} → " in text


def test_lines_sets_the_context_around_a_change(changed):
    made = changed.made

    def excerpt(*extra: str) -> str:
        events = json.loads(changes(changed.db, "--json", *extra).stdout)
        (edited,) = [e for e in events if urlsplit(e["url"]).path == made["edited"]]
        (only,) = edited["excerpts"]
        return str(only)

    bare = excerpt("--lines", "0").splitlines()
    assert [line[:2] for line in bare] == ["- ", "+ "]
    assert bare[1] == f"+ {made['new_text']}"
    one = excerpt("--lines", "1").splitlines()
    assert [line[:2] for line in one] == ["  ", "- ", "+ ", "  "]
    assert len(excerpt().splitlines()) > len(one)  # the default is 3


def test_list_pages_come_last_when_asked_for(changed):
    events = json.loads(changes(changed.db, "--json", "--kind", "all").stdout)
    kinds = [e["kind"] for e in events]
    first_list = kinds.index("list")
    assert set(kinds[first_list:]) == {"list"} and "list" not in kinds[:first_list]
    assert [e["rank"] for e in events] == list(range(1, len(events) + 1))


def test_back_to_back_runs_within_one_second_each_keep_their_digest(replica, archive):
    site, server = replica
    assert run_cli(*crawl_args(server, archive)).returncode == 0
    assert run_cli(*crawl_args(server, archive)).returncode == 0  # nothing changed
    # Make it the worst case: the second run started in the very second the first one
    # finished and fetched its versions.
    with sqlite3.connect(archive) as conn:
        (finished,) = conn.execute("SELECT finished FROM runs WHERE id = 1").fetchone()
        conn.execute("UPDATE runs SET started = ? WHERE id = 2", [finished])
        conn.execute("UPDATE versions SET fetched_at = ?", [finished])
    quiet = changes(archive)
    assert quiet.stdout == ""  # nothing on stdout: `mail -E` sends nothing
    assert json.loads(changes(archive, "--json").stdout) == []
    # The first run's digest is still its own.
    assert len(json.loads(changes(archive, "--json", "--since", finished).stdout)) == 26


# -- ranking and excerpts on literal values ------------------------------------------------


def event(what: str, kind: str, url: str, at: str = "2026-01-01T00:00:00Z", **more: Any) -> Any:
    base = {"event": what, "kind": kind, "url": url, "at": at, "version": 2, "changed": []}
    return {**base, **more}


def body(old: str, new: str) -> dict[str, Any]:
    return {
        "changed": ["body_text"],
        "before": {"body_text": old},
        "after": {"body_text": new},
    }


def test_ranking_follows_the_order_of_significance_and_ties_break_by_time():
    events = [
        event("changed", "list", "l1", **body("a", "b")),
        event("new", "attachment", "f-new", after={"raw_size": 3, "content_hash": "x"}),
        event("changed", "attachment", "f-replaced", changed=["bytes"]),
        event("returned", "document", "back"),
        event("new", "document", "d-new"),
        event(
            "changed",
            "document",
            "small-edit",
            **body("一二三四五六七八九十", "一二三四五六七八九〇"),
        ),
        event("changed", "document", "big-edit", **body("一二三四", "五六七八")),
        event("changed", "document", "date", changed=["date"]),
        event("changed", "document", "doc-no-later", at="2026-01-02T00:00:00Z", changed=["doc_no"]),
        event("removed", "attachment", "f-gone"),
        event("removed", "document", "d-gone-later", at="2026-01-02T00:00:00Z"),
        event("removed", "document", "d-gone"),
    ]
    ranked = digest.ranked(events)
    assert [e["url"] for e in ranked] == [
        "d-gone",
        "d-gone-later",
        "f-gone",
        "date",
        "doc-no-later",
        "big-edit",
        "small-edit",
        "d-new",
        "back",
        "f-replaced",
        "f-new",
        "l1",
    ]
    assert [e["rank"] for e in ranked] == list(range(1, 13))


def test_changed_share_counts_the_characters_removed_and_added():
    assert digest.changed_share("abcd", "abcd") == 0
    assert digest.changed_share("abcd", "abxd") == 2 / 8  # c out, x in, of 4 + 4
    assert digest.changed_share("甲\n乙", "甲\n丙丁") == 3 / 5  # 乙 out, 丙丁 in, of 2 + 3
    assert digest.changed_share("", "") == 0


def test_an_excerpt_is_centred_on_the_change_and_always_holds_it():
    left, right = "左" * 100, "右" * 100
    (marked,) = digest.excerpts(f"{left}旧{right}", f"{left}新{right}", lines=3)
    assert marked == "~ …" + "左" * 40 + "[-旧-]{+新+}" + "右" * 40 + "…"
    # A long change is never cut; the context paragraphs are, nearest the change kept.
    added = "加" * 300
    text = digest.excerpts(f"前{left}\n后{right}", f"前{left}\n{added}\n后{right}", lines=1)
    assert text == ["  …" + "左" * 40 + "\n+ " + added + "\n  后" + "右" * 39 + "…"]
    # Changes further apart than twice the context are excerpts of their own.
    paragraphs = [f"第{i}段" for i in range(10)]
    edited = paragraphs.copy()
    edited[1], edited[8] = "新增一", "新增八"
    apart = digest.excerpts("\n".join(paragraphs), "\n".join(edited), lines=1)
    assert apart == ["  第0段\n- 第1段\n+ 新增一\n  第2段", "  第7段\n- 第8段\n+ 新增八\n  第9段"]
    assert len(digest.excerpts("\n".join(paragraphs), "\n".join(edited), lines=3)) == 1


def test_until_alone_takes_everything_archived_up_to_then_and_json_keys_are_all_there(changed):
    with sqlite3.connect(changed.db) as con:
        first_run_end = con.execute("SELECT finished FROM runs ORDER BY id LIMIT 1").fetchone()[0]
        first_pages = con.execute(
            "SELECT count(*) FROM versions v JOIN pages p ON p.id = v.page_id "
            "WHERE v.number = 1 AND v.run_id = 1 AND p.kind IN ('document', 'attachment')"
        ).fetchone()[0]
    events = json.loads(changes(changed.db, "--until", first_run_end, "--json").stdout)
    # Everything up to the end of the first crawl (the second may start in that same second,
    # so only the first crawl's new pages are certain), and nothing after it.
    assert first_pages > 20
    assert sum(e["event"] == "new" and e["version"] == 1 for e in events) >= first_pages
    assert all(e["at"] <= first_run_end for e in events)
    latest = json.loads(changes(changed.db, "--json").stdout)
    assert {e["event"] for e in latest} >= {"changed", "removed"}
    keys = {"rank", "event", "kind", "url", "at", "detail", "size", "sha256", "last_seen"}
    assert all(keys <= set(e) for e in latest)
    new = next(e for e in latest if e["event"] == "new")
    assert new["detail"] is None and new["sha256"] is None
