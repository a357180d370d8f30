"""Annual reports with known figures for the replica (opt-in: ``ReplicaSite(annual_reports=True)``
or ``python -m scraper.replica --annual-reports``).

The TRUTH below is plain data: each report's unit, year, format, published date, where its
tables are (the page's HTML, or only a .docx, .xlsx, .xls or PDF attachment) and every figure
of tables 二, 三 and 四, written out by hand. A token is a number as the report means it, or
``—`` for a cell holding no number (stored as None, never 0). How a report *writes* its cells
(thousands separators, full-width digits, ``/`` or a blank for no number, 合计 for 总计,
``1、`` numbering, spaced or wrapped labels) is its ``style``, so one truth can be published in
the shapes real templates take.

The canonical names are spelled out here again on purpose (../shared/domain.md), not imported
from the parser, so a wrong name in the parser fails the tests instead of agreeing with them.

Layout: :func:`report_tables` gives each table as spans ``(top, left, height, width, text)``
following the national templates (merged header cells, the 22-row 三、本年度办理结果 cell…);
every renderer (HTML here, files in :mod:`scraper.replica.report_files`) draws those spans.
"""

from __future__ import annotations

import copy
import html
import re
from dataclasses import dataclass, field
from decimal import Decimal

from scraper.replica.pages import Attachment, Block, Doc, Para

Key = tuple[str, str, str]
Span = tuple[int, int, int, int, str]

# --- canonical names (domain.md), spelled here independently of scraper.reports.names ---------

T2_2021 = {
    "（一）": (("规章", "行政规范性文件"), ("本年制发件数", "本年废止件数", "现行有效件数")),
    "（五）": (("行政许可",), ("本年处理决定数量",)),
    "（六）": (("行政处罚", "行政强制"), ("本年处理决定数量",)),
    "（八）": (("行政事业性收费",), ("本年收费金额（单位：万元）",)),
}
T2_2019 = {
    "（一）": (("规章", "行政规范性文件"), ("本年新制作数量", "本年新公开数量", "对外公开总数量")),
    "（五）": (
        ("行政许可", "其他对外管理服务事项"),
        ("上一年项目数量", "本年增/减", "处理决定数量"),
    ),
    "（六）": (("行政处罚", "行政强制"), ("上一年项目数量", "本年增/减", "处理决定数量")),
    "（八）": (("行政事业性收费",), ("上一年项目数量", "本年增/减")),
    "（九）": (("政府集中采购",), ("采购项目数量", "采购总金额")),
}
WITHHELD = (
    "1.属于国家秘密",
    "2.其他法律行政法规禁止公开",
    "3.危及“三安全一稳定”",
    "4.保护第三方合法权益",
    "5.属于三类内部事务信息",
    "6.属于四类过程性信息",
    "7.属于行政执法案卷",
    "8.属于行政查询事项",
)
UNAVAILABLE = (
    "1.本机关不掌握相关政府信息",
    "2.没有现成信息需要另行制作",
    "3.补正后申请内容仍不明确",
)
NOT_HANDLED = (
    "1.信访举报投诉类申请",
    "2.重复申请",
    "3.要求提供公开出版物",
    "4.无正当理由大量反复申请",
    "5.要求行政机关确认或重新出具已获取信息",
)
OTHER = (
    "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "3.其他",
)
NEW, CARRIED_IN = "一、本年新收政府信息公开申请数量", "二、上年结转政府信息公开申请数量"
GRANTED, PARTIAL = "（一）予以公开", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"
OTHER_2019, TOTAL, CARRIED_OUT = "（六）其他处理", "（七）总计", "四、结转下年度继续办理"
GROUPS_2021 = (("（三）不予公开", WITHHELD), ("（四）无法提供", UNAVAILABLE),
               ("（五）不予处理", NOT_HANDLED), ("（六）其他处理", OTHER))  # fmt: skip
T3_ROWS_2021 = (NEW, CARRIED_IN, GRANTED, PARTIAL, *WITHHELD, *UNAVAILABLE, *NOT_HANDLED, *OTHER,
                TOTAL, CARRIED_OUT)  # fmt: skip
T3_ROWS_2019 = (NEW, CARRIED_IN, GRANTED, PARTIAL, *WITHHELD, *UNAVAILABLE, *NOT_HANDLED,
                OTHER_2019, TOTAL, CARRIED_OUT)  # fmt: skip
