"""The .bib files of an upload (`POST /ingest/bibtex`), from either kind of
request a client sends:

- multipart/form-data, as browsers and `curl -F file=@refs.bib` send it:
  every file field is a .bib file (one or more; the field names do not
  matter), named by its file name;
- anything else: the request body is the file, named by `?source=`.

The size limit (setting max_upload_bytes) is enforced on the whole request
body before this runs (api/limits.py BodySizeLimit), whichever the kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request

from ..graph.errors import InvalidInput

MULTIPART = "multipart/form-data"
# What a raw body may be sent as: BibTeX is text. Anything else (an image, a
# PDF, a URL-encoded form) is refused rather than parsed as BibTeX.
BIBTEX_TYPES = frozenset({"application/x-bibtex", "application/x-bibtex-text-file", "text/x-bibtex"})
# Form fields that are not files (a browser may add some) stay small, and a
# form holds a bounded number of files (each becomes a report).
MAX_FIELD_BYTES = 64 * 1024
MAX_FILES = 100


@dataclass(frozen=True)
class BibUpload:
    name: str
    text: str


class UnsupportedMediaType(InvalidInput):
    code = "unsupported-media-type"


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def is_multipart(request: Request) -> bool:
    return media_type(request) == MULTIPART


def check_media_type(request: Request) -> None:
    """UnsupportedMediaType unless the body is a form, BibTeX, text, or untyped."""
    kind = media_type(request)
    if kind and kind != MULTIPART and kind not in BIBTEX_TYPES and not kind.startswith("text/"):
        raise UnsupportedMediaType(
            f"an upload of type {kind!r} is not BibTeX: send the .bib file as a form (curl -F file=@refs.bib) "
            "or as the raw body with Content-Type application/x-bibtex or text/plain"
        )


def decode(raw: bytes, name: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"the uploaded file is not UTF-8 text (byte {exc.start})", where=name) from None


async def bib_uploads(request: Request, source: str) -> list[BibUpload]:
    """The uploaded files in the order sent; InvalidInput for a malformed
    form, a form without a file, or a file that is not UTF-8;
    UnsupportedMediaType for a body that is not BibTeX, text or a form."""
    check_media_type(request)
    if not is_multipart(request):
        return [BibUpload(source, decode(await request.body(), source))]
    try:
        form = await request.form(max_files=MAX_FILES, max_part_size=MAX_FIELD_BYTES)
    except StarletteHTTPException as exc:  # a malformed form: Starlette says what is wrong
        raise InvalidInput(f"the multipart form could not be read: {exc.detail}") from None
    try:
        files = [value for _, value in form.multi_items() if isinstance(value, UploadFile)]
        if not files:
            raise InvalidInput("the form holds no file: send each .bib file as a file field, e.g. curl -F file=@refs.bib")
        uploads = []
        for number, file in enumerate(files, start=1):
            # Only the base name: a client's path says nothing about the server.
            name = PurePath(file.filename or "").name or f"upload-{number}.bib"
            uploads.append(BibUpload(name, decode(await file.read(), name)))
        return uploads
    finally:
        await form.close()
