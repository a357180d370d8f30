"""`scraper feed` (Atom, read back with feedparser), the `changes_feed` canned query under
`scraper serve` (datasette-atom) and `scraper notify` (Apprise) to a JSON webhook served by
the test on 127.0.0.1: the real CLI against the replica crawled, changed as the demo
changes it, and crawled again."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import feedparser
import httpx
import pytest

from scraper import notify

from .conftest import run_cli
from .test_datasette import free_port, start_serve
from .test_digest import Changed, changed_archive


@pytest.fixture(scope="module")
def changed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Changed]:
    yield from changed_archive(tmp_path_factory.mktemp("feed"))


def feed(db: Path, *extra: str) -> Any:
    result = run_cli("feed", "--db", str(db), *extra)
    assert result.returncode == 0, result.stderr
    parsed = feedparser.parse(result.stdout)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return parsed


def every_event(db: Path, *extra: str) -> list[dict[str, Any]]:
    result = run_cli("changes", "--db", str(db), "--json", "--since", "2000-01-01", *extra)
    assert result.returncode == 0, result.stderr
    return list(json.loads(result.stdout))


def test_the_feed_has_one_entry_per_event_and_stable_ids(changed, tmp_path):
    events = every_event(changed.db)
    # 20 documents and 6 files new in the first run, 7 events in the second.
    assert len(events) == 33
    out = tmp_path / "feed.atom"
    for _ in range(2):
        result = run_cli("feed", "--db", str(changed.db), "-o", str(out))
        assert result.returncode == 0 and result.stdout == "", result.stderr
        assert [p.name for p in tmp_path.iterdir()] == ["feed.atom"]  # renamed into place
        parsed = feedparser.parse(out.read_bytes())
        assert parsed.bozo == 0 and parsed.version == "atom10"
        if _ == 0:
            first = [entry.id for entry in parsed.entries]
    ids = [entry.id for entry in parsed.entries]
    assert ids == first and len(set(ids)) == len(ids) == len(events)
    assert all(i.startswith("tag:127.0.0.1,") for i in ids)
    # One entry per event: the same (page, event) pairs.
    assert sorted((e.link, e.tags[0].term) for e in parsed.entries) == sorted(
        (e["url"], e["event"]) for e in events
    )
    # Newest first.
    updated = [entry.updated for entry in parsed.entries]
    assert updated == sorted(updated, reverse=True)


def test_an_entry_carries_the_fields_and_the_change(changed):
    made = changed.made
    parsed = feed(changed.db, "--link-base", "http://127.0.0.1:8001/archive")
    by_path = {(urlsplit(e.link).path, e.tags[0].term): e for e in parsed.entries}
    retitled = by_path[(made["retitled"], "changed")]
    assert retitled.title == f"changed (v2: title): {made['new_title']}"
    content = retitled.content[0].value
    assert "发布日期: 2021-11-03" in content and "来源: 吴忠市红寺堡区人民政府办公室" in content
    assert "文号: 红政办发〔2021〕88号" in content
    assert f"title: {made['old_title']} → {made['new_title']}" in content
    (event,) = [
        e
        for e in every_event(changed.db)
        if urlsplit(e["url"]).path == made["retitled"] and e["event"] == "changed"
    ]
    assert retitled.updated == event["at"].replace("Z", "+00:00")  # the fetch time
    links = {link.rel: link.href for link in retitled.links}
    assert links["alternate"] == changed.base + made["retitled"]
    assert links["related"].startswith("http://127.0.0.1:8001/archive/versions/")
    edited = by_path[(made["edited"], "changed")]
    assert made["new_text"] in edited.content[0].value
    removed = by_path[(made["deleted"], "removed")]
    assert "gone (confirmed) at" in removed.content[0].value


def test_feed_filters(changed):
    made = changed.made
    assert len(feed(changed.db, "--limit", "5").entries) == 5
    files = feed(changed.db, "--kind", "attachment").entries
    assert len(files) == 6 + 2  # 6 new, then one removed and one replaced
    (hit,) = feed(changed.db, "--query", "更正").entries
    assert urlsplit(hit.link).path == made["retitled"]
    column = feed(changed.db, "--column", "规范性文件").entries
    assert column and all("/xxgk/zc/gfxwj/" in e.link for e in column)
    since = feed(changed.db, "--since", "2999-01-01")
    assert since.entries == []
    bad = run_cli("feed", "--db", str(changed.db), "--query", "  ")
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1


def test_the_changes_feed_canned_query_is_an_atom_feed_under_serve(changed):
    proc, root = start_serve(changed.db)
    try:
        response = httpx.get(f"{root}/archive/changes_feed.atom", timeout=30)
        assert response.status_code == 200, response.text[:500]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0
    ours = feed(changed.db)
    # The same events, under the same ids as `scraper feed`.
    assert sorted(e.id for e in parsed.entries) == sorted(e.id for e in ours.entries)
    assert len(parsed.entries) == 33


# -- notify --------------------------------------------------------------------------------


class Webhook:
    """A JSON webhook on 127.0.0.1 that keeps every message posted to it."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        messages = self.messages

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length", 0))
                messages.append(json.loads(self.rfile.read(length)))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"json://127.0.0.1:{self.httpd.server_address[1]}/hook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    hook = Webhook()
    yield hook
    hook.close()


