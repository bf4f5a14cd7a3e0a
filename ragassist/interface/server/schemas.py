"""Request bodies, as pydantic models: types are checked (400 when wrong), unknown fields ignored.

The OpenAI-compatible ones keep OpenAI's field names and ignore fields they do not use, as the
OpenAI API does; strict types mean "5" is not taken for 5. The OpenAPI schema is built from them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)


class TextPart(_Body):
    type: Literal["text"]
    text: str


class Message(_Body):
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[TextPart] | None = None

    @property
    def text(self) -> str:
        if isinstance(self.content, list):
            return "\n".join(p.text for p in self.content)
        return self.content or ""


class ChatRequest(_Body):
    """POST /v1/chat/completions: the last user message is the question, the rest its history."""

    messages: Annotated[list[Message], Field(min_length=1)]
    model: str | None = (
        None  # a packaged generator (GET /v1/models); the server's default if absent
    )
    stream: bool = False
    max_tokens: Annotated[int, Field(ge=1, le=8192)] | None = None
    max_completion_tokens: Annotated[int, Field(ge=1, le=8192)] | None = None
    temperature: Annotated[float, Field(ge=0.0, le=2.0)] | None = None
    top_p: Annotated[float, Field(gt=0.0, le=1.0)] | None = None
    stop: str | Annotated[list[str], Field(max_length=4)] | None = None
    seed: int | None = None
    k: Annotated[int, Field(ge=1, le=50)] | None = None  # ragassist: passages to retrieve


class EmbeddingRequest(_Body):
    """POST /v1/embeddings with the packaged embedder."""

    input: str | Annotated[list[str], Field(min_length=1, max_length=2048)]
    model: str | None = None
    encoding_format: Literal["float", "base64"] = "float"


class SearchRequest(_Body):
    """POST /v1/search: the passages that best match a query."""

    query: str
    k: Annotated[int, Field(ge=1, le=50)] = 5
    mode: Literal["dense", "keyword", "hybrid"] | None = None
    source: str | None = None  # a glob on the source path, e.g. "*.md"


class VerifyRequest(_Body):
    """POST /v1/verify: check any answer against any context, as `ragassist verify` does."""

    answer: Annotated[str, Field(min_length=1, max_length=20_000)]
    context: Annotated[str, Field(min_length=1, max_length=200_000)]
    question: Annotated[str, Field(max_length=4000)] = ""
    policy: Literal["flag", "strict", "abstain"] | None = None
    profile: Literal["general", "qa", "dialogue", "summarization"] | None = None


class DetectRequest(_Body):
    """POST /v1/detect: one text; a long one is scored in sampled windows (the JSON body
    limit, 1 MB, refuses more: the CLI reads up to 10 MB)."""

    text: Annotated[str, Field(min_length=1, max_length=1_000_000)]
