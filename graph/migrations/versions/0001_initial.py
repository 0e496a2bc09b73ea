"""The schema of the first release: node, paper, alias, edge, measurement, meta.

Written out in full (not create_all) so that it stays what it was when
the models change; later revisions build on it.

Revision ID: 0001
Revises: 
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('meta',
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('value', sa.String(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('node',
    sa.Column('id', sa.String(length=400), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('description', sa.String(), nullable=True),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('category', sa.String(length=20), nullable=True),
    sa.Column('binding', sa.String(length=10), nullable=True),
    sa.Column('provenance', sa.String(), nullable=False),
    sa.CheckConstraint("binding IS NULL OR binding IN ('hard', 'leverage')", name='ck_node_binding'),
    sa.CheckConstraint("category IS NULL OR category IN ('method', 'architecture', 'dataset', 'hardware', 'software')", name='ck_node_category'),
    sa.CheckConstraint("kind IN ('paper', 'technique', 'constraint', 'narrative', 'field')", name='ck_node_kind'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_node_kind'), 'node', ['kind'], unique=False)
    op.create_index(op.f('ix_node_year'), 'node', ['year'], unique=False)

    op.create_table('alias',
    sa.Column('alias', sa.String(length=400), nullable=False),
    sa.Column('node_id', sa.String(length=400), nullable=False),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['node_id'], ['node.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('alias')
    )
    op.create_index(op.f('ix_alias_node_id'), 'alias', ['node_id'], unique=False)

    op.create_table('edge',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.String(length=400), nullable=False),
    sa.Column('relation', sa.String(length=20), nullable=False),
    sa.Column('target_id', sa.String(length=400), nullable=False),
    sa.Column('provenance', sa.String(), nullable=False),
    sa.Column('note', sa.String(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('confidence', sa.Float(), nullable=True),
    sa.Column('inferred', sa.Boolean(), nullable=False),
    sa.CheckConstraint("relation IN ('relaxes', 'enables', 'inspired-by', 'introduces', 'cites', 'triggered')", name='ck_edge_relation'),
    sa.CheckConstraint('confidence IS NULL OR (confidence >= 0 AND confidence <= 1)', name='ck_edge_confidence'),
    sa.ForeignKeyConstraint(['source_id'], ['node.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['target_id'], ['node.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source_id', 'relation', 'target_id', name='uq_edge_triple')
    )
    op.create_index(op.f('ix_edge_relation'), 'edge', ['relation'], unique=False)
    op.create_index(op.f('ix_edge_source_id'), 'edge', ['source_id'], unique=False)
    op.create_index(op.f('ix_edge_target_id'), 'edge', ['target_id'], unique=False)
    op.create_index('ix_edge_target_relation', 'edge', ['target_id', 'relation'], unique=False)

    op.create_table('measurement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('node_id', sa.String(length=400), nullable=False),
    sa.Column('quantity', sa.String(length=30), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('unit', sa.String(), nullable=False),
    sa.Column('source', sa.String(), nullable=False),
    sa.Column('note', sa.String(), nullable=False),
    sa.CheckConstraint("quantity IN ('parameters', 'training-compute', 'dataset-size', 'energy')", name='ck_measurement_quantity'),
    sa.ForeignKeyConstraint(['node_id'], ['node.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('node_id', 'quantity', 'source', name='uq_measurement')
    )
    op.create_index(op.f('ix_measurement_node_id'), 'measurement', ['node_id'], unique=False)

    op.create_table('paper',
    sa.Column('node_id', sa.String(length=400), nullable=False),
    sa.Column('authors', sa.JSON(), nullable=False),
    sa.Column('venue', sa.String(), nullable=True),
    sa.Column('doi', sa.String(), nullable=True),
    sa.Column('arxiv_id', sa.String(), nullable=True),
    sa.Column('url', sa.String(), nullable=True),
    sa.Column('abstract', sa.String(), nullable=True),
    sa.Column('entry_type', sa.String(length=40), nullable=False),
    sa.Column('citation_key', sa.String(), nullable=False),
    sa.Column('title_key', sa.String(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('extra', sa.JSON(), nullable=False),
    sa.Column('field_sources', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['node_id'], ['node.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('node_id')
    )
    op.create_index(op.f('ix_paper_arxiv_id'), 'paper', ['arxiv_id'], unique=True)
    op.create_index(op.f('ix_paper_citation_key'), 'paper', ['citation_key'], unique=False)
    op.create_index(op.f('ix_paper_doi'), 'paper', ['doi'], unique=True)
    op.create_index('ix_paper_title_key_year', 'paper', ['title_key', 'year'], unique=False)



def downgrade() -> None:
    op.drop_index('ix_paper_title_key_year', table_name='paper')
    op.drop_index(op.f('ix_paper_doi'), table_name='paper')
    op.drop_index(op.f('ix_paper_citation_key'), table_name='paper')
    op.drop_index(op.f('ix_paper_arxiv_id'), table_name='paper')

    op.drop_table('paper')
    op.drop_index(op.f('ix_measurement_node_id'), table_name='measurement')

    op.drop_table('measurement')
    op.drop_index('ix_edge_target_relation', table_name='edge')
    op.drop_index(op.f('ix_edge_target_id'), table_name='edge')
    op.drop_index(op.f('ix_edge_source_id'), table_name='edge')
    op.drop_index(op.f('ix_edge_relation'), table_name='edge')

    op.drop_table('edge')
    op.drop_index(op.f('ix_alias_node_id'), table_name='alias')

    op.drop_table('alias')
    op.drop_index(op.f('ix_node_year'), table_name='node')
    op.drop_index(op.f('ix_node_kind'), table_name='node')

    op.drop_table('node')
    op.drop_table('meta')
