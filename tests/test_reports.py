"""Annual reports as data (issue 13, items 1-3): recognise, tables 二/三/四, checks.

The labelled report is ``pingtan_nb2024.html`` of the corpus (``../shared/corpus`` from the
project root, or ``$SCRAPER_CORPUS``); its tests skip when the corpus is absent. Every expected
figure below is written out literally, read from the page or the hand-made HTML by eye.
"""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path

import pytest

from scraper.reports import names as n
from scraper.reports.checks import (
    FAIL,
    NOT_ASSESSABLE,
    PASS,
    cross_year_checks,
    identity,
    run_checks,
)
from scraper.reports.recognise import Recognition, recognise
from scraper.reports.tables import Cell, parse_tables, parse_value

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("SCRAPER_CORPUS") or ROOT.parent / "shared" / "corpus")
PINGTAN = "pingtan_nb2024.html"
SEED = ROOT.parent / "shared" / "seed" / "hongsibu-annual-report-2016.txt"

needs_corpus = pytest.mark.skipif(
    not (CORPUS / "pages" / PINGTAN).exists(),
    reason=f"corpus not found at {CORPUS} (set SCRAPER_CORPUS to its directory)",
)

# --- recognise ------------------------------------------------------------------------------

TITLES = [
    ("吴忠市红寺堡区文化体育旅游局2016年政府信息公开工作年度报告",
     Recognition("吴忠市红寺堡区文化体育旅游局", 2016, "free-text")),
    ("平潭综合实验区2024年度政府信息公开工作年度报告",
     Recognition("平潭综合实验区", 2024, "2021")),
    ("红寺堡区人民政府关于2019年政府信息公开工作年度报告",
     Recognition("红寺堡区人民政府", 2019, "2019")),
    ("2020年度红寺堡区农业农村局政府信息公开工作年度报告",
     Recognition("红寺堡区农业农村局", 2020, "2019")),
    ("吴忠市红寺堡区人民政府２０２２年政府信息公开年报",
     Recognition("吴忠市红寺堡区人民政府", 2022, "2021")),
    ("红寺堡区教育局二〇二三年度政府信息公开工作年度报告",
     Recognition("红寺堡区教育局", 2023, "2021")),
    ("银川市人民政府政府信息公开工作年度报告（2021年）",
     Recognition("银川市人民政府", 2021, "2021")),
    ("同心县2017年政府信息公开工作报告", Recognition("同心县", 2017, "free-text")),
    ("【转载】盐池县2021年政府信息公开工作年度报告", Recognition("盐池县", 2021, "2021")),
    ("关岭县人民政府2020年政府信息公开工作年度报告",
     Recognition("关岭县人民政府", 2020, "2019")),
    ("红寺堡区职业技能培训中心2022年政府信息公开工作年度报告",
     Recognition("红寺堡区职业技能培训中心", 2022, "2021")),
    ("2022年度政府信息公开工作年度报告", Recognition(None, 2022, "2021")),
    ("关于做好2023年度政府信息公开工作年度报告编制发布工作的通知", None),
    ("《红寺堡区2023年政府信息公开工作年度报告》解读", None),
    ("红寺堡区2023年政府工作报告", None),
    ("红寺堡区2023年国民经济和社会发展统计公报", None),
]  # fmt: skip


@pytest.mark.parametrize(("title", "expected"), TITLES, ids=[t for t, _ in TITLES])
def test_recognise_titles(title: str, expected: Recognition | None) -> None:
    assert recognise(title) == expected


def test_recognise_the_seed() -> None:
    if not SEED.exists():
        pytest.skip(f"seed not found at {SEED}")
    lines = SEED.read_text(encoding="utf-8").splitlines()
    title, body = lines[1], "\n".join(lines[2:])  # line 0 is the breadcrumb
    assert recognise(title, body) == Recognition("吴忠市红寺堡区文化体育旅游局", 2016, "free-text")


def test_the_body_decides_the_format() -> None:
    title = "红寺堡区司法局2021年度政府信息公开工作年度报告"
    assert recognise(title, "今年我局认真落实条例……")== Recognition("红寺堡区司法局", 2021, "free-text")  # fmt: skip
    old_tables = "本年新制作数量 本年新公开数量 一、本年新收政府信息公开申请数量"
    assert recognise(title, old_tables) == Recognition("红寺堡区司法局", 2021, "2019")
    # a title saying only 年度报告 counts when the body holds the standard tables
    body = "一、本年新收政府信息公开申请数量 本年制发件数"
    assert recognise("红寺堡区民政局2022年度报告", body) == Recognition("红寺堡区民政局", 2022, "2021")  # fmt: skip
    assert recognise("红寺堡区民政局2022年度报告") is None


