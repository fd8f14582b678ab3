"""Every option of gradlab check, bench, train and sweep, with bad values: exit 2, the
option named, no traceback, nothing run.

The options are read from the parsers themselves, so a new option without a validator
(or with one this table does not know) fails here instead of slipping through.
"""

import argparse
import subprocess
import sys

import pytest

from gradlab.cli import build_parser
from tests.helpers import run_main

COMMANDS = ("check", "bench", "train", "sweep")  # verify's options are the lead's (issue 11)

BAD = {
    "positive_int": ["0", "-1", "2.5", "nan", "inf", "1e400", "abc", ""],
    "nonnegative_int": ["-1", "2.5", "nan", "-inf", "1e400", "abc"],
    "positive_finite": ["0", "-1", "nan", "inf", "-inf", "1e400", "abc"],
    "nonnegative_finite": ["-1", "nan", "inf", "1e400", "abc"],
    "at_least": ["0.5", "-1", "0", "nan", "inf", "abc"],
    "_parse_sizes": ["0x5", "5x-1", "5x", "fiftyx100", "5x2.5"],
    "_parse_methods": ["telepathy", "structured,,forward"],
}


def _parsers():
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {name: sub.choices[name] for name in COMMANDS}


def _cases():
    for command, parser in _parsers().items():
        for action in parser._actions:
            if not action.option_strings or action.type is None and action.choices is None:
                continue
            option = action.option_strings[-1] if action.option_strings[0] == "-k" else \
                action.option_strings[0]
            if action.choices is not None:
                yield command, option, "no-such-choice"
                continue
            rule = getattr(action.type, "validator", action.type).__name__
            if rule == "check":  # an output file
                for bad in ("{tmp}/missing/out.{ext}", "{tmp}", ""):
                    yield command, option, bad
                if action.type.validator.formats:
                    yield command, option, "{tmp}/figure.xyz"
                    yield command, option, "{tmp}/figure"
                continue
            assert rule in BAD, f"{command} {option}: no bad values known for {rule}"
            for bad in BAD[rule]:
                yield command, option, bad


CASES = list(_cases())


@pytest.mark.parametrize("command, option, bad", CASES,
                         ids=[f"{c} {o} {b!r}" for c, o, b in CASES])
def test_a_bad_value_exits_2_naming_the_option(tmp_path, command, option, bad):
    value = bad.format(tmp=tmp_path, ext="json" if option == "--json" else "png")
    code, out, err = run_main([command, option, value])
    assert code == 2, (out, err)
    assert f"argument {option}" in err or f"argument -k/{option}" in err, err
    assert "Traceback" not in err and out == ""
    assert not (tmp_path / "missing").exists()


def test_every_option_that_takes_a_value_is_checked():
    # an option without a type= would take any string (or int()'s traceback-free but
    # option-less complaint); only these take free text, checked by the command itself
    free_text = {("check", "--inject"), ("train", "--data")}
    for command, parser in _parsers().items():
        for action in parser._actions:
            takes_value = action.option_strings and action.nargs != 0 and \
                not isinstance(action, argparse._HelpAction)
            if takes_value and (command, action.option_strings[0]) not in free_text:
                assert action.type is not None or action.choices is not None, \
                    (command, action.option_strings)


@pytest.mark.parametrize("argv, named", [
    (["check", "--input-size", "100000000000"], "--input-size 100000000000"),
    (["check", "--hidden-size", "1000000", "--batch", "100000"], "--hidden-size 1000000"),
    (["bench", "--sizes", "10000000000x100"], "--sizes 10000000000x100"),
    (["check", "--inject", "W9:1,1"], "--inject"),
    (["check", "--inject", "W1:1000,1"], "--inject"),
    (["train", "--data", "/nonexistent/mnist"], "--data"),
])
def test_values_refused_after_parsing_still_exit_2_naming_the_option(argv, named):
    code, _, err = run_main(argv)
    assert code == 2 and named in err and "Traceback" not in err, err


def test_a_real_process_prints_no_traceback(tmp_path):
    result = subprocess.run([sys.executable, "-m", "gradlab", "check",
                             "--json", str(tmp_path)], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    result = subprocess.run([sys.executable, "-m", "gradlab", "train", "--seed", "-1"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "argument --seed: must be a non-negative integer" in \
        result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("command", COMMANDS)
def test_help_says_what_is_refused(command, capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args([command, "--help"])
    assert "refused (exit 2" in capsys.readouterr().out
