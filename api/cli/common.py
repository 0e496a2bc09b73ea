"""What every command of `aiprogress` shares: the options built from the
settings registry, opening the database, and printing tables or JSON."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from dataclasses import asdict, is_dataclass
from typing import Annotated, Any

import typer
from rich.console import Console
from typer.core import TyperCommand
from rich.markup import escape
from rich.table import Table

from ...graph import settings
from ...graph.errors import InvalidInput

console = Console()
err_console = Console(stderr=True, soft_wrap=True)


class Command(TyperCommand):
    """Help that names an argument by its metavar alone: typer would print
    `{ID}` in the usage line and `ID <str>` in the list of arguments. These
    are click's documented hooks for the usage line and the parameter lists."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            pieces += [_argument_name(param)] if param.param_type_name == "argument" else param.get_usage_pieces(ctx)
        return pieces

    def format_options(self, ctx: Any, formatter: Any) -> None:
        params = self.get_params(ctx)
        arguments = [(_argument_name(p), getattr(p, "help", None) or "") for p in params if p.param_type_name == "argument"]
        options = [record for p in params if not p.param_type_name == "argument" and (record := p.get_help_record(ctx))]
        for title, rows in (("Arguments", arguments), ("Options", options)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


def _argument_name(param: Any) -> str:
    name = param.metavar or (param.name or "").upper()
    return name + ("..." if param.nargs != 1 else "")


def setting_option(name: str, flag: str | None = None, *, metavar: str | None = None) -> Any:
    """The flag of one setting: its help, default and environment variable
    come from graph/settings.py."""
    s = settings.BY_NAME[name]
    default = f"{s.default:,}" if isinstance(s.default, int) and not isinstance(s.default, bool) and s.default >= 10_000 else s.default
    return typer.Option(
        flag or "--" + name.replace("_", "-"), help=f"{s.help} Default: {default}.", envvar=s.env, show_envvar=True,
        metavar=metavar or name.split("_")[-1].upper(),
    )


DbOption = Annotated[str | None, setting_option("database_url", "--db", metavar="PATH_OR_URL")]
IdArgument = Annotated[str, typer.Argument(metavar="ID", help="A node id (kind:slug), alias or citation key.", show_default=False)]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]
AsOfOption = Annotated[int | None, typer.Option("--as-of", metavar="YEAR", help="The graph as it stood at the end of YEAR: later nodes and facts hidden.")]
LimitOption = Annotated[int, typer.Option("--limit", metavar="N", help="Most rows shown in the table.")]


def open_engine(db: str | None, *, create: bool = False):
    """The engine for `--db`; unless `create`, the database must already hold a graph."""
    from ...graph import db as database  # SQLAlchemy: imported when a command opens a database, not by `--help`

    engine = database.open_engine(db)
    if create:
        database.create_schema(engine)
    elif not database.has_schema(engine):
        raise InvalidInput(f"no aiprogress database at {database.url_from(db)}: run `aiprogress init` first")
    return engine


@contextmanager
def session_for(db: str | None, *, create: bool = False, writes: bool = False):
    """One transaction on the database named by `--db`; `writes` for a command
    that writes (it then takes the write lock up front, see db.new_session)."""
    from ...graph import db as database

    engine = open_engine(db, create=create)
    try:
        with database.session_scope(engine, writes=writes) as session:
            yield session
    finally:
        engine.dispose()


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if hasattr(value, "model_dump"):
        return value.model_dump()
    return str(value)


def print_json(data: Any) -> None:
    """JSON for machines, on stdout, with nothing else."""
    sys.stdout.write(json.dumps(data, default=_plain, indent=2, ensure_ascii=False) + "\n")


def table(title: str | None, columns: list[str], rows: list[list[Any]], *, whole: tuple[str, ...] = ()) -> Table:
    """A rich table whose cells are shown as text (never as console markup).

    Long cells wrap at spaces. When the table is wider than the terminal, the
    columns named in `whole` keep their longest id (up to 40 characters) on
    one line and the others share what is left, so an 80-column terminal
    still shows every id whole."""
    out = Table(title=title, title_justify="left", show_lines=False)
    texts = [["" if cell is None else str(cell) for cell in row] for row in rows]
    for column, width in zip(columns, _widths(columns, texts, whole)):
        out.add_column(column, overflow="fold", width=width)
    for row in texts:
        out.add_row(*map(escape, row))
    return out


def _widths(columns: list[str], texts: list[list[str]], whole: tuple[str, ...]) -> list[int | None]:
    cells = [[column, *(row[k] for row in texts)] for k, column in enumerate(columns)]
    natural = [max(len(line) for cell in column for line in cell.splitlines() or [""]) for column in cells]
    longest_word = [max((len(w) for cell in column for w in cell.split()), default=1) for column in cells]
    # A border and a space either side of each column.
    room = console.width - 3 * len(columns) - 1
    if sum(natural) <= room:
        return [None] * len(columns)
    fixed = [min(natural[k], 40) if column in whole else 0 for k, column in enumerate(columns)]
    left = max(room - sum(fixed), 0)
    others = [k for k, column in enumerate(columns) if column not in whole]
    # Each other column first gets its longest word (up to 12), then a share
    # of the rest in proportion to what it holds beyond that.
    base = {k: min(longest_word[k], natural[k], 12) for k in others}
    spare = max(left - sum(base.values()), 0)
    wants = {k: natural[k] - base[k] for k in others}
    total = sum(wants.values()) or 1
    widths: list[int | None] = list(fixed)
    for k in others:
        widths[k] = base[k] + spare * wants[k] // total
    # Rounding and the least widths may overshoot: take it back from the widest.
    while sum(widths) > room and max(widths[k] for k in others) > 4:
        widest = max(others, key=lambda k: widths[k])
        widths[widest] -= 1
    return widths


def say(text: str) -> None:
    """A line of plain text for people (never read as console markup)."""
    console.print(text, markup=False, highlight=False)


def citation_suffix(intents: list[str] | None, influential: bool | None) -> str:
    """A citation's Semantic Scholar attributes after its fact, when stated: ` [influential; methodology]`."""
    parts = (["influential"] if influential else []) + list(intents or [])
    return f" [{'; '.join(parts)}]" if parts else ""
