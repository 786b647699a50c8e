"""Command line: `python -m workshop_utils COMMAND` (see --help). All argument parsing lives here.

  python -m workshop_utils doctor
  python -m workshop_utils pretrain --preset live                  # runs/live
  python -m workshop_utils pretrain --preset shipped --install     # runs/shipped, then data/checkpoints/
  python -m workshop_utils pretrain --text my_book.txt             # your own UTF-8 text, runs/live-text
  python -m workshop_utils finetune --task all --install           # runs/finetune, then data/

Every command that trains writes into a run folder (`--out`) first; the shipped files in data/
change only when a run has finished and `--install` was given, and then atomically.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

FINETUNE_TASKS = ("instruct", "lora-genre", "genre-curve", "lora-vs-full")


def build_parser() -> argparse.ArgumentParser:
    from .recipes import PRESETS

    parser = argparse.ArgumentParser(prog="python -m workshop_utils",
                                     description="From Prompt to Product: workshop tools")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("doctor", help="print the environment report")

    pretrain = commands.add_parser("pretrain", help="train a GPT on the corpus (or your own text) "
                                                    "into a run folder (also under torchrun)")
    pretrain.add_argument("--preset", choices=sorted(PRESETS), default="live",
                          help="; ".join(f"{k}: {v.description}" for k, v in PRESETS.items()))
    pretrain.add_argument("--out", help="run folder (default: runs/PRESET, or runs/PRESET-text with --text)")
    pretrain.add_argument("--install", action="store_true",
                          help="when the run has finished, copy it into data/checkpoints/ (--preset shipped)")
    pretrain.add_argument("--text", metavar="FILE", help="train on this UTF-8 text file instead of the "
                                                        "corpus, with its own tokenizer and a 90/10 split")
    pretrain.add_argument("--steps", type=int, help="override the preset's number of steps")
    pretrain.add_argument("--seconds", type=float, help="time budget: stop after this many seconds "
                                                        "(the learning rate decays to fit)")
    pretrain.add_argument("--checkpoint-interval", type=int,
                          help="save the run folder every this many steps (0: only at the end)")
    pretrain.add_argument("--resume", action="store_true", help="continue the run saved in --out "
                                                                "(exactly where it stopped)")
    add_common(pretrain)

    finetune = commands.add_parser("finetune", help="retrain the shipped fine-tuned weights and results "
                                                    "into a run folder")
    finetune.add_argument("--task", choices=(*FINETUNE_TASKS, "all"), default="all",
                          help="what to retrain (default: all)")
    finetune.add_argument("--base", help="base checkpoint folder (default: data/checkpoints/shakespeare-gpt)")
    finetune.add_argument("--out", help="run folder (default: runs/finetune)")
    finetune.add_argument("--install", action="store_true",
                          help="when each task has finished, copy its output into data/")
    add_common(finetune)
    return parser


def add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")


def finetune_outputs(out: Path) -> dict[str, tuple[Path, Path]]:
    """task -> (where the run writes it, where --install puts it)."""
    from .paths import INSTRUCT_CHECKPOINT, LABEL_BUDGET_RESULT, LORA_GENRE_ADAPTER, LORA_VS_FULL_RESULT

    shipped = {"instruct": INSTRUCT_CHECKPOINT, "lora-genre": LORA_GENRE_ADAPTER,
               "genre-curve": LABEL_BUDGET_RESULT, "lora-vs-full": LORA_VS_FULL_RESULT}
    return {task: (out / path.name, path) for task, path in shipped.items()}


def run_finetune(task: str, base: str | None = None, out: str | Path | None = None,
                 install: bool = False, progress: bool = True) -> dict[str, Path]:
    """Run one fine-tuning task (or "all") into the run folder; with `install`, copy each finished
    output into data/ atomically. Returns task -> the path written."""
    from .checkpoint import install as install_output
    from .finetune import label_budget_curve, lora_vs_full, run_instruction_tuning, run_lora_genre
    from .paths import RUNS_DIR

    if task not in (*FINETUNE_TASKS, "all"):
        raise ValueError(f"unknown task {task!r}; choose one of {[*FINETUNE_TASKS, 'all']}")
    outputs = finetune_outputs(Path(out) if out else RUNS_DIR / "finetune")
    runners = {"instruct": lambda path: run_instruction_tuning(base, path, progress),
               "lora-genre": lambda path: run_lora_genre(base, path, progress),
               "genre-curve": lambda path: label_budget_curve(base, out=path, progress=progress),
               "lora-vs-full": lambda path: lora_vs_full(base, out=path, progress=progress)}
    written = {}
    for name in FINETUNE_TASKS if task == "all" else (task,):
        path, shipped = outputs[name]
        runners[name](path)
        if install:
            install_output(path, shipped)
            print(f"{name}: installed {path} -> {shipped}")
        written[name] = shipped if install else path
    return written


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)  # a mistyped flag is an error, never ignored
    if args.command == "doctor":
        from .doctor import print_doctor

        report = print_doctor()
        return 1 if any(v == "MISSING" or str(v).startswith(("MISSING", "ERROR")) for v in report.values()) else 0
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    if args.command == "pretrain":
        from .pretrain import read_text_file, run_pretraining, train_on_text

        if args.text:
            if args.install or args.resume:
                raise SystemExit("--text trains a model of your own: it has no --install (or --resume)")
            train_on_text(read_text_file(args.text), args.preset, args.out, args.seconds, args.steps,
                          progress=not args.no_progress)
            return 0
        run_pretraining(args.preset, args.out, args.steps, args.seconds, progress=not args.no_progress,
                        resume=args.resume, install=args.install,
                        checkpoint_interval=args.checkpoint_interval)
        return 0
    run_finetune(args.task, args.base, args.out, args.install, progress=not args.no_progress)
    return 0


if __name__ == "__main__":
    sys.exit(main())
