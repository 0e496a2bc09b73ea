"""ingest/bibtex_split.py: the file read into blocks without bibtexparser's
Splitter, with the same blocks, records and problems as through it."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from aiprogress.ingest import bibtex, bibtex_split
from split_support import differences, own_reading

SAMPLES = Path(__file__).parent / "samples"


def bib_files(corpora: Path) -> list[Path]:
    return sorted(corpora.rglob("*.bib")) + sorted(SAMPLES.rglob("*.bib"))


def test_the_real_files_are_read_without_the_splitter_and_as_through_it(corpora):
    files = bib_files(corpora)
    assert len(files) >= 11
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert own_reading(text) is not None, path
        assert differences(text) == [], path


# Real entries (tests/corpora: ACL Anthology, CC BY-SA 4.0 / CC BY 4.0; lisa-lab ml.bib, MIT)
# cut short, broken and stitched: each must read as through the Splitter.
_INSERTS = ["{", "}", '"', ",", "=", "@", "\\", "\n", "(", ")", "#", " ", "%", "\\\n", "\u00a0", "\r\n", "\t",
            "@article{", "@string{", "@comment{", "@preamble{", "@misc{k}", ",}", '{"}', "\\{", "\\}", '\\"', "\n@misc{x,", "@ ", "}\n"]


def _mutants(texts: list[str], n: int, seed: int):
    rng = random.Random(seed)
    for _ in range(n):
        text = rng.choice(texts)
        starts = [m.start() for m in re.finditer(r"^@", text, re.MULTILINE)]
        i = rng.randrange(len(starts))
        end = i + rng.randint(1, 4)
        piece = text[starts[i]:starts[end] if end < len(starts) else len(text)]
        for _ in range(rng.randint(1, 6)):
            p = rng.randrange(len(piece) + 1)
            op = rng.random()
            if op < 0.6:
                piece = piece[:p] + rng.choice(_INSERTS) + piece[p:]
            elif op < 0.9:
                piece = piece[:p] + piece[p + rng.randint(1, 3):]
            else:
                piece += piece[p:p + 200]
        yield piece


def test_broken_real_entries_read_as_through_the_splitter(corpora):
    texts = [p.read_text(encoding="utf-8") for p in bib_files(corpora)]
    own = 0
    for text in _mutants(texts, 400, seed=7):
        assert differences(text) == [], text
        own += own_reading(text) is not None
    assert own > 150  # most broken files are still read here, not handed to the Splitter


@pytest.mark.parametrize("text, failed_at", [
    ("@article(k, title={T})", None),  # a block in parentheses
    ("@article{k, title={T}\n@article{j, title={U}}", 1),  # a block cut short by the next one
    ("@article{k, title={T}", 1),  # by the end of the file
    ("@article{a\\b, title={T}}", None),  # a backslash in a key
    ("@misc{j}\n@article{k, title {T}}", 2),  # no `=`
])
def test_what_this_reader_does_not_follow_goes_to_the_splitter_whole(text, failed_at):
    assert own_reading(text) is None
    assert bibtex_split.split(text).blocks == bibtex_split.split_with_bibtexparser(text).blocks
    failed = [p.line for p in bibtex.parse_text(text).problems if p.kind == "failed-block"]
    assert failed == ([failed_at] if failed_at else [])


def test_lines_of_blocks_fields_and_comments_are_the_splitters():
    # A newline right after a backslash is no line end to the Splitter: counted as it counts.
    text = ("% a comment\n\n@string{ v = {Venue} }\n@comment{x}\n@article{a,\n  title = {T},\n\n  title = {U},\n"
            "  journal = v # { 2},\n  note = {a\\\nb}, year = 2001\n}\ntext between\n@misc{b}\n")
    split = bibtex_split.split(text)
    assert [b[:2] for b in split.blocks] == [("implicit", 0), ("string", 2), ("comment", 3), ("entry", 4), ("implicit", 11), ("entry", 12)]
    fields = split.blocks[3][4]
    assert [split.field_line(where, 5) for _, _, where in fields] == [6, 8, 9, 10, 10]
    problems = bibtex.parse_text(text, "t.bib").problems
    assert ("duplicate-field", 8) in [(p.kind, p.line) for p in problems]
    assert differences(text) == []


def _entries(n: int) -> str:
    return "".join(f"@inproceedings{{k{i},\n  author = {{Smith, Jane and Doe, John}},\n  title = {{A study of {i} things}},\n"
                   f"  booktitle = {{Proceedings of the {i % 50}th Workshop}},\n  year = {{20{i % 20:02d}}},\n  pages = {{{i}--{i + 9}}}\n}}\n\n"
                   for i in range(n))


def test_a_file_without_string_macros_is_read_without_holding_all_its_blocks():
    # A file's blocks take several times its text; read as they are split,
    # the parse needs little more than the records it returns.
    import gc
    import tracemalloc

    text = _entries(3000)
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        result = bibtex.parse_text(text)
        kept, peak = (m - base for m in tracemalloc.get_traced_memory())
    finally:
        tracemalloc.stop()
    assert len(result.records) == 3000
    assert peak < 1.6 * kept, (peak, kept)  # 2.4x when the blocks are listed first


def test_too_many_entries_read_as_they_come_are_all_counted():
    text = _entries(5)
    with pytest.raises(bibtex.LimitExceeded, match="5 entries is more than the limit of 2"):
        bibtex.parse_text(text, limits=bibtex.Limits(max_entries=2))
    with pytest.raises(bibtex.LimitExceeded, match="6 entries is more than the limit of 2"):  # and with @string, counted first
        bibtex.parse_text("@string{a = {A}}\n@string{a = {B}}\n" + text, limits=bibtex.Limits(max_entries=2))


def test_a_value_many_entries_share_is_held_once():
    # A proceedings' title in every one of its papers: one string in the
    # records, and in their pickle (files parsed ahead) once.
    import pickle

    records = bibtex.parse_text(_entries(200)).records
    assert records[0].fields["booktitle"] is records[50].fields["booktitle"]
    assert records[0].fields["year"] is records[20].fields["year"]
    assert len({id(r.fields["booktitle"]) for r in records}) == 50
    shared = len(pickle.dumps(records))
    for r in records:
        r.fields["booktitle"] = "".join(r.fields["booktitle"])  # a copy each
    assert shared < 0.9 * len(pickle.dumps(records))


def test_a_shared_value_read_again_is_reported_again():
    # A value of a shared field is read once per file, unless reading it
    # reported something: then each entry reports it, as each is read.
    text = "".join(f"@article{{k{i}, journal = {{Proc. \\foo{{x}}}}, booktitle = nomacro, year = {{2001}}, year = {{2002}}}}\n" for i in range(3))
    problems = [(p.kind, p.key) for p in bibtex.parse_text(text).problems]
    for i in range(3):
        assert problems.count(("unknown-latex", f"k{i}")) == 1
        assert problems.count(("undefined-macro", f"k{i}")) == 1
        assert problems.count(("duplicate-field", f"k{i}")) == 1
    assert differences(text) == []
