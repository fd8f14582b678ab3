"""gradlab._validation: every rule's message, word for word, in one list.

Each message names the argument, says what was wrong and what to do; the command line
(gradlab.commands.options) and every public function reuse these, so this list is the
whole vocabulary of gradlab's input errors.
"""

from pathlib import Path

import numpy as np
import pytest

from gradlab import _validation as v
from gradlab.errors import GradlabError, GradlabTypeError, GradlabValueError
from gradlab.strategies import relayout

T, V = GradlabTypeError, GradlabValueError
LAYOUT2 = {"W": ("D", "C"), "b": ("C",)}

MESSAGES = [
    (lambda: v.positive_int(0, "n"), V,
     "n must be a positive integer, got 0; pass a whole number >= 1."),
    (lambda: v.positive_int(2.5, "n"), V,
     "n must be a positive integer, got 2.5; pass a whole number."),
    (lambda: v.positive_int("3", "n"), T,
     "n must be a positive integer, got '3' (str); pass a number."),
    (lambda: v.positive_int(True, "n"), T,
     "n must be a positive integer, got True (bool); pass a number."),
    (lambda: v.positive_int(5, "n", maximum=4), V,
     "n must be a positive integer, got 5; pass a whole number >= 1 and at most 4."),
    (lambda: v.nonnegative_int(-1, "seed"), V,
     "seed must be a non-negative integer, got -1; pass a whole number >= 0."),
    (lambda: v.positive_finite(float("nan"), "lr"), V,
     "lr must be a positive finite number, got nan; pass a number > 0."),
    (lambda: v.positive_finite(10**400, "lr"), V,
     "lr must be a positive finite number, got 100000000000000000000000000000...000000; "
     "pass a number > 0."),
    (lambda: v.positive_finite(5.0, "t", maximum=4), V,
     "t must be a positive finite number, got 5.0; pass a number > 0 and <= 4."),
    (lambda: v.positive_finite(1j, "t"), T,
     "t must be a positive finite number, got 1j (complex); pass a number."),
    (lambda: v.nonnegative_finite(-1, "delta"), V,
     "delta must be a finite number >= 0, got -1; pass 0 or more."),
    (lambda: v.at_least(0.5, "safety", 1.0), V,
     "safety must be a finite number >= 1, got 0.5; pass a number from 1 up."),
    (lambda: v.fraction(1.0, "test_fraction"), V,
     "test_fraction must be a number strictly between 0 and 1, got 1.0; pass e.g. 0.2."),
    (lambda: v.finite_step(0.0), V,
     "h must be a positive finite step, got 0.0; the book uses h = 1e-4."),
    (lambda: v.one_of("x", ("a", "b"), "method"), V,
     "method must be one of 'a', 'b', got 'x'."),
    (lambda: v.one_of(["a"], ("a", "b"), "method"), V,
     "method must be one of 'a', 'b', got ['a']."),
    (lambda: v.check_callable(3), T,
     "f must be a function, got 3 (int); pass a callable, e.g. lambda x: np.sum(x ** 2)."),
    (lambda: v.check_seed(1.5), T,
     "seed must be None, a non-negative integer or a numpy.random.Generator, got 1.5 (float)."),
    (lambda: v.check_seed(-2), V,
     "seed must be a non-negative integer, got -2; pass a whole number >= 0."),
    (lambda: v.dtype_eps(np.int64), T,
     "dtype <class 'numpy.int64'> is not a floating-point dtype; use e.g. np.float64."),
    (lambda: v.check_finite(np.array([[1.0, np.inf]]), "x"), V,
     "x contains a non-finite value (inf at x[0, 1]); gradlab computes only on finite numbers: "
     "find where the nan/inf came from (a learning rate that is too large is the usual cause)."),
    (lambda: v.check_finite(np.array(np.nan), "x"), V,
     "x contains a non-finite value (nan at x); gradlab computes only on finite numbers: find "
     "where the nan/inf came from (a learning rate that is too large is the usual cause)."),
    (lambda: v.check_nonempty(np.zeros((0, 2)), "x"), V,
     "x is empty (shape (0, 2)); pass at least one element."),
    (lambda: v.check_float_dtype(np.array([1]), "x"), T,
     "x has integer dtype int64: whatever is stored into it in place (a step of h = 1e-4, a "
     "training update) is truncated to an integer, and the result is garbage (the book's "
     "numerical_gradient returns [25000, 35000] for the gradient of sum(x**2) at the integer "
     "array [3, 4]). Convert it first: x = x.astype(np.float64)."),
    (lambda: v.check_float_dtype(np.array(["a"]), "x"), T,
     "x must be a floating-point array, got dtype <U1; convert it with np.asarray(x, "
     "dtype=float)."),
    (lambda: v.as_numeric_array(np.ma.array([1.0]), "x"), T,
     "x is a masked array; gradlab ignores masks and would compute on the hidden values. Pass "
     "x.filled(value) or x.compressed()."),
    (lambda: v.as_numeric_array(None, "x"), T,
     "x must be a numeric array, got None (NoneType); pass a NumPy array of floats, e.g. "
     "np.asarray(x, dtype=float)."),
    (lambda: v.as_numeric_array(np.array([None]), "x"), T,
     "x must be a numeric array, got dtype object; pass a NumPy array of floats, e.g. "
     "np.asarray(x, dtype=float)."),
    (lambda: v.as_float_array(np.array([1j]), "y", allow_complex=False), T,
     "y must be real, got dtype complex128; pass y.real if the imaginary part is not needed."),
    (lambda: v.float_array(relayout(np.ones((1, 1)), "matrix"), "x"), T,
     "x is an np.matrix, whose * and ** are matrix products, so f would not compute what it "
     "computes on an array. Pass np.asarray(x)."),
    (lambda: v.perturbable(np.broadcast_to(1.0, (2,)), "x"), V,
     "x is read-only; finite differences perturb x in place. Pass x.copy()."),
    (lambda: v.as_scalar(None, "f", "at x[0] + h"), T,
     "f returned None (NoneType) at x[0] + h; it must return a number (a float, or an array "
     "with one element)."),
    (lambda: v.as_scalar(np.ones(2), "f", "at x"), V,
     "f returned an array of shape (2,) at x; a scalar function is needed. Reduce the output "
     "(e.g. np.sum) or differentiate each output separately."),
    (lambda: v.as_scalar(np.nan, "f", "at x"), V,
     "f returned nan at x; the derivative is undefined there."),
    (lambda: v.check_labels(np.array([0.5]), 3, "t"), T,
     "t looks like class labels but has dtype float64; labels must be integers "
     "(t.astype(int)), or pass one-hot targets of the same shape as y."),
    (lambda: v.check_labels(np.array([3, -1]), 3, "t"), V,
     "t has labels outside 0..2 (min -1, max 3); there are 3 classes."),
    (lambda: v.as_targets(np.array([0, 1, 2]), (2, 3), "t"), V,
     "t has shape (3,) but the predictions have shape (2, 3); t must be one-hot with shape "
     "(2, 3) or integer labels with shape (2,)."),
    (lambda: v.check_params([1], LAYOUT2, "params"), T,
     "params must be a dict of arrays with keys ['W', 'b'], got list."),
    (lambda: v.check_params({"W": np.ones((2, 3)), "V": np.ones(3)}, LAYOUT2, "params"), V,
     "params must have exactly the keys ['W', 'b']; missing ['b'], unexpected ['V']."),
    (lambda: v.check_params({"W": np.ones((2, 3)), "b": np.ones(2)}, LAYOUT2, "params"), V,
     "params['b'] has shape (2,) but must have shape (3,) to fit the other parameters; check "
     "how it was built or assigned."),
    (lambda: v.check_params({"W": np.ones(3), "b": np.ones(3)}, LAYOUT2, "params"), V,
     "params['W'] has shape (3,) but must have shape (D, C) to fit the other parameters; "
     "check how it was built or assigned."),
    (lambda: v.check_params({"W": np.ones((2, 3), int), "b": np.ones(3)}, LAYOUT2, "p"), T,
     "p['W'] has integer dtype int64: whatever is stored into it in place (a step of h = "
     "1e-4, a training update) is truncated to an integer, and the result is garbage (the "
     "book's numerical_gradient returns [25000, 35000] for the gradient of sum(x**2) at the "
     "integer array [3, 4]). Convert it first: p['W'] = p['W'].astype(np.float64)."),
    (lambda: v.readable_path(3, "path"), T,
     "path must be a file path (str or pathlib.Path), got 3 (int)."),
    (lambda: v.writable_path("", "--json"), T,
     "--json must be a file path (str or pathlib.Path), got '' (str)."),
    (lambda: v.writable_path("/nonexistent/x.json", "--json"), V,
     "--json /nonexistent/x.json: the folder /nonexistent does not exist; create it first or "
     "choose another path."),
    (lambda: v.writable_path("/", "--json"), V,
     "--json / is a directory; give a file name inside it, e.g. /out.json."),
    (lambda: v.writable_path("/x.xyz", "--plot", formats=v.PLOT_FORMATS), V,
     "--plot /x.xyz has extension .xyz; use one of .png, .svg, .pdf (or .eps, .ps, .pgf, "
     ".jpg, .jpeg, .tif, .tiff, .webp, .svgz, .raw, .rgba)."),
    (lambda: v.writable_path("/x", "--plot", formats=v.PLOT_FORMATS), V,
     "--plot /x has no extension; use one of .png, .svg, .pdf (or .eps, .ps, .pgf, .jpg, "
     ".jpeg, .tif, .tiff, .webp, .svgz, .raw, .rgba)."),
]


