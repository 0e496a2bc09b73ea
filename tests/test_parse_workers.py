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
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "AIPROGRESS_INGEST_WORKERS": "2"})  # whatever the machine's load
    try:
        deadline = time.monotonic() + 60
        workers: set[int] = set()
        while time.monotonic() < deadline and not workers and proc.poll() is None:
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


def test_a_parse_leaves_no_cycle_holding_the_files_blocks():
    """The general LaTeX decoder raises and catches inside pylatexenc, which
    ties the frames above it into a cycle; with the collector paused (as
    while ingesting) the file's blocks must not stay alive with it."""
    import gc

    from bibtexparser.model import Entry

    from aiprogress.ingest import bibtex, bibtex_split

    text = "@article{a, title={\\textbf{Bold} claims}}\n" + "".join(f"@article{{k{i}, title={{Plain {i}}}}}\n" for i in range(200))
    bibtex._decoded.clear()
    gc.collect()
    gc.disable()
    try:
        result = bibtex.parse_text(text)
        assert len(result.records) == 201 and result.records[0].fields["title"] == "Bold claims"
        # At most the one entry being read when the decoder raised (its reader's frame), never the file's.
        assert sum(isinstance(o, Entry) for o in gc.get_objects()) <= 1
        assert not [o for o in gc.get_objects() if isinstance(o, bibtex_split.Split) and (o.blocks or o.text)]
        assert not [o for o in gc.get_objects() if type(o).__name__ == "generator" and o.__name__ == "_blocks"]
    finally:
        gc.enable()


def test_a_worker_hands_back_the_parse_as_a_pickle(tmp_path):
    import pickle

    from aiprogress.ingest import parse_ahead

    path = tmp_path / "a.bib"
    path.write_text("@article{a, title={On {\\'E}cole}, year={2001}}\n")
    data = parse_ahead._parse_pickled(str(path), None, None)
    assert isinstance(data, bytes)
    format, parsed = pickle.loads(data)
    assert format == "bibtex" and parsed.records[0].fields["title"] == "On École"


def test_one_core_is_the_writers_and_idle_ones_parse(monkeypatch):
    from aiprogress.graph.errors import InvalidInput
    from aiprogress.ingest import parse_ahead

    monkeypatch.delenv("AIPROGRESS_INGEST_WORKERS", raising=False)
    for cores, load, files, workers in ((1, 0.0, 5, 0), (2, 0.3, 5, 1), (4, 0.0, 5, 3), (8, 0.0, 2, 1), (2, 0.0, 1, 0),
                                        (2, 1.2, 5, 0), (4, 1.5, 5, 1), (2, 7.0, 5, 0)):
        monkeypatch.setattr(os, "cpu_count", lambda cores=cores: cores)
        monkeypatch.setattr(os, "getloadavg", lambda load=load: (load, load, load))
        assert parse_ahead.default_workers(files) == workers, (cores, load, files)
    monkeypatch.setenv("AIPROGRESS_INGEST_WORKERS", "3")
    assert parse_ahead.default_workers(5) == 3 and parse_ahead.default_workers(2) == 1
    monkeypatch.setenv("AIPROGRESS_INGEST_WORKERS", "many")
    with pytest.raises(InvalidInput, match="ingest_workers"):
        parse_ahead.default_workers(5)


def test_the_workers_end_once_every_file_is_parsed(tmp_path):
    """While the last files are written, no worker holds on to the memory its parses took."""
    from aiprogress.ingest import parse_ahead

    files = _small_files(tmp_path, 4)
    seen = []
    before = _live_children()
    for i, (format, parsed) in enumerate(parse_ahead.parsed_ahead(files, 1, None)):
        seen.append(len(parsed.records))
        if i == len(files) - 1:
            assert not _live_children() - before
    assert seen == [20, 20, 20, 20]


def _small_files(tmp_path, n: int) -> list[str]:
    files = []
    for k in range(n):
        path = tmp_path / f"f{k}.bib"
        path.write_text("".join(f"@article{{f{k}k{i}, title={{Work {i}}}, year={{2001}}}}\n" for i in range(20)))
        files.append(str(path))
    return files


def _live_children() -> set[int]:
    """The pids of this process's children still running (not zombies: a
    worker that has exited holds no memory, even before multiprocessing's
    bookkeeping, which the pool's own thread reaps at the same time, lets it
    go). Other parts of the test run (a SPARQL worker, say) may keep theirs:
    a test compares with the set before its ingest."""
    return {pid for pid in _children(os.getpid()) if _alive(pid)}


def _workers_end(before: set, deadline_s: float = 20) -> bool:
    deadline = time.monotonic() + deadline_s
    while _live_children() - before and time.monotonic() < deadline:
        time.sleep(0.05)
    return not _live_children() - before


def test_the_workers_end_as_soon_as_every_file_is_handed_out_and_parsed(tmp_path, monkeypatch):
    """An idle worker holds the memory its parses took (the process tree's
    peak): it ends with its last parse, not when the writer asks for the last file."""
    from aiprogress.ingest import parse_ahead

    monkeypatch.setattr(parse_ahead, "AHEAD_BYTES", 0)  # one file ahead of the worker, whatever their size
    before = _live_children()
    ahead = parse_ahead.parsed_ahead(_small_files(tmp_path, 5), 1, None)
    for _ in range(3):  # one worker, two files ahead: with the third taken, every file is handed out
        next(ahead)
    assert _workers_end(before)
    assert [len(parsed.records) for _, parsed in ahead] == [20, 20]


def test_small_files_are_all_handed_out_at_once_and_the_worker_ends_before_the_first_is_written(tmp_path):
    from aiprogress.ingest import parse_ahead

    before = _live_children()
    ahead = parse_ahead.parsed_ahead(_small_files(tmp_path, 5), 1, None)
    assert len(next(ahead)[1].records) == 20
    assert _workers_end(before)
    assert [len(parsed.records) for _, parsed in ahead] == [20, 20, 20, 20]
