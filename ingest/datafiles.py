"""The built-in history (and any data folder in its format) -> service calls.

A data folder holds TOML files with arrays of tables `[[constraint]]`,
`[[technique]]`, `[[field]]`, `[[narrative]]`, `[[proposal]]`, `[[problem]]`,
`[[theme]]`, `[[edge]]`, `[[measurement]]`, `[[status]]`,
and BibTeX files for the papers (read through the same path as a user's
BibTeX). Loading order: nodes, then papers, then edges and measurements, so
that any file may refer to any node. The caller runs it in one transaction:
the first error names the file, line and id, and nothing is written.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from sqlmodel import Session

from ..graph import service
from ..graph.errors import AiprogressError, InvalidInput
from ..graph.models import Edge, Measurement, Node, StatusRecord
from . import load

NODE_TABLES = ("constraint", "field", "narrative", "technique", "proposal", "problem", "theme")
TABLES = (*NODE_TABLES, "edge", "measurement", "status")
# The keys an entry may have are the model's columns (a file names edge ends
# `source`/`target`, a measurement's node `node` and a status's `constraint`), less what the loader sets.
_NODE_KEYS = {c.name for c in Node.__table__.columns if c.name not in ("kind", "provenance")} | {"aliases"}
_EDGE_KEYS = {c.name.removesuffix("_id") for c in Edge.__table__.columns if c.name not in ("id", "provenance", "inferred")}
_MEASUREMENT_KEYS = {c.name.removesuffix("_id") for c in Measurement.__table__.columns if c.name != "id"}
_STATUS_KEYS = {c.name.removesuffix("_id") for c in StatusRecord.__table__.columns if c.name != "id"}


def builtin_data_dir() -> Path:
    """The folder of the built-in history shipped inside the package."""
    return Path(str(resources.files("aiprogress.data")))


@dataclass
class LoadReport:
    files: list[str] = field(default_factory=list)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def count(self, what: str, change: str) -> None:
        bucket = self.counts.setdefault(what, {service.ADDED: 0, service.UPDATED: 0, service.UNCHANGED: 0})
        bucket[change] = bucket.get(change, 0) + 1

    @property
    def changed(self) -> int:
        return sum(c.get(service.ADDED, 0) + c.get(service.UPDATED, 0) for c in self.counts.values())

    def to_dict(self) -> dict[str, Any]:
        return {"files": self.files, "counts": self.counts, "changed": self.changed}


@dataclass
class _Entry:
    table: str
    values: dict[str, Any]
    where: str  # "file:line"


def _table_lines(text: str, table: str) -> list[int]:
    """Line numbers of each `[[table]]` header, so errors can point at an entry."""
    header = re.compile(rf"^\s*\[\[\s*{re.escape(table)}\s*\]\]")
    return [n for n, line in enumerate(text.splitlines(), start=1) if header.match(line)]


def _read_toml(path: Path) -> list[_Entry]:
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read: {exc}", where=str(path)) from exc
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"not valid TOML: {exc}", where=str(path)) from exc
    unknown = set(data) - set(TABLES)
    if unknown:
        raise InvalidInput(f"unknown table(s) {', '.join(sorted(unknown))}; expected [[{']], [['.join(TABLES)}]]", where=str(path))
    entries = []
    for table in TABLES:
        rows = data.get(table, [])
        if not isinstance(rows, list):
            raise InvalidInput(f"{table} must be an array of tables: [[{table}]]", where=str(path))
        lines = _table_lines(text, table)
        for index, row in enumerate(rows):
            line = lines[index] if index < len(lines) else "?"
            entries.append(_Entry(table, row, f"{path}:{line}"))
    return entries


def _check_keys(entry: _Entry, allowed: set[str], required: set[str]) -> None:
    unknown = set(entry.values) - allowed
    if unknown:
        raise InvalidInput(f"[[{entry.table}]] has unknown key(s) {', '.join(sorted(unknown))}", where=entry.where)
    missing = required - set(entry.values)
    if missing:
        raise InvalidInput(f"[[{entry.table}]] is missing {', '.join(sorted(missing))}", where=entry.where)


def _load_node(session: Session, entry: _Entry, provenance: str, report: LoadReport) -> None:
    _check_keys(entry, _NODE_KEYS, {"id", "name"})
    values = dict(entry.values)
    node_id = values.pop("id")
    aliases = values.pop("aliases", [])
    kind, _ = service.split_id(node_id)
    if kind != entry.table:
        raise InvalidInput(f"id {node_id!r} is not a {entry.table} id ({entry.table}:slug)")
    report.count(kind, service.upsert_node(session, node_id, provenance=provenance, **values))
    for alias in [values["name"], *aliases]:
        service.add_alias(session, node_id, alias)


def _load_edge(session: Session, entry: _Entry, provenance: str, report: LoadReport) -> None:
    _check_keys(entry, _EDGE_KEYS, {"source", "relation", "target", "note"})
    v = entry.values
    _, change = service.link(
        session, v["source"], v["relation"], v["target"], provenance=provenance,
        note=v["note"], year=v.get("year"), confidence=v.get("confidence"),
    )
    report.count("edge", change)


def _load_measurement(session: Session, entry: _Entry, provenance: str, report: LoadReport) -> None:
    _check_keys(entry, _MEASUREMENT_KEYS, {"node", "quantity", "value", "unit", "source"})
    v = dict(entry.values)
    report.count("measurement", service.upsert_measurement(session, v.pop("node"), **v))


def _load_status(session: Session, entry: _Entry, provenance: str, report: LoadReport) -> None:
    _check_keys(entry, _STATUS_KEYS, {"constraint", "year", "status", "source", "note"})
    v = dict(entry.values)
    report.count("status", service.upsert_status(session, v.pop("constraint"), **v))


_LOADERS = {"edge": _load_edge, "measurement": _load_measurement, "status": _load_status, **{t: _load_node for t in NODE_TABLES}}


def load_data(session: Session, path: Path | str, *, provenance_prefix: str = "builtin", link: bool = True) -> LoadReport:
    """Load a data folder or a single .toml/.bib file. Raises on the first error.
    The papers of its .bib files are linked to the techniques they name unless `link` is False."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in {".toml", ".bib"})
        if not files:
            raise InvalidInput("no .toml or .bib files in this folder", where=str(path))
    elif path.is_file():
        if path.suffix not in {".toml", ".bib"}:
            raise InvalidInput("a data file must end in .toml or .bib", where=str(path))
        files = [path]
    else:
        raise InvalidInput("no such file or folder", where=str(path))

    report = LoadReport(files=[str(f) for f in files])
    entries = [e for f in files if f.suffix == ".toml" for e in _read_toml(f)]
    order = {t: i for i, t in enumerate(TABLES)}
    node_entries = [e for e in entries if e.table in NODE_TABLES]
    later_entries = sorted((e for e in entries if e.table not in NODE_TABLES), key=lambda e: order[e.table])

    def run(entry: _Entry, file_name: str) -> None:
        try:
            _LOADERS[entry.table](session, entry, f"{provenance_prefix}:{file_name}", report)
        except AiprogressError as exc:
            raise type(exc)(exc.message, where=entry.where) from exc

    for entry in node_entries:
        run(entry, Path(entry.where.rsplit(":", 1)[0]).name)
    for bib in (f for f in files if f.suffix == ".bib"):
        result = load.ingest_file(session, bib, provenance=f"{provenance_prefix}:{bib.name}", strict=True, link=link)
        for change, n in ((service.ADDED, result.new), (service.UPDATED, result.merged), (service.UNCHANGED, result.unchanged)):
            report.counts.setdefault("paper", {service.ADDED: 0, service.UPDATED: 0, service.UNCHANGED: 0})[change] += n
        bucket = report.counts.setdefault("edge", {service.ADDED: 0, service.UPDATED: 0, service.UNCHANGED: 0})
        bucket[service.ADDED] += result.edges_added
    for entry in later_entries:
        run(entry, Path(entry.where.rsplit(":", 1)[0]).name)
    return report


def load_builtin(session: Session, *, link: bool = True) -> LoadReport:
    return load_data(session, builtin_data_dir(), link=link)
