"""The book's names: what each one is (a function or a class) and how learners spell it."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["BookName", "BOOK_NAMES", "ALIASES", "CANONICAL", "OPTIONAL", "KINDS", "NETWORKS",
           "NETWORK_METHODS", "canonical_name", "alias_rank", "kind_of", "fold"]

KINDS = ("function", "class")


@dataclass(frozen=True)
class BookName:
    """One name of the book: its kind, where the book introduces it, other spellings.

    ``optional`` marks helpers some layouts have and others do not: checked when
    present, never reported as missing.
    """

    name: str
    kind: str
    section: str
    aliases: tuple[str, ...] = ()
    optional: bool = False

    @property
    def spellings(self) -> tuple[str, ...]:
        """The book's spelling first, then the accepted variants."""
        return (self.name, *self.aliases)


def _f(name, section, *aliases, optional=False):
    return BookName(name, "function", section, aliases, optional)


def _c(name, section, *aliases):
    return BookName(name, "class", section, aliases)


BOOK_NAMES: tuple[BookName, ...] = (
    # chapters 3-4 (checked by gradlab verify)
    _f("step_function", "3.2.3", "step"),
    _f("sigmoid", "3.2.4"),
    _f("sigmoid_grad", "5.6", "sigmoid_gradient", "sigmoid_derivative", "d_sigmoid"),
    _f("relu", "3.2.7"),
    _f("relu_grad", "5.5.1", "relu_gradient", "relu_derivative"),
    _f("identity_function", "3.4.3", "identity"),
    _f("softmax", "3.5"),
    _f("mean_squared_error", "4.2.1", "sum_squared_error", "sum_squares_error", "mse"),
    _f("cross_entropy_error", "4.2.2", "cross_entropy"),
    _f("function_2", "4.3.3", optional=True),
    _f("numerical_diff", "4.3.1", "numeric_diff", "numerical_derivative"),
    _f("numerical_gradient", "4.4", "numeric_gradient", "numerical_gradient_nd"),
    _f("numerical_gradient_1d", "4.4", "_numerical_gradient_1d", "_numerical_gradient_no_batch",
       "numerical_gradient_no_batch", optional=True),
    _f("numerical_gradient_2d", "4.4", optional=True),
    _f("gradient_descent", "4.4.1", "gradient_decent", "gradient_desent"),
    _c("SimpleNet", "4.4.2", "simpleNet", "simple_net", "Simplenet"),
    _c("TwoLayerNet", "4.5.1", "twoLayerNet", "TwoLayerNetwork", "two_layer_net"),
    # chapters 5-7: kinds and spellings only, so that they are never taken for the
    # chapter 3-4 names above (the layer class Relu is not the function relu)
    _c("MulLayer", "5.4.1"),
    _c("AddLayer", "5.4.2"),
    _c("Relu", "5.5.1", "ReLU", "ReLu"),
    _c("Sigmoid", "5.5.2"),
    _c("Affine", "5.6.2"),
    _c("SoftmaxWithLoss", "5.6.3"),
    _c("SGD", "6.1.2"),
    _c("Momentum", "6.1.4"),
    _c("Nesterov", "6.1"),
    _c("AdaGrad", "6.1.5", "Adagrad"),
    _c("RMSprop", "6.1", "RMSProp"),
    _c("Adam", "6.1.6"),
    _c("BatchNormalization", "6.3", "BatchNorm"),
    _c("Dropout", "6.4.3"),
    _c("MultiLayerNet", "6.4"),
    _c("MultiLayerNetExtend", "6.4"),
    _f("im2col", "7.4.3"),
    _f("col2im", "7.4.3"),
    _c("Convolution", "7.4.3"),
    _c("Pooling", "7.4.4"),
    _c("SimpleConvNet", "7.5"),
)
"""Every book name, in the book's order."""

NETWORKS = frozenset({"SimpleNet", "TwoLayerNet", "MultiLayerNet", "MultiLayerNetExtend",
                      "SimpleConvNet"})
"""The book's networks (a class using a definition makes that definition the one the
learner's code relies on)."""
NETWORK_METHODS = frozenset({"predict", "loss", "gradient", "accuracy"})
"""Methods that make a learner's own class a network."""

BY_NAME = {b.name: b for b in BOOK_NAMES}
ALIASES: dict[str, tuple[str, ...]] = {b.name: b.spellings for b in BOOK_NAMES}
"""Book name -> the spellings accepted for it, preferred first."""
CANONICAL = tuple(ALIASES)
OPTIONAL = frozenset(b.name for b in BOOK_NAMES if b.optional)
"""Helpers some layouts have and others do not: checked when present, never 'skip'."""


def fold(spelling: str) -> str:
    """A spelling without case and inner underscores (``crossEntropyError`` and
    ``Cross_Entropy_Error`` -> ``crossentropyerror``). Leading underscores stay: a
    private helper ``_step`` is not the book's ``step``."""
    bare = spelling.lstrip("_")
    return spelling[:len(spelling) - len(bare)] + bare.replace("_", "").lower()


_EXACT = {kind: {s: b.name for b in BOOK_NAMES if b.kind == kind for s in b.spellings}
          for kind in KINDS}
_FOLDED = {kind: {fold(s): b.name for b in BOOK_NAMES if b.kind == kind for s in b.spellings}
           for kind in KINDS}


def canonical_name(spelling: str, kind: str | None = None) -> str | None:
    """The book name that ``spelling`` spells, or None.

    A spelling matches only names of its own ``kind`` ("function" or "class"): a class
    ``Relu`` is the layer of section 5.5.1, never the function ``relu``. Without a kind
    (an alias such as ``f = other``), only an exact spelling matches.

    Examples
    --------
    >>> canonical_name("crossEntropyError", "function")
    'cross_entropy_error'
    >>> canonical_name("Relu", "class"), canonical_name("Relu", "function")
    ('Relu', 'relu')
    """
    if kind is None:
        matches = {t[spelling] for t in _EXACT.values() if spelling in t}
        return matches.pop() if len(matches) == 1 else None
    if kind not in _EXACT:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    return _EXACT[kind].get(spelling) or _FOLDED[kind].get(fold(spelling))


def kind_of(name: str) -> str:
    """``"function"`` or ``"class"`` for a book name."""
    return BY_NAME[name].kind


def alias_rank(spelling: str) -> int:
    """0 for the book's own spelling, higher for variants."""
    for book in BOOK_NAMES:
        if spelling in book.spellings:
            return book.spellings.index(spelling)
    return len(max(ALIASES.values(), key=len))
