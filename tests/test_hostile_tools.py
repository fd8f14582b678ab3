"""Hostile input to data loading, training, the sweep, the benchmark and the reports."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import gradlab as gl
from gradlab import bench, data, report, sweep, training
from gradlab.strategies import finite_arrays, layouts_for, odd_numbers, odd_values, relayout
from tests.hostile import SAME, check, check_refused, outcome


def _idx(header: bytes, body: bytes = b"") -> bytes:
    return b"\x00\x00" + header + body


@pytest.mark.parametrize("raw, message", [
    (_idx(b"\x08\x02" + (2**31).to_bytes(4, "big") * 2), "header promises shape"),
    (_idx(b"\x08\x03" + (2**32 - 1).to_bytes(4, "big") * 3), "header promises shape"),
    (_idx(b"\x08\xff" + b"\x00\x00\x00\x01" * 255), "declares 255 dimensions"),
    (_idx(b"\x08\x00"), "not an IDX file"),
])
def test_read_idx_refuses_impossible_headers(tmp_path, raw, message):
    # a product of dimensions beyond int64 used to overflow into "-8589934579 bytes" or a
    # raw reshape error; 255 dimensions into a raw NumPy error
    path = tmp_path / "bad-idx3-ubyte"
    path.write_bytes(raw)
    with pytest.raises(ValueError, match=message):
        data.read_idx(path)


@given(value=odd_values())
def test_paths_that_are_no_paths_are_refused(value):
    assume(not isinstance(value, str))  # a str is a path (that does not exist)
    check_refused(data.read_idx, "path", value)
    check_refused(data.load_mnist, "path", value)


@pytest.mark.parametrize("pixels", [np.array([[0.5, np.nan]]), np.array([[-3.0, 1.0]]),
                                    np.array([[0.0, 300.0]]), np.array([["a", "b"]])])
def test_load_mnist_refuses_impossible_pixels(tmp_path, pixels):
    import pickle

    images = np.repeat(pixels, 2, axis=0)
    labels = np.array([1, 2], np.uint8)
    path = tmp_path / "mnist.pkl"
    with path.open("wb") as fh:
        pickle.dump({"train_img": images, "train_label": labels, "test_img": images,
                     "test_label": labels}, fh)
    _, error = outcome(data.load_mnist, path)
    assert error is not None and "train_img" in str(error), error


@given(x=finite_arrays((10, 2)), data_=st.data())
def test_split_in_any_layout(x, data_):
    t = np.arange(10) % 2
    layout = data_.draw(st.sampled_from(layouts_for(x)))
    check(lambda v: data.train_test_split(v, t, seed=0), relayout(x, layout), x, "x",
          "refuse" if layout == "masked" else SAME)


@given(value=odd_numbers())
def test_split_refuses_odd_fractions_and_seeds(value):
    x, t = np.ones((4, 2)), np.array([0, 1, 0, 1])
    check_refused(lambda v: data.train_test_split(x, t, test_fraction=v), "test_fraction", value)
    assume(not (value is None or type(value) is int and value >= 0))
    check_refused(lambda v: data.train_test_split(x, t, seed=v), "seed", value)


# --- training ------------------------------------------------------------------------------

def _blobs(n=20):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 2))
    return x, (x[:, 0] > 0).astype(int)


def _train(x, t, net=None, **options):
    net = net or gl.TwoLayerNet(2, 3, 2, weight_init_std=0.5, seed=0)
    options = dict(iters_num=4, batch_size=5, learning_rate=0.5, seed=0, quiet=True) | options
    history = training.train(net, x, t, x, t, **options)
    record = history.to_dict()
    del record["seconds"]
    return record, net.params


@given(data_=st.data())
def test_train_data_in_any_layout(data_):
    x, t = _blobs()
    layout = data_.draw(st.sampled_from(layouts_for(x)))
    check(lambda v: _train(v, t), relayout(x, layout), x, "x_train",
          "refuse" if layout == "masked" else SAME)


@pytest.mark.parametrize("arg", ["iters_num", "batch_size", "learning_rate", "seed",
                                 "max_evaluations"])
@given(value=odd_numbers())
def test_train_refuses_odd_numbers(arg, value):
    assume(not (arg in ("seed", "max_evaluations") and value is None))
    assume(not (arg == "seed" and type(value) is int and value >= 0))
    assume(not (arg in ("iters_num", "max_evaluations") and type(value) is int and value > 0))
    x, t = _blobs()
    check_refused(lambda v: _train(x, t, **{arg: v}), arg, value)


@pytest.mark.parametrize("gradient", [None, "adam", 3])
def test_train_refuses_unknown_gradients(gradient):
    x, t = _blobs()
    check_refused(lambda v: _train(x, t, gradient=v), "gradient", gradient)


def test_train_refuses_integer_parameters_instead_of_truncating_every_update():
    x, t = _blobs()
    net = gl.TwoLayerNet(2, 3, 2, seed=0)
    net.params["W1"] = np.ones((2, 3), dtype=int)
    _, error = outcome(_train, x, t, net)
    assert error is not None and "net.params['W1'] has integer dtype" in str(error)


class _BadGradientNet(gl.TwoLayerNet):
    returned = None

    def gradient(self, x, t):
        return self.returned


@pytest.mark.parametrize("returned", [None, [1.0, 2.0], {"W1": 1.0}, "grads"])
def test_train_names_a_gradient_that_is_not_one(returned):
    x, t = _blobs()
    net = _BadGradientNet(2, 3, 2, seed=0)
    net.returned = returned
    _, error = outcome(_train, x, t, net)
    assert error is not None and "the gradient" in str(error), error


# --- sweep, bench, report, plot -------------------------------------------------------------

@pytest.mark.parametrize("kwargs, arg", [
    (dict(function="tanh"), "function"), (dict(dtypes="float64"), "dtypes"),
    (dict(dtypes=["float16"]), "dtypes"), (dict(dtypes=[]), "dtypes"),
    (dict(hs=[1e-4, -1.0]), "hs"), (dict(hs=[np.nan]), "hs"), (dict(hs=["a"]), "hs"),
    (dict(seed=-1), "seed"), (dict(seed=1.5), "seed"),
])
def test_sweep_refuses_before_computing(kwargs, arg):
    check_refused(lambda kw: sweep.sweep(**kw), arg, kwargs)


@pytest.mark.parametrize("kwargs, arg", [
    (dict(sizes=[(0, 5)]), "hidden size"), (dict(sizes=[(5, -1)]), "batch size"),
    (dict(methods=["telepathy"]), "methods"), (dict(input_size=0), "input_size"),
    (dict(min_time=np.inf), "min_time"), (dict(rounds=0), "rounds"),
    (dict(max_runs=1.5), "max_runs"),
])
def test_run_bench_refuses_before_timing(kwargs, arg):
    check_refused(lambda kw: bench.run_bench(**{"sizes": [(2, 2)], **kw}), arg, kwargs)


def test_write_json_refuses_paths_it_cannot_write(tmp_path):
    for path in (tmp_path / "missing" / "x.json", tmp_path, None, 3):
        check_refused(lambda p: report.write_json(p, {}), "path", path)


def test_format_table_refuses_ragged_rows():
    check_refused(lambda rows: report.format_table(rows, ["a", "b"]), "rows", [[1, 2], [3]])


def test_plot_bench_refuses_no_records():
    from gradlab.plot import plot_bench

    check_refused(plot_bench, "records", [])