T3_COLUMNS = ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计")
T4_ROWS = ("行政复议", "未经复议直接起诉", "复议后起诉")
T4_COLUMNS = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")

NONE = "—"  # a token for "no number"


@dataclass
class Style:
    """How a report writes its cells; the figures do not depend on it."""

    none: str = "—"  # what a cell with no number shows: "—", "/", "" …
    commas: bool = False  # 1,286
    fullwidth: bool = False  # table 三's digits as １２
    labels: dict[str, str] = field(default_factory=dict)  # canonical -> as written ("|" breaks)


@dataclass
class ReplicaReport:
    """One annual report of the replica, with its truth."""

    name: str
    unit: str
    year: int
    format: str  # "2019" | "2021"
    published: str  # the date the page shows
    carrier: str  # where the tables are: "html" | "docx" | "xlsx" | "xls" | "pdf"
    doc_id: int
    t2: dict[str, tuple[str, ...]]  # row -> tokens, in the format's column order
    t3: str  # one line of seven tokens per row of table 三, in the format's row order
    t4: str  # three lines of five tokens
    style: Style = field(default_factory=Style)
    on_time: bool = True  # as the deadline rule says (data, not computed)
    failing_checks: tuple[str, ...] = ()  # the checks its published figures fail
    revision: int = 0  # times a figure was corrected after publication

    @property
    def title(self) -> str:
        return f"{self.unit}{self.year}年政府信息公开工作年度报告"

    @property
    def path(self) -> str:
        d = self.published.replace("-", "")
        return f"/xxgk/zfxxgknb/{d[:6]}/t{d}_{self.doc_id:07d}.html"

    @property
    def file_name(self) -> str | None:
        """The attachment holding the tables (None for an HTML report)."""
        if self.carrier == "html":
            return None
        return f"P0{self.published.replace('-', '')}{self.doc_id % 1000000:06d}.{self.carrier}"

    def t2_layout(self) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
        return T2_2021 if self.format == "2021" else T2_2019

    def t3_rows(self) -> tuple[str, ...]:
        return T3_ROWS_2021 if self.format == "2021" else T3_ROWS_2019

    def tokens(self) -> dict[Key, str]:
        """Every figure's token by (table, row, column)."""
        out: dict[Key, str] = {}
        for rows, columns in self.t2_layout().values():
            for row in rows:
                values = self.t2[row]
                assert len(values) == len(columns), (self.name, row)
                for column, token in zip(columns, values, strict=True):
                    out[("二", row, column)] = token
        lines = [line.split() for line in self.t3.strip().splitlines()]
        assert len(lines) == len(self.t3_rows()), (self.name, len(lines))
        for row, tokens in zip(self.t3_rows(), lines, strict=True):
            for column, token in zip(T3_COLUMNS, tokens, strict=True):
                out[("三", row, column)] = token
        lines = [line.split() for line in self.t4.strip().splitlines()]
        for row, tokens in zip(T4_ROWS, lines, strict=True):
            for column, token in zip(T4_COLUMNS, tokens, strict=True):
                out[("四", row, column)] = token
        return out

    def figures(self) -> dict[Key, Decimal | None]:
        """The truth: every figure's value, None for a cell with no number."""
        return {key: None if t == NONE else Decimal(t) for key, t in self.tokens().items()}

    def correct(self, table: str, row: str, column: str, value: str) -> None:
        """Change one figure (a correction published in a later version)."""
        key = (table, row, column)
        if key not in self.tokens():
            raise KeyError(f"{self.name} has no figure {key}")
        if table == "二":
            columns = next(c for rows, c in self.t2_layout().values() if row in rows)
            values = list(self.t2[row])
            values[columns.index(column)] = value
            self.t2 = {**self.t2, row: tuple(values)}
        else:
            text, names, width = (
                (self.t3, self.t3_rows(), T3_COLUMNS)
                if table == "三"
                else (self.t4, T4_ROWS, T4_COLUMNS)
            )
            lines = [line.split() for line in text.strip().splitlines()]
            lines[names.index(row)][width.index(column)] = value
            joined = "\n".join(" ".join(line) for line in lines)
            if table == "三":
                self.t3 = joined
            else:
                self.t4 = joined
        self.revision += 1

    # --- how cells are written ---------------------------------------------------------------

    def label(self, name: str) -> str:
        return self.style.labels.get(name, name)

    def written(self, table: str, token: str) -> str:
        if token == NONE:
            return self.style.none
        text = token
        if self.style.commas and "." not in token and abs(int(token)) >= 1000:
            text = f"{int(token):,}"
        elif self.style.commas and "." in token and abs(Decimal(token)) >= 1000:
            whole, _, part = token.partition(".")
            text = f"{int(whole):,}.{part}"
        if self.style.fullwidth and table == "三":
            text = text.translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"})
        return text


