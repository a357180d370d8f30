"""The digest of what a run found: events ranked by significance, each with the change it
made (no SQL, no click; the events come from :func:`scraper.archive.changes`, and
:func:`run_digest` and :func:`changes_digest` pick them for ``scraper changes`` and
``notify``).

Ranks, most significant first (:data:`SIGNIFICANCE`): documents removed, then files removed;
documents whose 文号, title or date changed; other edits of documents, by the share of their
text changed; new documents; pages that returned; attachment files replaced, then new files;
list pages (a column gained or lost an entry). Ties break by time, then URL. ``rank`` is the
position in that order, 1 for the most significant.

An excerpt shows one change of the body: every changed paragraph whole (``- `` removed,
``+ `` added, ``~ `` changed a little and marked inside as ``[-…-]{+…+}``, see
:mod:`scraper.textdiff`), with up to ``lines`` unchanged paragraphs on each side. So that the
excerpt stays centred on the changed characters, a context paragraph is cut to the
:data:`WINDOW` characters nearest the change, as is the unchanged text inside a paragraph
changed a little; the changed characters themselves are never cut.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Any

from scraper import archive
from scraper.errors import ConfigError
from scraper.fields import SIGNIFICANT_FIELDS
from scraper.textdiff import Paragraph, align_paragraphs, field_changes, field_text

SIGNIFICANCE = (
    "document removed",
    "file removed",
    "文号, title or date changed",
    "document edited",
    "new document",
    "returned",
    "file replaced",
    "new file",
    "list changed",
)
WINDOW = 40  # characters of unchanged text kept on each side of a change
PUBLIC = (
    "rank", "event", "kind", "url", "at", "title", "date", "source", "doc_no", "version",
    "changed", "detail", "fields", "share", "excerpts", "size", "sha256", "last_seen",
)  # fmt: skip
_KEY_FIELDS = SIGNIFICANT_FIELDS  # 文号, title, date


def significance(event: dict[str, Any]) -> int:
    """The event's group in :data:`SIGNIFICANCE` (0 the most significant)."""
    kind, what = event["kind"], event["event"]
    file = kind == "attachment"
    if kind == "list":
        return 8
    if what == "removed":
        return 1 if file else 0
    if what == "returned":
        return 5
    if what == "new":
        return 7 if file else 4
    if file:
        return 6
    return 2 if _KEY_FIELDS & set(event["changed"]) else 3


def changed_share(old: str, new: str) -> float:
    """The share of the text changed, 0 to 1: characters removed and added over the
    characters of both sides (paragraphs aligned first, as ``scraper diff`` does)."""
    changed = total = 0
    for step in align_paragraphs(old, new):
        before, after = step.before or "", step.after or ""
        total += len(before) + len(after)
        if step.op == "replace":
            matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
            same = sum(block.size for block in matcher.get_matching_blocks())
            changed += len(before) + len(after) - 2 * same
        elif step.op != "equal":
            changed += len(before) + len(after)
    return changed / total if total else 0.0


def _tail(text: str) -> str:
    return text if len(text) <= WINDOW else "…" + text[-WINDOW:]


def _head(text: str) -> str:
    return text if len(text) <= WINDOW else text[:WINDOW] + "…"


def _middle(text: str) -> str:
    return text if len(text) <= 2 * WINDOW else text[:WINDOW] + "…" + text[-WINDOW:]


def marked(old: str, new: str) -> str:
    """A paragraph changed a little, its changes marked ``[-…-]{+…+}`` whole and the
    unchanged text between them cut to :data:`WINDOW` characters next to each change."""
    opcodes = difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    out = []
    for k, (op, a1, a2, b1, b2) in enumerate(opcodes):
        if op == "equal":
            text = old[a1:a2]
            first, last = k == 0, k == len(opcodes) - 1
            out.append(
                text
                if first and last
                else _tail(text)
                if first
                else _head(text)
                if last
                else _middle(text)
            )
            continue
        if a2 > a1:
            out.append(f"[-{old[a1:a2]}-]")
        if b2 > b1:
            out.append(f"{{+{new[b1:b2]}+}}")
    return "".join(out)


