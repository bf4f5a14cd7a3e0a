"""Shapes through the VAE and denoiser, and a 2-step sample from tiny random-weight models."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ragassist.image.checkpoint import load_model, save_model
from ragassist.image.denoiser import Denoiser, DenoiserConfig
from ragassist.image.judge import ImageJudge, JudgeConfig, JudgeNet
from ragassist.image.pipeline import ImageModel, LatentDiffusionPipeline
from ragassist.image.scheduler import SchedulerConfig
from ragassist.image.vae import VAE, VAEConfig
from ragassist.index.embed import HashEmbedder


def tiny_pipeline(steps: int = 2) -> LatentDiffusionPipeline:
    torch.manual_seed(0)
    vae = VAE(VAEConfig(widths=(4, 8, 8)))
    denoiser = Denoiser(DenoiserConfig(width=8, cond_dim=64, emb_dim=16, groups=4))
    return LatentDiffusionPipeline(
        vae, denoiser, SchedulerConfig(), 1.0, HashEmbedder(64), steps=steps
    )


def test_vae_shapes_and_loss() -> None:
    vae = VAE(VAEConfig())
    images = torch.rand(5, 3, 32, 32)
    mean, logvar = vae.encode(images)
    assert mean.shape == logvar.shape == (5, 4, 8, 8)
    decoded = vae.decode(mean)
    assert decoded.shape == (5, 3, 32, 32)
    assert 0 <= decoded.min() and decoded.max() <= 1
    loss, parts = vae.loss(images, generator=torch.Generator().manual_seed(0))
    loss.backward()
    assert loss.item() > 0 and set(parts) == {"recon", "kl"}


def test_denoiser_shapes_and_condition_dropout() -> None:
    d = Denoiser(DenoiserConfig(cond_dropout=0.5))
    out = d(torch.randn(6, 4, 8, 8), torch.tensor([0, 1, 10, 100, 500, 999]), torch.randn(6, 384))
    assert out.shape == (6, 4, 8, 8)
    dropped = d.drop_condition(torch.ones(1000, 384), generator=torch.Generator().manual_seed(0))
    share = float((dropped.abs().sum(dim=1) == 0).float().mean())
    assert 0.4 < share < 0.6


def test_two_step_sample_is_seeded() -> None:
    pipe = tiny_pipeline()
    a = pipe("a red circle", n=2, steps=2, seed=3)
    b = pipe("a red circle", n=2, steps=2, seed=3)
    c = pipe("a red circle", n=2, steps=2, seed=4)
    assert a.shape == (2, 32, 32, 3) and a.dtype == np.uint8
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert not np.array_equal(a[0], a[1])  # two images of one call start from different noise
    assert isinstance(pipe, ImageModel)
    assert pipe.sample("a red circle").shape == (32, 32, 3)


def test_guidance_changes_the_sample_and_bad_arguments_are_refused() -> None:
    pipe = tiny_pipeline()
    assert not np.array_equal(
        pipe("a blue square", steps=2, guidance=1.0), pipe("a blue square", steps=2, guidance=5.0)
    )
    with pytest.raises(ValueError, match="sampler given as 'euler'"):
        pipe("x", steps=2, sampler="euler")
    with pytest.raises(ValueError, match="n given as 0"):
        pipe("x", n=0)


def test_save_and_load_round_trip(tmp_path) -> None:
    torch.manual_seed(1)
    judge = JudgeNet(JudgeConfig())
    save_model(judge, judge.config, tmp_path, "judge", {"note": "test"})
    loaded, meta = load_model(JudgeNet, JudgeConfig, tmp_path, "judge")
    x = torch.rand(3, 3, 32, 32)
    for k, v in judge(x).items():
        torch.testing.assert_close(loaded(x)[k], v)
    assert meta["note"] == "test"
    verdicts = ImageJudge(loaded).judge(x, {"shape": "circle", "colour": "red", "unknown": "x"})
    assert len(verdicts) == 3 and [v.attribute for v in verdicts[0].attributes] == [
        "shape",
        "colour",
    ]
