"""Annual reports as data in the archive: readings of report pages, their figures and checks.

A *reading* (a row of ``reports``) is what the parser (:func:`scraper.reports.read_report`)
made of one state of a report page: one version of the page with the versions of the
attachment files it linked, as they stood at the end of one run. A page gets a new reading
when its version changes or a file it links gets a new version (a PDF replaced under the same
address), so ``report_changes`` shows figures changed after publication either way. Each
reading holds its cells (``report_figures``) and checks (``report_checks``); ``current`` marks
the newest reading of each page's current version.

Two ways in, one replay:

- :func:`derive_reports`, when a run ends: the report pages with a new version, or linking
  a file with a new version, in the runs not yet read (``report_runs``: the run itself, and
  any killed run before it). In three phases, so that the crawl parses in a reading worker,
  away from the event loop other sites share: :func:`plan_reports` and
  :meth:`ReportPlan.inputs` gather (SQL), :func:`scraper.reports.parse_report` parses (pure),
  :func:`save_reports` saves (SQL);
- :func:`reindex_reports` (``scraper reindex --figures``): every reading made again, run by
  run, so an improved parser revisits history. An archive written before m009 gets its
  figures this way.

The state of a page "at the end of run r" is its latest version saved in run r or before and,
for each file that version links, the file's latest version saved in run r or before; both
paths compute it with :func:`_state`, so a reindex gives what the write path gave.

Cross-year: when a unit's reports for Y and Y+1 both have a current reading, the
``carryover:<column>`` checks (Y's 结转下年度 = Y+1's 上年结转) are stored on Y+1's reading.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database

from scraper.archive.db import utcnow, writing
from scraper.codec import decompress

if TYPE_CHECKING:
    from scraper.reports.parse import ReportInput, ReportParse

logger = logging.getLogger(__name__)

REPORT_KINDS = ("document", "other")  # a report page may be classified either way
CARRYOVER = "carryover:"


def _reader() -> Any:
    """The parser, :mod:`scraper.reports` (pure: no database), imported when first needed:
    ``read_report``, ``ReportFile`` and ``PARSER_VERSION``."""
    import scraper.reports

    return scraper.reports


@dataclass(frozen=True)
class _File:
    url: str
    version_id: int
    sha256: str
    fetched_at: str


@dataclass(frozen=True)
class _State:
    """One report page at the end of one run: its version and the file versions it links."""

    page_id: int
    version: dict[str, Any]
    files: tuple[_File, ...]

    def key(self) -> tuple[int, tuple[int, ...]]:
        return self.version["id"], tuple(f.version_id for f in self.files)


# --- the state of a page --------------------------------------------------------------------


def _latest_version(db: Database, page_id: int, run_id: int) -> dict[str, Any] | None:
    rows = list(
        db.query(
            "SELECT id, page_id, number, run_id, fetched_at, kind, title, date, source, "
            "body_text, attachments, encoding FROM versions "
            "WHERE page_id = ? AND run_id <= ? ORDER BY number DESC LIMIT 1",
            [page_id, run_id],
        )
    )
    return rows[0] if rows else None


def _file_page(db: Database, url: str) -> int | None:
    """The archived file a link names: its own address, its first address or an alias."""
    row = db.execute(
        "SELECT id FROM pages WHERE kind = 'attachment' AND (url = ? OR first_url = ? "
        "OR url IN (SELECT page_url FROM aliases WHERE url = ?)) ORDER BY url = ? DESC LIMIT 1",
        [url, url, url, url],
    ).fetchone()
    return int(row[0]) if row else None


def _state(db: Database, page_id: int, run_id: int) -> _State | None:
    """The page at the end of ``run_id``, or None when it was no report then (the title is
    tested before any file is looked up)."""
    version = _latest_version(db, page_id, run_id)
    if version is None or version["kind"] not in REPORT_KINDS:
        return None
    if not _looks_like_report(version["title"], version["body_text"]):
        return None
    files: list[_File] = []
    seen: set[int] = set()
    for item in json.loads(version["attachments"] or "[]"):
        file_page = _file_page(db, item.get("url") or "")
        if file_page is None or file_page in seen:
            continue
        seen.add(file_page)
        row = db.execute(
            "SELECT v.id, v.content_hash, v.fetched_at, p.url FROM versions v "
            "JOIN pages p ON p.id = v.page_id WHERE v.page_id = ? AND v.run_id <= ? "
            "ORDER BY v.number DESC LIMIT 1",
            [file_page, run_id],
        ).fetchone()
        if row is not None:
            files.append(_File(row[3], int(row[0]), row[1], row[2]))
    return _State(page_id, version, tuple(files))


def _looks_like_report(title: str | None, body_text: str | None) -> bool:
    """Cheap first test, before the page's bytes are read: the parser's recognition."""
    from scraper.reports import recognise

    title = title or ""
    if recognise(title) is not None:
        return True
    loose = "报告" in title or "年报" in title
    return loose and recognise(title, body_text or "") is not None


def _html(db: Database, version_id: int, encoding: str | None) -> str:
    row = db.execute("SELECT raw FROM versions WHERE id = ?", [version_id]).fetchone()
    blobs = [row[0]] if row and row[0] is not None else []
    blobs += [
        part[0]
        for part in db.execute(
            "SELECT raw FROM version_parts WHERE version_id = ? ORDER BY part", [version_id]
        )
    ]
    codec = (encoding or "utf-8").lower()
    if codec in ("gb2312", "gbk"):
        codec = "gb18030"
    texts = []
    for blob in blobs:
        raw = decompress(blob)
        try:
            texts.append(raw.decode(codec, "replace"))
        except LookupError:
            texts.append(raw.decode("utf-8", "replace"))
    return "\n".join(texts)


def _file_inputs(db: Database, files: Iterable[_File]) -> list[Any]:
    report = _reader()
    found = []
    for item in files:
        row = db.execute(
            "SELECT raw, content_type FROM versions WHERE id = ?", [item.version_id]
        ).fetchone()
        if row is not None and row[0] is not None:
            found.append(report.ReportFile(item.url, row[1], decompress(row[0])))
    return found


# --- readings -------------------------------------------------------------------------------


def _last_reading(db: Database, page_id: int) -> dict[str, Any] | None:
    rows = list(
        db.query(
            "SELECT id, version_id, files, parser_version FROM reports WHERE page_id = ? "
            "ORDER BY id DESC LIMIT 1",
            [page_id],
        )
    )
    return rows[0] if rows else None


def _reading_key(reading: dict[str, Any]) -> tuple[int, tuple[int, ...]]:
    files = json.loads(reading["files"] or "[]")
    return reading["version_id"], tuple(int(f["version_id"]) for f in files)


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _not_current(db: Database, page_id: int) -> None:
    db.execute("UPDATE reports SET current = 0 WHERE page_id = ? AND current = 1", [page_id])


@dataclass(frozen=True)
class _Step:
    """What one page needs at the end of a run, as the gathering phase found it: ``state``
    None, no longer a report (not current); ``again``, its last reading, made current again;
    ``read``, the input to parse; none of these, nothing (its bytes could not be read)."""

    page_id: int
    state: _State | None
    again: int | None = None
    read: ReportInput | None = None


def _page_step(db: Database, page_id: int, run_id: int) -> _Step:
    """Phase 1 for one page (reads only): the page as it stood at the end of ``run_id``,
    and the parser's input when that state differs from its last reading's."""
    state = _state(db, page_id, run_id)
    if state is None:
        return _Step(page_id, None)
    last = _last_reading(db, page_id)
    if last is not None and _reading_key(last) == state.key():
        # Read already (by this parser, or by an older one: `reindex --figures` reads every
        # state again, so two parsers' readings are never compared as a change).
        return _Step(page_id, state, again=int(last["id"]))
    version = state.version
    try:
        html, files = _html(db, version["id"], version["encoding"]), _file_inputs(db, state.files)
    except sqlite3.Error:
        raise
    except Exception:  # a damaged stored blob must not end the run or the reindex
        logger.exception("could not read the report of version %s", version["id"])
        return _Step(page_id, state)
    item = _reader().ReportInput(
        page_id, version["id"], version["title"] or "", version["body_text"], html, files,
        version["source"],
    )  # fmt: skip
    return _Step(page_id, state, read=item)


def _save_step(
    db: Database, step: _Step, run_id: int, parsed: ReportParse | None
) -> tuple[str, int] | None:
    """Phase 3 for one page: what its step and the parser's answer say. Returns the
    (unit, year) of a new reading, else None."""
    if step.state is None:
        _not_current(db, step.page_id)
        return None
    if step.again is not None:
        db.execute("UPDATE reports SET current = 1 WHERE id = ? AND current = 0", [step.again])
        return None
    if parsed is None:
        return None
    if parsed.error is not None:
        logger.error(
            "could not read the report of version %s\n%s",
            step.state.version["id"],
            parsed.error.rstrip(),
        )
        return None
    if parsed.reading is None:
        _not_current(db, step.page_id)
        return None
    _save_reading(db, step.state, run_id, parsed.reading, _reader().PARSER_VERSION)
    return parsed.reading.unit, parsed.reading.year


def _derive_page(db: Database, page_id: int, run_id: int) -> tuple[str, int] | None:
    """A new reading of the page as it stood at the end of ``run_id``, when its state differs
    from its last reading's: the three phases for one page, in this process. Returns the
    (unit, year) of a new reading, else None."""
    step = _page_step(db, page_id, run_id)
    parsed = _reader().parse_report(step.read) if step.read is not None else None
    return _save_step(db, step, run_id, parsed)


def _save_reading(
    db: Database, state: _State, run_id: int, reading: Any, parser_version: str
) -> int:
    version = state.version
    seen_at = max([version["fetched_at"], *(f.fetched_at for f in state.files)])
    files = [{"url": f.url, "version_id": f.version_id, "sha256": f.sha256} for f in state.files]
    _not_current(db, state.page_id)
    report_id = int(
        db.execute(
            "INSERT INTO reports (version_id, page_id, run_id, unit, year, format, "
            "parser_version, files, problems, seen_at, derived_at, current) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
            [
                version["id"],
                state.page_id,
                run_id,
                reading.unit,
                reading.year,
                reading.format,
                parser_version,
                json.dumps(files, ensure_ascii=False),
                json.dumps(reading.problems, ensure_ascii=False),
                seen_at,
                utcnow(),
            ],
        ).lastrowid
        or 0
    )
    db.conn.executemany(
        'INSERT INTO report_figures (report_id, version_id, unit, year, format, "table", '
        '"row", "column", "group", value, source, locator) '
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                report_id,
                version["id"],
                reading.unit,
                reading.year,
                reading.format,
                cell.table,
                cell.row,
                cell.column,
                cell.group,
                _number(cell.value),
                cell.source,
                cell.locator,
            )
            for cell in reading.cells
        ],
    )
    _save_checks(db, report_id, version["id"], reading.checks)
    return report_id


def _save_checks(db: Database, report_id: int, version_id: int, checks: Iterable[Any]) -> None:
    db.conn.executemany(
        'INSERT INTO report_checks (report_id, version_id, "check", expression, "left", '
        '"right", delta, result) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        [
            (
                report_id,
                version_id,
                c.check,
                c.expression,
                _number(c.left),
                _number(c.right),
                _number(c.delta),
                c.result,
            )
            for c in checks
        ],
    )


# --- across years ---------------------------------------------------------------------------


def _current_reading(db: Database, unit: str, year: int) -> dict[str, Any] | None:
    rows = list(
        db.query(
            "SELECT id, version_id, year FROM reports WHERE unit = ? AND year = ? "
            "AND current = 1 ORDER BY id DESC LIMIT 1",
            [unit, year],
        )
    )
    return rows[0] if rows else None


def _cells(db: Database, report_id: int) -> list[Any]:
    from scraper.reports import Cell

    return [
        Cell(
            row["table"],
            row["row"],
            row["column"],
            None if row["value"] is None else Decimal(str(row["value"])),
            row["group"],
            "",
            row["source"],
            row["locator"],
        )
        for row in db.query(
            'SELECT "table", "row", "column", "group", value, source, locator '
            "FROM report_figures WHERE report_id = ?",
            [report_id],
        )
    ]


def _carryover(db: Database, touched: Iterable[tuple[str, int]]) -> None:
    """The cross-year checks of every later year a touched (unit, year) takes part in."""
    from scraper.reports import cross_year_checks

    later_years = {(unit, y) for unit, year in touched if unit for y in (year, year + 1)}
    for unit, year in sorted(later_years):
        later = _current_reading(db, unit, year)
        if later is None:
            continue
        db.execute(
            'DELETE FROM report_checks WHERE report_id = ? AND substr("check", 1, ?) = ?',
            [later["id"], len(CARRYOVER), CARRYOVER],
        )
        earlier = _current_reading(db, unit, year - 1)
        if earlier is None:
            continue
        checks = cross_year_checks(
            _cells(db, earlier["id"]), _cells(db, later["id"]), year - 1, year
        )
        _save_checks(db, later["id"], later["version_id"], checks)


# --- the two ways in ------------------------------------------------------------------------


def _candidate_pages(db: Database, run_ids: list[int]) -> list[int]:
    """Pages that may hold a report and changed in these runs: a new version, or a new
    version of a file one of their versions links."""
    marks = ", ".join("?" * len(run_ids))
    kinds = ", ".join("?" * len(REPORT_KINDS))
    pages = {
        int(row[0])
        for row in db.execute(
            f"SELECT DISTINCT page_id FROM versions WHERE run_id IN ({marks}) "
            f"AND kind IN ({kinds})",
            [*run_ids, *REPORT_KINDS],
        )
    }
    files = (
        "SELECT f.url, f.first_url FROM versions fv JOIN pages f ON f.id = fv.page_id "
        f"WHERE f.kind = 'attachment' AND fv.run_id IN ({marks})"
    )
    pages |= {
        int(row[0])
        for row in db.execute(
            f"WITH files AS ({files}) SELECT DISTINCT a.page_id FROM attachments a "
            "WHERE a.url IN (SELECT url FROM files UNION SELECT first_url FROM files "
            "UNION SELECT s.url FROM aliases s WHERE s.page_url IN (SELECT url FROM files))",
            run_ids,
        )
    }
    return sorted(pages)


def save_report_levels(db: Database, levels: dict[str, str]) -> None:
    """A profile's ``report_levels`` (unit → government|department), which the
    ``report_timeliness`` view prefers to the level a unit's name suggests."""
    if not levels:
        return
    with writing(db):
        db.conn.executemany(
            "INSERT OR REPLACE INTO report_levels (unit, level) VALUES (?, ?)",
            sorted(levels.items()),
        )


