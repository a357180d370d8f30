"""Is a page a 政府信息公开工作年度报告, whose, for which year, and in which format?

Read from the title (the article title as shown), with the body text as supporting evidence:

- the title names the report: 政府信息公开 (or 信息公开 / 政务公开) + 工作 + 年度报告 / 年报 /
  工作报告 / 报告, and is not a notice *about* reports (通知, 解读, 图解, 报送, 编制 …);
  a title that only says 年度报告 / 年报 counts when the body holds the standard tables;
- the year is the one the report is on, written in the title: ``2023年``, ``２０２３年度``,
  ``二〇二三年`` (never the publication date);
- the unit is the title's text before the year (``关于`` dropped), or, when the year opens the
  title, the text between the year and the report's name;
- the format: ``2019`` for 2019 and 2020, ``2021`` from 2021, ``free-text`` before 2019. When
  the body is given, its tables decide: 2021 or 2019 column names win over the year, and a body
  with none of the standard tables is ``free-text``. Pass the text of the attachments too if
  the tables are in them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scraper.reports.names import squash

FREE_TEXT, FORMAT_2019, FORMAT_2021 = "free-text", "2019", "2021"

_NAME = re.compile(
    r"(?P<kind>政府信息公开|政务信息公开|政务公开|信息公开)(?:工作)?(?:情况)?(?:年度)?(?:报告|年报)"
)
_LOOSE_NAME = re.compile(r"(?:工作)?(?:年度报告|年报|报告)")
_NOT_A_REPORT = re.compile(
    r"通知|解读|图解|通报|报送|编制|做好|模板|格式|提纲|征集|督查|考核|评估|培训|会议|目录|指南"
)
_CN_DIGITS = str.maketrans("〇零○Ｏ一二三四五六七八九", "0000123456789")
_YEAR = re.compile(
    r"(?P<digits>(?:19|20)\d{2}|[〇零○Ｏ一二][〇零○Ｏ一二三四五六七八九]{3})年(?:度)?"
)

# Markers of the standard tables in the body text (spaces removed).
_TABLE3 = ("本年新收政府信息公开申请数量", "上年结转政府信息公开申请数量", "本年新收")
_MARKS_2021 = ("本年制发件数", "本年废止件数", "现行有效件数", "申请人无正当理由逾期不补正")
_MARKS_2019 = ("本年新制作数量", "本年新公开数量", "对外公开总数量", "上一年项目数量")
_EDGE = "-—_:|·,、()[]【】《》<>\"'“”"


@dataclass(frozen=True)
class Recognition:
    unit: str | None
    year: int | None
    format: str | None  # "2019", "2021", "free-text"; None with neither year nor body


def _year(text: str) -> int | None:
    year = int(text.translate(_CN_DIGITS))
    return year if 1990 <= year <= 2100 else None


def _clean_unit(text: str) -> str | None:
    unit, previous = text, None
    while unit != previous:
        previous = unit
        unit = unit.strip(_EDGE).removeprefix("关于").removesuffix("关于").removesuffix("的")
    return unit or None


def format_for(year: int | None, body: str | None = None) -> str | None:
    """The report format from the body's tables when given, else from the year."""
    if body is not None:
        text = squash(body)
        if any(mark in text for mark in _MARKS_2021):
            return FORMAT_2021
        if any(mark in text for mark in _MARKS_2019):
            return FORMAT_2019
        if not any(mark in text for mark in _TABLE3):
            return FREE_TEXT
    if year is None:
        return None
    if year < 2019:
        return FREE_TEXT
    return FORMAT_2019 if year < 2021 else FORMAT_2021


def has_standard_tables(body: str) -> bool:
    text = squash(body)
    return any(mark in text for mark in (*_TABLE3, *_MARKS_2021, *_MARKS_2019))


def recognise(title: str, body: str | None = None) -> Recognition | None:
    """The report's unit, year and format, or None when the page is not an annual report."""
    text = re.sub(r"^[\[【(][^\]】)]{1,12}[\]】)]", "", squash(title or ""))  # 【转载】…
    if not text:
        return None
    names = list(_NAME.finditer(text))
    if names:
        name = names[-1]
    elif body is not None and has_standard_tables(body):
        loose = list(_LOOSE_NAME.finditer(text))
        if not loose:
            return None
        name = loose[-1]
    else:
        return None
    start = name.start()
    before = [y for y in _YEAR.finditer(text) if y.start() < start]  # 2022年度报告 overlaps
    after = [y for y in _YEAR.finditer(text, name.end())]
    if before:
        found = before[-1]
        ahead = _clean_unit(text[: found.start()])
        unit = ahead or _clean_unit(text[found.end() : max(start, found.end())])
        year = _year(found.group("digits"))
    else:
        unit = _clean_unit(text[:start])
        year = _year(after[0].group("digits")) if after else None
    rest = text.replace(unit, "", 1) if unit else text
    if _NOT_A_REPORT.search(rest):  # a notice about reports; the unit's own name may say 培训
        return None
    return Recognition(unit, year, format_for(year, body))
