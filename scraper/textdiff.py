"""Readable diffs between two versions. Chinese has no spaces between words, so changed
lines are compared character by character: ``[-删去-]{+加上+}`` inside the line."""

from __future__ import annotations

import difflib
import json
from typing import Any

SHOWN = ("title", "date", "source", "index_no", "doc_no", "breadcrumb", "attachments", "body_text")


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


def text_diff(old: str, new: str, color: bool = False, context: int = 1) -> list[str]:
    """Changed lines of a body, each shown once with its changes inline."""
    old_lines, new_lines = old.splitlines(), new.splitlines()
    lines: list[str] = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for group in matcher.get_grouped_opcodes(context):
        lines.append(_paint(f"@@ line {group[0][3] + 1} @@", "36", color))
        for op, a1, a2, b1, b2 in group:
            if op == "equal":
                lines.extend("  " + line for line in old_lines[a1:a2])
            elif op == "replace" and a2 - a1 == b2 - b1:
                lines.extend(
                    "~ " + inline_diff(o, n, color)
                    for o, n in zip(old_lines[a1:a2], new_lines[b1:b2], strict=True)
                )
            else:
                lines.extend(_paint("- " + line, "31", color) for line in old_lines[a1:a2])
                lines.extend(_paint("+ " + line, "32", color) for line in new_lines[b1:b2])
    return lines


def _as_text(value: Any) -> str:
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value)


def diff_versions(old: dict[str, Any], new: dict[str, Any], color: bool = False) -> str:
    head = f"version {old['number']} ({old['fetched_at']}) -> version {new['number']} ({new['fetched_at']})"
    lines = [head]
    for name in SHOWN:
        before, after = _as_text(old.get(name)), _as_text(new.get(name))
        if before == after:
            continue
        if name == "body_text":
            lines.append("body_text:")
            lines.extend("  " + line for line in text_diff(before, after, color))
        else:
            lines.append(f"{name}: {inline_diff(before, after, color)}")
    if len(lines) == 1:
        lines.append("(no difference in the extracted fields)")
    return "\n".join(lines)
