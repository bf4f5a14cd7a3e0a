"""Train the image models in order: the VAE, then the denoiser on its latents, then the judge.

Each stage checkpoints every few hundred steps and resumes from its checkpoint; a stage whose
final weights exist is skipped. Step counts are fixed, so a run with the same seed reproduces
the same weights; the time budget only cuts a stage short (and the JSON records it).
"""

from __future__ import annotations

import copy
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from ..index.embed import get_embedder, set_offline
from .checkpoint import load_model, save_model
from .denoiser import Denoiser, DenoiserConfig
from .judge import JudgeConfig, JudgeNet, augment
from .scheduler import DDPMScheduler, SchedulerConfig
from .sources import DataName, DataSource, sample_indices
from .vae import VAE, VAEConfig

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainConfig:
    data: DataName = "shapes"  # which data set: procedural shapes or the scikit-learn digits
    seed: int = 0  # fixes data, initial weights and noise: same seed, same weights
    minutes: float = 15.0  # wall-clock budget; stages stop early (and say so) when it runs out
    vae_steps: int = 1_500  # VAE optimiser steps
    vae_batch: int = 32
    vae_lr: float = 2e-3  # the VAE's peak learning rate
    pool_size: int = 12_000  # captioned images encoded once for the denoiser
    denoiser_steps: int = 3_000  # denoiser optimiser steps
    denoiser_batch: int = 128
    judge_steps: int = 1_000  # judge optimiser steps
    judge_batch: int = 128
    judge_pool: int = 12_000  # labelled images for the judge
    lr: float = 1e-3  # peak learning rate (cosine decay after a short warm-up)
    ema_decay: float = 0.995  # the shipped denoiser is an exponential moving average of its weights
    checkpoint_every: int = 200  # steps between checkpoints


def default_config(data: DataName, seed: int = 0, minutes: float = 15.0) -> TrainConfig:
    """The step counts the shipped weights were trained with; digits are a smaller, simpler set."""
    if data == "digits":
        return TrainConfig(
            data=data, seed=seed, minutes=minutes, vae_steps=1_000, denoiser_steps=2_000,
            judge_steps=600, pool_size=6_000, judge_pool=6_000,
        )  # fmt: skip
    return TrainConfig(data=data, seed=seed, minutes=minutes)


def _lr_at(step: int, total: int, peak: float, warmup: int = 50) -> float:
    if step < warmup:
        return peak * (step + 1) / warmup
    return peak * 0.5 * (1 + math.cos(math.pi * min(1.0, (step - warmup) / max(1, total - warmup))))


def _run_stage(
    name: str,
    model: torch.nn.Module,
    total: int,
    cfg: TrainConfig,
    out: Path,
    deadline: float,
    step_fn: Callable[[int], tuple[torch.Tensor, dict[str, float]]],
    ema: torch.nn.Module | None = None,
    lr: float | None = None,
) -> dict:
    """The shared loop: resume, step with AdamW and a cosine schedule, checkpoint, stop at the deadline."""
    peak = lr or cfg.lr
    opt = torch.optim.AdamW(model.parameters(), lr=peak, weight_decay=1e-4)
    ckpt_path = out / "checkpoints" / f"{name}.pt"
    start = 0
    if ckpt_path.exists():
        state = torch.load(ckpt_path, weights_only=True)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        if ema is not None:
            ema.load_state_dict(state["ema"])
        start = int(state["step"])
        log.info("%s: resuming at step %d from %s", name, start, ckpt_path)
    history: list[float] = []
    bar = tqdm(range(start, total), desc=name, initial=start, total=total, dynamic_ncols=True)
    step = start
    stopped_early = False
    for step in bar:
        if time.monotonic() > deadline:
            stopped_early = True
            log.warning("%s: time budget spent at step %d of %d", name, step, total)
            break
        for group in opt.param_groups:
            group["lr"] = _lr_at(step, total, peak)
        loss, parts = step_fn(step)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if ema is not None:
            with torch.no_grad():
                for pe, pm in zip(ema.parameters(), model.parameters(), strict=True):
                    pe.lerp_(pm, 1 - cfg.ema_decay)
        history.append(loss.item())
        bar.set_postfix(
            loss=f"{np.mean(history[-50:]):.4f}", **{k: f"{v:.4f}" for k, v in parts.items()}
        )
        if (step + 1) % cfg.checkpoint_every == 0:
            ckpt_path.parent.mkdir(parents=True, exist_ok=True)
            state = {"model": model.state_dict(), "optimizer": opt.state_dict(), "step": step + 1}
            if ema is not None:
                state["ema"] = ema.state_dict()
            torch.save(state, ckpt_path)
    else:
        step = total
    bar.close()
    return {
        "steps_done": step,
        "steps_planned": total,
        "stopped_early": stopped_early,
        "final_loss": float(np.mean(history[-50:])) if history else None,
        "loss_curve": [float(np.mean(history[i : i + 50])) for i in range(0, len(history), 50)],
    }


