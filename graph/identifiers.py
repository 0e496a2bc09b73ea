"""Normal forms of the identifiers a paper can be found by.

Used when storing (ingest) and when looking up (service, API), so both agree.
"""

from __future__ import annotations

import re
import unicodedata

# The schemes other sources name a work by, each kept as an alias `scheme:value`
# (alias source = the scheme): OpenAlex work ids, Semantic Scholar corpus ids, MAG ids.
SOURCE_ID_SCHEMES = ("openalex", "s2", "mag")

_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_DOI_SHAPE = re.compile(r"^10\.\d{4,9}/\S+$")
_ARXIV_NEW = re.compile(r"(\d{4}\.\d{4,5})(?:v\d+)?")
_ARXIV_OLD = re.compile(r"([a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?", re.IGNORECASE)
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$", re.IGNORECASE)


def normalize_doi(value: str | None) -> str | None:
    """'https://doi.org/10.1000/ABC' -> '10.1000/abc'; None when it is not a DOI."""
    if not value:
        return None
    doi = _DOI_PREFIX.sub("", value.strip()).strip().rstrip(".").lower()
    return doi if _DOI_SHAPE.match(doi) else None


def normalize_arxiv(value: str | None) -> str | None:
    """An arXiv id from an id, 'arXiv:' form, URL or arXiv DOI, version stripped."""
    if not value:
        return None
    value = value.strip()
    doi = _ARXIV_DOI.match(value) or _ARXIV_DOI.match(_DOI_PREFIX.sub("", value))
    if doi:
        value = doi.group(1)
    match = _ARXIV_NEW.search(value)
    if match:
        return match.group(1)
    match = _ARXIV_OLD.search(value)
    return match.group(1).lower() if match else None


def title_key(title: str | None) -> str:
    """Case, accents, punctuation, braces and spacing removed: for matching titles."""
    if not title:
        return ""
    if title.isascii():  # most titles: nothing to decompose, and no combining marks to drop
        return " ".join(_ALNUM_RUNS(title.lower()))
    text = unicodedata.normalize("NFKD", title)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(_ALNUM_RUNS(text.lower()))


# The runs of letters and digits joined by one space: every other character
# replaced by a space, runs of them collapsed and the ends stripped, in one
# pass (about half the time of a substitution and a strip, for every paper written).
_ALNUM_RUNS = re.compile(r"[a-z0-9]+").findall
