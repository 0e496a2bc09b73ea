"""One registry of settings: name, default, help and environment variable.

The CLI's flags, the server and the README's settings table all read this
list, so a setting is declared once. Each can be set by `AIPROGRESS_<NAME>`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str

    @property
    def env(self) -> str:
        return "AIPROGRESS_" + self.name.upper()

    def convert(self, raw: str) -> Any:
        if isinstance(self.default, bool):
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        if isinstance(self.default, int):
            return int(raw)
        return raw


SETTINGS: tuple[Setting, ...] = (
    Setting("database_url", "sqlite:///aiprogress.db", "Database URL or SQLite file path."),
    Setting("host", "127.0.0.1", "Address `aiprogress serve` listens on."),
    Setting("port", 8000, "Port `aiprogress serve` listens on."),
    Setting("token", "", "Bearer token that allows writes over HTTP; with none set the server refuses writes."),
    Setting("max_upload_bytes", 20_000_000, "Largest BibTeX upload or request body accepted, in bytes."),
    Setting("max_file_bytes", 200_000_000, "Largest BibTeX file `ingest` reads, in bytes."),
    Setting("max_entries", 500_000, "Most entries one BibTeX file may hold."),
    Setting("max_field_chars", 100_000, "Longest BibTeX field value accepted, in characters."),
    Setting("max_key_length", 400, "Longest node id, alias or citation key stored, in characters (at most 400)."),
    Setting("ingest_batch_size", 2_000, "BibTeX entries written per transaction by `ingest`; a killed ingest keeps whole batches."),
    Setting("ingest_workers", "auto", "Processes that parse the next files while `ingest` writes one: a number, or `auto` (one per core the rest of the machine leaves idle, beside the writer's)."),
    Setting("max_query_depth", 12, "Deepest GraphQL query accepted."),
    Setting("max_query_cost", 50_000, "Largest estimated GraphQL query cost accepted."),
    Setting("max_aliases", 30, "Most aliases one GraphQL query may use."),
    Setting("max_page_size", 500, "Largest page a paginated GraphQL field returns."),
    Setting("sparql_timeout", 5, "Seconds a SPARQL query may run before it is stopped."),
    Setting("sparql_max_rows", 100_000, "Most rows (or triples) a SPARQL answer may hold."),
    Setting("page_limit", 5_000, "Most nodes the page draws at once; a larger store is filtered by the server at every change."),
)

BY_NAME = {s.name: s for s in SETTINGS}


def get(name: str, override: Any = None) -> Any:
    """The value of a setting: an explicit override, else its environment variable, else its default."""
    setting = BY_NAME[name]
    if override is not None:
        return override
    raw = os.environ.get(setting.env)
    if raw is not None and raw != "":
        return setting.convert(raw)
    return setting.default


def resolve(**overrides: Any) -> dict[str, Any]:
    """Every setting's value, with the given overrides applied."""
    return {s.name: get(s.name, overrides.get(s.name)) for s in SETTINGS}
