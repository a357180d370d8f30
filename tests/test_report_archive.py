"""Annual reports in the archive (issue 13): figures and checks derived on the write path,
the views, `scraper figures`, `scraper reports`, `scraper reindex --figures` and
`export --kind attachment`. The real CLI in subprocesses against a real HTTP server serving
report pages whose figures the test writes out itself (tests/report_site.py)."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import docx
import sqlite_utils

from scraper import archive

from . import report_site as rs
from .conftest import RouteServer, run_cli

HTML = {"Content-Type": "text/html; charset=utf-8"}
DOCX = {"Content-Type": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
ZERO = [0] * 7

# A report that adds up: table 三 (every row written out; the rows not listed hold zeros)…
GOOD_T3 = {
    "一、本年新收政府信息公开申请数量": [10, 2, 0, 0, 1, 0, 13],
    "二、上年结转政府信息公开申请数量": [1, 0, 0, 0, 0, 0, 1],
    "（一）予以公开": [5, 1, 0, 0, 1, 0, 7],
    "（二）部分公开（区分处理的，只计这一情形，不计其他情形）": [2, 0, 0, 0, 0, 0, 2],
    "1.属于国家秘密": [1, 0, 0, 0, 0, 0, 1],
    "8.属于行政查询事项": [0, 0, None, 0, 0, 0, 0],  # "—": stored as null, never 0
    "1.本机关不掌握相关政府信息": [1, 1, 0, 0, 0, 0, 2],
    "3.其他": [1, 0, 0, 0, 0, 0, 1],
    "（七）总计": [10, 2, 0, 0, 1, 0, 13],
    "四、结转下年度继续办理": [1, 0, 0, 0, 0, 0, 1],
}
# …and table 四.
GOOD_T4 = {"行政复议": [1, 1, 0, 0, 2], "未经复议直接起诉": [0, 0, 0, 1, 1],
           "复议后起诉": [0, 0, 0, 0, 0]}  # fmt: skip


def t3(overrides: dict[str, list[Any]]) -> dict[str, list[Any]]:
    rows = {row: list(ZERO) for _, row in rs.T3_ROWS}
    rows.update(overrides)
    return rows


GOV = "某某区人民政府"
DEPT = "某某区教育局"
GOV_TITLE = f"{GOV}2023年政府信息公开工作年度报告"
DEPT_TITLE = f"{DEPT}2023年政府信息公开工作年度报告"
GOV_PAGE = "/xxgk/t20240329_1.html"
DEPT_PAGE = "/xxgk/t20240215_2.html"


def serve_reports(
    server: RouteServer, pages: dict[str, tuple[str, str, str]], files: dict[str, Any] | None = None
) -> None:
    """``pages``: path -> (title, published date, body HTML); ``files``: path -> route."""
    server.routes["/robots.txt"] = (200, {}, b"")
    server.routes["/xxgk/"] = (200, HTML, rs.index({p: t for p, (t, _, _) in pages.items()}))
    for path, (title, date, body) in pages.items():
        server.routes[path] = (200, HTML, rs.document(title, date, body))
    for path, route in (files or {}).items():
        server.routes[path] = route


def crawl(server: RouteServer, db: Path) -> None:
    result = run_cli(
        "crawl", "--start-url", f"{server.base_url}/xxgk/", "--db", str(db),
        "--delay", "0", "--retries", "0", "--full",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


def figures_json(db: Path, *args: str) -> list[dict[str, Any]]:
    result = run_cli("figures", "--db", str(db), "--format", "json", *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def cells(rows: list[dict[str, Any]]) -> dict[tuple[str, str, str], Any]:
    found = {(r["table"], r["row"], r["column"]): r["value"] for r in rows}
    assert len(found) == len(rows)  # no cell twice
    return found


def reports_json(db: Path) -> list[dict[str, Any]]:
    result = run_cli("reports", "--db", str(db), "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def query(db: Path, sql: str, params: Any = ()) -> list[dict[str, Any]]:
    return list(sqlite_utils.Database(db).query(sql, params))


def test_a_crawl_of_report_pages_gives_their_figures(route_server, archive):
    body = rs.table3(t3(GOOD_T3)) + rs.table4(GOOD_T4)
    serve_reports(route_server, {GOV_PAGE: (GOV_TITLE, "2024-03-29", body)})
    crawl(route_server, archive)
    rows = figures_json(archive)
    assert cells(rows) == rs.figures_of(t3(GOOD_T3), GOOD_T4)  # every cell, none invented
    url = f"{route_server.base_url}{GOV_PAGE}"
    assert {(r["unit"], r["year"], r["format"], r["document"], r["version"], r["source"])
            for r in rows} == {(GOV, 2023, "2021", url, 1, "html")}  # fmt: skip
    assert list(rows[0]) == ["unit", "year", "format", "table", "row", "column", "value",
                             "document", "version", "source"]  # fmt: skip
    # Filters, and the CSV form.
    four = figures_json(archive, "--table", "四", "--unit", "某某区", "--year", "2023")
    assert cells(four) == {k: v for k, v in cells(rows).items() if k[0] == "四"}
    csv_out = run_cli("figures", "--db", str(archive), "--table", "四")
    assert csv_out.returncode == 0
    lines = csv_out.stdout.splitlines()
    assert lines[0] == "unit,year,format,table,row,column,value,document,version,source"
    assert f"{GOV},2023,2021,四,行政复议,结果纠正,1,{url},1,html" in lines
    none = run_cli("figures", "--db", str(archive), "--year", "2019")
    assert none.returncode == 1 and none.stdout == ""
    assert none.stderr.strip().splitlines() == ["scraper: no figures match"]
    # The checks of a report that adds up pass, but for the two sums that hold the "—".
    results = {r["check"]: r["result"] for r in query(archive, "SELECT * FROM report_checks")}
    dashed = {"t3_outcomes:科研机构", "t3_total_column:8.属于行政查询事项"}
    assert {k for k, v in results.items() if v == "NOT_ASSESSABLE"} == dashed
    assert {v for k, v in results.items() if k not in dashed} == {"PASS"}
    rates = query(archive, "SELECT * FROM report_rates")
    assert [(r["unit"], r["year"], r["granted"], r["applications"], r["granted_share"],
             r["corrected"], r["reviews"], r["corrected_share"]) for r in rates] == [
        (GOV, 2023, 7, 13, round(7 / 13, 4), 1, 2, 0.5)
    ]  # fmt: skip


def test_a_wrong_total_fails_naming_both_sides(route_server, archive):
    wrong = t3({**GOOD_T3, "（七）总计": [11, 2, 0, 0, 1, 0, 14]})  # 自然人's outcomes add to 10
    serve_reports(route_server, {DEPT_PAGE: (DEPT_TITLE, "2024-01-20", rs.table3(wrong))})
    crawl(route_server, archive)
    failed = query(archive, "SELECT * FROM report_checks WHERE result = 'FAIL' ORDER BY id")
    natural = next(c for c in failed if c["check"] == "t3_outcomes:自然人")
    assert (natural["left"], natural["right"], natural["delta"]) == (10, 11, -1)
    left, right = natural["expression"].split(" = ")
    assert "（一）予以公开|自然人]=5" in left and "（七）总计|自然人]=11" in right
    assert "t3_outcomes:自然人" not in {
        c["check"] for c in query(archive, "SELECT * FROM report_checks WHERE result = 'PASS'")
    }
    [report] = reports_json(archive)
    assert report["checks_failed"] == len(failed) >= 1
    assert natural["expression"] in {c["expression"] for c in report["failed_checks"]}
    text = run_cli("reports", "--db", str(archive))
    assert text.returncode == 0
    assert f"FAIL t3_outcomes:自然人: {natural['expression']}" in text.stdout


def test_a_corrected_figure_is_a_change_and_a_late_report_is_late(route_server, archive):
    gov_body = rs.table3(t3(GOOD_T3)) + rs.table4(GOOD_T4)
    dept_body = rs.table3(t3(GOOD_T3))
    pages = {
        GOV_PAGE: (GOV_TITLE, "2024-03-29", gov_body),  # a government: 31 March, on time
        DEPT_PAGE: (DEPT_TITLE, "2024-02-15", dept_body),  # a department: 31 January, late
    }
    serve_reports(route_server, pages)
    crawl(route_server, archive)
    assert [r["changed_after_publication"] for r in reports_json(archive)] == [False, False]
    corrected = {**GOOD_T4, "行政复议": [1, 0, 1, 0, 2]}  # a 纠正 becomes 其他结果
    pages[GOV_PAGE] = (GOV_TITLE, "2024-03-29", rs.table3(t3(GOOD_T3)) + rs.table4(corrected))
    serve_reports(route_server, pages)
    crawl(route_server, archive)
    changes = query(archive, 'SELECT * FROM report_changes ORDER BY "column"')
    url = f"{route_server.base_url}{GOV_PAGE}"
    assert [(c["unit"], c["year"], c["url"], c["old_version"], c["new_version"], c["table"],
             c["row"], c["column"], c["old_value"], c["new_value"]) for c in changes] == [
        (GOV, 2023, url, 1, 2, "四", "行政复议", "其他结果", 0, 1),
        (GOV, 2023, url, 1, 2, "四", "行政复议", "结果纠正", 1, 0),
    ]  # fmt: skip
    by_unit = {r["unit"]: r for r in reports_json(archive)}
    assert by_unit[GOV]["changed_after_publication"] is True
    assert by_unit[DEPT]["changed_after_publication"] is False
    assert by_unit[GOV]["version"] == 2
    assert (
        cells(figures_json(archive, "--unit", GOV, "--table", "四"))[("四", "行政复议", "结果纠正")]
        == 0
    )  # the current version's figures
    text = run_cli("reports", "--db", str(archive)).stdout
    assert "figures changed after publication: yes" in text
    timeliness = {r["unit"]: r for r in query(archive, "SELECT * FROM report_timeliness")}
    assert {k: timeliness[DEPT][k] for k in ("level", "published", "deadline", "status",
                                             "days_late")} == {
        "level": "department", "published": "2024-02-15", "deadline": "2024-01-31",
        "status": "late", "days_late": 15,
    }  # fmt: skip
    assert (timeliness[GOV]["level"], timeliness[GOV]["deadline"], timeliness[GOV]["status"]) == (
        "government",
        "2024-03-31",
        "on_time",
    )
    assert timeliness[DEPT]["first_seen"] == query(
        archive, "SELECT substr(first_seen, 1, 10) AS d FROM pages WHERE url = ?",
        [f"{route_server.base_url}{DEPT_PAGE}"],
    )[0]["d"]  # fmt: skip
    assert "late by 15 days" in text


def _docx_table3(rows: dict[str, list[Any]]) -> bytes:
    """A Word file holding table 三 as a plain grid: a header row, then a row per label."""
    document = docx.Document()
    document.add_paragraph("三、收到和处理政府信息公开申请情况")
    table = document.add_table(rows=1 + len(rows), cols=8)
    for i, head in enumerate(["项目", *rs.T3_COLUMNS]):
        table.cell(0, i).text = head
    for r, (label, values) in enumerate(rows.items(), start=1):
        table.cell(r, 0).text = label
        for c, value in enumerate(values, start=1):
            table.cell(r, c).text = "—" if value is None else str(value)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


FILE_T3 = {
    "一、本年新收政府信息公开申请数量": [3, 0, 0, 0, 0, 0, 3],
    "（一）予以公开": [2, 0, 0, 0, 0, 0, 2],
    "（七）总计": [3, 0, 0, 0, 0, 0, 3],
}


def test_figures_from_an_attachment_file_and_a_file_replaced_in_place(route_server, archive):
    first = _docx_table3(FILE_T3)
    file_path = "/xxgk/P020240215.docx"
    body = f"<p>详见附件：<a href='{file_path}'>2023年年度报告.docx</a></p>"
    serve_reports(
        route_server, {DEPT_PAGE: (DEPT_TITLE, "2024-01-30", body)}, {file_path: (200, DOCX, first)}
    )
    crawl(route_server, archive)
    rows = figures_json(archive)
    assert cells(rows) == {("三", row, column): value for row, values in FILE_T3.items()
                           for column, value in zip(rs.T3_COLUMNS, values, strict=True)}  # fmt: skip
    assert {r["source"] for r in rows} == {"docx"}
    assert {r["document"] for r in rows} == {f"{route_server.base_url}{DEPT_PAGE}"}
    # The file is replaced under the same address, the page unchanged: a new reading.
    fixed = _docx_table3({**FILE_T3, "（一）予以公开": [1, 0, 0, 0, 0, 0, 1]})
    route_server.routes[file_path] = (200, DOCX, fixed)
    crawl(route_server, archive)
    changes = query(archive, 'SELECT * FROM report_changes ORDER BY "column"')
    assert [(c["old_version"], c["new_version"], c["row"], c["column"], c["old_value"],
             c["new_value"], c["new_source"]) for c in changes] == [
        (1, 1, "（一）予以公开", "总计", 2, 1, "docx"),
        (1, 1, "（一）予以公开", "自然人", 2, 1, "docx"),
    ]  # fmt: skip
    assert reports_json(archive)[0]["changed_after_publication"] is True
    assert cells(figures_json(archive))[("三", "（一）予以公开", "自然人")] == 1


def test_reindex_figures_gives_the_same_figures_again(route_server, archive):
    body = rs.table3(t3(GOOD_T3)) + rs.table4(GOOD_T4)
    serve_reports(route_server, {GOV_PAGE: (GOV_TITLE, "2024-03-29", body)})
    crawl(route_server, archive)
    before = figures_json(archive)
    checks_before = query(archive, 'SELECT "check", expression, result FROM report_checks')
    # Figures lost, then figures derived by an older parser (and a wrong one).
    db = sqlite_utils.Database(archive)
    for table in ("report_checks", "report_figures", "reports"):
        db.execute(f"DELETE FROM {table}")
    db.conn.commit()
    assert run_cli("figures", "--db", str(archive)).returncode == 1
    assert run_cli("reindex", "--db", str(archive), "--figures").returncode == 0
    assert figures_json(archive) == before
    db.execute("UPDATE reports SET parser_version = '0'")
    db.execute("UPDATE report_figures SET value = 999")
    db.conn.commit()
    result = run_cli("reindex", "--db", str(archive))  # no flag: everything derived
    assert result.returncode == 0, result.stderr
    assert figures_json(archive) == before
    assert query(archive, 'SELECT "check", expression, result FROM report_checks') == checks_before
    assert {r["parser_version"] for r in query(archive, "SELECT * FROM reports")} != {"0"}
    assert len(query(archive, "SELECT * FROM reports")) == 1  # replaced, not added


def test_the_carryover_check_across_two_years_sits_on_the_later_year(route_server, archive):
    later = t3({**GOOD_T3, "二、上年结转政府信息公开申请数量": [2, 0, 0, 0, 0, 0, 2],
                "一、本年新收政府信息公开申请数量": [9, 2, 0, 0, 1, 0, 12]})  # fmt: skip
    serve_reports(
        route_server,
        {
            "/xxgk/t20230301_1.html": (f"{GOV}2022年政府信息公开工作年度报告", "2023-03-01",
                                        rs.table3(t3(GOOD_T3))),
            GOV_PAGE: (GOV_TITLE, "2024-03-29", rs.table3(later)),
        },
    )  # fmt: skip
    crawl(route_server, archive)
    rows = query(
        archive,
        'SELECT r.year, c."check", c."left", c."right", c.result FROM report_checks c '
        "JOIN reports r ON r.id = c.report_id WHERE c.\"check\" LIKE 'carryover:%'",
    )
    assert {r["year"] for r in rows} == {2023}
    by_check = {r["check"]: r for r in rows}
    assert (by_check["carryover:自然人"]["left"], by_check["carryover:自然人"]["right"]) == (1, 2)
    assert by_check["carryover:自然人"]["result"] == "FAIL"
    assert by_check["carryover:商业企业"]["result"] == "PASS"


def test_export_of_attachment_files(route_server, archive):
    served = b"%PDF-1.4\n% a report's attachment\n%%EOF\n"
    serve_reports(
        route_server,
        {
            "/xxgk/t20240101_1.html": ("关于甲的通知", "2024-01-01",
                                       "<a href='/xxgk/P1.pdf'>报告.pdf</a>"),
            "/xxgk/t20240102_2.html": ("关于乙的通知", "2024-01-02",
                                       "<a href='/xxgk/old/P1.pdf'>报告.pdf</a>"),
        },
        {
            "/xxgk/P1.pdf": (200, {"Content-Type": "application/pdf"}, served),
            "/xxgk/old/P1.pdf": (301, {"Location": "/xxgk/P1.pdf"}, b""),
        },
    )  # fmt: skip
    crawl(route_server, archive)
    result = run_cli("export", "--db", str(archive), "--kind", "attachment")
    assert result.returncode == 0, result.stderr
    [record] = [json.loads(line) for line in result.stdout.splitlines()]
    base = route_server.base_url
    assert record["url"] == f"{base}/xxgk/P1.pdf"
    assert record["sha256"] == hashlib.sha256(served).hexdigest()
    assert record["size"] == len(served)
    assert record["content_type"] == "application/pdf"
    assert record["fetched_at"].endswith("Z")
    assert record["documents"] == [f"{base}/xxgk/t20240101_1.html", f"{base}/xxgk/t20240102_2.html"]
    assert record["error"] is None
    assert isinstance(record["text_chars"], int)
    # The fields every kind has come first, in their order; the new ones after them.
    common = list(json.loads(run_cli("export", "--db", str(archive)).stdout.splitlines()[0]))
    assert list(record)[: len(common)] == common
    assert list(record)[len(common):] == ["sha256", "size", "content_type", "fetched_at",
                                          "documents", "text_chars", "error"]  # fmt: skip
    # The file fails on the next run: its error is the reason, until it answers again.
    route_server.routes["/xxgk/P1.pdf"] = (503, {}, b"busy")
    run_cli("crawl", "--start-url", f"{base}/xxgk/", "--db", str(archive), "--delay", "0",
            "--retries", "0", "--full")  # fmt: skip
    csv_out = run_cli("export", "--db", str(archive), "--kind", "attachment", "--format", "csv")
    header, row = csv_out.stdout.splitlines()[:2]
    assert header.endswith(",sha256,size,content_type,fetched_at,documents,text_chars,error")
    assert "503" in row.rsplit(",", 1)[-1]


def test_figures_on_an_archive_without_reports(route_server, archive):
    serve_reports(route_server, {"/xxgk/t20240101_1.html": ("关于甲的通知", "2024-01-01", "")})
    crawl(route_server, archive)
    for command in ("figures", "reports"):
        result = run_cli(command, "--db", str(archive))
        assert result.returncode == 1
        assert result.stdout == ""
        [line] = result.stderr.splitlines()
        assert line.startswith("scraper: no annual reports in ")


def test_an_archive_from_before_report_figures_is_upgraded(tmp_path):
    path = tmp_path / "old.db"
    old = archive.open_db(path)
    run_id = archive.start_run(old, "test", "full", 1, "scraper crawl", {})
    archive.finish_run(old, run_id, {}, "ok", 0)
    # Undo m009 as an archive written by the previous release would lack it.
    for view in ("report_changes", "report_timeliness", "report_rates"):
        old.execute(f"DROP VIEW {view}")
    for table in ("report_checks", "report_figures", "reports", "report_runs", "report_levels"):
        old.execute(f"DROP TABLE {table}")
    old.execute("DELETE FROM _sqlite_migrations WHERE name = 'm009_report_figures'")
    old.conn.commit()
    old.close()
    assert archive.open_db(path, readonly=True)  # a reading command upgrades it first
    upgraded = sqlite_utils.Database(path)
    assert {"reports", "report_figures", "report_checks"} <= set(upgraded.table_names())
    assert {"report_changes", "report_timeliness", "report_rates"} <= set(upgraded.view_names())
    # Runs written before are left to `reindex --figures`, not read by the next crawl.
    assert [r["run_id"] for r in upgraded.query("SELECT run_id FROM report_runs")] == [run_id]
    assert run_cli("reindex", "--db", str(path), "--figures").returncode == 0


def test_the_report_queries_run_under_scraper_serve(route_server, archive):
    import httpx

    from .test_datasette import start_serve

    wrong = t3({**GOOD_T3, "（七）总计": [11, 2, 0, 0, 1, 0, 14]})
    serve_reports(
        route_server,
        {
            GOV_PAGE: (GOV_TITLE, "2024-03-29", rs.table3(t3(GOOD_T3)) + rs.table4(GOOD_T4)),
            DEPT_PAGE: (DEPT_TITLE, "2024-02-15", rs.table3(wrong)),
        },
    )
    crawl(route_server, archive)
    proc, root = start_serve(archive)
    try:

        def rows(name: str, **params: str) -> list[dict[str, Any]]:
            response = httpx.get(f"{root}/archive/{name}.json", params={"_shape": "array",
                                 **params}, timeout=30)  # fmt: skip
            assert response.status_code == 200, response.text[:500]
            return response.json()

        overview = rows("annual_reports")
        assert [(r["unit"], r["year"], r["status"], r["checks_failed"] > 0) for r in overview] == [
            (GOV, 2023, "on_time", False),  # by unit (人 before 教 in code points)
            (DEPT, 2023, "late", True),
        ]
        assert [r["unit"] for r in rows("unit_reports", unit="教育局")] == [DEPT]
        failed = rows("failed_checks")
        assert failed and {r["unit"] for r in failed} == {DEPT}
        assert "t3_outcomes:自然人" in {r["check"] for r in failed}
        for view in ("report_changes", "report_timeliness", "report_rates", "report_figures"):
            rows(view)
        assert len(rows("report_timeliness")) == 2
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# --- the replica's annual reports (scraper.replica.reports: its truth is written as data) ---


def _number(value: Any) -> Any:
    """A replica figure (Decimal or None) as `scraper figures` prints it."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def test_the_replica_reports_in_every_format_end_to_end(archive):
    from scraper.replica import ReplicaServer, ReplicaSite

    from .conftest import crawl_args

    site = ReplicaSite(annual_reports=True)
    with ReplicaServer(site) as server:
        result = run_cli(*crawl_args(server, archive))
        assert result.returncode == 0, result.stderr
        truth = site.annual_reports()
        assert {r.carrier for r in truth.values()} >= {"html", "docx", "xlsx", "xls", "pdf"}
        by_document: dict[str, dict[tuple[str, str, str], Any]] = {}
        for row in figures_json(archive):
            by_document.setdefault(row["document"].removeprefix(server.base_url), {})[
                (row["table"], row["row"], row["column"])
            ] = row["value"]
        for path, report in truth.items():
            expected = {key: _number(value) for key, value in report.figures().items()}
            assert by_document.get(path) == expected, report.name  # exactly, none invented
        listed = {r["url"].removeprefix(server.base_url): r for r in reports_json(archive)}
        for path, report in truth.items():
            got = listed[path]
            assert (got["unit"], got["year"], got["format"]) == (
                report.unit,
                report.year,
                report.format,
            )
            assert got["status"] == ("on_time" if report.on_time else "late"), report.name
            in_report = {c["check"] for c in got["failed_checks"]} - {
                c["check"] for c in got["failed_checks"] if c["check"].startswith("carryover:")
            }
            assert in_report == set(report.failing_checks), report.name
            assert got["changed_after_publication"] is False
        # A figure corrected after publication, in an HTML report and in a file report.
        html = next(p for p, r in truth.items() if r.carrier == "html" and r.format == "2021")
        filed = next(p for p, r in truth.items() if r.carrier == "docx")
        site.correct_report(html, "三", "（一）予以公开", "自然人", "10")
        site.correct_report(filed, "四", "行政复议", "结果维持", "7")
        result = run_cli(*crawl_args(server, archive))
        assert result.returncode == 0, result.stderr
        changes = query(archive, "SELECT * FROM report_changes")
        assert {
            (
                c["url"].removeprefix(server.base_url),
                c["table"],
                c["row"],
                c["column"],
                c["new_value"],
            )
            for c in changes
        } == {
            (html, "三", "（一）予以公开", "自然人", 10),
            (filed, "四", "行政复议", "结果维持", 7),
        }
        changed = {
            r["url"].removeprefix(server.base_url)
            for r in reports_json(archive)
            if r["changed_after_publication"]
        }
        assert changed == {html, filed}


