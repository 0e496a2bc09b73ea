"""A killed ingest leaves no orphans: the workers that parse files ahead die
with the process that started them (ingest/parse_ahead.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

if not sys.platform.startswith("linux"):
    pytest.skip("reads /proc", allow_module_level=True)


def _children(pid: int) -> set[int]:
    out = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.add(int(entry.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_parsing_workers_die_with_a_killed_ingest(tmp_path):
    entries = "".join(f"@article{{k{i}, title={{Title number {i} about things}}, author={{Doe, Jane and Roe, Rick}}, year={{2001}}, journal={{J}}}}\n" for i in range(15_000))
    files = []
    for n in range(4):
        path = tmp_path / f"f{n}.bib"
        path.write_text(entries.replace("{k", f"{{f{n}k"))
        files.append(str(path))
    proc = subprocess.Popen([sys.executable, "-m", "aiprogress.api", "ingest", *files, "--db", str(tmp_path / "x.db")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        workers: set[int] = set()
        while time.monotonic() < deadline and len(workers) < 2 and proc.poll() is None:
            workers = _children(proc.pid)
            time.sleep(0.05)
        assert workers, "the ingest started no parsing workers"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_alive(w) for w in workers):
            time.sleep(0.1)
        assert not any(_alive(w) for w in workers), f"orphaned workers: {workers}"
    finally:
        if proc.poll() is None:
            proc.kill()