# --- values ---------------------------------------------------------------------------------


def test_values() -> None:
    assert parse_value("1,234") == Decimal("1234")
    assert parse_value("１２") == Decimal("12")
    assert parse_value("5949.088667") == Decimal("5949.088667")
    assert parse_value("5949.088667").as_tuple() == Decimal("5949.088667").as_tuple()
    for blank in ("", "—", "——", "/", "／", "-", " "):
        assert parse_value(blank) is None, blank


# --- the labelled corpus report -------------------------------------------------------------

# Read by eye from the page's visible tables (table 三's 总计 column, table 四 whole).
PINGTAN_T3_TOTAL_COLUMN = {
    "一、本年新收政府信息公开申请数量": 218,
    "二、上年结转政府信息公开申请数量": 0,
    "（一）予以公开": 71,
    "（二）部分公开（区分处理的，只计这一情形，不计其他情形）": 29,
    "1.属于国家秘密": 4,
    "4.保护第三方合法权益": 3,
    "5.属于三类内部事务信息": 32,
    "1.本机关不掌握相关政府信息": 75,
    "2.重复申请": 1,
    "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请": 1,
    "3.其他": 2,
    "（七）总计": 218,
    "四、结转下年度继续办理": 0,
}
PINGTAN_T4 = {
    "行政复议": [2, 1, 3, 1, 7],
    "未经复议直接起诉": [0, 0, 0, 0, 0],
    "复议后起诉": [13, 2, 4, 0, 19],
}


@pytest.fixture(scope="module")
def pingtan() -> tuple[dict, list[Cell]]:
    labels = [json.loads(line) for line in (CORPUS / "labels.jsonl").open(encoding="utf-8")]
    label = next(item for item in labels if item["file"] == PINGTAN)
    html = (CORPUS / "pages" / PINGTAN).read_text(encoding=label["encoding"])
    parsed = parse_tables(html)
    assert not parsed.conflicts
    return label, parsed.cells


@needs_corpus
def test_corpus_report_has_its_labelled_figures(pingtan: tuple[dict, list[Cell]]) -> None:
    label, cells = pingtan
    got = {cell.key: cell.value for cell in cells}
    figures = label.get("figures") or []
    assert figures, "the label has figures"
    wrong = [
        (
            f["table"],
            f["row"],
            f["column"],
            f["value"],
            got.get((f["table"], f["row"], f["column"])),
        )
        for f in figures
        if got.get((f["table"], f["row"], f["column"])) != Decimal(f["value"])
    ]
    assert not wrong


@needs_corpus
def test_corpus_report_figures_read_by_eye(pingtan: tuple[dict, list[Cell]]) -> None:
    _, cells = pingtan
    got = {cell.key: cell.value for cell in cells}
    for row, value in PINGTAN_T3_TOTAL_COLUMN.items():
        assert got[("三", row, "总计")] == value, row
    for group, values in PINGTAN_T4.items():
        for column, value in zip(n.T4_COLUMNS, values, strict=True):
            assert got[("四", group, column)] == value, (group, column)
    assert got[("二", "行政事业性收费", "本年收费金额（单位：万元）")] == Decimal("18651.06")
    assert got[("二", "行政许可", "本年处理决定数量")] == 4529
    # 10 cells in 二, 25 rows x 7 columns in 三, 15 in 四; nothing else
    tables = [cell.table for cell in cells]
    assert (tables.count("二"), tables.count("三"), tables.count("四")) == (10, 175, 15)
    assert len(set(got)) == len(cells) == 200


@needs_corpus
def test_corpus_report_passes_its_checks(pingtan: tuple[dict, list[Cell]]) -> None:
    _, cells = pingtan
    results = run_checks(cells)
    assert len(results) == 7 + 7 + 25 + 3
    assert {r.result for r in results} == {PASS}, [r for r in results if r.result != PASS]


# --- a hand-made report: merged cells, label variants, a wrong total ------------------------

