"""From a question to a query and its arguments, saying what was understood.

The steps, each on the question's normalized words (graph.ask.words):
node ids written out; the corpus named (`in my ACL file`); years and
limits; misspellings mended; then the kinds of graph.ask.patterns in order,
each finding the names it needs among the words its phrasing left.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlmodel import Session

from ..errors import InvalidInput
from ..models import NodeKind
from ..network import Snapshot
from . import entities, patterns
from .entities import Lexicon, Mention
from .patterns import Kind
from .words import ROLE_WORDS, STOPWORDS, normalize
from .years import find_limit, find_when

OK, CLARIFY, NOT_FOUND, UNKNOWN = "ok", "clarify", "not_found", "unknown"
_PIN = "pinnedid"  # stands for a node id written out, once the words are normalized
_SEARCH_FILLER = STOPWORDS | {"paper", "papers", "technique", "techniques", "method", "methods", "search", "find", "look", "up", "anything",
                              "deal", "dealing", "regarding", "related"}
_KIND_WORDS = {"paper": "paper", "papers": "paper", "technique": "technique", "techniques": "technique", "method": "technique", "methods": "technique"}


@dataclass
class Interpretation:
    """What a question was understood to ask.

    status: ok (intent and args are the query), clarify (a name is ambiguous:
    `candidates`), not_found (the kind is understood, the name is not in
    the graph: `missing`), unknown (no kind of question fits)."""

    question: str
    status: str
    intent: str | None = None
    args: dict[str, Any] = field(default_factory=dict)
    candidates: list[str] = field(default_factory=list)
    missing: str | None = None
    said: dict[str, str] = field(default_factory=dict)  # slot -> the words that named it
    notes: list[str] = field(default_factory=list)
    mended: dict[str, str] = field(default_factory=dict)

    @property
    def kind(self) -> Kind | None:
        return patterns.kind_of(self.intent)

    @property
    def command(self) -> str | None:
        """The `aiprogress` command that asks the same (the range filters a
        query does not take are applied to its answer, and said in `notes`)."""
        kind = self.kind
        if self.status != OK or kind is None:
            return None
        slots = {k: _quoted(str(v)) for k, v in self.args.items()}
        head = kind.command.format(**{k: slots.get(k, "") for k in re.findall(r"{(\w+)}", kind.command)})
        flags = [f"{kind.flags[k]} {slots[k]}" for k in kind.flags if k in self.args]
        return " ".join(["aiprogress", head, *flags])

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "command": self.command}


def _quoted(value: str) -> str:
    return value if re.fullmatch(r"[\w.:\-/]+", value) else '"' + value.replace('"', '\\"') + '"'


@dataclass
class _Words:
    """The question's words left for names, with the things already read."""

    words: list[str]
    pinned: dict[int, str]  # word position -> node id written out
    source: str | None
    source_said: str | None
    when: Any
    limit: int | None
    mended: dict[str, str]
    # Word spans of names written as one (`transformer-XL`, `GPT-3`): a name
    # found in part of one is not the thing named (`transformer-XL` is no Transformer).
    compounds: list[tuple[int, int]] = field(default_factory=list)


# Words that may follow a name in one compound without changing what it names (`BERT-based`).
_COMPOUND_TAILS = {"based", "style", "like", "era", "family", "type", "inspired", "driven", "scale", "sized", "size", "level", "only"}
_COMPOUND = re.compile(r"[A-Za-z0-9]+(?:[-–][A-Za-z0-9]+)+")


def interpret(session: Session, question: str) -> Interpretation:
    lex, g = entities.lexicon(session, patterns.trigger_words())
    return read(lex, g, question)


# Longer than any question: a document pasted into the box is refused before
# any pattern reads it (some scan the rest of the text from each match).
MAX_CHARS = 500


def read(lex: Lexicon, g: Snapshot, question: str) -> Interpretation:
    question = question if isinstance(question, str) else ""
    if len(question) > MAX_CHARS:
        raise InvalidInput(f"a question is at most {MAX_CHARS} characters, this one has {len(question)}", where="question")
    prepared = _prepare(lex, g, question)
    if not prepared.words and not prepared.pinned:
        return Interpretation(question, UNKNOWN, notes=["the question is empty"])
    text = " ".join(prepared.words)
    first_blocked: Interpretation | None = None
    for kind, match, literal in _matches(text):
        taken = _consumed(prepared.words, text, match, literal)
        found = _fill(lex, g, kind, prepared, taken)
        if found.status == OK:
            return _finish(kind, found, prepared, question)
        if found.status == CLARIFY:
            return _finish(kind, found, prepared, question)
        if first_blocked is None and not kind.empty_is_unknown:
            first_blocked = _finish(kind, found, prepared, question)
    if first_blocked is not None:
        return first_blocked
    # No phrasing fits. A question that is only a name asks what it is; a
    # name among words not understood is asked back (what about it?), not guessed.
    mentions = [m for m in _mentions(lex, prepared, set()) if m.how != entities.PARTIAL]
    distinct = {tuple(m.ids) for m in mentions}
    if len(distinct) == 1:
        kind = patterns.kind_of("what_is")
        m = mentions[0]
        if _leftover(prepared.words, set(), mentions):
            return Interpretation(question, CLARIFY, candidates=list(m.ids), said={"id": m.said}, mended=dict(prepared.mended),
                                  notes=[f"'{_leftover(prepared.words, set(), mentions)}' is no question kind understood"])
        if m.resolved:
            return _finish(kind, Interpretation(question, OK, args={"id": m.ids[0]}, said={"id": m.said}), prepared, question)
        return _finish(kind, Interpretation(question, CLARIFY, candidates=m.ids, said={"id": m.said}), prepared, question)
    return Interpretation(question, UNKNOWN, mended=prepared.mended)