@pytest.mark.parametrize("call, kind, message", MESSAGES,
                         ids=[m[:40] for _, _, m in MESSAGES])
def test_every_rule_has_one_exact_message(call, kind, message):
    with pytest.raises(GradlabError) as info:
        call()
    assert type(info.value) is kind
    assert str(info.value) == message


def test_the_two_error_kinds_are_the_builtin_ones_too():
    assert issubclass(GradlabTypeError, TypeError) and issubclass(GradlabValueError, ValueError)
    assert issubclass(v.GradlabValueError, GradlabError)


@pytest.mark.parametrize("call, want", [
    (lambda: v.positive_int(3.0, "n"), 3), (lambda: v.positive_int(np.int8(7), "n"), 7),
    (lambda: v.positive_int(np.array(4), "n"), 4), (lambda: v.positive_int(4, "n", maximum=4), 4),
    (lambda: v.nonnegative_int(0, "n"), 0), (lambda: v.positive_finite(2, "x"), 2.0),
    (lambda: v.positive_finite(4, "x", maximum=4), 4.0),
    (lambda: v.nonnegative_finite(0, "x"), 0.0),
    (lambda: v.at_least(1, "s", 1.0), 1.0), (lambda: v.fraction(0.5, "f"), 0.5),
    (lambda: v.finite_step(np.float32(0.5)), 0.5), (lambda: v.one_of("a", ("a",), "m"), "a"),
    (lambda: v.check_seed(None), None), (lambda: v.check_seed(0), 0),
    (lambda: v.dtype_eps(np.complex64), float(np.finfo(np.float32).eps)),
    (lambda: v.where("x", (1, 2)), "x[1, 2]"), (lambda: v.where("x", ()), "x"),
    (lambda: v.first_nonfinite(np.array([[1.0, 2.0], [np.nan, np.inf]])), (1, 0)),
    (lambda: v.first_nonfinite(np.ones(3)), None),
    (lambda: v.is_narrow(np.float32), True), (lambda: v.is_narrow(np.float64), False),
    (lambda: v.writable_path("-", "--json", allow_stdout=True), "-"),
])
def test_what_the_rules_accept(call, want):
    got = call()
    assert got == want and type(got) is type(want)


