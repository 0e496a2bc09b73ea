"""What every importer hands the write path: records shaped as BibTeX's
(ingest/bibtex.py BibRecord, so placing, identity and the report are one
code path for every format) plus the identifiers and references BibTeX
cannot carry.

An importer is file -> ParseResult; nothing here touches the database.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...graph.errors import InvalidInput, LimitExceeded
from ...graph.identifiers import normalize_arxiv, normalize_doi
from ...graph.models import CITATION_KEY_RE
from .. import bibtex

# The identifier schemes a work is known by besides DOI and arXiv id, each
# stored as an alias `scheme:value` (lower case) of its paper.
ALIAS_SCHEMES = ("openalex", "s2", "mag")

_OPENALEX_ID = re.compile(r"(?:https?://openalex\.org/)?([WwAaSs]\d+)$")
_SPACES = re.compile(r"\s+")
_KEY_WORD = re.compile(r"[A-Za-z0-9]+")
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")


@dataclass
class Reference:
    """A work another work cites, as the source named it."""

    doi: str | None = None
    arxiv_id: str | None = None
    openalex: str | None = None  # W123...
    s2: str | None = None  # corpus id
    mag: str | None = None
    title: str | None = None
    year: int | None = None
    intents: list[str] | None = None  # Semantic Scholar: background, methodology, result; None: not stated
    influential: bool | None = None
    contexts: list[str] = field(default_factory=list)

    def aliases(self) -> list[str]:
        # Called for every reference of a snapshot (20 a work): no generator, no f-string.
        out = []
        if self.openalex:
            out.append("openalex:" + self.openalex.lower())
        if self.s2:
            out.append("s2:" + self.s2.lower())
        if self.mag:
            out.append("mag:" + self.mag.lower())
        return out

    def is_empty(self) -> bool:
        return not (self.doi or self.arxiv_id or self.openalex or self.s2 or self.mag)


@dataclass
class ImportedRecord(bibtex.BibRecord):
    """A BibTeX-shaped record with the identifiers (alias, scheme) and the
    references its source gave."""

    ids: list[tuple[str, str]] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    # A record that only adds to a work named by its ids (an S2AG abstract
    # line): placed only on a paper already known, never made a new one.
    amends_only: bool = False

    def __reduce__(self):
        return ImportedRecord, (self.key, self.entry_type, self.fields, self.line, self.source, self.authors,
                                self.ids, self.references, self.amends_only)


def openalex_id(value: Any) -> str | None:
    """'https://openalex.org/W2741809807' -> 'W2741809807'."""
    if not isinstance(value, str):
        return None
    # The usual spelling, taken without the regular expression (20 a work in a snapshot's references).
    if value.startswith("https://openalex.org/W") and value[22:].isdigit() and value.isascii():
        return value[21:]
    m = _OPENALEX_ID.search(value.strip())
    return m.group(1).upper() if m else None


def text(value: Any) -> str:
    """A JSON value as one line of text ('' for null)."""
    if value is None:
        return ""
    if isinstance(value, str):
        # What `\s+` -> " " and strip() make (both split on str.isspace), without the regex: sixteen fields a work.
        return " ".join(value.split())
    return str(value)


def year_in(value: Any) -> int | None:
    if isinstance(value, int) and 0 < value < 10000:
        return value
    m = _YEAR.search(text(value))
    return int(m.group(1)) if m else None


def make_key(preferred: str | None, authors: list[str], year: int | None, title: str) -> str:
    """The record's citation key: the source's id when it is a usable key,
    else AuthorYearWord as reference managers make them."""
    if preferred and CITATION_KEY_RE.match(preferred) and len(preferred) <= 200:
        return preferred
    surname = ""
    if authors:
        first = authors[0]
        surname = first.split(",", 1)[0] if "," in first else first.split()[-1] if first.split() else ""
    words = [w for w in _KEY_WORD.findall(title) if len(w) > 3] or _KEY_WORD.findall(title)
    parts = "".join(_KEY_WORD.findall(surname)) + (str(year) if year else "") + (words[0].capitalize() if words else "")
    return parts or "untitled"


def record(source: str, line: int, key: str, entry_type: str, fields: dict[str, Any], authors: list[str], *,
           ids: dict[str, str | None] | None = None, references: list[Reference] | None = None,
           amends_only: bool = False) -> ImportedRecord:
    """An ImportedRecord with empty fields dropped and `doi`/`eprint` filled from `ids`."""
    clean = {k: text(v) for k, v in fields.items() if v not in (None, "", [], {})}
    clean = {k: v for k, v in clean.items() if v}
    aliases: list[tuple[str, str]] = []
    for scheme, value in (ids or {}).items():
        if not value:
            continue
        if scheme == "doi":
            doi = normalize_doi(str(value))
            if doi:
                clean["doi"] = doi
        elif scheme == "arxiv":
            arxiv = normalize_arxiv(str(value))
            if arxiv:
                clean["eprint"] = arxiv
                clean["archiveprefix"] = "arXiv"
        else:
            aliases.append((f"{scheme}:{value}".lower(), scheme))
    return ImportedRecord(key, entry_type, clean, line, source, [a for a in authors if a],
                          ids=aliases, references=references or [], amends_only=amends_only)


# --- reading ----------------------------------------------------------------


def read_bytes(path: str | Path, limits: bibtex.Limits | None) -> bytes:
    """The file's bytes, gunzipped when it is gzip; the size limit applies to what is read."""
    limits = limits or bibtex.Limits()
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > limits.max_file_bytes:
            raise LimitExceeded(f"{size:,} bytes is more than the limit of {limits.max_file_bytes:,}", where=str(path))
        with path.open("rb") as f:
            magic = f.read(2)
        if magic == b"\x1f\x8b":
            with gzip.open(path, "rb") as f:
                data = f.read(limits.max_file_bytes + 1)
            if len(data) > limits.max_file_bytes:
                raise LimitExceeded(f"unpacked it is more than the limit of {limits.max_file_bytes:,} bytes", where=str(path))
            return data
        return path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read the file: {exc.strerror or exc}", where=str(path)) from exc


