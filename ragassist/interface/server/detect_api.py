"""POST /v1/detect: was a text written by a language model? (the `ragassist detect` of the server)

The two scoring models load on the first request (tens of seconds) and stay loaded; requests are
scored one at a time on a worker thread, so the event loop and the other endpoints never wait.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

import anyio
from fastapi import APIRouter, Request

from .errors import CheckedRoute
from .schemas import DetectRequest

log = logging.getLogger(__name__)

router = APIRouter(route_class=CheckedRoute)
_make_lock = threading.Lock()


def detector_of(request: Request) -> Any:
    """The app's Detector (app.state.detector), made on first use."""
    state = request.app.state
    with _make_lock:
        if getattr(state, "detector", None) is None:
            from ...detect import Detector

            state.detector = Detector()
        if getattr(state, "detect_lock", None) is None:
            state.detect_lock = asyncio.Lock()
    return state.detector


@router.post(
    "/v1/detect",
    summary="Estimate whether a text was written by a language model (a measurement, not proof)",
)
async def detect(body: DetectRequest, request: Request) -> dict[str, Any]:
    detector = detector_of(request)
    async with request.app.state.detect_lock:  # one text at a time: both cores per text
        result = await anyio.to_thread.run_sync(detector.score, body.text)
    return {"object": "detection", **result.to_dict()}