def test_positive_and_finite_return_python_numbers():
    assert type(v.positive_int(np.int64(3), "n")) is int
    assert type(v.positive_finite(np.float32(0.5), "x")) is float


def test_arrays_come_back_as_plain_c_ordered_arrays():
    f = np.asfortranarray(np.arange(6.0).reshape(2, 3))
    out = v.as_float_array(f, "x")
    assert type(out) is np.ndarray and out.flags.c_contiguous and np.array_equal(out, f)
    c = np.arange(6.0)
    assert v.as_float_array(c, "x") is c  # no copy where none is needed
    assert v.as_float_array(np.array([1, 2], np.uint8), "x").dtype == np.float64
    assert v.float_array([1, 2], "x").dtype == np.float64
    assert v.float_array(c, "x") is c


def test_targets_decide_one_hot_or_labels_by_shape():
    labels = v.as_targets(np.array([2, 0], np.uint8), (2, 3))
    assert labels.one_hot is None and labels.labels.dtype == np.int64
    np.testing.assert_array_equal(labels.labels, [2, 0])
    hot = v.as_targets(np.eye(3)[:2].astype(int), (2, 3))
    assert hot.labels is None and hot.one_hot.dtype == np.float64
    single = v.as_targets(np.int64(1), (3,))
    assert single.labels.shape == () and single.labels == 1


