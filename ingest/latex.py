"""LaTeX in BibTeX values -> Unicode text, saying what was not understood.

pylatexenc does the decoding, with two changes to its defaults that matter
for bibliographies: its text rules drop the argument of every macro they do
not list (`\\texttt{word2vec}`, `\\mbox{T5}` became nothing) and turn every
macro they do not know into nothing (`{\\TeX}`, `\\LaTeX` vanished). Here the
TeX family's logos become their names, formatting macros keep their
argument's text, and a macro that is still not understood is kept as written
(with the braced arguments that follow it) and named in the result, so the
caller can report it. Nothing is dropped silently.

Values nested deeper than MAX_NESTING braces are refused (LatexError) before
pylatexenc, whose recursive descent would otherwise overflow Python's stack.
The common values (accents, special letters, escapes, dashes, braces) take a
fast path of one pass (fast_latex_to_text) with the same result.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from typing import NamedTuple

# Logos and names that TeX-world bibliographies write as macros (TUGboat's
# tugboat.def, the ltugboat class, biblatex's and JabRef's logo tables).
LOGOS = {
    "TeX": "TeX", "LaTeX": "LaTeX", "LaTeXe": "LaTeX2e", "BibTeX": "BibTeX", "BibLaTeX": "BibLaTeX",
    "XeTeX": "XeTeX", "XeLaTeX": "XeLaTeX", "LuaTeX": "LuaTeX", "LuaLaTeX": "LuaLaTeX",
    "pdfTeX": "pdfTeX", "pdfLaTeX": "pdfLaTeX", "eTeX": "e-TeX", "ConTeXt": "ConTeXt",
    "MF": "Metafont", "METAFONT": "METAFONT", "MP": "MetaPost", "METAPOST": "MetaPost", "MetaPost": "MetaPost",
    "AmS": "AMS", "AMS": "AMS", "AmSTeX": "AMS-TeX", "AMSTeX": "AMS-TeX", "AmSLaTeX": "AMS-LaTeX", "AMSLaTeX": "AMS-LaTeX",
    "SliTeX": "SliTeX", "SLiTeX": "SliTeX", "PiCTeX": "PiCTeX", "AllTeX": "(La)TeX", "LyX": "LyX",
    "TikZ": "TikZ", "PGF": "PGF", "XyM": "XyM", "XyMTeX": "XyMTeX", "Xy": "Xy", "TeXLive": "TeX Live",
    "TeXworks": "TeXworks", "TeXtures": "Textures", "OMEGA": "Omega", "Omega": "Ω", "NTS": "NTS", "NTG": "NTG",
    "TUB": "TUGboat", "TUG": "TUG", "CTAN": "CTAN", "CSTUG": "CSTUG", "VAX": "VAX", "UNIX": "UNIX", "MacOSX": "Mac OS X",
    "PS": "PostScript", "PDF": "PDF", "DVI": "DVI", "DVD": "DVD", "HTML": "HTML", "XML": "XML", "SGML": "SGML",
    "CSS": "CSS", "WEB": "WEB", "Java": "Java", "SC": "", "SMC": "", "smc": "",
    "textasciicircum": "^", "Dash": "—", "dash": "–", "slash": "/", "thinspace": " ", "space": " ",
    "copyright": "©", "S": "§", "P": "¶", "textbar": "|", "textless": "<", "textgreater": ">",
    "textunderscore": "_", "newline": " ", "linebreak": " ", "break": " ", "allowbreak": "",
}
# Macros whose argument is the text: fonts, boxes, case changes, acronyms.
KEEP_ARGUMENT = (
    "texttt", "textsf", "textmd", "textup", "textnormal", "textsuperscript", "textsubscript", "mbox", "hbox", "vbox",
    "uline", "uppercase", "lowercase", "MakeUppercase", "MakeLowercase", "NoCaseChange", "acro", "acrosl", "path",
    "url", "nolinkurl", "ensuremath", "textssf",
)
# Font and spacing switches without an argument: they change how text looks, not what it says.
DECLARATIONS = (
    "em", "it", "bf", "tt", "sf", "sc", "rm", "sl", "up", "md", "normalfont", "tiny", "scriptsize", "footnotesize",
    "small", "normalsize", "large", "Large", "LARGE", "huge", "Huge", "relax", "noindent", "protect", "nobreak",
    "ssf", "slnine", "sfit", "bfseries", "itshape", "ttfamily", "sffamily", "rmfamily", "scshape", "mdseries",
    "upshape", "slshape", "boldmath", "unboldmath", "frenchspacing", "nocorr", "/",
)
# `\cs{name}` writes a control sequence's name with its backslash.
_CS = ("cs", "cn", "csname")

MAX_NESTING = 100

_MACRO = re.compile(r"\\([A-Za-z@]+|.)", re.DOTALL)
_BARE_SPECIAL = re.compile(r"(?<!\\)([%&])")
_FIRST_PLACEHOLDER = 0xF0000  # Supplementary Private Use Area-A: never in a bibliography


class LatexError(ValueError):
    """A value that cannot be decoded (nested too deep)."""


class Decoded(NamedTuple):
    text: str
    unknown: tuple[str, ...]  # macros kept as written, e.g. ('\\foo',)


_decoder = None
_walker_context = None
_known: frozenset[str] = frozenset()


def _setup() -> None:
    global _decoder, _walker_context, _known
    from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec
    from pylatexenc.latex2text import get_default_latex_context_db as text_context
    from pylatexenc.latexwalker import get_default_latex_context_db as walker_context
    from pylatexenc.macrospec import MacroSpec

    # pylatexenc logs every macro it does not know; unknown ones are ours to report.
    logging.getLogger("pylatexenc").setLevel(logging.ERROR)
    walker = walker_context()
    walker.add_context_category(
        "bibliography",
        macros=[MacroSpec(name, "{") for name in (*KEEP_ARGUMENT, *_CS)] + [MacroSpec(name, "") for name in (*LOGOS, *DECLARATIONS)]
        + [MacroSpec("href", "{{")],
        prepend=True,
    )
    text = text_context()
    text.add_context_category(
        "bibliography",
        macros=[MacroTextSpec(name, simplify_repl=_logo(value)) for name, value in LOGOS.items()]
        + [MacroTextSpec(name, discard=False) for name in KEEP_ARGUMENT]
        + [MacroTextSpec(name, simplify_repl=_cs_name) for name in _CS]
        + [MacroTextSpec(name, simplify_repl="") for name in DECLARATIONS]
        + [MacroTextSpec("href", simplify_repl=_link_text)],
        prepend=True,
    )
    _known = frozenset(spec.macroname for spec in text.iter_macro_specs())
    _decoder = LatexNodes2Text(latex_context=text)
    _walker_context = walker


def _cs_name(node, l2tobj, **_) -> str:
    return "\\" + l2tobj.node_arg_to_text(node, 0)


def _link_text(node, l2tobj, **_) -> str:
    return l2tobj.node_arg_to_text(node, 1)


def _logo(value: str):
    # `\TeX is` reads as "TeX is": the space TeX swallows after a macro name is
    # almost always meant as a word space in a title.
    def repl(node, **_) -> str:
        return value + (" " if node.macro_post_space else "")

    return repl


def _nesting(value: str) -> int:
    depth = deepest = 0
    for c in value:
        if c == "{":
            depth += 1
            if depth > deepest:
                deepest = depth
        elif c == "}":
            depth -= 1
    return deepest


def _group_end(value: str, start: int) -> int:
    """The index after the balanced `{...}` starting at `start`, or -1."""
    depth = 0
    for i in range(start, len(value)):
        if value[i] == "{":
            depth += 1
        elif value[i] == "}":
            depth -= 1
            if depth == 0:
                return i + 1
    return -1


# `\bs` (tugboat.def's backslash) swallows the space after it, as TeX does: `\bs relax` is "\relax".
_CHAR = re.compile(r"\\char\s*(?:`\\?(.)|\"([0-9A-Fa-f]{1,6})|'([0-7]{1,8})|(\d{1,7}))|\\bs(?![A-Za-z])\s*")


def _char(m: re.Match) -> str:
    """TeX's `\\char` with a character (`\\char`\\\\`), hexadecimal, octal or decimal code."""
    if m.group(0).startswith("\\bs"):
        return "\\"
    if m.group(1):
        return m.group(1)
    code = int(m.group(2), 16) if m.group(2) else int(m.group(3), 8) if m.group(3) else int(m.group(4))
    return chr(code) if code < 0x110000 else m.group(0)


