"""`scraper demo` shows versions: it crawls the replica, changes it, crawls it again and
prints the digest, a history, a diff and a `show --at` of pages that changed, then the
hints, `scraper serve` last."""

from __future__ import annotations

import sqlite3

from .conftest import run_cli


def test_the_demo_ends_with_versions_a_removal_and_a_replaced_file(tmp_path):
    result = run_cli("demo", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    lines = out.strip().splitlines()
    # In this order: the digest, history, diff, show --at, then the hints ending with serve.
    marks = [
        "changes --db data/demo.db",
        "Run 2 (since ",
        "history --db data/demo.db http://127.0.0.1:",
        "diff --db data/demo.db http://127.0.0.1:",
        "show --db data/demo.db http://127.0.0.1:",
        "Look inside",
    ]
    places = [out.index(mark) for mark in marks]
    assert places == sorted(places), places
    assert lines[-1].endswith("scraper serve --db data/demo.db"), lines[-1]
    # The examples are of pages that really changed.
    assert "changed: body_text" in out  # the history of the edited page
    assert "\n  + " in out or "\n    + " in out  # the diff's added paragraph
    assert "（更正）" in out.split("show --db")[0]  # the corrected title, in the digest
    show = out.split("show --db")[1].split("Look inside")[0]
    assert "version 1, fetched" in show and "（更正）" not in show  # as it was before

    with sqlite3.connect(tmp_path / "data" / "demo.db") as db:
        (twice,) = db.execute(
            "SELECT count(*) FROM latest WHERE kind = 'document' AND version >= 2"
        ).fetchone()
        (removed,) = db.execute("SELECT count(*) FROM removed").fetchone()
        (replaced,) = db.execute(
            "SELECT count(*) FROM attachment_files WHERE versions >= 2 AND removed_at IS NULL"
        ).fetchone()
    assert twice >= 1 and removed >= 1 and replaced >= 1
    # The hint to the annual reports leads somewhere: the replica's 年报 are read into figures.
    assert "reports --db data/demo.db" in out
    reports = run_cli("reports", "--db", "data/demo.db", cwd=tmp_path)
    assert reports.returncode == 0, reports.stderr
    assert reports.stdout.splitlines()[0].endswith("annual reports")
    assert "吴忠市红寺堡区人民政府 2022 (format 2021, government)" in reports.stdout