@dataclass
class ReportPlan:
    """The end-of-run derivation of run ``run_id``, gathered page by page
    (:meth:`inputs`), parsed by the caller (:func:`scraper.reports.parse_report`, anywhere) and saved by
    :func:`save_reports`. ``runs``: the runs not read yet, up to ``run_id``; ``pages``: the
    pages changed in them."""

    run_id: int
    runs: list[int]
    pages: list[int]
    steps: list[_Step] = field(default_factory=list)

    def inputs(self, db: Database) -> Iterator[ReportInput]:
        """Phase 1, reads only, one page at a time (only one page's file bytes are held):
        the parser's input of each page to read. What every page needs is kept for
        :func:`save_reports`, without the bytes."""
        for page_id in self.pages:
            step = _page_step(db, page_id, self.run_id)
            self.steps.append(replace(step, read=None) if step.read is not None else step)
            if step.read is not None:
                yield step.read


def plan_reports(db: Database, run_id: int) -> ReportPlan | None:
    """Phase 1's start when run ``run_id`` ends: None when every run up to it was read."""
    runs = [
        int(row[0])
        for row in db.execute(
            "SELECT id FROM runs WHERE id <= ? AND id NOT IN "
            "(SELECT run_id FROM report_runs) ORDER BY id",
            [run_id],
        )
    ]
    if not runs:
        return None
    return ReportPlan(run_id, runs, _candidate_pages(db, runs))