# --- the layouts of the national templates ---------------------------------------------------


def _t2_spans(report: ReplicaReport, tokens: dict[Key, str], write: bool) -> list[Span]:
    spans: list[Span] = []
    r = 0
    for item, (rows, columns) in report.t2_layout().items():
        spans.append((r, 0, 1, 4, f"第二十条第{item}项"))
        widths = [1] * (len(columns) - 1) + [4 - len(columns)]
        spans.append((r + 1, 0, 1, 1, report.label("信息内容")))
        c = 1
        for column, width in zip(columns, widths, strict=True):
            spans.append((r + 1, c, 1, width, report.label(column)))
            c += width
        for i, row in enumerate(rows):
            spans.append((r + 2 + i, 0, 1, 1, report.label(row)))
            c = 1
            for column, width in zip(columns, widths, strict=True):
                token = tokens[("二", row, column)]
                spans.append(
                    (r + 2 + i, c, 1, width, report.written("二", token) if write else token)
                )
                c += width
        r += 2 + len(rows)
    return spans


def _t3_spans(report: ReplicaReport, tokens: dict[Key, str], write: bool) -> list[Span]:
    label = report.label
    spans: list[Span] = [
        (0, 0, 3, 3, label("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）")),
        (0, 3, 1, 7, label("申请人情况")),
        (1, 3, 2, 1, label("自然人")),
        (1, 4, 1, 5, label("法人或其他组织")),
        (1, 9, 2, 1, label("总计")),
    ]
    spans += [(2, 4 + i, 1, 1, label(c)) for i, c in enumerate(T3_COLUMNS[1:6])]
    groups = GROUPS_2021 if report.format == "2021" else GROUPS_2021[:3]
    # rows under 三、本年度办理结果: 予以公开, 部分公开, the reasons, (2019: 其他处理), 总计
    results = 2 + sum(len(reasons) for _, reasons in groups) + (report.format == "2019") + 1
    r = 3
    for row in report.t3_rows():
        if row in (NEW, CARRIED_IN, CARRIED_OUT):
            spans.append((r, 0, 1, 3, label(row)))
        else:
            if row == GRANTED:
                spans.append((r, 0, results, 1, label("三、本年度办理结果")))
            group = next((g for g, reasons in groups if row == reasons[0]), None)
            if group:
                size = len(next(reasons for g, reasons in groups if g == group))
                spans.append((r, 1, size, 1, label(group)))
            if any(row in reasons for _, reasons in groups):
                spans.append((r, 2, 1, 1, label(row)))
            else:
                spans.append((r, 1, 1, 2, label(row)))
        for i, column in enumerate(T3_COLUMNS):
            token = tokens[("三", row, column)]
            spans.append((r, 3 + i, 1, 1, report.written("三", token) if write else token))
        r += 1
    return spans


def _t4_spans(report: ReplicaReport, tokens: dict[Key, str], write: bool) -> list[Span]:
    label = report.label
    spans: list[Span] = [(0, 0, 1, 5, label("行政复议")), (0, 5, 1, 10, label("行政诉讼"))]
    spans += [(1, i, 2, 1, label(c)) for i, c in enumerate(T4_COLUMNS)]
    spans += [(1, 5, 1, 5, label("未经复议直接起诉")), (1, 10, 1, 5, label("复议后起诉"))]
    spans += [(2, 5 + i, 1, 1, label(c)) for i, c in enumerate(T4_COLUMNS * 2)]
    for g, group in enumerate(T4_ROWS):
        for i, column in enumerate(T4_COLUMNS):
            token = tokens[("四", group, column)]
            spans.append((3, g * 5 + i, 1, 1, report.written("四", token) if write else token))
    return spans


HEADINGS = {
    "二": "二、主动公开政府信息情况",
    "三": "三、收到和处理政府信息公开申请情况",
    "四": "四、政府信息公开行政复议、行政诉讼情况",
}


