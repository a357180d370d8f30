"""Annual reports read from every source (issue 13): the page's HTML and .docx, .xlsx, .xls and
text-layer PDF attachments, through the one entry point ``read_report``.

The replica's annual reports (scraper.replica.reports, opt-in) are served over real HTTP; each
one's page and attachment are fetched, extracted as a crawl would, and must read into exactly
the figures written in its TRUTH: the same keys, the same values, no invented cell.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from scraper.extract import extract
from scraper.replica.report_files import pdf_report, xlsx_report
from scraper.replica.reports import TRUTH, Style, report_named
from scraper.replica.site import ReplicaServer, ReplicaSite
from scraper.reports import PARSER_VERSION, ReportFile, ReportReading, read_report
from scraper.reports.readers import kind_of, read_file
from scraper.reports.readers.sheets import value_text
from scraper.reports.tables import ParsedTables

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("SCRAPER_CORPUS", ROOT.parent / "shared" / "corpus"))
PINGTAN = "pingtan_nb2024.html"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[ReplicaSite, ReplicaServer]]:
    site = ReplicaSite(annual_reports=True)
    with ReplicaServer(site) as server:
        yield site, server


def fetch_and_read(server: ReplicaServer, path: str) -> tuple[ReportReading | None, list[str]]:
    """What the archive does: fetch the page, extract it, fetch its attachments, read."""
    with httpx.Client() as client:
        page = client.get(server.url(path))
        assert page.status_code == 200
        fields = extract(page.text, server.url(path))
        files = []
        for attachment in fields.attachments:
            answer = client.get(attachment["url"])
            assert answer.status_code == 200
            files.append(
                ReportFile(attachment["url"], answer.headers.get("content-type"), answer.content)
            )
    reading = read_report(fields.title or "", fields.body_text, page.text, files)
    return reading, [f.url for f in files]


def figures_of(reading: ReportReading) -> dict[tuple[str, str, str], Decimal | None]:
    got = {cell.key: cell.value for cell in reading.cells}
    assert len(got) == len(reading.cells), "a figure twice"
    return got


# --- the replica's reports ------------------------------------------------------------------


@pytest.mark.parametrize("name", [r.name for r in TRUTH])
def test_replica_report_reads_into_exactly_its_figures(
    served: tuple[ReplicaSite, ReplicaServer], name: str
) -> None:
    site, server = served
    path, report = next((p, r) for p, r in site.annual_reports().items() if r.name == name)
    reading, file_urls = fetch_and_read(server, path)
    assert reading is not None
    assert (reading.unit, reading.year, reading.format) == (report.unit, report.year, report.format)
    truth = report.figures()
    got = figures_of(reading)
    assert set(got) - set(truth) == set(), "invented cells"
    assert set(truth) - set(got) == set(), "missing cells"
    assert got == truth
    assert not [p for p in reading.problems if not p.startswith("skipped")], reading.problems
    # where the figures came from
    assert {cell.source for cell in reading.cells} == {report.carrier}
    if report.carrier == "html":
        assert file_urls == []
        assert {c.locator for c in reading.cells} == {"table[0]", "table[1]", "table[2]"}
    else:
        assert [url.rsplit("/", 1)[1] for url in file_urls] == [report.file_name]
        assert {c.locator.split("#")[0] for c in reading.cells} == set(file_urls)
    failed = {check.check for check in reading.checks if check.result == "FAIL"}
    assert failed == set(report.failing_checks)


def test_truth_is_what_the_templates_hold() -> None:
    # 2021 format: 10 cells in table 二, 25 rows x 7 columns in 三, 15 in 四; the 2019
    # format has 22 in 二 and 23 rows in 三
    for report in TRUTH:
        tables = [key[0] for key in report.figures()]
        expected = (10, 175, 15) if report.format == "2021" else (22, 161, 15)
        assert (tables.count("二"), tables.count("三"), tables.count("四")) == expected
    assert {r.carrier for r in TRUTH} == {"html", "docx", "xlsx", "xls", "pdf"}
    assert {r.format for r in TRUTH} == {"2019", "2021"}


def test_traps_the_truth_holds() -> None:
    html21, docx21, html19, xlsx21 = (
        report_named(n) for n in ("html-2021", "docx-2021", "html-2019", "xlsx-2021")
    )
    # blanks are None, never 0; commas and full-width digits are only how they are written
    assert html21.figures()[("二", "规章", "本年制发件数")] is None
    assert html21.written("二", "1286") == "1,286"
    assert html19.written("三", "10") == "１０"
    assert html19.figures()[("二", "行政许可", "本年增/减")] == -3
    assert xlsx21.figures()[("二", "行政事业性收费", "本年收费金额（单位：万元）")] == Decimal(
        "5949.088667"
    )
    assert xlsx21.figures()[("三", "8.属于行政查询事项", "科研机构")] is None
    # the DOCX writes 合计 for 总计 and 1、 numbering
    assert docx21.style.labels["（七）总计"] == "（七）合计"
    # the 2022 report's carry-over is the 2023 report's 上年结转, column by column
    for column in (
        "自然人",
        "商业企业",
        "科研机构",
        "社会公益组织",
        "法律服务机构",
        "其他",
        "总计",
    ):
        carried_out = docx21.figures()[("三", "四、结转下年度继续办理", column)]
        assert carried_out == html21.figures()[("三", "二、上年结转政府信息公开申请数量", column)]


def test_default_replica_has_no_extra_reports() -> None:
    plain, with_reports = ReplicaSite(), ReplicaSite(annual_reports=True)
    assert plain.annual_reports() == {}
    added = set(with_reports.expected_documents()) - set(plain.expected_documents())
    assert added == {r.path for r in TRUTH}
    assert set(with_reports.documents_in("/xxgk/zfxxgknb/")) >= added


def test_the_pdf_splits_table_three_over_two_pages() -> None:
    import pdfplumber

    body = pdf_report(report_named("pdf-2021"))
    with pdfplumber.open(io.BytesIO(body)) as pdf:
        shapes = [[len(t.rows[0].cells) for t in page.find_tables()] for page in pdf.pages]
        first, second = pdf.pages[0].extract_text(), pdf.pages[1].extract_text()
    assert shapes == [[4, 10], [10, 15]]  # 二 and the top of 三; the rest of 三 and 四
    assert "一、本年新收政府信息公开申请数量" in first.replace("\n", "")
    assert "（七）总计" in second and "自然人" not in second  # no header repeated
    # wrapped labels (over two lines in their cell) still name their rows
    assert "政府信息公开申请" in second.split("1.申请人无正当理由")[1].split("\n")[1]
    out = ParsedTables()
    assert read_file("http://x/r.pdf", "application/pdf", body, out) is None
    t3 = [c for c in out.cells if c.table == "三"]
    assert len(t3) == 175 and {c.locator for c in t3} == {"http://x/r.pdf#table[1]"}


def test_a_corrected_figure_changes_what_is_read(
    served: tuple[ReplicaSite, ReplicaServer],
) -> None:
    site = ReplicaSite(annual_reports=True)  # its own site: the module's stays as published
    with ReplicaServer(site) as server:
        for name in ("html-2021", "xlsx-2021"):
            path = next(p for p, r in site.annual_reports().items() if r.name == name)
            before, _ = fetch_and_read(server, path)
            site.correct_report(path, "三", "（一）予以公开", "自然人", "10")
            after, _ = fetch_and_read(server, path)
            assert before is not None and after is not None
            old, new = figures_of(before), figures_of(after)
            assert old[("三", "（一）予以公开", "自然人")] != 10
            assert new[("三", "（一）予以公开", "自然人")] == 10
            assert {k for k in old if old[k] != new[k]} == {("三", "（一）予以公开", "自然人")}
            assert site.annual_reports()[path].revision == 1


# --- readers on their own: broken files, label variants, numbers --------------------------


def test_broken_encrypted_and_non_table_files_give_a_reason_not_an_exception() -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_report(report_named("pdf-2021")))))
    writer.encrypt("secret")
    encrypted = io.BytesIO()
    writer.write(encrypted)
    lines_only = b"%PDF-1.4\n" + b"garbage" * 10
    cases = {
        "http://x/a.docx": b"PK\x03\x04 not really a zip",
        "http://x/b.xlsx": b"PK\x03\x04" + b"\x00" * 40,
        "http://x/c.xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100,
        "http://x/d.pdf": lines_only,
        "http://x/e.pdf": encrypted.getvalue(),
    }
    for url, body in cases.items():
        out = ParsedTables()
        reason = read_file(url, None, body, out)
        assert reason and "not read" in reason, (url, reason)
        assert out.cells == []
    out = ParsedTables()
    plain = xlsx_report_without_tables()
    assert read_file("http://x/f.xlsx", XLSX_TYPE, plain, out) == (
        "xlsx: 1 table(s), no figure of tables 二/三/四"
    )
    assert read_file("http://x/g.png", "image/png", b"\x89PNG\r\n", out) is None  # not a table file
    assert read_file("http://x/h.doc", "application/msword", b"\xd0\xcf\x11\xe0", out) == (
        "doc: not read (no reader for this format)"
    )
    reading = read_report(
        "红寺堡区民政局2023年政府信息公开工作年度报告",
        "详见附件",
        "<p>详见附件</p>",
        [ReportFile(url, None, body) for url, body in cases.items()],
    )
    assert reading is not None and reading.cells == [] and reading.checks == []
    assert len(reading.problems) == len(cases)


def xlsx_report_without_tables() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["联系电话", "0953-5012345"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_kind_comes_from_the_bytes() -> None:
    docx_bytes = xlsx_report(report_named("xlsx-2021"))
    assert kind_of("http://x/report.docx", "application/msword", docx_bytes) == "xlsx"
    assert kind_of("http://x/a.doc", None, b"\xd0\xcf\x11\xe0rest") is None  # a .doc: not read
    assert kind_of("http://x/a.xls", None, b"\xd0\xcf\x11\xe0rest") == "xls"
    assert kind_of("http://x/download?id=3", "application/pdf", b"%PDF-1.7") == "pdf"


def test_spreadsheet_numbers_stay_as_written() -> None:
    assert value_text(5949.088667) == "5949.088667"
    assert value_text(0.1 + 0.2) == "0.3"
    assert value_text(12.0) == "12"
    assert value_text(3) == "3"
    assert value_text(None) == ""


def test_unmerged_sheet_cells_invent_no_figure() -> None:
    """A table 二 typed without merged cells leaves empty cells under the wrong headers:
    they must not become figures of 行政许可 × 本年废止件数."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in (
        ["第二十条第（一）项"],
        ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
        ["规章", 0, 0, 0],
        ["行政规范性文件", 2, 1, 15],
        ["第二十条第（五）项"],
        ["信息内容", "本年处理决定数量", None, None],
        ["行政许可", "1,286", None, None],
    ):
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    parsed = ParsedTables()
    assert read_file("http://x/t2.xlsx", XLSX_TYPE, out.getvalue(), parsed) is None
    got = {c.key: c.value for c in parsed.cells}
    assert got == {
        **{("二", "规章", c): 0 for c in ("本年制发件数", "本年废止件数", "现行有效件数")},
        ("二", "行政规范性文件", "本年制发件数"): 2,
        ("二", "行政规范性文件", "本年废止件数"): 1,
        ("二", "行政规范性文件", "现行有效件数"): 15,
        ("二", "行政许可", "本年处理决定数量"): 1286,
    }


