"""Image answers: a miniature latent-diffusion model (VAE + caption-conditioned denoiser + DDIM)
checked by an independent image judge.

`draw(prompt)` makes images and judges them; `is_image_request(text)` tells the assistant when
to route a message here. Torch loads only when draw is first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .prompt_parse import is_image_request, parse_attributes

if TYPE_CHECKING:
    from .api import DrawResult, draw

__all__ = ["DrawResult", "draw", "is_image_request", "parse_attributes"]


def __getattr__(name: str) -> Any:
    if name in ("draw", "DrawResult"):
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
