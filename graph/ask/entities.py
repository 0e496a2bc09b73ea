"""The names a question may use for the things in the graph, built once per
snapshot of the store: every node's id, name, aliases and citation keys,
the surface forms of data/lexicon/surface-forms.toml, each paper's title and
first author (`Vaswani 2017`, `Vaswani et al. 2017`, and `Vaswani` alone,
which may name several papers), and the files a corpus was ingested from.

`Lexicon.mentions` finds them in a question's words: exact phrases first
(longest first, plurals too), then, for what is left, words that are part
of names (`GPT` is part of GPT-2, GPT-3 and GPT-4: an ambiguity to ask
about, not to guess) and near spellings of whole names. Misspelt words are
mended beforehand against the words the graph and the question kinds use
(`Lexicon.spell`).
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein
from sqlalchemy import select
from sqlmodel import Session

from .. import mentions, network
from ..models import Alias, Node, NodeKind, Paper
from ..network import Snapshot
from .words import ROLE_WORDS, STOPWORDS, normalize

EXACT, PARTIAL, FUZZY = "exact", "partial", "fuzzy"
# A whole name is this long at most (in words) in what is looked for.
MAX_WORDS = 12
# How close a misspelt word must be to a known one (Damerau-Levenshtein,
# normalized: one slip in a word of seven letters is 0.857).
SPELLING = 0.8
# How close a misspelt phrase must be to a whole name (rapidfuzz ratio).
NEAR_NAME = 88
# Words of names that are too common to name anything when said alone and
# not found whole ("learning" is part of hundreds of titles).
_TOO_COMMON = 12

# A word after a name that says which kind of node is meant.
_KIND_WORDS = {"narrative": "narrative", "constraint": "constraint", "technique": "technique", "field": "field",
               "paper": "paper", "problem": "problem", "theme": "theme", "proposal": "proposal", "essay": "proposal"}
_ID = re.compile(r"\b(?:" + "|".join(k.value for k in NodeKind) + r"):[a-z0-9][a-z0-9._\-]*", re.IGNORECASE)
_NAMED_CORPUS = re.compile(r"\b(?:in|from|within|across) (?:my|the|our) (?:\w+ ){1,2}(?:file|files|corpus|corpora|bib|bibliography|collection|anthology)\b")
_FILE = re.compile(r"[\w.\-]+\.(?:bib|ris|json|jsonl|xml|csv|txt|nbib|ciw)\b", re.IGNORECASE)
_SOURCE_NOUNS = r"(?: (?:file|files|corpus|corpora|bib|bibliography|collection|anthology|sample|dataset|library))?"


@dataclass
class Mention:
    """A place in the question's words that names one or more nodes."""

    start: int
    end: int
    ids: list[str]
    how: str  # exact, partial or fuzzy
    said: str

    @property
    def resolved(self) -> bool:
        return len(self.ids) == 1


