"""The image model families side by side: real data, VAE alone, GAN and latent diffusion.

Fréchet distance in the judge's feature space, sharpness, diversity and adherence of each
family's samples, against a second real sample as the floor.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch

from .captions import all_combinations
from .checkpoint import load_model
from .data import make_shapes
from .gan import GANConfig, Generator, gan_sample
from .judge import ImageJudge
from .metrics import (
    adherence,
    coverage,
    frechet_distance,
    mean_pairwise_distance,
    sharpness,
    wanted_of,
)
from .pipeline import to_uint8
from .prompt_parse import parse_attributes


def as_uint8(images: np.ndarray) -> np.ndarray:
    """(n, 3, h, w) floats in [0, 1] as (n, h, w, 3) bytes, the judge's input."""
    return (np.clip(images, 0, 1) * 255).round().astype(np.uint8).transpose(0, 2, 3, 1)


def family_table(
    pipe, judge: ImageJudge, folder: Path, n: int, seed: int, steps: int, guidance: float
) -> dict:
    """Fréchet distance, sharpness and diversity of VAE-alone, GAN and latent-diffusion samples."""
    real = make_shapes(n, seed=seed + 11, combos=all_combinations(), full_captions=True)
    real_b = make_shapes(n, seed=seed + 12, combos=all_combinations(), full_captions=True)
    real_feats = judge.features(as_uint8(real.images))
    table: dict[str, dict] = {}

    def row(
        name: str, images: np.ndarray, wanted: list[dict[str, str]] | None, seconds: float
    ) -> None:
        feats = judge.features(images)
        table[name] = {
            "frechet": frechet_distance(real_feats, feats),
            "sharpness": sharpness(images),
            "coverage": coverage(judge, images),
            "adherence_all": adherence(judge, images, wanted)["all"] if wanted else None,
            "seconds_per_image": seconds / len(images),
        }

    row("real (second sample)", as_uint8(real_b.images), wanted_of(real_b.attributes), 0.0)
    vae = pipe.vae
    t0 = time.perf_counter()
    with torch.no_grad():
        z = torch.randn(
            (n, vae.config.latent_channels, 8, 8), generator=torch.Generator().manual_seed(seed)
        )
        vae_images = to_uint8(vae.decode(z))
        row("VAE alone (prior samples)", vae_images, None, time.perf_counter() - t0)
        recon = to_uint8(vae.decode(vae.encode(torch.from_numpy(real_b.images))[0]))
    row("VAE reconstructions (not generation)", recon, wanted_of(real_b.attributes), 0.0)
    cond = pipe.embedder.embed(real.captions)
    gan_images = None
    if (folder / "gan.safetensors").exists():
        gen, _ = load_model(Generator, GANConfig, folder, "gan")
        t0 = time.perf_counter()
        gan_images = gan_sample(gen, cond, seed=seed)
        row("GAN", gan_images, wanted_of(real.attributes), time.perf_counter() - t0)
    t0 = time.perf_counter()
    diffusion = pipe(real.captions, n=1, steps=steps, guidance=guidance, seed=seed)
    row(
        f"latent diffusion (DDIM {steps}, guidance {guidance})",
        diffusion,
        wanted_of(real.attributes),
        time.perf_counter() - t0,
    )
    # diversity under one under-specified prompt: "a red circle" leaves size and position open
    prompts = ["a red circle", "a blue square", "a white cross", "a yellow triangle"]
    div: dict[str, float] = {}
    real_div = []
    for p in prompts:
        want = parse_attributes(p)
        mask = [all(a.as_dict()[k] == v for k, v in want.items()) for a in real.attributes]
        real_div.append(mean_pairwise_distance(real_feats[np.array(mask)][:32]))
    div["real"] = float(np.mean(real_div))
    embs = pipe.embedder.embed([p for p in prompts for _ in range(32)])
    div["latent diffusion"] = float(
        np.mean(
            [
                mean_pairwise_distance(
                    judge.features(pipe(p, n=32, steps=steps, guidance=guidance, seed=seed))
                )
                for p in prompts
            ]
        )
    )
    if gan_images is not None:
        div["GAN"] = float(
            np.mean(
                [
                    mean_pairwise_distance(
                        judge.features(gan_sample(gen, embs[i * 32 : (i + 1) * 32], seed))
                    )
                    for i in range(len(prompts))
                ]
            )
        )
    return {
        "families": table,
        "diversity_same_prompt": div,
        "diversity_prompts": prompts,
        "examples": {
            "VAE alone": vae_images[:8],
            "GAN": gan_images[:8] if gan_images is not None else None,
            "latent diffusion": diffusion[:8],
        },
        "example_captions": real.captions[:8],
    }
