"""Which records are the same work: DOI, arXiv id, then title + year (+ first author).

Pure functions and one in-memory index; the loader fills the index with the
candidates it reads from the store and with the records it has just placed,
so duplicates within one file and across files are found the same way.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from ..graph.identifiers import normalize_arxiv, normalize_doi
from ..graph.identifiers import title_key as _title_key

_ARXIV_HINT = re.compile(r"arxiv", re.IGNORECASE)
_BARE_NEW_ARXIV = re.compile(r"^\d{4}\.\d{4,5}(?:v\d+)?$")
_DOI_IN_URL = re.compile(r"doi\.org/(10\.\S+)", re.IGNORECASE)


def doi_of(fields: dict[str, str]) -> str | None:
    """Normalised DOI from `doi`, or from a doi.org URL."""
    doi = normalize_doi(fields.get("doi"))
    if doi:
        return doi
    m = _DOI_IN_URL.search(fields.get("url", ""))
    return normalize_doi(m.group(1)) if m else None


def arxiv_of(fields: dict[str, str]) -> str | None:
    """arXiv id (no version) from `eprint` (+ `archiveprefix`/`eprinttype`), `arxiv`,
    an arXiv URL or DOI, or Google Scholar's `journal = {arXiv preprint arXiv:...}`."""
    eprint = fields.get("eprint", "").strip()
    if eprint:
        prefix = (fields.get("archiveprefix") or fields.get("eprinttype") or "").strip().lower()
        if prefix == "arxiv" or (not prefix and _BARE_NEW_ARXIV.match(eprint)):
            found = normalize_arxiv(eprint)
            if found:
                return found
    for name in ("arxiv", "arxivid"):
        found = normalize_arxiv(fields.get(name))
        if found:
            return found
    for name in ("url", "doi", "journal", "note", "howpublished", "journaltitle"):
        value = fields.get(name, "")
        if value and _ARXIV_HINT.search(value):
            found = normalize_arxiv(value)
            if found:
                return found
    return None


_WORDS = re.compile(r"[a-z0-9]+")


def title_key(title: str | None) -> str:
    """graph.identifiers.title_key, with a fast path for ASCII titles (most of
    them), where Unicode normalisation changes nothing; same results."""
    if title and title.isascii():
        return " ".join(_WORDS.findall(title.lower()))
    return _title_key(title)


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def first_author_key(authors: list[str]) -> str:
    """The first author's surname, folded: 'van der Maaten, L.' and 'Laurens van der Maaten' -> 'maaten'."""
    if not authors:
        return ""
    name = authors[0].strip().strip("{}")
    surname = name.split(",", 1)[0] if "," in name else name
    surname = surname.lower() if surname.isascii() else _fold(surname)
    words = _WORDS.findall(surname)
    return words[-1] if words else ""


_DASHES = re.compile(r"\s*(?:-+|–|—)\s*")
_URL_HOST = re.compile(r"^(?:[a-z+]+://)?(?:www\.)?([^/?#]+)", re.IGNORECASE)


def locator_of(fields: dict[str, str]) -> tuple[str, str, str, str]:
    """(volume, number, pages, url) as compared between records: pages with one
    kind of dash, URLs without scheme, `www.` or a trailing slash."""
    pages = _DASHES.sub("-", fields.get("pages", "").strip())
    url = fields.get("url", "").strip().lower().split("://", 1)[-1].removeprefix("www.").rstrip("/")
    return fields.get("volume", "").strip().lower(), (fields.get("number") or fields.get("issue") or "").strip().lower(), pages, url


@dataclass
class WorkKeys:
    """What a record can be recognised by."""

    citation_key: str
    doi: str | None
    arxiv_id: str | None
    title_key: str
    year: int | None
    first_author: str
    locator: tuple[str, str, str, str] = ("", "", "", "")  # volume, number, pages, url (locator_of)
    aliases: tuple[str, ...] = ()  # scheme:value ids other sources know the work by (openalex:, s2:, mag:)


def keys_of(citation_key: str, fields: dict[str, str], authors: list[str], year: int | None) -> WorkKeys:
    return WorkKeys(
        citation_key=citation_key,
        doi=doi_of(fields),
        arxiv_id=arxiv_of(fields),
        title_key=title_key(fields.get("title")),
        year=year,
        first_author=first_author_key(authors),
        locator=locator_of(fields),
    )


def locators_disagree(a: tuple[str, str, str, str], b: tuple[str, str, str, str]) -> bool:
    """Different volume, number or pages, or two different PDF files on one
    site: two articles of one issue, not one article. Other URLs say nothing:
    the arXiv copy and the publisher's page of one work, or the two
    proceedings' pages of a paper given at a joint conference."""
    for x, y in zip(a[:3], b[:3]):
        if x and y and x != y:
            return True
    if a[3] and b[3] and a[3] != b[3] and a[3].endswith(".pdf") and b[3].endswith(".pdf"):
        host_a, host_b = _URL_HOST.match(a[3]), _URL_HOST.match(b[3])
        return bool(host_a and host_b and host_a.group(1) == host_b.group(1))
    return False