def test_html_first_a_differing_file_is_a_problem(
    served: tuple[ReplicaSite, ReplicaServer],
) -> None:
    site, _ = served
    html21 = next(r for r in site.annual_reports().values() if r.name == "html-2021")
    page = site.page(html21.path).decode()
    # the same report as an xlsx, with one figure different
    other = report_named("html-2021")
    other.style = Style(none="—")
    other.correct("四", "行政复议", "结果维持", "5")
    file = ReportFile("http://x/copy.xlsx", XLSX_TYPE, xlsx_report(other))
    reading = read_report(html21.title, None, page, [file])
    assert reading is not None
    got = figures_of(reading)
    assert got == html21.figures()  # the page's figures win
    assert {c.source for c in reading.cells} == {"html"}
    conflicts = [p for p in reading.problems if p.startswith("conflict")]
    assert len(conflicts) == 1 and "四/行政复议/结果维持" in conflicts[0]
    assert "http://x/copy.xlsx#table[2]" in conflicts[0]


def test_the_cells_decide_the_format_else_the_year() -> None:
    report = report_named("html-2019")
    report.carrier = "xlsx"
    file = ReportFile("http://x/r.xlsx", XLSX_TYPE, xlsx_report(report))
    # a title saying 2021 with 2019-format tables: the tables win
    reading = read_report(
        "红寺堡区市场监督管理局2021年政府信息公开工作年度报告", None, None, [file]
    )
    assert reading is not None and reading.format == "2019"
    # no tables at all: the body decides (free text), and with no body, the year
    free = read_report("某局2022年政府信息公开工作年度报告", "今年我局认真落实条例。", None, [])
    assert free is not None and free.format == "free-text" and free.cells == []
    assert read_report("某局2022年政府信息公开工作年度报告", None, None, []).format == "2021"  # type: ignore[union-attr]
    assert (
        read_report("关于做好2023年度政府信息公开工作年度报告编制发布工作的通知", None, None, [])
        is None
    )
    assert PARSER_VERSION == "1"