@dataclass
class Lexicon:
    exact: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    # word -> nodes with a name (not a title) holding that word, for partial matches
    parts: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    authors: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    introduced_by: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    # a word of a corpus file's name ("acl") -> the file names (all_P_acl.bib)
    sources: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    source_files: dict[str, str] = field(default_factory=dict)
    kind_of: dict[str, str] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)  # paper -> its title's words
    vocabulary: set[str] = field(default_factory=set)
    names: list[str] = field(default_factory=list)  # the keys of `exact` that are names (for near spellings)
    _names: set[str] = field(default_factory=set)  # names that are no title or citation key
    _spelled: dict[str, str | None] = field(default_factory=dict)
    _vocabulary_list: list[str] = field(default_factory=list)

    # -- building ------------------------------------------------------------

    def add(self, phrase: str, node_id: str, *, part: bool = True) -> None:
        """A name of a node; with `part`, its words are also parts of names
        (looked for loosely) and words a misspelling may be mended to. A
        title's words are neither: they are known (never mended) but too
        many and too common to mend towards ('holding' is no 'Golding')."""
        words = normalize(phrase)
        if not words or len(words.split()) > MAX_WORDS:
            return
        self.exact[words].add(node_id)
        for w in words.split():
            self.vocabulary.add(w)
            if part and w not in STOPWORDS:
                self.parts[w].add(node_id)
        if part:
            self._names.add(words)

    def finish(self, extra_words: set[str]) -> None:
        self.vocabulary |= extra_words | STOPWORDS | ROLE_WORDS
        targets = set(extra_words) | {w for name in self._names for w in name.split()}
        self._vocabulary_list = sorted(w for w in targets if w.isalpha() and len(w) >= 4)
        self.names = sorted(k for k in self._names if 4 <= len(k) <= 60)

    # -- reading a question ----------------------------------------------------

    def spell(self, words: list[str]) -> tuple[list[str], dict[str, str]]:
        """The words with misspellings mended to the nearest known word, and
        what was mended."""
        out, mended = [], {}
        for w in words:
            if w in self.vocabulary or len(w) < 5 or not w.isalpha():
                out.append(w)
                continue
            if w not in self._spelled:
                # A plural of a known word is no misspelling.
                if w.endswith("s") and w[:-1] in self.vocabulary:
                    self._spelled[w] = None
                else:
                    best = process.extractOne(w, self._vocabulary_list, scorer=DamerauLevenshtein.normalized_similarity,
                                              score_cutoff=SPELLING)
                    self._spelled[w] = best[0] if best else None
            fixed = self._spelled[w]
            if fixed and fixed != w:
                mended[w] = fixed
            out.append(fixed or w)
        return out, mended

    def lookup(self, phrase: str) -> set[str]:
        """Nodes named exactly by `phrase` (normalized words), or by it without a plural ending."""
        found = self.exact.get(phrase)
        if found:
            return found
        head, _, last = phrase.rpartition(" ")
        for singular in (last[:-2], last[:-1]) if last.endswith("es") else (last[:-1],) if last.endswith("s") else ():
            if len(singular) >= 2:
                found = self.exact.get(f"{head} {singular}".strip())
                if found:
                    return found
        return set()

    def mentions(self, words: list[str], taken: set[int] | None = None, *, all_runs: bool = False) -> list[Mention]:
        """The names in `words` (positions in `taken` are not looked at), in
        the order they are said. Loose matches (parts of names, near
        spellings) are looked for when no whole name is said, or with
        `all_runs` in every run of words left between whole names."""
        taken = set(taken or ())
        found: list[Mention] = []
        n = len(words)
        for size in range(min(MAX_WORDS, n), 0, -1):
            for start in range(0, n - size + 1):
                span = range(start, start + size)
                if any(i in taken for i in span):
                    continue
                chunk = words[start : start + size]
                if all(w in STOPWORDS or w in ROLE_WORDS for w in chunk):
                    continue
                ids = self.lookup(" ".join(chunk))
                if ids:
                    found.append(Mention(start, start + size, sorted(ids), EXACT, " ".join(chunk)))
                    taken.update(span)
        if not found or all_runs:
            found += self._loose(words, taken)
        found.sort(key=lambda m: m.start)
        return [self._paper_of(self._by_author(m, words, taken), words) for m in found]

    def _by_author(self, m: Mention, words: list[str], taken: set[int]) -> Mention:
        """`Kaplan's scaling paper`: a first author said before a name narrows
        it to that author's papers on it (that introduce it, or whose title
        holds its words)."""
        before = m.start - 1
        if m.how != EXACT or before < 0 or before in taken or words[before] not in self.authors:
            return m
        said = m.said.split()
        papers = [p for p in sorted(self.authors[words[before]])
                  if any(p in self.introduced_by.get(i, ()) for i in m.ids) or all(w in self.titles.get(p, "").split() for w in said)]
        return Mention(before, m.end, papers, EXACT, f"{words[before]} {m.said}") if papers else m

    def _loose(self, words: list[str], taken: set[int]) -> list[Mention]:
        """For runs of words that name nothing whole: the nodes whose names
        hold every word of the run, first authors, or a near spelling of a
        whole name."""
        out = []
        for start, end in _runs(words, taken):
            run = words[start:end]
            said = " ".join(run)
            ids: set[str] | None = None
            for w in run:
                holders = self.parts.get(w, set()) | self.authors.get(w, set())
                ids = holders if ids is None else ids & holders
            if ids and (len(ids) <= _TOO_COMMON or len(run) > 1):
                out.append(Mention(start, end, sorted(ids), PARTIAL, said))
                continue
            if len(said) >= 5:
                best = process.extractOne(said, self.names, scorer=fuzz.ratio, score_cutoff=NEAR_NAME)
                if best:
                    out.append(Mention(start, end, sorted(self.exact[best[0]]), FUZZY, said))
        return out

    def _paper_of(self, m: Mention, words: list[str]) -> Mention:
        """A name with its kind said after it: `the Adam paper` is the paper
        that introduced Adam, `the scaling laws narrative` the narrative of
        that name. A title that is also the name of the technique its paper
        introduced (`Long Short-Term Memory`) names the technique."""
        ids = m.ids
        if len(ids) > 1 and m.how == EXACT:
            introduced = {p for i in ids for p in self.introduced_by.get(i, ())}
            ids = [i for i in ids if i not in introduced] or ids
        following = words[m.end] if m.end < len(words) else None
        if following == "paper" and len(ids) == 1 and len(self.introduced_by.get(ids[0], ())) == 1:
            return Mention(m.start, m.end + 1, list(self.introduced_by[ids[0]]), m.how, f"{m.said} paper")
        if following in _KIND_WORDS:
            wanted = [i for i in ids if self.kind_of.get(i) == _KIND_WORDS[following]]
            if wanted:
                return Mention(m.start, m.end + 1, wanted, m.how, f"{m.said} {following}")
        return Mention(m.start, m.end, ids, m.how, m.said) if ids is not m.ids else m

    @staticmethod
    def written_ids(text: str) -> list[re.Match]:
        """Node ids written out in the raw question (`technique:bert`)."""
        return list(_ID.finditer(text))

    def find_source(self, text: str) -> tuple[str | None, str | None, str]:
        """A corpus named in the normalized text: (file name, what was said,
        text without it); a file name written out counts too. The file name
        is "" for a corpus said (`in my ACL file`) that the store does not hold."""
        for written, name in self.source_files.items():
            if written in text:
                m = re.search(rf"(?:\b(?:in|from|within|across) )?(?:(?:my|the|our) )?{re.escape(written)}{_SOURCE_NOUNS}\b", text)
                if m:
                    return name, m.group(0), _cut(text, m)
        for word, files in sorted(self.sources.items(), key=lambda kv: -len(kv[0])):
            m = re.search(rf"(?:\b(?:in|from|within|across|of) )?(?:(?:my|the|our) )?\b{re.escape(word)}\b{_SOURCE_NOUNS}\b", text)
            if m and len(files) == 1:
                return next(iter(files)), m.group(0), _cut(text, m)
        # `in my ACL file` where no file of that name was ingested: said, but held nowhere.
        m = _NAMED_CORPUS.search(text)
        if m:
            return "", m.group(0), _cut(text, m)
        return None, None, text


