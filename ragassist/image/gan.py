"""A small conditional GAN in pixel space: the baseline the latent diffusion model is measured against.

Same data and the same caption embeddings as the denoiser. The discriminator is a projection
discriminator (Miyato & Koyama, 2018); the losses are the non-saturating ones of Goodfellow et
al. (2014). During training the judge scores the generator's samples at regular intervals, so
the evaluation can show how steady (or not) GAN training is.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm

from ..index.embed import get_embedder, set_offline
from .captions import train_combinations
from .checkpoint import load_model, save_model
from .data import make_shapes
from .judge import ImageJudge, JudgeConfig, JudgeNet
from .sources import DataName, DataSource, sample_indices

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GANConfig:
    noise_dim: int = 32  # size of the generator's random input
    cond_dim: int = 384  # size of the caption embedding
    width: int = 64  # channels at 4x4; halved at each upsampling


@dataclass(frozen=True)
class GANTrainConfig:
    data: DataName = "shapes"  # which data set
    seed: int = 0  # fixes data, initial weights and noise
    steps: int = 1_200  # optimiser steps for each network
    batch: int = 64
    pool_size: int = 8_000  # captioned real images
    lr: float = 2e-4  # Adam, betas (0.5, 0.999), as in DCGAN
    probe_every: int = 100  # steps between judge scores of the samples


class Generator(nn.Module):
    """(noise, caption embedding) -> (n, 3, 32, 32) in [0, 1]."""

    def __init__(self, config: GANConfig) -> None:
        super().__init__()
        self.config = config
        w = config.width
        self.fc = nn.Linear(config.noise_dim + 64, w * 16)
        self.cond = nn.Linear(config.cond_dim, 64)
        self.net = nn.Sequential(
            nn.BatchNorm2d(w), nn.ReLU(),
            nn.Upsample(scale_factor=2), nn.Conv2d(w, w // 2, 3, padding=1), nn.BatchNorm2d(w // 2), nn.ReLU(),  # 8
            nn.Upsample(scale_factor=2), nn.Conv2d(w // 2, w // 4, 3, padding=1), nn.BatchNorm2d(w // 4), nn.ReLU(),  # 16
            nn.Upsample(scale_factor=2), nn.Conv2d(w // 4, w // 4, 3, padding=1), nn.ReLU(),  # 32
            nn.Conv2d(w // 4, 3, 3, padding=1),
        )  # fmt: skip

    def forward(self, noise: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        h = self.fc(torch.cat([noise, self.cond(cond)], dim=1))
        return torch.sigmoid(self.net(h.view(-1, self.config.width, 4, 4)))


class Discriminator(nn.Module):
    """(image, caption embedding) -> a realness logit, with a projection term for the caption."""

    def __init__(self, config: GANConfig) -> None:
        super().__init__()
        w = config.width
        self.net = nn.Sequential(
            nn.Conv2d(3, w // 4, 3, 2, 1), nn.LeakyReLU(0.2),  # 16
            nn.Conv2d(w // 4, w // 2, 3, 2, 1), nn.LeakyReLU(0.2),  # 8
            nn.Conv2d(w // 2, w, 3, 2, 1), nn.LeakyReLU(0.2),  # 4
            nn.Flatten(), nn.Linear(w * 16, 128), nn.LeakyReLU(0.2),
        )  # fmt: skip
        self.out = nn.Linear(128, 1)
        self.project = nn.Linear(config.cond_dim, 128)

    def forward(self, images: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        h = self.net(images * 2 - 1)
        return self.out(h).squeeze(1) + (self.project(cond) * h).sum(dim=1)


@torch.no_grad()
def gan_sample(gen: Generator, cond: np.ndarray, seed: int) -> np.ndarray:
    """(n, 32, 32, 3) uint8 images for the caption embeddings cond."""
    g = torch.Generator().manual_seed(seed)
    noise = torch.randn(len(cond), gen.config.noise_dim, generator=g)
    images = gen.eval()(noise, torch.from_numpy(cond).float())
    return (images.clamp(0, 1) * 255).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()


def _probe(
    gen: Generator, judge: ImageJudge, cond: np.ndarray, labels: dict[str, np.ndarray]
) -> float:
    """Share of samples whose judged attributes all equal the captions' labels."""
    images = gan_sample(gen, cond, seed=0)
    gen.train()
    probs = judge.probabilities(images)
    ok = np.ones(len(cond), dtype=bool)
    for k, p in probs.items():
        ok &= p.argmax(axis=1) == labels[k]
    return float(ok.mean())


def train_gan(cfg: GANTrainConfig, out: Path) -> float:
    """Train the GAN baseline into out/gan.safetensors; returns the seconds it took."""
    start = time.monotonic()
    if (out / "gan.safetensors").exists():
        return 0.0
    if cfg.data != "shapes":
        raise ValueError(f"data given as {cfg.data!r}: the GAN baseline is trained on shapes only")
    set_offline()
    source = DataSource(cfg.data, cfg.seed)
    pool = source.caption_pool(cfg.pool_size)
    unique = sorted(set(pool.captions))
    table = get_embedder().embed(unique)
    row = {c: i for i, c in enumerate(unique)}
    cond_all = torch.from_numpy(table[[row[c] for c in pool.captions]]).float()
    images = torch.from_numpy(pool.images)
    judge = ImageJudge(load_model(JudgeNet, JudgeConfig, out, "judge")[0])
    probe = make_shapes(256, seed=cfg.seed + 31, combos=train_combinations(), full_captions=True)
    probe_cond, probe_labels = get_embedder().embed(probe.captions), probe.labels
    torch.manual_seed(cfg.seed + 3)
    config = GANConfig(cond_dim=cond_all.shape[1])
    gen, disc = Generator(config), Discriminator(config)
    opt_g = torch.optim.Adam(gen.parameters(), lr=cfg.lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(disc.parameters(), lr=cfg.lr, betas=(0.5, 0.999))
    rng = torch.Generator()
    d_losses, g_losses, probes = [], [], []
    for step in tqdm(range(cfg.steps), desc="gan", dynamic_ncols=True):
        rng.manual_seed(cfg.seed * 43 + step)
        idx = torch.from_numpy(sample_indices(step, cfg.seed + 3, len(images), cfg.batch))
        real, cond = images[idx], cond_all[idx]
        fake = gen(torch.randn(len(idx), config.noise_dim, generator=rng), cond)
        d_loss = F.softplus(-disc(real, cond)).mean() + F.softplus(disc(fake.detach(), cond)).mean()
        opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        opt_d.step()
        g_loss = F.softplus(-disc(fake, cond)).mean()
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        opt_g.step()
        d_losses.append(d_loss.item())
        g_losses.append(g_loss.item())
        if (step + 1) % cfg.probe_every == 0:
            probes.append((step + 1, _probe(gen, judge, probe_cond, probe_labels)))
            log.info("gan step %d: judged adherence %.3f", step + 1, probes[-1][1])
    extra = {
        "train": asdict(cfg),
        "d_loss_curve": [float(np.mean(d_losses[i : i + 50])) for i in range(0, len(d_losses), 50)],
        "g_loss_curve": [float(np.mean(g_losses[i : i + 50])) for i in range(0, len(g_losses), 50)],
        "adherence_during_training": probes,
    }
    save_model(gen.eval(), config, out, "gan", extra)
    return time.monotonic() - start