def report_tables(report: ReplicaReport, write: bool = True) -> dict[str, tuple[int, list[Span]]]:
    """Table -> (column count, spans). ``write=False`` leaves the raw tokens in value cells
    (the spreadsheet writers store numbers as numbers)."""
    tokens = report.tokens()
    return {
        "二": (4, _t2_spans(report, tokens, write)),
        "三": (10, _t3_spans(report, tokens, write)),
        "四": (15, _t4_spans(report, tokens, write)),
    }


def html_table(spans: list[Span]) -> str:
    """The spans as an HTML table with rowspan/colspan (``|`` in a label is a line break)."""
    rows: dict[int, list[Span]] = {}
    for span in spans:
        rows.setdefault(span[0], []).append(span)
    out = [
        '<table border="1" cellspacing="0" cellpadding="0" style="border-collapse:collapse;"><tbody>'
    ]
    for r in range(max(rows) + 1):
        out.append("<tr>")
        for _, _, height, width, text in sorted(rows.get(r, []), key=lambda s: s[1]):
            attrs = (f' rowspan="{height}"' if height > 1 else "") + (
                f' colspan="{width}"' if width > 1 else ""
            )
            inner = "<br/>".join(html.escape(part) for part in text.split("|"))
            out.append(f'<td{attrs} style="border:1px solid #000;"><p>{inner}</p></td>')
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


# --- the page --------------------------------------------------------------------------------

PLACEHOLDER = "〔年报表格{table}〕"
_PLACEHOLDER = re.compile(r"<p[^>]*>〔年报表格([二三四])〕</p>")


def intro(report: ReplicaReport) -> list[str]:
    notice = "国办公开办函〔2021〕30号" if report.format == "2021" else "国办公开办函〔2019〕60号"
    return [
        f"本报告根据《中华人民共和国政府信息公开条例》和《国务院办公厅政府信息与政务公开办公室"
        f"关于印发〈中华人民共和国政府信息公开工作年度报告格式〉的通知》（{notice}）要求编制，"
        f"由{report.unit}对{report.year}年度政府信息公开工作情况进行总结。本报告所列数据的统计期限"
        f"自{report.year}年1月1日起至{report.year}年12月31日止。",
        "一、总体情况",
        f"{report.year}年，{report.unit}坚持以公开为常态、不公开为例外，认真贯彻落实《条例》，"
        "围绕中心工作做好主动公开、依申请公开和政府信息管理等各项工作，公开质量和实效进一步提升。"
        "主动公开方面，及时发布机构职能、政策文件、财政预决算等信息；依申请公开方面，规范受理、"
        "办理、答复流程，均在法定期限内答复；平台建设方面，持续优化政府信息公开专栏。",
    ]


def closing(report: ReplicaReport) -> list[str]:
    return [
        "五、存在的主要问题及改进情况",
        f"{report.year}年政府信息公开工作虽然取得了一定成效，但仍存在公开内容不够全面、"
        "解读形式较为单一等问题。下一步将加强业务培训，提升公开质量。",
        "六、其他需要报告的事项",
        f"{report.year}年度{report.unit}未收取信息处理费。",
    ]


def page_paragraphs(report: ReplicaReport) -> list[tuple[str, str]]:
    """(kind, text) of the page body; kind "h" is a heading, "table" a table's placeholder."""
    head = intro(report)
    out = [("p", head[0]), ("h", head[1]), ("p", head[2])]
    if report.carrier == "html":
        for table, heading in HEADINGS.items():
            out += [("h", heading), ("table", PLACEHOLDER.format(table=table))]
    else:
        out.append(("p", "本年度政府信息公开工作的各项统计数据详见附件。"))
    tail = closing(report)
    out += [("h", tail[0]), ("p", tail[1]), ("h", tail[2]), ("p", tail[3])]
    return out


def fill_tables(page: str, report: ReplicaReport) -> str:
    """The detail page with each table placeholder replaced by the report's table."""
    tables = report_tables(report)
    return _PLACEHOLDER.sub(lambda m: html_table(tables[m.group(1)][1]), page)


# --- the truth -------------------------------------------------------------------------------