def titles_disagree(a: str, b: str) -> bool:
    """Title keys sharing less than half the words of the shorter one: not one
    work under two spellings (a subtitle or a reworded preprint title shares more)."""
    words_a, words_b = set(a.split()), set(b.split())
    if not words_a or not words_b:
        return False
    return len(words_a & words_b) < 0.5 * min(len(words_a), len(words_b))


@dataclass
class Known:
    """A paper as the index knows it."""

    node_id: str
    doi: str | None
    arxiv_id: str | None
    title_key: str
    year: int | None
    first_author: str
    title_source: str = ""  # provenance of the title, e.g. bibtex:ml.bib#Key
    locator: tuple[str, str, str, str] = ("", "", "", "")  # volume, number, pages, url (locator_of)


@dataclass
class IdentityIndex:
    """DOI, arXiv id, title+year and citation key -> node id."""

    by_doi: dict[str, str] = field(default_factory=dict)
    by_arxiv: dict[str, str] = field(default_factory=dict)
    by_title: dict[tuple[str, int | None], list[Known]] = field(default_factory=dict)
    by_alias: dict[str, str] = field(default_factory=dict)
    papers: dict[str, Known] = field(default_factory=dict)

    def add(self, known: Known) -> None:
        old = self.papers.get(known.node_id)
        if old is not None and old.title_key and (old.title_key, old.year) in self.by_title:
            self.by_title[(old.title_key, old.year)] = [k for k in self.by_title[(old.title_key, old.year)] if k.node_id != known.node_id]
        self.papers[known.node_id] = known
        if known.doi:
            self.by_doi.setdefault(known.doi, known.node_id)
        if known.arxiv_id:
            self.by_arxiv.setdefault(known.arxiv_id, known.node_id)
        if known.title_key:
            self.by_title.setdefault((known.title_key, known.year), []).append(known)

    def add_alias(self, alias: str, node_id: str) -> None:
        self.by_alias.setdefault(alias.lower(), node_id)

    def match(self, keys: WorkKeys, source: str = "") -> tuple[str | None, str]:
        """(node id, how) for the work these keys name, or (None, '') if it is new.

        Order: DOI, arXiv id, title + year (first author must agree when both
        are known, and volume, number, pages and URL must not disagree), then
        the citation key if nothing contradicts it. Between arXiv id and title
        come the ids other sources know a work by (openalex:, s2:, mag:),
        unless a DOI or arXiv id contradicts them. A title differing under
        the same key is a correction when the old title came from the same
        `source` (file) or was edited by a user, and a different work otherwise.

        A DOI or arXiv id held by a paper whose title disagrees strongly
        (titles_disagree) is no match but a collision: (that paper's id,
        'conflict-doi' or 'conflict-arxiv'), for the caller to report; the
        record is then a work of its own."""
        for ident, table, how in ((keys.doi, self.by_doi, "doi"), (keys.arxiv_id, self.by_arxiv, "arxiv")):
            if ident and ident in table:
                holder = table[ident]
                known = self.papers.get(holder)
                if known is not None and titles_disagree(keys.title_key, known.title_key):
                    return holder, f"conflict-{how}"
                return holder, how
        for alias in keys.aliases:
            node_id = self.by_alias.get(alias)
            if node_id is not None:
                known = self.papers.get(node_id)
                if known is None or not self._contradicts(keys, known):
                    return node_id, alias.split(":", 1)[0]
        if keys.title_key and keys.year is not None:
            for known in self.by_title.get((keys.title_key, keys.year), ()):
                # Placeholder titles ("personal notes", "Preface") recur without
                # authors: with no author on either side the title is not enough.
                authors_agree = (keys.first_author == known.first_author) if (keys.first_author and known.first_author) \
                    else bool(keys.first_author or known.first_author)
                if authors_agree and not self._contradicts(keys, known) and not locators_disagree(keys.locator, known.locator):
                    return known.node_id, "title"
        node_id = self.by_alias.get(keys.citation_key.lower())
        if node_id is not None:
            known = self.papers.get(node_id)
            same_file = bool(source) and known is not None and known.title_source.split("#", 1)[0] == source
            # A title a user edited by hand says nothing about which work the key names.
            curated = known is not None and known.title_source.split(":", 1)[0] == "user"
            elsewhere = not (same_file or curated)
            if known is None or not (self._contradicts(keys, known, by_title=elsewhere)
                                     or (elsewhere and locators_disagree(keys.locator, known.locator))):
                return node_id, "key"
        return None, ""

    @staticmethod
    def _contradicts(keys: WorkKeys, known: Known, *, by_title: bool = False) -> bool:
        """Different DOIs or arXiv ids (or, for a key match, different titles) mean different works."""
        if keys.doi and known.doi and keys.doi != known.doi:
            return True
        if keys.arxiv_id and known.arxiv_id and keys.arxiv_id != known.arxiv_id:
            return True
        return by_title and bool(keys.title_key and known.title_key and keys.title_key != known.title_key)
