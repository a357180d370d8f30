"""`scraper merge`: three replica sites, each crawled into its own archive by the real CLI,
merged into one; the merged archive read back through export, history, search and a real
Datasette; merging again, after a later crawl, across a conflict, beside a busy archive and
killed half-way."""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from scraper import archive
from scraper.replica import ReplicaServer, ReplicaSite

from . import report_site as rs
from .conftest import ROOT, RouteServer, crawl_args, run_cli
from .test_datasette import start_serve
from .test_report_archive import (
    DEPT_PAGE,
    DEPT_TITLE,
    DOCX,
    GOOD_T3,
    GOOD_T4,
    GOV_PAGE,
    GOV_TITLE,
    _docx_table3,
    reports_json,
    serve_reports,
    t3,
)
from .test_report_archive import crawl as crawl_reports

# One title per site that no other site has: a search finds it in that site only.
WORDS = ("甲站独有标题合并检查", "乙站独有标题合并检查", "丙站独有标题合并检查")
TABLES = ("pages", "versions", "version_parts", "page_events", "runs", "failures", "aliases")


@dataclass
class Sites:
    folder: Path  # the archives and the profiles
    sites: list[ReplicaSite]
    servers: list[ReplicaServer]
    archives: list[Path]  # each site crawled once, never written again
    retitled: list[str]  # the path retitled with WORDS[i] on site i

    def url(self, i: int, path: str) -> str:
        return self.servers[i].url(path)

    def crawl(self, i: int, db: Path) -> subprocess.CompletedProcess[str]:
        """`scraper crawl` of site i into ``db``, under its own name (its profile)."""
        profile = self.folder / f"zhan{i}.toml"
        if not profile.exists():
            base = self.servers[i].base_url
            profile.write_text(f'name = "zhan{i}"\nstart_urls = ["{base}/xxgk/"]\n')
        return run_cli(*crawl_args(self.servers[i], db, "--profile", str(profile)))


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sites]:
    folder = tmp_path_factory.mktemp("sites")
    with contextlib.ExitStack() as stack:
        made = Sites(folder, [], [], [], [])
        for i, word in enumerate(WORDS):
            site = ReplicaSite()
            path = sorted(site.expected_documents())[i]
            site.retitle(path, word)
            server = stack.enter_context(ReplicaServer(site))
            made.servers.append(server)
            db = folder / f"site{i}.db"
            result = made.crawl(i, db)
            assert result.returncode == 0, result.stderr
            made.sites.append(site)
            made.archives.append(db)
            made.retitled.append(path)
        assert len({s.port for s in made.servers}) == 3
        yield made


