"""Files written for a newer Python say which version they need (M3), and ``type X = ...``
is kept, not skipped as a script (M2)."""

from __future__ import annotations

import ast
import sys

import pytest

from gradlab.conformance.loading import discover, load
from gradlab.conformance.loading.safeload import keep
from gradlab.conformance.loading.syntax import newer_syntax
from tests.loading_support import import_state, problems, write  # noqa: F401

RUNNING = ".".join(map(str, sys.version_info[:2]))
CONSTRUCTS = [
    ("type Vector = list[float]", (3, 12), "a `type X = ...` alias statement (PEP 695)"),
    ("def first[T](xs: list[T]) -> T:", (3, 12), "a generic function `def f[T](...)` (PEP 695)"),
    ("class Stack[T]:", (3, 12), "a generic class `class C[T]:` (PEP 695)"),
    ("print(f'{x['key']}')", (3, 12), "an f-string that reuses its quotes, or has a backslash "
                                     "or a comment inside {} (PEP 701)"),
    ("except ValueError, TypeError:", (3, 14), "`except A, B:` without parentheses (PEP 758; "
                                               "or Python 2's `except E, e:`)"),
    ("html = t'<p>{name}</p>'", (3, 14), "a template string t'...' (PEP 750)"),
]


@pytest.mark.parametrize("line, version, what", CONSTRUCTS)
def test_newer_constructs_are_named_with_the_version_they_need(line, version, what):
    msg = "f-string: expecting '}'" if "f'" in line else "invalid syntax"
    exc = SyntaxError(msg, ("f.py", 3, 5, line, 3, 9))
    lines = ["import numpy as np", "", line]
    assert newer_syntax(exc, lines, running=(3, 11)) == (version, what)
    assert newer_syntax(exc, lines, running=version) is None  # that Python reads it


def test_an_ordinary_syntax_error_claims_no_version():
    exc = SyntaxError("expected ':'", ("f.py", 1, 9, "def f(x)", 1, 9))
    assert newer_syntax(exc, ["def f(x)"], running=(3, 11)) is None


@pytest.mark.parametrize("line, version, what", [c for c in CONSTRUCTS
                                                 if c[1] > sys.version_info[:2]])
def test_a_file_for_a_newer_python_says_so_and_the_rest_is_checked(tmp_path, line, version,
                                                                   what):
    body = line + ("\n    pass\n" if line.endswith(":") else "\n")
    if line.startswith("except"):
        body = "try:\n    pass\n" + body
    write(tmp_path, {"modern.py": "import numpy as np\n\ndef relu(x):\n    return x\n\n" + body,
                     "good.py": "def relu(x):\n    return x\n"})
    plan = discover("dir", str(tmp_path))
    major, minor = version
    where = 8 if line.startswith("except") else 6
    assert problems(plan) == {"modern.py": (
        f"needs Python {major}.{minor} or newer: {what} at line {where}; verify runs on "
        f"Python {RUNNING}, which cannot read this file, so its definitions were not checked")}
    assert [d.where() for d in plan.definitions] == ["good.py:1"]


def test_plain_syntax_errors_keep_their_message(tmp_path):
    write(tmp_path, {"py2.py": 'print "hello"\n', "typo.py": "def relu(x)\n    return x\n"})
    found = problems(discover("dir", str(tmp_path)))
    assert found["typo.py"] == "SyntaxError at line 1: expected ':'"
    assert found["py2.py"].startswith("SyntaxError at line 1: Missing parentheses in call to "
                                      "'print'")


def test_a_type_alias_statement_is_kept_not_skipped_as_a_script():
    TypeAlias = type("TypeAlias", (ast.stmt,), {"_fields": ()})  # ast's name for it (3.12+)
    assert keep(TypeAlias(lineno=1, col_offset=0))
    assert not keep(ast.parse("x = np.arange(3)").body[0])


@pytest.mark.skipif(sys.version_info < (3, 12), reason="type statements need Python 3.12")
@pytest.mark.usefixtures("import_state")
def test_a_type_alias_runs_and_the_function_using_it_loads(tmp_path):
    write(tmp_path, {"typed.py": "import numpy as np\ntype Array = np.ndarray\n\n"
                                 "def relu(x: Array) -> Array:\n    return np.maximum(0, x)\n"})
    loaded = load(discover("dir", str(tmp_path)))
    assert loaded.logs[0].skipped == [] and loaded.logs[0].failed == []
    assert loaded.objects["typed.py:4"](-1.0) == 0.0
