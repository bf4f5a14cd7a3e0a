"""Scheduler maths on known tensors: noise goes in and comes out exactly with the true noise."""

from __future__ import annotations

import math

import pytest
import torch

from ragassist.image.scheduler import DDIMScheduler, DDPMScheduler, SchedulerConfig


@pytest.fixture
def known() -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    return torch.randn(3, 4, 8, 8, generator=g, dtype=torch.float64), torch.randn(
        3, 4, 8, 8, generator=g, dtype=torch.float64
    )


@pytest.mark.parametrize("schedule", ["linear", "squaredcos_cap_v2"])
def test_add_noise_matches_closed_form(schedule: str, known) -> None:
    x0, noise = known
    s = DDPMScheduler(SchedulerConfig(beta_schedule=schedule))
    t = torch.tensor([0, 500, 999])
    noisy = s.add_noise(x0, noise, t)
    for i, ti in enumerate(t.tolist()):
        abar = math.prod(1 - b for b in s.betas[: ti + 1].tolist())
        expected = math.sqrt(abar) * x0[i] + math.sqrt(1 - abar) * noise[i]
        torch.testing.assert_close(noisy[i], expected)
    assert s.alphas_cumprod[0] > 0.99 and s.alphas_cumprod[-1] < 0.01
    assert (s.alphas_cumprod[1:] < s.alphas_cumprod[:-1]).all()


@pytest.mark.parametrize("kind", ["epsilon", "sample", "v_prediction"])
def test_true_prediction_recovers_sample_and_noise(kind: str, known) -> None:
    x0, noise = known
    s = DDPMScheduler(SchedulerConfig(prediction_type=kind))
    for t in (1, 250, 900):
        tt = torch.full((3,), t)
        xt = s.add_noise(x0, noise, tt)
        target = s.training_target(x0, noise, tt)
        x0_hat, eps_hat = s.split_prediction(target, t, xt)
        torch.testing.assert_close(x0_hat, x0)
        torch.testing.assert_close(eps_hat, noise)


@pytest.mark.parametrize("kind", ["epsilon", "sample", "v_prediction"])
def test_ddim_with_a_perfect_model_walks_the_forward_process_back_to_x0(kind: str, known) -> None:
    x0, noise = known
    s = DDIMScheduler(SchedulerConfig(prediction_type=kind))
    steps = s.set_timesteps(10)
    assert steps[0] == 999 and len(steps) == 10 and (steps[1:] < steps[:-1]).all()
    x = s.add_noise(x0, noise, torch.full((3,), int(steps[0])))
    for t in steps.tolist():
        x = s.step(s.training_target(x0, noise, torch.full((3,), t)), t, x)
        prev = s.previous_timestep(t)
        expected = x0 if prev < 0 else s.add_noise(x0, noise, torch.full((3,), prev))
        torch.testing.assert_close(x, expected)
    torch.testing.assert_close(x, x0)


def test_ddpm_last_step_is_exact(known) -> None:
    x0, noise = known
    s = DDPMScheduler(SchedulerConfig(prediction_type="epsilon"))
    x1 = s.add_noise(x0, noise, torch.zeros(3, dtype=torch.long))
    torch.testing.assert_close(s.step(noise, 0, x1), x0)


def test_clipping_bounds_the_predicted_sample(known) -> None:
    x0, noise = known
    s = DDIMScheduler(SchedulerConfig(prediction_type="sample", clip_sample=0.5))
    s.set_timesteps(4)
    t = int(s.timesteps[-1])
    out = s.step(x0 * 10, t, s.add_noise(x0, noise, torch.full((3,), t)))
    assert out.abs().max() <= 0.5 + 1e-9  # the last step returns the clipped x_0


def test_errors_teach() -> None:
    with pytest.raises(
        ValueError,
        match="prediction_type given as 'noise' must be one of epsilon, sample, v_prediction",
    ):
        SchedulerConfig(prediction_type="noise")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="must be between 1 and num_train_timesteps=1000"):
        DDIMScheduler().set_timesteps(5000)
    with pytest.raises(ValueError, match="must lie in 0..999"):
        DDPMScheduler().add_noise(torch.zeros(1, 2), torch.zeros(1, 2), torch.tensor([1000]))
