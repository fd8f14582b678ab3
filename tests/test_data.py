"""Offline data: the bundled digits, and MNIST loaders on small files written here."""

import gzip
import pickle

import numpy as np
import pytest

from gradlab.data import MNIST_FILES, load_digits, load_mnist, read_idx, train_test_split


def idx_bytes(array: np.ndarray, type_code: int = 0x08) -> bytes:
    """The IDX encoding of a uint8 array: magic 00 00 <type> <ndim>, big-endian sizes, data."""
    header = bytes([0, 0, type_code, array.ndim]) + np.array(array.shape, ">u4").tobytes()
    return header + array.astype(np.uint8).tobytes()


@pytest.fixture
def tiny_mnist(rng):
    """A 5-train / 3-test MNIST with 4x4 images."""
    return {
        "train_img": rng.integers(0, 256, size=(5, 4, 4), dtype=np.uint8),
        "train_label": np.array([0, 9, 3, 3, 1], dtype=np.uint8),
        "test_img": rng.integers(0, 256, size=(3, 4, 4), dtype=np.uint8),
        "test_label": np.array([7, 2, 5], dtype=np.uint8),
    }


def write_idx_dir(directory, parts, *, gz=False, override=None):
    for key, stem in MNIST_FILES.items():
        data = (override or {}).get(key) or idx_bytes(parts[key])
        name = stem + (".gz" if gz else "")
        (directory / name).write_bytes(gzip.compress(data) if gz else data)
    return directory


def assert_round_trip(loaded, parts):
    (x, t), (xt, tt) = loaded
    assert x.dtype == np.float32 and x.shape == (5, 16)
    assert np.array_equal(x * 255, parts["train_img"].reshape(5, 16).astype(np.float32))
    assert np.array_equal(t, parts["train_label"]) and t.dtype == np.int64
    assert np.array_equal(xt * 255, parts["test_img"].reshape(3, 16).astype(np.float32))
    assert np.array_equal(tt, parts["test_label"])


@pytest.mark.parametrize("gz", [False, True])
def test_idx_directory_round_trips(tmp_path, tiny_mnist, gz):
    assert_round_trip(load_mnist(write_idx_dir(tmp_path, tiny_mnist, gz=gz)), tiny_mnist)


@pytest.mark.parametrize("protocol", [2, 4, -1])  # -1 (highest) is what the book's script uses
def test_pickle_round_trips_with_flat_images(tmp_path, tiny_mnist, protocol):
    flat = {k: (v.reshape(len(v), -1) if v.ndim == 3 else v) for k, v in tiny_mnist.items()}
    path = tmp_path / "mnist.pkl"
    path.write_bytes(pickle.dumps(flat, protocol=protocol))
    assert_round_trip(load_mnist(path), tiny_mnist)


def test_book_options_flatten_normalize_one_hot(tmp_path, tiny_mnist):
    (x, t), _ = load_mnist(write_idx_dir(tmp_path, tiny_mnist), normalize=False,
                           flatten=False, one_hot_label=True)
    assert x.shape == (5, 1, 4, 4) and x.dtype == np.uint8
    assert np.array_equal(x[:, 0], tiny_mnist["train_img"])
    assert np.array_equal(t.argmax(axis=1), tiny_mnist["train_label"]) and t.shape == (5, 10)


def test_read_idx_other_type_codes(tmp_path):
    values = np.array([[1.5, -2.0], [3.25, 0.0]])
    raw = bytes([0, 0, 0x0E, 2]) + np.array([2, 2], ">u4").tobytes()
    raw += values.astype(">f8").tobytes()
    (tmp_path / "f").write_bytes(raw)
    out = read_idx(tmp_path / "f")
    assert out.dtype == np.float64 and np.array_equal(out, values)


def test_missing_path_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere.pkl: no such file"):
        load_mnist(tmp_path / "nowhere.pkl")


def test_missing_idx_file_names_directory_and_file(tmp_path, tiny_mnist):
    write_idx_dir(tmp_path, tiny_mnist)
    (tmp_path / MNIST_FILES["test_label"]).unlink()
    with pytest.raises(FileNotFoundError, match=f"{tmp_path}: no t10k-labels-idx1-ubyte"):
        load_mnist(tmp_path)


def test_truncated_idx_names_path(tmp_path, tiny_mnist):
    short = idx_bytes(tiny_mnist["train_img"])[:-7]
    write_idx_dir(tmp_path, tiny_mnist, override={"train_img": short})
    with pytest.raises(ValueError, match=r"train-images-idx3-ubyte: file is truncated"):
        load_mnist(tmp_path)


