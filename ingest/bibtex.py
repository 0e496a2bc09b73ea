"""BibTeX text -> plain records, with a report of everything that was not read.

No database here. ingest/bibtex_split.py finds the blocks as bibtexparser 2's
splitter does (with their line numbers, and through that splitter when a file
holds blocks it could not parse); this module does the rest itself, because
bibtexparser's own middlewares are either incomplete for our needs (its
string interpolation ignores `#` concatenation) or far too slow (its LaTeX
middleware decodes every value: 20x the bare parse on the ACL files).

Values are decoded with pylatexenc, but only those that contain LaTeX, and
each distinct string once (a cache): most values are plain ASCII, and the
same author names repeat across thousands of entries.
"""

from __future__ import annotations

import calendar
import datetime
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..graph import settings
from ..graph.errors import InvalidInput, LimitExceeded
from ..graph.export_bibtex import ET_AL_FIELD, VERBATIM_FIELDS  # what the export writes back as it was read
from ..graph.models import CITATION_KEY_RE
from ..graph.relations import bibtex_relation_fields
from . import bibtex_split
from .latex import Decoded, LatexError, latex_to_text

# Fields that name other nodes: a paper's relations (graph/relations.py).
_RELATION_FIELDS = frozenset(bibtex_relation_fields())

# Problem kinds that are harmless notes (comments, preambles), not problems:
# they never abort a --strict run.
NOTE_KINDS = frozenset({"comment", "preamble", "set", "year-suffix", "parser-message"})

MONTHS = {
    "jan": "January", "feb": "February", "mar": "March", "apr": "April",
    "may": "May", "jun": "June", "jul": "July", "aug": "August",
    "sep": "September", "oct": "October", "nov": "November", "dec": "December",
}

NAME_FIELDS = frozenset({"author", "editor"})
# Fields whose value most entries of a file share with others (a proceedings'
# title, its publisher, a year): read once per file as one string, not one
# copy per entry: the records, their pickle (files parsed ahead) and the
# rows made from them hold it once (a third of the ACL files' field text).
SHARED_FIELDS = frozenset({
    "booktitle", "journal", "journaltitle", "publisher", "organization", "institution", "school", "series",
    "address", "location", "year", "month", "editor", "volume", "type", "language", "howpublished",
})
# Of these, the ones read the same way wherever a value is written (names
# make authors and et-al marks too): a value met again is not read again.
_KNOWN_FIELDS = SHARED_FIELDS - NAME_FIELDS
LIST_FIELDS = frozenset({"keywords", "ids"}) | _RELATION_FIELDS

_NEEDS_DECODING = re.compile(r"[\\{}$~]|--|``|''")
# The characters any _NEEDS_DECODING match starts with: a character class is
# scanned about four times faster than the alternation, which then runs only
# from the first of them (most titles have a hyphen and nothing else).
_MAY_NEED_DECODING = re.compile(r"[-\\{}$~`']").search


def _needs_decoding(value: str) -> bool:
    m = _MAY_NEED_DECODING(value)
    return m is not None and _NEEDS_DECODING.search(value, m.start()) is not None


_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
_YEAR = re.compile(r"^\d{4}$")
_LOOKS_LIKE_ENTRY = re.compile(r"^[ \t]*@[ \t]*\w*", re.MULTILINE)
_FIELD_NAMES: dict[str, str] = {}  # field name as written -> as read (stripped, lower case); files use a few dozen


def _setting(name: str):
    return field(default_factory=lambda: settings.get(name))


@dataclass
class Limits:
    """Guards against files that would exhaust memory or the database; each
    left out is the setting of the same name (graph/settings.py)."""

    max_file_bytes: int = _setting("max_file_bytes")
    max_entries: int = _setting("max_entries")
    max_field_chars: int = _setting("max_field_chars")


