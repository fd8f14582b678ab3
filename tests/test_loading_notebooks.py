"""Jupyter notebooks, as targets and inside folders: code cells under the same rules as .py
files, IPython lines set aside, definitions at ``notebook.ipynb cell N, line M``."""

from __future__ import annotations

import pytest

from gradlab.conformance.loading import discover, load
from gradlab.conformance.loading.notebooks import python_of
from tests.loading_support import LEARNERS, import_state, notebook, problems, roles, write  # noqa: F401

pytestmark = pytest.mark.usefixtures("import_state")
NOTEBOOKS = LEARNERS / "notebooks"


def test_definitions_in_notebooks_are_located_by_cell_and_line():
    plan = discover("dir", str(NOTEBOOKS))
    found = roles(plan)
    assert found["step_function"] == [("ch03.ipynb cell 5, line 1", "headline"),
                                      ("ch03.ipynb cell 3, line 1", "progression")]
    assert found["cross_entropy_error"] == [("ch04.ipynb cell 3, line 1", "headline")]
    assert found["numerical_diff"] == [("ch04.ipynb cell 5, line 2", "headline")]  # in %%time
    assert found["softmax"] == [("functions.py:5", "headline")]
    assert plan.headline("softmax").note.startswith("used by simpleNet in ch04.ipynb cell 6, "
                                                    "line 9")
    assert plan.headline("cross_entropy_error").id == "ch04.ipynb#3:1"
    assert plan.headline("SimpleNet").cell == 6 and plan.problems == ()


def test_notebook_cells_load_in_order_with_ipython_lines_set_aside():
    plan = discover("dir", str(NOTEBOOKS))
    loaded = load(plan)
    assert len(loaded.objects) == len(plan.definitions) == 7
    logs = {log.relpath: log for log in loaded.logs}
    assert logs["ch03.ipynb"].ipython == ["cell 2, line 1: %matplotlib inline",
                                          "cell 6, line 1: !pip install numpy",
                                          "cell 6, line 2: np.maximum?"]
    assert logs["ch04.ipynb"].ipython == ["cell 4, line 1: %%bash cell (not Python): the whole "
                                          "cell", "cell 5, line 1: %%time"]
    assert logs["ch03.ipynb"].skipped == ["cell 3, line 7: step_function(3.0)",
                                          "cell 5, line 5: x = np.arange(-5.0, 5.0, 0.1)",
                                          "cell 5, line 6: plt.plot(x, step_function(x))"]
    assert [f.text() for f in logs["ch03.ipynb"].failed] == []
    array_step = loaded.objects[plan.headline("step_function").id]
    import numpy as np

    assert list(array_step(np.array([-1.0, 2.0]))) == [0, 1]
    net = loaded.objects[plan.headline("SimpleNet").id]()
    assert net.loss(np.array([0.6, 0.9]), np.array([0.0, 0.0, 1.0])) > 0


def test_a_notebook_target_uses_what_it_imports():
    plan = discover("notebook", str(NOTEBOOKS / "ch04.ipynb"))
    assert {d.name: d.where() for d in plan.definitions} == {
        "softmax": "functions.py:5", "cross_entropy_error": "ch04.ipynb cell 3, line 1",
        "numerical_diff": "ch04.ipynb cell 5, line 2", "SimpleNet": "ch04.ipynb cell 6, line 1"}
    loaded = load(plan)
    assert sorted(loaded.objects) == sorted(d.id for d in plan.definitions)


@pytest.mark.parametrize("content, says", [
    ('{"cells": [', "not a valid notebook (JSON error at line 1, column 12"),
    ("[1, 2]", "not a Jupyter notebook (the JSON is not an object)"),
    ('{"cells": 3}', "not a Jupyter notebook (no list of cells)"),
    ('{"cells": [{"cell_type": "code", "source": 7}]}', "cell 1's source is neither text"),
    ('{"cells": ["code"]}', "cell 1 is not an object"),
    (b'{"cells": []}\xff', "not a valid notebook (not UTF-8: byte 0xff"),
    ("[" * 100_000 + "]" * 100_000, "not a valid notebook (nested too deeply"),
])
def test_a_malformed_notebook_is_one_warning(tmp_path, content, says):
    write(tmp_path, {"broken.ipynb": content, "good.ipynb": notebook(
        ("code", "def relu(x):\n    return x\n"))})
    plan = discover("dir", str(tmp_path))
    assert list(problems(plan)) == ["broken.ipynb"] and says in problems(plan)["broken.ipynb"]
    assert [d.where() for d in plan.definitions] == ["good.ipynb cell 1, line 1"]
    assert list(load(plan).objects) == ["good.ipynb#1:1"]


def test_a_cell_that_does_not_parse_loses_that_cell_only(tmp_path):
    write(tmp_path, {"nb.ipynb": notebook(
        ("code", "def sigmoid(x):\n    return x\n"), ("code", "def relu(x)\n    return x\n"),
        ("markdown", "# notes"), ("code", "def softmax(x):\n    return x\n"))})
    plan = discover("dir", str(tmp_path))
    assert problems(plan) == {"nb.ipynb": "cell 2: SyntaxError at line 1: expected ':'; this "
                                          "cell was not checked"}
    assert [d.where() for d in plan.definitions] == ["nb.ipynb cell 1, line 1",
                                                     "nb.ipynb cell 4, line 1"]
    assert len(load(plan).objects) == 2


def test_a_notebook_target_with_a_bad_cell_is_a_warning_not_an_error(tmp_path):
    write(tmp_path, {"nb.ipynb": notebook(("code", "def relu(x)\n"), ("code", "def sigmoid(x):\n"
                                                                            "    return x\n"))})
    plan = discover("notebook", str(tmp_path / "nb.ipynb"))
    assert [p.severity for p in plan.problems] == ["warn"]
    assert [d.where() for d in plan.definitions] == ["nb.ipynb cell 2, line 1"]


def test_nbformat_3_notebooks_are_read(tmp_path):
    write(tmp_path, {"old.ipynb": notebook(("markdown", "old"), ("code", "def relu(x):\n"
                                                                        "    return x\n"),
                                           nbformat=3)})
    plan = discover("notebook", str(tmp_path / "old.ipynb"))
    assert [d.where() for d in plan.definitions] == ["old.ipynb cell 2, line 1"]


def test_ipython_lines_become_pass_where_they_stand():
    text, skipped = python_of("for i in range(3):\n    %time f(i)\nx = !ls\nnp.sum??\n")
    assert text == "for i in range(3):\n    pass\npass\npass"
    assert skipped == ["line 2: %time f(i)", "line 3: x = !ls", "line 4: np.sum??"]
    kept = 'doc = """\n%not a magic inside a string\n"""\n'
    assert python_of(kept) == (kept.rstrip("\n"), [])
    assert python_of("%%writefile x.py\nprint(1)\n") == ("", [
        "line 1: %%writefile cell (not Python): the whole cell"])
