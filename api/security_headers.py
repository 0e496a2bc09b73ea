"""Headers that tell a browser what this server's pages may do: no MIME
sniffing, no framing by other sites, and a Content-Security-Policy that
allows exactly what the page and GraphiQL load (their own scripts and
styles from this server, data: images, requests back to this server).

The policies were checked in a real Chromium (tests/browser): a violation is
a console error there, and those tests allow none.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from typing import Any

GRAPHIQL_PAGE = Path(__file__).parent / "static" / "graphiql" / "index.html"


def _inline_script_hashes(html: str) -> str:
    """CSP sources for the inline scripts of a page, by their SHA-256."""
    scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
    return " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in scripts)


def _policy(scripts: str) -> str:
    return "; ".join(
        (
            "default-src 'none'",
            f"script-src {scripts}",
            # vis-network and GraphiQL set inline styles as they draw.
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "worker-src 'self' blob:",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


PAGE_POLICY = _policy("'self'")
GRAPHIQL_POLICY = _policy("'self' " + _inline_script_hashes(GRAPHIQL_PAGE.read_text(encoding="utf-8")))

_COMMON = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
]


class SecurityHeaders:
    """ASGI middleware adding the headers above to every HTTP response (the
    GraphiQL policy on /graphql, where the IDE is served)."""

    def __init__(self, app: Any, graphql_path: str = "/graphql"):
        self.app = app
        self.graphql_path = graphql_path

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = GRAPHIQL_POLICY if scope.get("path", "").rstrip("/") == self.graphql_path else PAGE_POLICY
        added = [*_COMMON, (b"content-security-policy", policy.encode())]

        async def with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", ())}
                message["headers"] = [*message.get("headers", ()), *(h for h in added if h[0] not in present)]
            await send(message)

        await self.app(scope, receive, with_headers)
