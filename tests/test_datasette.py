"""`scraper serve`: a real Datasette over real HTTP (and a real browser) on two archives of
the replica, one of them written by a crawl while it is served."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from scraper import datasette_plugin, serve
from scraper.replica import ReplicaServer, ReplicaSite

from .conftest import ROOT, run_cli
from .test_crawl_e2e import crawl

# Our own folding, for the expected sets: no whitespace, ASCII letters lower-cased.
_WS = re.compile(r"[\s\u200b-\u200d\u2060\ufeff]+")
# 1, 2 and 4 characters; each matches some pages and not others (checked below).
QUERIES = ("表", "年报", "人居环境")


def fold(text: str | None) -> str:
    return "".join(c.lower() if c.isascii() else c for c in _WS.sub("", text or ""))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class Served:
    site: ReplicaSite
    base: str  # the replica's base URL
    root: str  # Datasette's
    main: Path  # archive.db: crawled again while served
    copy: Path  # hongsibu.db: a copy of the first crawl, never written
    copy_hash: str
    deleted: str
    deleted_files: list[str]
    edited: str
    replaced_file: str
    second_crawl_seconds: float

    def get(self, path: str, **params: Any) -> Any:
        response = httpx.get(f"{self.root}{path}", params=params, timeout=30)
        assert response.status_code == 200, (path, response.text[:500])
        return response

    def rows(self, db: str, name: str, **params: Any) -> list[dict[str, Any]]:
        return self.get(f"/{db}/{name}.json", _shape="array", **params).json()

    def path(self, url: str) -> str:
        return url.removeprefix(self.base)


def wait_until_up(proc: subprocess.Popen[str], url: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise AssertionError(f"scraper serve did not start: {proc.communicate()}") from None
            time.sleep(0.1)


def start_serve(*dbs: Path) -> tuple[subprocess.Popen[str], str]:
    """`scraper serve` on ``dbs`` at a free port, started as a user starts it, and up:
    (the process, its root URL). The caller stops it."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPER_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "scraper", "serve", *(a for db in dbs for a in ("--db", str(db)))]
        + ["--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    root = f"http://127.0.0.1:{port}"
    wait_until_up(proc, f"{root}/-/versions.json")
    return proc, root


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("serve")
    site = ReplicaSite()
    main = tmp / "a" / "archive.db"
    copy = tmp / "b" / "hongsibu.db"
    copy.parent.mkdir()
    with ReplicaServer(site) as server:
        assert crawl(server, main).returncode == 0
        with contextlib.closing(sqlite3.connect(main)) as conn:
            conn.execute("VACUUM INTO ?", [str(copy)])
        copy_hash = sha256(copy)
        proc, root = start_serve(main, copy)
        try:
            docs = sorted(site.expected_documents().items())
            # A document with attachment files, so that its files disappear with it.
            deleted, doc = next((p, d) for p, d in docs if d["attachments"])
            edited = next(p for p, d in docs if p != deleted and not d["attachments"])
            replaced = next(a["path"] for p, d in docs if p != deleted for a in d["attachments"])
            site.delete(deleted)
            site.edit_body(edited, "本段内容已于近日更正，特此说明。")
            site.replace_file(replaced)
            # Crawled while Datasette has the archive open: neither blocks the other.
            started = time.monotonic()
            assert crawl(server, main).returncode == 0
            seconds = time.monotonic() - started
            yield Served(
                site=site,
                base=server.base_url,
                root=root,
                main=main,
                copy=copy,
                copy_hash=copy_hash,
                deleted=deleted,
                deleted_files=[a["path"] for a in doc["attachments"]],
                edited=edited,
                replaced_file=replaced,
                second_crawl_seconds=seconds,
            )
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def searchable(db: Path) -> dict[str, dict[str, Any]]:
    """The latest version of every page the search covers, read straight from the file."""
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        conn.row_factory = sqlite3.Row
        rows = conn.execute(
            "SELECT p.url, v.kind, v.title, v.breadcrumb, v.source, v.doc_no, v.body_text "
            "FROM pages p JOIN versions v ON v.page_id = p.id AND v.number = p.current_version "
            "WHERE v.kind IN ('document', 'other', 'attachment')"
        ).fetchall()
    return {row["url"]: dict(row) for row in rows}


def scan(pages: dict[str, dict[str, Any]], term: str) -> set[str]:
    """Pages holding the term in a searched field, by a plain substring scan."""
    found = set()
    for url, page in pages.items():
        fields = [page["title"], page["source"], page["doc_no"], page["body_text"]]
        fields += json.loads(page["breadcrumb"] or "[]")
        if any(fold(term) in fold(field) for field in fields):
            found.add(url)
    return found


MARKED = re.compile(r"<mark>(.*?)</mark>")


@pytest.mark.parametrize("db", ["archive", "hongsibu"])
@pytest.mark.parametrize("term", QUERIES)
def test_canned_search_returns_exactly_the_pages_holding_the_term(served, db, term):
    pages = searchable(served.main if db == "archive" else served.copy)
    expected = scan(pages, term)
    assert 2 <= len(expected) < len(pages) / 2, (term, len(expected))
    rows = served.rows(db, "search", q=term)
    assert [list(r) for r in rows[:1]] == [["url", "title", "date", "source", "snippet"]]
    assert len(rows) == len({r["url"] for r in rows}), "one row per page"
    assert {r["url"] for r in rows} == expected
    for row in rows:
        hits = MARKED.findall(row["snippet"])
        assert hits and all(fold(hit) == fold(term) for hit in hits), row
        assert "<" not in MARKED.sub("", row["snippet"])


@pytest.mark.parametrize("term", ["年报", "表"])
def test_canned_search_ranks_as_scraper_search_does(served, term):
    rows = served.rows("archive", "search", q=term)
    result = run_cli("search", term, "--db", str(served.main), "--json", "--limit", "1000")
    assert result.returncode == 0, result.stderr
    assert [r["url"] for r in rows] == [r["url"] for r in json.loads(result.stdout)]
    if term == "年报":  # a relevance order, not the date order of a one-character query
        dates = [r["date"] for r in rows]
        assert dates != sorted(dates, reverse=True)


def test_canned_search_with_no_or_unusable_query_matches_nothing(served):
    assert served.rows("archive", "search", q="") == []
    assert served.rows("archive", "search", q='"" " "') == []
    # LIKE wildcards are searched literally too.
    percent = {r["url"] for r in served.rows("archive", "search", q="%")}
    assert percent == scan(searchable(served.main), "%") != set(searchable(served.main))
    # FTS syntax is searched literally, never an error.
    assert served.rows("archive", "search", q='AND OR NOT ( * "') == []


def test_search_page_marks_hits_and_keeps_titles_plain(served):
    html = served.get("/archive/search", q="年报").text
    tree = HTMLParser(html)
    snippets = tree.css("td.col-snippet")
    assert snippets and all(td.css("mark") for td in snippets)
    assert {m.text() for td in snippets for m in td.css("mark")} == {"年报"}
    for td in tree.css("td.col-title"):
        assert not list(td.iter(include_text=False)), td.html  # plain text, no element


def documents_form_search(served: Served, db: str, term: str) -> HTMLParser:
    page = HTMLParser(served.get(f"/{db}/documents").text)
    form = page.css_first("form.scraper-search")
    assert form is not None, "no search form on the documents page"
    field = form.css_first("input[type=search]")
    assert field is not None
    action = form.attributes["action"] or ""
    response = httpx.get(served.root + action, params={field.attributes["name"]: term})
    assert response.status_code == 200
    return HTMLParser(response.text)


def test_documents_page_search_form_finds_a_two_character_word(served):
    expected = scan(searchable(served.main), "年报")
    results = documents_form_search(served, "archive", "年报")
    urls = {td.text(strip=True) for td in results.css("td.col-url")}
    assert urls == expected
    assert all(td.css("mark") for td in results.css("td.col-snippet"))


def test_documents_come_newest_first_with_short_cells_and_facets(served):
    live = served.site.expected_documents()
    docs = served.rows("archive", "documents", _size="max")
    assert {served.path(d["url"]) for d in docs} == set(live)
    assert "body_text" in docs[0] and len(docs[0]["body_text"]) > 200  # the view is whole
    dates = [d["date"] for d in docs]
    dated = [d for d in dates if d]
    assert dated == sorted(dated, reverse=True)
    assert dates == dated + [None] * (len(dates) - len(dated)), "undated last"
    page = served.get("/archive/documents").text
    cells = HTMLParser(page).css("td.col-body_text")
    assert cells and max(len(td.text(strip=True)) for td in cells) <= 81
    data = served.get("/archive/documents.json").json()
    facets = data["facet_results"]
    sources = {f["value"]: f["count"] for f in facets["source"]["results"]}
    assert sources == Counter(d["source"] for d in live.values())
    years = {f["value"]: f["count"] for f in facets["date"]["results"]}
    assert years == Counter(d["date"][:4] for d in live.values() if d["date"])
    crumbs = {f["value"]: f["count"] for f in facets["breadcrumb"]["results"]}
    assert sum(crumbs.values()) == len(live)
    # A year of the facet selects that year's documents.
    year = max(years)
    picked = served.rows("archive", "documents", date__startswith=f"{year}-", _size="max")
    assert len(picked) == years[year]


def test_foreign_keys_labelled_and_internal_tables_hidden(served):
    rows = served.rows("archive", "versions", _labels="on", _size=5)
    assert all(r["page_id"]["label"].startswith(served.base) for r in rows)
    tables = {t["name"]: t["hidden"] for t in served.get("/archive.json").json()["tables"]}
    for name in serve.HIDDEN:
        if name in tables:
            assert tables[name], name
    assert {"_sqlite_migrations", "frontier", "search_index", "search_index_data"} <= set(tables)
    assert not tables["pages"] and not tables["versions"]


def test_disappeared_says_when_last_seen_and_when_gone(served):
    rows = served.rows("archive", "disappeared")
    docs = [r for r in rows if r["kind"] == "document"]
    assert [served.path(r["url"]) for r in docs] == [served.deleted]
    for row in rows:
        assert row["last_seen_ok"] < row["gone_confirmed_at"]
        assert row["answer"] == "HTTP 404"
    assert sorted(served.path(r["url"]) for r in rows if r["kind"] == "attachment") == sorted(
        served.deleted_files
    )
    assert served.rows("hongsibu", "disappeared") == []


def test_files_changed_or_gone(served):
    rows = served.rows("archive", "files_changed_or_gone")
    by_path = {served.path(r["url"]): r for r in rows}
    assert set(by_path) == {*served.deleted_files, served.replaced_file}
    assert by_path[served.replaced_file]["versions"] == 2
    assert by_path[served.replaced_file]["removed_at"] is None
    assert all(by_path[p]["removed_at"] and by_path[p]["linked_from"] for p in served.deleted_files)
    assert served.rows("hongsibu", "files_changed_or_gone") == []


def test_page_on_date_and_page_changes(served):
    url = served.base + served.edited
    changes = served.rows("archive", "page_changes", url=url)
    assert [r["number"] for r in changes] == [1, 2]
    assert served.rows("hongsibu", "page_changes", url=url)[0]["number"] == 1
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    (now,) = served.rows("archive", "page_on_date", url=url, day=today)
    assert now["number"] == 2 and "本段内容已于近日更正" in now["body_text"]
    (before,) = served.rows("hongsibu", "page_on_date", url=url, day=today)
    assert before["number"] == 1 and "本段内容已于近日更正" not in before["body_text"]
    assert served.rows("archive", "page_on_date", url=url, day="2000-01-01") == []


def test_recent_changes_newest_first(served):
    rows = served.rows("archive", "recent_changes")
    ats = [r["at"] for r in rows]
    assert ats == sorted(ats, reverse=True)
    assert "list" not in {r["kind"] for r in rows}
    events = {(r["event"], served.path(r["url"])) for r in rows}
    assert ("changed", served.edited) in events
    assert ("removed", served.deleted) in events
    assert ("changed", served.replaced_file) in events
    # The latest events come first: this crawl's, after every first version.
    first_new = ats[[r["event"] for r in rows].index("new")]
    assert all(r["at"] >= first_new for r in rows if r["event"] != "new")


def test_by_source_and_column_counts(served):
    live = served.site.expected_documents().values()
    by_source = served.rows("archive", "by_source")
    assert {r["source"]: r["documents"] for r in by_source} == Counter(d["source"] for d in live)
    columns = served.rows("archive", "column_counts")
    assert {r["column"]: r["documents"] for r in columns} == Counter(
        " > ".join(d["breadcrumb"]) for d in live
    )
    assert [r["documents"] for r in columns] == sorted(
        (r["documents"] for r in columns), reverse=True
    )


def test_served_read_only_and_the_crawl_beside_it_was_not_held_up(served):
    served.rows("hongsibu", "search", q="年报")
    assert sha256(served.copy) == served.copy_hash
    assert not served.copy.with_name("hongsibu.db-wal").exists()
    assert served.second_crawl_seconds < 30
    # Datasette sees what the crawl wrote while it was serving.
    assert (
        served.rows("archive", "page_changes", url=served.base + served.edited)[-1]["number"] == 2
    )


def test_serve_usage_errors(tmp_path):
    missing = run_cli("serve", "--db", str(tmp_path / "none.db"))
    assert missing.returncode == 2
    assert len(missing.stderr.strip().splitlines()) == 1 and "none.db" in missing.stderr
    db = tmp_path / "x.db"
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute("VACUUM")
    with socket.create_server(("0.0.0.0", 0)) as taken:
        port = taken.getsockname()[1]
        busy = run_cli("serve", "--db", str(db), "--host", "0.0.0.0", "--port", str(port))
    assert busy.returncode == 2, busy.stderr
    lines = busy.stderr.strip().splitlines()
    assert "warning" in lines[0] and "0.0.0.0" in lines[0]
    assert f"{port}" in lines[-1] and len(lines) == 2
    local = run_cli("serve", "--db", str(tmp_path / "none.db"), "--host", "localhost")
    assert "warning" not in local.stderr


# -- the plugin and the metadata, in process -------------------------------------------


def test_plugin_functions_on_the_index(served):
    conn = sqlite3.connect(f"file:{served.main}?mode=ro", uri=True)
    datasette_plugin.prepare_connection(conn)
    count = "SELECT count(*) FROM search_index WHERE search_index MATCH scraper_match(?)"
    for q in ("", "   ", '""', "x" * 0):
        assert datasette_plugin.scraper_match(q) == '""'
        assert conn.execute(count, [q]).fetchone() == (0,)
    assert conn.execute(count, ["年报"]).fetchone()[0] == len(scan(searchable(served.main), "年报"))
    assert conn.execute("SELECT scraper_single('表'), scraper_single('年报')").fetchone() == (1, 0)
    assert conn.execute("SELECT scraper_in_title('2023年度报告', '年报')").fetchone() == (0,)
    assert conn.execute("SELECT scraper_in_title('年 报', '年报')").fetchone() == (1,)
    (snip,) = conn.execute(
        "SELECT scraper_snippet('<b>年报</b> & 年报', NULL, NULL, NULL, '[\"首页\"]', '年报')"
    ).fetchone()
    assert snip == "&lt;b&gt;<mark>年报</mark>&lt;/b&gt; &amp; <mark>年报</mark>"
    conn.close()


def test_render_cell_shows_only_our_marked_snippets_as_html():
    render = datasette_plugin.render_cell
    ok = "&lt;b&gt; <mark>年报</mark> text"
    assert str(render(ok, "snippet", None)) == ok
    for value in ("<script>alert(1)</script>", "<mark onclick=x>年报</mark>", "a > b", 3, None):
        assert render(value, "snippet", None) is None
    assert render(ok, "title", None) is None
    assert render(ok, "snippet", "documents") is None  # a table's own column stays text


def test_metadata_applies_to_every_database_name():
    assert serve.database_names(["a/archive.db", "b/archive.db", "c/hongsibu.db"]) == [
        "archive",
        "archive_2",
        "hongsibu",
    ]
    meta = serve.metadata(["archive_2", "wuzhong"])
    for key in ("tables", "queries"):
        assert meta["databases"]["archive_2"][key] == meta["databases"]["wuzhong"][key]
    queries = meta["databases"]["wuzhong"]["queries"]
    assert {
        "page_on_date",
        "page_changes",
        "disappeared",
        "files_changed_or_gone",
        "search",
        "recent_changes",
        "by_source",
        "column_counts",
    } <= set(queries)
    assert re.findall(r":([a-z_]\w*)", queries["page_on_date"]["sql"]) == ["url", "day"]
    assert set(re.findall(r":([a-z_]\w*)", queries["search"]["sql"])) == {"q"}
    assert "LIMIT" not in queries["search"]["sql"].upper()
    assert "deleted" not in json.dumps(queries["disappeared"]).lower()


def test_the_search_reads_snippets_only_for_the_rows_fetched(served):
    """The ranking runs in full, but snippets are cut lazily: Datasette reads at most
    max_returned_rows + 1 rows, so a one-character query on a large archive stays fast."""
    calls = []
    conn = sqlite3.connect(f"file:{served.main}?mode=ro", uri=True)
    datasette_plugin.prepare_connection(conn)

    def counting(*args):
        calls.append(args)
        return datasette_plugin.scraper_snippet(*args)

    conn.create_function("scraper_snippet", 6, counting)
    cursor = conn.execute(serve.canned.SEARCH, {"q": "表"})
    first = cursor.fetchmany(2)
    assert len(first) == 2 and len(calls) <= 3  # sqlite3 steps one row ahead
    assert len(first) + len(cursor.fetchall()) == len(scan(searchable(served.main), "表"))
    conn.close()


# -- a real browser ----------------------------------------------------------------------


def chromium() -> tuple[str, str] | None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


@pytest.fixture
def browser(tmp_path):
    found = chromium()
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium and chromium-driver must be installed in CI (see .ci/run)")
        pytest.skip(
            "chromium / chromium-driver not installed (apt-get install chromium chromium-driver)"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = found[0]
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
        f"--user-data-dir={tmp_path / 'chromium'}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=found[1]), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def test_browser_types_a_two_character_query_and_sees_marked_hits(served, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    shots = os.environ.get("SCRAPER_SCREENSHOTS")
    browser.get(f"{served.root}/archive/documents")
    if shots:  # README's pictures: SCRAPER_SCREENSHOTS=docs pytest -k browser
        browser.set_window_size(1280, 1300)
        browser.save_screenshot(str(Path(shots) / "datasette-documents.png"))
    box = browser.find_element(By.CSS_SELECTOR, "form.scraper-search input[type=search]")
    box.send_keys("决算")
    box.send_keys(Keys.ENTER)
    WebDriverWait(browser, 20).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, "td.col-snippet"))
    )
    assert "/archive/search" in browser.current_url
    pages = searchable(served.main)
    expected = scan(pages, "决算")
    assert len(expected) >= 2
    rows = browser.find_elements(By.CSS_SELECTOR, "table.rows-and-columns tbody tr")
    titles = [r.find_element(By.CSS_SELECTOR, "td.col-title").text for r in rows]
    assert sorted(titles) == sorted(pages[url]["title"] for url in expected)
    for row in rows:
        marks = row.find_elements(By.CSS_SELECTOR, "td.col-snippet mark")
        assert marks and {m.text for m in marks} == {"决算"}
    if shots:
        browser.set_window_size(1280, 800)
        browser.save_screenshot(str(Path(shots) / "datasette-search.png"))
