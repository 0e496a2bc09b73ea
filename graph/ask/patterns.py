"""The one table of question kinds: for each, the phrasings that ask it
(regular expressions over the question's normalized words, see
graph.ask.words), the things it needs named, the other arguments it reads,
the query it calls and the command that asks the same.

A new kind of question is one entry here and the reply it calls (in
graph.ask.answer). Kinds are tried in the order of the table: the first
whose phrasing matches and whose names are found is the one understood; a
kind whose phrasing matches but whose names are ambiguous stops the search
with a question back. `strong` phrasings are tried before every kind's
ordinary ones (`how did the focus shift` is about narratives even though it
names two constraints).

Names a kind needs (`needs`):
  id          any node
  constraint  a constraint
  technique   a technique
  source, target  two nodes, in the order said (`from X` marks the source)
  text        the words left, for full-text search
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import answer
from .words import ARROW

AS_OF, RANGE = "as_of", "range"


@dataclass(frozen=True)
class Kind:
    intent: str
    summary: str
    examples: tuple[str, ...]
    triggers: tuple[str, ...]
    reply: Callable[..., Any]
    command: str  # the `aiprogress` command; {slot} fills a name in
    flags: dict[str, str] = field(default_factory=dict)  # argument -> its flag
    needs: tuple[str, ...] = ()
    takes: frozenset[str] = frozenset()  # as_of, year_from, year_to, limit, source, kind
    point_is: str = AS_OF  # how `in 2015` reads (see graph.ask.years)
    strong: tuple[str, ...] = ()
    # A kind asked without any name it understands is no question at all
    # (`what is the weather`): the question is then not understood.
    empty_is_unknown: bool = False

    def __post_init__(self) -> None:
        compiled = tuple(re.compile(t) for t in self.strong + self.triggers)
        object.__setattr__(self, "compiled", compiled)
        object.__setattr__(self, "strong_count", len(self.strong))
        # The words of each phrasing: what a match of it takes out of the
        # question (the rest of the span, `how did LSTMs get to`, may hold names).
        object.__setattr__(self, "literals", tuple(set(re.findall(r"[a-z0-9]+", p.pattern.replace("\\b", " "))) for p in compiled))


_YEARS = frozenset({"as_of", "year_from", "year_to"})
_DID = r"(?:did|does|do|has|have|had|was|were|is|are|could|can|would)"

KINDS: tuple[Kind, ...] = (
    Kind(
        "path", "how one thing led to another: the shortest chain of facts between them",
        ("How did LSTMs get to GPT-3?", "What connects dropout and transformers?", "path from attention to the transformer"),
        strong=(rf"\b{ARROW}\b",),
        triggers=(
            rf"\bhow {_DID}\b.*\b(?:lead|led|leads|get|got|gets|go|went|goes|evolve|evolved|turn|turned|develop|developed) (?:in)?to\b",
            r"\b(?:go|gone|went|get|got) from\b", r"\bpaths?\b", r"\broutes?\b", r"\bchain\b",
            r"\bconnect(?:s|ed|ion|ions)?\b", r"\blinks? between\b", r"\blinks?\b", r"\btrace\b.*\bback to\b", r"\bsteps? (?:from|between)\b", r"\brelate[sd]?\b", r"\brelationship between\b",
        ),
        reply=answer.path, command="path {source} {target}", flags={"as_of": "--as-of"},
        needs=("source", "target"), takes=_YEARS,
    ),
    Kind(
        "relaxed", "what relaxed a constraint: its breakthroughs by year, with their papers",
        ("What relaxed the compute constraint?", "which breakthroughs eased the data bottleneck?", "timeline of compute efficiency"),
        triggers=(
            r"\b(?:relax|relaxed|relaxes|relaxing|ease|eased|eases|easing|loosen|loosened|lifted|raised|addressed|address|overcame|overcome)\b",
            r"\b(?:got|get|gotten) (?:us )?past\b", r"\b(?:breakthroughs?|advances?) (?:on|for|in)\b", r"\btimeline\b", r"\bhistory of\b",
            r"\b(?:push|pushed|pushes|pushing)\b", r"\b(?:get|got|getting|gotten) around\b",
        ),
        reply=answer.relaxed, command="timeline {constraint}", flags={"as_of": "--as-of"},
        needs=("constraint",), takes=_YEARS,
    ),
    Kind(
        "adoption_by_constraint", "per year, the share of a corpus's papers using techniques that relax each constraint",
        ("Which constraints do the ACL papers work on?", "per constraint adoption in EMNLP"),
        triggers=(r"\bper constraint\b", r"\bby constraint\b", rf"\bconstraints? {_DID}\b.*\b(?:work on|address|target|use|study)\b"),
        reply=answer.adoption_by_constraint, command="adoption --by constraint",
        flags={"source": "--source", "year_from": "--from", "year_to": "--to"}, takes=_YEARS | {"source"}, point_is=RANGE,
    ),
    Kind(
        "adoption", "how many papers (of a corpus) use a technique, per year, and which",
        ("Which papers in my ACL file use BERT?", "How many papers use the transformer?", "adoption of attention after 2014"),
        triggers=(
            r"\b(?:use|uses|used|using|adopt|adopts|adopted|adoption|adopting|employ|employs|employed|mention|mentions|mentioned|mentioning)\b",
            r"\bhow many papers\b", r"\bhow widely\b",
        ),
        reply=answer.adoption, command="adoption {technique}",
        flags={"source": "--source", "year_from": "--from", "year_to": "--to"},
        needs=("technique",), takes=_YEARS | {"source"}, point_is=RANGE,
    ),
    Kind(
        "topics", "title terms and techniques whose share of papers rose or fell sharply",
        ("What topics rose in my ACL file?", "trending topics in EMNLP in the 2010s"),
        triggers=(r"\btopics?\b", r"\btrend(?:s|ing)?\b"),
        reply=answer.topics, command="topics",
        flags={"source": "--source", "year_from": "--from", "year_to": "--to"}, takes=_YEARS | {"source"}, point_is=RANGE,
    ),
    Kind(
        "origins", "where an idea comes from: everything it rests on, nearest first",
        ("Where did the Transformer come from?", "What does ResNet build on?", "origins of LSTM as of 2000"),
        triggers=(
            r"\b(?:come|comes|came|coming) from\b", r"\borigins?\b", r"\boriginated?\b", r"\blineage\b", r"\broots?\b",
            r"\bancest(?:or|ors|ry)\b", r"\bpredecessors?\b", r"\bprecursors?\b", r"\bcame before\b",
            r"\b(?:what|which)(?: \w+)? led (?:up )?to\b", r"\bwhat (?:inspired|influenced)\b", r"\binspiration (?:for|behind)\b",
            r"\b(?:build|builds|built|based|rest|rests|rely|relies|depend|depends|draw|draws|drew) (?:up)?on$", r"\bdescend(?:s|ed)? from$",
            r"\bmade\b.*\bpossible\b", r"\bwhat gave rise to\b", r"\bend(?:ed)? up with\b", r"\bstory behind\b", r"\bbackground of\b",
            r"\b(?:paved|led|prepared) the way (?:for|to)\b", r"\binspired by$", r"\bfed into\b", r"\bfeed into\b", r"\bneeded (?:before|for)\b",
        ),
        reply=answer.origins, command="origins {id}", flags={"as_of": "--as-of", "limit": "--limit"},
        needs=("id",), takes=_YEARS | {"limit"},
    ),
    Kind(
        "impact", "what an idea led to: everything resting on it, and the constraints it helped relax",
        ("What did attention lead to?", "What was the impact of AlexNet?", "What did the transformer lead to in the 2020s?"),
        triggers=(
            r"\b(?:lead|led|leads) to$", r"\bimpact\b", r"\binfluence[sd]?$", r"\binfluential\b", r"\blegacy\b", r"\bdescendants?\b",
            r"\bdescend(?:s|ed)? from\b", r"\b(?:came|comes|come|grew|grows|grown) out of\b", r"\bfollow(?:s|ed)? from\b",
            r"\benable[sd]?$", r"\b(?:did|does|has|have)\b.*\bmake\b.*\bpossible\b", r"\binspire[sd]?$", r"\binspired by\b",
            r"\b(?:built|build|builds|based|rest|rests|relies|depend|depends) (?:up)?on\b", r"\brelax(?:ed)?$", r"\bgive rise to$",
            r"\bconsequences?\b", r"\beffects? of\b", r"\bwhat happened after\b", r"\b(?:came|come|comes|followed) after\b", r"\bwhat followed\b",
        ),
        strong=(r"\bas (?:a|their|its) (?:basis|foundation)\b", r"\bused for\b"),
        reply=answer.impact, command="impact {id}", flags={"as_of": "--as-of", "limit": "--limit"},
        needs=("id",), takes=_YEARS | {"limit"},
    ),
    Kind(
        "frontier", "what binds: each constraint's recorded status (binding, expected to bind, solved)",
        ("What binds now?", "What's the bottleneck right now?", "What was binding in 2015?"),
        triggers=(
            r"\bbind(?:s|ing)?\b", r"\bbound\b", r"\bbottlenecks?\b", r"\bhold(?:s|ing)? .*\bback\b", r"\bfrontier\b", r"\bhead(?:ed|ing)\b",
            r"\blimit(?:s|ing)? progress\b", r"\bsolved\b", r"\bcurrent constraints?\b", r"\bconstraints? (?:now|today)\b",
            r"\bconstrain(?:s|ing)?\b", r"\blimiting factors?\b",
        ),
        reply=answer.frontier, command="frontier", flags={"as_of": "--as-of"}, takes=frozenset({"as_of"}),
    ),
    Kind(
        "gaps", "what the graph does not know yet: unlinked papers, facts without evidence, duplicates ...",
        ("What don't we know?", "what's missing from the graph", "show me the top 10 gaps"),
        triggers=(r"\bnot (?:yet )?know\b", r"\bmissing\b", r"\bgaps?\b", r"\b(?:curate|curation|curating)\b", r"\bnot linked\b", r"\bunlinked\b", r"\bunknowns?\b"),
        reply=answer.gaps, command="gaps", flags={"limit": "--limit"}, takes=frozenset({"limit"}),
    ),
    Kind(
        "what_is", "one thing: what it is, when, who introduced it, and its facts",
        ("What is LoRA?", "tell me about ResNet", "who wrote Attention Is All You Need?"),
        triggers=(
            r"^what (?:is|are|was|were)(?: an?| the)?\b", r"\btell me about\b", r"\bexplain\b", r"\bdescribe\b", r"^define\b",
            r"\bwho (?:wrote|introduced|invented|made|proposed|created|published)\b", r"\bwhen (?:was|were|did)\b", r"\bwhat does\b.*\bmean\b",
        ),
        reply=answer.what_is, command="show {id}", needs=("id",), empty_is_unknown=True,
    ),
    Kind(
        "narratives", "how the narratives of the field, and the constraints in focus, shifted",
        ("How did the narratives shift after 2012?", "which narrative are we in now", "When did the focus shift?"),
        strong=(
            r"\bfocus (?:shift|shifted|shifts|change|changed|changes|moved)\b", r"\bshift(?:ed|s)? (?:in |of )?(?:the )?focus\b", r"\bparadigms?\b",
            r"\bnarratives? (?:shift|shifted|shifts|change|changed|changes|evolve|evolved)\b",
        ),
        triggers=(r"\bnarratives?\b", r"\bstories\b", r"\bstory\b"),
        reply=answer.narratives, command="narratives", flags={"as_of": "--as-of"}, takes=_YEARS,
    ),
    Kind(
        "open_problems", "the open problems proposals name, and the themes they argue for",
        ("What problems are still open?", "open problems as of 2023"),
        triggers=(r"\bopen problems?\b", r"\bunsolved\b", r"\bproblems? (?:are |is )?(?:still )?open\b", r"\bopen questions?\b"),
        reply=answer.open_problems, command="problems", flags={"as_of": "--as-of"}, takes=frozenset({"as_of"}),
    ),
    Kind(
        "search", "full-text search over titles, abstracts, descriptions and names",
        ("find papers about machine translation", "search for image segmentation", "anything about protein folding?"),
        triggers=(
            r"\bsearch(?: for)?\b", r"\bfind\b", r"\blook(?:ing)? (?:up|for)\b", r"\banything (?:about|on)\b",
            r"\b(?:papers?|techniques?|methods?) (?:about|on|regarding|dealing with|that deal with|deal with|related to)\b",
        ),
        reply=answer.search, command="search {text}", flags={"kind": "--kind", "limit": "--limit", "as_of": "--as-of"},
        needs=("text",), takes=frozenset({"as_of", "limit", "kind", "source"}),
    ),
)



def kind_of(intent: str | None) -> Kind | None:
    return next((k for k in KINDS if k.intent == intent), None)


_words: tuple[tuple[Kind, ...], frozenset[str]] | None = None


def trigger_words() -> frozenset[str]:
    """The words the phrasings are made of (known words for spelling)."""
    global _words
    if _words is not None and _words[0] is KINDS:
        return _words[1]
    out: set[str] = set()
    for kind in KINDS:
        for t in kind.strong + kind.triggers:
            for word in re.findall(r"[a-z]{3,}\??", t.replace("\\b", " ")):
                # `narratives?`: the word with and without its last letter
                out.update((word[:-1], word[:-2]) if word.endswith("?") else (word,))
    _words = (KINDS, frozenset(out))
    return _words[1]
