"""ingest/latex.py: the fast path decodes exactly as the general decoder, on
every LaTeX-bearing value (and each name of a name list) of real files."""

from __future__ import annotations

from pathlib import Path

import pytest
from bibtexparser.splitter import Splitter

from aiprogress.ingest import latex
from aiprogress.ingest.bibtex import _NEEDS_DECODING, split_names

SAMPLES = Path(__file__).parent / "samples"


def latex_values(files) -> set[str]:
    values = set()
    for path in files:
        for entry in Splitter(Path(path).read_text(encoding="utf-8", errors="replace")).split().entries:
            for f in entry.fields:
                value = f.value.strip()
                if value[:1] in '{"':
                    value = value[1:-1]
                value = " ".join(value.split())
                values.update(part for part in [value, *split_names(value)] if _NEEDS_DECODING.search(part))
    return values


def check_fast_path(values: set[str], minimum_share: float) -> None:
    fast = {v: latex.fast_latex_to_text(v) for v in values}
    taken = {v: text for v, text in fast.items() if text is not None}
    differing = [(v, text, latex.general_latex_to_text(v).text) for v, text in taken.items()
                 if text != latex.general_latex_to_text(v).text]
    assert differing == []
    assert len(taken) >= minimum_share * len(values)


@pytest.mark.parametrize("value, text", [
    (r"M{\"u}ller", "Müller"), (r"Fran{\c{c}}ois", "François"), (r"\v{S}ekerka", "Šekerka"), (r"{\ss}x", "ßx"),
    (r"\o x", "øx"), ("1--2 and 3---4", "1–2 and 3—4"), ("``q''", "“q”"), (r"a \& b & c 50%", "a & b & c 50%"), ("B.~W.", "B. W."),
    (r"Y{\i}ld{\i}z, Olcay", "Yıldız, Olcay"), (r"Says Who{\ldots}? x\ldots y", "Says Who…? x…y"),
])
def test_fast_path_cases(value, text):
    assert latex.fast_latex_to_text(value) == text == latex.general_latex_to_text(value).text


@pytest.mark.parametrize("value", [r"$\alpha$", r"\TeX", r"\foo{x}", r"\"{\i}", r"a\\b", "----"])
def test_what_the_fast_path_does_not_know_goes_the_general_way(value):
    assert latex.fast_latex_to_text(value) is None


def test_fast_path_equals_the_general_decoder_on_the_samples():
    check_fast_path(latex_values(sorted(SAMPLES.rglob("*.bib"))), minimum_share=0.3)


def test_fast_path_equals_the_general_decoder_on_the_corpora(corpora):
    # The committed samples of the real corpora (tests/corpora); on the full
    # corpora (~19,000 distinct values) about nine in ten take the fast path.
    check_fast_path(latex_values(sorted(corpora.rglob("*.bib"))), minimum_share=0.8)
