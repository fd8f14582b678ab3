"""Offline data for chapter 4's training: scikit-learn's digits and local MNIST files.

The book's ``load_mnist`` downloads MNIST; nothing here touches the network.
:func:`load_digits` uses the 1797 8x8 digits that ship inside scikit-learn's
wheel; :func:`load_mnist` reads MNIST files the user already has, either the
four IDX files (gzipped or not) or the book's ``mnist.pkl``. Both return the
book's layout ``(x_train, t_train), (x_test, t_test)``.
"""

from __future__ import annotations

import gzip
import math
import pickle
import zlib
from pathlib import Path

import numpy as np

from ._validation import (
    as_numeric_array,
    check_finite,
    check_labels,
    check_seed,
    fraction,
    readable_path,
)
from .errors import GradlabValueError
from .functions import one_hot

__all__ = ["load_digits", "load_mnist", "read_idx", "train_test_split", "MNIST_FILES"]

MNIST_FILES = {
    "train_img": "train-images-idx3-ubyte",
    "train_label": "train-labels-idx1-ubyte",
    "test_img": "t10k-images-idx3-ubyte",
    "test_label": "t10k-labels-idx1-ubyte",
}
"""The IDX file names of each part of MNIST (a ``.gz`` suffix is also accepted)."""

_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}

MAX_IDX_DIMS = 32
"""Most dimensions an IDX header may declare: NumPy 1's limit (MNIST files have 1 or 3)."""

PIXEL_RANGE = (0, 255)
"""Values an MNIST image may hold (uint8 grey levels; float images must lie inside too)."""


def train_test_split(x, t, *, test_fraction: float = 0.2, seed=0):
    """Split ``x, t`` into train and test parts, stratified by label and seeded.

    Each class contributes ``round(test_fraction * count)`` samples to the
    test set, so both parts keep the class balance. Inputs are not modified.

    Examples
    --------
    >>> x, t = np.arange(20.0).reshape(10, 2), np.array([0, 1] * 5)
    >>> (xa, ta), (xb, tb) = train_test_split(x, t, test_fraction=0.4, seed=0)
    >>> np.allclose(np.bincount(tb), [2, 2]) and len(xa) == 6
    True
    """
    test_fraction = fraction(test_fraction, "test_fraction")
    x, t = as_numeric_array(x, "x"), as_numeric_array(t, "t")
    if x.ndim == 0 or t.ndim != 1:
        raise GradlabValueError(f"x has shape {x.shape} and t shape {t.shape}; pass one sample "
                                f"per row of x and one label per sample in t.")
    if len(x) != len(t):
        raise GradlabValueError(f"x has {len(x)} samples but t has {len(t)}; they must match.")
    rng = np.random.default_rng(check_seed(seed))
    test_idx = []
    for label in np.unique(t):
        members = rng.permutation(np.flatnonzero(t == label))
        test_idx.append(members[: int(round(test_fraction * len(members)))])
    is_test = np.zeros(len(t), dtype=bool)
    is_test[np.concatenate(test_idx)] = True
    train_idx = rng.permutation(np.flatnonzero(~is_test))
    test_idx = rng.permutation(np.flatnonzero(is_test))
    return (x[train_idx], t[train_idx]), (x[test_idx], t[test_idx])


def load_digits(normalize: bool = True, one_hot_label: bool = False, *,
                test_fraction: float = 0.2, seed=0):
    """Scikit-learn's bundled 8x8 handwritten digits, split like the book's MNIST.

    Parameters
    ----------
    normalize : bool, optional
        Scale pixels from 0..16 to float32 in [0, 1] (default). Otherwise the
        raw integer values (as float64, the way scikit-learn stores them).
    one_hot_label : bool, optional
        Return labels as one-hot rows of length 10 instead of integers.
    test_fraction : float, optional
        Share of each class held out for testing, default 0.2 (359 of 1797, rounded per class).
    seed : int, optional
        Seed of the stratified split.

    Returns
    -------
    (x_train, t_train), (x_test, t_test)
        ``x`` of shape ``(N, 64)``; ``t`` int64 labels ``(N,)`` or one-hot ``(N, 10)``.

    Notes
    -----
    No download: the 1797 images ship inside scikit-learn's wheel. They
    stand in for MNIST (section 3.6) on machines without a network.

    Examples
    --------
    >>> (x, t), (xt, tt) = load_digits()
    >>> x.shape[1] == 64 and np.allclose([x.min(), x.max()], [0, 1]) and len(x) + len(xt) == 1797
    True
    """
    fraction(test_fraction, "test_fraction")  # before the slow import of scikit-learn
    check_seed(seed)
    from sklearn.datasets import load_digits as _sk_load_digits

    bunch = _sk_load_digits()
    x = (bunch.data / 16.0).astype(np.float32) if normalize else bunch.data
    t = bunch.target.astype(np.int64)
    (x_train, t_train), (x_test, t_test) = train_test_split(
        x, t, test_fraction=test_fraction, seed=seed)
    if one_hot_label:
        t_train, t_test = one_hot(t_train, 10), one_hot(t_test, 10)
    return (x_train, t_train), (x_test, t_test)