def test_params_sizes_bind_across_keys_and_ints_are_fixed():
    p = {"W": np.ones((2, 3)), "b": np.ones(3)}
    out = v.check_params(p, LAYOUT2)
    assert out.keys() == p.keys() and out["W"] is p["W"]
    assert v.check_params({"a": np.ones(4)}, {"a": (4,)})["a"].shape == (4,)
    with pytest.raises(GradlabValueError, match=r"must have shape \(5,\)"):
        v.check_params({"a": np.ones(4)}, {"a": (5,)})


def test_memory_refusal_names_what_needs_it():
    total = v.physical_memory()
    if total is None:
        pytest.skip("this OS does not report its memory")
    v.check_memory(total // 2, "half")
    with pytest.raises(GradlabValueError, match=r"^a net needs .* GiB, more than this machine"):
        v.check_memory(2 * total, "a net")
    with pytest.raises(GradlabValueError, match=r"needs inf GiB"):
        v.check_memory(10**400, "a net")


# --- the boundaries of each rule, and the defaults of the names --------------------------

def _message(call) -> str:
    with pytest.raises(GradlabError) as info:
        call()
    return str(info.value)


def test_long_values_are_abbreviated_in_messages_beyond_40_characters():
    whole = "x" * 38  # its repr, with quotes, is 40 characters: shown whole
    assert _message(lambda: v.positive_int(whole, "n")) == \
        f"n must be a positive integer, got '{whole}' (str); pass a number."
    long = "x" * 39
    assert _message(lambda: v.positive_int(long, "n")) == \
        f"n must be a positive integer, got '{'x' * 29}...{'x' * 5}' (str); pass a number."


def test_integers_of_any_size_and_the_edges_of_each_range():
    assert v.positive_int(10**400, "n") == 10**400  # a count, not a float: no overflow
    assert v.nonnegative_int(10**400, "n") == 10**400
    for call in (lambda: v.nonnegative_int(5, "n", maximum=4), lambda: v.positive_finite(0, "x"),
                 lambda: v.positive_finite(-0.0, "x"), lambda: v.fraction(0, "f"),
                 lambda: v.nonnegative_finite(-1e-300, "d"), lambda: v.at_least(0.999, "s", 1)):
        with pytest.raises(GradlabValueError):
            call()
    assert v.fraction(0.999, "f") == 0.999 and v.nonnegative_int(4, "n", maximum=4) == 4
    assert v.nonnegative_finite(-0.0, "d") == 0.0 and v.finite_step(1e300) == 1e300


def test_callables_pass_and_the_default_name_is_f():
    assert v.check_callable(len) is len
    assert _message(lambda: v.check_callable("len")).startswith("f must be a function")


def test_generators_from_seeds():
    g = np.random.default_rng(5)
    assert v.as_generator(g) is g
    assert isinstance(v.as_generator(None), np.random.Generator)
    assert v.as_generator(3).random() == np.random.default_rng(3).random()
    assert v.as_generator(np.int64(3)).random() == np.random.default_rng(3).random()
    assert _message(lambda: v.as_generator(-1)) == \
        "seed must be a non-negative integer, got -1; pass a whole number >= 0."
    assert _message(lambda: v.check_seed(True)).startswith("seed must be None")


def test_physical_memory_is_what_the_os_reports():
    import os

    total = v.physical_memory()
    if not hasattr(os, "sysconf"):
        pytest.skip("no sysconf here")
    assert total == os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    assert isinstance(total, int) and total > 2**28


def test_memory_messages_in_gib(monkeypatch):
    monkeypatch.setattr(v, "physical_memory", lambda: 2**30)
    v.check_memory(2**30, "all of it")  # exactly the memory: allowed
    assert _message(lambda: v.check_memory(2**31, "a net")) == (
        "a net needs 2 GiB, more than this machine's 1 GiB of memory; use smaller sizes.")
    assert "needs 1.13e+15 GiB" in _message(lambda: v.check_memory(2**80, "x"))
    assert "needs inf GiB" in _message(lambda: v.check_memory(2**1000, "x"))
    monkeypatch.setattr(v, "physical_memory", lambda: None)
    v.check_memory(10**400, "unknown memory: nothing to refuse")


def test_dtype_rules():
    assert _message(lambda: v.dtype_eps("no such dtype")).startswith("dtype 'no such dtype' is")
    assert v.dtype_eps(np.complex128) == v.dtype_eps(np.float64) == float(np.finfo(float).eps)
    assert v.dtype_eps(np.longdouble) <= v.dtype_eps(np.float64)
    assert v.is_narrow(np.float16) and v.is_narrow(np.complex64) and not v.is_narrow(np.longdouble)
    assert v.is_number_dtype(np.uint8) and v.is_number_dtype(np.complex64)
    assert not any(v.is_number_dtype(d) for d in (bool, object, "U1", "m8[s]", "M8[D]"))


def test_where_the_first_bad_element_is():
    assert v.first_nonfinite(np.array(np.inf)) == ()
    bad = np.zeros((2, 3, 4))
    bad[1, 2, 0] = bad[1, 2, 3] = np.nan
    assert v.first_nonfinite(bad) == (1, 2, 0)
    assert v.where("p['W']", (0,)) == "p['W'][0]"


def test_array_kinds():
    v.check_float_dtype(np.ones(1, np.complex64), "x")
    v.check_float_dtype(np.ones(1, np.float16), "x")
    assert _message(lambda: v.check_float_dtype(np.array([True]), "x")).startswith(
        "x has integer dtype bool")
    assert _message(lambda: v.as_numeric_array("1.0", "x")) == (
        "x must be a numeric array, got '1.0' (str); pass a NumPy array of floats, e.g. "
        "np.asarray(x, dtype=float).")
    assert _message(lambda: v.as_numeric_array([[1.0], [1.0, 2.0]], "x")).startswith(
        "x must be a numeric array, got list that NumPy cannot turn into one (")
    for bad in (np.array([1], "m8[s]"), np.array(["2024-01-01"], "M8[D]"), np.array([b"a"])):
        message = _message(lambda b=bad: v.as_numeric_array(b, "x"))
        assert message.startswith("x must be a numeric array, got dtype")
    assert v.as_numeric_array([True, False], "x").dtype == bool


def test_float_arrays():
    assert v.as_float_array(np.array([1j]), "y").dtype == np.complex128
    assert v.as_float_array(np.array([1.0]), "y", allow_complex=False).dtype == np.float64
    assert v.as_float_array([True], "y").dtype == np.float64
    assert v.as_float_array(np.float32(2), "y").dtype == np.float32
    assert _message(lambda: v.as_float_array(None, "y")).startswith("y must be a numeric array")
    assert _message(lambda: v.as_float_array([], "y")).startswith("y is empty")
    assert _message(lambda: v.as_float_array([np.nan], "y")).startswith("y contains")


def test_arrays_to_perturb():
    assert v.float_array(np.float32(3)).dtype == np.float32  # no silent widening
    assert v.float_array(np.float32(3)).shape == ()
    assert v.float_array([1.5, 2.5]).dtype == np.float64
    lst = [1.5]
    assert v.float_array(lst).tolist() == lst
    for bad, start in ((None, "x must be a numeric array"), (np.array([1]), "x has integer"),
                       (np.array([]), "x is empty"), (np.array([np.inf]), "x contains")):
        assert _message(lambda b=bad: v.float_array(b)).startswith(start)
        assert _message(lambda b=bad: v.perturbable(b)).startswith(start)
    assert _message(lambda: v.perturbable(np.broadcast_to(1.0, (2,)))).startswith("x is read-only")
    shared = np.ones(3)
    assert v.perturbable(shared) is shared


def test_scalars_returned_by_f():
    out = v.as_scalar(np.array([2.0]), "f", "at x")
    assert type(out) is np.float64 and out == 2.0
    assert v.as_scalar(1 + 2j, "f", "at x") == 1 + 2j
    assert v.as_scalar(3, "f", "at x") == 3
    assert _message(lambda: v.as_scalar("a", "f", "at x")) == (
        "f returned 'a' (str) at x; it must return a number (a float, or an array with one "
        "element).")
    for bad in ([[1.0], [1.0, 2.0]], True, np.array([1], "m8[s]")):
        assert _message(lambda b=bad: v.as_scalar(b, "g", "at x")).startswith("g returned ")


def test_label_edges():
    for bad, message in ((np.array([-1]), "min -1, max -1"), (np.array([3]), "min 3, max 3")):
        assert _message(lambda b=bad: v.check_labels(b, 3)) == \
            f"t has labels outside 0..2 ({message}); there are 3 classes."
    assert v.check_labels(np.array([0, 2], np.uint8), 3).dtype == np.int64
    assert v.check_labels(np.zeros(0, int), 3).shape == (0,)
    assert _message(lambda: v.check_labels(np.array([True]), 3)).startswith("t looks like class")
    assert _message(lambda: v.check_labels(np.array([1], "m8[s]"), 3)).startswith(
        "t must be a numeric array")


def test_targets_name_and_shapes():
    assert _message(lambda: v.as_targets(np.zeros(5, int), (2, 3, 4))) == (
        "t has shape (5,) but the predictions have shape (2, 3, 4); t must be one-hot with "
        "shape (2, 3, 4) or integer labels with shape (2, 3).")
    assert _message(lambda: v.as_targets(np.array([[np.nan, 1.0, 0.0]]), (1, 3))).startswith(
        "t contains a non-finite value (nan at t[0, 0])")
    assert _message(lambda: v.as_targets(np.array([5]), (1, 3), "labels")).startswith(
        "labels has labels outside")
    assert _message(lambda: v.as_targets(None, (1, 3))).startswith("t must be a numeric array")


def test_params_are_converted_to_plain_c_ordered_arrays():
    out = v.check_params({"W": [[1.0, 2.0, 3.0]] * 2, "b": np.ones(3)}, LAYOUT2)
    assert type(out["W"]) is np.ndarray and out["W"].shape == (2, 3)
    f = np.asfortranarray(np.ones((2, 3)))
    assert v.check_params({"W": f, "b": np.ones(3)}, LAYOUT2)["W"].flags.c_contiguous
    sub = relayout(np.ones(3), "subclass")
    assert type(v.check_params({"W": np.ones((2, 3)), "b": sub}, LAYOUT2)["b"]) is np.ndarray
    assert _message(lambda: v.check_params({"W": np.ma.ones((2, 3)), "b": np.ones(3)},
                                           LAYOUT2)).startswith("params['W'] is a masked array")
    assert _message(lambda: v.check_params({"W": "no", "b": np.ones(3)}, LAYOUT2)).startswith(
        "params['W'] must be a numeric array")
    assert _message(lambda: v.check_params(None, LAYOUT2)).startswith("params must be a dict")


def test_paths(tmp_path, monkeypatch):
    assert v.readable_path("a/b") == v.readable_path(Path("a/b"))
    assert _message(lambda: v.readable_path(None)).startswith("path must be a file path")
    assert v.writable_path("-", "--json") == Path("-")  # a file named -
    assert v.writable_path(str(tmp_path / "a.json"), "--json", allow_stdout=True) == \
        tmp_path / "a.json"
    assert v.writable_path(tmp_path / "a.SVG", "--plot", formats=v.PLOT_FORMATS) == \
        tmp_path / "a.SVG"
    denied = {tmp_path / "ro", tmp_path / "rw" / "locked.json"}
    (tmp_path / "ro").mkdir()
    (tmp_path / "rw").mkdir()
    (tmp_path / "rw" / "locked.json").write_text("{}")
    (tmp_path / "rw" / "open.json").write_text("{}")
    monkeypatch.setattr(v.os, "access",  # as root every path is writable: pretend otherwise
                        lambda path, mode: mode == v.os.W_OK and Path(path) not in denied)
    for path in (tmp_path / "ro" / "x.json", tmp_path / "rw" / "locked.json"):
        assert _message(lambda p=path: v.writable_path(p, "--json")) == \
            f"--json {path}: not writable (permission denied); choose another path."
    assert v.writable_path(tmp_path / "rw" / "open.json", "--json") == tmp_path / "rw" / "open.json"
    assert v.writable_path(tmp_path / "rw" / "new.json", "--json") == tmp_path / "rw" / "new.json"
