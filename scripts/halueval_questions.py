"""Write a HaluEval-QA corpus and question file from TRAINING rows, for `ragassist eval rag-corpus`.

    python scripts/halueval_questions.py OUT [--rows 2000] [--seed 0]

OUT/corpus/ gets one text file per knowledge passage of --rows training rows (sampled from rows
0-7999 with --seed) and OUT/questions.jsonl their questions with gold answers. Answers to these
questions are what the assistant-answer fusion profile is fitted on (scripts/fit_answer_verifier.py);
the held-out rows 8000-9999 stay for `ragassist eval rag-halueval`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from ragassist.evaluation import halueval


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--rows", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rows = halueval.load_rows("qa")
    train = list(halueval.rows_of("train"))
    chosen = sorted(np.random.default_rng(args.seed).permutation(train)[: args.rows].tolist())
    corpus = args.out / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    file_of: dict[str, str] = {}
    with (args.out / "questions.jsonl").open("w", encoding="utf-8") as f:
        for i in chosen:
            row = rows[i]
            name = file_of.setdefault(row["knowledge"], f"halueval-qa-{i:05d}.txt")
            (corpus / name).write_text(row["knowledge"], encoding="utf-8")
            item = {"question": row["question"], "answers": [row["right_answer"]], "source": name}
            f.write(json.dumps(item) + "\n")
    print(f"{len(file_of)} passages in {corpus}, {len(chosen)} questions")


if __name__ == "__main__":
    main()