def _read_bytes(path: Path) -> bytes:
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file.")
    raw = path.read_bytes()
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        return gzip.decompress(raw)
    except (EOFError, OSError, zlib.error) as exc:
        raise GradlabValueError(f"{path}: the gzip stream is truncated or corrupt ({exc}).") \
            from None


def read_idx(path) -> np.ndarray:
    """Read one IDX file (the MNIST format), gzipped or not, into a NumPy array.

    Parameters
    ----------
    path : str or Path
        The file. Gzip compression is recognised from the content, not the name.

    Returns
    -------
    ndarray
        Shape and dtype from the file's header (MNIST: uint8 ``(N, 28, 28)`` or ``(N,)``).

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If the header's magic number is wrong, or the data is shorter or
        longer than the header promises (a truncated download); the message
        names the path.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "x-idx1-ubyte")
    >>> _ = open(p, "wb").write(bytes([0, 0, 8, 1, 0, 0, 0, 2, 7, 3]))
    >>> np.allclose(read_idx(p), [7, 3])
    True
    """
    path = readable_path(path, "path")
    raw = _read_bytes(path)
    if len(raw) < 4 or raw[:2] != b"\x00\x00" or raw[2] not in _IDX_TYPES or raw[3] == 0:
        raise GradlabValueError(
            f"{path}: not an IDX file (wrong magic number {raw[:4].hex() or 'empty'}; expected "
            f"00 00, a type code such as 08, and the number of dimensions)."
        )
    ndim = raw[3]
    if ndim > MAX_IDX_DIMS:
        raise GradlabValueError(f"{path}: the IDX header declares {ndim} dimensions, more than "
                                f"the {MAX_IDX_DIMS} an array can have; the file is corrupt.")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise GradlabValueError(f"{path}: truncated IDX header ({len(raw)} bytes, need {header}).")
    shape = tuple(int(d) for d in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    dtype = np.dtype(_IDX_TYPES[raw[2]])
    expected = header + math.prod(shape) * dtype.itemsize  # Python ints: no overflow
    if len(raw) != expected:
        state = "truncated" if len(raw) < expected else "longer than its header says"
        raise GradlabValueError(
            f"{path}: file is {state}: header promises shape {shape} "
            f"({expected} bytes) but it has {len(raw)} bytes. Re-copy the file."
        )
    data = np.frombuffer(raw, dtype, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="))


def _find_idx(directory: Path, stem: str) -> Path:
    for name in (stem, stem + ".gz", stem.replace("-idx", ".idx")):
        if (directory / name).is_file():
            return directory / name
    raise FileNotFoundError(
        f"{directory}: no {stem} or {stem}.gz here; an MNIST directory needs the four IDX "
        f"files {', '.join(MNIST_FILES.values())} (each optionally .gz)."
    )


def _load_pickle(path: Path) -> dict:
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file.")
    try:
        with path.open("rb") as fh:
            data = _ArraysOnlyUnpickler(fh).load()
    except _RefusedObject as exc:
        raise GradlabValueError(f"{path}: refused: {exc}.") from None
    except (EOFError, pickle.UnpicklingError, ValueError) as exc:
        raise GradlabValueError(f"{path}: not a readable mnist.pkl (truncated or corrupt: "
                                f"{exc}).") from None
    missing = [k for k in MNIST_FILES if not isinstance(data, dict) or k not in data]
    if missing:
        raise GradlabValueError(
            f"{path}: the pickle must be a dict with keys {list(MNIST_FILES)} (the book's "
            f"mnist.pkl); missing {missing}."
        )
    return {k: np.asarray(data[k]) for k in MNIST_FILES}


class _RefusedObject(pickle.UnpicklingError):
    """The pickle names something other than what NumPy arrays are made of."""


class _ArraysOnlyUnpickler(pickle.Unpickler):
    """Unpickle dicts of NumPy arrays and nothing else: a pickle can run any code.

    The names are those NumPy 1 and 2 pickle arrays with: protocols 0-4 go through
    ``_reconstruct`` (protocol 2 also through ``_codecs.encode``), protocol 5 (the
    book's ``pickle.dump(dataset, f, -1)`` on Python 3.8+) through ``_frombuffer``.
    """

    _ALLOWED = {("numpy", "ndarray"), ("numpy", "dtype"), ("collections", "OrderedDict"),
                ("_codecs", "encode"),
                *((f"numpy.{core}.{module}", name)
                  for core in ("core", "_core")
                  for module, name in (("multiarray", "_reconstruct"), ("multiarray", "scalar"),
                                       ("numeric", "_frombuffer")))}

    def find_class(self, module, name):
        if (module, name) not in self._ALLOWED:
            raise _RefusedObject(
                f"it refers to {module}.{name}; only NumPy arrays are loaded from pickles")
        return super().find_class(module, name)


def _check_pixels(images: np.ndarray, source: str) -> np.ndarray:
    images = as_numeric_array(images, source)
    check_finite(images, source)
    low, high = PIXEL_RANGE
    if images.size and (images.min() < low or images.max() > high):
        raise GradlabValueError(
            f"{source}: pixels must lie in {low}..{high} (grey levels), found "
            f"{images.min()}..{images.max()}; is this an image file of MNIST?")
    return images


def _check_part(images, labels, img_src, label_src, num_classes=10):
    images = _check_pixels(images, img_src)
    labels = as_numeric_array(labels, label_src)
    if images.ndim == 2:
        side = int(round(np.sqrt(images.shape[1])))
        images = images.reshape(len(images), side, side) if side * side == images.shape[1] \
            else images.reshape(len(images), 1, -1)
    if images.ndim != 3 or labels.ndim != 1:
        raise GradlabValueError(
            f"{img_src}: images must have shape (N, rows, cols) or (N, pixels) and labels "
            f"shape (N,); got {images.shape} and {labels.shape} (from {label_src})."
        )
    if len(labels) == 0:
        raise GradlabValueError(f"{label_src}: no labels (0 samples); the file is empty.")
    if len(images) != len(labels):
        raise GradlabValueError(
            f"{label_src}: {len(labels)} labels for {len(images)} images in {img_src}; "
            f"the files do not belong together (or one is truncated)."
        )
    return images, check_labels(labels, num_classes, label_src)


def load_mnist(path, normalize: bool = True, flatten: bool = True,
               one_hot_label: bool = False):
    """MNIST from local files, with the book's ``load_mnist`` options.

    Parameters
    ----------
    path : str or Path
        A directory with the four IDX files of :data:`MNIST_FILES` (each
        optionally gzipped) or with ``mnist.pkl``, or the book's ``mnist.pkl``: a pickled dict
        with keys ``'train_img'``, ``'train_label'``, ``'test_img'``,
        ``'test_label'``.
    normalize : bool, optional
        Pixels as float32 in [0, 1] (default) instead of uint8 0..255.
    flatten : bool, optional
        Images as rows of ``rows * cols`` pixels (default) or ``(N, 1, rows, cols)``.
    one_hot_label : bool, optional
        Labels as one-hot rows of length 10 instead of integers.

    Returns
    -------
    (x_train, t_train), (x_test, t_test)

    Raises
    ------
    FileNotFoundError
        If the path or one of the four files is missing (the message names it).
    ValueError
        If a file is truncated, has a wrong magic number, or images and labels
        disagree in count, or a label lies outside 0..9; the message names the file.

    Notes
    -----
    Nothing is downloaded. Pickles are read with an unpickler that accepts
    NumPy arrays only, since a pickle can otherwise run arbitrary code.

    Examples
    --------
    >>> import tempfile, pickle, os
    >>> p = os.path.join(tempfile.mkdtemp(), "mnist.pkl")
    >>> img, lab = np.zeros((3, 784), np.uint8), np.array([1, 2, 3], np.uint8)
    >>> d = {"train_img": img, "train_label": lab, "test_img": img, "test_label": lab}
    >>> pickle.dump(d, open(p, "wb"))
    >>> (x, t), _ = load_mnist(p)
    >>> x.shape == (3, 784) and np.allclose(t, [1, 2, 3])
    True
    """
    path = readable_path(path, "path")
    if path.is_dir() and (path / "mnist.pkl").is_file() and not any(
            path.glob(MNIST_FILES["train_img"] + "*")):
        path = path / "mnist.pkl"  # the book's dataset/ folder after its first download
    if path.is_dir():
        files = {k: _find_idx(path, stem) for k, stem in MNIST_FILES.items()}
        raw = {k: read_idx(p) for k, p in files.items()}
        source = {k: str(p) for k, p in files.items()}
    elif path.exists():
        raw = _load_pickle(path)
        source = {k: f"{path}['{k}']" for k in MNIST_FILES}
    else:
        raise FileNotFoundError(
            f"{path}: no such file or directory; pass a directory with the MNIST IDX files "
            f"or the book's mnist.pkl (gradlab downloads nothing)."
        )
    parts = []
    for part in ("train", "test"):
        images, labels = _check_part(raw[f"{part}_img"], raw[f"{part}_label"],
                                     source[f"{part}_img"], source[f"{part}_label"])
        x = images.astype(np.float32) / np.float32(255.0) if normalize else images
        x = x.reshape(len(x), -1) if flatten else x.reshape(len(x), 1, *images.shape[1:])
        parts.append((x, one_hot(labels, 10) if one_hot_label else labels))
    return tuple(parts)
