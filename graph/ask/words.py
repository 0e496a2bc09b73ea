"""How a question and the names in the graph are compared: both are reduced
to lowercase words of letters and digits (`GPT-3` and `gpt 3` are the same
words, `Kingma's` is `kingma`), and contractions are spelled out so that a
phrasing matches however it was typed."""

from __future__ import annotations

import re

_CONTRACTIONS = (
    (re.compile(r"\b(\w+)n['’]t\b"), r"\1 not"),  # don't, aren't, isn't
    (re.compile(r"\bcan not\b"), "cannot"),
    (re.compile(r"\bwhat['’]?s\b"), "what is"),
    (re.compile(r"\b(where|who|how|when|which|that|it)['’]s\b"), r"\1 is"),
    (re.compile(r"['’](re|ve|ll|d|m)\b"), r" \1"),
    (re.compile(r"['’]s\b"), ""),  # a possessive: Kingma's paper
    (re.compile(r"\bdo not\b (we|i|you)\b"), r"do \1 not"),  # what don't we know
)
_WORD = re.compile(r"[a-z0-9]+")
# An arrow between two names asks for the path from one to the other; it is
# kept as this word, which no name in the graph contains.
ARROW = "arrowto"
_ARROWS = re.compile(r"\s*(?:->|→|=>|⟶)\s*")

# Words that carry no name: a phrase of these alone names nothing, and a
# name is looked for only in what is left between them.
STOPWORDS = frozenset("""
a an the of in on to for and or with about from by at as into onto over under than then
is are was were be been being do does did done has have had having will would can could should shall may might must
what which who whom whose how where when why whether
i me my mine we us our you your it its this that these those there here they them their he she his her
please hey hi hello thanks thank quick one just also even still ever now today currently right
so very really much many more most some any all every each everything anything something
list show give tell say see know find get got let lets like want need
e g i e etc vs versus
""".split())

# Words that say what kind of thing is meant, not which: "the Adam paper",
# "the idea of residual connections". Ignored when looking for names.
ROLE_WORDS = frozenset("""
paper papers work works idea ideas technique techniques method methods approach approaches model models
concept concepts thing things stuff node nodes one constraint constraints
breakthrough breakthroughs advance advances innovation innovations development developments progress
""".split())


def normalize(text: str) -> str:
    """Lowercase words separated by single spaces."""
    text = text.lower()
    # Each rewrite only where it can apply: the names of a large store are
    # normalized once each when its lexicon is built, and most hold none.
    if ">" in text or "→" in text or "⟶" in text:
        text = _ARROWS.sub(f" {ARROW} ", text)
    if "'" in text or "’" in text or "whats" in text or "not" in text:
        for pattern, replacement in _CONTRACTIONS:
            text = pattern.sub(replacement, text)
    return " ".join(_WORD.findall(text))


def tokens(text: str) -> list[str]:
    return normalize(text).split()