@dataclass
class BibRecord:
    key: str  # citation key as written
    entry_type: str  # lower-case (article, inproceedings, online, ...)
    fields: dict[str, str]  # lower-case names; Unicode values; macros expanded; crossref inherited
    line: int  # 1-based line where the entry starts in its source
    source: str  # the file name/path given
    authors: list[str] = field(default_factory=list)  # decoded names, split on `and` outside braces

    def __reduce__(self):
        # Records cross a process boundary when files are parsed ahead
        # (load.ingest_sources): as a plain tuple they pickle twice as fast.
        return BibRecord, (self.key, self.entry_type, self.fields, self.line, self.source, self.authors)


@dataclass
class Problem:
    source: str
    line: int | None
    key: str | None
    kind: str  # failed-block, duplicate-key, duplicate-field, undefined-macro, odd-year, not-an-entry, limit, ...
    message: str

    @property
    def is_note(self) -> bool:
        return self.kind in NOTE_KINDS

    def to_dict(self) -> dict:
        return {"source": self.source, "line": self.line, "key": self.key, "kind": self.kind, "message": self.message}


@dataclass
class ParseResult:
    records: list[BibRecord]
    problems: list[Problem]  # includes notes (comments, preambles); see Problem.is_note

    @property
    def errors(self) -> list[Problem]:
        """The problems that are not mere notes: what --strict refuses."""
        return [p for p in self.problems if not p.is_note]


# --- LaTeX decoding -------------------------------------------------------------

_decoded: dict[str, Decoded] = {}


def decode_latex_reporting(value: str) -> Decoded:
    """Unicode text for a BibTeX value and the macros kept as written (see
    ingest/latex.py); values without LaTeX are returned unchanged. Each
    distinct value is decoded once. Raises LatexError."""
    if not _needs_decoding(value):
        return Decoded(value, ())
    try:
        return _decoded[value]
    except KeyError:
        pass
    if len(_decoded) > 200_000:  # bound the cache on endless streams of files
        _decoded.clear()
    decoded = _decoded[value] = latex_to_text(value)
    return decoded


def decode_latex(value: str) -> str:
    """Unicode text for a BibTeX value; values without LaTeX are returned unchanged."""
    return decode_latex_reporting(value).text


def split_names(value: str) -> list[str]:
    """Split an author/editor list on `and` outside braces (`{Barnes and Noble}` is one name)."""
    if "{" not in value:
        return [n for n in map(str.strip, _AND.split(value)) if n]
    names, start = [], 0
    for m in _AND.finditer(value):
        prefix = value[start:m.start()]
        if prefix.count("{") == prefix.count("}"):
            names.append(prefix.strip())
            start = m.end()
    names.append(value[start:].strip())
    return [n for n in names if n]


_YEAR_SUFFIX = re.compile(r"^(\d{4})[a-z]$")
# biblatex's `date`: ISO 8601-2 (EDTF) level 0-1 as biblatex reads it: a date,
# a time after `T`, a `?`/`~`/`%` qualifier, `XX` for an unspecified month or day.
_EDTF = re.compile(
    r"^(?P<year>[+-]?\d{4,})(?:-(?P<month>\d{2}|XX)(?:-(?P<day>\d{2}|XX))?)?"
    r"(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?[?~%]?$"
)
_NEWEST_YEAR = datetime.date.today().year + 10


@dataclass(frozen=True)
class YearReading:
    year: int | None
    kind: str | None = None  # the problem or note to report, if any
    message: str = ""


_PLAIN_YEARS: dict[str, YearReading] = {}  # `year` as written -> its reading, for four-digit years (which need no `date`)


def read_year(fields: dict[str, str]) -> YearReading:
    """The year of publication from `year` or biblatex's `date`, and what to
    report about either."""
    written = fields.get("year", "")
    known = _PLAIN_YEARS.get(written)
    if known is not None:
        return known
    raw = written.strip()
    if raw:
        m = _YEAR_SUFFIX.match(raw)
        if m:
            return YearReading(int(m.group(1)), "year-suffix", f"year {raw!r} read as {m.group(1)} (the letter only tells works of one year apart)")
        if not _YEAR.match(raw):
            reading = _date_year(fields) if fields.get("date") else None
            if reading is not None and reading.year is not None:
                return YearReading(reading.year, "odd-year", f"year {raw!r} is not a four-digit year; the year {reading.year} of `date` is used")
            return YearReading(None, "odd-year", f"year {raw!r} is not a four-digit year")
        reading = _plausible(int(raw), f"year {raw!r}")
        if len(_PLAIN_YEARS) < 4096:  # every entry has one of a few hundred; read once, not once per entry and reader
            _PLAIN_YEARS[written] = reading
        return reading
    if fields.get("date", "").strip():
        return _date_year(fields)
    return YearReading(None)


