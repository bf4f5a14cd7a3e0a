"""The `draw` and `train-image` subcommands; interface/cli.py calls register(subparsers)."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from ..errors import InputError

log = logging.getLogger(__name__)

# The same folder as image/checkpoint.WEIGHTS_DIR, found without importing it (and torch) so that
# `ragassist --help` stays fast.
WEIGHTS_DIR = Path(__file__).resolve().parents[1] / "image" / "weights"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `draw` and `train-image` to an argparse subparsers object."""
    p = subparsers.add_parser("draw", help="generate images from a text prompt and judge them")
    p.add_argument("prompt", help='what to draw, e.g. "a small red circle in the top left"')
    p.add_argument("--n", type=int, default=4, help="how many images (default 4)")
    p.add_argument("--steps", type=int, default=20, help="DDIM sampling steps (default 20)")
    p.add_argument(
        "--guidance", type=float, default=3.0, help="classifier-free guidance scale (default 3.0)"
    )
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument(
        "--out", type=Path, default=Path("draw.png"), help="PNG grid to write (default draw.png)"
    )
    p.add_argument(
        "--weights",
        type=Path,
        default=WEIGHTS_DIR,
        help="folder holding shapes/ and digits/ weights",
    )
    p.set_defaults(func=draw_command)

    t = subparsers.add_parser("train-image", help="train the VAE, denoiser and judge")
    t.add_argument(
        "--data", choices=["shapes", "digits"], default="shapes", help="data set (default shapes)"
    )
    t.add_argument(
        "--minutes", type=float, default=15.0, help="time budget; stages stop early when spent"
    )
    t.add_argument(
        "--out", type=Path, default=None, help="output folder (default: the shipped weights folder)"
    )
    t.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    t.add_argument("--threads", type=int, default=2, help="torch CPU threads (default 2)")
    t.add_argument(
        "--gan", action="store_true", help="also train the GAN baseline for the evaluation"
    )
    t.set_defaults(func=train_command)


def _check_draw_args(args: argparse.Namespace) -> None:
    if not 1 <= args.n <= 64:
        raise InputError(f"--n given as {args.n} must be between 1 and 64")
    if not 1 <= args.steps <= 1000:
        raise InputError(
            f"--steps given as {args.steps} must be between 1 and 1000 (the training timesteps)"
        )
    if args.guidance < 0:
        raise InputError(f"--guidance given as {args.guidance} must be >= 0 (1 = no guidance)")
    if not args.prompt.strip():
        raise InputError(
            "the prompt is empty: say what to draw, e.g. 'a blue square in the centre'"
        )


def draw_command(args: argparse.Namespace) -> int:
    """Draw, save the grid, print each image's verdict (and the images, in a colour terminal)."""
    from ..image.api import draw
    from ..image.render import half_blocks, supports_truecolor

    _check_draw_args(args)
    start = time.perf_counter()
    result = draw(
        args.prompt,
        n=args.n,
        steps=args.steps,
        guidance=args.guidance,
        seed=args.seed,
        weights_dir=args.weights,
    )
    seconds = time.perf_counter() - start
    path = result.save_png(args.out)
    if supports_truecolor(sys.stdout):
        print(half_blocks(result.images))
    asked = (
        ", ".join(f"{k}={v}" for k, v in result.attributes.items()) or "nothing the judge can check"
    )
    print(f"{result.model} model, condition {result.condition!r}; asked for: {asked}")
    for i, verdict in enumerate(result.verdicts):
        shown = [
            f"{v.attribute}={v.requested} ({v.probability:.2f})" for v in verdict.attributes if v.ok
        ]
        missing = [
            f"{v.attribute}={v.requested} (saw {v.seen}, p={v.probability:.2f})"
            for v in verdict.attributes
            if not v.ok
        ]
        status = "OK  " if verdict.ok else "MISS"
        print(
            f"  image {i + 1}: {status} shows: {', '.join(shown) or '-'}; not shown: {', '.join(missing) or '-'}"
        )
    print(
        f"{result.n_ok}/{len(result.verdicts)} images match the prompt; {seconds:.1f} s; saved {path}"
    )
    return 0


def train_command(args: argparse.Namespace) -> int:
    """Train the image models for one data set into --out (the shipped folder by default)."""
    import torch

    from ..image.train import default_config, train_all

    torch.set_num_threads(args.threads)
    if args.minutes <= 0:
        raise InputError(f"--minutes given as {args.minutes} must be positive")
    out = args.out or WEIGHTS_DIR / args.data
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("ragassist.image").setLevel(logging.INFO)  # stage summaries, early stops
    cfg = default_config(args.data, seed=args.seed, minutes=args.minutes)
    timings = train_all(cfg, out)
    if args.gan:
        from ..image.gan import GANTrainConfig, train_gan

        timings["gan"] = train_gan(GANTrainConfig(data=args.data, seed=args.seed), out)
    total = sum(timings.values())
    print(
        f"trained {args.data} image models into {out} in {total / 60:.1f} min: "
        + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items())
    )
    return 0