# --- the write path on recorded pages (the archive's functions, no network) ---


def _save_report(db: Any, run_id: int, title: str, body: str, at: str) -> None:
    url = "http://h.cn/xxgk/t20240329_1.html"
    raw = rs.document(title, "2024-03-29", body)
    fields = {"title": title, "date": "2024-03-29", "body_text": "一、总体情况", "attachments": []}
    snapshot = archive.Snapshot(url, url, "document", fields, raw, at, "utf-8")
    archive.save_snapshot(db, snapshot, run_id, "test")


def test_a_run_reads_what_a_killed_run_before_it_saved_and_a_retitled_page_is_no_report(
    tmp_path,
):
    db = archive.open_db(tmp_path / "a.db")
    killed = archive.start_run(db, "test", "full", 1, "scraper crawl", {})
    body = rs.table3(t3(GOOD_T3))
    _save_report(db, killed, GOV_TITLE, body, "2026-11-01T00:00:00Z")  # killed: never read
    finishing = archive.start_run(db, "test", "resume", 1, "scraper crawl", {})
    assert archive.derive_reports(db, finishing) == 1
    [reading] = archive.report_records(db)
    assert (reading["unit"], reading["year"], reading["version"]) == (GOV, 2023, 1)
    assert archive.derive_reports(db, finishing) == 0  # read once
    later = archive.start_run(db, "test", "full", 1, "scraper crawl", {})
    _save_report(db, later, "关于做好年度报告编制工作的通知", body, "2026-11-02T00:00:00Z")
    assert archive.derive_reports(db, later) == 0
    assert archive.report_records(db) == []  # the page is no longer a report
    assert not archive.figure_records(db)
    db.close()


