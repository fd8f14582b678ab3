"""Discovery (the judge's side): every definition of a book name, its kind, signature,
location and role, without running any of the target's code."""

from __future__ import annotations

import sys

import pytest

from gradlab.conformance.loading import Definition, Discovery, Param, discover
from tests.loading_support import LEARNERS, roles, write

NAIVE = "import numpy as np\n\ndef softmax(a):\n    e = np.exp(a)\n    return e / np.sum(e)\n"
STABLE = ("import numpy as np\n\ndef softmax(a):\n    a = a - a.max(axis=-1, keepdims=True)\n"
          "    return np.exp(a) / np.exp(a).sum(axis=-1, keepdims=True)\n")
CE_ONE = ("import numpy as np\n\ndef cross_entropy_error(y, t):\n    delta = 1e-7\n"
          "    return -np.sum(t * np.log(y + delta))\n")
CE_BATCH = ("import numpy as np\n\ndef cross_entropy_error(y, t):\n"
            "    return -np.sum(t * np.log(y + 1e-7)) / y.shape[0]\n")


def test_chapter_folders_take_the_headline_from_what_the_networks_import():
    plan = discover("dir", str(LEARNERS / "chapters"))
    found = roles(plan)
    # ch04/two_layer_net.py does `from functions import cross_entropy_error` (ch04/functions.py)
    # although common/functions.py has one too (used by a layer class, not by a network)
    assert found["cross_entropy_error"] == [("ch04/functions.py:9", "headline"),
                                            ("common/functions.py:18", "alternative"),
                                            ("ch04/loss_demo.py:5", "progression")]
    head = plan.headline("cross_entropy_error")
    assert head.note.startswith("used by TwoLayerNet in ch04/two_layer_net.py:")
    assert "ch04/two_layer_net.py:6" in head.used_by  # the import line
    assert "§4.2.2" in plan.of("cross_entropy_error")[2].note
    assert found["softmax"] == [("common/functions.py:13", "headline"),
                                ("ch03/naiveSoftmax.py:5", "progression")]
    assert "§3.5.1" in plan.of("softmax")[1].note
    assert found["step_function"] == [("common/functions.py:5", "headline"),
                                      ("ch03/step_function.py:5", "progression")]
    assert "§3.2.2" in plan.of("step_function")[1].note
    assert found["numerical_gradient"] == [("common/gradient.py:5", "headline")]
    assert plan.problems == ()


def test_each_chapter_keeps_its_own_network_and_the_layer_classes_are_not_functions():
    plan = discover("dir", str(LEARNERS / "chapters"))
    nets = plan.of("TwoLayerNet")
    assert [(d.relpath, d.kind) for d in nets] == [("ch05/two_layer_net.py", "class"),
                                                    ("ch04/two_layer_net.py", "class")]
    assert "imported by ch04/train_neuralnet.py:6" in nets[1].note
    assert "imported by ch05/train_neuralnet.py:4" in nets[0].note
    assert plan.headline("Relu").kind == "class" and plan.headline("relu") is None
    assert [d.name for d in plan.definitions if d.relpath == "common/layers.py"] == \
        ["Relu", "Affine", "SoftmaxWithLoss"]
    assert str(LEARNERS / "chapters" / "ch05" / "two_layer_net.py") in plan.files


@pytest.mark.parametrize("naive, stable", [("a_naive.py", "z_stable.py"),
                                           ("z_naive.py", "a_stable.py"),
                                           ("naiveSoftmax.py", "softmax.py")])
def test_unused_definitions_are_chosen_by_completeness_never_by_file_name(tmp_path, naive,
                                                                          stable):
    write(tmp_path, {naive: NAIVE, stable: STABLE})
    plan = discover("dir", str(tmp_path))
    assert roles(plan)["softmax"] == [(f"{stable}:3", "headline"), (f"{naive}:3", "progression")]
    assert "the more complete version" in plan.headline("softmax").note


def test_a_naive_softmax_file_does_not_beat_the_one_the_network_uses():
    plan = discover("dir", str(LEARNERS / "flat_camel"))  # simpleNet: import softmax as sm
    assert roles(plan)["softmax"] == [("softmax.py:5", "headline"),
                                      ("naiveSoftmax.py:5", "progression")]
    assert plan.headline("softmax").note == "used by simpleNet in simpleNet.py:15"


def test_a_renamed_import_in_a_chapter_folder_beats_common(tmp_path):
    write(tmp_path, {
        "common/__init__.py": "",
        "common/loss.py": CE_BATCH,
        "chapter4/my_losses.py": CE_BATCH,
        "chapter4/net.py": "import sys, os\nsys.path.append(os.pardir)\n"
                           "from my_losses import cross_entropy_error as cee\n"
                           "from common.loss import *\n\n"
                           "class Net:\n    def loss(self, y, t):\n        return cee(y, t)\n"})
    plan = discover("dir", str(tmp_path))
    assert roles(plan)["cross_entropy_error"] == [("chapter4/my_losses.py:3", "headline"),
                                                  ("common/loss.py:3", "alternative")]
    assert plan.headline("cross_entropy_error").note.startswith("used by Net in chapter4/net.py")


