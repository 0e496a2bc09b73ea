"""The CLI starts without importing what a command does not use: the web
stack (FastAPI, strawberry, uvicorn), the RDF libraries and the page's pyvis
are imported by the commands that need them, not by `aiprogress --help` or
`aiprogress stats`; a command imports its own family of commands alone, so
`serve` reaches its socket without SQLAlchemy or numpy."""

from __future__ import annotations

import json
import subprocess
import sys

import importlib

import pytest

from aiprogress.api import cli

# Imported by `serve`, `export`, `sparql`, `import-rdf`, `render` only.
HEAVY = ("fastapi", "starlette", "strawberry", "graphql", "uvicorn", "rdflib", "pyoxigraph", "pyvis", "networkx")

RUN_AND_LIST = """
import json, sys
sys.argv = ["aiprogress", *json.loads(sys.argv[1])]
from aiprogress.api.cli import main
try:
    main()
except SystemExit:
    pass
sys.stderr.write("\\nMODULES " + json.dumps(sorted(sys.modules)) + "\\n")
"""


def modules_imported_by(args: list[str], cwd) -> set[str]:
    result = subprocess.run([sys.executable, "-c", RUN_AND_LIST, json.dumps(args)], capture_output=True, text=True, cwd=cwd, timeout=120)
    line = [x for x in result.stderr.splitlines() if x.startswith("MODULES ")]
    assert line, result.stderr
    return {name.split(".")[0] for name in json.loads(line[-1][len("MODULES "):])}


@pytest.mark.parametrize("args", [["--help"], ["stats"], ["show", "technique:transformer"], ["origins", "technique:transformer"]])
def test_simple_commands_import_no_web_stack_nor_rdf(args, builtin_db, tmp_path):
    if args != ["--help"]:
        args = [*args, "--db", str(builtin_db)]
    imported = modules_imported_by(args, tmp_path)
    assert "aiprogress" in imported  # the command ran
    assert sorted(imported & set(HEAVY)) == []


def test_the_commands_that_need_them_still_import_them(builtin_db, tmp_path):
    # The check above can fail: the same listing sees rdflib when `import-rdf` runs.
    bad = tmp_path / "empty.ttl"
    bad.write_text("")
    assert "rdflib" in modules_imported_by(["import-rdf", str(bad), "--db", str(builtin_db)], tmp_path)


def test_serve_starts_without_the_database_layer(tmp_path):
    imported = modules_imported_by(["serve", "--help"], tmp_path)
    assert "typer" in imported
    assert sorted(imported & {"sqlalchemy", "sqlmodel", "numpy", "alembic", *HEAVY}) == []


def test_each_command_is_found_in_the_family_that_holds_it():
    for name, family in cli.FAMILY_OF.items():
        assert name in importlib.import_module(f"aiprogress.api.cli.{family}").COMMANDS, name
    listed = [name for family in cli.FAMILIES for name in importlib.import_module(f"aiprogress.api.cli.{family}").COMMANDS]
    assert len(listed) == len(set(listed))  # one family per command
