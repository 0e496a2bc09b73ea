"""Files already ingested as they are: recognised before they are read, and
recorded once written.

After a file is ingested whole, its label (FORMAT:NAME, the provenance its
values carry), the SHA-256 of its bytes, what else decides the result (this
version and schema, the format asked for, --strict, the linker, the limits)
and the ids of the papers it placed are kept in `ingested_file`. The same
bytes ingested again under the same settings are skipped without being
parsed, provided every paper the file placed is still in the store: when
one was deleted since, the file is ingested again in full, which puts it
back (and leaves the others as they are, as any re-ingest does).

Never skipped: standard input and uploaded text (no file to recognise),
`--overwrite` (the file is asked to win over what the store holds now, which
may have changed since) and `--force`. What a skipped file would not redo:
values a person emptied since are not refilled, an edge or alias deleted
since is not made again, and papers are not linked to techniques added since
(`aiprogress link` relinks the whole store); `--force` does all of that.
A killed ingest records nothing, so running it again reads the file.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
import zlib
from dataclasses import asdict, dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from sqlalchemy.engine import Engine

from ..graph import bulk
from ..graph import db as database
from ..graph.models import IngestedFile
from . import bibtex, importers


@dataclass(frozen=True)
class Identity:
    """One file as an ingest would read it."""

    label: str  # FORMAT:NAME
    sha256: str
    settings: str


@functools.lru_cache(maxsize=1)
def _code() -> dict[str, str]:
    try:
        ours = version("aiprogress")
    except PackageNotFoundError:
        ours = "unknown"
    return {"version": ours, "schema": database.schema_head()}


def identify(source: str, *, format: str | None, limits: bibtex.Limits | None, strict: bool, link: bool,
             overwrite: bool) -> Identity | None:
    """What recognises this ingest of `source`, or None when it is never skipped."""
    if source == "-" or overwrite:
        return None
    path = Path(source)
    digest = hashlib.sha256()
    try:
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None  # the ingest itself reports the file it cannot read
    label = f"{importers.pick(source, None, format).name}:{path.name}"
    settings = {**_code(), "format": format, "strict": strict, "link": link, "limits": asdict(limits or bibtex.Limits())}
    return Identity(label, digest.hexdigest(), json.dumps(settings, sort_keys=True))


def ingested_at(engine: Engine, seen: Identity) -> str | None:
    """When the same bytes were ingested under the same settings, if every
    paper that ingest placed is still in the store; else None."""
    with database.session_scope(engine) as session:
        row = session.get(IngestedFile, seen.label)
        if row is None or row.sha256 != seen.sha256 or row.settings != seen.settings:
            return None
        ids = [i for i in zlib.decompress(row.papers).decode("utf-8").split("\n") if i]
        if len(bulk.node_kinds(session, ids)) != len(ids):
            return None
        return row.ingested_at


def record(engine: Engine, seen: Identity, label: str, node_ids: set[str]) -> None:
    """Keep what recognises this file next time (`label`: the one its values
    carry, which a file of an unknown format does not share with `seen`)."""
    if label != seen.label:
        return
    packed = zlib.compress("\n".join(sorted(node_ids)).encode("utf-8"))
    when = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")

    def write(session) -> None:
        session.merge(IngestedFile(name=seen.label, sha256=seen.sha256, settings=seen.settings, papers=packed, ingested_at=when))

    database.write(engine, write)


__all__ = ["Identity", "identify", "ingested_at", "record"]