def test_module_aliases_attribute_chains_and_relative_imports_are_followed():
    plan = discover("dir", str(LEARNERS / "src_packages"))
    # import dlfs.functions as F; F.softmax(...) / from ..gradient import numerical_gradient
    for name in ("sigmoid", "softmax", "cross_entropy_error", "numerical_gradient"):
        assert plan.headline(name).note.startswith("used by TwoLayerNet in "
                                                   "src/dlfs/nets/two_layer.py:"), name
    assert "scripts/train.py:6" in plan.headline("TwoLayerNet").used_by
    plan = discover("dir", str(LEARNERS / "all_packages"))
    # import common.functions; common.functions.softmax(...)
    assert plan.headline("softmax").note == "used by SimpleNet in ch04/simple_net.py:16"


def test_a_class_is_never_a_function_nor_a_function_a_class(tmp_path):
    write(tmp_path, {
        "layers.py": "class Relu:\n    pass\n\nclass Sigmoid:\n    pass\n\nclass softmax:\n"
                     "    pass\n",
        "funcs.py": "def relu(x):\n    return x\n\ndef sigmoid(x):\n    return x\n\n"
                    "def TwoLayerNet(x):\n    return x\n"})
    plan = discover("dir", str(tmp_path))
    kinds = {d.name: (d.kind, d.where()) for d in plan.definitions}
    assert kinds == {"relu": ("function", "funcs.py:1"), "sigmoid": ("function", "funcs.py:4"),
                     "Relu": ("class", "layers.py:1"), "Sigmoid": ("class", "layers.py:4")}


def test_camel_case_spellings_are_mapped_within_their_kind():
    plan = discover("dir", str(LEARNERS / "flat_camel"))
    spelled = {d.name: (d.alias, d.kind) for d in plan.definitions if d.role == "headline"}
    assert spelled["step_function"] == ("stepFunction", "function")
    assert spelled["sigmoid"] == ("Sigmoid", "function")  # a function, whatever its case
    assert spelled["relu"] == ("ReLU", "function")
    assert spelled["cross_entropy_error"] == ("crossEntropyError", "function")
    assert spelled["gradient_descent"] == ("gradientDescent", "function")
    assert spelled["SimpleNet"] == ("simpleNet", "class")
    assert "Relu" not in spelled


def test_signatures_methods_and_names_are_read_from_the_source():
    plan = discover("dir", str(LEARNERS / "flat_camel"))
    descent = plan.headline("gradient_descent")
    assert descent.params == (Param("f", "positional_or_keyword"),
                              Param("initX", "positional_or_keyword"),
                              Param("learningRate", "positional_or_keyword", "0.01"),
                              Param("stepNum", "positional_or_keyword", "100"))
    assert plan.headline("numerical_diff").params[-1] == Param("h", "positional_or_keyword",
                                                               "1e-4")
    net = plan.headline("SimpleNet")
    assert [(m.name, m.line, [p.name for p in m.params]) for m in net.methods] == [
        ("__init__", 8, []), ("predict", 11, ["x"]), ("loss", 14, ["x", "t"])]
    assert net.params == () and {"softmax", "crossEntropyError", "W"} <= net.names
    assert {"reshape", "log", "ndim"} <= plan.headline("cross_entropy_error").names


def test_keyword_only_varargs_and_static_methods(tmp_path):
    write(tmp_path, {"net.py": "class TwoLayerNet:\n"
                               "    def __init__(self, sizes, *args, seed=None, **kw):\n"
                               "        pass\n\n    @staticmethod\n"
                               "    def loss(x, t, /, delta=1e-7):\n        pass\n"})
    net = discover("dir", str(tmp_path)).headline("TwoLayerNet")
    assert [(p.name, p.kind, p.default) for p in net.params] == [
        ("sizes", "positional_or_keyword", None), ("args", "var_positional", None),
        ("seed", "keyword_only", "None"), ("kw", "var_keyword", None)]
    assert [(p.name, p.kind) for p in net.methods[1].params] == [
        ("x", "positional_only"), ("t", "positional_only"), ("delta", "positional_or_keyword")]


