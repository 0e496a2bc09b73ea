"""The `aiprogress` command: output, JSON, exit codes, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

from aiprogress.api.cli import app


def test_init_twice_leaves_counts_unchanged(cli, tmp_path):
    db = tmp_path / "a.db"
    code, out, err = cli("init", "--db", db)
    assert code == 0, err
    code, out, _ = cli("stats", "--db", db, "--json")
    first = json.loads(out)
    assert first["nodes"]["constraint"] == 7 and first["nodes"]["field"] == 5 and first["constraint_statuses"] > 0
    code, out, _ = cli("init", "--db", db)
    assert code == 0 and "Nothing changed" in out
    code, out, _ = cli("stats", "--db", db, "--json")
    assert json.loads(out) == first


def test_stats_table(cli, builtin_db):
    code, out, _ = cli("stats", "--db", builtin_db)
    assert code == 0
    assert "constraint" in out and "relaxes" in out and "total" in out


def test_show_transformer(cli, builtin_db):
    code, out, _ = cli("show", "technique:transformer", "--db", builtin_db)
    assert code == 0
    assert "this -relaxes-> constraint:architecture" in out
    assert "technique:attention -enables-> this" in out
    code, out, _ = cli("show", "technique:transformer", "--db", builtin_db, "--json")
    detail = json.loads(out)
    facts = {(e["direction"], e["relation"], e["other_id"]) for e in detail["edges"]}
    assert ("out", "relaxes", "constraint:architecture") in facts
    assert ("in", "enables", "technique:attention") in facts
    assert detail["node"]["category"] == "architecture"


def test_show_finds_a_paper_by_citation_key(cli, builtin_db):
    code, out, _ = cli("show", "vaswani2017attention", "--db", builtin_db, "--json")
    assert code == 0
    assert json.loads(out)["paper"]["arxiv_id"] == "1706.03762"


def test_unknown_id_is_one_line_and_non_zero(cli, builtin_db):
    code, out, err = cli("show", "technique:nope", "--db", builtin_db)
    assert code != 0
    assert err.strip().count("\n") == 0 and "technique:nope" in err
    assert out == ""


def test_missing_database_says_run_init(cli, tmp_path):
    code, _, err = cli("stats", "--db", tmp_path / "none.db")
    assert code != 0 and "aiprogress init" in err


def test_load_error_exit_code_and_no_traceback(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[edge]]\nsource = "technique:a"\nrelation = "enables"\ntarget = "technique:b"\nnote = "n"\n')
    result = subprocess.run(
        [sys.executable, "-m", "aiprogress.api", "load", str(bad), "--db", str(tmp_path / "x.db")],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().startswith("error:") and "bad.toml:1" in result.stderr and "technique:a" in result.stderr


def test_every_command_has_help_and_is_in_the_readme(cli):
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    names = sorted(c.name or c.callback.__name__.replace("_", "-") for c in app.registered_commands)
    assert {"init", "load", "show", "stats"} <= set(names)
    for name in names:
        code, out, _ = cli(name, "--help")
        assert code == 0 and "Usage" in out, name
        assert f"aiprogress {name}" in readme, f"command {name} is not documented in README.md"


def test_every_setting_is_in_the_readme():
    from pathlib import Path

    from aiprogress.graph import settings

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    for setting in settings.SETTINGS:
        assert f"`{setting.env}`" in readme, setting.env


def test_an_unreachable_database_is_one_line(cli):
    # Port 1 on loopback: nothing listens there, so the connection is refused at once.
    code, out, err = cli("stats", "--db", "postgresql://nobody@127.0.0.1:1/none")
    assert code == 7
    assert err.startswith("error: database error:") and err.strip().count("\n") == 0
    assert "Traceback" not in err and out == ""


def test_topics_can_be_asked_of_one_ingested_file(cli, builtin_db, tmp_path):
    bib = tmp_path / "mine.bib"
    bib.write_text("".join(
        f"@article{{p{year}{i},\n  title = {{{'Graph networks' if year >= 2019 and i < 6 else 'Kernel methods'} number {i}}},\n  year = {{{year}}},\n}}\n"
        for year in range(2015, 2021) for i in range(12)
    ))
    code, _, err = cli("ingest", bib, "--db", builtin_db)
    assert code == 0, err
    code, out, _ = cli("topics", "--source", "mine.bib", "--db", builtin_db, "--json")
    assert code == 0
    result = json.loads(out)
    assert result["papers"] == 72  # only this file's papers, not the built-in 48
    assert any(s["topic"] == "graph" and s["direction"] == "rise" and s["year"] == 2019 for s in result["shifts"])
    code, _, err = cli("topics", "--source", "absent.bib", "--db", builtin_db)
    assert code == 2 and "absent.bib" in err and "bibtex:mine.bib" in err