def _protect_unknown(value: str) -> tuple[str, dict[str, str], list[str]]:
    """Replace each macro the text rules do not know (with the braced groups
    right after it) by a placeholder character pylatexenc passes through;
    `\\char` codes become their character the same way."""
    out, kept, names, pos = [], {}, [], 0
    if "\\char" in value or "\\bs" in value:
        def literal(m: re.Match) -> str:
            placeholder = chr(_FIRST_PLACEHOLDER + len(kept))
            kept[placeholder] = _char(m)
            return placeholder

        value = _CHAR.sub(literal, value)
    for m in _MACRO.finditer(value):
        name = m.group(1)
        if m.start() < pos or name in _known or not (name[0].isalpha() or name[0] == "@"):
            continue
        end = m.end()
        while end < len(value) and value[end] == "{":
            close = _group_end(value, end)
            if close < 0:
                break
            end = close
        placeholder = chr(_FIRST_PLACEHOLDER + len(kept))
        kept[placeholder] = value[m.start():end]
        names.append("\\" + name)
        out.append(value[pos:m.start()])
        out.append(placeholder)
        pos = end
    if pos == 0:
        return value, kept, names
    out.append(value[pos:])
    return "".join(out), kept, names


def latex_to_text(value: str) -> Decoded:
    """Unicode text for a BibTeX value containing LaTeX (no cache; see bibtex.decode_latex)."""
    if _nesting(value) > MAX_NESTING:
        raise LatexError(f"braces nested more than {MAX_NESTING} deep")
    fast = fast_latex_to_text(value)
    if fast is not None:
        return Decoded(fast, ())
    return general_latex_to_text(value)