T3_ROWS = [  # (label as the page writes it, canonical row, 自然人 … 其他, 总计) by eye
    ("一、本年新收政府信息公开申请数量", n.T3_NEW, ["１１", "2", "0", "0", "1", "0", "14"]),
    ("二、上年结转政府信息公开申请数量", n.T3_CARRIED_IN, ["1", "0", "0", "0", "0", "0", "1"]),
    ("（一） 予以公开", n.T3_GRANTED, ["5", "1", "0", "0", "1", "0", "7"]),
    ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", n.T3_PARTIAL,
     ["2", "0", "0", "0", "0", "0", "2"]),
    ("1、属于国家秘密", "1.属于国家秘密", ["1", "0", "0", "0", "0", "0", "1"]),
    ("2.其他法律行政法规禁止公开", "2.其他法律行政法规禁止公开", ["0"] * 7),
    ('3.危及"三安全一稳定"', "3.危及“三安全一稳定”", ["0"] * 7),
    ("4.保护第三方合法权益", "4.保护第三方合法权益", ["0"] * 7),
    ("5.属于三类内部事务信息", "5.属于三类内部事务信息", ["0"] * 7),
    ("6.属于四类过程性信息", "6.属于四类过程性信息", ["0"] * 7),
    ("7.属于行政执法案卷", "7.属于行政执法案卷", ["0"] * 7),
    ("8.属于行政查询事项", "8.属于行政查询事项", ["0", "0", "—", "0", "0", "0", "0"]),
    ("1.本机关不掌握相关政府信息", "1.本机关不掌握相关政府信息",
     ["1", "1", "0", "0", "0", "0", "2"]),
    ("2.没有现成信息需要另行制作", "2.没有现成信息需要另行制作", ["0"] * 7),
    ("3.补正后申请内容仍不明确", "3.补正后申请内容仍不明确", ["0"] * 7),
    ("1.信访举报投诉类申请", "1.信访举报投诉类申请", ["0"] * 7),
    ("2.重复申请", "2.重复申请", ["0"] * 7),
    ("3.要求提供公开出版物", "3.要求提供公开出版物", ["0"] * 7),
    ("4.无正当理由大量反复申请", "4.无正当理由大量反复申请", ["0"] * 7),
    ("5.要求行政机关确认或重新出具已获取信息", "5.要求行政机关确认或重新出具已获取信息",
     ["0"] * 7),
    ("1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
     n.T3_OTHER_REASONS[0], ["0"] * 7),
    ("2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
     n.T3_OTHER_REASONS[1], ["0"] * 7),
    ("3.其他", "3.其他", ["1", "0", "0", "0", "0", "0", "1"]),
    ("（七）合计", n.T3_TOTAL, ["11", "2", "0", "0", "1", "0", "14"]),  # 自然人 adds up to 10
    ("四、结转下年度继续办理", n.T3_CARRIED_OUT, ["1", "0", "0", "0", "0", "0", "1"]),
]  # fmt: skip
GROUP_SPANS = {4: ("（三）不予公开", 8), 12: ("（四）无法提供", 3), 15: ("（五）不予处理", 5),
               20: ("（六）其他处理", 3)}  # fmt: skip


def _t3_html() -> str:
    head = (
        '<table border="1"><tbody>'
        '<tr><td colspan="3" rowspan="3">（本列数据的勾稽关系为：第一项加第二项之和，'
        '等于第三项加第四项之和）</td><td colspan="7">申请人情况</td></tr>'
        '<tr><td rowspan="2">自 然 人</td><td colspan="5">法人或其他组织</td>'
        '<td rowspan="2">合计</td></tr>'
        "<tr><td><p>商业</p><p>企业</p></td><td>科研机构</td><td>社会公益<br/>组织</td>"
        "<td>法律服务机构</td><td>其他</td></tr>"
    )
    rows = []
    for i, (label, _, values) in enumerate(T3_ROWS):
        tds = "".join(f"<td>{v}</td>" for v in values)
        if i in (0, 1, 24):
            rows.append(f'<tr><td colspan="3">{label}</td>{tds}</tr>')
            continue
        lead = '<td rowspan="22">三、本年度办理结果</td>' if i == 2 else ""
        if i in (2, 3, 23):
            rows.append(f'<tr>{lead}<td colspan="2">{label}</td>{tds}</tr>')
        elif i in GROUP_SPANS:
            group, span = GROUP_SPANS[i]
            rows.append(f'<tr><td rowspan="{span}">{group}</td><td>{label}</td>{tds}</tr>')
        else:
            rows.append(f"<tr><td>{label}</td>{tds}</tr>")
    return head + "".join(rows) + "</tbody></table>"