def train_vae(cfg: TrainConfig, source: DataSource, out: Path, deadline: float) -> VAE:
    """Stage 1: the autoencoder, on fresh images every step."""
    if (out / "vae.safetensors").exists():
        return load_model(VAE, VAEConfig, out, "vae")[0]
    torch.manual_seed(cfg.seed)
    vae = VAE(VAEConfig())
    gen = torch.Generator().manual_seed(cfg.seed)

    def step_fn(step: int) -> tuple[torch.Tensor, dict[str, float]]:
        gen.manual_seed(cfg.seed * 31 + step)
        images = torch.from_numpy(source.vae_batch(step, cfg.vae_batch, cfg.pool_size))
        return vae.loss(images, generator=gen)

    vae.train()
    report = _run_stage("vae", vae, cfg.vae_steps, cfg, out, deadline, step_fn, lr=cfg.vae_lr)
    save_model(
        vae.eval(), vae.config, out, "vae", {"training": report, "data": cfg.data, "seed": cfg.seed}
    )
    return vae


@torch.no_grad()
def encode_pool(vae: VAE, images: np.ndarray, batch: int = 512) -> torch.Tensor:
    """Posterior means of the VAE for all images."""
    x = torch.from_numpy(images)
    return torch.cat([vae.encode(x[i : i + batch])[0] for i in range(0, len(x), batch)])


def train_denoiser(
    cfg: TrainConfig, source: DataSource, vae: VAE, out: Path, deadline: float
) -> None:
    """Stage 2: the caption-conditioned denoiser on scaled latents of a fixed captioned pool."""
    if (out / "denoiser.safetensors").exists():
        return
    set_offline()
    pool = source.caption_pool(cfg.pool_size)
    latents = encode_pool(vae, pool.images)
    latent_scale = float(latents.std())
    latents = latents / latent_scale
    unique = sorted(set(pool.captions))
    log.info("embedding %d distinct captions", len(unique))
    table = get_embedder().embed(unique)
    row = {c: i for i, c in enumerate(unique)}
    cond_all = torch.from_numpy(table[[row[c] for c in pool.captions]]).float()
    torch.manual_seed(cfg.seed + 1)
    denoiser = Denoiser(DenoiserConfig(cond_dim=cond_all.shape[1]))
    denoiser.cond_mean.copy_(torch.from_numpy(table.mean(axis=0)))
    denoiser.cond_std.copy_(torch.from_numpy(table.std(axis=0) + 1e-3))
    ema = copy.deepcopy(denoiser).requires_grad_(False)
    scheduler = DDPMScheduler(SchedulerConfig())
    gen = torch.Generator()

    def step_fn(step: int) -> tuple[torch.Tensor, dict[str, float]]:
        gen.manual_seed(cfg.seed * 37 + step)
        idx = torch.from_numpy(sample_indices(step, cfg.seed, len(latents), cfg.denoiser_batch))
        x0, cond = latents[idx], denoiser.drop_condition(cond_all[idx], generator=gen)
        noise = torch.randn(x0.shape, generator=gen)
        t = torch.randint(0, scheduler.config.num_train_timesteps, (len(idx),), generator=gen)
        target = scheduler.training_target(x0, noise, t)
        pred = denoiser(scheduler.add_noise(x0, noise, t), t, cond)
        loss = torch.nn.functional.mse_loss(pred, target)
        return loss, {}

    denoiser.train()
    report = _run_stage("denoiser", denoiser, cfg.denoiser_steps, cfg, out, deadline, step_fn, ema)
    extra = {
        "scheduler": scheduler.config.__dict__,
        "latent_scale": latent_scale,
        "training": report,
        "data": cfg.data,
        "seed": cfg.seed,
        "distinct_captions": len(unique),
    }
    save_model(ema.eval(), ema.config, out, "denoiser", extra)


def train_judge(cfg: TrainConfig, source: DataSource, out: Path, deadline: float) -> None:
    """Stage 3: the judge, on labelled real images (all combinations), blurred and noised."""
    if (out / "judge.safetensors").exists():
        return
    pool = source.judge_pool(cfg.judge_pool)
    images = torch.from_numpy(pool.images)
    labels = {k: torch.from_numpy(v) for k, v in pool.labels.items()}
    torch.manual_seed(cfg.seed + 2)
    net = JudgeNet(JudgeConfig(heads=source.heads))
    gen = torch.Generator()

    def step_fn(step: int) -> tuple[torch.Tensor, dict[str, float]]:
        gen.manual_seed(cfg.seed * 41 + step)
        idx = torch.from_numpy(sample_indices(step, cfg.seed + 2, len(images), cfg.judge_batch))
        batch = augment(images[idx], gen)
        return net.loss(batch, {k: v[idx] for k, v in labels.items()}), {}

    net.train()
    report = _run_stage("judge", net, cfg.judge_steps, cfg, out, deadline, step_fn)
    save_model(
        net.eval(),
        net.config,
        out,
        "judge",
        {"training": report, "data": cfg.data, "seed": cfg.seed},
    )


def train_all(cfg: TrainConfig, out: Path) -> dict[str, float]:
    """Run the three stages into out; returns the seconds each took."""
    source = DataSource(cfg.data, cfg.seed)
    start = time.monotonic()
    budget = cfg.minutes * 60
    timings = {}
    vae = train_vae(cfg, source, out, start + 0.3 * budget)
    timings["vae"] = time.monotonic() - start
    train_denoiser(cfg, source, vae, out, start + 0.9 * budget)
    timings["denoiser"] = time.monotonic() - start - timings["vae"]
    train_judge(cfg, source, out, start + budget)
    timings["judge"] = time.monotonic() - start - timings["vae"] - timings["denoiser"]
    log.info("trained %s models in %.0f s: %s", cfg.data, time.monotonic() - start, timings)
    return timings
