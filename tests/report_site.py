"""Annual-report pages for the tests of the report archive, written out by hand: tables 三
and 四 in the 2021 format (merged cells as the standard template has them) built from the
test's own figures, and a TRS-like document page around them."""

from __future__ import annotations

from typing import Any

T3_COLUMNS = ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计")
T4_GROUPS = ("行政复议", "未经复议直接起诉", "复议后起诉")
T4_COLUMNS = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")

# (the label as the page prints it, the canonical row name stored) of table 三, in order.
T3_ROWS = (
    ("一、本年新收政府信息公开申请数量", "一、本年新收政府信息公开申请数量"),
    ("二、上年结转政府信息公开申请数量", "二、上年结转政府信息公开申请数量"),
    ("（一）予以公开", "（一）予以公开"),
    ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
     "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    ("1.属于国家秘密", "1.属于国家秘密"),
    ("2.其他法律行政法规禁止公开", "2.其他法律行政法规禁止公开"),
    ("3.危及“三安全一稳定”", "3.危及“三安全一稳定”"),
    ("4.保护第三方合法权益", "4.保护第三方合法权益"),
    ("5.属于三类内部事务信息", "5.属于三类内部事务信息"),
    ("6.属于四类过程性信息", "6.属于四类过程性信息"),
    ("7.属于行政执法案卷", "7.属于行政执法案卷"),
    ("8.属于行政查询事项", "8.属于行政查询事项"),
    ("1.本机关不掌握相关政府信息", "1.本机关不掌握相关政府信息"),
    ("2.没有现成信息需要另行制作", "2.没有现成信息需要另行制作"),
    ("3.补正后申请内容仍不明确", "3.补正后申请内容仍不明确"),
    ("1.信访举报投诉类申请", "1.信访举报投诉类申请"),
    ("2.重复申请", "2.重复申请"),
    ("3.要求提供公开出版物", "3.要求提供公开出版物"),
    ("4.无正当理由大量反复申请", "4.无正当理由大量反复申请"),
    ("5.要求行政机关确认或重新出具已获取信息", "5.要求行政机关确认或重新出具已获取信息"),
    ("1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
     "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    ("2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
     "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    ("3.其他", "3.其他"),
    ("（七）总计", "（七）总计"),
    ("四、结转下年度继续办理", "四、结转下年度继续办理"),
)  # fmt: skip
_GROUPS = {4: ("（三）不予公开", 8), 12: ("（四）无法提供", 3), 15: ("（五）不予处理", 5),
           20: ("（六）其他处理", 3)}  # fmt: skip

Figures = dict[tuple[str, str, str], Any]  # (table, row, column) -> value (None: shown "—")


def _shown(value: Any) -> str:
    return "—" if value is None else str(value)


def table3(rows: dict[str, list[Any]]) -> str:
    """Table 三: ``rows`` gives the seven values of every canonical row (all 25 rows)."""
    head = (
        '<table border="1"><tbody>'
        '<tr><td colspan="3" rowspan="3">（本列数据的勾稽关系为：第一项加第二项之和，'
        '等于第三项加第四项之和）</td><td colspan="7">申请人情况</td></tr>'
        '<tr><td rowspan="2">自然人</td><td colspan="5">法人或其他组织</td>'
        '<td rowspan="2">总计</td></tr>'
        "<tr><td>商业企业</td><td>科研机构</td><td>社会公益组织</td>"
        "<td>法律服务机构</td><td>其他</td></tr>"
    )
    lines = []
    for i, (label, row) in enumerate(T3_ROWS):
        tds = "".join(f"<td>{_shown(v)}</td>" for v in rows[row])
        if i in (0, 1, 24):
            lines.append(f'<tr><td colspan="3">{label}</td>{tds}</tr>')
        elif i in (2, 3, 23):
            lead = '<td rowspan="22">三、本年度办理结果</td>' if i == 2 else ""
            lines.append(f'<tr>{lead}<td colspan="2">{label}</td>{tds}</tr>')
        elif i in _GROUPS:
            group, span = _GROUPS[i]
            lines.append(f'<tr><td rowspan="{span}">{group}</td><td>{label}</td>{tds}</tr>')
        else:
            lines.append(f"<tr><td>{label}</td>{tds}</tr>")
    return head + "".join(lines) + "</tbody></table>"


def table4(groups: dict[str, list[Any]]) -> str:
    """Table 四: the five values of each of the three groups."""
    values = "".join(f"<td>{_shown(v)}</td>" for group in T4_GROUPS for v in groups[group])
    return (
        '<table border="1"><tbody>'
        '<tr><td colspan="5">行政复议</td><td colspan="10">行政诉讼</td></tr>'
        '<tr><td rowspan="2">结果维持</td><td rowspan="2">结果纠正</td>'
        '<td rowspan="2">其他结果</td><td rowspan="2">尚未审结</td><td rowspan="2">总计</td>'
        '<td colspan="5">未经复议直接起诉</td><td colspan="5">复议后起诉</td></tr>'
        "<tr>" + "".join(f"<td>{c}</td>" for c in T4_COLUMNS * 2) + "</tr>"
        f"<tr>{values}</tr></tbody></table>"
    )


def figures_of(t3: dict[str, list[Any]], t4: dict[str, list[Any]]) -> Figures:
    """Every cell the two tables hold, by canonical name (what the archive must store)."""
    out: Figures = {}
    for row, values in t3.items():
        for column, value in zip(T3_COLUMNS, values, strict=True):
            out[("三", row, column)] = value
    for group, values in t4.items():
        for column, value in zip(T4_COLUMNS, values, strict=True):
            out[("四", group, column)] = value
    return out


def document(title: str, date: str, body: str, source: str = "") -> bytes:
    """A TRS-like document page: its title, 发布日期 and body (``body``: HTML)."""
    meta = f"<li>发布日期：{date}</li>" + (f"<li>来源：{source}</li>" if source else "")
    return (
        "<html><head><meta charset='utf-8'><title>" + title + "</title></head><body>"
        f"<div class='xxgk_top'><ul>{meta}</ul></div><h1>{title}</h1>"
        f"<div class='TRS_Editor'><p>一、总体情况</p><p>本年度政府信息公开工作有序推进。</p>"
        f"{body}<p>六、其他需要报告的事项</p><p>无。</p></div></body></html>"
    ).encode()


def index(links: dict[str, str]) -> bytes:
    """A column's list page: path -> title."""
    items = "".join(
        f"<li><a href='{path}'>{title}</a><span>2024-01-01</span></li>"
        for path, title in links.items()
    )
    return f"<html><body><ul class='list'>{items}</ul></body></html>".encode()
