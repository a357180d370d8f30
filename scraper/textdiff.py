"""Readable diffs between two versions, no SQL and no click.

The body's paragraphs (its lines) are aligned first. A paragraph added, removed or rewritten
beyond recognition (difflib's similarity ratio, on characters, below ``SIMILAR``) is shown
whole, removed (``- ``) and added (``+ ``). Only a paragraph that changed a little is marked
inside, character by character, since Chinese has no spaces between words:
``~ 前文[-删去-]{+加上+}后文``. Unchanged paragraphs are elided but for ``context`` around
each change. Metadata fields are compared field by field, ``field: before → after``."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from scraper.fields import SHOWN_FIELDS

# The metadata fields compared by default, in the order shown (the body comes after them).
FIELDS = SHOWN_FIELDS  # the metadata compared field by field, before the body
SIMILAR = 0.5  # below this ratio a changed paragraph counts as rewritten beyond recognition
_PAIRING_LIMIT = 40_000  # old × new paragraphs of one changed run compared pairwise at most


def _paint(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color else text


def inline_diff(old: str, new: str, color: bool = False) -> str:
    """One line with deletions as [-…-] and insertions as {+…+}."""
    out = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            out.append(old[a1:a2])
            continue
        if a2 > a1:
            out.append(_paint(f"[-{old[a1:a2]}-]", "31", color))
        if b2 > b1:
            out.append(_paint(f"{{+{new[b1:b2]}+}}", "32", color))
    return "".join(out)


@dataclass(frozen=True)
class Paragraph:
    """One step of the alignment: ``equal`` and ``replace`` (changed a little) have both
    sides, ``insert`` only ``after``, ``delete`` only ``before``."""

    op: str
    before: str | None
    after: str | None

    def as_dict(self) -> dict[str, str | None]:
        return {"op": self.op, "before": self.before, "after": self.after}


def similarity(old: str, new: str) -> float:
    """difflib's ratio on characters: 1.0 for equal texts, 0.0 for nothing in common."""
    return difflib.SequenceMatcher(None, old, new, autojunk=False).ratio()


def align_paragraphs(old: str, new: str) -> list[Paragraph]:
    """The paragraphs (lines) of two texts aligned, in order. Unequal runs are paired up
    where paragraphs are similar (ratio ≥ ``SIMILAR``), which pairs keep the order and give
    the largest total ratio; the others are deletions and insertions."""
    before, after = old.splitlines(), new.splitlines()
    steps: list[Paragraph] = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            steps.extend(Paragraph("equal", line, line) for line in before[a1:a2])
        else:
            steps.extend(_pair(before[a1:a2], after[b1:b2]))
    return steps


def _pair(old: Sequence[str], new: Sequence[str]) -> list[Paragraph]:
    n, m = len(old), len(new)
    if not n or not m or n * m > _PAIRING_LIMIT:
        return [Paragraph("delete", t, None) for t in old] + [
            Paragraph("insert", None, t) for t in new
        ]
    ratio = [[_ratio_if_similar(a, b) for b in new] for a in old]
    # best[i][j]: the largest total ratio of order-keeping pairs among old[i:] and new[j:].
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            paired = ratio[i][j] + best[i + 1][j + 1] if ratio[i][j] else 0.0
            best[i][j] = max(best[i + 1][j], best[i][j + 1], paired)
    steps: list[Paragraph] = []
    deleted: list[Paragraph] = []
    inserted: list[Paragraph] = []
    i = j = 0
    while i < n and j < m:
        if ratio[i][j] and best[i][j] == ratio[i][j] + best[i + 1][j + 1]:
            steps += deleted + inserted
            deleted, inserted = [], []
            op = "equal" if old[i] == new[j] else "replace"
            steps.append(Paragraph(op, old[i], new[j]))
            i, j = i + 1, j + 1
        elif best[i + 1][j] >= best[i][j + 1]:
            deleted.append(Paragraph("delete", old[i], None))
            i += 1
        else:
            inserted.append(Paragraph("insert", None, new[j]))
            j += 1
    deleted += [Paragraph("delete", t, None) for t in old[i:]]
    inserted += [Paragraph("insert", None, t) for t in new[j:]]
    return steps + deleted + inserted


