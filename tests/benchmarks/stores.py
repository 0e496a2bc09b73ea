"""Stores the benchmark scripts run on (not collected by pytest)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def acl_corpus() -> Path:
    """The five ACL files of ../shared/corpora where they are beside the
    clone, else the committed sample of them."""
    shared = HERE.parent.parent / ".." / "shared" / "corpora" / "acl-anthology-2019"
    return shared if shared.exists() else HERE.parent / "corpora" / "acl-anthology-2019"


def store_path(db: str | None, corpus: Path | None, folder: str, name: str) -> str:
    """`db` when given; else a store in `folder` that `aiprogress ingest` fills
    from `corpus` (the ACL corpus by default)."""
    if db is not None:
        return db
    corpus = corpus or acl_corpus()
    path = os.path.join(folder, name)
    subprocess.run([sys.executable, "-m", "aiprogress.api", "ingest", str(corpus), "--db", path], check=True, stdout=subprocess.DEVNULL)
    print(f"ingested {corpus}")
    return path
