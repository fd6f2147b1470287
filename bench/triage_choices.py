"""How triage's classifier was chosen: each choice against the chosen one, on a labelled CSV.

    python -m bench.triage_choices --csv ../shared/data/teddy2020-messages.csv \\
        --text-col 留言主题,留言详情 --label-col 一级分类 [--folds 5] [--seeds 5]

For each variant — the chosen classifier (genxi.triage.classifier.Options()) and one change at a
time — stratified K-fold cross-validation with seeds 0..S−1 (the shuffles differ, the variants
share them), macro-F1 per seed and the mean. The word-segmentation variant needs jieba
(`pip install jieba`), which Genxi does not depend on; without it that row is skipped.
"""

import argparse
import csv
import dataclasses
import statistics
import time
from pathlib import Path
from typing import Any

from genxi.triage.classifier import Options, cross_validate

VARIANTS: list[tuple[str, dict[str, Any]]] = [
    ("chosen: char 1-2-grams, two fields, sublinear tf, balanced", {}),
    ("character 1-3-grams", {"ngram_max": 3}),
    ("character 1-grams", {"ngram_max": 1}),
    ("one joined text", {"fields": False}),
    ("raw term counts", {"sublinear_tf": False}),
    ("unbalanced class weights", {"balanced": False}),
    ("min_df 1", {"min_df": 1}),
    ("jieba words (1-grams)", {"words": True, "ngram_max": 1}),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", required=True, type=Path)
    parser.add_argument("--text-col", required=True)
    parser.add_argument("--label-col", required=True)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    if not args.csv.exists():
        raise SystemExit(f"{args.csv}: no such file (the reference data is not in the project)")
    with args.csv.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    columns = [c.strip() for c in args.text_col.split(",")]
    titles = [r[columns[0]] or "" for r in rows]
    details = [(r[columns[1]] or "") if len(columns) > 1 else "" for r in rows]
    labels = [r[args.label_col].strip() for r in rows]
    seeds = f"seeds 0..{args.seeds - 1}"
    print(f"{len(rows)} rows, {len(set(labels))} classes, {args.folds} folds, {seeds}")
    for name, change in VARIANTS:
        if change.get("words"):
            try:
                import jieba  # type: ignore[import-not-found]  # noqa: F401
            except ImportError:
                print(f"{name:60s} skipped: jieba is not installed")
                continue
        options = dataclasses.replace(Options(), **change)
        started = time.perf_counter()
        scores = [
            cross_validate(
                titles, details, labels, folds=args.folds, seed=s, options=options
            ).macro_f1
            for s in range(args.seeds)
        ]
        print(
            f"{name:60s} "
            + " ".join(f"{v:.3f}" for v in scores)
            + f"  mean {statistics.mean(scores):.3f}  ({time.perf_counter() - started:.0f} s)",
            flush=True,
        )


if __name__ == "__main__":
    main()
