"""One module per schema revision, oldest first (see ../__init__.py)."""