@pytest.fixture(scope="module")
def merged(sites: Sites, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The three site archives merged into a new archive: (its path, the summary line)."""
    out = tmp_path_factory.mktemp("merged") / "all.db"
    result = merge(out, *sites.archives)
    assert result.returncode == 0, result.stderr
    return out, result.stdout


def merge(
    out: Path, *inputs: Path, extra: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    return run_cli("merge", str(out), *map(str, inputs), *extra)


_EXPORTS: dict[str, list[dict[str, Any]]] = {}


def export(db: Path) -> list[dict[str, Any]]:
    """`scraper export --kind all`, sorted by URL (remembered by the file's bytes: the
    inputs are exported once)."""
    key = digest(db)
    if key not in _EXPORTS:
        result = run_cli("export", "--db", str(db), "--kind", "all")
        assert result.returncode == 0, result.stderr
        _EXPORTS[key] = sorted(map(json.loads, result.stdout.splitlines()), key=lambda r: r["url"])
    return _EXPORTS[key]


def union(inputs: list[Path]) -> list[dict[str, Any]]:
    return sorted((row for db in inputs for row in export(db)), key=lambda r: r["url"])


def urls(db: Path) -> set[str]:
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        return {row[0] for row in conn.execute("SELECT url FROM pages")}


def counts(db: Path) -> dict[str, int]:
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def digest(db: Path) -> str:
    return hashlib.sha256(db.read_bytes()).hexdigest()


def copies(sites: Sites, folder: Path) -> list[Path]:
    """Copies of the site archives (closed files, no WAL), for tests that write them."""
    folder.mkdir(exist_ok=True)
    made = []
    for db in sites.archives:
        made.append(Path(shutil.copy(db, folder / db.name)))
    return made


def history(db: Path, url: str) -> list[dict[str, Any]]:
    """`scraper history URL --json`, each run id (local to an archive) read as its start."""
    result = run_cli("history", url, "--db", str(db), "--json")
    assert result.returncode == 0, result.stderr
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        started = dict(conn.execute("SELECT id, started FROM runs").fetchall())
    entries = json.loads(result.stdout)
    for entry in entries:
        if "run_id" in entry:
            entry["run_id"] = started.get(entry["run_id"])
    return entries


def search(db: Path, query: str, *extra: str) -> list[str]:
    return [url for url, _ in search_versions(db, query, *extra)]


def search_versions(db: Path, query: str, *extra: str) -> list[tuple[str, int]]:
    result = run_cli("search", query, "--db", str(db), "--json", "--limit", "100", *extra)
    assert result.returncode == 0, result.stderr
    return [(row["url"], row["version"]) for row in json.loads(result.stdout)]


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("scraper: "), result.stderr
    return lines[0]


def test_merge_is_the_union_of_the_site_archives(sites, merged):
    out, line = merged
    rows = export(out)
    assert rows == union(sites.archives)
    assert len({row["url"].split("/xxgk/")[0] for row in rows}) == 3
    assert {row["site"] for row in rows} == {"zhan0", "zhan1", "zhan2"}
    before = [counts(db) for db in sites.archives]
    assert counts(out) == {t: sum(c[t] for c in before) for t in TABLES}
    pages, versions = counts(out)["pages"], counts(out)["versions"]
    assert f"{pages} pages added" in line and f"{versions} versions added" in line
    assert "0 skipped as already merged" in line

    # A page reads as it did in its own archive.
    url = sites.url(2, sites.retitled[2])
    assert history(out, url) == history(sites.archives[2], url)
    # The search index covers every site: each site's own title is found in that site
    # only, as its archive finds it.
    for i, word in enumerate(WORDS):
        found = search(out, word)
        assert sites.url(i, sites.retitled[i]) in found
        assert all(url.startswith(sites.servers[i].base_url + "/") for url in found)
    assert search(out, WORDS[1]) == search(sites.archives[1], WORDS[1])

    # Merging the same archives again adds nothing.
    again = merge(out, *sites.archives, extra=("--json",))
    assert again.returncode == 0, again.stderr
    totals = json.loads(again.stdout)["totals"]
    assert totals["versions_added"] == totals["pages_added"] == totals["runs_added"] == 0
    assert totals["versions_skipped"] == versions
    assert counts(out) == {t: sum(c[t] for c in before) for t in TABLES}
    assert export(out) == rows


def test_report_figures_are_derived_for_the_merged_versions(sites, merged):
    def figures(db: Path) -> list[dict[str, Any]]:
        result = run_cli("figures", "--db", str(db), "--format", "json")
        assert result.returncode == 0, result.stderr
        return sorted(json.loads(result.stdout), key=lambda r: json.dumps(r, ensure_ascii=False))

    mine = figures(merged[0])
    assert mine and mine == sorted(
        (row for db in sites.archives for row in figures(db)),
        key=lambda r: json.dumps(r, ensure_ascii=False),
    )


def test_a_later_crawl_merges_only_its_new_versions_and_events(sites, tmp_path):
    inputs = copies(sites, tmp_path / "in")
    out = tmp_path / "all.db"
    assert merge(out, *inputs).returncode == 0
    before_out, before_in = counts(out), counts(inputs[1])
    site, server = sites.sites[1], sites.servers[1]
    docs = sorted(p for p in site.expected_documents() if p != sites.retitled[1])
    edited, deleted = docs[0], docs[1]
    site.edit_body(edited, "本段内容已于近日更正，合并后应可见。")
    site.delete(deleted)
    try:
        assert sites.crawl(1, inputs[1]).returncode in (0, 1)
    finally:
        site.restore(deleted)
    after_in = counts(inputs[1])
    gained = {t: after_in[t] - before_in[t] for t in TABLES}
    assert gained["versions"] >= 1 and gained["page_events"] >= 1 and gained["runs"] == 1

    result = merge(out, *inputs, extra=("--json",))
    assert result.returncode == 0, result.stderr
    totals = json.loads(result.stdout)["totals"]
    assert totals["versions_added"] == gained["versions"]
    assert totals["events_added"] == gained["page_events"]
    assert totals["runs_added"] == 1
    assert counts(out) == {t: before_out[t] + gained[t] for t in TABLES}
    assert export(out) == union(inputs)
    # The removed page: its versions and its removal, as its own archive tells them.
    mine = history(out, sites.url(1, deleted))
    assert [e["event"] for e in mine][-1] == "removed"
    assert mine == history(inputs[1], sites.url(1, deleted))
    assert search(out, "合并后应可见") == [sites.url(1, edited)]
    # The version it replaced left the latest versions' index for the history's.
    title = site.expected_documents()[edited]["title"]
    for extra in ((), ("--all-versions",)):
        theirs = search_versions(inputs[1], title, *extra)
        mine = search_versions(out, title, *extra)
        assert (sites.url(1, edited), 2) in theirs
        assert [hit for hit in mine if hit[0].startswith(server.base_url + "/")] == theirs
    assert (sites.url(1, edited), 1) in theirs
    assert merge(out, *inputs).stdout.count(" 0 versions added") == 1
    # Two snapshots of one site in one merge, in either order: the later one's archive.
    for order in ((sites.archives[1], inputs[1]), (inputs[1], sites.archives[1])):
        both = tmp_path / f"both-{order[0].parent.name}.db"
        assert merge(both, *order).returncode == 0
        assert export(both) == export(inputs[1])


def test_a_page_with_other_versions_is_a_conflict_and_nothing_is_written(sites, tmp_path):
    again = tmp_path / "again.db"
    assert sites.crawl(0, again).returncode == 0
    shared = urls(again) & urls(sites.archives[0])
    # Into a new archive: exit 1 naming a URL the two share, and no archive left behind.
    new = tmp_path / "new.db"
    result = merge(new, sites.archives[0], again)
    assert result.returncode == 1, result.stderr
    line = one_line(result)
    assert any(url in line.split() for url in shared) and str(again) in line
    assert not new.exists()
    # Into an existing archive, the conflict found after other inputs were merged.
    out = tmp_path / "out.db"
    assert merge(out, sites.archives[0]).returncode == 0
    before, rows = digest(out), counts(out)
    result = merge(out, sites.archives[1], again)
    assert result.returncode == 1 and any(url in one_line(result) for url in shared)
    assert digest(out) == before and counts(out) == rows


def test_usage_errors_exit_2_with_one_line(sites, tmp_path):
    out = tmp_path / "out.db"
    missing = merge(out, sites.archives[0], tmp_path / "none.db")
    assert missing.returncode == 2 and "none.db" in one_line(missing)
    assert merge(out).returncode == 2
    assert merge(out, sites.archives[0]).returncode == 0
    itself = merge(out, sites.archives[1], out)
    assert itself.returncode == 2 and str(out) in one_line(itself)
    text = tmp_path / "notes.db"
    text.write_text("not an archive")
    other = tmp_path / "other.db"
    with contextlib.closing(sqlite3.connect(other)) as conn:
        conn.execute("CREATE TABLE things (x)")
    for bad in (text, other):
        before = digest(out)
        result = merge(out, sites.archives[1], bad)
        assert result.returncode == 2 and bad.name in one_line(result)
        assert digest(out) == before
        assert merge(bad, sites.archives[1]).returncode == 2  # OUT must be an archive too


def test_a_busy_input_or_output_exits_3_and_writes_nothing(sites, tmp_path):
    inputs = copies(sites, tmp_path / "in")
    out = tmp_path / "out.db"
    assert merge(out, inputs[0]).returncode == 0
    before = digest(out)
    with archive.archive_lock(inputs[1]):  # as a crawl into it holds it
        busy = merge(out, inputs[1], inputs[2])
    assert busy.returncode == 3 and str(inputs[1]) in one_line(busy)
    assert "VACUUM INTO" in busy.stderr
    with archive.archive_lock(out):
        busy = merge(out, inputs[1])
    assert busy.returncode == 3, busy.stderr
    one_line(busy)
    assert digest(out) == before
    assert merge(out, inputs[1], inputs[2]).returncode == 0  # and free again


def test_a_killed_merge_leaves_the_archive_as_it_was(sites, tmp_path):
    out = tmp_path / "out.db"
    assert merge(out, sites.archives[0]).returncode == 0
    kept = tmp_path / "kept.db"
    shutil.copy(out, kept)
    for _attempt in range(3):
        proc = subprocess.Popen(
            [sys.executable, "-m", "scraper", "merge", str(out), "-v"]
            + [str(sites.archives[i]) for i in (1, 2, 0)],
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
            cwd=ROOT,
        )
        assert proc.stderr is not None
        for line in proc.stderr:
            if "(2 of 3)" in line:  # the first input is merged, uncommitted
                proc.send_signal(signal.SIGKILL)
                break
        proc.wait(timeout=30)
        if proc.returncode == -signal.SIGKILL:
            break
        shutil.copy(kept, out)  # it finished first: try again
    assert proc.returncode == -signal.SIGKILL
    assert digest(out) == digest(kept)
    assert counts(out) == counts(kept)
    result = merge(out, *sites.archives)
    assert result.returncode == 0, result.stderr
    assert export(out) == union(sites.archives)


def test_read_only_inputs_merge_and_a_read_only_output_exits_4(sites, tmp_path):
    folder = tmp_path / "ro"
    inputs = copies(sites, folder)
    made = tmp_path / "made.db"
    assert merge(made, inputs[0]).returncode == 0
    shutil.copy(made, folder / "made.db")
    if subprocess.run(
        ["mount", "--bind", "-o", "ro", str(folder), str(folder)], capture_output=True
    ).returncode:
        pytest.skip("cannot bind-mount read-only here (needs root)")
    try:
        out = tmp_path / "out.db"
        result = merge(out, *inputs)  # no lock file can be made there: read without
        assert result.returncode == 0, result.stderr
        assert export(out) == union(inputs)
        stuck = merge(folder / "made.db", inputs[1])
        assert stuck.returncode == 4, stuck.stderr
        one_line(stuck)
        assert digest(folder / "made.db") == digest(made)
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def test_a_full_disk_exits_4_and_leaves_no_archive(sites, tmp_path):
    mount = tmp_path / "small"
    mount.mkdir()
    if subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=160k", "tmpfs", str(mount)], capture_output=True
    ).returncode:
        pytest.skip("cannot mount a small tmpfs here (needs root) to fill a disk")
    try:
        result = merge(mount / "all.db", *sites.archives)
        assert result.returncode == 4, result.stderr
        assert "full" in one_line(result) or "cannot" in result.stderr
        assert not (mount / "all.db").exists()
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_serve_reads_the_merged_archive_beside_the_site_archives(sites, merged):
    out = merged[0]
    proc, root = start_serve(out, *sites.archives)
    try:

        def rows(db: str, name: str, **params: Any) -> list[dict[str, Any]]:
            response = httpx.get(f"{root}/{db}/{name}.json", params={"_shape": "array", **params})
            assert response.status_code == 200, response.text[:300]
            return response.json()

        names = [db.stem for db in sites.archives]
        for term in ("年报", WORDS[2]):
            merged = {r["url"] for r in rows("all", "search", q=term)}
            apart = {r["url"] for name in names for r in rows(name, "search", q=term)}
            assert merged == apart and merged
        documents = rows("all", "documents", _size="max")
        assert len(documents) == sum(len(rows(n, "documents", _size="max")) for n in names)
        url = sites.url(0, sites.retitled[0])
        assert rows("all", "page_changes", url=url) == rows(names[0], "page_changes", url=url)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_an_archive_an_older_version_wrote_is_merged_and_left_unchanged(sites, tmp_path):
    old = copies(sites, tmp_path / "in")[0]
    with contextlib.closing(sqlite3.connect(old)) as conn:
        # As written before m008 (the index of published dates): one migration pending.
        conn.execute("DROP INDEX idx_versions_date")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm008_published_dates'")
        conn.commit()
    before = digest(old)
    out = tmp_path / "out.db"
    result = merge(out, old)
    assert result.returncode == 0, result.stderr
    assert digest(old) == before
    assert export(out) == export(sites.archives[0])


# What makes two archives' readings the same: each page's readings in order, and each
# reading's figures (ids, local to an archive, left out).
CHANGES = (
    'SELECT unit, year, url, old_version, new_version, "table", "row", "column", old_value, '
    'new_value FROM report_changes ORDER BY url, "table", "row", "column", new_version'
)
READINGS = (
    'SELECT p.url, r.unit, r.year, v.number AS version, f."table", f."row", f."column", '
    "f.value, r.current FROM reports r JOIN pages p ON p.id = r.page_id "
    "JOIN versions v ON v.id = r.version_id JOIN report_figures f ON f.report_id = r.id "
    'ORDER BY p.url, r.id, f."table", f."row", f."column"'
)


def rows_of(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        return conn.execute(sql).fetchall()


def test_a_report_corrected_between_two_crawls_is_changed_in_the_merged_archive(
    route_server: RouteServer, tmp_path: Path
) -> None:
    # Two report pages: an HTML report whose table 四 is corrected (a new version of the
    # page), and a Word report replaced under its address (the page itself unchanged).
    file_path = "/xxgk/P020240215.docx"
    file_t3 = {"一、本年新收政府信息公开申请数量": [3, 0, 0, 0, 0, 0, 3],
               "（一）予以公开": [2, 0, 0, 0, 0, 0, 2], "（七）总计": [3, 0, 0, 0, 0, 0, 3]}  # fmt: skip
    pages = {
        GOV_PAGE: (GOV_TITLE, "2024-03-29", rs.table3(t3(GOOD_T3)) + rs.table4(GOOD_T4)),
        DEPT_PAGE: (DEPT_TITLE, "2024-01-30", f"<p>附件：<a href='{file_path}'>年报.docx</a></p>"),
    }
    serve_reports(route_server, pages, {file_path: (200, DOCX, _docx_table3(file_t3))})
    site = tmp_path / "site.db"
    crawl_reports(route_server, site)
    stepwise = tmp_path / "stepwise.db"  # merged after each crawl
    assert merge(stepwise, site).returncode == 0
    corrected = {**GOOD_T4, "行政复议": [1, 0, 1, 0, 2]}  # a 纠正 becomes 其他结果
    pages[GOV_PAGE] = (GOV_TITLE, "2024-03-29", rs.table3(t3(GOOD_T3)) + rs.table4(corrected))
    fixed = {**file_t3, "（一）予以公开": [1, 0, 0, 0, 0, 0, 1]}
    serve_reports(route_server, pages, {file_path: (200, DOCX, _docx_table3(fixed))})
    crawl_reports(route_server, site)

    gov, dept = (f"{route_server.base_url}{path}" for path in (GOV_PAGE, DEPT_PAGE))
    theirs = rows_of(site, CHANGES)
    assert {(url, table, row, column) for _, _, url, _, _, table, row, column, _, _ in theirs} == {
        (gov, "四", "行政复议", "结果纠正"), (gov, "四", "行政复议", "其他结果"),
        (dept, "三", "（一）予以公开", "自然人"), (dept, "三", "（一）予以公开", "总计"),
    }  # fmt: skip
    changed = {r["url"]: r["changed_after_publication"] for r in reports_json(site)}
    assert changed == {gov: True, dept: True}

    out = tmp_path / "out.db"  # both crawls in one merge
    result = merge(out, site, extra=("--json",))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["readings"] == len(rows_of(site, "SELECT id FROM reports"))
    assert merge(stepwise, site).returncode == 0
    for db in (out, stepwise):
        assert rows_of(db, CHANGES) == theirs
        assert rows_of(db, READINGS) == rows_of(site, READINGS)
        assert reports_json(db) == reports_json(site)

    # Merging again reads nothing again.
    again = merge(out, site, extra=("--json",))
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["readings"] == 0
    assert rows_of(out, READINGS) == rows_of(site, READINGS)
