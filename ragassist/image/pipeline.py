"""Text -> image with latent diffusion: the sampling loop written out, step by step.

1. embed the caption (and the empty "no caption" condition for guidance)
2. start from Gaussian noise in the VAE's latent space, from a seeded generator
3. for each DDIM timestep: predict the noise with and without the caption, mix them with
   the guidance scale, and let the scheduler step towards t = 0
4. undo the latent scaling and decode with the VAE into pixels
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
import torch

from ..index.embed import Embedder, get_embedder, set_offline
from .checkpoint import WEIGHTS_DIR, load_model
from .denoiser import Denoiser, DenoiserConfig
from .scheduler import DDIMScheduler, DDPMScheduler, SchedulerConfig
from .vae import VAE, VAEConfig

log = logging.getLogger(__name__)


@runtime_checkable
class ImageModel(Protocol):
    """Anything that turns a text condition into an image: (32, 32, 3) uint8."""

    def sample(self, condition: str) -> np.ndarray: ...


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """(n, 3, H, W) floats in [0, 1] -> (n, H, W, 3) uint8."""
    return (images.clamp(0, 1) * 255).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()


class LatentDiffusionPipeline:
    """A VAE, a caption-conditioned denoiser and a scheduler, put together for sampling."""

    def __init__(
        self,
        vae: VAE,
        denoiser: Denoiser,
        scheduler_config: SchedulerConfig,
        latent_scale: float,
        embedder: Embedder | None = None,
        steps: int = 20,
        guidance: float = 3.0,
        seed: int = 0,
    ) -> None:
        self.vae = vae.eval()
        self.denoiser = denoiser.eval()
        self.scheduler_config = scheduler_config
        self.latent_scale = latent_scale  # latents are divided by this to have unit variance
        self._embedder = embedder
        self.steps, self.guidance, self.seed = steps, guidance, seed

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = get_embedder()
        return self._embedder

    def sample(self, condition: str) -> np.ndarray:
        """One image for condition with this pipeline's steps, guidance and seed."""
        return self(condition, n=1, steps=self.steps, guidance=self.guidance, seed=self.seed)[0]

    @torch.no_grad()
    def __call__(
        self,
        prompt: str | list[str],
        n: int = 1,
        steps: int = 20,
        guidance: float = 3.0,
        seed: int = 0,
        sampler: str = "ddim",
    ) -> np.ndarray:
        """n images per prompt as (n * prompts, 32, 32, 3) uint8; sampler "ddpm" runs all T steps."""
        if n < 1:
            raise ValueError(f"n given as {n} must be at least 1")
        if guidance < 0:
            raise ValueError(
                f"guidance given as {guidance} must be >= 0 (1 = no guidance, 0 = unconditional)"
            )
        prompts = [prompt] if isinstance(prompt, str) else list(prompt)
        prompts = [p for p in prompts for _ in range(n)]
        # 1. the condition, and the zero vector that stands for "no caption"
        cond = torch.from_numpy(self.embedder.embed(prompts)).float()
        uncond = torch.zeros_like(cond)
        # 2. start from noise, reproducible from the seed
        generator = torch.Generator().manual_seed(seed)
        z = self.vae.config.latent_channels
        latents = torch.randn((len(prompts), z, 8, 8), generator=generator)
        if sampler == "ddim":
            scheduler: DDPMScheduler = DDIMScheduler(self.scheduler_config)
            scheduler.set_timesteps(steps)  # type: ignore[attr-defined]
        elif sampler == "ddpm":
            scheduler = DDPMScheduler(self.scheduler_config)
        else:
            raise ValueError(f"sampler given as {sampler!r} must be one of ddim, ddpm")
        # 3. denoise: classifier-free guidance mixes the two predictions
        for t in scheduler.timesteps.tolist():
            tt = torch.full((len(prompts),), t, dtype=torch.long)
            if guidance == 1.0:
                pred = self.denoiser(latents, tt, cond)
            else:
                both = self.denoiser(
                    torch.cat([latents, latents]), torch.cat([tt, tt]), torch.cat([cond, uncond])
                )
                pred_cond, pred_uncond = both.chunk(2)
                pred = pred_uncond + guidance * (pred_cond - pred_uncond)
            latents = scheduler.step(pred, t, latents, generator=generator)
        # 4. back to pixels
        images = self.vae.decode(latents * self.latent_scale)
        return to_uint8(images)


@functools.cache
def load_pipeline(folder: Path = WEIGHTS_DIR / "shapes") -> LatentDiffusionPipeline:
    """The shipped (or a trained) pipeline from folder; loaded once per process."""
    set_offline()
    vae, _ = load_model(VAE, VAEConfig, folder, "vae")
    denoiser, meta = load_model(Denoiser, DenoiserConfig, folder, "denoiser")
    scheduler_config = SchedulerConfig(**meta["scheduler"])
    log.info("loaded image pipeline from %s", folder)
    return LatentDiffusionPipeline(vae, denoiser, scheduler_config, float(meta["latent_scale"]))
