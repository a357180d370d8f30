"""Search: exact at every length, on a generated archive of known contents, through the library
and the real CLI. The expected answers come from a plain substring scan written here."""

from __future__ import annotations

import json
import random
import sqlite3
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scraper import archive
from scraper.archive import search
from scraper.searchtext import QueryError, parse_query, snippet

from .conftest import run_cli

# A small alphabet, so that substrings recur across pages and queries find several of them.
CJK = "公开信息年报政府县区预算决算通知关于办发号局的"
PUNCT = "〔〕《》，。、%_\"'*()-:^"
LATIN = "abcXYZ"
DIGITS = "2019"
SPACES = [" ", "\n", "\u3000", "\t"]
SEARCHED = ("title", "source", "doc_no", "body_text")
BASE = "http://h.cn/xxgk/"
NOW = "2026-11-01T00:00:00Z"


def nows_lower(text: str) -> str:
    """The spec, restated: whitespace is ignored, ASCII letters match either case."""
    kept = "".join(c for c in text if not c.isspace())
    return "".join(c.lower() if c in string.ascii_letters else c for c in kept)


def text(rnd: random.Random, length: int) -> str:
    out = []
    for _ in range(length):
        pick = rnd.random()
        if pick < 0.7:
            out.append(rnd.choice(CJK))
        elif pick < 0.8:
            out.append(rnd.choice(PUNCT))
        elif pick < 0.88:
            out.append(rnd.choice(LATIN))
        elif pick < 0.95:
            out.append(rnd.choice(DIGITS))
        else:
            out.append(rnd.choice(SPACES))
    return "".join(out)


def page_fields(rnd: random.Random, kind: str) -> dict:
    return {
        "title": text(rnd, rnd.randint(4, 16)),
        "date": f"20{rnd.randint(15, 26)}-0{rnd.randint(1, 9)}-1{rnd.randint(0, 9)}"
        if rnd.random() < 0.9
        else None,
        "source": text(rnd, rnd.randint(2, 6)) if kind != "attachment" else None,
        "index_no": "640303/2023-" + text(rnd, 4),  # not searched
        "doc_no": text(rnd, rnd.randint(4, 10)) if rnd.random() < 0.6 else None,
        "breadcrumb": [text(rnd, rnd.randint(2, 5)) for _ in range(rnd.randint(0, 3))]
        if kind != "attachment"
        else [],
        "meta": {},
        "body_text": text(rnd, rnd.randint(0, 300)),
        "attachments": [],
    }


def save(db, run_id: int, url: str, kind: str, fields: dict, at: str = NOW) -> None:
    snap = archive.Snapshot(url, url, kind, dict(fields), b"<html></html>", at, "utf-8")
    archive.save_snapshot(db, snap, run_id, "test")


def build(path: Path) -> dict[str, list[dict]]:
    """An archive of 120 pages; returns url -> its versions' fields (oldest first)."""
    rnd = random.Random(20261201)
    db = archive.open_db(path)
    run_id = archive.start_run(db, "test", "full", 1, "test", {})
    versions: dict[str, list[dict]] = {}
    kinds = ["document"] * 6 + ["other", "attachment", "list"]
    for i in range(120):
        kind = rnd.choice(kinds)
        url = f"{BASE}p{i}.html"
        fields = page_fields(rnd, kind)
        save(db, run_id, url, kind, fields)
        versions[url] = [dict(fields, kind=kind)]
        if rnd.random() < 0.25:  # a later edit
            edited = dict(fields, body_text=text(rnd, rnd.randint(0, 300)))
            save(db, run_id, url, kind, edited, "2026-11-02T00:00:00Z")
            versions[url].append(dict(edited, kind=kind))
    archive.finish_run(db, run_id, {}, "ok", 0)
    db.close()
    return versions


def holds(fields: dict, term: str) -> bool:
    if any(term in nows_lower(fields.get(name) or "") for name in SEARCHED):
        return True
    return any(term in nows_lower(item) for item in fields.get("breadcrumb") or [])


def expected(versions: dict[str, list[dict]], terms: list[str]) -> set[str]:
    folded = [nows_lower(t) for t in terms]
    return {
        url
        for url, history in versions.items()
        if history[-1]["kind"] != "list" and all(holds(history[-1], t) for t in folded)
    }


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    path = tmp_path_factory.mktemp("search") / "gen.db"
    versions = build(path)
    db = archive.open_db(path, readonly=True)
    yield path, db, versions
    db.close()


def found(db, query: str, **filters) -> set[str]:
    total, rows = search.search(db, parse_query(query), search.Filters(**filters), limit=10_000)
    assert total == len(rows)
    return {row["url"] for row in rows}


