"""Many sites in one run (issue 14): a sites file of twelve replica sites on distinct ports,
shards run as separate processes, busy and unwritable archives, hostile servers, and the
selection of bundled profiles. Everything through the real CLI and real servers."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from scraper.cli import cli
from scraper.replica import ReplicaServer, ReplicaSite
from tests.conftest import ROOT, run_cli

FAST = ["--delay", "0", "--retries", "1", "--retry-wait", "0"]


def name_of(base_url: str) -> str:
    """The ad-hoc name of a start URL BASE/xxgk/, by the documented rule (host, port, path)."""
    host, port = base_url.removeprefix("http://").split(":")
    return f"{host.replace('.', '-')}-{port}-xxgk"


class Sites:
    """Twelve replica sites, unlike one another: some with generated documents, some
    changed. Every fourth is named by a profile file, the rest by start URL."""

    def __init__(self, folder: Path) -> None:
        self.servers: list[ReplicaServer[ReplicaSite]] = []
        self.names: list[str] = []
        lines = ["# twelve replica sites", ""]
        for i in range(12):
            site = ReplicaSite(extra_docs_per_column=i % 3, per_page=5)
            if i % 2:
                site.edit_body(site.documents_in(site.columns()[0])[0], f"第{i}号站点的正文")
            server = ReplicaServer(site).__enter__()
            self.servers.append(server)
            start = f"{server.base_url}/xxgk/"
            if i % 4 == 0:
                name = f"profiled-{i}"
                (folder / f"{name}.toml").write_text(
                    f'name = "{name}"\nstart_urls = ["{start}"]\n', encoding="utf-8"
                )
                lines.append(f"{name}.toml   # a profile beside the sites file")
            else:
                name = name_of(server.base_url)
                lines.append(start)
            self.names.append(name)
        self.file = folder / "sites.txt"
        self.file.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def alone_args(self, i: int, db: Path) -> list[str]:
        """`scraper crawl` of site ``i`` alone, the single-site way."""
        if i % 4 == 0:
            where = ["--profile", str(self.file.parent / f"{self.names[i]}.toml")]
        else:
            where = ["--start-url", f"{self.servers[i].base_url}/xxgk/"]
        return ["crawl", *where, "--db", str(db), *FAST]

    def close(self) -> None:
        for server in self.servers:
            server.__exit__(None, None, None)


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sites]:
    found = Sites(tmp_path_factory.mktemp("sites"))
    yield found
    found.close()


def cli_process(*args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPER_")}
    return subprocess.Popen(
        [sys.executable, "-m", "scraper", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def export(db: Path, site: str | None = None) -> list[dict[str, Any]]:
    """Every page of every kind, as `scraper export` gives it, the fetch times left out and
    ``site`` checked (when given) and left out; ordered by URL."""
    # `scraper export` in this process (CliRunner): some sixty exports, a subprocess each
    # would double the module's time
    result = CliRunner().invoke(cli, ["export", "--db", str(db), "--kind", "all"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows
    for row in rows:
        if site is not None:
            assert row["site"] == site, row["url"]
        for key in ("first_seen", "last_seen", "site"):
            row.pop(key)
    return sorted(rows, key=lambda r: r["url"])


@pytest.fixture(scope="module")
def alone(sites: Sites, tmp_path_factory: pytest.TempPathFactory) -> list[list[dict[str, Any]]]:
    """Each site crawled alone, the single-site way (four processes at a time)."""
    folder = tmp_path_factory.mktemp("alone")
    dbs = [folder / f"{i}.db" for i in range(12)]
    for start in range(0, 12, 4):
        procs = [cli_process(*sites.alone_args(i, dbs[i])) for i in range(start, start + 4)]
        for proc in procs:
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err
    # --start-url alone names the site "custom"; a profile names it itself
    return [export(db, sites.names[i] if i % 4 == 0 else "custom") for i, db in enumerate(dbs)]


@pytest.fixture(scope="module")
def together(sites: Sites, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    data = tmp_path_factory.mktemp("together") / "data"
    result = run_cli("crawl", "--sites-file", str(sites.file), "--data-dir", str(data), *FAST)
    return data, result


def test_one_run_of_twelve_sites_equals_each_site_alone(
    sites: Sites, alone: list[list[dict[str, Any]]], together: tuple[Path, Any]
) -> None:
    data, result = together
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""  # cron: a good run prints nothing
    assert sorted(p.name for p in data.glob("*.db")) == sorted(f"{n}.db" for n in sites.names)
    for i, name in enumerate(sites.names):
        assert export(data / f"{name}.db", name) == alone[i], name
    # the sites differ, so equal archives are not one archive twelve times
    assert len({json.dumps(rows, sort_keys=True) for rows in alone}) > 3


def test_a_second_run_resumes_nothing_and_prints_a_line_per_site_on_request(
    sites: Sites, together: tuple[Path, Any]
) -> None:
    data, _ = together
    result = run_cli(
        "crawl", "--sites-file", str(sites.file), "--data-dir", str(data), "--summary", *FAST
    )
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 13
    for name in sites.names:
        (line,) = [x for x in lines if x.startswith(f"scraper: {name}: ")]
        assert "0 new" in line and "0 errors" in line and line.endswith(f"{name}.db")
    assert lines[-1].startswith("scraper: 12 sites: 12 complete, 0 with failed URLs, 0 busy")


def test_three_shards_as_three_processes_give_the_single_run(
    sites: Sites, together: tuple[Path, Any], tmp_path: Path
) -> None:
    data, _ = together
    dirs = [tmp_path / f"shard{k}" for k in range(3)]
    procs = [
        cli_process(
            "crawl",
            "--sites-file",
            str(sites.file),
            "--data-dir",
            str(d),
            "--shard",
            f"{k}/3",
            *FAST,
        )  # fmt: skip
        for k, d in enumerate(dirs)
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    held = [{p.stem for p in d.glob("*.db")} for d in dirs]
    assert sum(len(h) for h in held) == 12 and set().union(*held) == set(sites.names)
    for k, names in enumerate(held):
        # the documented rule: sha256 of the UTF-8 name, as a big-endian number, mod N
        for name in names:
            assert int(hashlib.sha256(name.encode()).hexdigest(), 16) % 3 == k
            assert export(dirs[k] / f"{name}.db", name) == export(data / f"{name}.db", name)


def test_shard_from_the_environment_and_dry_listing(sites: Sites, tmp_path: Path) -> None:
    expected = {n for n in sites.names if int(hashlib.sha256(n.encode()).hexdigest(), 16) % 4 == 1}
    result = run_cli(
        "crawl", "--sites-file", str(sites.file), "--data-dir", str(tmp_path), "--dry-run",
        env={"SCRAPER_SHARD": "1/4"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert {r[0] for r in rows} == expected
    assert all(r[1] == str(tmp_path / f"{r[0]}.db") for r in rows)
    assert not list(tmp_path.iterdir())  # nothing fetched, nothing written


@pytest.mark.parametrize("shard", ["3/3", "1/0", "a/3", "-1/3", "1"])
def test_a_bad_shard_is_a_usage_error(sites: Sites, shard: str) -> None:
    result = run_cli("crawl", "--sites-file", str(sites.file), "--shard", shard, "--dry-run")
    assert result.returncode == 2
    assert (
        result.stderr.startswith("scraper: --shard must be K/N")
        and "Traceback" not in result.stderr
    )


def test_an_empty_shard_says_so_and_succeeds(tmp_path: Path) -> None:
    # one site in 50 shards: 49 of them hold nothing
    name = "hongsibu"
    empty = next(
        k for k in range(50) if int(hashlib.sha256(name.encode()).hexdigest(), 16) % 50 != k
    )
    result = run_cli("crawl", "--site", name, "--shard", f"{empty}/50", "--data-dir", str(tmp_path))
    assert result.returncode == 0
    assert result.stderr.strip() == f"scraper: shard {empty}/50 holds none of the 1 sites"
    assert not list(tmp_path.iterdir())


def test_all_sites_picks_every_bundled_profile(tmp_path: Path) -> None:
    listed = run_cli("sites")
    bundled = {line.split()[0] for line in listed.stdout.splitlines()}
    assert bundled
    result = run_cli("crawl", "--all-sites", "--data-dir", str(tmp_path), "--dry-run")
    assert result.returncode == 0, result.stderr
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert {r[0] for r in rows} == bundled
    assert all(r[1] == str(tmp_path / f"{r[0]}.db") for r in rows)


def test_duplicate_and_unsafe_names_are_refused(sites: Sites, tmp_path: Path) -> None:
    doubled = tmp_path / "doubled.txt"
    start = f"{sites.servers[1].base_url}/xxgk/"
    doubled.write_text(f"{start}\n# again\n{start}\n", encoding="utf-8")
    result = run_cli("crawl", "--sites-file", str(doubled), "--dry-run")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"scraper: site {name_of(sites.servers[1].base_url)} is named twice: "
        f"{doubled} line 1 and {doubled} line 3"
    )
    bad = tmp_path / "bad.toml"
    bad.write_text(f'name = "../escape"\nstart_urls = ["{start}"]\n', encoding="utf-8")
    result = run_cli("crawl", "--profile", str(bad), "--site", "hongsibu", "--dry-run")
    assert result.returncode == 2
    assert "cannot be a file name" in result.stderr and "../escape" in result.stderr
    result = run_cli("crawl", "--sites-file", str(sites.file), "--start-url", start)
    assert result.returncode == 2 and "--start-url and --scope are for one site" in result.stderr
    result = run_cli("crawl", "--sites-file", str(sites.file), "--max-sites", "0", "--dry-run")
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == 'scraper: --max-sites: max_sites must be a whole number ≥ 1, got "0"'
    )
    missing = tmp_path / "missing.txt"
    result = run_cli("crawl", "--sites-file", str(missing))
    assert result.returncode == 2 and result.stderr.startswith(
        f"scraper: cannot read sites file {missing}"
    )
    unknown = tmp_path / "unknown.txt"
    unknown.write_text("hongsibu\nnowhere\n", encoding="utf-8")
    result = run_cli("crawl", "--sites-file", str(unknown), "--dry-run")
    assert result.returncode == 2
    assert result.stderr.startswith(f"scraper: {unknown} line 2: unknown site 'nowhere'")


def hold_lock(db: Path) -> int:
    """Hold the archive's lock as another run would (flock, with a pid in it)."""
    db.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(f"{db}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    os.ftruncate(fd, 0)
    os.pwrite(fd, b"4242", 0)
    return fd


def three_sites_file(sites: Sites, folder: Path, extra: tuple[str, ...] = ()) -> Path:
    path = folder / "three.txt"
    urls = [f"{s.base_url}/xxgk/" for s in sites.servers[1:4]]
    path.write_text("\n".join([*urls, *extra]) + "\n", encoding="utf-8")
    return path


def test_a_busy_archive_skips_that_site_only(sites: Sites, tmp_path: Path) -> None:
    file = three_sites_file(sites, tmp_path)
    data = tmp_path / "data"
    busy = sites.names[2]
    fd = hold_lock(data / f"{busy}.db")
    try:
        result = run_cli("crawl", "--sites-file", str(file), "--data-dir", str(data), *FAST)
    finally:
        os.close(fd)
    assert result.returncode == 1
    (skipped,) = result.stderr.splitlines()  # one line, the busy site's; the others print nothing
    assert skipped.startswith(f"scraper: {busy}: skipped: another run (pid 4242) is writing")
    assert not (data / f"{busy}.db").exists()
    for name in (sites.names[1], sites.names[3]):
        assert export(data / f"{name}.db", name)
    # every site busy: 3
    fds = [hold_lock(data / f"{n}.db") for n in sites.names[1:4]]
    try:
        result = run_cli("crawl", "--sites-file", str(file), "--data-dir", str(data), *FAST)
    finally:
        for fd in fds:
            os.close(fd)
    assert result.returncode == 3
    lines = result.stderr.splitlines()
    assert len(lines) == 3 and all(": skipped: another run (pid 4242)" in x for x in lines)


def test_an_unwritable_archive_fails_that_site_only_with_exit_4(
    sites: Sites, tmp_path: Path
) -> None:
    file = three_sites_file(sites, tmp_path)
    data = tmp_path / "data"
    broken = sites.names[3]
    (data / f"{broken}.db").mkdir(parents=True)  # a folder where the archive should be
    result = run_cli("crawl", "--sites-file", str(file), "--data-dir", str(data), *FAST)
    assert result.returncode == 4
    (line,) = [x for x in result.stderr.splitlines() if x.startswith(f"scraper: {broken}: ")]
    assert "cannot open archive" in line
    for name in sites.names[1:3]:
        assert export(data / f"{name}.db", name)


def test_several_sites_into_one_archive_keep_their_site(
    sites: Sites, together: tuple[Path, Any], tmp_path: Path
) -> None:
    data, _ = together
    file = three_sites_file(sites, tmp_path)
    combined = tmp_path / "all.db"
    result = run_cli("crawl", "--sites-file", str(file), "--db", str(combined), *FAST)
    assert result.returncode == 0, result.stderr
    result = run_cli("export", "--db", str(combined), "--kind", "all")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    for name in sites.names[1:4]:
        mine = sorted(
            ({k: v for k, v in r.items() if k not in ("first_seen", "last_seen", "site")}
             for r in rows if r["site"] == name),
            key=lambda r: r["url"],
        )  # fmt: skip
        assert mine == export(data / f"{name}.db", name)
    assert {r["site"] for r in rows} == set(sites.names[1:4])
    # one lock for the one archive: busy means every site is
    fd = hold_lock(combined)
    try:
        result = run_cli("crawl", "--sites-file", str(file), "--db", str(combined), *FAST)
    finally:
        os.close(fd)
    assert result.returncode == 3
    (line,) = result.stderr.splitlines()
    assert line.startswith("scraper: skipped all 3 sites: another run (pid 4242) is writing")


# -- hostile servers (s1's, from tests/test_hostile.py) ---------------------------------------


def test_hostile_sites_fail_alone_while_the_others_finish(sites: Sites, tmp_path: Path) -> None:
    """A server that resets every connection, one that drips a byte every half second
    (never idle for the 1 s --timeout: only the 2 s --deadline ends it) and one that answers
    a gzip bomb (a gigabyte of zeros): each ends as failed URLs of its own site, the others
    finish complete."""
    from tests.test_hostile import RawServer, bomb_server, drip, gzip_bomb, reset

    resetting, dripping, bombing = (
        RawServer(reset),
        RawServer(drip),
        bomb_server(gzip_bomb(1 << 30)),
    )
    hostile = (resetting, dripping, bombing)
    try:
        file = three_sites_file(sites, tmp_path, tuple(f"{s.base_url}/xxgk/" for s in hostile))
        data = tmp_path / "data"
        started = time.monotonic()
        result = run_cli(
            "crawl", "--sites-file", str(file), "--data-dir", str(data), "--timeout", "1",
            "--deadline", "2", "--max-bytes", "2000000", *FAST,
        )  # fmt: skip
        took = time.monotonic() - started
    finally:
        for server in hostile:
            server.close()
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    lines = [x for x in result.stderr.splitlines() if x.startswith("scraper: ")]
    by_name = {line.split(":")[1].strip(): line for line in lines if "sites:" not in line}
    # under cron only the sites that did not complete have a line: the hostile three
    assert set(by_name) == {name_of(s.base_url) for s in hostile}
    for server in hostile:
        line = by_name[name_of(server.base_url)]
        assert "0 pages checked" in line and " 0 errors" not in line, line
    assert lines[-1].startswith("scraper: 6 sites: 3 complete, 3 with failed URLs, 0 busy")
    for i in (1, 2, 3):
        assert export(data / f"{sites.names[i]}.db", sites.names[i])
    assert took < 60, "a hostile site held up the run"


def test_the_shared_reading_pool_serves_quick_tasks_past_a_slow_one() -> None:
    """Every site's pages wait in one queue of two workers: a slow read (here a sleep)
    holds one worker, and the others' reads go on through the other."""
    import asyncio
    import operator

    from scraper.workers import WorkerPool

    async def scenario() -> tuple[list[int], float, float]:
        pool = WorkerPool(2, "")
        try:
            await asyncio.gather(pool.run(operator.add, 0, 0), pool.run(operator.add, 0, 0))
            slow = asyncio.ensure_future(pool.run(time.sleep, 3))
            await asyncio.sleep(0.2)  # the slow one is at a worker
            started = time.monotonic()
            quick = await asyncio.gather(*(pool.run(operator.add, i, 1) for i in range(40)))
            quick_took = time.monotonic() - started
            await slow
            return quick, quick_took, time.monotonic() - started
        finally:
            pool.close()

    quick, quick_took, slow_took = asyncio.run(asyncio.wait_for(scenario(), 60))
    assert quick == [i + 1 for i in range(40)]
    assert quick_took < slow_took  # forty quick reads ended before the slow one did


def done_in_frontier(db: Path) -> int:
    """URLs a running crawl has committed as done in its frontier (read beside it: WAL)."""
    import sqlite3

    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as con:
            return int(con.execute("SELECT count(*) FROM frontier WHERE done = 1").fetchone()[0])
    except sqlite3.Error:
        return 0  # not created yet


def test_a_killed_shard_resumes_alone(
    sites: Sites, together: tuple[Path, Any], tmp_path: Path
) -> None:
    data, _ = together
    shard_of = [int(hashlib.sha256(n.encode()).hexdigest(), 16) % 3 for n in sites.names]
    k = max(range(3), key=shard_of.count)  # the ports are random: take the fullest shard
    shard = ["--shard", f"{k}/3"]
    args = ["crawl", "--sites-file", str(sites.file), "--data-dir", str(tmp_path), *shard]
    slow = cli_process(*args, "--delay", "0.2", "--retries", "1", "--retry-wait", "0")
    deadline = time.monotonic() + 60
    while not any(done_in_frontier(db) for db in tmp_path.glob("*.db")):
        assert time.monotonic() < deadline and slow.poll() is None, "no progress committed"
        time.sleep(0.1)
    slow.kill()  # SIGKILL, mid-run (it takes 10 s a site at this delay): no clean-up at all
    slow.communicate()
    held = {p.stem for p in tmp_path.glob("*.db")}
    assert held, "the shard was killed before it wrote anything"
    result = run_cli(*args, "--summary", *FAST)
    assert result.returncode == 0, result.stderr
    assert "(resume)" in result.stderr  # it went on from the frontier the killed run left
    names = {p.stem for p in tmp_path.glob("*.db")}
    assert names == {n for n, s in zip(sites.names, shard_of, strict=True) if s == k}
    for name in names:
        assert export(tmp_path / f"{name}.db", name) == export(data / f"{name}.db", name)


def test_two_sites_on_one_origin_take_turns(tmp_path: Path) -> None:
    """The origin's delay holds across sites: two sites on one host and port never crawl at
    the same time (told apart here by their User-Agent)."""
    with ReplicaServer(ReplicaSite()) as server:
        for name, start in (("whole", "/xxgk/"), ("column", "/xxgk/tzgg/")):
            (tmp_path / f"{name}.toml").write_text(
                f'name = "{name}"\nstart_urls = ["{server.base_url}{start}"]\n'
                f'[fetch]\nuser_agent = "agent-{name}"\n',
                encoding="utf-8",
            )
        result = run_cli(
            "crawl", "--profile", str(tmp_path / "whole.toml"), "--profile",
            str(tmp_path / "column.toml"), "--data-dir", str(tmp_path / "data"), *FAST,
        )  # fmt: skip
        agents = [r.headers.get("User-Agent") for r in server.requests]
    assert result.returncode == 0, result.stderr
    assert set(agents) == {"agent-whole", "agent-column"}
    first = agents[0]
    turns = agents.index(next(a for a in agents if a != first))
    assert all(a == first for a in agents[:turns]) and all(a != first for a in agents[turns:])


def test_scraper_site_from_the_environment_is_a_default_only(tmp_path: Path) -> None:
    profile = tmp_path / "mine.toml"
    profile.write_text(
        'name = "mine"\nstart_urls = ["http://127.0.0.1:9/xxgk/"]\n', encoding="utf-8"
    )
    env = {"SCRAPER_SITE": "hongsibu"}
    result = run_cli(
        "crawl", "--profile", str(profile), "--db", str(tmp_path / "a.db"), "--dry-run", env=env
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"mine\t{tmp_path / 'a.db'}\thttp://127.0.0.1:9/xxgk/\n"
    # alone, it names the site; two names in it are two sites
    result = run_cli("crawl", "--dry-run", "--data-dir", str(tmp_path), env=env)
    assert result.stdout.split("\t")[:2] == ["hongsibu", "data/archive.db"]
    profile.with_name("two.toml").write_text(
        'name = "two"\nstart_urls = ["http://127.0.0.1:9/xxgk/"]\n', encoding="utf-8"
    )
    result = run_cli(
        "crawl", "--dry-run", "--data-dir", str(tmp_path), "--profile", str(profile),
        "--profile", str(profile.with_name("two.toml")),
    )  # fmt: skip
    assert [line.split("\t")[:2] for line in result.stdout.splitlines()] == [
        ["mine", str(tmp_path / "mine.db")],
        ["two", str(tmp_path / "two.db")],
    ]


def test_a_localhost_site_is_refused_alone_unless_private_addresses_are_allowed(
    sites: Sites, tmp_path: Path
) -> None:
    """A start URL naming `localhost` is refused before its archive is opened (one line),
    while a site given as an IP literal crawls; --allow-private crawls both."""
    local = sites.servers[1].base_url.replace("127.0.0.1", "localhost")
    literal = sites.names[2]
    file = tmp_path / "sites.txt"
    file.write_text(f"{local}/xxgk/\n{sites.servers[2].base_url}/xxgk/\n", encoding="utf-8")
    data = tmp_path / "data"
    refused = name_of(local)
    result = run_cli("crawl", "--sites-file", str(file), "--data-dir", str(data), *FAST)
    assert result.returncode == 1
    line, total = result.stderr.splitlines()  # under cron: the site that did not run, the total
    assert line == (
        f"scraper: {refused}: localhost resolves to 127.0.0.1, a loopback address: refused "
        "(allow it with --allow-private or allow_private = true in the profile)"
    )
    assert total.startswith("scraper: 2 sites: 1 complete, 0 with failed URLs, 0 busy, "
                            "0 not written, 1 refused;")  # fmt: skip
    assert sorted(p.name for p in data.glob("*.db")) == [f"{literal}.db"]
    assert export(data / f"{literal}.db", literal)
    result = run_cli(
        "crawl", "--sites-file", str(file), "--data-dir", str(data), "--allow-private", *FAST
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in data.glob("*.db")) == sorted([f"{literal}.db", f"{refused}.db"])


def test_a_host_name_that_is_not_a_name_fails_that_site_only(sites: Sites, tmp_path: Path) -> None:
    """`a..b` is no valid IDNA name: resolving it raises UnicodeError, not OSError. That site
    fails (one line, no traceback); the other site of the run completes."""
    good = sites.names[3]
    file = tmp_path / "sites.txt"
    file.write_text(f"http://a..b.gov.cn/xxgk/\n{sites.servers[3].base_url}/xxgk/\n", "utf-8")
    data = tmp_path / "data"
    result = run_cli("crawl", "--sites-file", str(file), "--data-dir", str(data), *FAST)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert export(data / f"{good}.db", good)
    assert result.stderr.splitlines()[-1].startswith("scraper: 2 sites: 1 complete, 1 with failed")


def test_one_origin_however_its_address_is_written() -> None:
    from scraper.crawl.sites import origin_of

    same = {origin_of(u) for u in ("http://Gov.CN/a/", "http://gov.cn:80/b/", "http://x@gov.cn./")}
    assert same == {"gov.cn:80"}
    assert origin_of("https://gov.cn/") != origin_of("http://gov.cn/")
    assert origin_of("http://gov.cn:8080/") != origin_of("http://gov.cn/")
