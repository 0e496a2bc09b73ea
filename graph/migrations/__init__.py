"""Alembic migrations of the store's schema, shipped inside the package.

`graph/db.py` drives them (create_schema, upgrade_schema); there is no
alembic.ini: the configuration is built in code so an installed package can
migrate a database without the source tree. To write a new migration after
changing graph/models.py:

    python -m aiprogress.graph.migrations revision -m "what changed"

then fill in upgrade() (autogenerate is a starting point:
add --autogenerate). tests/test_migrations.py fails while the models and the
head migration disagree.
"""
