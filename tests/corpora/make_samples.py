"""Rebuild the corpus samples in this folder from the full corpora.

    python tests/corpora/make_samples.py [CORPORA]   # default: ../shared/corpora beside the repository

Each sample is a byte-for-byte selection of whole blocks of one original
file, in their original order (a block runs from a line starting with `@`
to the next one): every Nth citation key, every block of a selected key
(so a key that the original repeats is repeated here), and every block that
shows one of the file's known quirks (or matches a pattern given), found here by plain text matching so
that the tests, not this script, check what the parser makes of them.
The tests read only these samples; the full corpora are for the benchmarks.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_CORPORA = HERE.parents[2] / "shared" / "corpora"

KEY = re.compile(rb"@\s*(\w+)\s*\{\s*([^,\s]+)\s*,")
FIELD_NAME = re.compile(rb"^\s*([A-Za-z][\w-]*)\s*=", re.M)


def blocks(data: bytes) -> tuple[bytes, list[bytes]]:
    """The text before the first block, and the blocks."""
    starts = [m.start() for m in re.finditer(rb"(?m)^@", data)]
    return data[: starts[0]], [data[a:b] for a, b in zip(starts, [*starts[1:], len(data)])]


def key_of(block: bytes) -> bytes | None:
    match = KEY.match(block)
    if match is None or match.group(1).lower() in (b"comment", b"string", b"preamble"):
        return None
    return match.group(2)


def has_repeated_field(block: bytes) -> bool:
    names = Counter(name.lower() for name in FIELD_NAME.findall(block))
    return any(n > 1 for n in names.values())


def sample(source: Path, target: Path, every: int, *, keep: re.Pattern[bytes] | None = None, keys: set[bytes] = frozenset(), comments: bool = False, quirks: bool = False) -> None:
    head, parts = blocks(source.read_bytes())
    counts = Counter(key_of(b) for b in parts)
    chosen = set(keys)
    ordered = list(dict.fromkeys(k for k in (key_of(b) for b in parts) if k is not None))
    chosen.update(ordered[::every])
    for block in parts:
        key = key_of(block)
        if key is None:
            continue
        if (keep is not None and keep.search(block)) or (quirks and (counts[key] > 1 or has_repeated_field(block) or block.startswith(b"@ "))):
            chosen.add(key)
    out = [head]
    for i, block in enumerate(parts):
        key = key_of(block)
        if key in chosen or (key is None and comments):
            out.append(block)
        elif any(p.startswith(b"@ ") for p in parts[max(i - 1, 0) : i + 2]):
            out.append(block)  # a hidden entry and its neighbours, which must still be read
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(b"".join(out))
    entries = sum(1 for b in out[1:] if key_of(b) is not None)
    print(f"{target.relative_to(HERE)}: {entries} entry blocks, {sum(map(len, out)):,} bytes")


def main(corpora: Path) -> None:
    acl = corpora / "acl-anthology-2019"
    # COLING-ACL 1998 is in both the COLING and the ACL file: keep the start
    # of that volume from both, so that joint papers meet. Names with LaTeX
    # accents (Sch{\"u}tze) and the literal {\backslash} spellings too.
    joint = re.compile(rb"\{[CP]98-10[0-3]\d,|Sch\{\\\"u\}tze|\{\\backslash\}'n")
    for name in ("all_C_coling.bib", "all_D_emnlp.bib", "all_L_lrec.bib", "all_N_naacl_hlt.bib", "all_P_acl.bib"):
        sample(acl / name, HERE / "acl-anthology-2019" / name, 60, keep=joint, comments=True)
    # Its quirks: repeated keys, repeated fields, entries hidden by `@ type{`.
    sample(corpora / "lisa-lab-ml" / "ml.bib", HERE / "lisa-lab-ml" / "ml.bib", 14, quirks=True)
    # Two keys for one work (Ba et al. 2016) and title-cased field names (Silverman86).
    sample(corpora / "d2l" / "d2l.bib", HERE / "d2l" / "d2l.bib", 2, keys={b"ba2016layer", b"Ba.Kiros.Hinton.2016", b"Silverman86"})


if __name__ == "__main__":
    corpora = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_CORPORA
    if not corpora.is_dir():
        sys.exit(f"no corpora at {corpora}: the samples are drawn from the full corpora (../shared/corpora or a path given)")
    main(corpora)