def test_a_profile_sets_the_level_of_a_unit_its_name_does_not_tell(route_server, archive, tmp_path):
    """教育局 reads as a department (31 January); a profile's report_levels makes it a
    government (31 March), so its report of 15 February is on time."""
    serve_reports(route_server, {DEPT_PAGE: (DEPT_TITLE, "2024-02-15", rs.table3(t3(GOOD_T3)))})
    profile = tmp_path / "levels.toml"
    profile.write_text(
        f'name = "levels"\nstart_urls = ["{route_server.base_url}/xxgk/"]\n'
        f'report_levels = {{ "{DEPT}" = "government" }}\n',
        encoding="utf-8",
    )
    result = run_cli("crawl", "--profile", str(profile), "--db", str(archive), "--delay", "0",
                     "--retries", "0", "--full")  # fmt: skip
    assert result.returncode == 0, result.stderr
    (row,) = query(archive, "SELECT level, deadline, status FROM report_timeliness")
    assert row == {"level": "government", "deadline": "2024-03-31", "status": "on_time"}


def test_a_report_levels_value_that_is_not_a_level_is_refused(tmp_path, archive):
    profile = tmp_path / "bad.toml"
    profile.write_text(
        'name = "bad"\nstart_urls = ["http://127.0.0.1:9/xxgk/"]\n'
        'report_levels = { "某某中心" = "county" }\n',
        encoding="utf-8",
    )
    result = run_cli("crawl", "--profile", str(profile), "--db", str(archive))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f'scraper: profile {profile}: report_levels must be a table of unit = "government" or '
        "\"department\", got {'某某中心': 'county'}"
    ]
    assert not archive.exists()


