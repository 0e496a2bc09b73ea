"""ingest/bibtex.py: BibTeX text -> records and a report (no database)."""

from __future__ import annotations

import pytest

from aiprogress.graph.errors import LimitExceeded
from aiprogress.ingest.bibtex import Limits, parse_file, parse_text, split_names, year_of


def kinds(result) -> list[str]:
    return [p.kind for p in result.problems]


def one(text: str):
    result = parse_text(text, "t.bib")
    assert len(result.records) == 1, result.problems
    return result.records[0], result


def test_fields_are_lower_cased_and_enclosings_removed():
    rec, _ = one('@Article{K1,\n  Title = {Deep {L}earning},\n  AUTHOR = "LeCun, Yann and Bengio, Yoshua",\n  Year = 2015\n}')
    assert rec.key == "K1" and rec.entry_type == "article" and rec.line == 1 and rec.source == "t.bib"
    assert rec.fields == {"title": "Deep Learning", "author": "LeCun, Yann and Bengio, Yoshua", "year": "2015"}
    assert rec.authors == ["LeCun, Yann", "Bengio, Yoshua"]


def test_latex_is_decoded_to_unicode_in_text_fields_only():
    rec, _ = one(r'''@inproceedings{k,
  author = {M{\"u}ller, J{\"o}rg and Fran{\c{c}}ois, B.~W.},
  title = {The $\alpha$-rule: 50% of {CNN}s -- and \textit{more}},
  url = {http://x.org/a_b%20c},
  pages = {43--49},
  doi = {10.1000/A--B}
}''')
    assert rec.authors == ["Müller, Jörg", "François, B. W."]
    assert rec.fields["title"] == "The α-rule: 50% of CNNs – and more"
    assert rec.fields["url"] == "http://x.org/a_b%20c"
    assert rec.fields["pages"] == "43--49"
    assert rec.fields["doi"] == "10.1000/A--B"


def test_names_split_on_and_outside_braces_only():
    assert split_names("{Barnes and Noble} and Smith, J.") == ["{Barnes and Noble}", "Smith, J."]
    assert split_names("A AND B\n and C") == ["A", "B", "C"]


def test_string_macros_month_macros_and_concatenation():
    text = '''@string{ nips = "Advances in Neural" }
@STRING{NipsFull = nips # " Information Processing Systems"}
@article{k, journal = NipsFull, booktitle = nips # { 22}, month = jan, note = "a" # "b", volume = 3}'''
    rec, result = one(text)
    assert rec.fields["journal"] == "Advances in Neural Information Processing Systems"
    assert rec.fields["booktitle"] == "Advances in Neural 22"
    assert rec.fields["month"] == "January"
    assert rec.fields["note"] == "ab"
    assert rec.fields["volume"] == "3"
    assert result.errors == []


def test_undefined_macro_is_reported_with_line_and_kept_as_text():
    rec, result = one("@article{k,\n title = {T},\n journal = ijcnn\n}")
    assert rec.fields["journal"] == "ijcnn"
    (p,) = result.errors
    assert (p.kind, p.line, p.key) == ("undefined-macro", 3, "k")
    assert "ijcnn" in p.message


def test_crossref_inherits_missing_fields_and_parent_title_as_booktitle():
    text = '''@inproceedings{child, title = {Child}, crossref = {proc}}
@proceedings{proc, title = {Proceedings of X}, year = 2001, publisher = {P}}'''
    result = parse_text(text)
    child = next(r for r in result.records if r.key == "child")
    assert child.fields["title"] == "Child"
    assert child.fields["booktitle"] == "Proceedings of X"
    assert child.fields["year"] == "2001" and child.fields["publisher"] == "P"


def test_undefined_crossref_is_reported():
    result = parse_text("@inproceedings{c, title={C}, crossref={nowhere}}")
    assert kinds(result) == ["undefined-crossref"]


def test_comments_and_preamble_are_notes_not_errors():
    text = '''% a comment line
@comment{jabref-meta: x}
@preamble{"\\newcommand{\\x}{y}"}
@article{k, title={T}}'''
    result = parse_text(text)
    assert len(result.records) == 1
    assert sorted(kinds(result)) == ["comment", "comment", "preamble"]
    assert result.errors == []


