"""Proposals, open problems and themes as node kinds; trained models as a
technique category; the relations focuses-on, names, bears-on, embodies;
and status_record, a constraint's status (binding, expected-to-bind, solved,
open) as a source recorded it in a year.

The new kinds, category and relations only widen three CHECK constraints,
which every existing row already satisfies. PostgreSQL drops and re-adds
them. SQLite cannot alter a CHECK, and recreating `node` or `edge` (what
batch mode does) would fire ON DELETE CASCADE into every child table, since
foreign keys are on and cannot be switched off inside the migration's
transaction; so the table's stored definition is edited in place, the
procedure SQLite documents for loosening a constraint
(https://www.sqlite.org/lang_altertable.html, "making other kinds of table
schema changes").

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_OLD = {
    ("node", "ck_node_kind"): "kind IN ('paper', 'technique', 'constraint', 'narrative', 'field')",
    ("node", "ck_node_category"): "category IS NULL OR category IN ('method', 'architecture', 'dataset', 'hardware', 'software')",
    ("edge", "ck_edge_relation"): "relation IN ('relaxes', 'enables', 'inspired-by', 'introduces', 'cites', 'triggered')",
}
_NEW = {
    ("node", "ck_node_kind"): "kind IN ('paper', 'technique', 'constraint', 'narrative', 'field', 'proposal', 'problem', 'theme')",
    ("node", "ck_node_category"): "category IS NULL OR category IN ('method', 'architecture', 'dataset', 'hardware', 'software', 'model')",
    ("edge", "ck_edge_relation"): "relation IN ('relaxes', 'enables', 'inspired-by', 'introduces', 'cites', 'triggered', 'focuses-on', 'names', 'bears-on', 'embodies')",
}


def _values(condition: str) -> set[str]:
    return set(re.findall(r"'([^']*)'", condition))


def _already_allows(sql: str, name: str, condition: str) -> bool:
    """Whether the table's constraint `name` already admits every value
    `condition` names: a table made by create_all from later models, whose
    lists hold values of later revisions too."""
    start = sql.find(f"CONSTRAINT {name} CHECK (")
    if start < 0:
        return False
    end = sql.find("CONSTRAINT ", start + 1)
    return _values(condition) <= _values(sql[start : end if end > 0 else len(sql)])


def _replace_checks(checks: dict, before: dict, *, widening: bool = False) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        for (table, name), condition in checks.items():
            op.drop_constraint(name, table, type_="check")
            op.create_check_constraint(name, table, condition)
        return
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar()
    bind.exec_driver_sql("PRAGMA writable_schema=ON")
    try:
        for table in sorted({t for t, _ in checks}):
            sql = bind.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).scalar()
            for (t, name), condition in checks.items():
                if t != table:
                    continue
                old, new = f"CONSTRAINT {name} CHECK ({before[(t, name)]})", f"CONSTRAINT {name} CHECK ({condition})"
                if new in sql or (widening and old not in sql and _already_allows(sql, name, condition)):
                    continue  # made by create_all from models that already had it
                if old not in sql:
                    raise RuntimeError(f"table {table}: constraint {name} is not the one this migration expects")
                sql = sql.replace(old, new)
            bind.exec_driver_sql("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?", (sql, table))
        bind.exec_driver_sql(f"PRAGMA schema_version={int(version) + 1}")
    finally:
        bind.exec_driver_sql("PRAGMA writable_schema=OFF")


def upgrade() -> None:
    _replace_checks(_NEW, _OLD, widening=True)
    if sa.inspect(op.get_bind()).has_table("status_record"):  # made by create_all from these models
        return
    op.create_table(
        "status_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("constraint_id", sa.String(length=400), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("note", sa.String(), nullable=False),
        sa.CheckConstraint("status IN ('binding', 'expected-to-bind', 'solved', 'open')", name="ck_status_record_status"),
        sa.ForeignKeyConstraint(["constraint_id"], ["node.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("constraint_id", "year", name="uq_status_record"),
    )
    op.create_index(op.f("ix_status_record_constraint_id"), "status_record", ["constraint_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_status_record_constraint_id"), table_name="status_record")
    op.drop_table("status_record")
    _replace_checks(_OLD, _NEW)
