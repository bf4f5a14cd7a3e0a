"""The train command's plumbing: a few steps of each stage, loadable weights, and resume from a checkpoint."""

from __future__ import annotations

import json

import numpy as np
from safetensors.torch import load_file

from ragassist.image.pipeline import load_pipeline
from ragassist.image.train import TrainConfig, train_all

TINY = dict(
    vae_steps=2, vae_batch=4, pool_size=16, denoiser_steps=3, denoiser_batch=8,
    judge_steps=2, judge_batch=8, judge_pool=16, checkpoint_every=2,
)  # fmt: skip


def test_tiny_training_run_writes_loadable_weights_and_resumes(embedder, tmp_path) -> None:
    cfg = TrainConfig(minutes=5, **TINY)
    train_all(cfg, tmp_path)
    for name in ("vae", "denoiser", "judge"):
        assert (tmp_path / f"{name}.safetensors").exists()
        meta = json.loads((tmp_path / f"{name}.json").read_text())
        assert (
            meta["seed"] == 0
            and meta["training"]["steps_done"] == meta["training"]["steps_planned"]
        )
    images = load_pipeline(tmp_path)("a red circle", n=1, steps=2)
    assert images.shape == (1, 32, 32, 3)
    first = load_file(str(tmp_path / "denoiser.safetensors"))
    # A stage with weights is skipped; one without resumes from its checkpoint (saved at step 2 of 3).
    (tmp_path / "denoiser.safetensors").unlink()
    train_all(cfg, tmp_path)
    again = load_file(str(tmp_path / "denoiser.safetensors"))
    assert set(first) == set(again)
    for k in first:  # same data and noise per step: the resumed run ends where the first did
        np.testing.assert_array_equal(first[k].numpy(), again[k].numpy(), err_msg=k)
    meta = json.loads((tmp_path / "denoiser.json").read_text())
    assert meta["training"]["steps_done"] == 3