HAND_T2 = """<table>
<tr><td colspan="4">第二十条第（一）项</td></tr>
<tr><td>信息内容</td><td>本年制发<br>件数</td><td>本年废止件数</td><td>现行有效件数</td></tr>
<tr><td>规　章</td><td>０</td><td>/</td><td></td></tr>
<tr><td>行政规范性文件</td><td>1,204</td><td>3</td><td>—</td></tr>
<tr><td colspan="4">第二十条第（八）项</td></tr>
<tr><td>信息内容</td><td colspan="3">本年收费金额（万元）</td></tr>
<tr><td>行政事业性收费</td><td colspan="3">5949.088667</td></tr>
</table>"""
HAND_T4 = """<table>
<tr><td colspan="5">行政复议</td><td colspan="10">行政诉讼</td></tr>
<tr><td rowspan="2">结果<br/>维持</td><td rowspan="2">结果<br/>纠正</td>
<td rowspan="2">其他<br/>结果</td><td rowspan="2">尚未<br/>审结</td><td rowspan="2">合计</td>
<td colspan="5">未经复议直接起诉</td><td colspan="5">复议后起诉</td></tr>
<tr><td>结果维持</td><td>结果纠正</td><td>其他结果</td><td>尚未审结</td><td>总计</td>
<td>结果维持</td><td>结果纠正</td><td>其他结果</td><td>尚未审结</td><td>总计</td></tr>
<tr><td>1</td><td>0</td><td>0</td><td>1</td><td>2</td><td>0</td><td>0</td><td>/</td><td>0</td>
<td>0</td><td>1</td><td>1</td><td>0</td><td>0</td><td>3</td></tr>
</table>"""
NOISE = """<table><tr><td>联系电话</td><td>0951-5012345</td></tr>
<tr><td>2023</td><td>12</td></tr></table>"""


def hand_made_html() -> str:
    return (
        "<html><body><h1>某某局2023年政府信息公开工作年度报告</h1>"
        f"<p>二、主动公开政府信息情况</p>{HAND_T2}"
        f"<p>三、收到和处理政府信息公开申请情况</p>{_t3_html()}"
        f"<p>四、政府信息公开行政复议、行政诉讼情况</p>{HAND_T4}{NOISE}</body></html>"
    )


def hand_made_expected() -> dict[tuple[str, str, str], Decimal | None]:
    expected: dict[tuple[str, str, str], Decimal | None] = {
        ("二", "规章", "本年制发件数"): Decimal(0),
        ("二", "规章", "本年废止件数"): None,
        ("二", "规章", "现行有效件数"): None,
        ("二", "行政规范性文件", "本年制发件数"): Decimal(1204),
        ("二", "行政规范性文件", "本年废止件数"): Decimal(3),
        ("二", "行政规范性文件", "现行有效件数"): None,
        ("二", "行政事业性收费", "本年收费金额（单位：万元）"): Decimal("5949.088667"),
    }
    for _, row, values in T3_ROWS:
        for column, text in zip(n.T3_COLUMNS, values, strict=True):
            expected[("三", row, column)] = None if text == "—" else Decimal(int(text))
    t4 = {"行政复议": [1, 0, 0, 1, 2], "未经复议直接起诉": [0, 0, None, 0, 0],
          "复议后起诉": [1, 1, 0, 0, 3]}  # fmt: skip
    for group, values in t4.items():
        for column, value in zip(n.T4_COLUMNS, values, strict=True):
            expected[("四", group, column)] = None if value is None else Decimal(value)
    return expected


def test_hand_made_report_parses_into_exactly_its_cells() -> None:
    parsed = parse_tables(hand_made_html())
    got = {cell.key: cell.value for cell in parsed.cells}
    assert len(got) == len(parsed.cells)  # no figure twice
    assert got == hand_made_expected()  # every cell, and no invented one
    assert parsed.format() == "2021"
    assert {c.locator for c in parsed.cells} == {"table[0]", "table[1]", "table[2]"}
    by_key = {cell.key: cell for cell in parsed.cells}
    assert by_key[("三", "1.属于国家秘密", "自然人")].group == "（三）不予公开"
    assert by_key[("三", "（七）总计", "总计")].text == "14"