def general_latex_to_text(value: str) -> Decoded:
    """latex_to_text through pylatexenc, for every value (the fast path's reference)."""
    if _decoder is None:
        _setup()
    protected, kept, names = _protect_unknown(value)
    # In BibTeX a bare `%` is a literal per cent sign, not a LaTeX comment, and a bare `&` an ampersand, not a table's column.
    try:
        text = _decoder.latex_to_text(_BARE_SPECIAL.sub(r"\\\1", protected), latex_context=_walker_context)
    except RecursionError:
        raise LatexError("LaTeX nested too deep to decode") from None
    except Exception as exc:  # pylatexenc is tolerant; anything it still raises is its own bug
        raise LatexError(f"pylatexenc could not read it ({type(exc).__name__}: {exc})") from None
    for placeholder, original in kept.items():
        text = text.replace(placeholder, original)
    return Decoded(" ".join(text.replace("\xa0", " ").split()), tuple(dict.fromkeys(names)))


# --- the fast path -----------------------------------------------------------------------
#
# Most values with LaTeX hold only accents (`M{\"u}ller`), special letters,
# escaped characters, dashes, quotes and protective braces. They are decoded
# here in one pass, with the same result as pylatexenc (checked on every value
# of the real corpora, tests/test_latex_fast_path.py); anything else returns
# None and goes the general way.

_ACCENT_SYMBOLS = {'"': "\u0308", "'": "\u0301", "`": "\u0300", "^": "\u0302", "~": "\u0303", "=": "\u0304", ".": "\u0307"}
_ACCENT_LETTERS = {"u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328", "r": "\u030a"}
_SPECIAL_LETTERS = {"l": "ł", "L": "Ł", "o": "ø", "O": "Ø", "ss": "ß", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "aa": "å", "AA": "Å",
                    "i": "ı", "j": "ȷ", "ldots": "…"}  # dotless i and j: Turkish names, as in `Y{\i}ld{\i}z`
_ESCAPED = frozenset("&%$#_{}")
_PLAIN_RUN = re.compile(r"[^\\{}~`'\-$%&]+")


def _accent_base(value: str, i: int) -> tuple[str | None, int]:
    """The letter an accent applies to, at `i`: `u` or `{u}`."""
    if i < len(value) and value[i].isalpha() and value[i].isascii():
        return value[i], i + 1
    if value[i:i + 1] == "{" and i + 2 < len(value) and value[i + 1].isalpha() and value[i + 1].isascii() and value[i + 2] == "}":
        return value[i + 1], i + 3
    return None, i


def fast_latex_to_text(value: str) -> str | None:
    """`value` decoded as pylatexenc decodes it, or None when it holds more
    than accents, special letters, escapes, dashes, quotes and braces."""
    out: list[str] = []
    i, n = 0, len(value)
    while i < n:
        m = _PLAIN_RUN.match(value, i)
        if m:
            out.append(m.group(0))
            i = m.end()
            continue
        c = value[i]
        if c == "\\":
            d = value[i + 1:i + 2]
            if d in _ESCAPED and d:
                out.append(d)
                i += 2
            elif d in _ACCENT_SYMBOLS and d:
                base, i = _accent_base(value, i + 2)
                if base is None:
                    return None
                out.append(unicodedata.normalize("NFC", base + _ACCENT_SYMBOLS[d]))
            elif d.isalpha() and d.isascii():
                j = i + 1
                while j < n and value[j].isalpha() and value[j].isascii():
                    j += 1
                name = value[i + 1:j]
                if name in _ACCENT_LETTERS and value[j:j + 1] == "{":
                    base, i = _accent_base(value, j)
                    if base is None:
                        return None
                    out.append(unicodedata.normalize("NFC", base + _ACCENT_LETTERS[name]))
                elif name in _SPECIAL_LETTERS:
                    out.append(_SPECIAL_LETTERS[name])
                    while j < n and value[j] in " \t\n":  # TeX swallows the space after a macro name
                        j += 1
                    i = j
                else:
                    return None
            else:
                return None
        elif c in "{}":
            i += 1
        elif c == "~":
            out.append(" ")
            i += 1
        elif c == "-":
            j = i
            while j < n and value[j] == "-":
                j += 1
            run = j - i
            out.append("—" if run == 3 else "–" if run == 2 else "-" if run == 1 else None)
            if out[-1] is None:
                return None
            i = j
        elif c == "`":
            if value[i + 1:i + 2] == "`":
                out.append("“")
                i += 2
            else:
                out.append("`")
                i += 1
        elif c == "'":
            if value[i + 1:i + 2] == "'":
                out.append("”")
                i += 2
            else:
                out.append("'")
                i += 1
        elif c in "%&":
            out.append(c)  # literal characters in BibTeX (see general_latex_to_text)
            i += 1
        else:  # `$`: mathematics
            return None
    return " ".join("".join(out).split())