Z = "0 0 0 0 0 0 0"
TRUTH: list[ReplicaReport] = [
    ReplicaReport(
        name="html-2021", unit="红寺堡区住房和城乡建设局", year=2023, format="2021",
        published="2024-01-26", carrier="html", doc_id=4800001,
        t2={"规章": (NONE, NONE, NONE), "行政规范性文件": ("2", "1", "15"),
            "行政许可": ("1286",), "行政处罚": ("37",), "行政强制": ("0",),
            "行政事业性收费": ("1234.56",)},
        t3=f"""
            23 4 0 1 2 0 30
            2 0 0 0 0 0 2
            9 2 0 1 1 0 13
            3 1 0 0 0 0 4
            1 0 0 0 0 0 1
            {Z}
            {Z}
            1 0 0 0 0 0 1
            {Z}
            1 0 0 0 0 0 1
            {Z}
            {Z}
            4 1 0 0 1 0 6
            1 0 0 0 0 0 1
            {Z}
            1 0 0 0 0 0 1
            1 0 0 0 0 0 1
            {Z}
            {Z}
            {Z}
            1 0 0 0 0 0 1
            {Z}
            {Z}
            23 4 0 1 2 0 30
            2 0 0 0 0 0 2""",
        t4="""
            1 0 0 0 1
            0 1 0 1 2
            0 0 0 0 0""",
        style=Style(none="—", commas=True, labels={
            "商业企业": "商业|企业", "社会公益组织": "社会公益|组织", "结果维持": "结果|维持",
            "结果纠正": "结果|纠正", "其他结果": "其他|结果", "尚未审结": "尚未|审结"}),
    ),
    ReplicaReport(
        name="docx-2021", unit="红寺堡区住房和城乡建设局", year=2022, format="2021",
        published="2023-01-18", carrier="docx", doc_id=4800002,
        t2={"规章": ("0", "0", "0"), "行政规范性文件": ("3", "0", "14"),
            "行政许可": ("1102",), "行政处罚": ("29",), "行政强制": ("0",),
            "行政事业性收费": ("987.6",)},
        t3=f"""
            15 2 0 0 0 1 18
            {Z}
            6 1 0 0 0 1 8
            2 0 0 0 0 0 2
            {Z}
            {Z}
            1 0 0 0 0 0 1
            {Z}
            {Z}
            {Z}
            {Z}
            {Z}
            2 1 0 0 0 0 3
            {Z}
            1 0 0 0 0 0 1
            {Z}
            1 0 0 0 0 0 1
            {Z}
            {Z}
            {Z}
            {Z}
            {Z}
            {Z}
            13 2 0 0 0 1 16
            2 0 0 0 0 0 2""",
        t4="""
            0 0 0 0 0
            0 0 0 0 0
            0 0 0 0 0""",
        style=Style(none="/", commas=True, labels={
            "总计": "合计", "（七）总计": "（七）合计", "自然人": "自 然 人",
            "1.属于国家秘密": "1、属于国家秘密", "2.重复申请": "2、重复申请",
            "3.其他": "3、其他", "（一）予以公开": "（一） 予以公开"}),
    ),
    ReplicaReport(
        name="html-2019", unit="红寺堡区市场监督管理局", year=2020, format="2019",
        published="2021-03-05", carrier="html", doc_id=4800003, on_time=False,
        t2={"规章": (NONE, NONE, NONE), "行政规范性文件": ("2", "2", "11"),
            "行政许可": ("46", "-3", "2315"), "其他对外管理服务事项": ("5", "0", "12"),
            "行政处罚": ("18", "2", "143"), "行政强制": ("3", "0", "7"),
            "行政事业性收费": ("2", "0"), "政府集中采购": ("6", "318.45")},
        t3=f"""
            8 1 0 0 0 0 9
            1 0 0 0 0 0 1
            4 0 0 0 0 0 4
            1 1 0 0 0 0 2
            {Z}
            {Z}
            {Z}
            {Z}
            1 0 0 0 0 0 1
            {Z}
            {Z}
            {Z}
            2 0 0 0 0 0 2
            {Z}
            {Z}
            {Z}
            {Z}
            {Z}
            {Z}
            {Z}
            1 0 0 0 0 0 1
            9 1 0 0 0 0 10
            {Z}""",
        t4="""
            0 1 0 0 1
            1 0 0 0 1
            0 0 0 0 0""",
        style=Style(none="/", commas=True, fullwidth=True, labels={"行政规范性文件": "规范性文件"}),
    ),
    ReplicaReport(
        name="xlsx-2021", unit="红寺堡区大河乡人民政府", year=2023, format="2021",
        published="2024-03-29", carrier="xlsx", doc_id=4800004,
        failing_checks=("t4_total:行政复议",),
        t2={"规章": (NONE, NONE, NONE), "行政规范性文件": ("1", "0", "6"),
            "行政许可": ("215",), "行政处罚": ("12",), "行政强制": ("0",),
            "行政事业性收费": ("5949.088667",)},
        t3=f"""
            5 0 0 0 0 0 5
            {Z}
            3 0 0 0 0 0 3
            {Z}
            {Z}
            {Z}
            {Z}
            {Z}
            {Z}
            {Z}
            {Z}
            0 0 {NONE} 0 0 0 0
            1 0 0 0 0 0 1
            {Z}
            {Z}
            1 0 0 0 0 0 1
            {Z}
            {Z}
            {Z}
            {Z}
            {Z}
            {Z}
            {Z}
            5 0 0 0 0 0 5
            {Z}""",
        t4="""
            1 0 0 0 2
            0 0 0 0 0
            0 0 0 0 0""",
        style=Style(none=""),
    ),
    ReplicaReport(
        name="pdf-2021", unit="红寺堡区柳泉乡人民政府", year=2023, format="2021",
        published="2024-02-20", carrier="pdf", doc_id=4800005,
        t2={"规章": ("0", "0", "0"), "行政规范性文件": ("0", "0", "3"),
            "行政许可": ("48",), "行政处罚": ("5",), "行政强制": ("0",),
            "行政事业性收费": ("0",)},
        t3=f"""
            3 0 0 0 0 1 4
            {Z}
            2 0 0 0 0 1 3
            {Z}
            {Z}
            {Z}
            {Z}
            {Z}
            {Z}
            {Z}
            {Z}
            {Z}
            1 0 0 0 0 0 1
            {Z}
            {Z}
            {Z}
            {Z}
            {Z}
            {Z}
            {Z}
            {Z}
            {Z}
            {Z}
            3 0 0 0 0 1 4
            {Z}""",
        t4="""
            0 0 0 0 0
            0 0 0 0 0
            0 0 0 0 0""",
        style=Style(none="—"),
    ),
    ReplicaReport(
        name="xls-2021", unit="红寺堡区新庄集乡人民政府", year=2022, format="2021",
        published="2023-03-15", carrier="xls", doc_id=4800006,
        t2={"规章": ("0", "0", "0"), "行政规范性文件": ("1", "0", "4"),
            "行政许可": ("77",), "行政处罚": ("9",), "行政强制": ("1",),
            "行政事业性收费": ("12.5",)},
        t3=f"""
            2 1 0 0 0 0 3
            {Z}
            1 1 0 0 0 0 2
            1 0 0 0 0 0 1
            {Z}
            {Z}
            {Z}
            {Z}
            {Z}
            {Z}
            {Z}
            {Z}
            {Z}
            {Z}
            {Z}
            {Z}
            {Z}
            {Z}
            {Z}
            {Z}
            {Z}
            {Z}
            {Z}
            2 1 0 0 0 0 3
            {Z}""",
        t4="""
            0 0 0 0 0
            0 0 0 0 0
            0 0 0 0 0""",
        style=Style(none=""),
    ),
]  # fmt: skip


