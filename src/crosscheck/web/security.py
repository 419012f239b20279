"""Request guards and response headers: write token, upload size, CSP.

Why plain ASGI middleware: a write request is refused (no token, wrong token, too large)
before its body is read, so an anonymous client cannot make the server buffer or parse
a large upload. The token is compared in constant time and travels only in a header
(``Authorization: Bearer …`` or ``X-Crosscheck-Token``), never in a form field, so a
cross-site form cannot post with it. Every response carries a Content-Security-Policy
that allows scripts, styles and images from the app itself only: with no inline script
allowed, even markup that slipped into a page could not run.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """The one JSON error shape of the API."""
    return JSONResponse({"error": {"status": status, "message": message}}, status_code=status, headers=headers)


def token_problem(expected: str | None, headers: dict[str, str]) -> tuple[int, str] | None:
    """Why a write request may not proceed (status, message), or None when it may."""
    if not expected:
        return 403, ("writes are disabled: start the server with --token TOKEN "
                     "or the CROSSCHECK_TOKEN environment variable")
    given = headers.get("x-crosscheck-token", "")
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        given = auth[7:].strip()
    if not given:
        return 401, "this endpoint needs the server's token: send 'Authorization: Bearer TOKEN'"
    if not hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8")):
        return 401, "wrong token"
    return None


class TooLarge(HTTPException):
    """Raised while reading a body past the limit; an HTTP error, so that a framework
    reading the body passes it on as a 413 instead of calling it a parse error."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"upload too large: the limit is {limit:,} bytes per request")


@dataclass
class WriteGate:
    """Token and size checks for write requests under ``/api/``, before the body is read."""

    app: ASGIApp
    token: str | None
    max_bytes: int

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in WRITE_METHODS or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        problem = token_problem(self.token, headers)
        if problem is not None:
            extra = {"www-authenticate": "Bearer"} if problem[0] == 401 else None
            await error_response(*problem, headers=extra)(scope, receive, send)
            return
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_bytes:
            await error_response(413, TooLarge(self.max_bytes).detail)(scope, receive, send)
            return
        await self._counted(scope, receive, send)


    async def _counted(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app, stopping it when a body without a length grows past the limit."""
        seen, started = 0, False

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise TooLarge(self.max_bytes)
            return message

        async def tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited, tracking)
        except TooLarge as exc:
            if not started:
                await error_response(413, exc.detail)(scope, receive, send)


@dataclass
class SecurityHeaders:
    """CSP and hardening headers on every HTTP response."""

    app: ASGIApp

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = CSP

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k.encode(), v.encode()) for k, v in {**HEADERS, "content-security-policy": csp}.items()
                         if k.encode() not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, with_headers)