def test_text_that_looks_like_an_entry_is_reported_with_its_line():
    text = "@article{a, title={A}}\n\n@ InProceedings{b,\n title = {B}\n}\n"
    result = parse_text(text, "x.bib")
    assert [r.key for r in result.records] == ["a"]
    (p,) = result.errors
    assert p.kind == "not-an-entry" and p.line == 3 and "@ InProceedings{b" in p.message


def test_failed_block_is_reported_and_the_rest_is_read():
    text = "@article{a, title={A}\n@article{b, title={B}}\n"
    result = parse_text(text)
    assert [r.key for r in result.records] == ["b"]
    assert kinds(result) == ["failed-block"]
    assert result.problems[0].line == 1


def test_duplicate_keys_exact_copy_skipped_different_kept_both_reported():
    entry = "@article{a,\n title={A}\n}\n"
    result = parse_text(entry + entry + "@article{A, title={Other}}\n")
    # A different entry under a used key is a different work: kept apart under a new key, never merged by the key.
    assert [(r.key, r.fields["title"]) for r in result.records] == [("a", "A"), ("A-2", "Other")]
    assert kinds(result) == ["duplicate-key", "duplicate-key"]
    assert "exact copy" in result.problems[0].message and result.problems[0].line == 4
    assert "different entry" in result.problems[1].message and "kept apart as 'A-2'" in result.problems[1].message


def test_a_key_used_by_three_different_entries_and_one_named_like_the_new_key_all_stay_apart():
    text = "".join(f"@misc{{{key}, title={{{title}}}}}\n" for key, title in
                   [("k", "One"), ("k", "Two"), ("k-2", "Three"), ("k", "Four")])
    result = parse_text(text)
    keys = [r.key for r in result.records]
    assert [r.fields["title"] for r in result.records] == ["One", "Two", "Three", "Four"]
    assert len(set(k.lower() for k in keys)) == 4 and keys[:2] == ["k", "k-2"]


def test_duplicate_fields_first_wins_case_insensitive_keywords_joined():
    result = parse_text("@article{a, title={One}, Title={Two}, keywords={x}, keywords={y}}")
    rec = result.records[0]
    assert rec.fields["title"] == "One"
    assert rec.fields["keywords"] == "x, y"
    assert kinds(result) == ["duplicate-field", "duplicate-field"]
    assert "'Two'" in result.problems[0].message


def test_lettered_year_is_a_note_and_biblatex_date_gives_the_year():
    result = parse_text("@article{a, title={A}, year={2023a}}\n@online{b, title={B}, date={2019-05-01}}")
    assert kinds(result) == ["year-suffix"] and result.errors == []
    a, b = result.records
    assert year_of(a.fields) == 2023 and year_of(b.fields) == 2019
    assert b.entry_type == "online"


def test_field_length_limit_skips_the_entry_with_a_problem():
    result = parse_text("@article{a, title={%s}}\n@article{b, title={B}}" % ("x" * 50), limits=Limits(max_field_chars=20))
    assert [r.key for r in result.records] == ["b"]
    assert kinds(result) == ["limit"]


def test_file_limits_raise_clear_errors(tmp_path):
    with pytest.raises(LimitExceeded, match="limit of 10"):
        parse_text("@article{a, title={A}}", "big.bib", limits=Limits(max_file_bytes=10))
    with pytest.raises(LimitExceeded, match="2 entries"):
        parse_text("@article{a, title={A}}\n@article{b, title={B}}", limits=Limits(max_entries=1))
    path = tmp_path / "big.bib"
    path.write_text("@article{a, title={A}}\n" * 10)
    with pytest.raises(LimitExceeded) as info:
        parse_file(path, limits=Limits(max_file_bytes=100))
    assert str(path) in str(info.value)


def test_latin1_file_is_read_with_a_problem(tmp_path):
    path = tmp_path / "l1.bib"
    path.write_bytes("@article{a, title={Caf\xe9}}".encode("latin-1"))
    result = parse_file(path)
    assert result.records[0].fields["title"] == "Café"
    assert kinds(result) == ["encoding"]


# --- samples of the real corpora (tests/corpora, see its SOURCES.md) ---------------


def hidden_entry_lines(path) -> list[int]:
    """Lines of `@ type{` (a space after the @): entries that BibTeX tools read as comments."""
    return [i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if line.startswith("@ ")]


