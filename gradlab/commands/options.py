"""argparse ``type=`` factories built on gradlab's validators: every option is checked once,
while the command line is parsed, with the library's own rule and wording.

    parser.add_argument("--seed", type=seed("--seed"), default=0)
    parser.add_argument("--timeout", type=number(positive_finite, "--timeout", maximum=3600))
    parser.add_argument("--json", type=output_file("--json", allow_stdout=True))

A bad value makes argparse exit with status 2 and the message
``gradlab CMD: error: argument --seed: must be a non-negative integer, got -1; ...``:
the option is named, nothing has run yet, and there is no traceback. Output files are
checked here too, so that a run of minutes never ends in "cannot write".
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from .._validation import PLOT_FORMATS, nonnegative_int, positive_int, writable_path
from ..errors import GradlabError

__all__ = ["number", "integer", "positive_count", "seed", "output_file", "plot_file"]


def _checked(validator: Callable, option: str, parse: Callable, **limits) -> Callable:
    def convert(text: str):
        try:
            value = parse(text)
        except (ValueError, OverflowError):
            value = text  # the validator refuses it with its own message
        try:
            return validator(value, option, **limits)
        except GradlabError as exc:
            message = str(exc)
            raise argparse.ArgumentTypeError(message.removeprefix(option + " ")) from None

    convert.__name__ = option  # argparse names the type in some messages
    convert.validator = validator  # what the option's values must satisfy (for its tests)
    return convert


def _parse_int(text: str):
    try:
        return int(text)
    except ValueError:
        return float(text)  # "1e3" is a whole number; "2.5" is refused by the validator


def number(validator: Callable, option: str, **limits) -> Callable:
    """A float option checked by ``validator(value, option, **limits)``, e.g.
    ``number(positive_finite, "--timeout", maximum=3600)``: nan, inf and 1e300 are refused."""
    return _checked(validator, option, float, **limits)


def integer(validator: Callable, option: str, **limits) -> Callable:
    """An integer option checked by ``validator`` (``positive_int``, ``nonnegative_int``)."""
    return _checked(validator, option, _parse_int, **limits)


def positive_count(option: str, *, maximum: int | None = None) -> Callable:
    """An integer option >= 1 (sizes, counts, threads)."""
    return integer(positive_int, option, maximum=maximum)


def seed(option: str = "--seed") -> Callable:
    """A seed: an integer >= 0 (what ``numpy.random.default_rng`` accepts)."""
    return integer(nonnegative_int, option)


def output_file(option: str, *, allow_stdout: bool = False, formats=None) -> Callable:
    """A file the command will write: its folder must exist and be writable, it must not
    be a directory; ``-`` means standard output where ``allow_stdout``."""
    def check(value, name):
        return str(writable_path(value, name, allow_stdout=allow_stdout, formats=formats))

    check.formats = formats
    return _checked(check, option, str)


def plot_file(option: str = "--plot") -> Callable:
    """A figure file: writable, with an extension matplotlib writes (.png, .svg, .pdf, ...)."""
    return output_file(option, formats=PLOT_FORMATS)