def test_wrong_totals_fail_the_right_checks_naming_both_sides() -> None:
    results = {r.check: r for r in run_checks(parse_tables(hand_made_html()).cells)}
    failed = {name for name, r in results.items() if r.result == FAIL}
    assert failed == {"t3_outcomes:自然人", "t3_outcomes:总计", "t4_total:复议后起诉"}
    natural = results["t3_outcomes:自然人"]
    assert (natural.left, natural.right, natural.delta) == (10, 11, -1)
    left, right = natural.expression.split(" = ")
    assert "三[（一）予以公开|自然人]=5" in left and "三[3.其他|自然人]=1" in left
    assert right == "三[（七）总计|自然人]=11"
    suit = results["t4_total:复议后起诉"]
    assert (suit.left, suit.right, suit.delta) == (2, 3, -1)
    assert suit.expression == (
        "四[复议后起诉|结果维持]=1 + 四[复议后起诉|结果纠正]=1 + 四[复议后起诉|其他结果]=0"
        " + 四[复议后起诉|尚未审结]=0 = 四[复议后起诉|总计]=3"
    )
    # a — is no number: the checks that need it cannot be assessed, never read as 0
    blank = {name for name, r in results.items() if r.result == NOT_ASSESSABLE}
    assert blank == {
        "t3_outcomes:科研机构",
        "t3_total_column:8.属于行政查询事项",
        "t4_total:未经复议直接起诉",
    }
    assert results["t3_balance:自然人"].result == PASS
    assert results["t4_total:未经复议直接起诉"].delta is None


def test_2019_format_labels_map_onto_canonical_names() -> None:
    html = """<table>
    <tr><td colspan="4">第二十条第（一）项</td></tr>
    <tr><td>信息内容</td><td>本年新制作数量</td><td>本年新公开数量</td><td>对外公开总数量</td></tr>
    <tr><td>规范性文件</td><td>2</td><td>2</td><td>30</td></tr></table>
    <table><tr><td colspan="3">申请人情况</td><td>自然人</td><td>商业企业</td><td>科研机构</td>
    <td>社会公益组织</td><td>法律服务机构</td><td>其他</td><td>总计</td></tr>
    <tr><td rowspan="2">三、本年度办理结果</td><td colspan="2">（六）其他处理</td>
    <td>1</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>1</td></tr>
    <tr><td colspan="2">（七）总计</td>
    <td>1</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>1</td></tr></table>"""
    parsed = parse_tables(html)
    got = {cell.key: cell.value for cell in parsed.cells}
    assert got[("二", "行政规范性文件", "本年新制作数量")] == 2
    assert got[("二", "行政规范性文件", "对外公开总数量")] == 30
    assert got[("三", "（六）其他处理", "自然人")] == 1
    assert len(got) == 3 + 14
    assert parsed.format() == "2019"


def test_cross_year_carryover() -> None:
    def t3(row: str, values: list[int]) -> list[Cell]:
        return [Cell("三", row, c, Decimal(v)) for c, v in zip(n.T3_COLUMNS, values, strict=True)]

    y2022 = t3(n.T3_CARRIED_OUT, [3, 0, 0, 0, 0, 0, 3])
    y2023 = t3(n.T3_CARRIED_IN, [2, 0, 0, 0, 0, 0, 2])[:-1]  # 总计 missing
    results = {r.check: r for r in cross_year_checks(y2022, y2023, 2022, 2023)}
    assert results["carryover:自然人"].result == FAIL
    assert results["carryover:自然人"].expression == (
        "2022:三[四、结转下年度继续办理|自然人]=3 = 2023:三[二、上年结转政府信息公开申请数量|自然人]=2"
    )
    assert results["carryover:商业企业"].result == PASS
    assert results["carryover:总计"].result == NOT_ASSESSABLE


def test_identity_keeps_decimals_exact() -> None:
    result = identity("x", [("a", Decimal("0.1")), ("b", Decimal("0.2"))], [("c", Decimal("0.3"))])
    assert result.result == PASS and result.delta == 0
    assert result.as_dict()["left"] == 0.3
