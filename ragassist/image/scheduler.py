"""Noise schedules, kept apart from the model: DDPM for training and full sampling, DDIM for few steps.

Follows the shape of diffusers' schedulers: `add_noise` makes a training sample at timestep t,
`set_timesteps` picks the sampling timesteps, and `step` moves one step from t towards t=0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, get_args

import torch

BetaSchedule = Literal["linear", "squaredcos_cap_v2"]
PredictionType = Literal["epsilon", "sample", "v_prediction"]
Spacing = Literal["trailing", "leading"]


@dataclass(frozen=True)
class SchedulerConfig:
    num_train_timesteps: int = 1000  # T: the number of noise levels the model was trained on
    beta_schedule: BetaSchedule = "squaredcos_cap_v2"  # how the noise variance grows with t
    beta_start: float = 1e-4  # first beta of the linear schedule
    beta_end: float = 0.02  # last beta of the linear schedule
    # v = sqrt(abar) noise - sqrt(1 - abar) x_0: unlike epsilon, it must learn x_0 at high noise,
    # which is where the caption decides shape, colour and place
    prediction_type: PredictionType = "v_prediction"
    timestep_spacing: Spacing = "trailing"  # "trailing" starts DDIM at t = T-1, best for few steps
    clip_sample: float = 0.0  # clamp the predicted x_0 to [-clip_sample, clip_sample]; 0 = off

    def __post_init__(self) -> None:
        for name, literal in (
            ("beta_schedule", BetaSchedule),
            ("prediction_type", PredictionType),
            ("timestep_spacing", Spacing),
        ):
            value, allowed = getattr(self, name), get_args(literal)
            if value not in allowed:
                raise ValueError(f"{name} given as {value!r} must be one of {', '.join(allowed)}")
        if self.num_train_timesteps < 2:
            raise ValueError(
                f"num_train_timesteps given as {self.num_train_timesteps} must be at least 2"
            )


def make_betas(config: SchedulerConfig) -> torch.Tensor:
    """The per-step noise variances beta_1..beta_T (float64 for exact cumulative products)."""
    T = config.num_train_timesteps
    if config.beta_schedule == "linear":
        return torch.linspace(config.beta_start, config.beta_end, T, dtype=torch.float64)

    def alpha_bar(t: float) -> float:  # Nichol & Dhariwal (2021), the cosine schedule
        return math.cos((t + 0.008) / 1.008 * math.pi / 2) ** 2

    betas = [min(1 - alpha_bar((i + 1) / T) / alpha_bar(i / T), 0.999) for i in range(T)]
    return torch.tensor(betas, dtype=torch.float64)


class DDPMScheduler:
    """The forward noising process q(x_t | x_0) and the ancestral reverse step (all T steps)."""

    def __init__(self, config: SchedulerConfig | None = None) -> None:
        self.config = config or SchedulerConfig()
        self.betas = make_betas(self.config)
        self.alphas = 1.0 - self.betas
        self.alphas_cumprod = torch.cumprod(self.alphas, dim=0)
        self.timesteps = torch.arange(self.config.num_train_timesteps - 1, -1, -1)

    def _abar(self, t: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
        t = torch.as_tensor(t, dtype=torch.long)
        if (t < 0).any() or (t >= self.config.num_train_timesteps).any():
            raise ValueError(
                f"timesteps given as {t.tolist()} must lie in 0..{self.config.num_train_timesteps - 1}"
            )
        abar = self.alphas_cumprod[t].to(like.dtype)
        return abar.reshape(-1, *([1] * (like.dim() - 1))) if abar.dim() else abar

    def add_noise(self, x0: torch.Tensor, noise: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) noise: a training sample at timestep t."""
        if noise.shape != x0.shape:
            raise ValueError(
                f"noise shape {tuple(noise.shape)} must equal sample shape {tuple(x0.shape)}"
            )
        abar = self._abar(t, x0)
        return abar.sqrt() * x0 + (1 - abar).sqrt() * noise

    def get_velocity(self, x0: torch.Tensor, noise: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """v = sqrt(abar_t) noise - sqrt(1 - abar_t) x_0, the v-prediction target."""
        abar = self._abar(t, x0)
        return abar.sqrt() * noise - (1 - abar).sqrt() * x0

    def training_target(
        self, x0: torch.Tensor, noise: torch.Tensor, t: torch.Tensor
    ) -> torch.Tensor:
        """What the model must predict for this config's prediction_type."""
        kind = self.config.prediction_type
        if kind == "epsilon":
            return noise
        if kind == "sample":
            return x0
        return self.get_velocity(x0, noise, t)

    def split_prediction(
        self, model_output: torch.Tensor, t: int, sample: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """From the model's output at timestep t, the implied (predicted x_0, predicted noise)."""
        abar = self._abar(torch.tensor(t), sample)
        a, s = abar.sqrt(), (1 - abar).sqrt()
        kind = self.config.prediction_type
        if kind == "epsilon":
            eps = model_output
            x0 = (sample - s * eps) / a
        elif kind == "sample":
            x0 = model_output
            eps = (sample - a * x0) / s
        else:
            x0 = a * sample - s * model_output
            eps = s * sample + a * model_output
        return x0, eps

    def step(
        self,
        model_output: torch.Tensor,
        t: int,
        sample: torch.Tensor,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """One ancestral DDPM step x_t -> x_{t-1} (Ho et al., 2020, eq. 6-7)."""
        x0, _ = self.split_prediction(model_output, t, sample)
        abar_t = self.alphas_cumprod[t].item()
        abar_prev = self.alphas_cumprod[t - 1].item() if t > 0 else 1.0
        beta_t = self.betas[t].item()
        mean = (math.sqrt(abar_prev) * beta_t / (1 - abar_t)) * x0 + (
            math.sqrt(self.alphas[t].item()) * (1 - abar_prev) / (1 - abar_t)
        ) * sample
        if t == 0:
            return mean
        variance = beta_t * (1 - abar_prev) / (1 - abar_t)
        noise = torch.randn(sample.shape, generator=generator, dtype=sample.dtype)
        return mean + math.sqrt(variance) * noise


class DDIMScheduler(DDPMScheduler):
    """Deterministic DDIM sampling (Song et al., 2021) over a few of the T training timesteps."""

    def set_timesteps(self, num_inference_steps: int) -> torch.Tensor:
        """Choose the sampling timesteps, from noisiest to cleanest."""
        T = self.config.num_train_timesteps
        if not 1 <= num_inference_steps <= T:
            raise ValueError(
                f"num_inference_steps given as {num_inference_steps} must be between 1 and "
                f"num_train_timesteps={T}: the model only knows {T} noise levels"
            )
        if self.config.timestep_spacing == "trailing":
            steps = torch.round(torch.arange(T, 0, -T / num_inference_steps)).long() - 1
        else:
            steps = torch.arange(0, num_inference_steps).flip(0) * (T // num_inference_steps)
        self.timesteps = steps
        return steps

    def previous_timestep(self, t: int) -> int:
        """The timestep after t in the current sampling sequence, or -1 after the last."""
        later = [int(s) for s in self.timesteps if s < t]
        return max(later) if later else -1

    def step(  # type: ignore[override]
        self,
        model_output: torch.Tensor,
        t: int,
        sample: torch.Tensor,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """x_t -> x_prev with eta = 0: re-noise the predicted x_0 to the previous level."""
        x0, eps = self.split_prediction(model_output, t, sample)
        if self.config.clip_sample > 0:  # keep x_0 in range, and the noise consistent with it
            x0 = x0.clamp(-self.config.clip_sample, self.config.clip_sample)
            abar = self.alphas_cumprod[t].item()
            eps = (sample - math.sqrt(abar) * x0) / math.sqrt(1 - abar)
        prev = self.previous_timestep(t)
        abar_prev = self.alphas_cumprod[prev].item() if prev >= 0 else 1.0
        return math.sqrt(abar_prev) * x0 + math.sqrt(1 - abar_prev) * eps
