"""The image judge: an independent classifier that reads each attribute off the pixels.

It is trained on the data generator's labels (never on generated images), so it can check
a generated image against the attributes the prompt asked for. Its penultimate features also
serve as the feature space of the Fréchet distance in the evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .captions import VOCAB

DIGIT_VOCAB = {"digit": tuple(str(d) for d in range(10))}


@dataclass(frozen=True)
class JudgeConfig:
    heads: dict[str, list[str]] = field(
        default_factory=lambda: {k: list(v) for k, v in VOCAB.items()}
    )  # attribute -> its class names, one output head each
    widths: tuple[int, int, int] = (32, 64, 64)  # channels at 32x32, 16x16 and 8x8
    feature_dim: int = 128  # size of the features shared by the heads (and used for FID)

    def __post_init__(self) -> None:
        object.__setattr__(self, "widths", tuple(self.widths))


class JudgeNet(nn.Module):
    """Three conv stages and a shared feature layer, then one linear head per attribute."""

    def __init__(self, config: JudgeConfig) -> None:
        super().__init__()
        self.config = config
        w1, w2, w3 = config.widths
        self.body = nn.Sequential(
            nn.Conv2d(3, w1, 3, padding=1), nn.SiLU(), nn.MaxPool2d(2),  # 16x16
            nn.Conv2d(w1, w2, 3, padding=1), nn.SiLU(), nn.MaxPool2d(2),  # 8x8
            nn.Conv2d(w2, w3, 3, padding=1), nn.SiLU(), nn.MaxPool2d(2),  # 4x4
            nn.Flatten(),
            nn.Linear(w3 * 16, config.feature_dim), nn.SiLU(),
        )  # fmt: skip
        self.heads = nn.ModuleDict(
            {
                name: nn.Linear(config.feature_dim, len(names))
                for name, names in config.heads.items()
            }
        )

    def features(self, images: torch.Tensor) -> torch.Tensor:
        """(n, 3, 32, 32) in [0, 1] -> (n, feature_dim)."""
        return self.body(images * 2 - 1)

    def forward(self, images: torch.Tensor) -> dict[str, torch.Tensor]:
        """Logits per attribute head."""
        feats = self.features(images)
        return {name: head(feats) for name, head in self.heads.items()}

    def loss(self, images: torch.Tensor, labels: dict[str, torch.Tensor]) -> torch.Tensor:
        """Sum of the heads' cross-entropies."""
        logits = self(images)
        return sum(F.cross_entropy(logits[k], labels[k]) for k in self.config.heads)  # type: ignore[return-value]


def augment(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Blur, noise and contrast jitter, so the judge reads soft generated images as well as sharp ones."""
    n = images.shape[0]
    sigma = torch.rand(n, generator=generator) * 1.2
    xs = torch.arange(-2, 3, dtype=torch.float32)
    kernel = torch.exp(-(xs[None] ** 2) / (2 * sigma[:, None].clamp(min=0.05) ** 2))
    kernel = kernel / kernel.sum(dim=1, keepdim=True)  # (n, 5)
    padded = F.pad(images, (2, 2, 2, 2), mode="replicate")
    out = torch.zeros_like(images)
    for i in range(5):  # separable blur, a different width per image
        out += kernel[:, i, None, None, None] * padded[:, :, 2:-2, i : i + 32]
    padded = F.pad(out, (0, 0, 2, 2), mode="replicate")
    blurred = torch.zeros_like(images)
    for i in range(5):
        blurred += kernel[:, i, None, None, None] * padded[:, :, i : i + 32, :]
    contrast = 0.85 + 0.3 * torch.rand(n, 1, 1, 1, generator=generator)
    noise = (
        torch.randn(images.shape, generator=generator)
        * 0.04
        * torch.rand(n, 1, 1, 1, generator=generator)
    )
    return (blurred * contrast + noise).clamp(0, 1)


@dataclass(frozen=True)
class AttributeVerdict:
    """Does the image show the requested value of one attribute, and how sure is the judge."""

    attribute: str
    requested: str
    seen: str  # the judge's most likely value
    probability: float  # the judge's probability of the requested value
    ok: bool  # seen == requested


@dataclass(frozen=True)
class ImageVerdict:
    """The judge's verdict on one image against all requested attributes."""

    attributes: list[AttributeVerdict]

    @property
    def ok(self) -> bool:
        return all(v.ok for v in self.attributes)

    @property
    def probability(self) -> float:
        """Probability that every requested attribute is shown (product over attributes)."""
        return float(np.prod([v.probability for v in self.attributes])) if self.attributes else 1.0


class ImageJudge:
    """Wraps a trained JudgeNet: class probabilities, features and verdicts for uint8 or float images."""

    def __init__(self, net: JudgeNet) -> None:
        self.net = net.eval()
        self.heads = net.config.heads

    @staticmethod
    def _as_tensor(images: np.ndarray | torch.Tensor) -> torch.Tensor:
        x = torch.as_tensor(np.asarray(images) if not isinstance(images, torch.Tensor) else images)
        if x.dtype == torch.uint8:  # (n, 32, 32, 3) uint8 -> (n, 3, 32, 32) float
            x = x.float().div(255).permute(0, 3, 1, 2)
        return x.float()

    @torch.no_grad()
    def probabilities(self, images: np.ndarray | torch.Tensor) -> dict[str, np.ndarray]:
        """Per attribute, an (n, classes) array of probabilities."""
        logits = self.net(self._as_tensor(images))
        return {k: torch.softmax(v, dim=1).numpy() for k, v in logits.items()}

    @torch.no_grad()
    def features(self, images: np.ndarray | torch.Tensor, batch: int = 256) -> np.ndarray:
        """The (n, feature_dim) penultimate features, for Fréchet distances."""
        x = self._as_tensor(images)
        return torch.cat(
            [self.net.features(x[i : i + batch]) for i in range(0, len(x), batch)]
        ).numpy()

    def judge(
        self, images: np.ndarray | torch.Tensor, requested: dict[str, str]
    ) -> list[ImageVerdict]:
        """One verdict per image: for each requested attribute the judge knows, shown or not."""
        probs = self.probabilities(images)
        verdicts = []
        for i in range(len(next(iter(probs.values())))):
            items = []
            for attr, value in requested.items():
                if attr not in self.heads:
                    continue
                names = self.heads[attr]
                p = probs[attr][i]
                seen = names[int(p.argmax())]
                items.append(
                    AttributeVerdict(attr, value, seen, float(p[names.index(value)]), seen == value)
                )
            verdicts.append(ImageVerdict(items))
        return verdicts
