"""The image evaluation suite: adherence, Fréchet distances, the judge's ceiling and its catch rate.

`run_image_eval` measures the shipped shapes models and writes report.md, report.json and a
sample grid into out_dir. Everything is seeded, so a rerun gives the same figures.
"""

from __future__ import annotations

import json
import logging
import random
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .api import load_judge
from .captions import (
    ATTRIBUTES,
    all_combinations,
    heldout_combinations,
    make_caption,
    train_combinations,
)
from .checkpoint import WEIGHTS_DIR, read_meta
from .data import digit_captions, load_digits_32, make_shapes, pixel_colour
from .families import as_uint8, family_table
from .judge import ImageJudge
from .metrics import (
    adherence,
    wanted_of,
)
from .pipeline import load_pipeline
from .prompt_parse import canonical_caption, parse_attributes
from .report import write_report

log = logging.getLogger(__name__)


def _prompt_set(n: int, seed: int, combos: list, heldout_phrasing: bool) -> tuple[list[str], list]:
    """n full captions over combos in a shuffled cycle, so every combination is asked for."""
    rng = random.Random(seed)
    order = list(combos)
    rng.shuffle(order)
    attrs = [order[i % len(order)] for i in range(n)]
    return [make_caption(a, rng, ATTRIBUTES, heldout=heldout_phrasing) for a in attrs], attrs


def _adherence_suite(
    pipe, judge: ImageJudge, n: int, seed: int, guidance: float, steps: int
) -> dict:
    held = sorted(heldout_combinations(), key=str)
    train = train_combinations()
    suites = {
        "heldout_prompts": _prompt_set(n, seed + 1, held, heldout_phrasing=False),
        "heldout_paraphrases": _prompt_set(n, seed + 2, train, heldout_phrasing=True),
        "heldout_prompts_and_paraphrases": _prompt_set(n, seed + 3, held, heldout_phrasing=True),
        "training_distribution": _prompt_set(n, seed + 4, train, heldout_phrasing=False),
    }
    for name in ("heldout_paraphrases", "heldout_prompts_and_paraphrases"):
        prompts, attrs = suites[name]
        rewritten = [canonical_caption(parse_attributes(p)) or p for p in prompts]
        suites[f"{name}_rewritten"] = (rewritten, attrs)  # what draw() does by default
    results, samples = {}, {}
    for name, (prompts, attrs) in suites.items():
        images = pipe(prompts, n=1, steps=steps, guidance=guidance, seed=seed)
        res = adherence(judge, images, wanted_of(attrs))
        res["pixel_colour"] = float(
            np.mean(
                [
                    pixel_colour(im.transpose(2, 0, 1) / 255) == a.colour
                    for im, a in zip(images, attrs, strict=True)
                ]
            )
        )
        res["parser_exact"] = float(
            np.mean(
                [parse_attributes(p) == a.as_dict() for p, a in zip(prompts, attrs, strict=True)]
            )
        )
        res["n"] = len(prompts)
        results[name] = res
        samples[name] = (prompts[:8], images[:8])
        log.info("%s: %s", name, res)
    return {"results": results, "samples": samples}


def _catch_rate(pipe, judge: ImageJudge, n: int, seed: int, guidance: float, steps: int) -> dict:
    """Images drawn for another prompt, judged against the asked one: how many does the judge flag?"""
    rng = random.Random(seed + 7)
    combos = all_combinations()
    asked = [rng.choice(combos) for _ in range(n)]
    other, differs = [], []
    for a in asked:
        k = rng.randint(1, 4)  # 1 to 4 attributes differ; one-attribute misses are the hard ones
        changed = rng.sample(ATTRIBUTES, k)
        values = a.as_dict()
        for attr in changed:
            values[attr] = rng.choice([v for v in _vocab(attr) if v != values[attr]])
        other.append(type(a)(**values))
        differs.append(k)
    prompts = [make_caption(o, rng, ATTRIBUTES) for o in other]
    images = pipe(prompts, n=1, steps=steps, guidance=guidance, seed=seed + 7)
    verdicts = [judge.judge(images[i : i + 1], asked[i].as_dict())[0] for i in range(n)]
    caught = np.array([not v.ok for v in verdicts])
    differs_arr = np.array(differs)
    return {
        "n": n,
        "caught": float(caught.mean()),
        "caught_by_attributes_changed": {
            int(k): float(caught[differs_arr == k].mean()) for k in sorted(set(differs))
        },
    }