def _plausible(year: int, what: str) -> YearReading:
    if year == 0 or year > _NEWEST_YEAR:
        return YearReading(None, "odd-year", f"{what} is not a plausible year of publication; not stored")
    return YearReading(year)


def _date_year(fields: dict[str, str]) -> YearReading:
    raw = fields.get("date", "").strip()
    start, _, end = raw.partition("/")
    part = start if start not in ("", "..") else end  # `../2001` and `/2001`: open start
    m = _EDTF.match(part.strip())
    bad = YearReading(None, "bad-date", f"date {raw!r} is not a date biblatex reads (YYYY, YYYY-MM, YYYY-MM-DD, a time, a range a/b, a ?~% qualifier); no year taken from it")
    if not m:
        return bad
    year = int(m.group("year"))
    month, day = m.group("month"), m.group("day")
    if month and month != "XX":
        if not (1 <= int(month) <= 12 or 21 <= int(month) <= 24):  # 21-24: EDTF seasons
            return bad
        if day and day != "XX" and not (int(month) <= 12 and 1 <= int(day) <= calendar.monthrange(year if year > 0 else 2000, int(month))[1]):
            return bad
    elif day and day != "XX":
        return bad  # a day in an unspecified month
    return _plausible(year, f"date {raw!r}")


def year_of(fields: dict[str, str]) -> int | None:
    """The year of publication from `year` or biblatex's `date`, or None if unreadable."""
    return read_year(fields).year


# --- values: enclosing, macros, concatenation ----------------------------------


class _BadValue(ValueError):
    pass


def _parts(raw: str) -> list[tuple[str, bool]]:
    """Split a raw value on top-level `#` into (text, is_literal) parts."""
    parts, i, n = [], 0, len(raw)
    while True:
        while i < n and raw[i].isspace():
            i += 1
        if i >= n:
            raise _BadValue("empty part in a `#` concatenation")
        c = raw[i]
        if c == "{":
            depth, j = 0, i
            while j < n:
                if raw[j] == "\\":  # `\{` and `\}` are escaped braces, not groups
                    j += 2
                    continue
                if raw[j] == "{":
                    depth += 1
                elif raw[j] == "}":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            if j >= n:
                raise _BadValue("unbalanced braces")
            parts.append((raw[i + 1:j], True))
            i = j + 1
        elif c == '"':
            depth, j = 0, i + 1
            while j < n and not (raw[j] == '"' and depth == 0):
                if raw[j] == "\\":
                    j += 2
                    continue
                if raw[j] == "{":
                    depth += 1
                elif raw[j] == "}":
                    depth -= 1
                j += 1
            if j >= n:
                raise _BadValue("unterminated quoted value")
            parts.append((raw[i + 1:j], True))
            i = j + 1
        else:
            j = i
            while j < n and raw[j] != "#" and not raw[j].isspace():
                j += 1
            word = raw[i:j]
            parts.append((word, word.isdigit()))
            i = j
        while i < n and raw[i].isspace():
            i += 1
        if i >= n:
            return parts
        if raw[i] != "#":
            raise _BadValue(f"unexpected text {raw[i:i + 20]!r} after a value (missing `#`?)")
        i += 1


