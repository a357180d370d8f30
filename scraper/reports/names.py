"""The canonical names of the annual report's tables 二, 三 and 四, in one place.

Names are those of ../shared/domain.md ("Canonical names for figures"): the 2021 format's
wording, numbering and full-width brackets kept. Everything else in the package (the table
parser, the checks) reads its names from here.

A label on a page is matched through :func:`label_key`: NFKC (full-width digits and brackets
become ASCII), whitespace and quotes removed, a numbering prefix (一、 （一） 1. 1、 (1) ①)
dropped and bracketed remarks dropped. So ``（二）部分公开（区分处理的，只计这一情形，不计其他情形）``,
``(二) 部分公开`` and ``二、部分公开`` all have the key ``部分公开``. ``ALIASES`` adds the
other wordings seen in templates (合计 for 总计, the 2019 format's 规范性文件, …).
"""

from __future__ import annotations

import re
import unicodedata

T2, T3, T4 = "二", "三", "四"
TABLES = (T2, T3, T4)

# --- table 二 -------------------------------------------------------------------------------
T2_ROWS_2021 = ("规章", "行政规范性文件", "行政许可", "行政处罚", "行政强制", "行政事业性收费")
T2_COLUMNS_2021 = (
    "本年制发件数",
    "本年废止件数",
    "现行有效件数",
    "本年处理决定数量",
    "本年收费金额（单位：万元）",
)
# The 2019 format keeps its own columns (domain.md) and has two rows the 2021 format dropped.
T2_ROWS_2019_ONLY = ("其他对外管理服务事项", "政府集中采购")
T2_COLUMNS_2019 = (
    "本年新制作数量",
    "本年新公开数量",
    "对外公开总数量",
    "上一年项目数量",
    "本年增/减",
    "处理决定数量",
    "采购项目数量",
    "采购总金额",
)

# Which columns each row of table 二 has (a figure anywhere else is a misread, never kept).
T2_PAIRS: dict[str, tuple[str, ...]] = {
    "规章": (*T2_COLUMNS_2021[:3], *T2_COLUMNS_2019[:3]),
    "行政规范性文件": (*T2_COLUMNS_2021[:3], *T2_COLUMNS_2019[:3]),
    "行政许可": (T2_COLUMNS_2021[3], *T2_COLUMNS_2019[3:6]),
    "其他对外管理服务事项": T2_COLUMNS_2019[3:6],
    "行政处罚": (T2_COLUMNS_2021[3], *T2_COLUMNS_2019[3:6]),
    "行政强制": (T2_COLUMNS_2021[3], *T2_COLUMNS_2019[3:6]),
    "行政事业性收费": (T2_COLUMNS_2021[4], *T2_COLUMNS_2019[3:5]),
    "政府集中采购": T2_COLUMNS_2019[6:8],
}

# --- table 三 -------------------------------------------------------------------------------
T3_NEW = "一、本年新收政府信息公开申请数量"
T3_CARRIED_IN = "二、上年结转政府信息公开申请数量"
T3_RESULTS = "三、本年度办理结果"
T3_GRANTED = "（一）予以公开"
T3_PARTIAL = "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"
T3_WITHHELD = "（三）不予公开"
T3_UNAVAILABLE = "（四）无法提供"
T3_NOT_HANDLED = "（五）不予处理"
T3_OTHER = "（六）其他处理"
T3_TOTAL = "（七）总计"
T3_CARRIED_OUT = "四、结转下年度继续办理"

# group -> its reason rows, each keeping its own number.
T3_REASONS: dict[str, tuple[str, ...]] = {
    T3_WITHHELD: (
        "1.属于国家秘密",
        "2.其他法律行政法规禁止公开",
        "3.危及“三安全一稳定”",
        "4.保护第三方合法权益",
        "5.属于三类内部事务信息",
        "6.属于四类过程性信息",
        "7.属于行政执法案卷",
        "8.属于行政查询事项",
    ),
    T3_UNAVAILABLE: (
        "1.本机关不掌握相关政府信息",
        "2.没有现成信息需要另行制作",
        "3.补正后申请内容仍不明确",
    ),
    T3_NOT_HANDLED: (
        "1.信访举报投诉类申请",
        "2.重复申请",
        "3.要求提供公开出版物",
        "4.无正当理由大量反复申请",
        "5.要求行政机关确认或重新出具已获取信息",
    ),
    T3_OTHER: (
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        "3.其他",
    ),
}
T3_OTHER_REASONS = T3_REASONS[T3_OTHER]
T3_REASON_ROWS = tuple(row for rows in T3_REASONS.values() for row in rows)
T3_GROUP_OF = {row: group for group, rows in T3_REASONS.items() for row in rows}

