"""The text side of the search index: how fields become tokens and a query becomes an FTS5
match, and how a snippet marks the hits. Pure functions, no SQL (the index itself is in
:mod:`scraper.search`), so the crawler, the CLI and the Datasette plugin share one answer.

Matching is by substring, exact at every length, with SQLite's built-in ``ascii`` tokenizer
and nothing else:

- a field is *folded*: whitespace (spaces, line breaks, U+3000, zero-width characters) is
  dropped and ASCII letters are lower-cased; nothing else changes (full-width forms stay
  distinct from half-width ones);
- its folded text is indexed as overlapping bigrams (``公开信息`` → ``公开 开信 信息``), so a
  term of two or more characters is the phrase of its own bigrams, which matches exactly
  where the term occurs;
- one more column, ``chars``, holds each distinct character of the row once, for the
  one-character terms (bigrams cannot find them, and a position-free set is small).

Why ``ascii`` and not ``unicode61``: ``ascii`` keeps every non-ASCII character as part of a
token, so 〔, 《 and ， are searchable; ``unicode61`` drops punctuation as separators (and
folds diacritics), which would make ``国办发〔2019〕`` match ``国办发2019``. The ASCII
punctuation is listed in ``tokenchars`` for the same reason, so the only separator left is
the space between tokens.
"""

from __future__ import annotations

import html
import json
import re
import string
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from scraper.fields import SEARCHED_FIELDS

# Dropped before indexing and matching: Unicode whitespace, ASCII control characters,
# zero-width spaces and joiners, the BOM.
IGNORED = re.compile(r"[\s\x00-\x1f\x7f\u200b-\u200d\u2060\ufeff]+")
_IGNORED_CLASS = r"[\s\x00-\x1f\x7f\u200b-\u200d\u2060\ufeff]*"
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)

# Every printable ASCII character that is not a letter or digit is a token character too.
TOKENCHARS = "".join(chr(c) for c in range(33, 127) if not chr(c).isalnum())
TOKENIZE = "ascii tokenchars '" + TOKENCHARS.replace("'", "''") + "'"

MAX_TERMS = 100
# Quoted phrases: ASCII double quotes or Chinese curly quotes, each one term.
_QUOTED = re.compile(r'"([^"]*)"|“([^”]*)”')


class QueryError(ValueError):
    """A search query that cannot be run (empty, or too many terms)."""


def fold(text: str | None) -> str:
    """``text`` as the index sees it: no whitespace, ASCII letters lower-cased."""
    return IGNORED.sub("", text or "").translate(_ASCII_LOWER)


def _bigrams(folded: str) -> list[str]:
    return [folded[i : i + 2] for i in range(len(folded) - 1)]


def field_tokens(value: str | Iterable[str] | None) -> str:
    """The index column of one field: its bigrams, space-separated. A list (a breadcrumb) is
    tokenised item by item, so no term matches across two items."""
    if value is None:
        return ""
    items = [value] if isinstance(value, str) else list(value)
    return " ".join(token for item in items for token in _bigrams(fold(item)))


def char_tokens(values: Iterable[str | Iterable[str] | None]) -> str:
    """The ``chars`` column: every distinct character of the fields, once, in order."""
    seen: dict[str, None] = {}
    for value in values:
        if value is None:
            continue
        for item in [value] if isinstance(value, str) else value:
            seen.update(dict.fromkeys(fold(item)))
    return " ".join(seen)


@dataclass(frozen=True)
class Query:
    """A parsed query: its folded terms, distinct, in the order typed."""

    terms: tuple[str, ...]

    @property
    def single_chars_only(self) -> bool:
        """Every term is one character: relevance means little, so results go newest first."""
        return all(len(term) == 1 for term in self.terms)

    def match(self) -> str:
        """The FTS5 match expression: every term's phrase, ANDed (each term may match in a
        different field)."""
        return " AND ".join(_phrase(term) for term in self.terms)


def _quote(token: str) -> str:
    return token.replace('"', '""')


def _phrase(term: str) -> str:
    if len(term) == 1:
        return f'"{_quote(term)}"'
    return '"' + " ".join(_quote(b) for b in _bigrams(term)) + '"'


