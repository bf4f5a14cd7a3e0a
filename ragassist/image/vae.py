"""A small convolutional VAE: 32x32 RGB images <-> latents of a few channels at 8x8."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class VAEConfig:
    latent_channels: int = 4  # channels of the 8x8 latent the denoiser works in
    widths: tuple[int, int, int] = (16, 32, 64)  # channels at 32x32, 16x16 and 8x8
    kl_weight: float = 1e-5  # weight of the KL term: small, so the latents keep the details
    foreground_weight: float = 10.0  # squared error on shape pixels counts this many times more

    def __post_init__(self) -> None:
        object.__setattr__(self, "widths", tuple(self.widths))


def _conv(c_in: int, c_out: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1)


class VAE(nn.Module):
    """Encoder to a diagonal Gaussian over (latent_channels, 8, 8), decoder back to pixels."""

    def __init__(self, config: VAEConfig) -> None:
        super().__init__()
        self.config = config
        w1, w2, w3 = config.widths
        z = config.latent_channels
        self.encoder = nn.Sequential(
            _conv(3, w1), nn.SiLU(),
            _conv(w1, w2, 2), nn.SiLU(),  # 16x16
            _conv(w2, w2), nn.SiLU(),
            _conv(w2, w3, 2), nn.SiLU(),  # 8x8
            _conv(w3, w3), nn.SiLU(),
            nn.Conv2d(w3, 2 * z, 1),
        )  # fmt: skip
        self.decoder = nn.Sequential(
            _conv(z, w3), nn.SiLU(),
            _conv(w3, w3), nn.SiLU(),
            nn.Upsample(scale_factor=2, mode="nearest"),  # 16x16
            _conv(w3, w2), nn.SiLU(),
            _conv(w2, w2), nn.SiLU(),
            nn.Upsample(scale_factor=2, mode="nearest"),  # 32x32
            _conv(w2, w1), nn.SiLU(),
            _conv(w1, 3),
        )  # fmt: skip

    def encode(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(n, 3, 32, 32) in [0, 1] -> mean and log-variance, each (n, z, 8, 8)."""
        mean, logvar = self.encoder(images * 2 - 1).chunk(2, dim=1)
        return mean, logvar.clamp(-20, 10)

    def decode(self, latents: torch.Tensor) -> torch.Tensor:
        """(n, z, 8, 8) -> (n, 3, 32, 32) in [0, 1]."""
        return torch.sigmoid(self.decoder(latents))

    def loss(
        self, images: torch.Tensor, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, dict[str, float]]:
        """Squared error (shape pixels weighted up, as they are few) plus the weighted KL to N(0, I)."""
        mean, logvar = self.encode(images)
        z = mean + torch.randn(mean.shape, generator=generator) * torch.exp(0.5 * logvar)
        median = images.flatten(2).median(dim=2).values[:, :, None, None]  # the background colour
        foreground = ((images - median).abs().sum(dim=1, keepdim=True) > 0.3).float()
        weight = 1 + (self.config.foreground_weight - 1) * foreground
        recon = ((self.decode(z) - images).pow(2) * weight).mean()
        kl = 0.5 * (mean.pow(2) + logvar.exp() - 1 - logvar).mean()
        total = recon + self.config.kl_weight * kl
        return total, {"recon": recon.item(), "kl": kl.item()}
