"""The `csl-json` and `ris` export formats: every paper as a CSL item or a
RIS record, as reference managers (Zotero, JabRef, EndNote, Pandoc) read
them.

The key (id without `paper:`) is the CSL `id` / RIS `ID`; names written
`family, given` become CSL family/given, others a literal name; the arXiv
id goes to CSL `arXiv` and to a RIS `UR` of arxiv.org. Reading either file
back with `ingest` gives the same papers (tests/test_import_formats.py).
"""

from __future__ import annotations

import json
from typing import Any, BinaryIO

from sqlmodel import Session

from . import bulk
from .export import ExportFormat, register

# BibTeX entry type -> CSL type and RIS type (the importers' tables read the other way).
_CSL_TYPES = {"article": "article-journal", "inproceedings": "paper-conference", "conference": "paper-conference",
              "book": "book", "incollection": "chapter", "inbook": "chapter", "techreport": "report",
              "phdthesis": "thesis", "mastersthesis": "thesis", "online": "webpage", "unpublished": "manuscript",
              "software": "software", "misc": "article"}
_RIS_TYPES = {"article": "JOUR", "inproceedings": "CPAPER", "conference": "CPAPER", "book": "BOOK",
              "incollection": "CHAP", "inbook": "CHAP", "techreport": "RPRT", "phdthesis": "THES",
              "mastersthesis": "THES", "online": "ELEC", "unpublished": "UNPB", "software": "COMP", "misc": "GEN"}


def _papers(session: Session) -> list[dict[str, Any]]:
    return list(bulk.paper_rows(session))


def csl_item(row: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = {"id": row["node_id"].split(":", 1)[1], "type": _CSL_TYPES.get(row["entry_type"] or "misc", "article"),
                            "title": row["name"]}
    authors = []
    for name in row["authors"] or ():
        if "," in name:
            family, given = (p.strip() for p in name.split(",", 1))
            authors.append({"family": family, "given": given} if given else {"family": family})
        else:
            authors.append({"literal": name})
    if authors:
        item["author"] = authors
    if row["year"] is not None:
        item["issued"] = {"date-parts": [[row["year"]]]}
    for column, variable in (("venue", "container-title"), ("doi", "DOI"), ("url", "URL"), ("abstract", "abstract"), ("arxiv_id", "arXiv")):
        if row.get(column):
            item[variable] = row[column]
    return item


def write_csl_json(session: Session, stream: BinaryIO) -> None:
    items = [csl_item(row) for row in _papers(session)]
    stream.write(json.dumps(items, ensure_ascii=False, indent=1).encode("utf-8"))


def ris_entry(row: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {"type_of_reference": _RIS_TYPES.get(row["entry_type"] or "misc", "GEN"),
                             "id": row["node_id"].split(":", 1)[1], "title": row["name"]}
    if row["authors"]:
        entry["authors"] = list(row["authors"])
    if row["year"] is not None:
        entry["year"] = str(row["year"])
    for column, key in (("venue", "journal_name"), ("doi", "doi"), ("abstract", "abstract")):
        if row.get(column):
            entry[key] = row[column]
    urls = [u for u in (row.get("url"), f"https://arxiv.org/abs/{row['arxiv_id']}" if row.get("arxiv_id") else None) if u]
    if urls:
        entry["urls"] = urls
    return entry


def write_ris(session: Session, stream: BinaryIO) -> None:
    import rispy

    stream.write(rispy.dumps([ris_entry(row) for row in _papers(session)]).encode("utf-8"))


register(ExportFormat("csl-json", "application/vnd.citationstyles.csl+json", "json", write_csl_json,
                      "CSL-JSON (Zotero, Pandoc, citeproc): every paper as an item; `ingest` reads it back."))
register(ExportFormat("ris", "application/x-research-info-systems", "ris", write_ris,
                      "RIS (EndNote, Zotero, JabRef): every paper as a record; `ingest` reads it back."))