def _crawl_in_process(server: RouteServer, db_path: Path, workers: int) -> int:
    from scraper import config
    from scraper.crawl import Crawler, CrawlOptions

    profile = config.resolve(
        start_urls=(f"{server.base_url}/xxgk/",),
        flags={"delay": 0.0, "fetch.retries": 0},
        environ={},
    )
    db = archive.open_db(db_path)
    try:
        return Crawler(db, profile, CrawlOptions(full=True, workers=workers)).run().exit_code
    finally:
        db.close()


def test_a_crawl_parses_its_reports_in_a_reading_worker(route_server, archive, monkeypatch, caplog):
    """The end-of-run parse of a report page and its file goes to the reading worker, not
    the event loop that other sites share: the parser is broken in the run's own process
    (the worker, a fresh process, has the real one), and the figures still land."""
    import scraper.reports.parse
    from scraper.crawl.read import Reader

    def broken(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a report was parsed in the run's own process")

    monkeypatch.setattr(Reader, "POOL_AFTER", 0)  # the pool from the first page on
    monkeypatch.setattr(scraper.reports.parse, "read_report", broken)
    file_path = "/xxgk/P020240215.docx"
    body = f"<p>详见附件：<a href='{file_path}'>2023年年度报告.docx</a></p>"
    serve_reports(
        route_server,
        {DEPT_PAGE: (DEPT_TITLE, "2024-01-30", body)},
        {file_path: (200, DOCX, _docx_table3(FILE_T3))},
    )
    assert _crawl_in_process(route_server, archive, workers=1) == 0
    assert "could not read the report" not in caplog.text
    assert cells(figures_json(archive)) == {
        ("三", row, column): value
        for row, values in FILE_T3.items()
        for column, value in zip(rs.T3_COLUMNS, values, strict=True)
    }
    assert {r["source"] for r in figures_json(archive)} == {"docx"}


def test_a_report_the_parser_fails_on_is_logged_and_the_others_are_read(
    route_server, archive, monkeypatch, caplog
):
    """A run with no worker pool parses in a thread of its own process: a parser bug on one
    report is logged with its traceback, the run ends well and the other report is read."""
    import scraper.reports.parse

    real = scraper.reports.parse.read_report

    def fails_on_the_government(title: str, *args: Any, **kwargs: Any) -> Any:
        if title == GOV_TITLE:
            raise ZeroDivisionError("a parser bug")
        return real(title, *args, **kwargs)

    monkeypatch.setattr(scraper.reports.parse, "read_report", fails_on_the_government)
    body = rs.table3(t3(GOOD_T3))
    pages = {GOV_PAGE: (GOV_TITLE, "2024-03-29", body), DEPT_PAGE: (DEPT_TITLE, "2024-02-15", body)}
    serve_reports(route_server, pages)
    assert _crawl_in_process(route_server, archive, workers=0) == 0
    [failed] = [r for r in caplog.records if "could not read the report" in r.getMessage()]
    assert failed.levelname == "ERROR" and "ZeroDivisionError: a parser bug" in failed.getMessage()
    assert [(r["unit"], r["year"]) for r in reports_json(archive)] == [(DEPT, 2023)]
    assert {r["unit"] for r in figures_json(archive)} == {DEPT}