class _Reader:
    """The state of reading one file: macros, problems, records so far."""

    def __init__(self, source: str, limits: Limits, field_line=lambda where, entry_line: entry_line):
        self.source = source
        self.limits = limits
        self.field_line = field_line  # (where, entry's line) -> a field's 1-based line (bibtex_split.Split.field_line)
        self.macros: dict[str, str] = dict(MONTHS)
        self.problems: list[Problem] = []
        self.shared: dict[str, str] = {}  # one string object per distinct value of the SHARED_FIELDS
        self.known: dict[tuple[str, str], str] = {}  # (field, value as written) -> as read, for _KNOWN_FIELDS read without a problem

    def problem(self, line: int | None, key: str | None, kind: str, message: str) -> None:
        self.problems.append(Problem(self.source, line, key, kind, message))

    def expand(self, raw: str, where, line: int, key: str | None, name: str) -> str:
        """The value of a raw field (`{..}`, `".."`, a number, a macro, or `a # b`);
        `where` in the file (see field_line), `line` its entry's or @string's."""
        if "#" not in raw:  # fast path: one group, the common case
            first, last = raw[:1], raw[-1:]
            if (first == "{" and last == "}") or (first == '"' and last == '"'):
                return raw[1:-1]
        try:
            parts = _parts(raw)
        except _BadValue as exc:
            self.problem(self.field_line(where, line), key, "bad-value", f"field '{name}': {exc}; the value is kept as written")
            return raw
        out = []
        for text, literal in parts:
            if literal:
                out.append(text)
                continue
            try:
                out.append(self.macros[text.lower()])
            except KeyError:
                self.problem(self.field_line(where, line), key, "undefined-macro", f"field '{name}' uses @string macro '{text}', which is not defined; kept as the text '{text}'")
                out.append(text)
        return "".join(out)

    def add_string(self, block: tuple) -> None:
        _, start_line, key, value = block
        line = start_line + 1
        name = key.strip().lower()
        if name in self.macros and name not in MONTHS:
            self.problem(line, key, "duplicate-key", f"@string '{key}' is defined again; the later definition is used from here on")
        self.macros[name] = self.expand(value, None, line, key, key)

    def decode(self, value: str, where, line: int, key: str, name: str) -> str:
        if not _needs_decoding(value):  # most values: no call further down
            return value
        decoded = decode_latex_reporting(value)
        if decoded.unknown:
            self.problem(self.field_line(where, line), key, "unknown-latex", f"field '{name}': {', '.join(decoded.unknown)} not understood; kept as written")
        return decoded.text

    def read_entry(self, entry: tuple) -> BibRecord | None:
        _, start_line, entry_type, key, entry_fields, _ = entry
        line = start_line + 1
        key = key.strip()
        if not entry_type.strip():
            self.problem(line, key or None, "failed-block", f"entry '{key}' has no entry type (`@{{` with nothing between `@` and `{{`); skipped")
            return None
        if not key:
            self.problem(line, None, "failed-block", f"@{entry_type} entry has no citation key; skipped")
            return None
        if not CITATION_KEY_RE.match(key):
            self.problem(line, key, "bad-key", f"citation key {key!r} contains spaces, quotes, braces or commas; skipped")
            return None
        fields: dict[str, str] = {}
        authors: list[str] = []
        # Called for every field of every entry: the common value (one braced
        # or quoted group, no LaTeX) is read here without a call further down.
        max_chars = self.limits.max_field_chars
        field_names = _FIELD_NAMES
        known = self.known
        for raw_name, value, where in entry_fields:
            name = field_names.get(raw_name)
            if name is None:
                name = raw_name.strip().lower()
                if len(field_names) < 4096:  # bounded: a file may make up any number of names
                    field_names[raw_name] = name
            if len(value) > max_chars:
                self.problem(self.field_line(where, line), key, "limit", f"field '{name}' has {len(value):,} characters, more than the limit of {max_chars:,}; entry skipped")
                return None
            written = None
            if name in _KNOWN_FIELDS:
                read = known.get((name, value))
                if read is not None:
                    if name in fields:
                        self._repeated(fields, name, read, where, line, key)
                    else:
                        fields[name] = read
                    continue
                written, problems = value, len(self.problems)
            first, last = value[:1], value[-1:]
            if "#" not in value and ((first == "{" and last == "}") or (first == '"' and last == '"')):
                value = value[1:-1]
            else:
                value = self.expand(value, where, line, key, name)
            if "\n" in value or "\t" in value or "  " in value:
                value = " ".join(value.split())
            try:
                if name in NAME_FIELDS:
                    decoded = split_names(value)
                    if _needs_decoding(value):  # else no name in it does either: one check, not one per name
                        decoded = [self.decode(n, where, line, key, name) if _needs_decoding(n) else n for n in decoded]
                        names = [n for n in decoded if n.lower() != "others"]
                    else:
                        names = [n for n in decoded if n.lower() != "others"] if "others" in value.lower() else decoded
                    if len(names) < len(decoded) and name == "author":
                        # `and others` is BibTeX's "et al.": no person, but the list is known to be incomplete.
                        fields[ET_AL_FIELD] = "yes"
                    if name == "author":
                        authors = names
                    value = " and ".join(names)
                elif name not in VERBATIM_FIELDS:
                    if _needs_decoding(value):
                        value = self.decode(value, where, line, key, name)
                elif value[:1] == "{" and value[-1:] == "}" and value.count("{") == 1:
                    value = value[1:-1]  # `doi = {{10.1/x}}`: protective braces only
            except LatexError as exc:
                self.problem(self.field_line(where, line), key, "bad-latex", f"field '{name}': {exc}; entry skipped")
                return None
            if name in SHARED_FIELDS:
                value = self.shared.setdefault(value, value)
                if written is not None and len(self.problems) == problems:
                    known[(name, written)] = value  # read the same way wherever it is written so again
            if name in fields:
                self._repeated(fields, name, value, where, line, key)
                continue
            fields[name] = value
        return BibRecord(key, entry_type.strip().lower(), fields, line, self.source, authors)

    def _repeated(self, fields: dict[str, str], name: str, value: str, where, line: int, key: str) -> None:
        """A field given again in one entry."""
        if name in LIST_FIELDS and fields[name] != value:
            # Reference managers write one `keywords` field per keyword: keep them all.
            fields[name] = f"{fields[name]}, {value}"
            self.problem(self.field_line(where, line), key, "duplicate-field", f"field '{name}' appears more than once; the values are joined")
        elif fields[name] != value:
            self.problem(self.field_line(where, line), key, "duplicate-field", f"field '{name}' appears twice with different values; the first ({fields[name][:60]!r}) is kept, the second ({value[:60]!r}) dropped")
        else:
            self.problem(self.field_line(where, line), key, "duplicate-field", f"field '{name}' appears twice with the same value")