def replica_reports() -> list[ReplicaReport]:
    """Fresh copies of the TRUTH (a site's corrections never leak into another site)."""
    return copy.deepcopy(TRUTH)


def report_named(name: str) -> ReplicaReport:
    return next(r for r in replica_reports() if r.name == name)


def report_document(report: ReplicaReport) -> Doc:
    """The report as a document of the replica's 年报 column, its tables in the page or in
    one attachment listed the TRS way (``var hasFJ``)."""
    blocks: list[Block] = [
        Para(text, "h" if kind == "h" else "p") for kind, text in page_paragraphs(report)
    ]
    doc = Doc(report.path, "/xxgk/zfxxgknb/", report.title, report.published, report.unit, [blocks])
    if report.file_name:
        link_text = f"{report.unit}{report.year}年政府信息公开工作年度报告.{report.carrier}"
        doc.attachments = [Attachment(report.file_name, link_text)]
    doc.traps = ["annual_report", f"report_{report.carrier}"]
    doc.figures = report_figure_rows(report)
    return doc


def report_figure_rows(report: ReplicaReport) -> list[dict[str, str]]:
    """The figures as ``expected_documents()`` lists them: value tokens, ``—`` for none."""
    return [
        {"table": t, "row": r, "column": c, "value": token}
        for (t, r, c), token in report.tokens().items()
    ]
