"""The image side of the assistant in one call: prompt -> images -> the judge's verdicts."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .checkpoint import WEIGHTS_DIR, load_model
from .judge import ImageJudge, ImageVerdict, JudgeConfig, JudgeNet
from .pipeline import load_pipeline
from .prompt_parse import canonical_caption, condition_text, parse_attributes, parse_digit
from .render import save_png

log = logging.getLogger(__name__)


@dataclass
class DrawResult:
    """Images made for a prompt, what the prompt asked for, and what the judge saw in each image."""

    prompt: str
    condition: str  # the text the denoiser was conditioned on
    model: str  # which weights drew it: "shapes" or "digits"
    attributes: dict[str, str]  # requested attribute -> value, as parsed from the prompt
    images: np.ndarray  # (n, 32, 32, 3) uint8
    verdicts: list[ImageVerdict] = field(default_factory=list)

    @property
    def n_ok(self) -> int:
        """How many images show every requested attribute."""
        return sum(v.ok for v in self.verdicts)

    def save_png(self, path: str | Path, scale: int = 4) -> Path:
        """Write the images as one PNG grid."""
        return save_png(self.images, path, scale=scale)


@functools.cache
def load_judge(folder: Path = WEIGHTS_DIR / "shapes") -> ImageJudge:
    """The judge shipped beside the pipeline in folder, loaded once per process."""
    net, _ = load_model(JudgeNet, JudgeConfig, folder, "judge")
    return ImageJudge(net)


def choose_model(prompt: str, weights_dir: Path = WEIGHTS_DIR) -> str:
    """Digits weights for 'a handwritten 7' style prompts (when shipped), else shapes."""
    if (
        parse_digit(prompt) is not None
        and (weights_dir / "digits" / "denoiser.safetensors").exists()
    ):
        return "digits"
    return "shapes"


def draw(
    prompt: str,
    n: int = 1,
    steps: int = 20,
    guidance: float = 3.0,
    seed: int = 0,
    weights_dir: Path = WEIGHTS_DIR,
    rewrite: bool = True,
) -> DrawResult:
    """Generate n images for prompt and judge each against the attributes the prompt names.

    With rewrite, the denoiser is conditioned on the parsed attributes in plain training words
    (the report measures both ways); without it, on the prompt minus its request words.
    """
    model = choose_model(prompt, weights_dir)
    folder = weights_dir / model
    condition = condition_text(prompt)
    if model == "digits":
        digit = parse_digit(prompt)
        attributes = {"digit": str(digit)} if digit is not None else {}
        if rewrite and digit is not None:
            condition = f"a handwritten {digit}"
    else:
        attributes = parse_attributes(prompt)
        condition = (canonical_caption(attributes) if rewrite else None) or condition
    images = load_pipeline(folder)(condition, n=n, steps=steps, guidance=guidance, seed=seed)
    verdicts = load_judge(folder).judge(images, attributes)
    log.info("drew %d images for %r: %d match", n, condition, sum(v.ok for v in verdicts))
    return DrawResult(prompt, condition, model, attributes, images, verdicts)
