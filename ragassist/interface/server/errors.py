"""Errors as the OpenAI API shapes them, and the checks every request body passes first.

Every error answer is `{"error": {"message", "type", "param", "code"}}` with a message that
names the bad value and the fix, so an OpenAI client raises it with a useful text.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from ...errors import (
    ConfigError,
    IndexStateError,
    InputError,
    LoadError,
    ModelMissingError,
    RagassistError,
)

log = logging.getLogger(__name__)

MAX_JSON_BYTES = 1_000_000  # a 100,000-character question fits; its refusal then names the limit


class ApiError(Exception):
    """An error answer: HTTP status, a message that says what to do, OpenAI's type and code."""

    def __init__(
        self,
        status: int,
        message: str,
        code: str | None = None,
        param: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.code, self.param = status, message, code, param
        self.headers = headers or {}

    @property
    def type(self) -> str:
        """OpenAI's error types: invalid_request_error for 4xx, server_error for 5xx."""
        if self.status == 401:
            return "authentication_error"
        if self.status == 429:
            return "rate_limit_error"
        return "invalid_request_error" if self.status < 500 else "server_error"

    def body(self) -> dict[str, Any]:
        return {
            "error": {
                "message": self.message,
                "type": self.type,
                "param": self.param,
                "code": self.code,
            }
        }

    def response(self) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.status, headers=self.headers)


# ragassist's own errors, by what the client can do about them
_STATUS: list[tuple[type[RagassistError], int, str]] = [
    (ModelMissingError, 404, "model_not_found"),
    (IndexStateError, 409, "index_state"),
    (InputError, 400, "invalid_input"),
    (ConfigError, 400, "invalid_value"),
    (LoadError, 400, "unreadable_file"),
]


def from_ragassist(error: RagassistError) -> ApiError:
    """The HTTP form of one of ragassist's errors (their messages already name the fix)."""
    for kind, status, code in _STATUS:
        if isinstance(error, kind):
            return ApiError(status, str(error), code)
    return ApiError(500, str(error), "ragassist_error")


def _where(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p != "body"]
    return ".".join(parts) or "body"


def validation_message(errors: list[dict[str, Any]]) -> tuple[str, str | None]:
    """(one readable sentence, the first bad field) for pydantic's list of errors."""
    first = errors[0] if errors else {}
    if first.get("type") == "json_invalid":
        reason = first.get("ctx", {}).get("error", "invalid JSON")
        return (
            f"the request body is not valid JSON ({reason} at position {first['loc'][-1]}); "
            "send one JSON object with Content-Type: application/json",
            None,
        )
    parts = []
    for e in errors[:5]:
        where = _where(tuple(e.get("loc", ())))
        if e.get("type") == "missing":
            parts.append(f"{where}: required field missing")
        else:
            given = repr(e.get("input"))
            given = given if len(given) <= 60 else given[:57] + "..."
            parts.append(f"{where}: {e.get('msg', 'invalid')} (got {given})")
    return "; ".join(parts), _where(tuple(first.get("loc", ()))) if first else None


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, refused with 413 past `limit` bytes (counted, not trusted from headers)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ApiError(
            413,
            f"the request body is {int(declared):,} bytes; the limit is {limit:,}: send less",
            "body_too_large",
        )
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(
                413, f"the request body is over the limit of {limit:,} bytes", "body_too_large"
            )
        chunks.append(chunk)
    body = b"".join(chunks)
    request._body = body  # Starlette and FastAPI read the cached body from here
    return body


class CheckedRoute(APIRoute):
    """Reads the body with a size limit and refuses non-UTF-8 JSON before FastAPI parses it.

    FastAPI alone answers non-UTF-8 bytes with "There was an error parsing the body"; this
    names the byte and its position. Multipart uploads get the server's upload limit instead.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def checked(request: Request) -> Response:
            if request.method in ("POST", "PUT", "PATCH"):
                kind = request.headers.get("content-type", "")
                if kind.startswith("multipart/"):
                    limit = int(getattr(request.app.state, "max_request_bytes", MAX_JSON_BYTES))
                    await read_body(request, limit)
                else:
                    body = await read_body(request, MAX_JSON_BYTES)
                    try:
                        body.decode("utf-8")
                    except UnicodeDecodeError as e:
                        bad = body[e.start : e.start + 1].hex()
                        raise ApiError(
                            400,
                            f"the request body is not valid UTF-8 (byte 0x{bad} at position "
                            f"{e.start}); send JSON encoded as UTF-8",
                            "invalid_encoding",
                        ) from e
            return await handler(request)

        return checked


def install_handlers(app: FastAPI) -> None:
    """Every error leaves in OpenAI's shape: ours, pydantic's, routing's and unexpected ones."""

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return exc.response()

    @app.exception_handler(RagassistError)
    async def ragassist_error(request: Request, exc: RagassistError) -> JSONResponse:
        return from_ragassist(exc).response()

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        message, param = validation_message(list(exc.errors()))
        return ApiError(400, message, "invalid_request", param).response()

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = str(exc.detail)
        if exc.status_code == 404 and message == "Not Found":
            message = f"no endpoint {request.url.path}; see /openapi.json for the API"
        elif exc.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path}; see /openapi.json"
        headers = dict(exc.headers) if exc.headers else None
        return ApiError(exc.status_code, message, None, headers=headers).response()

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return ApiError(
            500, f"internal error ({type(exc).__name__}); the server log has the details"
        ).response()