def _ratio_if_similar(old: str, new: str) -> float:
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    if matcher.real_quick_ratio() < SIMILAR or matcher.quick_ratio() < SIMILAR:
        return 0.0
    ratio = matcher.ratio()
    return ratio if ratio >= SIMILAR else 0.0


def paragraph_lines(steps: Sequence[Paragraph], context: int = 1, color: bool = False) -> list[str]:
    """The alignment as text: changes with ``context`` unchanged paragraphs around each,
    a ``…`` line for every run of paragraphs left out."""
    changed = [k for k, step in enumerate(steps) if step.op != "equal"]
    shown = {k for c in changed for k in range(c - context, c + context + 1)}
    lines: list[str] = []
    for k, step in enumerate(steps):
        if k not in shown:
            if not lines or lines[-1] != "…":
                lines.append("…")
        elif step.op == "equal":
            lines.append(f"  {step.before}")
        elif step.op == "delete":
            lines.append(_paint(f"- {step.before}", "31", color))
        elif step.op == "insert":
            lines.append(_paint(f"+ {step.after}", "32", color))
        else:
            lines.append("~ " + inline_diff(step.before or "", step.after or "", color))
    return lines


def field_changes(
    old: dict[str, Any], new: dict[str, Any], names: Iterable[str] = FIELDS
) -> dict[str, list[Any]]:
    """The fields whose values differ: name → [before, after]."""
    return {
        name: [old.get(name), new.get(name)] for name in names if old.get(name) != new.get(name)
    }


def _as_text(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "(none)"
    if isinstance(value, list):
        # A breadcrumb is a list of names; attachments a list of {"url", "text"}.
        joint = " > " if all(isinstance(item, str) for item in value) else "; "
        return joint.join(_item_text(item) for item in value)
    return str(value)


def field_text(value: Any) -> str:
    """A field's value as the diff shows it (``(none)``, a breadcrumb's names joined by
    ``>``, attachments as ``text <url>``); also used by the digest of ``scraper changes``."""
    return _as_text(value)


def _item_text(item: Any) -> str:
    if isinstance(item, dict) and "url" in item:
        text = item.get("text")
        return f"{text} <{item['url']}>" if text else str(item["url"])
    return str(item)


def diff_json(
    old: dict[str, Any], new: dict[str, Any], names: Iterable[str] = FIELDS
) -> dict[str, Any]:
    """``from``, ``to``, ``fields`` (the changed ones, name → [before, after]) and every
    paragraph step, equal ones included."""
    steps = align_paragraphs(old.get("body_text") or "", new.get("body_text") or "")
    return {
        "from": old["number"],
        "to": new["number"],
        "fields": field_changes(old, new, names),
        "paragraphs": [step.as_dict() for step in steps],
    }


def diff_versions(
    old: dict[str, Any],
    new: dict[str, Any],
    color: bool = False,
    context: int = 1,
    names: Iterable[str] = FIELDS,
) -> str:
    head = (
        f"version {old['number']} ({old['fetched_at']}) → "
        f"version {new['number']} ({new['fetched_at']})"
    )
    lines = [head]
    for name, (before, after) in field_changes(old, new, names).items():
        lines.append(f"{name}: {_as_text(before)} → {_as_text(after)}")
    steps = align_paragraphs(old.get("body_text") or "", new.get("body_text") or "")
    if any(step.op != "equal" for step in steps):
        lines.append("body_text:")
        lines.extend("  " + line for line in paragraph_lines(steps, context, color))
    if len(lines) == 1:
        lines.append("(no difference in the extracted fields)")
    return "\n".join(lines)
