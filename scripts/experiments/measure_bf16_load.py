"""Memory of a bf16 PyTorch load: from the float32 ready copy, or from its bf16 copy.

Loads one generator in bfloat16 and evaluates a 300-token prompt; run it under
`/usr/bin/time -f "%M KB peak"` once per source, each in its own process (session 20):

    python scripts/experiments/measure_bf16_load.py qwen2.5-1.5b fp32-file
    python scripts/experiments/measure_bf16_load.py qwen2.5-1.5b bf16-file
"""

from __future__ import annotations

import argparse
import time

import torch

from ragassist.generation.models import ready_folder
from ragassist.generation.ready_copy import load_ready, narrow_copy


def resident() -> str:
    return open("/proc/self/status").read().split("VmRSS:")[1].split("\n")[0].strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model")
    parser.add_argument("source", choices=("fp32-file", "bf16-file"))
    args = parser.parse_args()
    ready = ready_folder(args.model)
    folder = ready if args.source == "fp32-file" else narrow_copy(ready, torch.bfloat16)
    start = time.perf_counter()
    _, model = load_ready(folder, torch.bfloat16)
    print(f"{args.source}: load {time.perf_counter() - start:.1f} s, resident {resident()}")
    start = time.perf_counter()
    with torch.inference_mode():
        model(input_ids=torch.tensor([list(range(1000, 1300))]), logits_to_keep=1)
    print(f"300-token prompt {time.perf_counter() - start:.1f} s, resident {resident()}")


if __name__ == "__main__":
    main()