def save_reports(db: Database, plan: ReportPlan, parsed: dict[int, ReportParse]) -> int:
    """Phase 3: the readings (``parsed``: page id -> the parser's answer), the carryover
    checks and ``report_runs``. Returns the number of new readings."""
    with writing(db):
        touched = [
            found
            for step in plan.steps
            if (found := _save_step(db, step, plan.run_id, parsed.get(step.page_id))) is not None
        ]
        _carryover(db, touched)
        now = utcnow()
        db.conn.executemany(
            "INSERT OR REPLACE INTO report_runs (run_id, derived_at) VALUES (?, ?)",
            [(run, now) for run in plan.runs],
        )
        return len(touched)


def derive_reports(db: Database, run_id: int) -> int:
    """The write path, when run ``run_id`` ends: readings for the report pages changed in
    the runs not read yet, up to this one, the three phases in this process. Returns the
    number of new readings."""
    with writing(db):
        plan = plan_reports(db, run_id)
        if plan is None:
            return 0
        parsed = {item.page_id: _reader().parse_report(item) for item in plan.inputs(db)}
        return save_reports(db, plan, parsed)


def reindex_reports(db: Database) -> int:
    """``scraper reindex --figures``: every reading made again from the stored versions,
    in one transaction (the older derivations are replaced). Returns the readings made."""
    with writing(db):
        db.execute("DELETE FROM report_checks")
        db.execute("DELETE FROM report_figures")
        db.execute("DELETE FROM reports")
        runs = [int(row[0]) for row in db.execute("SELECT id FROM runs ORDER BY id")]
        made: list[tuple[str, int]] = []
        if runs:
            for page_id, page_runs in _replay_plan(db):
                for run in page_runs:
                    if (found := _derive_page(db, page_id, run)) is not None:
                        made.append(found)
            _carryover(db, set(made))
        now = utcnow()
        db.conn.executemany(
            "INSERT OR REPLACE INTO report_runs (run_id, derived_at) VALUES (?, ?)",
            [(run, now) for run in runs],
        )
        return len(made)


