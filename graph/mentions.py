"""Which techniques a paper's text names: the lexicon and the matcher.

A lexicon maps surface forms (token sequences) to techniques. It is built
from each technique's name and aliases as the store holds them, plus the
reviewable surface forms of data/lexicon/surface-forms.toml (plurals, acronyms,
spelled-out forms, forms not to use). `Lexicon.find(text)` scans a text once,
token by token: a dictionary of every form's first token says where a match
may start, and the longest form starting there wins (leftmost-longest, no
overlaps), so "recurrent neural network" is one RNN mention, not also a
"neural network" one. The cost is one dictionary probe per token whatever
the size of the lexicon.

Case matters for acronyms and short names: a form written in upper case or
mixed case in the lexicon (GAN, BERT, Adam, ReLU), and any single token of
five letters or fewer, matches only as written (or all upper case, or with
a plural s), so "Bert Smith", "gan" or "adam" are not mentions. In a text
shouting in capitals (an old all-caps title) such forms do not match at all.

A paper published more than a year before a technique first appeared cannot
use it, so such a match is dropped (the "attention" of 1980s discourse
papers, "BERT" before 2018).

No database here: graph/linking.py feeds papers in and writes the links.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

LINKER = "linker"
VERSION = 1
PROVENANCE = f"{LINKER}:{VERSION}"  # every link the linker writes carries this

# How much a match counts for by the field it was found in.
FIELD_WEIGHT = {"title": 1.0, "keywords": 1.0, "abstract": 0.9}
FIELDS = tuple(FIELD_WEIGHT)
DEFAULT_CONFIDENCE = 0.9  # a name or alias; lexicon forms may say otherwise
SHORT = 5  # single tokens this short are matched case-sensitively
# A paper may use a technique from the year before its first appearance on (preprints, workshops).
YEAR_SLACK = 1

_TOKEN = re.compile(r"[A-Za-z0-9]+")


def tokens(text: str) -> list[tuple[str, int, int]]:
    """(token, start, end) for each run of letters and digits: hyphens,
    slashes and spaces all separate ("short-term" = "short term")."""
    return [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


@dataclass(frozen=True)
class Form:
    technique: str
    words: tuple[str, ...]  # lower case
    cased: frozenset[tuple[str, ...]] | None  # the spellings allowed when case matters, else None
    confidence: float
    origin: str  # name, alias or lexicon


@dataclass(frozen=True)
class Mention:
    technique: str
    field: str  # title, abstract or keywords
    text: str  # as written in the field
    confidence: float

    @property
    def note(self) -> str:
        return f"{self.field}: {self.text}"


@dataclass
class Lexicon:
    forms: dict[tuple[str, ...], list[Form]] = field(default_factory=dict)
    longest: dict[str, int] = field(default_factory=dict)  # first token -> most tokens of a form starting with it
    years: dict[str, int | None] = field(default_factory=dict)  # technique -> first year
    blocked: set[tuple[str, str]] = field(default_factory=set)  # (technique, words) never matched

    # -- building --

    def add(self, technique: str, written: str, *, confidence: float = DEFAULT_CONFIDENCE, origin: str = "alias",
            cased: bool | None = None, plural: bool = True) -> None:
        """Add a surface form as written; `cased` None decides by the rule in the docstring."""
        toks = [t for t, _, _ in tokens(written)]
        if not toks:
            return
        words = tuple(t.lower() for t in toks)
        if (technique, " ".join(words)) in self.blocked:
            return
        if cased is None:
            single = len(toks) == 1 and not toks[0].isdigit()
            cased = single and (len(toks[0]) <= SHORT or any(c.isupper() for c in toks[0][1:]))
        spellings: frozenset[tuple[str, ...]] | None = None
        variants = [words]
        if plural and not words[-1][-1].isdigit() and not words[-1].endswith("s"):
            variants.append((*words[:-1], words[-1] + "s"))
        for variant in variants:
            if cased:
                # As written when the form gives a case (ReLU, Adam), and all upper case; plural with a lower-case s.
                allowed = {tuple(t.upper() for t in toks)}
                if any(t != t.lower() for t in toks):
                    allowed.add(tuple(toks))
                if variant is not words:
                    allowed = {(*a[:-1], a[-1] + "s") for a in allowed}
                spellings = frozenset(allowed)
            form = Form(technique, variant, spellings, confidence, origin)
            existing = self.forms.setdefault(variant, [])
            same = [f for f in existing if f.technique == technique]
            if same:
                # The same words twice for one technique: the loosest case rule and the higher confidence win.
                old = same[0]
                merged_case = None if old.cased is None or form.cased is None else old.cased | form.cased
                existing[existing.index(old)] = Form(technique, variant, merged_case, max(old.confidence, confidence), old.origin)
            else:
                existing.append(form)
            self.longest[variant[0]] = max(self.longest.get(variant[0], 0), len(variant))

    # -- matching --

    def find(self, text: str | None, field_name: str = "title", year: int | None = None) -> list[Mention]:
        """Every mention in one text, left to right."""
        if not text:
            return []
        toks = tokens(text)
        shouting = None  # decided when a case-sensitive form first needs it
        low = [t.lower() for t, _, _ in toks]
        weight = FIELD_WEIGHT.get(field_name, 1.0)
        out: list[Mention] = []
        i, n = 0, len(toks)
        longest, forms = self.longest, self.forms
        while i < n:
            most = longest.get(low[i])
            if most is None:
                i += 1
                continue
            step = 1
            for length in range(min(most, n - i), 0, -1):
                candidates = forms.get(tuple(low[i:i + length]))
                if not candidates:
                    continue
                written = tuple(t for t, _, _ in toks[i:i + length])
                if shouting is None and any(f.cased is not None for f in candidates):
                    shouting = _shouting(text)
                hits = [f for f in candidates if self._accepts(f, written, bool(shouting), year)]
                if hits:
                    start, end = toks[i][1], toks[i + length - 1][2]
                    for f in hits:
                        out.append(Mention(f.technique, field_name, text[start:end], round(f.confidence * weight, 3)))
                    step = length
                    break
            i += step
        return out

    def _accepts(self, form: Form, written: tuple[str, ...], shouting: bool, year: int | None) -> bool:
        if form.cased is not None and (shouting or written not in form.cased):
            return False
        first = self.years.get(form.technique)
        return year is None or first is None or year >= first - YEAR_SLACK

    def link(self, paper: dict[str, Any]) -> dict[str, Mention]:
        """technique -> the best mention in a paper's fields (`name` or `title`,
        `abstract`, `keywords`, `year`): the most confident, the title first on ties."""
        best: dict[str, Mention] = {}
        year = paper.get("year")
        for name in FIELDS:
            text = paper.get("name") if name == "title" and "title" not in paper else paper.get(name)
            for m in self.find(text, name, year):
                held = best.get(m.technique)
                if held is None or m.confidence > held.confidence:
                    best[m.technique] = m
        return best

    def names(self, text: str) -> bool:
        """True when some run of the text's words is a form of the lexicon, case aside
        (a phrase the lexicon already knows, in part or whole)."""
        low = [t.lower() for t, _, _ in tokens(text)]
        return any(tuple(low[i:j]) in self.forms for i in range(len(low)) for j in range(i + 1, len(low) + 1))

    def __len__(self) -> int:
        return sum(len(v) for v in self.forms.values())


# -- the lexicon file ---------------------------------------------------------------


def lexicon_data(path: str | None = None) -> dict[str, Any]:
    """data/lexicon/surface-forms.toml (or another file of the same shape) as read."""
    if path is None:
        text = resources.files("aiprogress.data").joinpath("lexicon", "surface-forms.toml").read_text(encoding="utf-8")
    else:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    return tomllib.loads(text)


def build(techniques: Iterable[dict[str, Any]], data: dict[str, Any] | None = None) -> Lexicon:
    """The lexicon from the store's techniques ({id, name, year, aliases: [...]})
    and the lexicon file's entries ([[form]]: technique, forms, confidence,
    cased; [[block]]: technique, forms never matched)."""
    data = lexicon_data() if data is None else data
    lex = Lexicon()
    for entry in data.get("block", []):
        for written in entry["forms"]:
            lex.blocked.add((entry["technique"], " ".join(t.lower() for t, _, _ in tokens(written))))
    known = set()
    for t in techniques:
        known.add(t["id"])
        lex.years[t["id"]] = t.get("year")
        lex.add(t["id"], _bare_name(t["name"]), origin="name")
        for alias in t.get("aliases", ()):
            lex.add(t["id"], alias, origin="alias")
    for entry in data.get("form", []):
        if entry["technique"] not in known:
            continue  # a form for a technique this store does not hold
        for written in entry["forms"]:
            lex.add(entry["technique"], written, confidence=entry.get("confidence", DEFAULT_CONFIDENCE), origin="lexicon",
                    cased=entry.get("cased"), plural=entry.get("plural", True))
    return lex


def _shouting(text: str) -> bool:
    """An all-caps text (old titles): its capitals say nothing about acronyms."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) > 12 and sum(c.isupper() for c in letters) > 0.8 * len(letters)


def _bare_name(name: str) -> str:
    """A technique's name without its parenthesised gloss ("GoogLeNet (Inception)" -> "GoogLeNet")."""
    return re.sub(r"\s*\([^)]*\)", "", name).strip() or name


def surface_words(text: str) -> str:
    """A form as the lexicon compares it: lower-case tokens joined by spaces."""
    return " ".join(t.lower() for t, _, _ in tokens(text))


def all_mentions(lex: Lexicon, papers: Iterable[dict[str, Any]]) -> Iterator[tuple[str, Mention]]:
    """(paper id, mention) for every paper ({id, name, year, abstract, keywords})."""
    for paper in papers:
        for m in lex.link(paper).values():
            yield paper["id"], m


__all__ = ["Lexicon", "Mention", "Form", "build", "lexicon_data", "all_mentions", "surface_words", "PROVENANCE", "LINKER", "VERSION"]
