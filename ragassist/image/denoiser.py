"""A small UNet over 8x8 latents, conditioned on the timestep and a sentence embedding.

The caption's MiniLM embedding and the timestep are mixed into one vector that scales and
shifts every residual block (FiLM). A zero embedding stands for "no caption": training drops
the caption now and then, so the same network also predicts unconditionally, which is what
classifier-free guidance needs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass(frozen=True)
class DenoiserConfig:
    latent_channels: int = 4  # channels of the VAE latent
    width: int = 32  # channels at 8x8; twice this at 4x4
    cond_dim: int = 384  # size of the caption embedding (MiniLM: 384)
    emb_dim: int = 192  # size of the mixed timestep + caption vector
    cond_dropout: float = 0.15  # share of training captions replaced by "no caption"
    groups: int = 8  # GroupNorm groups
    cond_maps: int = (
        4  # 8x8 maps projected from the caption and stacked onto the input, for "where"
    )


def timestep_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal features of the (integer) timesteps, as in the transformer position code."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half)
    args = t.float()[:, None] * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=1)


def _coordinates(size: int) -> torch.Tensor:
    """(1, 2, size, size): x and y of each cell, from -1 to 1."""
    axis = torch.linspace(-1, 1, size)
    ys, xs = torch.meshgrid(axis, axis, indexing="ij")
    return torch.stack([xs, ys])[None]


class ResBlock(nn.Module):
    """Two 3x3 convolutions with a FiLM scale and shift from the conditioning vector."""

    def __init__(self, c_in: int, c_out: int, emb_dim: int, groups: int) -> None:
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, c_in)
        self.conv1 = nn.Conv2d(c_in, c_out, 3, padding=1)
        self.film = nn.Linear(emb_dim, 2 * c_out)
        self.norm2 = nn.GroupNorm(groups, c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1)
        self.skip = nn.Conv2d(c_in, c_out, 1) if c_in != c_out else nn.Identity()

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        scale, shift = self.film(emb)[:, :, None, None].chunk(2, dim=1)
        h = self.norm2(h) * (1 + scale) + shift
        h = self.conv2(F.silu(h))
        return self.skip(x) + h


class Denoiser(nn.Module):
    """(noisy latent, timestep, caption embedding) -> the prediction the scheduler asks for."""

    cond_mean: torch.Tensor  # buffers, typed for mypy
    cond_std: torch.Tensor
    coords: torch.Tensor

    def __init__(self, config: DenoiserConfig) -> None:
        super().__init__()
        self.config = config
        c, e, g = config.width, config.emb_dim, config.groups
        # Captions' embeddings differ from each other by little: the trainer sets these to the mean
        # and spread of the training captions, so what tells them apart is of order one.
        self.register_buffer("cond_mean", torch.zeros(config.cond_dim))
        self.register_buffer("cond_std", torch.ones(config.cond_dim))
        self.time_mlp = nn.Sequential(nn.Linear(64, e), nn.SiLU(), nn.Linear(e, e))
        self.cond_mlp = nn.Sequential(nn.Linear(config.cond_dim, e), nn.SiLU(), nn.Linear(e, e))
        # FiLM alone is the same at every pixel: the caption also writes spatial maps, and two
        # coordinate channels tell the convolutions where they are, so "top left" can be placed.
        self.cond_to_maps = nn.Linear(config.cond_dim, config.cond_maps * 64)
        self.register_buffer("coords", _coordinates(8), persistent=False)
        self.conv_in = nn.Conv2d(config.latent_channels + config.cond_maps + 2, c, 3, padding=1)
        self.down1 = ResBlock(c, c, e, g)  # 8x8
        self.down2 = ResBlock(c, 2 * c, e, g)  # 4x4, after the strided conv
        self.downsample = nn.Conv2d(c, c, 3, stride=2, padding=1)
        self.mid = ResBlock(2 * c, 2 * c, e, g)  # 4x4
        self.up1 = ResBlock(4 * c, 2 * c, e, g)  # 4x4, with the skip from down2
        self.up2 = ResBlock(3 * c, c, e, g)  # 8x8, with the skip from down1
        self.norm_out = nn.GroupNorm(g, c)
        self.conv_out = nn.Conv2d(c, config.latent_channels, 3, padding=1)

    def forward(self, x: torch.Tensor, t: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        """x: (n, z, 8, 8); t: (n,) integer timesteps; cond: (n, cond_dim), zeros = no caption."""
        cond = (cond - self.cond_mean) / self.cond_std  # the zero "no caption" vector stays apart
        emb = F.silu(self.time_mlp(timestep_embedding(t, 64)) + self.cond_mlp(cond))
        maps = self.cond_to_maps(cond).view(-1, self.config.cond_maps, 8, 8)
        coords = self.coords.expand(x.shape[0], -1, -1, -1)
        h1 = self.down1(self.conv_in(torch.cat([x, maps, coords], dim=1)), emb)  # (n, c, 8, 8)
        h2 = self.down2(self.downsample(h1), emb)  # (n, 2c, 4, 4)
        h = self.mid(h2, emb)
        h = self.up1(torch.cat([h, h2], dim=1), emb)  # (n, 2c, 4, 4)
        h = F.interpolate(h, scale_factor=2.0, mode="nearest")  # (n, 2c, 8, 8)
        h = self.up2(torch.cat([h, h1], dim=1), emb)  # (n, c, 8, 8)
        return self.conv_out(F.silu(self.norm_out(h)))

    def drop_condition(
        self, cond: torch.Tensor, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """Replace a random share (cond_dropout) of the captions by the zero "no caption" vector."""
        keep = torch.rand(cond.shape[0], generator=generator) >= self.config.cond_dropout
        return cond * keep[:, None].to(cond.dtype)