def test_unit_hint_names_the_unit_when_the_title_does_not() -> None:
    reading = read_report(
        "2022年度政府信息公开工作年度报告", None, None, [], unit_hint="红寺堡区民政局"
    )
    assert reading is not None and reading.unit == "红寺堡区民政局" and reading.year == 2022
    unnamed = read_report("2022年度政府信息公开工作年度报告", None, None, [])
    assert (
        unnamed is not None
        and unnamed.unit == ""
        and "unit: not named in the title" in unnamed.problems
    )


def test_docx_rows_starting_late_and_vertical_merges() -> None:
    """gridSpan, vMerge and gridBefore read from the XML, as Word writes them."""
    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    from scraper.reports.readers.docx import docx_grids

    document = docx.Document()
    table = document.add_table(rows=4, cols=4)
    table.cell(0, 0).text = "三、本年度办理结果"
    table.cell(0, 2).text = "自然人"
    table.cell(0, 3).text = "总计"
    table.cell(1, 0).text = "（四）无法提供"
    table.cell(1, 1).text = "1.本机关不掌握相关政府信息"
    table.cell(2, 1).text = "2.没有现成信息需要另行制作"
    for r, values in ((1, ("2", "2")), (2, ("0", "0")), (3, ("5", "5"))):
        table.cell(r, 2).text, table.cell(r, 3).text = values
    table.cell(3, 1).text = "3.补正后申请内容仍不明确"
    table.cell(0, 0).merge(table.cell(0, 1))  # gridSpan
    table.cell(1, 0).merge(table.cell(2, 0))  # vMerge
    # row 3 starts one grid column late: no first cell, w:gridBefore="1"
    tr = table.rows[3]._tr
    tr.remove(tr.tc_lst[0])
    before = OxmlElement("w:gridBefore")
    before.set(qn("w:val"), "1")
    tr.get_or_add_trPr().append(before)
    out = io.BytesIO()
    document.save(out)
    (grid,) = docx_grids(out.getvalue())
    assert grid[0][0] is grid[0][1] and grid[0][0] is not None
    assert grid[0][0].text == "三、本年度办理结果"
    assert grid[1][0] is grid[2][0] and grid[1][0] is not None
    assert grid[1][0].text == "(四)无法提供"  # squashed: NFKC, no spaces
    assert grid[3][0] is None and grid[3][1] is not None
    assert grid[3][1].text == "3.补正后申请内容仍不明确" and grid[3][2].text == "5"  # type: ignore[union-attr]
    parsed = ParsedTables()
    assert read_file("http://x/t3.docx", None, out.getvalue(), parsed) is None
    got = {c.key: c.value for c in parsed.cells}
    assert got == {
        ("三", "1.本机关不掌握相关政府信息", "自然人"): 2,
        ("三", "1.本机关不掌握相关政府信息", "总计"): 2,
        ("三", "2.没有现成信息需要另行制作", "自然人"): 0,
        ("三", "2.没有现成信息需要另行制作", "总计"): 0,
        ("三", "3.补正后申请内容仍不明确", "自然人"): 5,
        ("三", "3.补正后申请内容仍不明确", "总计"): 5,
    }


