"""The per-request context of a GraphQL operation: database access, loaders,
settings and who is asking."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session
from strawberry.fastapi import BaseContext

from ..graph import db
from ..graph.errors import PermissionDenied
from .loaders import Loaders

T = TypeVar("T")


def check_write_allowed(settings: dict[str, Any], authorization: str | None) -> None:
    """Writes need `Authorization: Bearer <token>`; with no token configured, none are allowed."""
    token = settings.get("token") or ""
    if not token:
        raise PermissionDenied(
            "this server accepts no writes: no token is configured "
            "(set AIPROGRESS_TOKEN before starting it to allow writes with that bearer token)"
        )
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise PermissionDenied("writes need the header `Authorization: Bearer <token>`")
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise PermissionDenied("the bearer token is not the one this server was given")


class Context(BaseContext):
    def __init__(self, engine: Engine, settings: dict[str, Any], authorization: str | None = None):
        super().__init__()
        self.engine = engine
        self.settings = settings
        self.authorization = authorization
        self._session: Session | None = None
        self.loaders = Loaders(self.session)

    def session(self) -> Session:
        """The request's read session, opened on first use."""
        if self._session is None:
            self._session = db.new_session(self.engine)
        return self._session

    def check_write_allowed(self) -> None:
        check_write_allowed(self.settings, self.authorization)

    def write(self, work: Callable[[Session], T]) -> T:
        """Run `work(session)` in one write transaction through graph/db.py's
        `write`: retried whole when another writer got in the way (SQLite
        busy/locked, PostgreSQL serialization failures), so `work` must be
        safe to run again. Afterwards reads (and loader caches) start afresh,
        so fields resolved after a mutation show what it wrote."""
        return self.write_with_engine(lambda engine: db.write(engine, work))

    def write_with_engine(self, work: Callable[[Engine], T]) -> T:
        """Like `write`, for work that runs its own write transactions (a
        relink, batch by batch, each through db.write)."""
        self.check_write_allowed()
        try:
            return work(self.engine)
        finally:
            self.close()
            self.loaders = Loaders(self.session)

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None
