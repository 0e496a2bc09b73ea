"""The one JSON shape of an HTTP error (pinned by tests/test_api_errors.py):

    {"error": {"code": "not-found", "message": "no node with id 'x'", "status": 404}}

plus "where" when the error names a place (file:line). Codes are those of
graph/errors.py; messages never carry a stack trace or SQL.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from starlette.responses import JSONResponse

from ..graph import errors

log = logging.getLogger("aiprogress.api")

INTERNAL_CODE = "internal-error"
INTERNAL_MESSAGE = "internal error: the server could not answer this request (details are in its log)"

# An error names what it refused, and that may be the caller's own input (an
# id, a field): past this length the message is cut, so that a megabyte sent
# is not a megabyte echoed back.
MAX_MESSAGE_CHARS = 2_000

UNSUPPORTED_MEDIA_TYPE_CODE = "unsupported-media-type"

STATUS_OF_CODE = {
    UNSUPPORTED_MEDIA_TYPE_CODE: 415,
    errors.NotFound.code: 404,
    errors.NoPath.code: 404,
    errors.InvalidInput.code: 400,
    errors.ForbiddenRelation.code: 400,
    errors.LimitExceeded.code: 413,
    errors.Conflict.code: 409,
    errors.PermissionDenied.code: 401,
    errors.SchemaVersionError.code: 503,
}


def shorten(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """`text`, cut to about `limit` characters with a note of how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit} more characters not shown)"


def error_body(status: int, code: str, message: str, where: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": shorten(message), "status": status}
    if where:
        error["where"] = shorten(where)
    return {"error": error}


def error_response(exc: errors.AiprogressError) -> JSONResponse:
    status = STATUS_OF_CODE.get(exc.code, 400)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(error_body(status, exc.code, str(exc), exc.where), status_code=status, headers=headers)


def internal_error_response(exc: BaseException) -> JSONResponse:
    log.exception("unexpected error", exc_info=exc)
    return JSONResponse(error_body(500, INTERNAL_CODE, INTERNAL_MESSAGE), status_code=500)


def raw_error(status: int, code: str, message: str) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """The same shape for ASGI middleware that answers before any route runs."""
    body = json.dumps(error_body(status, code, message)).encode()
    return [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())], body
