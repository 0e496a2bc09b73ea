"""BibTeX text -> blocks (entries with their raw fields, @string, comments),
as bibtexparser 2's splitter finds them, in a fraction of its time.

bibtexparser's Splitter walks the file one mark (`{`, `}`, `"`, `,`, `=`,
newline, `@type{`) at a time in Python: on the ACL Anthology files that walk
is nearly all of its parse. Here a field whose value is one plain group
(`{..}` with at most one level of nested braces, `".."`, a number or a macro
name) is read by one regular expression, and lines are counted only where a
block starts (and for a field, only when something is reported about it).
Everything else is read mark by mark with the Splitter's own rules, and a
file holding anything the Splitter would give up on or that this reader does
not follow (a block in parentheses, a backslash or `@` in a key, a block
cut short) is split by the Splitter itself, whole, so that its report is
bibtexparser's. The blocks are the same either way (tests/test_bibtex_split.py
and tests/benchmarks/check_bibtex_split.py compare them on every corpus).

A block is a tuple:
    ("entry", line, entry_type, key, fields, raw)  fields: [(name as written, raw value, where)]
    ("string", line, key, raw value)
    ("implicit", line, comment text)      text between blocks
    ("comment", line)                     @comment
    ("preamble", line, value)
    ("failed", line, head, reason)        only from the Splitter
with 0-based lines (bibtexparser's); `where` and `raw` are read with the
split's field_line and raw_text, only when a problem or a repeated key
needs them.
"""

from __future__ import annotations

import bisect
import logging
import re
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

# The Splitter's marks (bibtexparser/splitter.py): a block start, and the
# characters that matter inside a value, unless a backslash comes right before.
_BLOCK_START = re.compile(r"@\w*[ \t]*(?=[{(])")
_VALUE_MARK = re.compile(r'(?<!\\)[{}",]|@\w*[ \t]*(?=[{(])')
_BRACE_MARK = re.compile(r"(?<!\\)[{}]|@\w*[ \t]*(?=[{(])")
_LINE_END = re.compile(r"(?<!\\)\n")  # an escaped newline is no mark: the Splitter does not count it as a line
# Text holding no mark, nor a backslash or `@` (whose reading this module leaves to the Splitter).
_PLAIN = re.compile(r'[^{}",=\\@]*')
# A field: its name, `=`, and a value of one plain group, then `,` or the
# entry's `}`. Inside the group every brace is unescaped and every backslash
# escapes neither a brace nor a backslash, so the group ends where the
# Splitter's does; a value that is not of this shape is read mark by mark.
# (Written as runs of plain characters between escapes, without backtracking:
# four times faster than one alternation per character.)
_IN_BRACES = r"[^{}\\@]*+(?:\\[^{}\\@][^{}\\@]*+)*+"
_IN_QUOTES = r'[^"{}\\@]*+(?:\\[^{}\\@][^"{}\\@]*+)*+'
_FIELD = re.compile(
    r'([^{}",=\\@]*+)=\s*+(\{' + _IN_BRACES + r'(?:\{' + _IN_BRACES + r'\}' + _IN_BRACES + r')*+\}|"' + _IN_QUOTES + r'"'
    r'|[^\s{}",=\\@#]++)\s*+([,}])'
)


class Unfollowed(Exception):
    """Something only the Splitter reads as it does: split the file with it."""


_MAY_HOLD_STRINGS = re.compile("@string", re.IGNORECASE).search


@dataclass
class Split:
    # A list, or (from `read` on a file without @string) an iterator, read
    # once, whose entries are counted in n_entries as they are read.
    blocks: Iterable[tuple]
    n_entries: int = 0  # what bibtexparser's library counts as entries: entries, failed blocks, repeated @string keys
    messages: list[tuple[int | None, str]] = field(default_factory=list)  # bibtexparser's log: (1-based line, text)
    text: str | None = None  # the text read (None: split by the Splitter), for field_line and raw_text
    line_ends: list[int] | None = None  # where its lines end, once a field's line is asked for

    def field_line(self, where: Any, entry_line: int) -> int:
        """The 1-based line of a field (its `=`), for what is reported about it
        (`entry_line` where there is no field: an @string's value)."""
        if where is None:
            return entry_line
        if self.text is None:  # split by the Splitter: its 0-based line
            return where + 1
        if self.line_ends is None:
            self.line_ends = [m.start() for m in _LINE_END.finditer(self.text)]
        return bisect.bisect_left(self.line_ends, where) + 1

    def release(self) -> None:
        """Let go of the text and blocks (see the end of bibtex.parse_text)."""
        self.blocks = self.text = self.line_ends = None

    def raw_text(self, raw: Any) -> str:
        """An entry as written (compared when a key is used again)."""
        return raw if isinstance(raw, str) else self.text[raw[0]:raw[1]]


