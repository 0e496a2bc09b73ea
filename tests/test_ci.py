"""How CI runs the suite (tests/run, .ci/run): a run that checks nothing
fails instead of passing silently."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, skip_or_fail


def test_a_run_that_selects_no_tests_fails_under_ci():
    # Without CI=true pytest would exit with 5 (no tests collected).
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_packaging.py", "-k", "no_test_is_called_this"],
                          cwd=REPO, env={**os.environ, "CI": "true"}, capture_output=True, text=True, timeout=120)
    assert done.returncode == pytest.ExitCode.TESTS_FAILED, done.stdout[-2000:]
    assert "deselected" in done.stdout


@pytest.mark.parametrize(("pytest_exit", "run_exit"), [(0, 0), (1, 1), (5, 1)])
def test_tests_run_passes_on_pytest_exit_code_except_no_tests(tmp_path, pytest_exit, run_exit):
    # A stand-in python3 first on PATH: the system Python is not externally
    # managed, pip succeeds, and pytest exits with the code given.
    fake = tmp_path / "python3"
    fake.write_text(f'#!/bin/sh\ncase "$*" in\n  -c*) exit 1;;\n  "-m pytest"*) exit {pytest_exit};;\n  *) exit 0;;\nesac\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    # Chromium and PostgreSQL look present, so nothing is installed.
    (tmp_path / "chromium").symlink_to("/bin/true")
    env = {**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}"}
    if not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        skip_or_fail("PostgreSQL is not installed: the script would install it")
    done = subprocess.run(["bash", str(REPO / "tests/run"), "-q"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == run_exit, done.stderr
    assert ("collected no tests" in done.stderr) == (pytest_exit == 5)


def test_ci_runs_the_test_script():
    assert "bash tests/run" in (REPO / ".ci/run").read_text()