def test_a_name_defined_twice_in_one_file_gives_two_definitions(tmp_path):
    write(tmp_path, {"losses.py": CE_ONE + "\n\n" + CE_BATCH.replace("import numpy as np\n", ""),
                     "net.py": "from losses import cross_entropy_error\n\nclass Net:\n"
                               "    def loss(self, y, t):\n"
                               "        return cross_entropy_error(y, t)\n"})
    plan = discover("dir", str(tmp_path))
    assert roles(plan)["cross_entropy_error"] == [("losses.py:9", "headline"),
                                                  ("losses.py:3", "progression")]
    assert [d.id for d in plan.of("cross_entropy_error")] == ["losses.py:9", "losses.py:3"]
    write(tmp_path, {"losses.py": CE_BATCH + "\n\n" + CE_BATCH.replace("import numpy as np\n",
                                                                       "")})
    plan = discover("dir", str(tmp_path))
    assert roles(plan)["cross_entropy_error"] == [("losses.py:8", "headline"),
                                                  ("losses.py:3", "alternative")]
    assert "Python keeps the last one" in plan.of("cross_entropy_error")[1].note


def test_aliases_and_lambdas_are_definitions(tmp_path):
    write(tmp_path, {
        "grad.py": "import numpy as np\n\ndef numerical_gradient_nd(f, x):\n"
                   "    return np.zeros_like(x)\n\nnumerical_gradient = numerical_gradient_nd\n"
                   "function_2 = lambda x: x[0] ** 2 + x[1] ** 2\n",
        "fast.py": "from scipy.special import softmax as scipy_softmax\n"
                   "softmax = scipy_softmax\n"
                   "def mean_squared_error(y, t):\n    return 0.5 * ((y - t) ** 2).sum()\n"
                   "sum_squared_error = mean_squared_error\n"})
    plan = discover("dir", str(tmp_path))
    grads = plan.of("numerical_gradient")  # the alias names the same function: one definition
    assert [(d.where(), d.alias, d.kind) for d in grads] == [
        ("grad.py:3", "numerical_gradient_nd", "function")]
    f2 = plan.headline("function_2")
    assert (f2.kind, f2.line, [p.name for p in f2.params]) == ("function", 7, ["x"])
    assert f2.refers_to.startswith("lambda x:")
    alias = plan.headline("softmax")
    assert (alias.kind, alias.refers_to, alias.where()) == ("alias", "scipy_softmax", "fast.py:2")
    assert [d.alias for d in plan.of("mean_squared_error")] == ["mean_squared_error"]


@pytest.mark.parametrize("files, name, note", [
    ({"ch03/softmax.py": NAIVE}, "softmax", "only definition"),
    ({"ch04/loss.py": CE_ONE}, "cross_entropy_error", "only definition"),
    ({"a.py": NAIVE, "b.py": NAIVE}, "softmax", "of 2 definitions"),
])
def test_an_early_version_with_nothing_better_is_the_headline(tmp_path, files, name, note):
    write(tmp_path, files)
    plan = discover("dir", str(tmp_path))
    assert [d.role for d in plan.of(name)] == ["headline"] + ["alternative"] * (len(files) - 1)
    assert note in plan.headline(name).note


def test_the_books_bad_numerical_diff_and_1d_gradient_are_progression(tmp_path):
    write(tmp_path, {"ch04/gradient_1d.py": (
        "def numerical_diff(f, x):\n    h = 10e-50\n    return (f(x + h) - f(x)) / h\n\n"
        "def numerical_diff(f, x):\n    h = 1e-4\n    return (f(x + h) - f(x - h)) / (2 * h)\n"),
        "ch04/gradient_2d.py": (
        "import numpy as np\n\ndef numerical_gradient(f, x):\n    grad = np.zeros_like(x)\n"
        "    for idx in range(x.size):\n        grad[idx] = f(x)\n    return grad\n"),
        "common/gradient.py": (
        "import numpy as np\n\ndef numerical_gradient(f, x):\n    grad = np.zeros_like(x)\n"
        "    for idx in np.ndindex(x.shape):\n        grad[idx] = f(x)\n    return grad\n")})
    plan = discover("dir", str(tmp_path))
    assert roles(plan)["numerical_diff"] == [("ch04/gradient_1d.py:5", "headline"),
                                             ("ch04/gradient_1d.py:1", "progression")]
    assert "§4.3.1" in plan.of("numerical_diff")[1].note
    assert roles(plan)["numerical_gradient"] == [("common/gradient.py:3", "headline"),
                                                 ("ch04/gradient_2d.py:3", "progression")]


def test_later_sections_win_among_equals_by_number_not_by_spelling(tmp_path):
    body = "def sigmoid(x):\n    return x\n"
    write(tmp_path, {"chapter3/act.py": body, "chapter10/act.py": body, "ch4/act.py": body})
    plan = discover("dir", str(tmp_path))
    assert [d.relpath for d in plan.of("sigmoid")] == ["chapter10/act.py", "ch4/act.py",
                                                        "chapter3/act.py"]
    assert "a later section" in plan.headline("sigmoid").note