def _prepare(lex: Lexicon, g: Snapshot, question: str) -> _Words:
    # Node ids written out stand as one word each (`pinnedid0`), found before
    # the words are normalized (`technique:gpt-3` would become three words).
    pins: list[str] = []
    parts, last = [], 0
    for m in lex.written_ids(question):
        written = m.group(0).rstrip(".")
        node_id = written if written in g.index else written.lower() if written.lower() in g.index else None
        if node_id is None:
            continue
        parts += [question[last : m.start()], f" {_PIN}{len(pins)} "]
        pins.append(node_id)
        last = m.start() + len(written)
    text = normalize("".join(parts) + question[last:])
    source, source_said, text = lex.find_source(text)
    when, text = find_when(text)
    limit, text = find_limit(text)
    words, mended = lex.spell(text.split())
    pinned = {i: pins[int(w[len(_PIN):])] for i, w in enumerate(words) if w.startswith(_PIN) and w[len(_PIN):].isdigit()}
    compounds = []
    for m in _COMPOUND.finditer(question):
        parts = normalize(m.group(0)).split()
        for i in range(len(words) - len(parts) + 1):
            if words[i : i + len(parts)] == parts:
                compounds.append((i, i + len(parts)))
                break
    return _Words(words, pinned, source, source_said, when, limit, mended, compounds)


def _matches(text: str):
    """(kind, match) for every phrasing found: strong ones first, then in the table's order."""
    strong, ordinary = [], []
    for kind in patterns.KINDS:
        for k, pattern in enumerate(kind.compiled):
            m = pattern.search(text)
            if m:
                (strong if k < kind.strong_count else ordinary).append((kind, m, kind.literals[k]))
                if k >= kind.strong_count:
                    break
    seen = set()
    for kind, m, literal in strong + ordinary:
        if kind.intent not in seen:
            seen.add(kind.intent)
            yield kind, m, literal


def _consumed(words: list[str], text: str, m: re.Match, literal: set[str]) -> set[int]:
    first = len(text[: m.start()].split())
    last = len(text[: m.end()].split())
    return {i for i in range(first, last) if words[i] in literal}


def _mentions(lex: Lexicon, prepared: _Words, taken: set[int], *, all_runs: bool = False) -> list[Mention]:
    pinned = [Mention(i, i + 1, [node_id], entities.EXACT, node_id) for i, node_id in prepared.pinned.items()]
    found = lex.mentions(prepared.words, taken | set(prepared.pinned), all_runs=all_runs)
    return sorted(pinned + found, key=lambda m: m.start)


def _fill(lex: Lexicon, g: Snapshot, kind: Kind, prepared: _Words, taken: set[int]) -> Interpretation:
    """The names `kind` needs, from the words its phrasing left."""
    if not kind.needs:
        return Interpretation("", OK)
    if kind.needs == ("text",):
        return _text(kind, prepared, taken)
    mentions = _mentions(lex, prepared, taken)
    leftover = _leftover(prepared.words, taken, mentions)
    if kind.needs == ("source", "target"):
        usable = _distinct(mentions)
        if len(usable) < 2:
            # Two things are needed: look for the second among parts of names too.
            mentions = _mentions(lex, prepared, taken, all_runs=True)
            usable = _distinct(mentions)
        if len(usable) < 2:
            return Interpretation("", NOT_FOUND, missing=leftover or None)
        ambiguous = next((m for m in usable[:2] if not m.resolved), None)
        if ambiguous:
            return Interpretation("", CLARIFY, candidates=ambiguous.ids, said={"id": ambiguous.said})
        a, b = usable[0], usable[1]
        if _after_from(prepared.words, b.start) or _after(prepared.words, b.start, ("back", "to")):
            a, b = b, a  # `to GPT-3 from LSTMs`, `trace GPT-3 back to the perceptron`
        return Interpretation("", OK, args={"source": a.ids[0], "target": b.ids[0]}, said={"source": a.said, "target": b.said})
    (slot,) = kind.needs
    wanted = {"constraint": NodeKind.constraint.value, "technique": NodeKind.technique.value}.get(slot)
    for m in mentions:
        ids = [i for i in m.ids if wanted is None or g.kinds[g.index[i]] == wanted]
        if not ids:
            continue
        broken = _part_of_compound(m, prepared)
        if broken:
            return Interpretation("", NOT_FOUND, missing=broken)
        if m.how != entities.EXACT and leftover:
            # A loose match (a part of a name, an author) beside words that name
            # nothing: too weak to answer on, or even to ask back about.
            return Interpretation("", NOT_FOUND, missing=" ".join(filter(None, [leftover, m.said])))
        if len(ids) > 1:
            return Interpretation("", CLARIFY, candidates=ids, said={slot: m.said})
        return Interpretation("", OK, args={slot: ids[0]}, said={slot: m.said})
    return Interpretation("", NOT_FOUND, missing=leftover or None)