def _vocab(attr: str) -> tuple[str, ...]:
    from .captions import VOCAB

    return VOCAB[attr]


def _judge_ceiling(judge: ImageJudge, n: int, seed: int, folder: Path) -> dict:
    real = make_shapes(n, seed=seed + 21, combos=all_combinations())
    out = {"shapes": adherence(judge, as_uint8(real.images), wanted_of(real.attributes))}
    digits_folder = folder.parent / "digits"
    if (digits_folder / "judge.safetensors").exists():
        images, labels = load_digits_32("test")
        out["digits_test_split"] = adherence(
            load_judge(digits_folder), as_uint8(images), [{"digit": str(d)} for d in labels]
        )
    return out


def _digits_suite(n: int, seed: int, folder: Path, steps: int, guidance: float) -> dict | None:
    """Adherence of the digits model, judged by the digits judge (when digits weights are shipped)."""
    digits_folder = folder.parent / "digits"
    if not (digits_folder / "denoiser.safetensors").exists():
        return None
    pipe, judge = load_pipeline(digits_folder), load_judge(digits_folder)
    labels = np.arange(n) % 10
    out: dict[str, Any] = {}
    for name, heldout in (("training_phrasings", False), ("heldout_phrasings", True)):
        prompts = digit_captions(labels, seed=seed + 5, heldout=heldout)
        images = pipe(prompts, steps=steps, guidance=guidance, seed=seed)
        out[name] = adherence(judge, images, [{"digit": str(d)} for d in labels])
        out[name]["n"] = n
        out.setdefault("examples", []).extend(images[:10])
    out["examples"] = np.stack(out["examples"][:10])
    return out


def run_image_eval(
    n: int,
    seed: int,
    out_dir: Path,
    steps: int = 20,
    guidance: float = 3.0,
    folder: Path = WEIGHTS_DIR / "shapes",
) -> dict:
    """Run the whole image suite with n prompts per set; write report.md/.json and samples.png to out_dir."""
    start = time.perf_counter()
    pipe, judge = load_pipeline(folder), load_judge(folder)
    report: dict = {"n": n, "seed": seed, "steps": steps, "guidance": guidance}
    report["judge_on_real_images"] = _judge_ceiling(judge, n, seed, folder)
    adh = _adherence_suite(pipe, judge, n, seed, guidance, steps)
    report["adherence"] = adh["results"]
    prompts, attrs = _prompt_set(n, seed + 2, train_combinations(), heldout_phrasing=True)
    unguided = pipe(prompts, steps=steps, guidance=1.0, seed=seed)
    report["adherence_heldout_paraphrases_guidance_1"] = adherence(
        judge, unguided, wanted_of(attrs)
    )
    report["injected_wrong_images"] = _catch_rate(pipe, judge, n, seed, guidance, steps)
    fam = family_table(pipe, judge, folder, n, seed, steps, guidance)
    report["families"], report["diversity_same_prompt"], report["diversity_prompts"] = (
        fam["families"],
        fam["diversity_same_prompt"],
        fam["diversity_prompts"],
    )
    digits = _digits_suite(n, seed, folder, steps, guidance)
    if digits is not None:
        fam["examples"]["digits model"] = digits.pop("examples")
        report["digits"] = digits
    for name in ("vae", "denoiser", "judge", "gan"):
        if (folder / f"{name}.json").exists():
            meta = read_meta(folder, name)
            report.setdefault("training", {})[name] = {
                k: v for k, v in meta.items() if k not in ("config",)
            }
    report["seconds"] = time.perf_counter() - start
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.json").write_text(json.dumps(report, indent=2, default=float) + "\n")
    write_report(report, adh["samples"], fam, out_dir)
    return report


def main(argv: list[str] | None = None) -> int:
    """python -m ragassist.image.evaluate --n 300 --seed 0 --out eval/reports/image"""
    import argparse

    parser = argparse.ArgumentParser(description="Run the image evaluation suite.")
    parser.add_argument("--n", type=int, default=300, help="prompts per set (default 300)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("eval/reports/image"))
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    run_image_eval(args.n, args.seed, args.out)
    print(f"wrote {args.out / 'report.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