# --- the labelled corpus report ---------------------------------------------------------------


@pytest.mark.skipif(not (CORPUS / "pages" / PINGTAN).exists(), reason="corpus not found")
def test_the_corpus_report_reads_into_its_labelled_figures() -> None:
    labels = [json.loads(line) for line in (CORPUS / "labels.jsonl").open(encoding="utf-8")]
    label = next(item for item in labels if item["file"] == PINGTAN)
    html = (CORPUS / "pages" / PINGTAN).read_text(encoding=label["encoding"])
    reading = read_report(label["title"], None, html, [])
    assert reading is not None
    assert (reading.unit, reading.year, reading.format) == ("平潭综合实验区", 2024, "2021")
    got = figures_of(reading)
    for figure in label["figures"]:
        assert got[(figure["table"], figure["row"], figure["column"])] == Decimal(figure["value"])
    assert not reading.problems


# --- the project's labelled real reports (tests/corpus/reports, scored by bench/reports.py) --

REPORT_LABELS = ROOT / "tests" / "corpus" / "reports" / "labels.jsonl"


def _report_labels() -> list[dict]:
    return [json.loads(line) for line in REPORT_LABELS.open(encoding="utf-8") if line.strip()]


@pytest.mark.parametrize("label", _report_labels(), ids=lambda label: label["file"])
def test_labelled_real_reports_read_exactly(label: dict) -> None:
    base = CORPUS if label["corpus"] == "shared" else REPORT_LABELS.parent
    page = base / "pages" / label["file"]
    if not page.exists():
        pytest.skip(f"no page at {page}")
    reading = read_report(label["title"], None, page.read_text(encoding=label["encoding"]), [])
    assert reading is not None
    assert (reading.unit, reading.year, reading.format) == (
        label["unit"],
        label["year"],
        label["format"],
    )
    truth = {
        (f["table"], f["row"], f["column"]): None if f["value"] is None else Decimal(f["value"])
        for f in label["figures"]
    }
    assert figures_of(reading) == truth  # every labelled cell, nothing invented


