"""Command line: `python -m workshop_utils COMMAND` (see --help)."""
from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workshop_utils",
                                     description="From Prompt to Product: workshop tools")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("doctor", help="print the environment report")
    args, rest = parser.parse_known_args(argv)
    if args.command == "doctor":
        from .runtime import print_doctor

        report = print_doctor()
        return 1 if any(v == "MISSING" or str(v).startswith(("MISSING", "ERROR")) for v in report.values()) else 0
    parser.error(f"unknown command {args.command}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
