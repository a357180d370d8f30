"""End to end for every CMS family: `scraper probe` on the family's replica names the platform
and writes a starter profile; `scraper crawl --profile` with it archives every document
with its fields; a second run adds nothing; churn gives exactly the right versions and
removals. The real CLI in subprocesses, the replica over HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlite_utils

from scraper.replica import ReplicaServer
from scraper.replica.flavours import FLAVOURS, flavour

from .conftest import run_cli

WS = re.compile(r"[\s\u3000\u00a0\u200b\ufeff]+")
FIELDS = ("title", "date", "source", "index_no", "doc_no")


def nows(text: str | None) -> str:
    return WS.sub("", text or "")


@pytest.fixture(params=sorted(FLAVOURS))
def family(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, Any]]:
    site = flavour(request.param)
    with ReplicaServer(site) as server:
        profile = tmp_path / "site.toml"
        probe = run_cli(
            "probe", server.base_url + site.start_path, "--delay", "0", "--json", "-o", str(profile)
        )
        assert probe.returncode == 0, probe.stderr
        yield {
            "name": request.param,
            "site": site,
            "server": server,
            "probe": json.loads(probe.stdout),
            "profile": profile,
            "db": tmp_path / "archive.db",
        }


def crawl(family: dict[str, Any], full: bool = True) -> Any:
    args = ["crawl", "--profile", str(family["profile"]), "--db", str(family["db"])]
    args += ["--delay", "0", "--retries", "1", "--retry-wait", "0"]
    return run_cli(*args, *(["--full"] if full else []))


def export(db: Path) -> dict[str, dict[str, Any]]:
    result = run_cli("export", "--db", str(db), "--kind", "document")
    assert result.returncode == 0, result.stderr
    return {urlsplit(r["url"]).path: r for r in map(json.loads, result.stdout.splitlines())}


def versions_by_path(db: Path) -> dict[str, int]:
    rows = sqlite_utils.Database(db).query(
        "SELECT p.url, count(v.id) AS n FROM pages p LEFT JOIN versions v ON v.page_id = p.id "
        "WHERE p.kind = 'document' GROUP BY p.id"
    )
    return {urlsplit(r["url"]).path: r["n"] for r in rows}


def test_probe_names_the_family_and_samples_a_document(family: dict[str, Any]) -> None:
    found, site = family["probe"], family["site"]
    assert found["platform"] == family["name"]
    assert found["list_url"] and found["document_url"]
    sample_path = urlsplit(found["document_url"]).path
    expected = site.expected_documents()[sample_path]
    assert {k: found["sample"][k] for k in FIELDS} == {k: expected[k] for k in FIELDS}
    assert "name = " in found["profile"] and family["profile"].read_text() == found["profile"]


def test_the_starter_profile_crawls_every_document_with_its_fields(family: dict[str, Any]) -> None:
    result = crawl(family)
    assert result.returncode == 0, result.stderr
    docs, site, base = export(family["db"]), family["site"], family["server"].base_url
    expected = site.expected_documents()
    assert set(docs) == set(expected)
    for path, want in expected.items():
        got = docs[path]
        assert {k: got[k] for k in FIELDS} == {k: want[k] for k in FIELDS}, path
        body = nows(got["body_text"])
        assert body.startswith(want["body_first"]), path
        ends = [want["body_last"], *want.get("alternatives", {}).get("body_last", [])]
        assert any(body.endswith(end) for end in ends), path
        assert sorted(urlsplit(a["url"]).path + ("?" + urlsplit(a["url"]).query if urlsplit(a["url"]).query else "")
                      for a in got["attachments"]) == sorted(a["path"] for a in want["attachments"]), path  # fmt: skip
    files = run_cli("export", "--db", str(family["db"]), "--kind", "attachment")
    stored = {urlsplit(json.loads(line)["url"]).path for line in files.stdout.splitlines()}
    assert {urlsplit(base + p).path for p in site.attachment_paths()} <= stored


def test_an_unchanged_family_site_gives_no_new_versions(family: dict[str, Any]) -> None:
    assert crawl(family).returncode == 0
    before = sqlite_utils.Database(family["db"])["versions"].count
    family["site"].bump_counters()
    assert crawl(family).returncode == 0
    assert sqlite_utils.Database(family["db"])["versions"].count == before


def test_churn_gives_exactly_the_right_versions_and_removals(family: dict[str, Any]) -> None:
    site, db = family["site"], family["db"]
    assert crawl(family).returncode == 0
    before = versions_by_path(db)
    paths = sorted(site.expected_documents())
    edited, retitled, deleted = paths[0], paths[1], paths[2]
    site.edit_body(edited)
    site.retitle(retitled, "更正后的标题：关于调整办事时间的通知")
    site.delete(deleted)
    added = site.add_documents(site.columns()[0], 2)
    site.change_footer()
    site.bump_counters()

    result = crawl(family)
    assert result.returncode == 0, result.stderr
    after = versions_by_path(db)
    assert {p for p in before if after[p] != before[p]} == {edited, retitled}
    assert after[edited] == 2 and after[retitled] == 2
    assert {p for p in after if p not in before} == set(added)
    docs = export(db)
    assert docs[retitled]["title"] == "更正后的标题：关于调整办事时间的通知"
    assert docs[deleted]["removed_at"] is not None and docs[deleted]["versions"] == 1
    assert set(docs) == set(site.expected_documents()) | {deleted}


def test_an_incremental_run_finds_new_documents_through_the_family_pager(
    family: dict[str, Any],
) -> None:
    site = family["site"]
    assert crawl(family).returncode == 0
    added = site.add_documents(site.columns()[0], 3)
    assert crawl(family, full=False).returncode == 0
    assert set(added) <= set(export(family["db"]))
