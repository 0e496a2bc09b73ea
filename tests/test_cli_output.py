"""What a person reads: tables that name nodes beside their ids and stay
whole in an 80-column terminal, answers that say why they are empty, and
help without placeholders."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

BORDERS = "│┃┏┡└"


@pytest.fixture
def run(cli, monkeypatch):
    """run(db, *args, columns=80): the command's output as a terminal of `columns` would show it."""
    from aiprogress.api.cli import common

    def run(db, *args: str, columns: int = 80) -> str:
        monkeypatch.setattr(common.console, "width", columns)
        code, out, err = cli(*args, *(["--db", db] if db else []))
        assert code == 0, err
        return out

    return run


@pytest.mark.parametrize("command, whole", [
    (["origins", "transformer"], ["technique:attention", "technique:residual-connections", "paper:vaswani2017attention"]),
    (["impact", "attention"], ["technique:transformer", "technique:dall-e-2"]),
    (["timeline", "compute"], ["technique:multi-gpu-training"]),
    (["narratives"], ["narrative:deep-learning-works", "narrative:internet-scale-data"]),
    (["frontier"], ["Optimization & regularization", "binding (2024)"]),
    (["problems"], ["problem:expensive-models", "theme:learning-through-conversation"]),
    (["path", "backpropagation", "transformer"], ["Backpropagation (1986)", "LSTM (1997)"]),
    (["search", "attention"], ["paper:vaswani2017attention"]),
    (["show", "transformer"], ["this -relaxes-> constraint:architecture"]),
])
def test_tables_fit_80_columns_with_ids_whole(run, builtin_db, command, whole):
    out = run(builtin_db, *command)
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80
    # A row cut at the terminal's edge loses its right border.
    for line in lines:
        if line[:1] in BORDERS:
            assert line.rstrip()[-1] in "│┃┓┩┘", f"cut at the edge: {line!r}"
    for text in whole:
        assert any(text in line for line in lines), f"{text!r} is not on one line in:\n{out}"


def test_tables_name_nodes_beside_their_ids(run, builtin_db):
    narratives = run(builtin_db, "narratives", columns=250)
    assert "ImageNet Classification with Deep Convolutional Neural Networks (Krizhevsky 2012)" in narratives
    assert "Attention Is All You Need (Vaswani 2017)" in narratives
    timeline = run(builtin_db, "timeline", "compute", columns=250)
    assert "Multi-GPU training" in timeline and "technique:multi-gpu-training" in timeline
    assert "(Krizhevsky 2012)" in timeline


def test_topics_on_too_few_papers_says_so(run, builtin_db):
    # The built-in history up to 2020 is too thin a corpus; the papers since make it testable.
    out = run(builtin_db, "topics", "--as-of", "2020")
    papers = json.loads(run(builtin_db, "topics", "--as-of", "2020", "--json"))["papers"]
    assert 0 < papers and out.startswith(f"Too few dated papers to test for shifts: {papers} dated paper(s)")
    assert "┏" not in out  # no empty table


def test_timeline_of_energy_says_why_it_is_empty_and_shows_measurements(run, builtin_db):
    # Before 2023 (DiLoCo, the first recorded relaxation of energy) nothing relaxed it.
    out = " ".join(run(builtin_db, "timeline", "energy", "--as-of", "2022", columns=250).split())
    assert "No technique or paper in the graph relaxes Energy" in out and "constraint:energy" in out
    assert "Measurements of energy" in out and "GPT-3" in out and "1,287 MWh" in out and "Patterson et al. 2021" in out


def test_version_and_help_without_placeholders(run):
    # In a fresh process too: `python -m aiprogress.api` is the same command.
    version = subprocess.run([sys.executable, "-m", "aiprogress.api", "--version"], capture_output=True, text=True, timeout=120)
    assert version.returncode == 0 and version.stdout.strip() == run(None, "--version").strip()
    assert version.stdout.startswith("aiprogress 0.")
    for command in ("origins", "path", "topics", "ingest", "serve", "render"):
        out = run(None, command, "--help")
        for placeholder in ("<bool>", "<str>", "<int", "[x>=", "<list[", "{", "(`--db`)"):
            assert placeholder not in out, f"{command} --help shows {placeholder}"


def test_the_readme_questions_run(cli, builtin_db):
    import re
    import shlex
    from pathlib import Path

    from aiprogress.api.cli import queries

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    lines = [line.split("#", 1)[0] for line in re.findall(r"^aiprogress .*$", readme, flags=re.M)]
    asked = [shlex.split(line)[1:] for line in lines if shlex.split(line)[1] in queries.COMMANDS]
    assert {args[0] for args in asked} == set(queries.COMMANDS)
    for args in asked:
        if "--source" in args:  # names a file of the user's, not in the built-in history
            continue
        code, _, err = cli(*args, "--db", builtin_db)
        assert code == 0, (args, err)