# Never inherited through crossref or xdata: what tells one work from another
# (a child with its proceedings' DOI would be taken for the proceedings), its
# files and abstract, and the fields that make edges or aliases.
NOT_INHERITED = frozenset({
    "doi", "eprint", "eprinttype", "archiveprefix", "arxiv", "arxivid", "primaryclass", "eprintclass",
    "url", "urldate", "file", "pdf", "ids", "key", "crossref", "xdata", "entryset", "abstract", ET_AL_FIELD,
    "relaxes", "enables", "inspired-by", "inspired_by", "introduces", "cites", "techniques", "triggered",
})
_DATE_FIELDS = frozenset({"year", "date"})
_KEY_LIST = re.compile(r"\s*,\s*")


def _inherit(reader: _Reader, records: list[BibRecord], xdata: dict[str, BibRecord]) -> None:
    """biblatex's data inheritance: `xdata` entries are copied into the
    entries that name them (and are no papers themselves), then `crossref`
    parents fill their children's missing fields, the parent's title as the
    child's booktitle. Identity fields (NOT_INHERITED) stay with their entry."""
    for r in records:
        if "xdata" not in r.fields:  # most entries: no split of an empty value
            continue
        for name in _KEY_LIST.split(r.fields.pop("xdata").strip()):
            if not name:
                continue
            seen, queue = set(), [name]
            while queue:  # xdata entries may themselves name xdata entries
                current = queue.pop(0)
                if current.lower() in seen:
                    continue
                seen.add(current.lower())
                source = xdata.get(current.lower())
                if source is None:
                    reader.problem(r.line, r.key, "undefined-crossref", f"xdata '{current}' names no @xdata entry in this file; nothing inherited")
                    continue
                queue.extend(k for k in _KEY_LIST.split(source.fields.get("xdata", "").strip()) if k)
                for field_name, value in source.fields.items():
                    if field_name not in NOT_INHERITED:
                        r.fields.setdefault(field_name, value)
                if not r.authors and source.authors:
                    r.authors = list(source.authors)
    by_key = {}
    for r in records:
        by_key.setdefault(r.key.lower(), r)
    for r in records:
        parent_key = r.fields.get("crossref")
        if not parent_key:
            continue
        parent = by_key.get(parent_key.strip().lower())
        if parent is None or parent is r:
            reader.problem(r.line, r.key, "undefined-crossref", f"crossref '{parent_key}' names no entry in this file; nothing inherited")
            continue
        for name, value in parent.fields.items():
            if name in NOT_INHERITED or (name in _DATE_FIELDS and not _DATE_FIELDS.isdisjoint(r.fields)):
                continue  # `year` and `date` say one thing: the child's own wins over either of the parent's
            if name == "title":
                # biblatex's default: the parent's title is the child's booktitle.
                r.fields.setdefault("booktitle", value)
                continue
            r.fields.setdefault(name, value)
        if not r.authors and parent.authors and "author" not in r.fields:
            r.authors = list(parent.authors)


