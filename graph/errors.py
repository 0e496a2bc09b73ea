"""One hierarchy of errors. Each entry point renders them in one place:
the CLI as one line and a non-zero exit, GraphQL as a typed error, HTTP as one
JSON shape. Messages name what is wrong and where; they never carry SQL."""

from __future__ import annotations


class AiprogressError(Exception):
    """Base of every error a user may see."""

    code = "error"
    exit_code = 1

    def __init__(self, message: str, *, where: str | None = None):
        self.message = message
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)

    def to_dict(self) -> dict:
        out = {"code": self.code, "message": str(self)}
        if self.where:
            out["where"] = self.where
        return out


class NotFound(AiprogressError):
    code = "not-found"
    exit_code = 2


class InvalidInput(AiprogressError):
    code = "invalid-input"
    exit_code = 3


class ForbiddenRelation(InvalidInput):
    code = "forbidden-relation"


class Conflict(AiprogressError):
    code = "conflict"
    exit_code = 4


class LimitExceeded(InvalidInput):
    code = "limit-exceeded"


class NoPath(NotFound):
    """Raised by path queries when the two nodes are not connected."""

    code = "no-path"


class PermissionDenied(AiprogressError):
    code = "permission-denied"
    exit_code = 5


class SchemaVersionError(AiprogressError):
    code = "schema-version"
    exit_code = 6
