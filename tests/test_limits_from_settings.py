"""A limit is a setting (graph/settings.py): nothing else repeats its value."""

from __future__ import annotations

import pytest

from aiprogress.graph import settings
from aiprogress.graph.errors import LimitExceeded
from aiprogress.ingest import bibtex


@pytest.mark.parametrize("name", ["max_file_bytes", "max_entries", "max_field_chars"])
def test_bibtex_limits_left_out_are_the_settings(name):
    assert getattr(bibtex.Limits(), name) == settings.get(name) == settings.BY_NAME[name].default


def test_the_environment_sets_the_bibtex_limits_of_a_parse(monkeypatch):
    monkeypatch.setenv(settings.BY_NAME["max_entries"].env, "1")
    with pytest.raises(LimitExceeded, match="limit of 1"):
        bibtex.parse_text("@article{a, title={A}}\n@article{b, title={B}}")