def _runs(words: list[str], taken: set[int]) -> list[tuple[int, int]]:
    """Runs of words that are neither taken nor stop or role words."""
    out, start = [], None
    for i, w in enumerate([*words, ""]):
        free = i < len(words) and i not in taken and w not in STOPWORDS and w not in ROLE_WORDS and not w.isdigit()
        if free and start is None:
            start = i
        elif not free and start is not None:
            out.append((start, i))
            start = None
    return out


def _cut(text: str, m: re.Match) -> str:
    return " ".join((text[: m.start()] + " " + text[m.end():]).split())


def _surname(author: str) -> str:
    author = author.strip()
    if "," in author:
        return author.split(",", 1)[0].strip()
    return author.split()[-1] if author.split() else author


# --------------------------------------------------------------------------
# Built once per snapshot
# --------------------------------------------------------------------------

_lock = threading.Lock()
_MEMO = "ask.lexicon"


def lexicon(session: Session, extra_words: set[str] = frozenset()) -> tuple[Lexicon, Snapshot]:
    """The lexicon of the store behind `session` and its snapshot: built on
    the first question after a write, then kept with the snapshot."""
    g = network.snapshot(session)
    found = g.memo.get(_MEMO)
    if found is None:
        with _lock:
            found = g.memo.get(_MEMO)
            if found is None:
                found = build(session, g, extra_words)
                g.memo[_MEMO] = found
    return found, g


def build(session: Session, g: Snapshot, extra_words: set[str] = frozenset()) -> Lexicon:
    lex = Lexicon()
    lex.kind_of = dict(zip(g.ids, g.kinds))
    paper = NodeKind.paper.value
    for i, node_id in enumerate(g.ids):
        kind, name = g.kinds[i], g.names[i] or ""
        if kind == paper:
            lex.add(name, node_id, part=False)  # a title names its paper whole; its words are in too many titles
            lex.titles[node_id] = normalize(name)
            lex.vocabulary.update(lex.titles[node_id].split())
            continue
        lex.add(name, node_id)
        if " " not in name and name.lower().endswith("s") and len(name) > 4:
            lex.add(name[:-1], node_id)  # `the parameter limit`
        bare = mentions._bare_name(name)
        if bare != name:
            lex.add(bare, node_id)
        lex.add(node_id.split(":", 1)[1].replace("-", " "), node_id)
    for alias, node_id in session.execute(select(Alias.alias, Alias.node_id)):
        if node_id in g.index:
            lex.add(alias, node_id, part=g.kinds[g.index[node_id]] != paper)
    for entry in mentions.lexicon_data().get("form", []):
        if entry["technique"] in g.index:
            for written in entry["forms"]:
                lex.add(written, entry["technique"])
    for node_id, authors in session.execute(select(Paper.node_id, Paper.authors)):
        if not authors or node_id not in g.index:
            continue
        surname = normalize(_surname(authors[0]))
        if not surname:
            continue
        year = g.years[g.index[node_id]]
        lex.authors[surname].add(node_id)
        lex.vocabulary.update(surname.split())
        if year is not None:
            for phrase in (f"{surname} {year}", f"{surname} et al {year}"):
                lex.exact[phrase].add(node_id)
    for e in g.edges_with("introduces").tolist():
        lex.introduced_by[g.ids[int(g.dst[e])]].append(g.ids[int(g.src[e])])
    for (provenance,) in session.execute(select(Node.provenance).where(Node.kind == paper).distinct()):
        scheme, _, name = (provenance or "").partition(":")
        if scheme in ("", "builtin") or not name:
            continue
        lex.source_files[normalize(name)] = name
        stem = normalize(re.sub(r"\.[a-z]+$", "", name, flags=re.IGNORECASE)).split()
        for w in stem:
            if len(w) >= 3 and w not in {"all", "bib", "the", "and"} and not w.isdigit():
                lex.sources[w].add(name)
                lex.vocabulary.add(w)
    lex.finish(set(extra_words))
    return lex