def _replay_plan(db: Database) -> list[tuple[int, list[int]]]:
    """Each page that may hold a report, with the runs in which it or a file it links got a
    version, oldest first."""
    kinds = ", ".join("?" * len(REPORT_KINDS))
    plan: list[tuple[int, list[int]]] = []
    pages = db.execute(
        f"SELECT id FROM pages WHERE kind IN ({kinds}) ORDER BY id", list(REPORT_KINDS)
    ).fetchall()
    for (page_id,) in pages:
        titles = db.execute(
            "SELECT title, CASE WHEN instr(title, '报告') OR instr(title, '年报') "
            "THEN body_text END FROM versions WHERE page_id = ?",
            [page_id],
        ).fetchall()
        if not any(_looks_like_report(title, body) for title, body in titles):
            continue
        plan.append((int(page_id), _page_runs(db, int(page_id))))
    return plan


def _page_runs(db: Database, page_id: int) -> list[int]:
    """The runs in which the page or a file it links got a version, oldest first."""
    runs = {
        int(row[0])
        for row in db.execute(
            "WITH links AS (SELECT url FROM attachments WHERE page_id = ?), "
            "files AS (SELECT id FROM pages WHERE kind = 'attachment' AND (url IN links "
            "OR first_url IN links OR url IN (SELECT page_url FROM aliases "
            "WHERE url IN links))) "
            "SELECT run_id FROM versions WHERE page_id = ? "
            "UNION SELECT run_id FROM versions WHERE page_id IN files",
            [page_id, page_id],
        )
        if row[0] is not None
    }
    return sorted(runs)