def test_a_unit_written_in_the_cell() -> None:
    """采购总金额 written 251000元 is 251000; 元 under a 万元 header is not read as 万元."""
    html = """<table>
    <tr><td colspan="3">第二十条第（九）项</td></tr>
    <tr><td>信息内容</td><td>采购项目数量</td><td>采购总金额</td></tr>
    <tr><td>政府集中采购</td><td>6</td><td>251000元</td></tr>
    <tr><td colspan="3">第二十条第（八）项</td></tr>
    <tr><td>信息内容</td><td colspan="2">本年收费金额（单位：万元）</td></tr>
    <tr><td>行政事业性收费</td><td colspan="2">3200元</td></tr></table>"""
    reading = read_report("某局2020年政府信息公开工作年度报告", None, html, [])
    assert reading is not None
    assert figures_of(reading) == {
        ("二", "政府集中采购", "采购项目数量"): 6,
        ("二", "政府集中采购", "采购总金额"): 251000,
    }
    assert any("元 in a 万元 column" in p for p in reading.problems)


def test_a_pdf_table_repeating_its_header_on_the_next_page() -> None:
    """Word repeats a table's header rows after a page break: the second part is a table of
    its own, and every figure still reads once."""
    import pdfplumber

    report = report_named("pdf-2021")
    body = pdf_report(report, repeat_header=True)
    with pdfplumber.open(io.BytesIO(body)) as pdf:
        second = pdf.pages[1].extract_text()
    assert "自然人" in second and "（七）总计" in second  # the header, repeated
    reading = read_report(report.title, None, None, [ReportFile("http://x/r.pdf", None, body)])
    assert reading is not None
    assert figures_of(reading) == report.figures()
    t3 = {c.locator for c in reading.cells if c.table == "三"}
    assert t3 == {"http://x/r.pdf#table[1]", "http://x/r.pdf#table[2]"}