def _line(step: Paragraph, where: str) -> str:
    if step.op == "delete":
        return f"- {step.before}"
    if step.op == "insert":
        return f"+ {step.after}"
    if step.op == "replace":
        return "~ " + marked(step.before or "", step.after or "")
    text = step.before or ""
    cut = _tail if where == "before" else _head if where == "after" else _middle
    return f"  {cut(text)}"


def excerpts(old: str, new: str, lines: int = 3) -> list[str]:
    """The changes between two body texts, one excerpt (lines joined by newlines) per run of
    changes whose ``lines`` paragraphs of context meet."""
    steps = align_paragraphs(old, new)
    changed = [k for k, step in enumerate(steps) if step.op != "equal"]
    hunks: list[list[int]] = []
    for k in changed:
        low, high = max(0, k - lines), min(len(steps) - 1, k + lines)
        if hunks and low <= hunks[-1][1] + 1:
            hunks[-1][1] = high
        else:
            hunks.append([low, high])
    out = []
    for low, high in hunks:
        inside = [k for k in changed if low <= k <= high]
        first, last = inside[0], inside[-1]
        out.append(
            "\n".join(
                _line(steps[k], "before" if k < first else "after" if k > last else "between")
                for k in range(low, high + 1)
            )
        )
    return out


def item(event: dict[str, Any], lines: int = 3) -> dict[str, Any]:
    """An event of :func:`scraper.archive.changes` with the change it made: ``fields`` (the
    changed metadata, name → [before, after]), ``share`` and ``excerpts`` (the body), ``size``
    and ``sha256`` ([before, after], for files) or ``last_seen`` (for a removal)."""
    out = {key: event.get(key) for key in PUBLIC if key in event}
    out |= {"fields": {}, "share": None, "excerpts": []}
    before, after = event.get("before") or {}, event.get("after") or {}
    if event["kind"] == "attachment" and event["event"] in ("new", "changed"):
        out["size"] = [before.get("raw_size"), after.get("raw_size")]
        out["sha256"] = [before.get("content_hash"), after.get("content_hash")]
    elif event["event"] == "changed":
        names = [name for name in event["changed"] if name != "body_text"]
        out["fields"] = field_changes(before, after, names)
        if "body_text" in event["changed"]:
            old, new = before.get("body_text") or "", after.get("body_text") or ""
            out["share"] = round(changed_share(old, new), 4)
            out["excerpts"] = excerpts(old, new, lines)
    if event["event"] == "removed":
        out["last_seen"] = event.get("last_seen")
    out["_version_id"] = after.get("id")
    return out


def ranked(events: Iterable[dict[str, Any]], lines: int = 3) -> list[dict[str, Any]]:
    """The digest items in significance order, each with its ``rank`` (1, 2, …)."""
    items = [(significance(e), item(e, lines)) for e in events]
    items.sort(
        key=lambda pair: (
            pair[0],
            -(pair[1]["share"] or 0.0) if pair[0] == 3 else 0.0,
            pair[1]["at"],
            pair[1]["url"],
            pair[1]["event"],
        )
    )
    for rank, (_, entry) in enumerate(items, 1):
        entry["rank"] = rank
    return [entry for _, entry in items]


def public(entry: dict[str, Any]) -> dict[str, Any]:
    """A digest item as ``changes --json`` prints it: today's fields (``event``, ``kind``,
    ``url``, ``at``, ``version``, ``changed``…) with ``rank`` first and the excerpts. Every
    object has every key; one that does not apply to the event is null."""
    return {key: entry.get(key) for key in PUBLIC}


def label(entry: dict[str, Any]) -> str:
    """``new``, ``changed (v2: title, body_text)``, ``removed`` or ``returned``."""
    if entry["event"] == "changed":
        return f"changed (v{entry['version']}: {', '.join(entry['changed'])})"
    return str(entry["event"])


def _share_text(share: float) -> str:
    return "less than 1%" if 0 < share < 0.005 else f"{share:.0%}"


