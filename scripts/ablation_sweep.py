"""The measured ablation of notebook 07 and the heads sweep of notebook 06 (issue 17).

    python scripts/ablation_sweep.py --threads 1 --install          # both tables, about 35 min on 1 thread
    python scripts/ablation_sweep.py --part heads --threads 1 --install
    python scripts/ablation_sweep.py --steps 20 --seeds 0 --out /tmp/ablation   # a smoke run

Every run uses workshop_utils.ablation.ABLATION_RECIPE: the 4,096-token corpus tokenizer, the
same steps, batches and learning-rate schedule, scored in bits/char on the first 32,768 tokens
of the validation split. The ladder (`ABLATION_VARIANTS`) goes from a bigram to the GPT-2 block;
the heads sweep trains the GPT itself (2 blocks of width 64) with 1 to 16 heads, an equal
parameter count. Tables land in runs/ablation/ and, with --install, in data/results/
(architecture-ablation.json, heads-sweep.json) only once the whole table has finished. A rerun
into the same folder with the same recipe keeps the runs it finds there and trains only the missing
ones (a new rung, or what an interruption left out).
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from dataclasses import replace
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from workshop_utils.ablation import ABLATION_VARIANTS, HEADS, summarise, train_heads, train_variant  # noqa: E402
from workshop_utils.recipes import ABLATION_RECIPE, recipe_dict  # noqa: E402
from workshop_utils.paths import DATA_DIR, PROJECT_ROOT  # noqa: E402
from workshop_utils.pretrain import machine_description  # noqa: E402
from workshop_utils.text import encode_corpus, train_corpus_tokenizer  # noqa: E402

FILES = {"ladder": "architecture-ablation.json", "heads": "heads-sweep.json"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--part", choices=["ladder", "heads", "all"], default="all")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument("--steps", type=int, default=None, help="override the recipe's steps (smoke runs only)")
    parser.add_argument("--seeds", type=int, nargs="+", default=None)
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "runs" / "ablation")
    parser.add_argument("--install", action="store_true", help="copy the finished tables into data/results/")
    args = parser.parse_args()
    if args.install and (args.steps is not None or args.seeds is not None):
        parser.error("--install ships the recipe's own table: drop --steps and --seeds")
    torch.set_num_threads(args.threads)
    recipe = ABLATION_RECIPE
    if args.steps is not None:
        recipe = replace(recipe, steps=args.steps, warmup_steps=min(recipe.warmup_steps, args.steps))
    if args.seeds is not None:
        recipe = replace(recipe, seeds=tuple(args.seeds))
    tokenizer = train_corpus_tokenizer(recipe.vocab_size)
    train_ids, val_ids = encode_corpus(tokenizer, "train"), encode_corpus(tokenizer, "val")
    args.out.mkdir(parents=True, exist_ok=True)
    parts = ["ladder", "heads"] if args.part == "all" else [args.part]
    for part in parts:
        table = {"command": "python scripts/ablation_sweep.py " + " ".join(sys.argv[1:]),
                 "machine": machine_description(torch.device("cpu")), "threads": args.threads,
                 "recipe": recipe_dict(recipe), "runs": []}
        if part == "heads":
            table["model"] = "GPT, 2 blocks, n_embd 64 (parameters do not depend on the number of heads)"
        jobs = ([(v, s) for v in ABLATION_VARIANTS for s in recipe.seeds] if part == "ladder"
                else [(h, s) for h in HEADS for s in recipe.seeds])
        key = "variant" if part == "ladder" else "n_head"
        name_of = (lambda item: item.name) if part == "ladder" else (lambda item: item)
        order = {(name_of(item), seed): i for i, (item, seed) in enumerate(jobs)}
        earlier = args.out / FILES[part]  # a table of the same recipe: keep its runs, run only what it lacks
        if earlier.is_file():
            previous = json.loads(earlier.read_text())
            if previous.get("recipe") == table["recipe"]:
                table["runs"] = [r for r in previous["runs"] if (r[key], r["seed"]) in order]
                table["command"] = previous["command"] + "; " + table["command"]
        done = {(r[key], r["seed"]) for r in table["runs"]}
        for item, seed in jobs:
            if (name_of(item), seed) in done:
                continue
            started = time.time()
            if part == "ladder":
                run = train_variant(item, train_ids, val_ids, tokenizer, recipe, seed)
            else:
                run = train_heads(item, train_ids, val_ids, tokenizer, recipe, seed)
            table["runs"].append(run)
            table["runs"].sort(key=lambda r: order[(r[key], r["seed"])])  # ladder (or heads) order, then seed
            table["summary"] = summarise(table["runs"], key)
            (args.out / FILES[part]).write_text(json.dumps(table, indent=1) + "\n")
            print(f"{part} {item if part == 'heads' else item.name!s:>32} seed {seed}: "
                  f"{run['bits_per_char']:.4f} bits/char [{time.time() - started:.0f} s]", flush=True)
        if args.install:
            destination = DATA_DIR / "results" / FILES[part]
            shutil.copyfile(args.out / FILES[part], destination.with_suffix(".tmp"))
            destination.with_suffix(".tmp").replace(destination)
            print(f"installed {destination}", flush=True)


if __name__ == "__main__":
    main()
