"""PostgreSQL's own full-text search: the table node_search, one tsvector a
node (name weighted A, description B, a paper's abstract D), a GIN index on
it, and triggers on node and paper that keep it in step with every write.

Why a table and not a generated column: the document joins two tables (a
paper's abstract lives in `paper`), which a generated column cannot; the
table is SQLite's FTS5 `node_fts` (graph/search.py) in PostgreSQL's terms,
and like it is not declared in graph/models.py (not a field of the graph,
an index of it). The 'simple' configuration: no stemming and no stop words,
like FTS5's unicode61 tokenizer, since titles come in many languages.

SQLite: nothing; its index is made by graph/search.py (create_index).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# PostgreSQL's parser reads "CTC/attention" as a file path, "a.b" as a host
# and "x@y" as an e-mail, each one token: those marks become spaces first, so
# the words are those FTS5 and the query (\w+ runs) see.
_DOCUMENT = """
    setweight(to_tsvector('simple', translate(node.name, '/.@:', '    ')), 'A')
    || setweight(to_tsvector('simple', translate(coalesce(node.description, ''), '/.@:', '    ')), 'B')
    || setweight(to_tsvector('simple', translate(coalesce(paper.abstract, ''), '/.@:', '    ')), 'D')
"""

_UPGRADE = (
    """CREATE TABLE node_search (
        node_id VARCHAR(400) PRIMARY KEY REFERENCES node (id) ON DELETE CASCADE ON UPDATE CASCADE,
        document TSVECTOR NOT NULL
    )""",
    "CREATE INDEX ix_node_search_document ON node_search USING gin (document)",
    # One node's document, made again from its rows; nothing when the node is
    # gone (a paper row deleted by the node's cascade).
    f"""CREATE FUNCTION node_search_refresh(target VARCHAR) RETURNS void LANGUAGE sql AS $$
        INSERT INTO node_search (node_id, document)
        SELECT node.id, {_DOCUMENT}
        FROM node LEFT JOIN paper ON paper.node_id = node.id
        WHERE node.id = target
        ON CONFLICT (node_id) DO UPDATE SET document = excluded.document
    $$""",
    """CREATE FUNCTION node_search_on_node() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM node_search_refresh(NEW.id);
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION node_search_on_paper() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            PERFORM node_search_refresh(OLD.node_id);
        ELSE
            PERFORM node_search_refresh(NEW.node_id);
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER node_search_node AFTER INSERT OR UPDATE OF name, description ON node
        FOR EACH ROW EXECUTE FUNCTION node_search_on_node()""",
    # A new paper without an abstract adds nothing to what its node's trigger indexed.
    """CREATE TRIGGER node_search_paper_insert AFTER INSERT ON paper
        FOR EACH ROW WHEN (NEW.abstract IS NOT NULL) EXECUTE FUNCTION node_search_on_paper()""",
    """CREATE TRIGGER node_search_paper_change AFTER UPDATE OF abstract OR DELETE ON paper
        FOR EACH ROW EXECUTE FUNCTION node_search_on_paper()""",
    # The rows already there (a store upgraded from 0001).
    f"""INSERT INTO node_search (node_id, document)
        SELECT node.id, {_DOCUMENT} FROM node LEFT JOIN paper ON paper.node_id = node.id""",
)

_DOWNGRADE = (
    "DROP TRIGGER node_search_paper_change ON paper",
    "DROP TRIGGER node_search_paper_insert ON paper",
    "DROP TRIGGER node_search_node ON node",
    "DROP FUNCTION node_search_on_paper()",
    "DROP FUNCTION node_search_on_node()",
    "DROP FUNCTION node_search_refresh(VARCHAR)",
    "DROP TABLE node_search",
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in _UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in _DOWNGRADE:
        op.execute(statement)