def test_html_tables_cut_in_two_are_joined() -> None:
    """Table 三 cut after its 15th row with no header in the second part, and table 四's
    figures in a table of their own: the parts are read as one table each."""
    from scraper.replica.report_files import split_spans
    from scraper.replica.reports import html_table, report_tables

    report = report_named("html-2021")
    tables = report_tables(report)
    first, second = split_spans(tables["三"][1], 15, 3)
    rest = [(top - 3, left, h, w, text) for top, left, h, w, text in second if top >= 3]
    t4 = tables["四"][1]
    t4_head = [span for span in t4 if span[0] < 3]
    t4_data = [(0, left, h, w, text) for top, left, h, w, text in t4 if top == 3]
    html = "".join(html_table(part) for part in (tables["二"][1], first, rest, t4_head, t4_data))
    reading = read_report(report.title, None, html, [])
    assert reading is not None
    assert figures_of(reading) == report.figures()
    assert {c.locator for c in reading.cells} == {"table[0]", "table[1]", "table[3]"}
    # a second copy of table 四 with its own header is a table of its own, not a continuation
    again = read_report(report.title, None, html + html_table(t4), [])
    assert again is not None and figures_of(again) == report.figures()
    assert not again.problems


def test_a_formula_never_calculated_is_no_figure() -> None:
    """openpyxl stores no result for a formula it writes: its cell must not read as a blank."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["行政复议", None, None, None, None])
    sheet.append(["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"])
    sheet.append([1, 0, 0.1 + 0.2, 1, "=SUM(A3:D3)"])
    sheet.merge_cells("A1:E1")
    out = io.BytesIO()
    workbook.save(out)
    parsed = ParsedTables()
    assert read_file("http://x/t4.xlsx", XLSX_TYPE, out.getvalue(), parsed) is None
    got = {c.key: c.value for c in parsed.cells}
    assert got == {
        ("四", "行政复议", "结果维持"): 1,
        ("四", "行政复议", "结果纠正"): 0,
        ("四", "行政复议", "其他结果"): Decimal("0.3"),
        ("四", "行政复议", "尚未审结"): 1,
    }


def test_a_loose_title_counts_when_the_attachment_holds_the_tables() -> None:
    report = report_named("xlsx-2021")
    file = ReportFile("http://x/r.xlsx", XLSX_TYPE, xlsx_report(report))
    title = "红寺堡区大河乡人民政府2023年度报告"
    assert read_report(title, "详见附件。", "<p>详见附件。</p>", []) is None
    reading = read_report(title, "详见附件。", "<p>详见附件。</p>", [file])
    assert reading is not None
    assert (reading.unit, reading.year, reading.format) == ("红寺堡区大河乡人民政府", 2023, "2021")
    assert figures_of(reading) == report.figures()
    # a loose title with tables that are not a report's stays unread
    plain = ReportFile("http://x/p.xlsx", XLSX_TYPE, xlsx_report_without_tables())
    assert read_report("红寺堡区2023年国民经济统计年报", None, None, [plain]) is None
