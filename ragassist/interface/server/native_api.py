"""Native endpoints for what OpenAI's API has no words for: search, verify, documents, images.

Search, verify and the document list run on the read worker, so they never wait behind an
answer being generated; uploads and deletions are indexed in the background by the index worker.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, UploadFile
from fastapi.responses import FileResponse
from starlette.datastructures import UploadFile as StarletteUpload

from ...paths import data_dir
from ...types import Answer, Hit
from ...verification.policy import apply_policy
from ...verification.verifier import Verifier
from ..show import answer_dict
from .errors import ApiError, CheckedRoute
from .openai_api import ready_engine
from .schemas import SearchRequest, VerifyRequest
from .uploads import Jobs, check_content, safe_name, store, uploads_dir

log = logging.getLogger(__name__)

router = APIRouter(route_class=CheckedRoute)
MAX_FILES = 20  # files in one upload request


def hit_dict(rank: int, hit: Hit) -> dict[str, Any]:
    c = hit.chunk
    return {
        "rank": rank,
        "score": hit.score,
        "dense_score": hit.dense_score,
        "keyword_score": hit.keyword_score,
        "source": c.source,
        "location": c.location,
        "title": c.title,
        "chunk_id": c.id,
        "text": c.text,
    }


def jobs_of(request: Request) -> Jobs:
    jobs: Jobs = request.app.state.jobs
    return jobs


@router.post("/v1/search", summary="The passages that best match a query (hybrid by default)")
async def search(body: SearchRequest, request: Request) -> dict[str, Any]:
    engine = ready_engine(request)
    assert engine.reader is not None
    hits = await engine.on_read(engine.reader.search, body.query, body.k, body.mode, body.source)
    return {
        "object": "list",
        "query": body.query,
        "data": [hit_dict(r, h) for r, h in enumerate(hits, 1)],
    }


@router.post("/v1/verify", summary="Check an answer against a context, claim by claim")
async def verify(body: VerifyRequest, request: Request) -> dict[str, Any]:
    engine = ready_engine(request)
    checker = engine.checker
    assert checker is not None
    cfg = engine.config.verify
    if body.policy:
        cfg = dataclasses.replace(cfg, policy=body.policy)
    if body.profile and body.profile != cfg.profile:
        cfg = dataclasses.replace(cfg, profile=body.profile)
        checker = Verifier(cfg, embedder=engine.embedder)

    def run() -> Answer:
        verdicts = checker.verify_text(body.answer, body.context, question=body.question)
        judged = apply_policy(body.answer, verdicts, cfg.policy, cfg.abstain_below)
        return Answer(
            question=body.question,
            text=judged.text,
            verdicts=judged.verdicts,
            abstained=judged.abstained,
            reason="; ".join(r for r in (judged.reason, judged.note) if r),
            support=judged.probability if verdicts else None,
        )

    answer = await engine.on_read(run)
    data = answer_dict(answer)
    return {k: data[k] for k in ("question", "answer", "abstained", "reason", "support", "claims")}


@router.get("/v1/documents", summary="What is indexed")
async def list_documents(request: Request) -> dict[str, Any]:
    engine = ready_engine(request)
    assert engine.reader is not None
    reader = engine.reader

    def files() -> list[dict[str, Any]]:
        uploads = str(uploads_dir(engine.config.index_dir)) + "/"
        return [
            {
                "source": f.source,
                "title": f.title,
                "chunks": f.n_chunks,
                "uploaded": f.source.startswith(uploads),
            }
            for f in sorted(reader.store.files().values(), key=lambda f: f.source)
        ]

    rows = await engine.on_read(files)
    return {"object": "list", "data": rows, "chunks": sum(r["chunks"] for r in rows)}


@router.post(
    "/v1/documents",
    status_code=202,
    summary="Upload files to index (multipart field 'files'); indexing runs in the background",
)
async def upload_documents(request: Request, files: list[UploadFile]) -> dict[str, Any]:
    engine = ready_engine(request)
    if len(files) > MAX_FILES:
        raise ApiError(
            400, f"{len(files)} files in one upload; send at most {MAX_FILES}", "too_many"
        )
    max_bytes = int(request.app.state.max_upload_bytes)
    accepted: list[tuple[str, bytes]] = []
    for upload in files:
        if not isinstance(upload, StarletteUpload):
            raise ApiError(
                400, "the field 'files' must hold files, not text", "not_a_file", "files"
            )
        name = safe_name(upload.filename)
        data = await upload.read(max_bytes + 1)
        check_content(name, data, max_bytes)
        accepted.append((name, data))
    folder = uploads_dir(engine.config.index_dir)
    for name, data in accepted:
        store(folder, name, data)
        log.info("stored upload %s (%d bytes)", name, len(data))
    job = jobs_of(request).start("upload", [n for n, _ in accepted])
    return {**job.as_dict(), "status_url": f"/v1/documents/{job.id}"}


@router.get("/v1/documents/{job_id}", summary="The progress of an indexing job")
async def job_status(job_id: str, request: Request) -> dict[str, Any]:
    ready_engine(request)
    return jobs_of(request).get(job_id).as_dict()


@router.delete(
    "/v1/documents/{source:path}",
    status_code=202,
    summary="Remove a source from the index (its stored upload too)",
)
async def delete_document(source: str, request: Request) -> dict[str, Any]:
    engine = ready_engine(request)
    assert engine.reader is not None
    reader = engine.reader
    known = await engine.on_read(lambda: set(reader.store.files()))
    if source not in known:
        raise ApiError(
            404,
            f"no indexed document {source!r}; GET /v1/documents lists the sources",
            "no_document",
        )
    job = jobs_of(request).start("delete", [source], remove=source)
    return {**job.as_dict(), "status_url": f"/v1/documents/{job.id}"}


@router.get("/v1/images/{name}", summary="An image drawn for an answer", response_model=None)
async def image(name: str, request: Request) -> FileResponse:
    ready_engine(request)
    folder = (data_dir() / "images").resolve()
    path = (folder / name).resolve()
    if path.parent != folder or path.suffix != ".png" or not path.is_file():
        raise ApiError(404, f"no image {name!r}", "no_image")
    return FileResponse(Path(path), media_type="image/png")
