"""The model-size sweep behind the shipped base (issue 14): a few shapes, the same wall-clock each.

    python scripts/size_sweep.py --seconds 900 --threads 1             # about an hour: 4 shapes x 15 min
    python scripts/size_sweep.py --seconds 900 --threads 1 --install   # ... then data/results/size-sweep.json
    python scripts/size_sweep.py --seconds 20 --shapes 4x128 --out /tmp/sweep   # a smoke run
    python scripts/size_sweep.py --seconds 900 --shapes 4x192 6x128     # more shapes, same table

Every shape trains on the training split with the 4,096-token tokenizer, batch 16, peak learning
rate 3e-3 with a cosine laid out over the time budget (the Trainer's max_seconds), seed 0, and is
scored on the whole validation split in bits/char. The curve (validation-subset loss every 100
steps) is kept so the winner at a longer budget can be extrapolated. Each run lands in
runs/sweep/SHAPE; the table is written to runs/sweep/results.json, and into data/results/ only
when every shape has finished (--install).
"""
from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from workshop_utils.model import GPT, GPTConfig  # noqa: E402
from workshop_utils.paths import DATA_DIR, PROJECT_ROOT  # noqa: E402
from workshop_utils.pretrain import machine_description  # noqa: E402
from workshop_utils.runtime import set_seed  # noqa: E402
from workshop_utils.text import encode_corpus, train_corpus_tokenizer  # noqa: E402
from workshop_utils.train import TrainConfig, Trainer, evaluate_ids  # noqa: E402

VOCAB_SIZE = 4096
# name: (n_layer, n_embd, n_head, block_size, dropout)
SHAPES = {
    "4x128": (4, 128, 4, 128, 0.0),     # today's shipped shape, new tokenizer
    "6x192": (6, 192, 6, 128, 0.1),     # the point measured in issue 14 (2 threads there)
    "6x256": (6, 256, 8, 128, 0.1),
    "8x256-ctx256": (8, 256, 8, 256, 0.1),
    "4x192": (4, 192, 6, 128, 0.1),     # shapes that still fit data/'s 40 MB with snapshots
    "6x128": (6, 128, 4, 128, 0.1),
    "6x128-ctx256": (6, 128, 4, 256, 0.1),  # room for an instruction prompt and a passage
}


def train_shape(name: str, seconds: float, out: Path, train_ids, val_ids, tokenizer) -> dict:
    n_layer, n_embd, n_head, block_size, dropout = SHAPES[name]
    set_seed(0)
    config = GPTConfig(block_size=block_size, vocab_size=VOCAB_SIZE, n_layer=n_layer, n_head=n_head,
                       n_embd=n_embd, dropout=dropout)
    model = GPT(config)
    train_config = TrainConfig(max_steps=10**6, max_seconds=seconds, batch_size=16, learning_rate=3e-3,
                               min_learning_rate=3e-4, warmup_steps=100, eval_interval=100,
                               eval_tokens=16384, log_interval=25)
    trainer = Trainer(model, train_ids, val_ids, train_config, tokenizer)
    trainer.fit(progress=False)
    full = evaluate_ids(model, val_ids, tokenizer)
    subset = evaluate_ids(model, val_ids[: train_config.eval_tokens + 1], tokenizer)
    tokens_per_char = subset["tokens"] / subset["characters"]  # turns subset nats/token into bits/char
    curve = [{"step": r["step"], "tokens": r["tokens"], "seconds": r["elapsed"],
              "val_subset_bits_per_char": round(r["val_loss"] * tokens_per_char / math.log(2), 4)}
             for r in trainer.history if "val_loss" in r]
    metrics = trainer.metrics()
    result = {"shape": name, "n_layer": n_layer, "n_embd": n_embd, "n_head": n_head,
              "block_size": block_size, "dropout": dropout, "parameters": model.num_parameters(),
              "steps": metrics["step"], "tokens_seen": metrics["tokens_seen"],
              "train_seconds": metrics["train_seconds"], "tokens_per_second": metrics["tokens_per_second"],
              "epochs": round(metrics["tokens_seen"] / len(train_ids), 2),
              "val_bits_per_char": round(full["bits_per_char"], 4),
              "val_loss_nats_per_token": round(full["loss_nats_per_token"], 4), "curve": curve}
    trainer.save(out / name, {**metrics, "val_bits_per_char": full["bits_per_char"]}, with_training_state=False)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=900, help="training wall-clock per shape")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument("--shapes", nargs="+", choices=sorted(SHAPES), default=list(SHAPES))
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "runs" / "sweep")
    parser.add_argument("--install", action="store_true", help="copy the finished table into data/results/")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    tokenizer = train_corpus_tokenizer(VOCAB_SIZE)
    train_ids, val_ids = encode_corpus(tokenizer, "train"), encode_corpus(tokenizer, "val")
    table = {"command": "python scripts/size_sweep.py " + " ".join(sys.argv[1:]),
             "machine": machine_description(torch.device("cpu")), "seconds_per_shape": args.seconds,
             "train_tokens": len(train_ids), "val_tokens": len(val_ids), "results": []}
    args.out.mkdir(parents=True, exist_ok=True)
    earlier = args.out / "results.json"  # a run of other shapes into the same folder: keep its rows
    if earlier.is_file():
        previous = json.loads(earlier.read_text())
        if previous.get("seconds_per_shape") == args.seconds and previous.get("train_tokens") == len(train_ids):
            table["results"] = [r for r in previous["results"] if r["shape"] not in args.shapes]
            table["command"] = previous["command"] + "; " + table["command"]
    for name in args.shapes:
        started = time.time()
        result = train_shape(name, args.seconds, args.out, train_ids, val_ids, tokenizer)
        table["results"].append(result)
        (args.out / "results.json").write_text(json.dumps(table, indent=1) + "\n")
        print(f"{name:>13}: {result['parameters']:>9,} parameters, {result['tokens_seen']:>10,} tokens "
              f"({result['epochs']} epochs, {result['tokens_per_second']:,.0f} tokens/s): "
              f"val {result['val_bits_per_char']:.4f} bits/char  [{time.time() - started:.0f} s]", flush=True)
    if args.install:
        destination = DATA_DIR / "results" / "size-sweep.json"
        shutil.copyfile(args.out / "results.json", destination.with_suffix(".tmp"))
        destination.with_suffix(".tmp").replace(destination)
        print(f"installed {destination}")


if __name__ == "__main__":
    main()