def _report_years(reader: _Reader, records: list[BibRecord]) -> None:
    for r in records:
        reading = read_year(r.fields)
        if reading.kind:
            reader.problem(r.line, r.key, reading.kind, reading.message)


def parse_text(text: str, source: str = "<string>", *, limits: Limits | None = None) -> ParseResult:
    """Parse BibTeX text into records and a list of problems (never raises per entry).

    Raises LimitExceeded when the text as a whole is beyond `limits`."""
    limits = limits or Limits()
    if len(text) > limits.max_file_bytes:
        raise LimitExceeded(f"{len(text):,} characters is more than the limit of {limits.max_file_bytes:,}", where=source)
    own = theirs = None
    try:
        own = bibtex_split.read(text)
        return _read(own, source, limits)
    except bibtex_split.Unfollowed:
        theirs = bibtex_split.split_with_bibtexparser(text)
        return _read(theirs, source, limits)
    finally:
        # An exception pylatexenc raises and catches inside the general decoder
        # keeps the frames above it, these included, in a reference cycle
        # that only the collector frees, and it is paused while files are
        # ingested: emptied here, the file's text and blocks go now, not with it.
        for blocks in (own, theirs):
            if blocks is not None:
                blocks.release()
        own = theirs = blocks = text = None


def _read(blocks: bibtex_split.Split, source: str, limits: Limits) -> ParseResult:
    """The records and problems of a file's blocks (bibtex_split.read may raise Unfollowed while they are read)."""
    if blocks.n_entries > limits.max_entries:  # counted ahead unless the blocks come as they are read
        raise LimitExceeded(f"{blocks.n_entries:,} entries is more than the limit of {limits.max_entries:,}", where=source)

    reader = _Reader(source, limits, blocks.field_line)
    for line, message in blocks.messages:
        reader.problem(line, None, "parser-message", f"bibtexparser: {message}")
    # BibTeX expands a macro with the definitions made before it; bibtexparser
    # (and most users' files) allow definitions anywhere, so read them all first.
    if isinstance(blocks.blocks, list):
        for block in blocks.blocks:
            if block[0] == "string":
                reader.add_string(block)

    records: list[BibRecord] = []
    xdata: dict[str, BibRecord] = {}
    first_seen: dict[str, tuple[int, object]] = {}  # lower key -> (line, raw: see Split.raw_text)
    raw_text = blocks.raw_text
    for block in blocks.blocks:
        kind = block[0]
        line = block[1] + 1 if block[1] is not None else None
        if kind == "entry":
            if blocks.n_entries > limits.max_entries:
                records = None  # too many, seen as they are read: counted on, to say how many
                continue
            entry = block
        elif kind == "failed":
            reader.problem(line, None, "failed-block", f"could not parse the block starting {block[2]!r}: {block[3]}")
            continue
        elif kind == "implicit":
            comment = block[2]
            m = _LOOKS_LIKE_ENTRY.search(comment)
            if m:
                at = line + comment.count("\n", 0, m.start()) if line else None
                snippet = comment[m.start():].splitlines()[0].strip()[:80]
                reader.problem(at, None, "not-an-entry", f"text {snippet!r} looks like an entry but is not one (no `{{` right after the entry type, or `@` not followed by a type); it was read as a comment")
            else:
                reader.problem(line, None, "comment", "text between entries, read as a comment")
            continue
        elif kind == "comment":
            reader.problem(line, None, "comment", "@comment block")
            continue
        elif kind == "preamble":
            reader.problem(line, None, "preamble", f"@preamble kept out of the graph: {block[2].strip()[:80]!r}")
            continue
        else:
            continue  # @string blocks: read above

        record = reader.read_entry(entry)
        if record is None:
            continue
        if record.entry_type == "set":
            reader.problem(record.line, record.key, "set", f"@set '{record.key}' groups entries ({record.fields.get('entryset', '')}); the set is not a paper, its members are")
            continue
        if record.entry_type == "xdata":
            # No paper: read into the entries that name it, by its key or one of its `ids`.
            for name in [record.key, *_KEY_LIST.split(record.fields.get("ids", "").strip())]:
                if name:
                    xdata.setdefault(name.lower(), record)
            continue
        lower = record.key.lower()
        previous = first_seen.get(lower)
        if previous is None:
            first_seen[lower] = (record.line, entry[5])
            records.append(record)
        elif raw_text(previous[1]) == raw_text(entry[5]):
            reader.problem(record.line, record.key, "duplicate-key", f"exact copy of the entry '{record.key}' at line {previous[0]}; skipped")
        else:
            # Two different works under one key stay two: the key alone never
            # merges them (a shared DOI or title still does, as for any entry).
            n = 2
            while f"{lower}-{n}" in first_seen:
                n += 1
            new_key = f"{record.key}-{n}"
            first_seen[new_key.lower()] = (record.line, entry[5])
            reader.problem(record.line, record.key, "duplicate-key", f"key '{record.key}' was already used at line {previous[0]} for a different entry; this one is kept apart as '{new_key}'")
            record.key = new_key
            records.append(record)

    if blocks.n_entries > limits.max_entries:
        raise LimitExceeded(f"{blocks.n_entries:,} entries is more than the limit of {limits.max_entries:,}", where=source)
    _inherit(reader, records, xdata)
    _report_years(reader, records)
    block = entry = None  # see the end of parse_text
    return ParseResult(records, reader.problems)


def read_text_file(path: str | os.PathLike, limits: Limits | None = None) -> tuple[str, list[Problem]]:
    """The text of a .bib file (UTF-8, else Latin-1 with a problem reported)."""
    limits = limits or Limits()
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InvalidInput(f"cannot read the file: {exc.strerror}", where=str(path)) from exc
    if size > limits.max_file_bytes:
        raise LimitExceeded(f"{size:,} bytes is more than the limit of {limits.max_file_bytes:,}", where=str(path))
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        problem = Problem(str(path), data.count(b"\n", 0, exc.start) + 1, None, "encoding",
                          f"not valid UTF-8 (byte {exc.start}); read as Latin-1")
        return data.decode("latin-1"), [problem]


def parse_file(path: str | os.PathLike, *, limits: Limits | None = None) -> ParseResult:
    """Parse a .bib file; `source` in records and problems is the path as given."""
    text, problems = read_text_file(path, limits)
    result = parse_text(text, str(path), limits=limits)
    text = None  # see the end of parse_text
    result.problems[:0] = problems
    return result