def parse_query(text: str) -> Query:
    """Split a query into terms: whitespace separates terms, a quoted phrase is one term, and
    every other character (FTS syntax, LIKE wildcards) is searched for literally. Raises
    QueryError when nothing is left to search for or there are too many terms."""
    raw: list[str] = []
    at = 0
    for found in _QUOTED.finditer(text):
        raw += text[at : found.start()].split()
        raw.append(found.group(1) if found.group(1) is not None else found.group(2))
        at = found.end()
    raw += text[at:].split()
    terms = tuple(dict.fromkeys(term for term in (fold(t) for t in raw) if term))
    if not terms:
        raise QueryError("empty query: give a word or phrase to search for")
    if len(terms) > MAX_TERMS:
        raise QueryError(f"too many search terms ({len(terms)}); at most {MAX_TERMS}")
    return Query(terms)


def try_parse(text: str | None) -> Query | None:
    try:
        return parse_query(text or "")
    except QueryError:
        return None


def _pattern(term: str) -> str:
    """A regex that finds ``term`` in unfolded text: whitespace may sit between any two of
    its characters, and ASCII letters match either case."""
    parts = []
    for char in term:
        if char in string.ascii_lowercase:
            parts.append(f"[{char}{char.upper()}]")
        else:
            parts.append(re.escape(char))
    return _IGNORED_CLASS.join(parts)


@lru_cache(maxsize=256)
def _patterns(terms: tuple[str, ...]) -> tuple[re.Pattern[str], tuple[re.Pattern[str], ...]]:
    """One regex finding the first hit of any term, and one per term."""
    each = tuple(re.compile(_pattern(term)) for term in terms)
    return re.compile("|".join(f"(?:{p.pattern})" for p in each)), each


def hit_spans(
    text: str, query: Query, start: int = 0, end: int | None = None
) -> list[tuple[int, int]]:
    """Where the query's terms occur in ``text`` (unfolded) between ``start`` and ``end``,
    merged where they overlap."""
    end = len(text) if end is None else end
    spans = sorted(
        (m.start(), m.end())
        for pattern in _patterns(query.terms)[1]
        for m in pattern.finditer(text, start, end)
        if m.end() > m.start()
    )
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def contains_all(text: str | None, query: Query) -> bool:
    folded = fold(text)
    return all(term in folded for term in query.terms)


def snippet(
    fields: Iterable[str | None],
    query: Query,
    *,
    width: int = 100,
    before: int = 30,
    marks: tuple[str, str] = ("[", "]"),
    escape: bool = False,
) -> str:
    """A window of the first field (in the order given, the body first) that has a hit,
    around its first hit, every whole hit in it marked. ``escape`` HTML-escapes the text
    (the marks are inserted after), for ``<mark>`` in Datasette. Only the window is
    searched for further hits, so a long body costs one search, not one per hit."""
    first_hit, _ = _patterns(query.terms)
    texts = [t for t in fields if t]
    text, found = (texts[0] if texts else ""), None
    for candidate in texts:
        found = first_hit.search(candidate)
        if found:
            text = candidate
            break
    start = max(0, found.start() - before) if found else 0
    end = max(start + width, found.end() if found else 0)
    spans = []
    if found:
        # Hits reaching past the window's edges are taken whole: look a term's length beyond.
        reach = max(len(term) for term in query.terms) * 4
        spans = hit_spans(text, query, max(0, start - reach), min(len(text), end + reach))
        spans = [(s, e) for s, e in spans if e > start and s < end]
        if spans:
            start, end = min(start, spans[0][0]), max(end, spans[-1][1])
    out: list[str] = []
    at = start
    clean = (lambda s: html.escape(s, quote=False)) if escape else (lambda s: s)
    for s, e in spans:
        out.append(clean(text[at:s]))
        out.append(marks[0] + clean(text[s:e]) + marks[1])
        at = e
    out.append(clean(text[at:end]))
    body = " ".join("".join(out).split())
    return ("…" if start > 0 else "") + body + ("…" if end < len(text) else "")


# -- the rows of the index (scraper.archive.search) -----------------------------------


def breadcrumb_items(value: Any) -> list[str]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return [value]
    return [str(item) for item in value or []]


def index_row(fields: dict[str, Any]) -> tuple[str, ...]:
    """The ``search_index`` columns of one version, from its fields (stored or fresh)."""
    values = [
        breadcrumb_items(fields.get(name)) if name == "breadcrumb" else fields.get(name)
        for name in SEARCHED_FIELDS
    ]
    return (*(field_tokens(v) for v in values), char_tokens(values))


def title_row(fields: dict[str, Any]) -> tuple[str, str]:
    title = fields.get("title")
    return field_tokens(title), char_tokens([title])