def _text(kind: Kind, prepared: _Words, taken: set[int]) -> Interpretation:
    words = [w for i, w in enumerate(prepared.words) if i not in taken]
    node_kind = next((_KIND_WORDS[w] for w in prepared.words if w in _KIND_WORDS), None)
    text = " ".join(w for w in words if w not in _SEARCH_FILLER)
    if not text:
        return Interpretation("", NOT_FOUND)
    args = {"text": text, **({"kind": node_kind} if node_kind else {})}
    return Interpretation("", OK, args=args, said={"text": text})


def _distinct(mentions: list[Mention]) -> list[Mention]:
    out, seen = [], set()
    for m in mentions:
        key = tuple(m.ids)
        if key not in seen:
            seen.add(key)
            out.append(m)
    return out


def _after_from(words: list[str], start: int) -> bool:
    """`... from the X`: X is where the path starts."""
    i = start - 1
    while i >= 0 and words[i] in {"the", "a", "an"}:
        i -= 1
    return i >= 0 and words[i] == "from"


def _part_of_compound(m: Mention, prepared: _Words) -> str | None:
    """The compound `m` is only part of (`transformer xl` for `transformer`), if any."""
    for start, end in prepared.compounds:
        if start <= m.start and m.end <= end and (start, end) != (m.start, m.end):
            extra = [w for i, w in enumerate(prepared.words[start:end], start) if not m.start <= i < m.end]
            if not all(w in _COMPOUND_TAILS or w in STOPWORDS for w in extra):
                return " ".join(prepared.words[start:end])
    return None


def _after(words: list[str], start: int, said: tuple[str, ...]) -> bool:
    """`said` comes just before position `start` (articles aside)."""
    i = start
    while i > 0 and words[i - 1] in {"the", "a", "an"}:
        i -= 1
    return tuple(words[max(i - len(said), 0) : i]) == said


def _leftover(words: list[str], taken: set[int], mentions: list[Mention]) -> str:
    used = set(taken)
    for m in mentions:
        used.update(range(m.start, m.end))
    return " ".join(w for i, w in enumerate(words) if i not in used and w not in STOPWORDS and w not in ROLE_WORDS)


def _finish(kind: Kind, found: Interpretation, prepared: _Words, question: str) -> Interpretation:
    """The kind's other arguments (years, limit, corpus), with a note for each said but not used."""
    out = Interpretation(question, found.status, kind.intent, dict(found.args), list(found.candidates), found.missing,
                         dict(found.said), list(found.notes), dict(prepared.mended))
    if prepared.when is not None:
        for name, value in prepared.when.arguments(kind.point_is).items():
            if name in kind.takes:
                out.args[name] = value
            else:
                out.notes.append(f"'{prepared.when.said}' is not used by {kind.intent}")
                break
        out.said["when"] = prepared.when.said
    if prepared.limit is not None:
        if "limit" in kind.takes:
            out.args["limit"] = prepared.limit
        else:
            out.notes.append(f"the limit {prepared.limit} is not used by {kind.intent}")
    if prepared.source == "" and "source" in kind.takes and out.status == OK:
        # A corpus said but not in the store: answering over every paper would not be what was asked.
        out.status, out.missing = NOT_FOUND, f"corpus: {prepared.source_said}"
    elif prepared.source is not None:
        if "source" in kind.takes:
            out.args["source"] = prepared.source
        else:
            out.notes.append(f"'{prepared.source_said}' is not used by {kind.intent}: it reads the whole graph")
        out.said["source"] = prepared.source_said or prepared.source
    filtered = [f"{k}={v}" for k, v in out.args.items() if k in ("year_from", "year_to") and k not in kind.flags]
    if filtered and out.status == OK:
        out.notes.append(f"{', '.join(filtered)} is applied to the answer; the command lists every year")
    if out.status != OK:
        out.args = {}
    return out
