"""The shipped fine-tuning runs (`make finetune`): what made each fine-tuned file in data/.

  run_instruction_tuning  data/checkpoints/shakespeare-gpt-instruct (INSTRUCT_RECIPE)
  run_lora_genre          data/checkpoints/lora-genre (GENRE_RECIPE)
  label_budget_curve      data/results/genre-label-budget.json (CURVE_RECIPE)
  lora_vs_full            data/results/lora-vs-full.json (FULL_RECIPE and GENRE_RECIPE, three seeds)

Each writes into a run folder; `python -m workshop_utils finetune --install` copies a finished
output into data/. The library they use: classifier.py, genres.py, instruct.py, lora.py; the
recipes: recipes.py. load_genre_classifier and load_result read the shipped files back.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

import torch
import torch.nn as nn

from .checkpoint import load_checkpoint, save_checkpoint, weights_fingerprint
from .classifier import BagOfWords, GPTClassifier, accuracy, predict, train_classifier, visible_text
from .genres import LABELS, genre_examples, genre_tensors, training_subset
from .instruct import evaluate_instructions, instruction_examples, train_instructions
from .lora import apply_lora, count_trainable, load_adapter, save_adapter
from .paths import BASE_CHECKPOINT, LORA_GENRE_ADAPTER, RESULTS_DIR, RUNS_DIR
from .recipes import (CURVE_RECIPE, FULL_RECIPE, GENRE_RECIPE, INSTRUCT_RECIPE, CurveRecipe,
                      recipe_dict)
from .runtime import get_device, set_seed

BASE_NAME = "data/checkpoints/shakespeare-gpt"  # how a fine-tuned file names its base


# --- the shipped instruction-tuned checkpoint -------------------------------------------------
def run_instruction_tuning(base: str | None = None, out: str | None = None, progress: bool = True) -> dict:
    """Instruction-tune the base checkpoint (INSTRUCT_RECIPE) and save it as a new checkpoint in `out`
    (a run folder; `python -m workshop_utils finetune --task instruct --install` copies it to data/)."""
    recipe = INSTRUCT_RECIPE
    set_seed(recipe.seed)
    model, tokenizer, _ = load_checkpoint(base or BASE_CHECKPOINT, get_device())
    train = instruction_examples("train", recipe.per_task, recipe.seed, tokenizer=tokenizer)
    held_out = instruction_examples("test", recipe.eval_per_task, recipe.seed, tokenizer=tokenizer)
    losses = train_instructions(model, tokenizer, train, recipe.steps, recipe.batch_size,
                                recipe.lr, recipe.seed, progress)
    report = evaluate_instructions(model, tokenizer, held_out)
    metrics = {"held_out_format": round(report["format"], 4), "held_out_accuracy": round(report["accuracy"], 4),
               "tasks": {t: {k: round(v, 4) for k, v in r.items()} for t, r in report["tasks"].items()},
               "final_loss": round(sum(losses[-20:]) / len(losses[-20:]), 4), "recipe": recipe_dict(recipe)}
    out = out or RUNS_DIR / "finetune" / "shakespeare-gpt-instruct"  # --install copies it to data/
    save_checkpoint(out, model, tokenizer, metrics=metrics,
                    extra_config={"base": BASE_NAME, "template": "alpaca",
                                  "command": "python -m workshop_utils finetune --task instruct"})
    print(f"instruct: held-out format {report['format']:.3f}, accuracy {report['accuracy']:.3f} -> {out}")
    return metrics


# --- the shipped genre classifier (LoRA adapter + head) --------------------------------------
def genre_classifier(gpt: nn.Module, method: str = "full", seed: int = 0) -> GPTClassifier:
    """A fresh genre classifier on a copy of `gpt`, seeded: "full" (every weight trainable) or
    "lora" (GENRE_RECIPE's adapters + the head trainable, everything else frozen)."""
    if method not in ("full", "lora"):
        raise ValueError(f"method must be 'full' or 'lora', got {method!r}")
    torch.manual_seed(seed)  # the head's first weights and LoRA's A
    classifier = GPTClassifier(copy.deepcopy(gpt), n_classes=len(LABELS), pooling=GENRE_RECIPE.pooling)
    if method == "lora":
        apply_lora(classifier, GENRE_RECIPE.lora)
        classifier.head.requires_grad_(True)  # the new head is trained too
    return classifier


def run_lora_genre(base: str | None = None, out: str | None = None, progress: bool = True) -> dict:
    """Train the shipped LoRA genre classifier from the base checkpoint and save its adapter."""
    recipe = GENRE_RECIPE
    gpt, tokenizer, _ = load_checkpoint(base or BASE_CHECKPOINT)
    train = training_subset(genre_examples("train"), recipe.train_per_class)
    test = genre_examples("test")
    classifier = genre_classifier(gpt, "lora", recipe.seed).to(get_device())  # = notebook 11's LoRA run
    train_ids, train_lengths, train_labels = genre_tensors(tokenizer, train, recipe.max_length)
    train_classifier(classifier, train_ids, train_lengths, train_labels, part="lora", steps=recipe.steps,
                     batch_size=recipe.batch_size, lr=recipe.lr, seed=recipe.seed, progress=progress)
    test_ids, test_lengths, test_labels = genre_tensors(tokenizer, test, recipe.max_length)
    test_accuracy = accuracy(predict(classifier, test_ids, test_lengths), test_labels)
    out = out or RUNS_DIR / "finetune" / "lora-genre"  # --install copies it to data/
    metrics = {"test_accuracy": round(test_accuracy, 4), "test_examples": len(test),
               "trainable_parameters": count_trainable(classifier)}
    training = {k: v for k, v in recipe_dict(recipe).items() if k != "lora"}  # the LoRAConfig is stored once
    save_adapter(classifier, out, labels=list(LABELS), base=BASE_NAME, recipe=training,
                 metrics=metrics, command="python -m workshop_utils finetune --task lora-genre")
    print(f"lora-genre: test accuracy {test_accuracy:.3f} on {len(test)} passages -> {out}")
    return metrics


def load_genre_classifier(folder: str | None = None, base: str | None = None) -> tuple[GPTClassifier, object, dict]:
    """(classifier, tokenizer, adapter config): the base checkpoint + the shipped LoRA adapter and head."""
    gpt, tokenizer, _ = load_checkpoint(base or BASE_CHECKPOINT)
    classifier = GPTClassifier(gpt, n_classes=len(LABELS))
    config = load_adapter(classifier, folder or LORA_GENRE_ADAPTER)
    classifier.pooling = config.get("recipe", {}).get("pooling", "last")
    return classifier.eval(), tokenizer, config


def _add_row(rows: list[dict], row: dict, progress: bool) -> None:
    rows.append(row)
    if progress:
        print(row, flush=True)


def _save_result(out: str | None, what: str, task: str, **fields) -> None:
    """Write a result file of data/results/ (JSON) with what it is and the command that makes it."""
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        content = {"what": what, "command": f"python -m workshop_utils finetune --task {task}", **fields}
        partial = Path(out).with_name(Path(out).name + ".partial")
        partial.write_text(json.dumps(content, indent=1) + "\n")
        partial.replace(out)  # atomic: the file is either the old one or the complete new one


def _rows_file(out: str | None) -> Path | None:
    return Path(out).with_name(Path(out).name + ".rows") if out else None


def _save_rows(out: str | None, recipe, gpt: torch.nn.Module, rows: list[dict]) -> None:
    """The rows finished so far, beside `out`, so an interrupted curve resumes where it stopped."""
    if out:
        path = _rows_file(out)
        path.parent.mkdir(parents=True, exist_ok=True)
        content = {"recipe": recipe_dict(recipe), "base_fingerprint": weights_fingerprint(gpt.state_dict()),
                   "rows": rows}
        partial = path.with_name(path.name + ".partial")
        partial.write_text(json.dumps(content, indent=1) + "\n")
        partial.replace(path)


def _finished_rows(out: str | None, recipe, gpt: torch.nn.Module) -> dict[tuple[int, int], dict]:
    """(per_class, seed) -> row, from an earlier run of the same recipe on the same base; else {}."""
    path = _rows_file(out)
    if path is None or not path.is_file():
        return {}
    saved = json.loads(path.read_text())
    if saved.get("recipe") != recipe_dict(recipe) or \
            saved.get("base_fingerprint") != weights_fingerprint(gpt.state_dict()):
        return {}  # another recipe or another base: start again
    return {(row["per_class"], row["seed"]): row for row in saved["rows"]}


def label_budget_curve(base: str | None = None, out: str | None = None, recipe: CurveRecipe = CURVE_RECIPE,
                       progress: bool = True) -> list[dict]:
    """Test accuracy of bag-of-words vs full fine-tuning of the pretrained GPT, per labelled budget.

    For each budget (passages per genre) and seed: the first `budget` passages of each genre of
    genre_examples("train", seed=seed); bag of words and the GPT see the same visible text (what
    fits in max_length tokens). Rows are written to `out` (JSON) when given; the rows finished so far
    are kept beside it (OUT.rows), so a rerun after an interruption trains only the missing ones.
    """
    gpt, tokenizer, _ = load_checkpoint(base or BASE_CHECKPOINT)
    device = get_device()
    test = genre_examples("test")
    test_ids, test_lengths, test_labels = genre_tensors(tokenizer, test, recipe.max_length)
    test_text = visible_text(tokenizer, [e.text for e in test], recipe.max_length)
    done = _finished_rows(out, recipe, gpt)  # a rerun into the same file keeps the rows it has
    rows = []
    for budget in recipe.budgets:
        for seed in recipe.seeds:
            if (budget, seed) in done:
                _add_row(rows, done[budget, seed], progress)
                continue
            train = training_subset(genre_examples("train", seed=seed), budget)
            if len(train) < budget * len(LABELS):
                raise ValueError(f"the train split has fewer than {budget} passages per genre")
            ids, lengths, labels = genre_tensors(tokenizer, train, recipe.max_length)
            bag = BagOfWords().fit(visible_text(tokenizer, [e.text for e in train], recipe.max_length),
                                   labels.tolist(), seed=seed)
            row = {"per_class": budget, "seed": seed, "steps": recipe.steps(len(train)),
                   "bag_of_words": round(accuracy(bag.predict(test_text), test_labels), 4)}
            for pooling in recipe.poolings:
                torch.manual_seed(seed)
                classifier = GPTClassifier(copy.deepcopy(gpt), pooling=pooling).to(device)
                train_classifier(classifier, ids, lengths, labels, part="full", steps=row["steps"],
                                 batch_size=recipe.batch_size, lr=recipe.lr, seed=seed, progress=False)
                row[f"gpt_{pooling}"] = round(accuracy(predict(classifier, test_ids, test_lengths), test_labels), 4)
            _add_row(rows, row, progress)
            _save_rows(out, recipe, gpt, rows)
    _save_result(out, what="test accuracy of genre classification vs labelled passages per genre",
                 task="genre-curve", test_examples=len(test), recipe=recipe_dict(recipe), rows=rows)
    return rows


def lora_vs_full(base: str | None = None, out: str | None = None, seeds: tuple[int, ...] = (0, 1, 2),
                 progress: bool = True) -> list[dict]:
    """Test accuracy of full fine-tuning (FULL_RECIPE) and LoRA (GENRE_RECIPE), seed by seed.

    Same 400 passages per genre and the same test split for both; a seed sets the new head's
    initial weights, LoRA's A matrices and the order of the batches. One run on 249 test passages
    moves by a few points from seed to seed, so a 2-point comparison needs several seeds.
    """
    recipe = GENRE_RECIPE
    gpt, tokenizer, _ = load_checkpoint(base or BASE_CHECKPOINT)
    train = training_subset(genre_examples("train"), recipe.train_per_class)
    ids, lengths, labels = genre_tensors(tokenizer, train, recipe.max_length)
    test_ids, test_lengths, test_labels = genre_tensors(tokenizer, genre_examples("test"), recipe.max_length)
    settings = {method: dict(steps=r.steps, batch_size=r.batch_size, lr=r.lr)
                for method, r in (("full", FULL_RECIPE), ("lora", recipe))}
    rows = []
    for seed in seeds:
        row = {"seed": seed}
        for method in ("full", "lora"):
            classifier = genre_classifier(gpt, method, seed).to(get_device())
            train_classifier(classifier, ids, lengths, labels, part=method, seed=seed, progress=False,
                             **settings[method])
            row[method] = round(accuracy(predict(classifier, test_ids, test_lengths), test_labels), 4)
        _add_row(rows, row, progress)
    _save_result(out, what="genre test accuracy, full fine-tuning vs LoRA, per seed", task="lora-vs-full",
                 full=recipe_dict(FULL_RECIPE), lora=recipe_dict(recipe), rows=rows)
    return rows


def load_result(name: str, path=None) -> dict:
    """A shipped result of data/results/ ("genre-label-budget" or "lora-vs-full"), made by
    `python -m workshop_utils finetune --task genre-curve` / `--task lora-vs-full`."""
    tasks = {"genre-label-budget": "genre-curve", "lora-vs-full": "lora-vs-full"}
    if name not in tasks:
        raise ValueError(f"name must be one of {sorted(tasks)}, got {name!r}")
    path = Path(path or RESULTS_DIR / f"{name}.json")
    if not path.exists():
        raise FileNotFoundError(f"No results at {path}; make them with "
                                f"`python -m workshop_utils finetune --task {tasks[name]}`.")
    return json.loads(path.read_text())


def load_label_budget_curve(path=None) -> dict:
    """The shipped label-budget results (data/results/genre-label-budget.json)."""
    return load_result("genre-label-budget", path)


def load_lora_vs_full(path=None) -> dict:
    """The shipped seed-by-seed LoRA vs full fine-tuning results (data/results/lora-vs-full.json)."""
    return load_result("lora-vs-full", path)


def summarize_curve(rows: list[dict]) -> dict[str, dict[int, tuple[float, float, float]]]:
    """{method: {per_class: (mean, lowest, highest) over seeds}} for every accuracy column."""
    methods = [k for k in rows[0] if k == "bag_of_words" or k.startswith("gpt_")]
    summary: dict[str, dict[int, tuple[float, float, float]]] = {m: {} for m in methods}
    for budget in sorted({r["per_class"] for r in rows}):
        for method in methods:
            values = [r[method] for r in rows if r["per_class"] == budget]
            summary[method][budget] = (sum(values) / len(values), min(values), max(values))
    return summary
