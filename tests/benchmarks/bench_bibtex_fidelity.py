"""Benchmark: stored titles and author lists against an independent BibTeX parser.

    python tests/benchmarks/bench_bibtex_fidelity.py [PATH ...] [--parser pybtex|bibtexparser] [--samples N] [--show N]

PATH is a .bib file or a folder of them (default: every .bib under
../shared/corpora). Each file is ingested into an empty SQLite store the way
`aiprogress ingest` does it; every paper's stored title and author list is
then compared with what the other parser makes of the entry it came from:

- pybtex (default when installed): its own BibTeX grammar, macros and name
  splitting; LaTeX rendered with pybtex's richtext (latexcodec);
- bibtexparser: version 2 with its LaTeX decoding middleware (pylatexenc's
  default rules, none of ours).

Texts are compared after Unicode NFC, whitespace folding and case folding;
an author list matches when every name has the same words (in any order: one
side may write `Last, First`). It prints per file and in all the share of
titles and author lists that match, then up to --show differences per file,
so that what differs can be judged (often the other parser loses a logo or a
macro's argument, which ours keeps). --samples N looks at the first N
entries of each file only (a quick run on a loaded machine).
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import unicodedata
from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session

from aiprogress.graph import db
from aiprogress.graph.models import Alias, Node, Paper
from aiprogress.ingest import bibtex, load

REPO = Path(__file__).resolve().parents[2]
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def fold(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("{", "").replace("}", "")
    return " ".join(text.split()).casefold()


def name_words(name: str) -> list[str]:
    return sorted(_WORD.findall(fold(name)))


# --- the other parsers: {citation key: (title, [author words])} -------------------------


def with_pybtex(path: Path) -> dict[str, tuple[str, list[list[str]]]]:
    import pybtex.errors
    from pybtex.database import parse_file
    from pybtex.richtext import Text

    pybtex.errors.set_strict_mode(False)

    def text(latex: str) -> str:
        try:
            return Text.from_latex(latex).render_as("text")
        except Exception:  # pybtex's LaTeX reader refuses some values; compare them raw
            return latex

    with pybtex.errors.capture() as warnings:  # pybtex would print one line per repeated key
        data = parse_file(str(path), bib_format="bibtex")
    if warnings:
        print(f"  (pybtex: {len(warnings):,} warnings, e.g. {str(warnings[0])!r})")
    def person_words(person) -> list[str]:
        try:
            return name_words(" ".join(part.render_as("text") for part in person.rich_first_names + person.rich_middle_names
                                       + person.rich_prelast_names + person.rich_last_names + person.rich_lineage_names))
        except Exception:  # latexcodec refuses some names (a stray backslash); compare them raw
            return name_words(str(person))

    out = {}
    for key, entry in data.entries.items():
        people = entry.persons.get("author", [])
        authors = [person_words(person) for person in people if str(person) != "others"]
        out[key] = (text(entry.fields.get("title", "")), authors)
    return out


def with_bibtexparser(path: Path) -> dict[str, tuple[str, list[list[str]]]]:
    import bibtexparser
    from bibtexparser import middlewares as m

    library = bibtexparser.parse_file(str(path), append_middleware=[m.LatexDecodingMiddleware(), m.SeparateCoAuthors()])
    out = {}
    for entry in library.entries:
        title = entry.fields_dict.get("title")
        authors = entry.fields_dict.get("author")
        names = authors.value if authors is not None and isinstance(authors.value, list) else []
        out[entry.key] = (title.value if title is not None else "", [name_words(n) for n in names if n.strip().lower() != "others"])
    return out


PARSERS = {"pybtex": with_pybtex, "bibtexparser": with_bibtexparser}


# --- ours: what the store holds ------------------------------------------------------------


def stored(path: Path, samples: int | None) -> dict[str, tuple[str, list[list[str]]]]:
    """{citation key: (stored title, [author words])} for the papers ingested from `path`."""
    parsed = bibtex.parse_file(path)
    if samples:
        parsed.records = parsed.records[:samples]
    with tempfile.TemporaryDirectory() as tmp:
        engine = db.open_engine(str(Path(tmp) / "bench.db"))
        db.create_schema(engine)
        load.ingest_source(engine, str(path), parsed=parsed)
        with Session(engine) as s:
            names = dict(s.execute(select(Node.id, Node.name)).all())
            authors = dict(s.execute(select(Paper.node_id, Paper.authors)).all())
            aliases = dict(s.execute(select(Alias.alias, Alias.node_id)).all())
        engine.dispose()
    out = {}
    for record in parsed.records:
        node_id = aliases.get(record.key.lower())
        if node_id in names:
            out[record.key] = (names[node_id], [name_words(a) for a in authors.get(node_id) or []])
    return out


def compare(path: Path, parser: str, samples: int | None, show: int) -> tuple[int, int, int, int]:
    ours = stored(path, samples)
    theirs = PARSERS[parser](path)
    keys = [k for k in ours if k in theirs]
    title_ok = author_ok = title_raw = 0
    differences, raw = [], []
    for key in keys:
        (t1, a1), (t2, a2) = ours[key], theirs[key]
        same_title = fold(t1) == fold(t2) or not t2
        same_authors = sorted(a1) == sorted(a2)
        title_ok += same_title
        author_ok += same_authors
        if not same_title:
            # The other parser left LaTeX it does not know as written, where ours decoded it: listed after the rest.
            undecoded = "\\" in t2 and "\\" not in t1
            title_raw += undecoded
            (raw if undecoded else differences).append(f"  {key}: title\n    ours:   {t1!r}\n    {parser}: {t2!r}")
        if not same_authors:
            differences.append(f"  {key}: authors\n    ours:   {a1}\n    {parser}: {a2}")
    n = max(len(keys), 1)
    print(f"{path.name}: {len(keys)} entries compared; titles {title_ok / n:.1%} match (+{title_raw / n:.1%} where only {parser} "
          f"left LaTeX undecoded), author lists {author_ok / n:.1%} match")
    listed = differences + raw
    for line in listed[:show]:
        print(line)
    if len(listed) > show:
        print(f"  ... {len(listed) - show} more differences")
    return len(keys), title_ok, title_raw, author_ok


def bib_files(paths: list[str]) -> list[Path]:
    out = []
    for p in paths or [str(REPO.parent / "shared" / "corpora")]:
        path = Path(p)
        out.extend(sorted(path.rglob("*.bib")) if path.is_dir() else [path] if path.is_file() else [])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", help=".bib files or folders (default: ../shared/corpora)")
    default = "pybtex"
    try:
        import pybtex  # noqa: F401
    except ImportError:
        default = "bibtexparser"
    parser.add_argument("--parser", choices=sorted(PARSERS), default=default)
    parser.add_argument("--samples", type=int, default=None, help="first N entries of each file only")
    parser.add_argument("--show", type=int, default=20, help="differences listed per file")
    args = parser.parse_args()
    files = bib_files(args.paths)
    if not files:
        where = ", ".join(args.paths) or str(REPO.parent / "shared" / "corpora")
        sys.exit(f"no .bib files in {where}: put the corpora there (see its SOURCES.md) or name files or folders as PATH")
    total = titles = titles_raw = authors = 0
    for path in files:
        n, t, r, a = compare(path, args.parser, args.samples, args.show)
        total, titles, titles_raw, authors = total + n, titles + t, titles_raw + r, authors + a
    n = max(total, 1)
    print(f"\nall {len(files)} file(s), {total} entries against {args.parser}: titles {titles / n:.1%} match "
          f"(+{titles_raw / n:.1%} only {args.parser} left LaTeX undecoded), author lists {authors / n:.1%} match")


if __name__ == "__main__":
    main()