def decode(data: bytes, source: str, problems: list[bibtex.Problem]) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.append(bibtex.Problem(source, data.count(b"\n", 0, exc.start) + 1, None, "encoding",
                                       f"not valid UTF-8 (byte {exc.start}); read as Latin-1"))
        return data.decode("latin-1")


def json_items(content: str, source: str, problems: list[bibtex.Problem], list_keys: tuple[str, ...]) -> Iterator[tuple[int, Any]]:
    """(line, object) for each item of a JSON document or of JSON Lines.

    A document that is a list, or an object holding its items under one of
    `list_keys` (an API page: `results`, `data`), gives each item with the
    item's number in place of a line; any other object is one item. JSON Lines
    give each line's object with its line; a line that is not JSON is a
    problem and the rest go on."""
    stripped = content.lstrip()
    if not stripped:
        return
    try:
        whole = json.loads(content)
    except json.JSONDecodeError as exc:
        first = stripped.split("\n", 1)[0].strip()
        # JSON Lines: one object a line (the first line may be the bad one).
        lines = "\n" in content.strip() and (exc.msg == "Extra data" or (first.startswith("{") and first.endswith("}")))
        if not lines:
            problems.append(bibtex.Problem(source, exc.lineno, None, "failed-block", f"not JSON: {exc.msg} (column {exc.colno})"))
            return
        whole = None
    if whole is not None:
        items = whole
        if isinstance(whole, dict):
            for name in list_keys:
                if isinstance(whole.get(name), list):
                    items = whole[name]
                    break
            else:
                items = [whole]
        if not isinstance(items, list):
            problems.append(bibtex.Problem(source, 1, None, "failed-block", f"a JSON {type(items).__name__} is not a work or a list of works"))
            return
        for number, item in enumerate(items, start=1):
            yield number, item
        return
    for number, line in enumerate(content.splitlines(), start=1):
        yield from _json_line(source, number, line, problems)


def _json_line(source: str, number: int, raw: str | bytes, problems: list[bibtex.Problem]) -> Iterator[tuple[int, Any]]:
    """(line, object) of one line of JSON Lines; nothing for a blank line or
    for one that is not JSON (then a problem)."""
    if not raw.strip():
        return
    try:
        yield number, json.loads(raw)
    except json.JSONDecodeError as exc:
        problems.append(bibtex.Problem(source, number, None, "failed-block", f"line is not JSON: {exc.msg} (column {exc.colno})"))
    except UnicodeDecodeError as exc:
        problems.append(bibtex.Problem(source, number, None, "encoding", f"line is not UTF-8 (byte {exc.start}); skipped"))


def json_lines(path: str, limits: bibtex.Limits | None, problems: list[bibtex.Problem]) -> Iterator[tuple[int, Any]]:
    """(line, object) of a JSON Lines file (gzipped or not), read a line at a
    time so memory stays flat in the file's size; a line that is not JSON is
    a problem and the rest go on."""
    limits = limits or bibtex.Limits()
    try:
        with open(path, "rb") as probe:
            gz = probe.read(2) == b"\x1f\x8b"
        opened = gzip.open(path, "rb") if gz else open(path, "rb")
    except OSError as exc:
        raise InvalidInput(f"cannot read the file: {exc.strerror or exc}", where=str(path)) from exc
    read = 0
    with opened as f:
        for number, raw in enumerate(f, start=1):
            read += len(raw)
            if read > limits.max_file_bytes:
                raise LimitExceeded(f"more than the limit of {limits.max_file_bytes:,} bytes", where=str(path))
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            yield from _json_line(path, number, raw, problems)