def test_truncated_gzip_names_path(tmp_path, tiny_mnist):
    write_idx_dir(tmp_path, tiny_mnist, gz=True)
    target = tmp_path / (MNIST_FILES["train_label"] + ".gz")
    target.write_bytes(target.read_bytes()[:-10])
    with pytest.raises(ValueError, match=r"train-labels-idx1-ubyte.gz: the gzip stream"):
        load_mnist(tmp_path)


def test_wrong_magic_names_path(tmp_path, tiny_mnist):
    bad = b"\x08\x03" + idx_bytes(tiny_mnist["test_img"])[2:]
    write_idx_dir(tmp_path, tiny_mnist, override={"test_img": bad})
    with pytest.raises(ValueError, match=r"t10k-images-idx3-ubyte: not an IDX file"):
        load_mnist(tmp_path)


def test_label_count_mismatch_names_both_files(tmp_path, tiny_mnist):
    parts = dict(tiny_mnist, test_label=np.array([1, 2], dtype=np.uint8))
    write_idx_dir(tmp_path, parts)
    with pytest.raises(ValueError, match=r"t10k-labels-idx1-ubyte: 2 labels for 3 images in .*"
                                         r"t10k-images-idx3-ubyte"):
        load_mnist(tmp_path)


def test_labels_out_of_range_name_path(tmp_path, tiny_mnist):
    parts = dict(tiny_mnist, train_label=np.array([0, 1, 2, 10, 4], dtype=np.uint8))
    write_idx_dir(tmp_path, parts)
    with pytest.raises(ValueError, match=r"train-labels-idx1-ubyte has labels outside 0..9 "
                                         r"\(min 0, max 10\); there are 10 classes"):
        load_mnist(tmp_path)


def test_pickle_with_missing_key_or_mismatch(tmp_path, tiny_mnist):
    path = tmp_path / "mnist.pkl"
    path.write_bytes(pickle.dumps({k: v for k, v in tiny_mnist.items() if k != "test_img"}))
    with pytest.raises(ValueError, match=r"mnist.pkl: .*missing \['test_img'\]"):
        load_mnist(path)
    path.write_bytes(pickle.dumps(dict(tiny_mnist, train_label=tiny_mnist["train_label"][:4])))
    with pytest.raises(ValueError, match=r"mnist.pkl\['train_label'\]: 4 labels for 5 images"):
        load_mnist(path)


def test_truncated_pickle_names_path(tmp_path, tiny_mnist):
    path = tmp_path / "mnist.pkl"
    path.write_bytes(pickle.dumps(tiny_mnist)[:-20])
    with pytest.raises(ValueError, match=r"mnist.pkl: not a readable mnist.pkl"):
        load_mnist(path)


class _Evil:
    def __reduce__(self):
        return (print, ("pwned",))


def test_pickle_refuses_code(tmp_path, tiny_mnist, capsys):
    path = tmp_path / "mnist.pkl"
    path.write_bytes(pickle.dumps(dict(tiny_mnist, extra=_Evil())))
    with pytest.raises(ValueError, match=r"refused: it refers to builtins.print"):
        load_mnist(path)
    assert "pwned" not in capsys.readouterr().out


def test_digits_shapes_normalised_and_stratified():
    (x, t), (xt, tt) = load_digits()
    assert x.shape == (1438, 64) and xt.shape == (359, 64) and x.dtype == np.float32
    assert x.min() == 0 and x.max() == 1 and xt.max() <= 1
    # every class keeps ~20% in the test set (180ish samples per class in 1797)
    share = np.bincount(tt, minlength=10) / (np.bincount(t, minlength=10) + np.bincount(tt))
    assert np.all(np.abs(share - 0.2) < 0.01)
    train_rows = {row.tobytes() for row in x}
    assert sum(row.tobytes() in train_rows for row in xt) < 5  # near-duplicates exist, few


def test_digits_seeded_and_one_hot():
    (x1, t1), _ = load_digits(seed=3)
    (x2, t2), _ = load_digits(seed=3, one_hot_label=True)
    (x3, _), _ = load_digits(seed=4)
    assert np.array_equal(x1, x2) and np.array_equal(t2.argmax(axis=1), t1)
    assert not np.array_equal(x1, x3)


def test_split_validates_and_leaves_inputs():
    x, t = np.arange(10.0), np.array([0, 1] * 5)
    before = x.copy()
    train_test_split(x, t, test_fraction=0.5)
    assert np.array_equal(x, before)
    with pytest.raises(ValueError, match="test_fraction must be a number strictly between 0 and 1"):
        train_test_split(x, t, test_fraction=1.0)
    with pytest.raises(ValueError, match="x has 10 samples but t has 3"):
        train_test_split(x, t[:3])


def test_directory_holding_only_the_book_pickle(tmp_path, tiny_mnist):
    (tmp_path / "mnist.pkl").write_bytes(pickle.dumps(tiny_mnist))
    assert_round_trip(load_mnist(tmp_path), tiny_mnist)
