"""The ``gradlab`` command line: ``gradlab verify | check | train | sweep | bench``.

Each subcommand lives in ``gradlab/commands/<name>.py`` and provides
``register(subparsers)``, which adds its parser and sets ``handler`` to a
function ``run(args) -> int``. Command modules import only the standard
library and NumPy at import time, so ``gradlab --help`` stays fast.

Options are validated while they are parsed (:mod:`gradlab.commands.options`):
a bad value exits 2 naming the option, before anything runs. A gradlab input
error that only shows later (data that does not fit the network, say) also
exits 2 with its message, never with a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys

from . import __version__
from .errors import GradlabError

COMMANDS = ("verify", "check", "train", "sweep", "bench")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gradlab",
        description="Check NumPy gradients against a JAX float64 oracle, "
        "the way chapter 4 of 'Deep Learning from Scratch' computes them.",
    )
    parser.add_argument("--version", action="version", version=f"gradlab {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        if importlib.util.find_spec(f"gradlab.commands.{name}") is not None:
            importlib.import_module(f"gradlab.commands.{name}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status (0 ok, 1 check failed, 2 usage)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "handler", None) is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.handler(args))
    except GradlabError as exc:
        print(f"gradlab {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