def substrings(versions: dict[str, list[dict]]) -> list[str]:
    return [
        value
        for history in versions.values()
        for fields in history
        for value in [*(fields.get(n) or "" for n in SEARCHED), *fields["breadcrumb"]]
        if value.strip()
    ]


@settings(
    max_examples=1000,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_every_query_finds_exactly_the_pages_whose_text_contains_it(generated, data):
    _, db, versions = generated
    sources = substrings(versions)
    terms = []
    for _ in range(data.draw(st.integers(1, 3), label="terms")):
        if data.draw(st.booleans(), label="from the texts"):
            value = nows_lower(data.draw(st.sampled_from(sources)))
            length = data.draw(st.integers(1, min(20, len(value))))
            start = data.draw(st.integers(0, len(value) - length))
            term = value[start : start + length]
            # Case and spacing as a user might type them; neither may change the answer.
            if data.draw(st.booleans(), label="upper"):
                term = term.upper() if term.isascii() else term
        else:
            term = data.draw(
                st.text(alphabet=CJK + LATIN + DIGITS + "〔〕《%_*", min_size=1, max_size=20)
            )
        # A typed quote pairs with the next one (a phrase); the literal quote is tested apart.
        term = term.replace('"', "")
        if term:
            terms.append(term)
    if not terms:
        return
    query = " ".join(terms)
    want = expected(versions, terms)
    assert found(db, query) == want, query
    # The filtered path (a plain join, not the index-only default) gives the same answer.
    assert found(db, query, kinds=("document", "other", "attachment")) == want, query


def test_the_property_test_finds_hits_and_misses(generated):
    """Guard: the generated archive makes both kinds of answer common (a test of nothing
    would pass the property test too)."""
    _, db, versions = generated
    assert len(found(db, "公")) > 50
    assert 0 < len(found(db, "公开")) < len(found(db, "公"))
    assert found(db, "公开信息年报政府县区预算决算") == set()


def test_single_characters_punctuation_and_wildcards_are_literal(generated):
    _, db, versions = generated
    for query in ["%", "_", "*", '"', "〔", "-", ":", "^", "(", "a", "X", "2"]:
        assert found(db, query) == expected(versions, [query]), query
    everything = {u for u, h in versions.items() if h[-1]["kind"] != "list"}
    assert found(db, "%") != everything


def test_whitespace_in_the_text_and_latin_case_do_not_matter(tmp_path):
    db = archive.open_db(tmp_path / "a.db")
    run_id = archive.start_run(db, "test", "full", 1, "test", {})
    fields = page_fields(random.Random(1), "document")
    fields.update(
        title="关于2016年度报告",
        body_text="一、总体情况\n国办发\u3000〔2019〕 12号 已经\n公\n开。\nABC Report",
        source="县政府",
    )
    save(db, run_id, BASE + "a.html", "document", fields)
    full_width = dict(fields, title="全角", body_text="ＡＢＣ　２０１９", source=None, doc_no=None)
    save(db, run_id, BASE + "b.html", "document", full_width)
    assert found(db, "国办发〔2019〕12号") == {BASE + "a.html"}
    assert found(db, "公开") == {BASE + "a.html"}
    assert found(db, "abc report") == {BASE + "a.html"}
    assert found(db, '"abc report"') == {BASE + "a.html"}
    assert found(db, "2016 年报") == set()  # 年报 is not in the text
    assert found(db, "2016 年度") == {BASE + "a.html"}
    assert found(db, "ＡＢＣ") == {BASE + "b.html"}  # full-width is not folded to ASCII
    assert found(db, "ABC") == {BASE + "a.html"}
    assert found(db, "２０１９") == {BASE + "b.html"}


def test_titles_rank_first_and_snippets_mark_every_hit(tmp_path):
    db = archive.open_db(tmp_path / "a.db")
    run_id = archive.start_run(db, "test", "full", 1, "test", {})
    base = page_fields(random.Random(2), "document")
    base.update(source=None, doc_no=None, breadcrumb=[])
    # b's body names 预算 many times; a's title names it once: a still ranks first.
    save(db, run_id, BASE + "a.html", "document", dict(base, title="预算公开", body_text="无关的"))
    save(db, run_id, BASE + "b.html", "document",
         dict(base, title="通知", body_text="预算" * 30 + "说明"))  # fmt: skip
    save(db, run_id, BASE + "c.html", "document",
         dict(base, title="通知二", body_text="一段很长的开头文字。" * 5 + "本年预算执行"))  # fmt: skip
    total, rows = search.search(db, parse_query("预算"), limit=2)
    assert total == 3
    assert [r["url"] for r in rows] == [BASE + "a.html", BASE + "b.html"]
    assert rows[0]["score"] is not None and rows[0]["score"] < 0  # bm25: lower is better
    total, rows = search.search(db, parse_query("预算"), limit=10)
    assert rows[2]["url"] == BASE + "c.html"
    assert "本年[预算]执行" in rows[2]["snippet"]
    assert rows[2]["snippet"].startswith("…")
    assert rows[0]["snippet"] == "[预算]公开"  # no hit in the body: the title's
    # One character: no score, newest published first within the title group.
    _, rows = search.search(db, parse_query("预"))
    assert [r["score"] for r in rows] == [None, None, None]


def test_snippet_marks_whole_hits_across_line_breaks():
    query = parse_query("公开 ab")
    assert snippet(["信息公\n开了，AB和ab"], query) == "信息[公 开]了，[AB]和[ab]"
    html = snippet(["<b>公开</b>"], query, marks=("<mark>", "</mark>"), escape=True)
    assert html == "&lt;b&gt;<mark>公开</mark>&lt;/b&gt;"


def test_parse_query_terms_and_errors():
    assert parse_query('"年度 报告"  公开').terms == ("年度报告", "公开")
    assert parse_query("“年度 报告”").terms == ("年度报告",)
    assert parse_query("Abc abc").terms == ("abc",)
    with pytest.raises(QueryError):
        parse_query("   ")
    with pytest.raises(QueryError):
        parse_query('""')
    with pytest.raises(QueryError, match="too many"):
        parse_query(" ".join(f"t{i}" for i in range(500)))


def test_gone_finds_text_removed_by_an_edit_and_nothing_else(tmp_path):
    path = tmp_path / "a.db"
    db = archive.open_db(path)
    run_id = archive.start_run(db, "test", "full", 1, "test", {})
    base = page_fields(random.Random(3), "document")
    base.update(title="预算说明", source=None, doc_no=None, breadcrumb=[])
    save(
        db,
        run_id,
        BASE + "edited.html",
        "document",
        dict(base, body_text="今年投入专项资金三百万元。"),
    )
    save(db, run_id, BASE + "kept.html", "document", dict(base, body_text="专项资金保持不变。"))
    save(db, run_id, BASE + "edited.html", "document",
         dict(base, body_text="今年投入资金。"), "2026-11-02T00:00:00Z")  # fmt: skip
    _, gone = search.search_gone(db, parse_query("专项资金"))
    assert [(r["url"], r["version"], r["gone_in"]) for r in gone] == [(BASE + "edited.html", 1, 2)]
    assert "[专项资金]" in gone[0]["snippet"]
    assert search.search_gone(db, parse_query("投入"))[1] == []  # still there in v2
    # The index followed the new version with no rebuild: the latest search no longer finds it.
    assert found(db, "专项资金") == {BASE + "kept.html"}
    assert found(db, "专项资金", all_versions=True) == {BASE + "edited.html", BASE + "kept.html"}
    before = (found(db, "专项资金"), search.search_gone(db, parse_query("专项资金")))
    db.close()
    assert run_cli("reindex", "--db", str(path)).returncode == 0
    db = archive.open_db(path, readonly=True)
    assert (found(db, "专项资金"), search.search_gone(db, parse_query("专项资金"))) == before


def test_reindex_rebuilds_a_damaged_index(generated, tmp_path):
    path, _, versions = generated
    copy = tmp_path / "copy.db"
    with sqlite3.connect(path) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    with sqlite3.connect(copy) as con:
        for table in ("search_index", "search_titles", "search_history"):
            con.execute(f"INSERT INTO {table}({table}) VALUES ('delete-all')")
    db = archive.open_db(copy, readonly=True)
    assert found(db, "公") == set()
    db.close()
    result = run_cli("reindex", "--search", "--db", str(copy))
    assert result.returncode == 0 and result.stdout == "" and result.stderr == ""
    db = archive.open_db(copy, readonly=True)
    assert found(db, "公开") == expected(versions, ["公开"])


def test_an_archive_with_the_old_trigram_index_is_upgraded(tmp_path):
    path = tmp_path / "old.db"
    db = archive.open_db(path)
    run_id = archive.start_run(db, "test", "full", 1, "test", {})
    fields = page_fields(random.Random(4), "document")
    fields.update(title="县政府信息公开年报")
    save(db, run_id, BASE + "old.html", "document", fields)
    # Make it look like 0.1.0 wrote it: the trigram index, no m007.
    for table in ("search_index", "search_titles", "search_history", "search_format"):
        db.execute(f"DROP TABLE {table}")
    db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm007_search_index'")
    db.table("versions").enable_fts(
        ["title", "body_text"], tokenize="trigram", create_triggers=True
    )
    db.conn.commit()
    db.close()
    upgraded = archive.open_db(path)
    assert "versions_fts" not in upgraded.table_names()
    assert not [t for t in upgraded.execute("SELECT name FROM sqlite_master WHERE type='trigger'")]
    assert found(upgraded, "年报") == {BASE + "old.html"}


# -- the CLI -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_archive(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "a.db"
    db = archive.open_db(path)
    run_id = archive.start_run(db, "test", "full", 1, "test", {})
    base = page_fields(random.Random(5), "document")
    base.update(doc_no=None, breadcrumb=["首页", "政府信息公开年报"])
    save(db, run_id, BASE + "r2016.html", "document",
         dict(base, title="2016年度报告", date="2017-03-01", source="县统计局",
              body_text="本年度公开信息100条。"))  # fmt: skip
    save(db, run_id, BASE + "r2020.html", "document",
         dict(base, title="2020年度报告", date="2021-03-01", source="县财政局",
              body_text="本年度公开信息200条。"))  # fmt: skip
    save(db, run_id, BASE + "list.html", "list",
         dict(base, title="年报列表", body_text="2016年度报告\n2020年度报告"))  # fmt: skip
    save(db, run_id, BASE + "f.pdf", "attachment",
         dict(base, title="附件 年度报告.pdf", source=None, breadcrumb=[], body_text="附表"))  # fmt: skip
    archive.finish_run(db, run_id, {}, "ok", 0)
    db.close()
    return path


def cli_json(path: Path, *args: str) -> tuple[int, list[dict]]:
    result = run_cli("search", *args, "--db", str(path), "--json")
    return result.returncode, json.loads(result.stdout)


def test_cli_search_fields_filters_and_json_shape(small_archive):
    code, rows = cli_json(small_archive, "年报")  # only in the breadcrumb (column)
    assert code == 0
    assert {r["url"] for r in rows} == {BASE + "r2016.html", BASE + "r2020.html"}
    assert set(rows[0]) == {
        "url", "kind", "title", "date", "source", "version", "score", "snippet", "removed_at"
    }  # fmt: skip
    assert {r["url"] for r in cli_json(small_archive, '"年度 报告"')[1]} == {
        BASE + "r2016.html", BASE + "r2020.html", BASE + "f.pdf"
    }  # fmt: skip
    assert {r["url"] for r in cli_json(small_archive, "年度报告", "--kind", "attachment")[1]} == {
        BASE + "f.pdf"
    }
    assert [r["url"] for r in cli_json(small_archive, "年度", "--source", "财政")[1]] == [
        BASE + "r2020.html"
    ]
    assert cli_json(small_archive, "附表", "--column", "年报") == (1, [])
    since = cli_json(small_archive, "年度", "--since", "2020", "--until", "2021-12")[1]
    assert [r["url"] for r in since] == [BASE + "r2020.html"]


def test_cli_search_text_output_counts_and_marks(small_archive):
    result = run_cli("search", "公开信息", "--db", str(small_archive), "--limit", "1")
    lines = result.stdout.splitlines()
    assert result.returncode == 0
    assert lines[0] == "2 matches (best 1 shown)"
    assert "本年度[公开信息]" in result.stdout


def test_cli_search_bad_input_is_a_usage_error_and_no_match_exits_1(small_archive):
    for args in (["   "], ['""'], ["年报", "--kind", "list"], ["年报", "--since", "20xx"]):
        result = run_cli("search", *args, "--db", str(small_archive))
        assert result.returncode == 2, args
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    code, rows = cli_json(small_archive, "没有这样的内容")
    assert (code, rows) == (1, [])
    many = " ".join(f"t{i}" for i in range(90))
    assert cli_json(small_archive, many) == (1, [])
    result = run_cli("search", " ".join(f"t{i}" for i in range(1000)), "--db", str(small_archive))
    assert (
        result.returncode == 2 and "too many" in result.stderr and "Traceback" not in result.stderr
    )


def test_the_default_and_the_filtered_search_rank_alike(generated):
    _, db, _ = generated
    every_kind = search.Filters(kinds=("document", "other", "attachment"))
    for text in ("公开", "公", "信息 年", "2019", "局", "的"):
        query = parse_query(text)
        fast = search.search(db, query, limit=15)
        joined = search.search(db, query, every_kind, limit=15)
        assert fast[0] == joined[0], text
        assert [r["url"] for r in fast[1]] == [r["url"] for r in joined[1]], text


def test_an_index_made_another_way_is_made_again_on_open(generated, tmp_path):
    path, _, versions = generated
    copy = tmp_path / "copy.db"
    with sqlite3.connect(path) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    with sqlite3.connect(copy) as con:
        con.execute("UPDATE search_format SET format = 'trigram/0'")
        for table in ("search_index", "search_titles", "search_history"):
            con.execute(f"INSERT INTO {table}({table}) VALUES ('delete-all')")
    db = archive.open_db(copy, readonly=True)  # a read-only open upgrades first, as migrations do
    assert found(db, "公开") == expected(versions, ["公开"])