# --- reading them back ----------------------------------------------------------------------


def figure_records(
    db: Database, *, unit: str | None = None, year: int | None = None, table: str | None = None
) -> list[dict[str, Any]]:
    """``scraper figures``: the cells of each report's current reading, in the order the
    report prints them. ``unit``: text the unit's name contains."""
    where: list[str] = ["r.current = 1"]
    params: list[Any] = []
    if unit:
        where.append("instr(r.unit, ?) > 0")
        params.append(unit)
    if year is not None:
        where.append("r.year = ?")
        params.append(year)
    if table:
        where.append('f."table" = ?')
        params.append(table)
    return list(
        db.query(
            'SELECT r.unit, r.year, r.format, f."table", f."row", f."column", f.value, '
            "p.url AS document, v.number AS version, f.source "
            "FROM reports r JOIN report_figures f ON f.report_id = r.id "
            "JOIN pages p ON p.id = r.page_id JOIN versions v ON v.id = r.version_id "
            f"WHERE {' AND '.join(where)} ORDER BY r.unit, r.year, r.id, f.id",
            params,
        )
    )


def report_records(db: Database) -> list[dict[str, Any]]:
    """``scraper reports``: each report page's current reading with its timeliness, the
    count of its checks by result, its failed checks and whether its figures changed."""
    found = []
    for row in db.query(
        "SELECT r.id, r.unit, r.year, r.format, p.url, v.number AS version, t.level, "
        "t.published, t.first_seen, t.deadline, t.status, t.days_late, r.problems, "
        "EXISTS (SELECT 1 FROM report_changes c WHERE c.url = p.url) AS changed "
        "FROM reports r JOIN pages p ON p.id = r.page_id JOIN versions v ON v.id = r.version_id "
        "LEFT JOIN report_timeliness t ON t.url = p.url AND t.version = v.number "
        "WHERE r.current = 1 ORDER BY r.unit, r.year, p.url"
    ):
        counts = dict(
            db.execute(
                "SELECT result, count(*) FROM report_checks WHERE report_id = ? GROUP BY result",
                [row["id"]],
            ).fetchall()
        )
        failed = list(
            db.query(
                'SELECT "check", expression, "left", "right", delta FROM report_checks '
                "WHERE report_id = ? AND result = 'FAIL' ORDER BY id",
                [row["id"]],
            )
        )
        record = {key: row[key] for key in row if key not in ("id", "problems", "changed")}
        record.update(
            checks_passed=counts.get("PASS", 0),
            checks_failed=counts.get("FAIL", 0),
            checks_not_assessable=counts.get("NOT_ASSESSABLE", 0),
            changed_after_publication=bool(row["changed"]),
            failed_checks=failed,
            problems=json.loads(row["problems"] or "[]"),
        )
        found.append(record)
    return found


def has_readings(db: Database) -> bool:
    return db.execute("SELECT EXISTS (SELECT 1 FROM reports)").fetchone()[0] == 1