def read(text: str) -> Split:
    """The blocks of BibTeX text, read here. Raises Unfollowed, now or while
    the blocks are read, where the Splitter must read the file (`split_with_bibtexparser`).

    A file without @string is read as its blocks are taken, never held
    whole: a file's blocks take several times the memory of its text. With
    @string, the blocks are listed first (macros may be defined after their use)."""
    result = Split([], text=text)
    blocks = _blocks(text, result)
    result.blocks = list(blocks) if _MAY_HOLD_STRINGS(text) else blocks
    return result


def split(text: str) -> Split:
    """The blocks of BibTeX text, as bibtexparser's Splitter finds them (listed)."""
    try:
        result = read(text)
        result.blocks = list(result.blocks)
        return result
    except Unfollowed:
        return split_with_bibtexparser(text)


def _at_line_start(b: str, pos: int) -> bool:
    for i in range(pos - 1, -1, -1):
        c = b[i]
        if c == "\n":
            return True
        if not c.isspace():
            return False
    return True


def _closing_brace(b: str, i: int) -> int:
    """The index of the `}` closing a block's body from `i` (a comment, preamble, @string)."""
    depth = 0
    search = _BRACE_MARK.search
    while True:
        m = search(b, i)
        if m is None:
            raise Unfollowed
        t, i = m.group(), m.end()
        if t == "{":
            depth += 1
        elif t == "}":
            if depth == 0:
                return m.start()
            depth -= 1
        elif _at_line_start(b, m.start()):
            raise Unfollowed


def _value_end(b: str, i: int) -> int:
    """The index of the `,` or `}` ending a field value that starts at `i`: the Splitter's rules."""
    quoted, depth = False, 0
    search = _VALUE_MARK.search
    while True:
        m = search(b, i)
        if m is None:
            raise Unfollowed
        t, p, i = m.group(), m.start(), m.end()
        if t == '"':
            if depth == 0:
                if quoted and 0 < p and p + 2 < len(b) and b[p - 1] == "{" and b[p + 1] == "}":
                    continue  # `{"}` inside quotes is a quotation mark
                quoted = not quoted
        elif t == "{":
            if not quoted:
                depth += 1
        elif t == "}":
            if not quoted:
                if depth == 0:
                    return p
                depth -= 1
        elif t == ",":
            if not quoted and depth == 0:
                return p
        elif _at_line_start(b, p):
            raise Unfollowed


def _comment(b: str, start: int, end: int, start_line: int) -> tuple | None:
    """The text between blocks as the Splitter keeps it (none when blank)."""
    comment = b[start:end]
    leading = i = 0
    for i, c in enumerate(comment):
        if c == "\n":
            leading += 1
        elif not c.isspace():
            break
    comment = comment[i:].rstrip()
    return ("implicit", start_line + leading, comment) if comment else None


def _blocks(b: str, counts: Split) -> Iterator[tuple]:
    """The blocks of `b`, counting entries in `counts`. (The Splitter reads a
    newline put before the text: positions and lines here are the text's own.)"""
    escaped_line_ends = "\\\n" in b
    string_keys: set[str] = set()
    block_start, plain, field_re, value_end = _BLOCK_START.search, _PLAIN.match, _FIELD.match, _value_end
    count = b.count
    counted = lines = 0  # lines: the line ends before `counted`

    def line_at(pos: int) -> int:
        """The 0-based line of `pos` (at or after the last asked for), counted as the Splitter counts."""
        nonlocal counted, lines
        lines += count("\n", counted, pos)
        if escaped_line_ends:
            lines -= count("\\\n", max(counted - 1, 0), pos)
        counted = pos
        return lines

    comment_start = comment_line = 0
    while True:
        m = block_start(b, comment_start)
        if m is None:
            break
        start = m.start()
        if start > comment_start:
            between = _comment(b, comment_start, start, comment_line)
            if between is not None:
                yield between
        body = m.end()
        if b[body] == "(":
            raise Unfollowed
        line = line_at(start)
        kind = m.group().lower()
        if kind.startswith("@comment"):
            close = _closing_brace(b, body + 1)
            yield ("comment", line)
        elif kind.startswith("@preamble"):
            close = _closing_brace(b, body + 1)
            yield ("preamble", line, b[body + 1:close])
        elif kind.startswith("@string"):
            k = plain(b, body + 1)
            if b[k.end():k.end() + 1] != "=":
                raise Unfollowed
            key = k.group().strip()
            close = _closing_brace(b, k.end() + 1)
            if key in string_keys:
                counts.n_entries += 1  # bibtexparser counts a repeated @string key as a failed block
            string_keys.add(key)
            yield ("string", line, key, b[k.end() + 1:close].strip())
        else:
            k = plain(b, body + 1)
            after = k.end()
            mark = b[after:after + 1]
            fields: list[tuple[str, str, int]] = []
            if mark == "}":
                close = after  # `@misc{key}`: no fields
            elif mark != ",":
                raise Unfollowed
            else:
                pos = after + 1
                while True:
                    f = field_re(b, pos)
                    if f is not None:
                        fields.append((f.group(1), f.group(2), f.end(1)))
                        pos = f.end()
                        if f.group(3) == "}":
                            close = pos - 1
                            break
                        continue
                    name = plain(b, pos)
                    eq = name.end()
                    c = b[eq:eq + 1]
                    if c == "}" and not name.group().strip():
                        close = eq  # after the last field's comma
                        break
                    if c != "=":
                        raise Unfollowed
                    end = value_end(b, eq + 1)
                    fields.append((name.group(), b[eq + 1:end].strip(), eq))
                    pos = end + 1
                    if b[end] == "}":
                        close = end
                        break
            counts.n_entries += 1
            yield ("entry", line, kind[1:].strip(), k.group().strip(), fields, (start, close + 1))
        comment_start, comment_line = close + 1, line_at(close)
    between = _comment(b, comment_start, len(b), comment_line)
    if between is not None:
        yield between


