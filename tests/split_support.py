"""Comparing ingest/bibtex_split.py's own reading of a file with bibtexparser's
Splitter, block by block and as parsed records and problems (used by
tests/test_bibtex_split.py and tests/benchmarks/check_bibtex_split.py)."""

from __future__ import annotations

from aiprogress.ingest import bibtex, bibtex_split


def _blocks(result: bibtex_split.Split) -> list[tuple]:
    out = []
    for block in result.blocks:
        if block[0] == "entry":
            _, line, entry_type, key, fields, raw = block
            fields = [(name.strip(), value, result.field_line(where, line + 1)) for name, value, where in fields]
            block = ("entry", line, entry_type, key, fields, result.raw_text(raw))
        out.append(block)
    return out


def own_reading(text: str) -> bibtex_split.Split | None:
    """This module's reading of `text` (its blocks listed), or None where it leaves the file to the Splitter."""
    try:
        result = bibtex_split.read(text)
        result.blocks = list(result.blocks)
        return result
    except bibtex_split.Unfollowed:
        return None


def differences(text: str, limit: int = 5) -> list[str]:
    """How reading `text` differs from reading it through the Splitter: the
    records and problems of bibtex.parse_text, and where this module reads the
    file itself, its blocks and entry count."""
    out = []
    own = own_reading(text)
    if own is not None:
        theirs = bibtex_split.split_with_bibtexparser(text)
        if own.n_entries != theirs.n_entries:
            out.append(f"entries counted: {own.n_entries} != {theirs.n_entries}")
        if theirs.messages:
            out.append(f"bibtexparser logged {theirs.messages[:2]} on a file read without it")
        a, b = _blocks(own), _blocks(theirs)
        if len(a) != len(b):
            out.append(f"{len(a)} blocks != {len(b)}")
        out.extend(f"block {i}: {x!r:.300} != {y!r:.300}" for i, (x, y) in enumerate(zip(a, b)) if x != y)
    parsed, through_splitter = _outcome(bibtex.parse_text, text), _outcome(_parse_with_bibtexparser, text)
    if type(parsed) is not type(through_splitter) or isinstance(parsed, str):
        if parsed != through_splitter:
            out.append(f"{parsed!r:.300} != {through_splitter!r:.300}")
        return out[:limit]
    if parsed.records != through_splitter.records:
        out.append("records differ: " + next(f"{x!r:.300} != {y!r:.300}" for x, y in zip(parsed.records + [None], through_splitter.records + [None]) if x != y))
    if parsed.problems != through_splitter.problems:
        out.append("problems differ: " + next(f"{x!r:.300} != {y!r:.300}" for x, y in zip(parsed.problems + [None], through_splitter.problems + [None]) if x != y))
    return out[:limit]


def _outcome(parse, text: str):
    """The parse result, or the error raised (as text)."""
    try:
        return parse(text, "t.bib")
    except Exception as exc:  # compared, not hidden: an error on one side only is a difference
        return f"{type(exc).__name__}: {exc}"


def _parse_with_bibtexparser(text: str, source: str = "t.bib") -> bibtex.ParseResult:
    own = bibtex_split.read
    bibtex_split.read = bibtex_split.split_with_bibtexparser
    try:
        return bibtex.parse_text(text, source)
    finally:
        bibtex_split.read = own
