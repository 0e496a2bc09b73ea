"""How tests/linking/labelled_titles.tsv was drawn (re-run to see the same draw).

From the read-only corpora in ../shared/corpora (see SOURCES.md there): the
five ACL Anthology 2019 files, lisa-lab ml.bib and d2l.bib. Titles are those
the BibTeX reader returns, de-duplicated by lower-cased title. With a fixed
seed, per corpus: half drawn uniformly from every title, half from titles
matching a broad net of neural-network words (below) that is wider than and
independent of the lexicon, so the set holds enough titles that name
techniques without being chosen by the linker. Prints TSV lines
`corpus<TAB>key<TAB>year<TAB>title` to be labelled by hand.
"""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path

from aiprogress.ingest import bibtex

CORPORA = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpora"
DRAW = {  # corpus -> (files, titles drawn)
    "acl": (sorted((CORPORA / "acl-anthology-2019").glob("*.bib")), 200),
    "ml.bib": ([CORPORA / "lisa-lab-ml" / "ml.bib"], 70),
    "d2l": ([CORPORA / "d2l" / "d2l.bib"], 50),
}
NET = re.compile(r"neural|network|deep|embedding|attention|memory|recurrent|convolution|adversarial|transformer|encoder|"
                 r"translation|vector|representation|learning|gradient|language model|pre-?train|autoencoder|GPU", re.I)


def main() -> None:
    """draw_sample.py [SEED [SCALE [EXCLUDE.tsv]]]: labelled_titles.tsv is seed 15 at scale 1;
    heldout_titles.tsv is seed 16 at scale 0.35, excluding the titles of labelled_titles.tsv."""
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    scale = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
    excluded = set()
    if len(sys.argv) > 3:
        excluded = {line.split("\t")[3].lower() for line in Path(sys.argv[3]).read_text(encoding="utf-8").splitlines() if not line.startswith("#")}
    rng = random.Random(seed)
    out = sys.stdout
    for corpus, (files, n) in DRAW.items():
        n = round(n * scale)
        seen, titles = set(excluded), []
        for f in files:
            for r in bibtex.parse_file(f).records:
                title = " ".join((r.fields.get("title") or "").split())
                if title and title.lower() not in seen:
                    seen.add(title.lower())
                    titles.append((r.key, bibtex.year_of(r.fields), title))
        uniform = rng.sample(titles, n // 2)
        chosen = {t[0] for t in uniform}
        netted = [t for t in titles if NET.search(t[2]) and t[0] not in chosen]
        for key, year, title in uniform + rng.sample(netted, n - n // 2):
            out.write(f"{corpus}\t{key}\t{year}\t{title}\n")


if __name__ == "__main__":
    if not CORPORA.is_dir():
        sys.exit(f"no corpora at {CORPORA}: the titles are drawn from the full corpora in ../shared/corpora")
    main()
