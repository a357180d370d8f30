"""The CLI as cron and users meet it: output, logs, exit codes, faults."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import sqlite_utils

from scraper.replica import ReplicaSite

from .conftest import ROOT, run_cli
from .test_crawl_e2e import crawl

CORPUS = Path(os.environ.get("SCRAPER_CORPUS") or ROOT.parent / "shared" / "corpus")


def test_successful_run_under_cron_prints_nothing_and_logs_json(replica, tmp_path):
    site, server = replica
    log = tmp_path / "logs" / "crawl.jsonl"
    result = crawl(server, tmp_path / "a.db", "--log-file", str(log), "--log-format", "json")
    assert result.returncode == 0
    assert result.stdout == "" and result.stderr == ""
    entries = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert {"time", "level", "logger", "message"} <= set(entries[0])
    assert any("pages checked" in e["message"] for e in entries)


def test_failed_urls_give_one_line_each_on_stderr_and_exit_1(replica, tmp_path):
    site, server = replica
    redirected = set(site.redirects().values())
    broken = [p for p in sorted(site.expected_documents()) if p not in redirected][:2]
    for path in broken:
        site.fail_next(path, times=10, status=503)
    result = crawl(server, tmp_path / "a.db")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    failed = [line for line in lines if "HTTP 503" in line]
    assert len(failed) == 2 and all(any(p in line for p in broken) for line in failed)
    assert lines[-1].startswith("scraper: ") and "2 errors" in lines[-1]
    db = sqlite_utils.Database(tmp_path / "a.db")
    rows = list(db.query("SELECT url, category, attempts FROM failures WHERE category = 'error'"))
    assert len(rows) == 2 and all(r["attempts"] == 2 for r in rows)  # --retries 1
    run = next(db.query("SELECT status, exit_code, errors FROM runs"))
    assert run == {"status": "failed-urls", "exit_code": 1, "errors": 2}


def test_full_disk_exits_4_with_one_line_and_a_sound_archive(replica, tmp_path):
    site, server = replica
    mount = tmp_path / "small"
    mount.mkdir()
    if subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=160k", "tmpfs", str(mount)], capture_output=True
    ).returncode:
        pytest.skip("cannot mount a small tmpfs here (needs root) to fill a disk")
    try:
        result = crawl(server, mount / "a.db")
        assert result.returncode == 4, result.stderr
        last = result.stderr.strip().splitlines()[-1]
        assert last.startswith("scraper: ") and ("full" in last or "cannot" in last)
        copy = tmp_path / "copy.db"
        db = sqlite_utils.Database(mount / "a.db")
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        db.execute(f"VACUUM INTO '{copy}'")
        versions = (
            sqlite_utils.Database(copy)
            .execute(
                "SELECT count(*) FROM versions v LEFT JOIN pages p ON p.current_version >= v.number AND p.id = v.page_id WHERE p.id IS NULL"
            )
            .fetchone()[0]
        )
        assert versions == 0  # no version without its page pointing at it
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_demo_crawls_the_replica_into_data_demo_db_only(tmp_path):
    shutil.copytree(ROOT / "scraper", tmp_path / "scraper")  # run from a scratch folder
    main_archive = tmp_path / "main.db"
    result = run_cli("demo", env={"SCRAPER_DB": str(main_archive)}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Replica site serving at http://127.0.0.1:" in result.stdout
    hints = result.stdout.strip().splitlines()
    assert hints[-1].endswith("scraper serve --db data/demo.db"), hints[-1]
    assert "scraper history --db data/demo.db http://127.0.0.1:" in result.stdout
    assert "王堃" in result.stdout  # the gb2312-labelled page's title, decoded right
    assert (tmp_path / "data" / "demo.db").exists() and not main_archive.exists()
    # Run again, the replica on another port: a fresh demo archive, not a second copy.
    again = run_cli("demo", env={"SCRAPER_DB": str(main_archive)}, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    n = (
        sqlite_utils.Database(tmp_path / "data" / "demo.db")
        .execute("SELECT count(*) FROM documents")
        .fetchone()[0]
    )
    # The demo deletes one document and adds two before its second crawl.
    assert n == len(ReplicaSite().expected_documents()) - 1 + 2


@pytest.mark.skipif(
    not CORPUS.exists(), reason=f"corpus not found at {CORPUS} (set SCRAPER_CORPUS)"
)
def test_extract_command_on_a_saved_page():
    label = next(
        json.loads(line)
        for line in (CORPUS / "labels.jsonl").read_text(encoding="utf-8").splitlines()
        if json.loads(line)["file"] == "hongsibu_1.html"
    )
    result = run_cli(
        "extract", str(CORPUS / "pages" / "hongsibu_1.html"), "--url", label["origin_url"], "--json"
    )
    assert result.returncode == 0, result.stderr
    fields = json.loads(result.stdout)
    assert fields["title"] == label["title"] and fields["date"] == label["date"]
    assert fields["source"] == label["source"] and fields["kind"] == "document"
    assert fields["url"] == label["origin_url"]


def test_extract_command_never_crashes_on_bad_input(tmp_path):
    binary = tmp_path / "a.pdf"
    binary.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 50)
    result = run_cli("extract", str(binary))
    assert result.returncode == 1
    assert (
        result.stderr.startswith("scraper: cannot read")
        and len(result.stderr.strip().splitlines()) == 1
    )
    result = run_cli("extract", str(tmp_path / "missing.html"))
    assert result.returncode == 2 and "cannot read" in result.stderr
    garbage = tmp_path / "g.html"
    garbage.write_bytes("<html><<<div><table><td>残缺</p><p>页面</html".encode())
    result = run_cli("extract", str(garbage), "--json")
    assert result.returncode == 0 and json.loads(result.stdout)["kind"] == "other"


def test_reading_commands_on_a_missing_archive_exit_2(tmp_path):
    for command in (
        ["export"],
        ["stats"],
        ["history", "http://x.cn/a.html"],
        ["diff", "http://x.cn/a.html"],
        ["show", "http://x.cn/a.html"],
    ):
        result = run_cli(*command, "--db", str(tmp_path / "none.db"))
        assert result.returncode == 2 and "no archive" in result.stderr
        assert not (tmp_path / "none.db").exists()


def test_configuration_layers_env_over_profile_and_flags_over_env(replica, tmp_path):
    site, server = replica
    start = f"{server.base_url}/xxgk/"
    env_db, flag_db = tmp_path / "env.db", tmp_path / "flag.db"
    common = ["--start-url", start, "--retries", "0", "--max-pages", "2"]
    # SCRAPER_DELAY=0 beats the default profile's delay of 1 s; SCRAPER_DB picks the archive.
    result = run_cli("crawl", *common, env={"SCRAPER_DB": str(env_db), "SCRAPER_DELAY": "0"})
    assert result.returncode == 0, result.stderr
    assert env_db.exists()
    result = run_cli(
        "crawl", *common, "--db", str(flag_db), "--delay", "0", env={"SCRAPER_DB": str(env_db)}
    )
    assert result.returncode == 0 and flag_db.exists()
    runs = list(sqlite_utils.Database(env_db).query("SELECT settings FROM runs"))
    assert len(runs) == 1  # the flag, not the environment, chose the second archive
    assert json.loads(runs[0]["settings"])["delay"] == 0.0  # environment over the profile's 1.0
    result = run_cli(
        "crawl", *common, "--delay", "0.01", env={"SCRAPER_DB": str(env_db), "SCRAPER_DELAY": "0"}
    )
    assert result.returncode == 0
    settings = [
        json.loads(r["settings"])
        for r in sqlite_utils.Database(env_db).query("SELECT settings FROM runs ORDER BY id")
    ]
    assert settings[-1]["delay"] == 0.01 and settings[-1]["start_urls"] == [start]  # flag over env
    # A malformed environment value is a usage error, like a malformed flag.
    result = run_cli("crawl", *common, env={"SCRAPER_DB": str(env_db), "SCRAPER_DELAY": "soon"})
    assert result.returncode == 2


def test_reading_commands_work_on_a_read_only_archive(replica, tmp_path):
    site, server = replica
    folder = tmp_path / "ro"
    folder.mkdir()
    assert crawl(server, folder / "a.db").returncode == 0
    if subprocess.run(
        ["mount", "--bind", "-o", "ro", str(folder), str(folder)], capture_output=True
    ).returncode:
        pytest.skip("cannot bind-mount read-only here (needs root)")
    try:
        for command in (["stats", "--json"], ["export"]):
            result = run_cli(*command, "--db", str(folder / "a.db"))
            assert result.returncode == 0, result.stderr
        assert json.loads(run_cli("stats", "--json", "--db", str(folder / "a.db")).stdout)[
            "live_documents"
        ] == len(site.expected_documents())
        result = crawl(server, folder / "a.db")
        assert result.returncode == 4 and result.stderr.strip().splitlines()[-1].startswith(
            "scraper: "
        )
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def test_search_finds_chinese_text_in_the_latest_versions(replica, tmp_path):
    site, server = replica
    db = tmp_path / "a.db"
    assert crawl(server, db).returncode == 0
    path = sorted(site.expected_documents())[0]
    word = "更正后的特别标题"
    site.retitle(path, word)
    assert crawl(server, db).returncode == 0
    found = json.loads(run_cli("search", word, "--db", str(db), "--json").stdout)
    assert [r["url"] for r in found] == [server.base_url + path]
    gbk = site.documents_with("gb18030")[0]
    found = json.loads(
        run_cli("search", "王堃", "--db", str(db), "--json").stdout
    )  # two characters
    assert server.base_url + gbk in [r["url"] for r in found]
    result = run_cli("search", "没有这样的内容", "--db", str(db))
    assert result.returncode == 1 and "no match" in result.stderr


def test_reading_commands_follow_another_address_to_its_page(tmp_path):
    from scraper import archive

    path = tmp_path / "a.db"
    db = archive.open_db(path)
    run_id = archive.start_run(db, "test", "full", 1, "scraper crawl", {})
    page = "http://h.cn/xxgk/tzgg/"
    at = "2026-11-01T00:00:00Z"
    fields = {"title": "通知公告", "body_text": "列表"}
    snapshot = archive.Snapshot(page, page, "list", fields, b"<html>list</html>", at)
    archive.save_snapshot(db, snapshot, run_id, "test")
    archive.save_same_page(db, page + "list.html", page, at)
    archive.save_alias(db, "http://h.cn/old/tzgg.html", page, at)
    db.close()
    for address in (page + "list.html", "http://h.cn/old/tzgg.html"):
        result = run_cli("raw", address, "--db", str(path))
        assert result.returncode == 0, result.stderr
        assert result.stdout == "<html>list</html>"
    unknown = run_cli("raw", "http://h.cn/nowhere.html", "--db", str(path))
    assert unknown.returncode == 2 and "no page" in unknown.stderr


def test_extract_with_an_unknown_encoding_is_bad_usage(tmp_path):
    page = tmp_path / "p.html"
    page.write_text("<title>通知</title>", encoding="utf-8")
    result = run_cli("extract", str(page), "--encoding", "nosuch")
    assert result.returncode == 2 and "unknown encoding" in result.stderr
