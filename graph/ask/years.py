"""Years and ranges in a question, read from its normalized words
(graph.ask.words): `as of 2017`, `by 2017`, `before 2012`, `after 2012`,
`since 2015`, `between 2012 and 2020`, `in the 1990s`, `in 2016`; and
limits: `top 5`, `first 3`.

What a span means depends on the question: `in 2015` about the state of the
graph (what bound in 2015) is the graph as of 2015, about a corpus (papers
using BERT in 2016) the one year 2016. `When` keeps the span as said; the
question kind reads it (`When.arguments`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_Y = r"(1[89]\d\d|20\d\d)"

UPTO, POINT, RANGE = "upto", "point", "range"


@dataclass(frozen=True)
class When:
    how: str  # upto (the graph as of a year), point (one year), range
    year_from: int | None = None
    year_to: int | None = None
    said: str = ""

    def arguments(self, point_is: str) -> dict[str, int]:
        """The arguments of a question kind that reads a point in time as
        `as_of` (the graph as it stood) or as a `range` of one year."""
        if self.how == UPTO:
            return {"as_of": self.year_to} if point_is == "as_of" else {"year_to": self.year_to}
        if self.how == POINT:
            return {"as_of": self.year_to} if point_is == "as_of" else {"year_from": self.year_from, "year_to": self.year_to}
        return {k: v for k, v in (("year_from", self.year_from), ("year_to", self.year_to)) if v is not None}


def _decade(m: re.Match) -> tuple[int, int]:
    century, short = m.group("c"), m.group("s")
    start = int(century) * 10 if century else 1900 + int(short) * 10
    return start, start + 9


# In order: a longer phrasing is tried before a shorter one it contains.
_SPANS: tuple[tuple[re.Pattern, object], ...] = tuple((re.compile(p), f) for p, f in (
    (rf"\b(?:between|from) {_Y} (?:and|to|until|till) {_Y}\b", lambda m: (RANGE, int(m[1]), int(m[2]))),
    (rf"\b{_Y} (?:to|until|till) {_Y}\b", lambda m: (RANGE, int(m[1]), int(m[2]))),
    (r"\b(?:in |during |over |across )?(?:the )?(?:(?P<c>1[89]\d|20\d)0s|(?P<s>\d)0s)\b", lambda m: (RANGE, *_decade(m))),
    (rf"\b(?:as of|as at|by the end of|at the end of|by|until|till|up to|up until|through|not later than) {_Y}\b", lambda m: (UPTO, None, int(m[1]))),
    (rf"\bbefore {_Y}\b", lambda m: (UPTO, None, int(m[1]) - 1)),
    (rf"\b(?:after|later than) {_Y}\b", lambda m: (RANGE, int(m[1]) + 1, None)),
    (rf"\b(?:since|from|starting|starting in|from|beginning in) {_Y}(?: on| onwards| onward| forward)?\b", lambda m: (RANGE, int(m[1]), None)),
    (rf"\b(?:in|during|back in|of|for) {_Y}\b", lambda m: (POINT, int(m[1]), int(m[1]))),
))

_LIMIT = re.compile(r"\b(?:top|first|best|limit|at most|up to) (\d{1,4})\b(?! ?(?:to|and)\b)|\b(\d{1,3}) (?:most|top|best|biggest|largest|main)\b")


def find_when(text: str) -> tuple[When | None, str]:
    """The first year or range in `text`, and the text without it."""
    for pattern, read in _SPANS:
        m = pattern.search(text)
        if m:
            how, start, end = read(m)
            return When(how, start, end, m.group(0)), _cut(text, m)
    return None, text


def find_limit(text: str) -> tuple[int | None, str]:
    """A limit (`top 5`), and the text without it; a year is no limit."""
    m = _LIMIT.search(text)
    if not m:
        return None, text
    value = int(m.group(1) or m.group(2))
    if value == 0:
        return None, text
    return value, _cut(text, m)


def _cut(text: str, m: re.Match) -> str:
    return " ".join((text[: m.start()] + " " + text[m.end():]).split())
