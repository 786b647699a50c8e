"""`make perf`: the machine, its fp32 matmul peak, training throughput, and the live preset's result.

    python scripts/perf.py                    # peak, throughput, live preset (about 2 minutes)
    python scripts/perf.py --budget 132       # also: live model trained for 132 s (time budget)
    python scripts/perf.py --skip-live        # peak and throughput only
    python scripts/perf.py --optimizers       # also: AdamW for-loop vs foreach vs fused, ms per step

Achieved FLOP/s uses Kaplan et al. (2020): training FLOPs per token = 6 N + 6 n_layer n_ctx d_model
(workshop_utils/compute.py says which weights N counts). Timings are wall-clock: run on an
otherwise idle machine.
"""
from __future__ import annotations

import argparse
import functools
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from workshop_utils.compute import matmul_peak, training_flops_per_token  # noqa: E402
from workshop_utils.model import GPT  # noqa: E402
from workshop_utils.pretrain import machine_description, run_pretraining  # noqa: E402
from workshop_utils.recipes import PRESETS  # noqa: E402
from workshop_utils.text import encode_corpus, train_corpus_tokenizer  # noqa: E402
from workshop_utils.train import Trainer  # noqa: E402


@functools.lru_cache(maxsize=None)
def corpus_ids(vocab_size: int) -> torch.Tensor:
    """The training split's token ids with the corpus tokenizer of this size (made once per run)."""
    return encode_corpus(train_corpus_tokenizer(vocab_size), "train")


def training_throughput(preset: str = "live", steps: int = 30, warmup: int = 5,
                        optimizer: dict | None = None) -> tuple[float, GPT]:
    """Tokens per second of the preset's training steps (data already tokenized).

    optimizer: keyword arguments for torch.optim.AdamW that replace the Trainer's choice
    (e.g. {"foreach": True} or {"fused": True}), same parameter groups."""
    recipe = PRESETS[preset]
    train_ids = corpus_ids(recipe.vocab_size)
    torch.manual_seed(0)
    model = GPT(recipe.model)
    trainer = Trainer(model, train_ids, train_ids[:10000], recipe.train)
    if optimizer is not None:
        groups = [{"params": g["params"], "weight_decay": g["weight_decay"]} for g in trainer.optimizer.param_groups]
        trainer.optimizer = torch.optim.AdamW(groups, lr=recipe.train.learning_rate,
                                              betas=(recipe.train.beta1, recipe.train.beta2), **optimizer)
    for _ in range(warmup):
        trainer.train_step(recipe.train.learning_rate)
    start = time.perf_counter()
    for _ in range(steps):
        trainer.train_step(recipe.train.learning_rate)
    seconds = time.perf_counter() - start
    return steps * recipe.train.batch_size * recipe.model.block_size / seconds, model


OPTIMIZERS = {"for-loop": {"foreach": False}, "foreach": {"foreach": True}, "fused": {"fused": True}}


def compare_optimizers(rounds: int = 3) -> dict[str, dict[str, float]]:
    """Tokens/s of each AdamW implementation on both presets: rounds interleaved, the median kept
    (interleaving spreads any other load on the machine over all three alike)."""
    results = {}
    for preset in ("live", "shipped"):
        runs = {name: [] for name in OPTIMIZERS}
        for _ in range(rounds):
            for name, options in OPTIMIZERS.items():
                runs[name].append(training_throughput(preset, steps=20, optimizer=options)[0])
        results[preset] = {name: sorted(values)[len(values) // 2] for name, values in runs.items()}
        base = results[preset]["for-loop"]
        print(f"optimizer    {preset}: " + ", ".join(f"{name} {value:,.0f} tokens/s ({value / base:.2f}x)"
                                                  for name, value in results[preset].items()))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--budget", type=float, help="also train the live model for this many seconds")
    parser.add_argument("--skip-live", action="store_true", help="skip the live preset run")
    parser.add_argument("--optimizers", action="store_true",
                        help="compare AdamW implementations (for-loop, foreach, fused) on both presets")
    args = parser.parse_args()
    print(f"machine      {machine_description(torch.device('cpu'))}; torch {torch.__version__}")
    peak = matmul_peak()
    print(f"matmul peak  {peak / 1e9:.1f} GFLOP/s (fp32, 1024x1024 @ 1024x1024, best of 3)")
    for preset in ("live", "shipped"):
        tokens_per_second, model = training_throughput(preset)
        achieved = tokens_per_second * training_flops_per_token(model)
        shape = f"{model.config.n_layer}x{model.config.n_embd}, vocab {model.config.vocab_size}"
        print(f"training     {preset} preset ({shape}, {model.num_parameters():,} parameters): "
              f"{tokens_per_second:,.0f} tokens/s = {achieved / 1e9:.1f} GFLOP/s = {achieved / peak:.0%} "
              f"of the matmul peak (6N + 6 n_layer n_ctx d_model per token, Kaplan et al. 2020)")
    if args.optimizers:
        compare_optimizers()
    runs = [] if args.skip_live else [("live preset", {})]
    if args.budget:
        runs.append((f"{args.budget:.0f} s budget", {"steps": 10**6, "seconds": args.budget}))
    for name, overrides in runs:
        with tempfile.TemporaryDirectory() as folder:
            metrics = run_pretraining("live", out=Path(folder) / "run", progress=False, **overrides)
        print(f"{name:<12} {metrics['step']} steps, {metrics['tokens_seen']:,} tokens in "
              f"{metrics['train_seconds']:.0f} s of training: val {metrics['val_bits_per_char']:.3f} bits/char, "
              f"{metrics['val_loss_nats_per_token']:.3f} nats/token")


if __name__ == "__main__":
    main()
