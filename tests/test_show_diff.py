"""`scraper show` (a page as it was) and `scraper diff` (paragraph-aligned diffs): the real
CLI against an archive of the replica crawled twice, with changes in between; and the
paragraph alignment of scraper.textdiff on literal strings."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scraper.textdiff import (
    Paragraph,
    align_paragraphs,
    diff_json,
    diff_versions,
    inline_diff,
    paragraph_lines,
)

from .conftest import crawl_args, run_cli

# One paragraph of two documents, set before the first crawl, then changed before the second.
SMALL_BEFORE = "各单位要充分利用广播、电视、政务新媒体等渠道，广泛宣传相关政策，及时回应群众关切。"
SMALL_AFTER = "各单位要充分利用报纸、电视、政务新媒体等渠道，广泛宣传相关政策，及时回应群众关切。"
SMALL_MARKED = "~ 各单位要充分利用[-广播-]{+报纸+}、电视、政务新媒体等渠道，广泛宣传相关政策，及时回应群众关切。"
REWRITE_BEFORE = "要充分利用广播、电视、政务新媒体等渠道，广泛宣传相关政策，营造良好社会氛围。"
REWRITE_AFTER = "2024年，区直各部门认真贯彻落实党中央、国务院关于全面推进政务公开工作的决策部署。"
NEW_TITLE = "更正后的标题：关于调整办事时间的通知"


class Archive:
    def __init__(self, db: Path, base: str, between: str, after: str, **paths: Any) -> None:
        self.db, self.base, self.between, self.after = db, base, between, after
        self.small, self.rewritten = paths["small"], paths["rewritten"]
        self.retitled, self.deleted, self.untouched = (
            paths["retitled"],
            paths["deleted"],
            paths["untouched"],
        )
        self.old_title, self.deleted_title = paths["old_title"], paths["deleted_title"]

    def run(self, command: str, path: str, *args: str) -> Any:
        return run_cli(command, self.base + path, "--db", str(self.db), *args)


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    """Two full crawls; between them one paragraph edited a little, one rewritten, a title
    corrected and a document deleted. ``between``: a time after the first crawl and before
    the second; ``after``: a time after the second."""
    from scraper.replica import ReplicaServer, ReplicaSite

    site = ReplicaSite()
    db = tmp_path_factory.mktemp("show_diff") / "archive.db"
    paths = sorted(site.expected_documents())
    small, rewritten, retitled, deleted, untouched = paths[:5]
    site.edit_body(small, SMALL_BEFORE)
    site.edit_body(rewritten, REWRITE_BEFORE)
    with ReplicaServer(site) as server:
        result = run_cli(*crawl_args(server, db))
        assert result.returncode == 0, result.stderr
        time.sleep(1.1)  # archive times are whole seconds
        between = _now()
        time.sleep(1.1)
        old_title = site.expected_documents()[retitled]["title"]
        deleted_title = site.expected_documents()[deleted]["title"]
        site.edit_body(small, SMALL_AFTER)
        site.edit_body(rewritten, REWRITE_AFTER)
        site.retitle(retitled, NEW_TITLE)
        site.delete(deleted)
        result = run_cli(*crawl_args(server, db))
        assert result.returncode == 0, result.stderr
        time.sleep(1.1)
        yield Archive(
            db,
            server.base_url,
            between,
            _now(),
            small=small,
            rewritten=rewritten,
            retitled=retitled,
            deleted=deleted,
            untouched=untouched,
            old_title=old_title,
            deleted_title=deleted_title,
        )


# -- show ----------------------------------------------------------------------------------


def test_show_at_a_time_between_two_crawls_gives_the_version_current_then(archive):
    result = archive.run("show", archive.small, "--at", archive.between, "--json")
    assert result.returncode == 0, result.stderr
    page = json.loads(result.stdout)
    assert page["version"] == 1 and page["state"] == "live"
    assert page["url"] == archive.base + archive.small
    assert page["fetched_at"] < archive.between
    assert SMALL_BEFORE in page["body_text"].splitlines()
    assert SMALL_AFTER not in page["body_text"]

    text = archive.run("show", archive.small, "--at", archive.between)
    assert text.returncode == 0, text.stderr
    assert SMALL_BEFORE in text.stdout.splitlines() and SMALL_AFTER not in text.stdout
    assert f"version 1, fetched {page['fetched_at']}; live at {archive.between}" in text.stdout


def test_show_without_at_gives_the_current_version(archive):
    page = json.loads(archive.run("show", archive.small, "--json").stdout)
    assert page["version"] == 2 and page["state"] == "live"
    assert page["fetched_at"] > archive.between
    assert SMALL_AFTER in page["body_text"].splitlines()
    assert SMALL_BEFORE not in page["body_text"]
    assert set(page) >= {
        "url", "version", "fetched_at", "state", "title", "date", "source", "index_no",
        "doc_no", "breadcrumb", "kind", "attachments", "body_text",
    }  # fmt: skip
    assert page["kind"] == "document"
    assert page["breadcrumb"][:2] == ["首页", "政府信息公开"]


def test_show_gives_the_fields_of_the_version_asked_for(archive):
    old = json.loads(
        archive.run("show", archive.retitled, "--at", archive.between, "--json").stdout
    )
    new = json.loads(archive.run("show", archive.retitled, "--json").stdout)
    assert (old["version"], old["title"]) == (1, archive.old_title)
    assert (new["version"], new["title"]) == (2, NEW_TITLE)
    by_number = json.loads(archive.run("show", archive.retitled, "--version", "1", "--json").stdout)
    assert (by_number["version"], by_number["title"]) == (1, archive.old_title)
    text = archive.run("show", archive.retitled, "--at", archive.between).stdout
    assert f"     title: {archive.old_title}\n" in text and NEW_TITLE not in text


def test_show_says_whether_the_page_was_live_or_removed_then(archive):
    then = json.loads(
        archive.run("show", archive.deleted, "--at", archive.between, "--json").stdout
    )
    now = json.loads(archive.run("show", archive.deleted, "--json").stdout)
    later = json.loads(archive.run("show", archive.deleted, "--at", archive.after, "--json").stdout)
    assert [then["state"], now["state"], later["state"]] == ["live", "removed", "removed"]
    assert then["removed_at"] is None
    assert archive.between < now["removed_at"] < archive.after
    assert now["version"] == 1 and now["title"] == archive.deleted_title
    text = archive.run("show", archive.deleted).stdout
    assert f"; removed (since {now['removed_at']})\n" in text


@pytest.mark.parametrize(
    "args",
    [("--at", "2000-01-01"), ("--version", "3"), ("--version", "0")],
    ids=["before-first-version", "version-beyond-last", "version-0"],
)
def test_show_of_a_version_that_is_not_there_exits_2_with_one_line(archive, args):
    result = archive.run("show", archive.small, *args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1


def test_show_of_an_unknown_url_exits_2_with_one_line(archive):
    result = archive.run("show", "/xxgk/nowhere/t20240101_1.html")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"scraper: no page {archive.base}/xxgk/nowhere/t20240101_1.html in the archive"
    ]


# -- diff ----------------------------------------------------------------------------------


def test_a_one_word_edit_is_marked_inside_its_paragraph(archive):
    result = archive.run("diff", archive.small, "--context", "0")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("version 1 (") and " → version 2 (" in lines[0]
    assert lines[1:] == ["body_text:", "  …", "  " + SMALL_MARKED, "  …"]
    assert "\x1b[" not in result.stdout  # no colour when stdout is not a terminal


def test_context_keeps_that_many_unchanged_paragraphs_around_a_change(archive):
    lines = archive.run("diff", archive.small).stdout.splitlines()  # default --context 1
    at = lines.index("  " + SMALL_MARKED)
    assert lines[at - 2] == "  …" and lines[at - 1].startswith("    ")
    assert lines[at + 1].startswith("    ")
    wide = archive.run("diff", archive.small, "--context", "2").stdout.splitlines()
    at = wide.index("  " + SMALL_MARKED)
    assert wide[at - 2].startswith("    ") and wide[at - 1].startswith("    ")


def test_a_rewritten_paragraph_is_shown_whole_as_removed_and_added(archive):
    result = archive.run("diff", archive.rewritten, "--context", "0")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1:] == [
        "body_text:",
        "  …",
        "  - " + REWRITE_BEFORE,
        "  + " + REWRITE_AFTER,
        "  …",
    ]


def test_metadata_fields_are_compared_field_by_field_before_the_body(archive):
    result = archive.run("diff", archive.retitled)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[1] == f"title: {archive.old_title} → {NEW_TITLE}"


def test_diff_json_has_every_paragraph_and_the_changed_fields(archive):
    small = json.loads(archive.run("diff", archive.small, "--format", "json").stdout)
    assert set(small) == {"from", "to", "fields", "paragraphs"}
    assert (small["from"], small["to"], small["fields"]) == (1, 2, {})
    changed = [p for p in small["paragraphs"] if p["op"] != "equal"]
    assert changed == [{"op": "replace", "before": SMALL_BEFORE, "after": SMALL_AFTER}]
    equal = [p for p in small["paragraphs"] if p["op"] == "equal"]
    assert len(equal) >= 2 and all(p["before"] == p["after"] for p in equal)
    body = json.loads(archive.run("show", archive.small, "--json").stdout)["body_text"]
    assert [p["after"] for p in small["paragraphs"]] == body.splitlines()

    rewritten = json.loads(archive.run("diff", archive.rewritten, "--format", "json").stdout)
    assert [p for p in rewritten["paragraphs"] if p["op"] != "equal"] == [
        {"op": "delete", "before": REWRITE_BEFORE, "after": None},
        {"op": "insert", "before": None, "after": REWRITE_AFTER},
    ]
    retitled = json.loads(archive.run("diff", archive.retitled, "--format", "json").stdout)
    assert retitled["fields"] == {"title": [archive.old_title, NEW_TITLE]}


def test_diff_at_a_time_takes_the_version_current_then_as_the_newer_side(archive):
    now = json.loads(
        archive.run("diff", archive.small, "--at", archive.after, "--format", "json").stdout
    )
    assert (now["from"], now["to"]) == (1, 2)
    back = json.loads(
        archive.run(
            "diff", archive.small, "--at", archive.between, "--from", "2", "--format", "json"
        ).stdout
    )
    assert (back["from"], back["to"]) == (2, 1)
    assert [p for p in back["paragraphs"] if p["op"] != "equal"] == [
        {"op": "replace", "before": SMALL_AFTER, "after": SMALL_BEFORE}
    ]
    first = archive.run("diff", archive.small, "--at", archive.between)
    assert first.returncode == 0 and len(first.stdout.strip().splitlines()) == 1
    assert "first version" in first.stdout
    early = archive.run("diff", archive.small, "--at", "2000-01-01")
    assert early.returncode == 2 and len(early.stderr.strip().splitlines()) == 1


def test_a_page_with_one_version_gets_one_line_and_exit_0(archive):
    result = archive.run("diff", archive.untouched)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.strip().splitlines()) == 1
    assert "only one version" in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("--from", "0"),
        ("--from", "-1"),
        ("--to", "3"),
        ("--from", "3"),
        ("--to", "0"),
        ("--from", "1", "--to", "7"),
    ],
)
def test_version_numbers_out_of_range_are_a_usage_error(archive, args):
    result = archive.run("diff", archive.small, *args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert "has no version" in result.stderr


def test_diff_on_a_one_version_page_still_checks_the_numbers(archive):
    result = archive.run("diff", archive.untouched, "--from", "0")
    assert result.returncode == 2 and result.stdout == ""


# -- textdiff on literal strings -------------------------------------------------------------


def ops(old: str, new: str) -> list[tuple[str, str | None, str | None]]:
    return [(p.op, p.before, p.after) for p in align_paragraphs(old, new)]


def test_a_paragraph_changed_a_little_is_a_replace():
    assert ops("第一段\n利用广播渠道宣传\n第三段", "第一段\n利用报纸渠道宣传\n第三段") == [
        ("equal", "第一段", "第一段"),
        ("replace", "利用广播渠道宣传", "利用报纸渠道宣传"),
        ("equal", "第三段", "第三段"),
    ]


def test_a_paragraph_rewritten_beyond_recognition_is_a_delete_and_an_insert():
    assert ops("开头\n今天天气很好\n结尾", "开头\n明年计划完全不同\n结尾") == [
        ("equal", "开头", "开头"),
        ("delete", "今天天气很好", None),
        ("insert", None, "明年计划完全不同"),
        ("equal", "结尾", "结尾"),
    ]


def test_the_threshold_is_a_ratio_of_one_half_on_characters():
    # "甲乙" / "甲丙": 2·1/4 = 0.5, a small change; "甲乙丙" / "甲丁戊": 2·1/6, a rewrite.
    assert ops("甲乙", "甲丙") == [("replace", "甲乙", "甲丙")]
    assert ops("甲乙丙", "甲丁戊") == [("delete", "甲乙丙", None), ("insert", None, "甲丁戊")]


def test_similar_paragraphs_pair_up_across_an_inserted_one():
    old = "第一条规定的内容如下\n第二条规定的内容如下"
    new = "新增的说明文字段落\n第一条规定的内容如上\n第二条规定的内容如上"
    assert ops(old, new) == [
        ("insert", None, "新增的说明文字段落"),
        ("replace", "第一条规定的内容如下", "第一条规定的内容如上"),
        ("replace", "第二条规定的内容如下", "第二条规定的内容如上"),
    ]


def test_added_and_removed_paragraphs_and_empty_texts():
    assert ops("甲\n乙", "甲\n乙\n丙") == [
        ("equal", "甲", "甲"),
        ("equal", "乙", "乙"),
        ("insert", None, "丙"),
    ]
    assert ops("甲\n乙\n丙", "甲\n丙") == [
        ("equal", "甲", "甲"),
        ("delete", "乙", None),
        ("equal", "丙", "丙"),
    ]
    assert ops("", "新的一段") == [("insert", None, "新的一段")]
    assert ops("旧的一段", "") == [("delete", "旧的一段", None)]
    assert ops("", "") == []


def test_inline_marks_inside_the_paragraph():
    assert inline_diff("利用广播渠道", "利用报纸渠道") == "利用[-广播-]{+报纸+}渠道"
    assert inline_diff("利用渠道", "利用新渠道") == "利用{+新+}渠道"


def test_unchanged_paragraphs_are_elided_around_the_context():
    steps = [
        Paragraph("equal", "一", "一"),
        Paragraph("equal", "二", "二"),
        Paragraph("equal", "三", "三"),
        Paragraph("replace", "四甲", "四乙"),
        Paragraph("equal", "五", "五"),
        Paragraph("equal", "六", "六"),
        Paragraph("delete", "七", None),
        Paragraph("equal", "八", "八"),
        Paragraph("equal", "九", "九"),
        Paragraph("equal", "十", "十"),
    ]
    assert paragraph_lines(steps, context=1) == [
        "…",
        "  三",
        "~ 四[-甲-]{+乙+}",
        "  五",
        "  六",
        "- 七",
        "  八",
        "…",
    ]
    assert paragraph_lines(steps, context=0) == ["…", "~ 四[-甲-]{+乙+}", "…", "- 七", "…"]
    assert paragraph_lines(steps, context=3)[0] == "  一"
    assert paragraph_lines(steps[:3], context=1) == ["…"]


def test_colour_codes_only_when_asked():
    steps = [Paragraph("delete", "旧", None), Paragraph("insert", None, "新")]
    assert paragraph_lines(steps, color=True) == ["\x1b[31m- 旧\x1b[0m", "\x1b[32m+ 新\x1b[0m"]
    assert paragraph_lines(steps) == ["- 旧", "+ 新"]


def test_diff_versions_and_json_on_literal_versions():
    old = {
        "number": 1,
        "fetched_at": "2026-01-01T00:00:00Z",
        "title": "关于开展工作的通知",
        "date": "2026-01-01",
        "breadcrumb": ["首页", "通知公告"],
        "attachments": [],
        "body_text": "各单位：\n请按时报送材料。\n特此通知。",
    }
    new = {
        **old,
        "number": 2,
        "fetched_at": "2026-02-01T00:00:00Z",
        "title": "关于开展工作的通知（更正）",
        "attachments": [{"url": "http://x.cn/a.pdf", "text": "附件1"}],
        "body_text": "各单位：\n请于月底前报送材料。\n特此通知。",
    }
    assert diff_versions(old, new, context=0).splitlines() == [
        "version 1 (2026-01-01T00:00:00Z) → version 2 (2026-02-01T00:00:00Z)",
        "title: 关于开展工作的通知 → 关于开展工作的通知（更正）",
        "attachments: (none) → 附件1 <http://x.cn/a.pdf>",
        "body_text:",
        "  …",
        "  ~ 请[-按时-]{+于月底前+}报送材料。",
        "  …",
    ]
    assert diff_json(old, new) == {
        "from": 1,
        "to": 2,
        "fields": {
            "title": ["关于开展工作的通知", "关于开展工作的通知（更正）"],
            "attachments": [[], [{"url": "http://x.cn/a.pdf", "text": "附件1"}]],
        },
        "paragraphs": [
            {"op": "equal", "before": "各单位：", "after": "各单位："},
            {"op": "replace", "before": "请按时报送材料。", "after": "请于月底前报送材料。"},
            {"op": "equal", "before": "特此通知。", "after": "特此通知。"},
        ],
    }
    assert diff_versions(old, {**old, "number": 2}).splitlines()[1:] == [
        "(no difference in the extracted fields)"
    ]