def test_a_file_target_holds_what_its_namespace_holds():
    target = LEARNERS / "chapters" / "ch04" / "two_layer_net.py"
    plan = discover("file", str(target))
    heads = {d.name: d.where() for d in plan.definitions if d.role == "headline"}
    assert heads == {"sigmoid": "../common/functions.py:9",
                     "softmax": "../common/functions.py:13",
                     "cross_entropy_error": "functions.py:9",
                     "numerical_gradient": "../common/gradient.py:5",
                     "TwoLayerNet": "two_layer_net.py:10"}
    assert plan.files == (str(target),) and plan.root == str(target.parent)


def test_a_chapter_folder_target_follows_its_imports_out_to_common():
    plan = discover("dir", str(LEARNERS / "chapters" / "ch04"))
    assert roles(plan)["softmax"] == [("../common/functions.py:13", "headline")]
    assert roles(plan)["cross_entropy_error"] == [("functions.py:9", "headline"),
                                                  ("loss_demo.py:5", "progression")]
    assert "step_function" not in roles(plan)  # common/ is read only where ch04 imports it
    assert str(LEARNERS / "chapters" / "common" / "gradient.py") in plan.files


def test_discovery_runs_and_imports_nothing(tmp_path):
    marker = tmp_path / "ran"
    write(tmp_path, {"learner/sneaky.py": (
        f"open({str(marker)!r}, 'w').write('module')\n"
        f"import never_imported_module_xyz\n"
        f"class TwoLayerNet:\n    open({str(marker)!r}, 'w').write('class body')\n\n"
        f"def softmax(x, default=open({str(marker)!r}, 'w')):\n    return x\n")})
    before = set(sys.modules)
    plan = discover("dir", str(tmp_path / "learner"))
    assert {d.name for d in plan.definitions} == {"softmax", "TwoLayerNet"}
    assert not marker.exists() and set(sys.modules) == before


def test_the_plan_crosses_a_process_boundary_as_json():
    plan = discover("dir", str(LEARNERS / "chapters"))
    assert Discovery.from_json(plan.to_json()) == plan
    data = plan.definitions[0].to_json()
    for field, bad, says in [("role", "boss", "role"), ("line", "3", "line"),
                             ("line", True, "line"), ("params", [{"name": "x"}], "kind"),
                             ("names", [1], "names")]:
        with pytest.raises(ValueError, match=says):
            Definition.from_json({**data, field: bad})
    with pytest.raises(ValueError, match="missing field 'id'"):
        Definition.from_json({k: v for k, v in data.items() if k != "id"})
    with pytest.raises(ValueError, match="expected a JSON object"):
        Discovery.from_json([])


def test_a_missing_target_is_one_error(tmp_path):
    plan = discover("dir", str(tmp_path / "nowhere"))
    assert [(p.severity, p.message) for p in plan.problems] == [
        ("error", "no such file or directory")]
    with pytest.raises(ValueError, match="kind must be"):
        discover("folder", str(tmp_path))


def test_an_early_version_a_network_still_uses_is_an_alternative_that_says_so(tmp_path):
    write(tmp_path, {"ch3/softmax_function.py": STABLE.replace("axis=-1, keepdims=True", ""),
                     "common/functions.py": STABLE,
                     "ch4/simple_net.py": "import sys, os\nsys.path.append(os.pardir)\n"
                                          "from ch3.softmax_function import softmax\n\n"
                                          "class SimpleNet:\n    def loss(self, x):\n"
                                          "        return softmax(x)\n",
                     "ch4/two_layer_net.py": "import sys, os\nsys.path.append(os.pardir)\n"
                                             "from common.functions import softmax\n\n"
                                             "class TwoLayerNet:\n    def predict(self, x):\n"
                                             "        return softmax(x)\n",
                     "ch3/__init__.py": ""})
    plan = discover("dir", str(tmp_path))
    head, used = plan.of("softmax")
    assert (head.relpath, used.relpath, used.role) == ("common/functions.py",
                                                       "ch3/softmax_function.py", "alternative")
    assert used.note.startswith("used by SimpleNet in ch4/simple_net.py:7 (and 1 other place(s)): "
                                "§3.5.2's softmax")


def test_private_helpers_are_not_taken_for_book_names(tmp_path):
    write(tmp_path, {"helpers.py": "def _step(x):\n    return x\n\ndef _softmax(x):\n"
                                   "    return x\n\ndef _numerical_gradient_no_batch(f, x):\n"
                                   "    return x\n\ndef Cross_Entropy_Error(y, t):\n"
                                   "    return y\n"})
    plan = discover("dir", str(tmp_path))
    assert [(d.name, d.alias) for d in plan.definitions] == [
        ("cross_entropy_error", "Cross_Entropy_Error"),
        ("numerical_gradient_1d", "_numerical_gradient_no_batch")]  # the book's own spelling