# The outcome rows that add up to （七）总计. The 2019 format has （六）其他处理 as one data row
# instead of the 2021 format's three reasons.
T3_OUTCOMES_2021 = (T3_GRANTED, T3_PARTIAL, *T3_REASON_ROWS)
T3_OUTCOMES_2019 = (
    T3_GRANTED,
    T3_PARTIAL,
    *T3_REASONS[T3_WITHHELD],
    *T3_REASONS[T3_UNAVAILABLE],
    *T3_REASONS[T3_NOT_HANDLED],
    T3_OTHER,
)
T3_ROWS_2021 = (T3_NEW, T3_CARRIED_IN, *T3_OUTCOMES_2021, T3_TOTAL, T3_CARRIED_OUT)
T3_ROWS_2019 = (T3_NEW, T3_CARRIED_IN, *T3_OUTCOMES_2019, T3_TOTAL, T3_CARRIED_OUT)
# Headings that only group rows: they are never a figure's row in the 2021 format.
T3_HEADINGS = (T3_RESULTS, T3_WITHHELD, T3_UNAVAILABLE, T3_NOT_HANDLED)

T3_APPLICANTS = ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")
T3_TOTAL_COLUMN = "总计"
T3_COLUMNS = (*T3_APPLICANTS, T3_TOTAL_COLUMN)

# --- table 四 -------------------------------------------------------------------------------
T4_REVIEW = "行政复议"
T4_DIRECT_SUIT = "未经复议直接起诉"
T4_SUIT_AFTER_REVIEW = "复议后起诉"
T4_ROWS = (T4_REVIEW, T4_DIRECT_SUIT, T4_SUIT_AFTER_REVIEW)
T4_PARTS = ("结果维持", "结果纠正", "其他结果", "尚未审结")
T4_TOTAL = "总计"
T4_COLUMNS = (*T4_PARTS, T4_TOTAL)

# --- label matching -------------------------------------------------------------------------
# Other wordings seen in templates, canonical name -> extra labels (matched by key).
ALIASES: dict[str, tuple[str, ...]] = {
    "行政规范性文件": ("规范性文件",),  # the 2019 format's row name
    "本年增/减": ("本年增减", "本年增加/减少"),
    T3_TOTAL: ("（七）合计",),
    T3_TOTAL_COLUMN: ("合计",),
    "结果维持": ("维持",),
    "结果纠正": ("纠正",),
    "其他结果": ("其他",),
    "尚未审结": ("未审结",),
}
# Label keys that a longer label may start with (templates add or trim words at the end).
PREFIXES: dict[str, str] = {
    "本年新收": T3_NEW,
    "上年结转": T3_CARRIED_IN,
    "结转下年度": T3_CARRIED_OUT,
    "部分公开": T3_PARTIAL,
    "申请人无正当理由逾期不补正": T3_OTHER_REASONS[0],
    "申请人逾期未按收费通知": T3_OTHER_REASONS[1],
    "本年收费金额": "本年收费金额（单位：万元）",
}

_SPACE = re.compile(r"[\s\u200b\u200c\u200d\ufeff\u3000\xa0]+")
_QUOTES = re.compile(r"[“”\"'‘’「」『』]")
_NUMBER = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.．]"  # 一、  三.
    r"|\(?[一二三四五六七八九十]+\)"  # (一)  一)
    r"|\(?\d{1,2}\)"  # (1)  1)
    r"|\d{1,2}(?:[、.．:：](?!\d))"  # 1.  1、 (not 1.5)
    r"|[①-⑳])"
)
_REMARK = re.compile(r"\([^()]*\)")


def squash(text: str) -> str:
    """NFKC and no whitespace at all (U+3000, nbsp, zero-width characters, BOM included)."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text))


def label_key(text: str) -> str:
    """The matching key of a label: numbering, remarks in brackets, quotes and spaces gone."""
    key = _QUOTES.sub("", squash(text))
    for _ in range(2):  # 三、(一)予以公开
        stripped = _NUMBER.sub("", key, count=1)
        if stripped == key or not stripped:
            break
        key = stripped
    while (shorter := _REMARK.sub("", key)) != key:  # nested remarks go in turns
        key = shorter
    return key.rstrip("：:")


def _index(names: tuple[str, ...]) -> dict[str, str]:
    found = {label_key(name): name for name in names}
    for name in names:
        for alias in ALIASES.get(name, ()):
            found.setdefault(label_key(alias), name)
    return found


T2_ROW_KEYS = _index((*T2_ROWS_2021, *T2_ROWS_2019_ONLY))
T2_COLUMN_KEYS = _index((*T2_COLUMNS_2021, *T2_COLUMNS_2019))
T3_ROW_KEYS = _index((*T3_ROWS_2021, T3_OTHER))
T3_HEADING_KEYS = _index((*T3_HEADINGS, T3_OTHER))
T3_COLUMN_KEYS = _index(T3_COLUMNS)
T4_ROW_KEYS = _index(T4_ROWS)
T4_COLUMN_KEYS = _index(T4_COLUMNS)


def match(text: str, keys: dict[str, str], *, prefixes: bool = False) -> str | None:
    """The canonical name ``text`` is a label for among ``keys``, or None."""
    key = label_key(text)
    if not key:
        return None
    if key in keys:
        return keys[key]
    if prefixes:
        for start, name in PREFIXES.items():
            if key.startswith(start) and label_key(name) in keys:
                return name
    return None
