"""Command line: `python -m workshop_utils COMMAND` (see --help)."""
from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workshop_utils",
                                     description="From Prompt to Product: workshop tools")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("doctor", help="print the environment report")
    from .pretrain import add_arguments as add_pretrain_arguments

    add_pretrain_arguments(commands.add_parser(
        "pretrain", help="train a GPT on the corpus and save a checkpoint (also under torchrun)"))
    from .instruct import add_arguments as add_finetune_arguments

    add_finetune_arguments(commands.add_parser(
        "finetune", help="retrain the shipped fine-tuned weights (instruction-tuned GPT, LoRA genre adapter)"))
    args, rest = parser.parse_known_args(argv)
    if args.command == "doctor":
        from .runtime import print_doctor

        report = print_doctor()
        return 1 if any(v == "MISSING" or str(v).startswith(("MISSING", "ERROR")) for v in report.values()) else 0
    if args.command == "pretrain":
        from .pretrain import main as pretrain_main

        return pretrain_main(args)
    if args.command == "finetune":
        from .instruct import main as finetune_main

        return finetune_main(args)
    parser.error(f"unknown command {args.command}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
