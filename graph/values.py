"""What a stored value may be, the same on every backend and every way in.

SQLite stores a NUL byte or a 100,000-character key without a word, where
PostgreSQL refuses both and aborts the transaction; these rules decide first,
so both backends accept and refuse the same things:

- years: whole numbers from YEAR_MIN to YEAR_MAX, one message naming the field;
- NUL bytes: never stored. Written values lose them (the writer reports it),
  and a statement still carrying one (a read of `show "a\\0b"`, say) is
  refused as invalid input instead of failing deep in the driver;
- ids, aliases and citation keys: at most the `max_key_length` setting
  (never more than the columns' 400 characters).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from . import settings
from .errors import InvalidInput
from .models import Alias, Node

YEAR_MIN, YEAR_MAX = -2999, 2999
NUL = "\x00"

# The narrowest key column: a longer key cannot be stored, whatever the setting says.
KEY_COLUMN_CHARS = min(Node.__table__.c.id.type.length, Alias.__table__.c.alias.type.length)


def year_problem(value: Any, field: str = "year") -> str | None:
    """Why `value` is not a year (None when it is one)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not YEAR_MIN <= value <= YEAR_MAX:
        return f"{field} must be a whole number from {YEAR_MIN} to {YEAR_MAX}, got {value!r}"
    return None


def check_year(value: Any, where: str, field: str = "year") -> None:
    problem = year_problem(value, field)
    if problem:
        raise InvalidInput(f"{where}: {problem}")


def max_key_length() -> int:
    return min(settings.get("max_key_length"), KEY_COLUMN_CHARS)


def key_problem(key: str, what: str = "id", limit: int | None = None) -> tuple[str, str] | None:
    """(problem kind, why) when `key` (an id, alias or citation key) cannot be stored
    (`limit`: max_key_length(), when the caller has read it already)."""
    limit = max_key_length() if limit is None else limit
    if len(key) > limit:
        return "key-too-long", f"{what} is {len(key):,} characters long; at most {limit:,} are stored (setting max_key_length)"
    if NUL in key:
        return "nul-byte", f"{what} contains a NUL byte"
    return None


def check_key(key: str, what: str = "id") -> None:
    problem = key_problem(key, what)
    if problem:
        shown = key if len(key) <= 80 else key[:80] + "..."
        raise InvalidInput(f"{shown!r}: {problem[1]}")


def has_nul(value: Any) -> bool:
    # Walked by type, exact types first (a paper's values are plain str, int,
    # list and dict): a `in` per string is a memchr, where repr() of the whole
    # value copied and escaped every character, abstracts included, for each row.
    kind = type(value)
    if kind is str:
        return NUL in value
    if kind is dict:
        for k, v in value.items():
            if (NUL in k) if type(k) is str else has_nul(k):
                return True
            inner = type(v)
            if inner is str:
                if NUL in v:
                    return True
            elif v is not None and inner is not int and has_nul(v):
                return True
        return False
    if kind is list or kind is tuple:
        for v in value:
            if (NUL in v) if type(v) is str else has_nul(v):
                return True
        return False
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, (list, tuple)):
        return any(has_nul(v) for v in value)
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    return False


def without_nul(value: Any) -> Any:
    """`value` with every NUL byte removed (in strings, lists and dicts, keys included)."""
    if isinstance(value, str):
        return value.replace(NUL, "")
    if isinstance(value, list):
        return [without_nul(v) for v in value]
    if isinstance(value, tuple):
        return tuple(without_nul(v) for v in value)
    if isinstance(value, dict):
        return {without_nul(k): without_nul(v) for k, v in value.items()}
    return value


_PLAIN = (type(None), int, float, bool, bytes)


def _parameters_with_nul(parameters: Any) -> bool:
    if isinstance(parameters, dict):
        return any(isinstance(v, str) and NUL in v for v in parameters.values())
    if isinstance(parameters, (list, tuple)):
        for p in parameters:
            kind = type(p)
            if kind is str:
                if NUL in p:
                    return True
            elif kind is tuple:  # a row of an executemany: its strings checked here, without a call each
                for v in p:
                    if type(v) is str:
                        if NUL in v:
                            return True
                    elif type(v) not in _PLAIN and _parameters_with_nul((v,)):
                        return True
            elif kind in _PLAIN:
                continue
            elif isinstance(p, str):
                if NUL in p:
                    return True
            elif isinstance(p, (dict, list, tuple)) and _parameters_with_nul(p):
                return True
    return False


# An execution option: the statement's text parameters were checked for NUL
# bytes already (graph/batch.py removes them from a paper's values and refuses
# keys carrying one), so the statement hook need not scan them again.
NUL_CHECKED = "aiprogress_nul_checked"


def _refuse_nul(conn, cursor, statement, parameters, context, executemany) -> None:
    # No repr() of the parameters first: for an executemany of thousands of
    # rows it copied every value, where a memchr per string is enough.
    if context is not None and context.execution_options.get(NUL_CHECKED):
        return
    if parameters and _parameters_with_nul(parameters):
        raise InvalidInput("text cannot contain NUL bytes (\\x00)")


def refuse_nul_in_statements(engine: Engine) -> None:
    """Refuse any statement whose parameters carry a NUL byte, on every backend
    (PostgreSQL would fail with a driver error; SQLite would store it)."""
    event.listen(engine, "before_cursor_execute", _refuse_nul)