def details(entry: dict[str, Any]) -> list[str]:
    """What the event changed, as lines of text (no indentation)."""
    what = entry["event"]
    if what == "removed":
        answer = f" ({entry['detail']})" if entry.get("detail") else ""
        return [
            f"last seen OK at {entry.get('last_seen') or 'unknown'}, "
            f"gone (confirmed) at {entry['at']}{answer}"
        ]
    if what == "returned":
        return [
            f"answering again at {entry['at']}"
            + (f" ({entry['detail']})" if entry.get("detail") else "")
        ]
    if "size" in entry:
        (old_size, new_size), (old_hash, new_hash) = entry["size"], entry["sha256"]
        if what == "new":
            return [f"size: {new_size} bytes", f"sha256: {new_hash}"]
        return [f"size: {old_size} → {new_size} bytes", f"sha256: {old_hash} → {new_hash}"]
    lines = [
        f"{name}: {field_text(b)} → {field_text(a)}" for name, (b, a) in entry["fields"].items()
    ]
    if entry["share"] is not None:
        lines.append(f"body_text: {_share_text(entry['share'])} of the text changed")
        for k, excerpt in enumerate(entry["excerpts"]):
            if k:
                lines.append("…")
            lines.extend(excerpt.splitlines())
    if what == "new" and entry["kind"] != "list":
        meta = [
            f"来源 {entry['source']}" if entry.get("source") else "",
            f"文号 {entry['doc_no']}" if entry.get("doc_no") else "",
        ]
        if any(meta):
            lines.append("  ".join(m for m in meta if m))
    return lines


def tally(entries: Sequence[dict[str, Any]]) -> str:
    """``1 new, 3 changed, 2 removed, 0 returned``."""
    names = ("new", "changed", "removed", "returned")
    return ", ".join(f"{sum(e['event'] == name for e in entries)} {name}" for name in names)


def text(entries: Sequence[dict[str, Any]], indent: str = "      ") -> list[str]:
    """The ranked digest as ``scraper changes`` prints it, two lines per event and its
    details below."""
    out = []
    for entry in entries:
        out.append(
            f"{entry['rank']:>3}. {entry['at']}  {entry['kind']:<10} {entry['date'] or '----------'}  "
            f"{entry['title'] or '(no title)'}"
        )
        out.append(f"{indent}{label(entry)}: {entry['url']}")
        out.extend(f"{indent}{line}" for line in details(entry))
    return out


# -- the events of a digest ----------------------------------------------------------------

DEFAULT_KINDS = ("document", "attachment")


def selected_kinds(kinds: Sequence[str]) -> tuple[str, ...]:
    """The ``--kind`` options of a digest: none given is the default, ``all`` is every kind
    (an empty tuple)."""
    return () if "all" in kinds else (tuple(kinds) or DEFAULT_KINDS)


def run_digest(
    db: Any, run_id: int | None, kinds: tuple[str, ...], lines: int, until: str | None = None
) -> tuple[str, list[dict[str, Any]], bool]:
    """(header, ranked items, running) of the latest run's digest (or run ``run_id``'s), with
    the interrupted or partial runs it finished; up to ``until`` if given."""
    run_ids, running = archive.digest_runs(db, run_id)
    if not run_ids:
        if run_id is not None:
            raise ConfigError(f"the archive has no run {run_id}")
        raise ConfigError("the archive has no runs yet; give --since")
    started = archive.run_started(db, run_ids[0])
    runs = f"run {run_ids[-1]}" if len(run_ids) == 1 else f"runs {run_ids[0]}–{run_ids[-1]}"
    items = ranked(archive.changes(db, None, until, kinds, run_ids=run_ids), lines)
    header = f"{runs.capitalize()} (since {started})" + (f" until {until}" if until else "")
    return header, items, running


def changes_digest(
    db: Any, since: str | None, until: str | None, kinds: tuple[str, ...], lines: int
) -> tuple[str, list[dict[str, Any]], bool]:
    """``scraper changes``: the latest run's digest (:func:`run_digest`), or, from ``since``,
    every event between the two times. (header, ranked items, whether a run is going)."""
    if since is None and until is None:
        return run_digest(db, None, kinds, lines, None)
    if since is None:
        header = f"Until {until}"
        return header, ranked(archive.changes(db, "0000", until, kinds), lines), False
    header = f"Since {since}" + (f" until {until}" if until else "")
    return header, ranked(archive.changes(db, since, until, kinds), lines), False