def test_ml_bib_reports_its_known_quirks(corpora):
    path = corpora / "lisa-lab-ml/ml.bib"
    result = parse_file(path)
    by_kind = {}
    for p in result.problems:
        by_kind.setdefault(p.kind, []).append(p)
    not_entries = by_kind["not-an-entry"]
    assert [p.line for p in not_entries] == hidden_entry_lines(path) and len(not_entries) == 2
    assert "Salakhutdinov-NIPS2010-softmax" in not_entries[0].message
    assert len(by_kind["duplicate-key"]) == 2
    assert len({p.key for p in by_kind["duplicate-field"]}) == 6
    # Bare macro names that the file never defines (about 1,300 in the whole
    # file, about a hundred in the sample), each reported.
    assert len(by_kind["undefined-macro"]) > 90
    keys = {r.key for r in result.records}
    assert "Salakhutdinov-NIPS2010-softmax" not in keys
    assert len(result.records) == 278


def test_d2l_title_cased_fields_are_read(corpora):
    result = parse_file(corpora / "d2l/d2l.bib")
    assert len(result.records) == 245
    silverman = [r for r in result.records if r.authors == ["B. W. Silverman"]]
    assert silverman and silverman[0].fields["title"].startswith("Density Estimation for Statistical and Data")
    assert all("Title" not in r.fields for r in result.records)
    assert all(r.fields.get("title") for r in result.records)


def test_coling_exact_duplicates_are_reported_not_returned(corpora):
    result = parse_file(corpora / "acl-anthology-2019/all_C_coling.bib")
    assert len(result.records) == 126
    dups = [p for p in result.problems if p.kind == "duplicate-key"]
    assert len(dups) == 63 and all("exact copy" in p.message for p in dups)
    assert not [p for p in result.errors if p.kind != "duplicate-key"]


@pytest.mark.parametrize("value", [
    "", "plain", "Cross-lingual", "a-b-c", "1--2", "-", "--", "a -- b", "`x'", "``x''", "`", "'", "O'Neil",
    "x'-'", "-`", "'`'", "`-`", r"\"u", "{X}", "$x$", "a~b", "a-{b}", "tail-", "tail'", "tail`",
])
def test_the_quick_check_for_latex_agrees_with_the_full_pattern(value):
    from aiprogress.ingest.bibtex import _NEEDS_DECODING, _needs_decoding

    assert _needs_decoding(value) == bool(_NEEDS_DECODING.search(value))


def test_field_names_are_read_alike_however_often_they_are_written():
    # A name's reading is remembered across entries and files: the tenth entry reads as the first.
    text = "".join(f"@misc{{k{i},\n  {name} = {{v{i}}}\n}}\n" for i, name in enumerate([" TITLE", "Title ", "title", " TITLE"] * 3))
    result = parse_text(text, "t.bib")
    assert [list(r.fields) for r in result.records] == [["title"]] * 12


def test_a_year_read_before_reads_the_same_again():
    # Readings of plain years are remembered across entries and files: an implausible one is reported every time.
    for _ in range(2):
        result = parse_text("@misc{a, year = {9999}}\n@misc{b, year = { 2015 }}\n@misc{c, year = {2015}, date = {2001}}\n", "t.bib")
        assert [year_of(r.fields) for r in result.records] == [None, 2015, 2015]
        assert kinds(result) == ["odd-year"]


@pytest.mark.parametrize("authors, expected", [
    ("Ann Lee and others", ["Ann Lee"]), ("Ann Lee and OTHERS", ["Ann Lee"]), ("Ann Others and Bo Li", ["Ann Others", "Bo Li"]),
    (r"Ann Lee and {O}thers", ["Ann Lee"]), (r"J{\"o}rg Others and others", ["Jörg Others"]), ("Ann  Lee\tAND Bo", ["Ann Lee", "Bo"]),
])
def test_author_lists_with_and_without_latex_read_alike(authors, expected):
    rec, _ = one(f"@misc{{k, author = {{{authors}}}}}")
    assert rec.authors == expected
    assert rec.fields["author"] == " and ".join(expected)


def test_problems_name_the_line_of_their_field():
    text = '@misc{k,\n  title = {A},\n  note = nomacro,\n  title = {B},\n  author = {\\foo{x} Lee},\n  title = {A}\n}\n'
    result = parse_text(text, "t.bib")
    assert [(p.kind, p.line) for p in result.problems] == [
        ("undefined-macro", 3), ("duplicate-field", 4), ("unknown-latex", 5), ("duplicate-field", 6)]