# --- the Splitter itself, for the files this reader does not follow -----------------


class _MessageCapture(logging.Handler):
    """bibtexparser's own log messages (it prints them on stderr, with 0-based
    line numbers), collected for the report of the file being split instead."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.local = threading.local()

    def emit(self, record: logging.LogRecord) -> None:
        messages = getattr(self.local, "messages", None)
        if messages is not None:
            messages.append(record.getMessage())


_capture = _MessageCapture()
_bibtexparser_log = logging.getLogger("bibtexparser")
_bibtexparser_log.addHandler(_capture)
_bibtexparser_log.propagate = False
_LINE_IN_MESSAGE = re.compile(r"\(line (\d+)\)")


@contextmanager
def _parser_messages() -> Iterator[list[tuple[int | None, str]]]:
    """(1-based line, message) for what bibtexparser logs while splitting, except
    the blocks it gave up on: those come back as ParsingFailedBlocks, reported
    with their own problem."""
    raw: list[str] = []
    out: list[tuple[int | None, str]] = []
    _capture.local.messages = raw
    try:
        yield out
    finally:
        _capture.local.messages = None
        for message in raw:
            if message.startswith("Parsing of `") or message.startswith("We will try to continue parsing"):
                continue
            m = _LINE_IN_MESSAGE.search(message)
            line = int(m.group(1)) + 1 if m else None
            out.append((line, _LINE_IN_MESSAGE.sub(f"(line {line})", message) if m else message))


def split_with_bibtexparser(text: str) -> Split:
    from bibtexparser.model import (
        DuplicateBlockKeyBlock,
        DuplicateFieldKeyBlock,
        Entry,
        ExplicitComment,
        ImplicitComment,
        ParsingFailedBlock,
        Preamble,
        String,
    )
    from bibtexparser.splitter import Splitter

    with _parser_messages() as messages:
        library = Splitter(text).split()
    blocks: list[tuple] = []
    n_entries = 0
    for block in library.blocks:
        if isinstance(block, (Entry, ParsingFailedBlock)):
            n_entries += 1
        if isinstance(block, DuplicateFieldKeyBlock):
            block = block.ignore_error_block
        elif isinstance(block, DuplicateBlockKeyBlock):
            block = block.ignore_error_block
            if isinstance(block, DuplicateFieldKeyBlock):
                block = block.ignore_error_block
        if isinstance(block, Entry):
            fields = [(f.key, f.value, f.start_line) for f in block.fields]
            blocks.append(("entry", block.start_line, block.entry_type, block.key, fields, block.raw or ""))
        elif isinstance(block, String):
            blocks.append(("string", block.start_line, block.key, block.value))
        elif isinstance(block, ParsingFailedBlock):
            reason = getattr(block.error, "abort_reason", None) or str(block.error)
            head = (block.raw or "").strip().splitlines()[0][:80] if (block.raw or "").strip() else ""
            blocks.append(("failed", block.start_line, head, reason.strip()))
        elif isinstance(block, ImplicitComment):
            blocks.append(("implicit", block.start_line, block.comment))
        elif isinstance(block, ExplicitComment):
            blocks.append(("comment", block.start_line))
        elif isinstance(block, Preamble):
            blocks.append(("preamble", block.start_line, block.value))
    return Split(blocks, n_entries, messages)
