"""The ASGI app: routes, API-key check, error shapes, health, and the web page.

`create_app(engine)` builds it; `ragassist serve` (interface/serve_cli.py) runs it with uvicorn.
The page and /health are public; every API path (/v1/..., /openapi.json, /docs) needs
`Authorization: Bearer KEY` when the server has a key, compared in constant time.
"""

from __future__ import annotations

import hmac
import logging
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from ..remote import settings_hash
from .detect_api import router as detect_router
from .engine import Engine
from .errors import MAX_JSON_BYTES, ApiError, install_handlers
from .native_api import router as native_router
from .openai_api import router as openai_router
from .uploads import Jobs

log = logging.getLogger(__name__)

PUBLIC = ("/health", "/static/", "/favicon.ico")
# the page loads only its own files: no inline script, no other origin
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


def web_dir() -> Path:
    """The page's files, shipped inside the package (no build step, nothing from a CDN)."""
    return Path(str(resources.files("ragassist.interface") / "web"))


class ApiKeyMiddleware:
    """401 in OpenAI's shape unless the request carries the key; health and the page are public."""

    def __init__(self, app: ASGIApp, api_key: str) -> None:
        self.app, self._key = app, api_key.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path == "/" or path.startswith(PUBLIC):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        given = headers.get(b"authorization", b"")
        scheme, _, token = given.partition(b" ")
        if scheme.lower() == b"bearer" and hmac.compare_digest(token.strip(), self._key):
            await self.app(scope, receive, send)
            return
        reason = "no API key was sent" if not given else "the API key is wrong"
        error = ApiError(
            401,
            f"{reason}: send the server's key as 'Authorization: Bearer KEY' "
            "(the key given to ragassist serve --api-key or RAGASSIST_API_KEY)",
            "invalid_api_key",
            headers={"WWW-Authenticate": "Bearer"},
        )
        await error.response()(scope, receive, send)


class SecurityHeaders:
    """Headers that keep the page from being framed or running anything not its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"content-security-policy", CSP.encode()),
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(engine: Engine, api_key: str | None = None, max_upload_mb: float = 20.0) -> FastAPI:
    """The server's ASGI app over a (loading or loaded) engine."""
    app = FastAPI(
        title="ragassist",
        summary="A local document assistant: answers with citations and a verdict per claim.",
        version="0.1.0",
        docs_url=None,  # the interactive docs load from a CDN: offline, /openapi.json stays
        redoc_url=None,
    )
    app.state.engine = engine
    app.state.jobs = Jobs(engine)
    app.state.max_upload_bytes = int(max_upload_mb * 1e6)
    app.state.max_request_bytes = int(max_upload_mb * 1e6) + MAX_JSON_BYTES
    install_handlers(app)
    app.include_router(openai_router)
    app.include_router(native_router)
    app.include_router(detect_router)

    @app.get("/health", summary="Whether the models are loaded (public)")
    async def health() -> JSONResponse:
        body: dict[str, Any] = {
            "status": engine.status,
            "step": engine.step,
            "model": engine.model_name,
            # a hash of the index folder and answer settings: `ragassist ask` reuses this server
            # only when its own settings hash the same (interface/remote.py)
            "settings": settings_hash(engine.config),
            "queue": {
                "running": min(engine.queue.admitted, 1),
                "waiting": engine.queue.waiting,
                "max_waiting": engine.queue.max_waiting,
                "served": engine.queue.served,
                "refused": engine.queue.refused,
            },
            "answer_worker": {"pid": engine.answers.pid, "restarts": engine.answers.restarts},
        }
        if engine.error:
            body["error"] = engine.error
        code = {"ready": 200, "loading": 503}.get(engine.status, 500)
        return JSONResponse(body, status_code=code)

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(web_dir() / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=web_dir()), name="static")
    if api_key:
        app.add_middleware(ApiKeyMiddleware, api_key=api_key)
    app.add_middleware(SecurityHeaders)
    return app