def test_notify_sends_one_message_for_a_run_with_changes_and_none_without(
    replica, archive, webhook
):
    from .conftest import crawl_args

    site, server = replica
    assert run_cli(*crawl_args(server, archive)).returncode == 0
    made = site.demo_changes()
    assert run_cli(*crawl_args(server, archive)).returncode == 0
    sent = run_cli("notify", webhook.url, "--db", str(archive), "--top", "3")
    assert sent.returncode == 0, sent.stderr
    assert len(webhook.messages) == 1
    (message,) = webhook.messages
    assert message["title"].startswith(f"scraper {archive.stem}: Run 2 (since ")
    assert message["title"].endswith(": 2 new, 3 changed, 2 removed, 0 returned")
    body = message["message"]
    # The top 3 ranked events with their links, and how many more.
    assert body.startswith("1. removed: ")
    assert f"   {server.base_url}{made['deleted']}" in body
    assert f"{server.base_url}{made['retitled']}" in body
    assert made["edited"] not in body  # rank 4
    assert "… and 4 more" in body

    # A run that found nothing sends nothing, and that is success.
    assert run_cli(*crawl_args(server, archive)).returncode == 0
    quiet = run_cli("notify", webhook.url, "--db", str(archive))
    assert quiet.returncode == 0 and quiet.stdout == "" and quiet.stderr == ""
    assert len(webhook.messages) == 1
    # A digest is never lost: --run N sends run N's again.
    again = run_cli("notify", webhook.url, "--db", str(archive), "--run", "2", "--top", "3")
    assert again.returncode == 0, again.stderr
    assert len(webhook.messages) == 2 and webhook.messages[1]["message"] == body


def test_notify_failures_and_usage(replica, archive, tmp_path):
    from .conftest import crawl_args

    site, server = replica
    assert run_cli(*crawl_args(server, archive)).returncode == 0
    dead = f"json://127.0.0.1:{free_port()}/nobody"
    failed = run_cli("notify", dead, "--db", str(archive))
    assert failed.returncode == 1
    assert len(failed.stderr.strip().splitlines()) == 1 and "--run 1" in failed.stderr
    unknown = run_cli("notify", "nosuch://x", "--db", str(archive))
    assert unknown.returncode == 2 and len(unknown.stderr.strip().splitlines()) == 1
    missing = run_cli("notify", "json://127.0.0.1/x", "--db", str(archive), "--run", "7")
    assert missing.returncode == 2 and "no run 7" in missing.stderr
    # Without the notify extra: exit 2, with the install command.
    fake = tmp_path / "no-apprise" / "apprise"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('no apprise here')\n")
    without = run_cli(
        "notify", "json://127.0.0.1/x", "--db", str(archive),
        env={"PYTHONPATH": str(fake.parent)},
    )  # fmt: skip
    assert without.returncode == 2
    assert without.stderr.strip() == "scraper: notify needs Apprise: pip install 'scraper[notify]'"


def test_a_message_is_cut_to_the_service_limit_never_split():
    text = "\n".join(f"{i}. 关于第{i}件事的通知 http://example.org/{i}" for i in range(200))
    cut = notify.fit(text, 500)
    assert len(cut) <= 500 and cut.endswith(notify.CUT)
    kept = cut.removesuffix("\n" + notify.CUT)
    assert text.startswith(kept + "\n")  # whole lines only
    assert notify.fit("short", 500) == "short"

    class Service:  # an Apprise service with WeCom's limits: 2048 characters, no title
        body_maxlen, title_maxlen = 2048, 0
        overflow_mode = None
        sent: list[tuple[str, str]] = []

        def notify(self, body: str, title: str) -> bool:
            self.sent.append((title, body))
            return True

        def url(self, privacy: bool = False) -> str:
            return "wecombot://****"

    service = Service()
    assert notify.send([service], notify.Message("标题", text)) == []
    ((title, body),) = service.sent
    assert title == "" and body.startswith("标题\n0. ") and len(body) <= 2048
