"""A learner's network as the checks see it: built from its own constructor, its
parameters found where it keeps them, and the model family its structure implements.

Construction follows the constructor's own parameters (:mod:`.calling`): sizes when it
takes them, ``W`` when it takes a weight, nothing when it takes nothing; the checks then
write their values into the net's own arrays in place (so that chapter 5's layers, which
hold references to ``params['W1']``, see them too), with the shapes the net has. The
family (sigmoid or ReLU hidden layer; softmax in ``predict`` or only in the loss; layers
in an ``OrderedDict``) is read from the names its methods use, never from its values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .calling import CONSTRUCTORS, meaning_of
from .harness import Skipped, describe_exception

__all__ = ["Net", "build", "Family", "families", "FAMILY_NAMES", "fixed_array"]

KEYS = ("W1", "b1", "W2", "b2")


def fixed_array(shape, seed: int, *, scale: float = 0.8, shift: float = 0.0) -> np.ndarray:
    """Deterministic test values of ``shape`` (normal, ``scale``; plus ``shift``)."""
    return np.random.default_rng(seed).normal(0, scale, shape) + shift


@dataclass
class Net:
    """A network in the executor: its proxy, and for each of the book's parameter names
    (``W`` or ``W1 b1 W2 b2``) the proxy of the array that holds it."""

    remote: object
    arrays: dict
    shapes: dict
    how: str  # how it was built, e.g. "TwoLayerNet(input_size=4, hidden_size=5, ...)"
    dtypes: dict = None  # the dtype of each array (a float32 net keeps float32 arrays)


def _constructor_values(name, params, sizes, weights):
    """``(args, kwargs, text)`` for the constructor of ``name`` or a reason (a string)."""
    slots = CONSTRUCTORS[name]
    wanted = {s.meaning for s in slots}
    values = {"size_in": sizes[0], "size_hidden": sizes[1] if len(sizes) == 3 else None,
              "size_out": sizes[-1], "weights": weights, "std": 0.01}
    args, kwargs, seen_default = [], {}, False
    for p in params:
        if p.kind in ("var_positional", "var_keyword"):
            continue
        meaning = meaning_of(p, wanted)
        value = values.get(meaning) if meaning else None
        if value is None and p.default is None:
            return f"its parameter {p.name} has no counterpart among {name}'s book values " \
                   f"({', '.join(s.name for s in slots)})"
        if value is None or meaning == "std" and p.default is not None:
            seen_default = True
            continue
        if p.kind == "keyword_only" or seen_default:
            kwargs[p.name] = value
        else:
            args.append(value)
    return args, kwargs


def build(h, name: str, sizes, *, attributes=KEYS) -> Net:
    """Construct the target's ``name`` (``sizes``: the shapes the checks would like) and
    find its parameter arrays. :class:`Skipped` when verify cannot build it or cannot
    find where it keeps its parameters (a reason, not a failure)."""
    from .harness import fmt

    cls = h.fn(name)
    params = h.params(name)
    weights = fixed_array((sizes[0], sizes[-1]), 11) if name == "SimpleNet" else None
    attempts = []
    if params is None:
        attempts = [((), {}), (tuple(sizes), {})]
    else:
        found = _constructor_values(name, params, sizes, weights)
        if isinstance(found, str):
            raise Skipped(f"verify cannot build {name}: {found}")
        attempts = [found]
    last = None
    for args, kwargs in attempts:
        try:
            net = cls(*args, **kwargs)
        except (TypeError, ValueError) as exc:
            last = exc
            continue
        text = ", ".join([fmt(a) for a in args] + [f"{k}={fmt(v)}" for k, v in kwargs.items()])
        return _locate(h, name, net, attributes, f"{name}({text})")
    raise Skipped(f"verify cannot build {name}: {describe_exception(last)[:200]}")


def _locate(h, name, net, attributes, how) -> Net:
    """Where ``net`` keeps each of ``attributes``: ``net.params[key]`` (any case of the
    key) or an attribute ``net.key``."""
    try:
        params = h.get(net.params)
    except (AttributeError, KeyError):
        params = None
    arrays, shapes, dtypes = {}, {}, {}
    keys = {str(k).lower(): k for k in params} if isinstance(params, dict) else {}
    for want in attributes:
        if want.lower() in keys and isinstance(params[keys[want.lower()]], np.ndarray):
            arrays[want] = net.params[keys[want.lower()]]
            shapes[want] = params[keys[want.lower()]].shape
            dtypes[want] = params[keys[want.lower()]].dtype
            continue
        spelled, value = _attribute(h, net, want)
        if not isinstance(value, np.ndarray):
            looked = ", ".join(dict.fromkeys(["net.params", f"net.{want}", f"net.{want.lower()}"]))
            raise Skipped(f"{how} keeps no float array {want} (looked in {looked}): verify "
                          f"cannot set its parameters")
        arrays[want] = getattr(net, spelled)
        shapes[want], dtypes[want] = value.shape, value.dtype
    return Net(net, arrays, shapes, how, dtypes)


def _attribute(h, net, want):
    """``(spelling, value)`` of the net's attribute ``want`` (``W``, or ``w``)."""
    for spelled in dict.fromkeys([want, want.lower()]):
        try:
            return spelled, h.get(getattr(net, spelled))
        except (AttributeError, KeyError):
            continue
    return want, None


def write(h, net: Net, values: dict) -> None:
    """Write ``values`` into the net's own arrays, in place."""
    for key, value in values.items():
        h.assign(net.arrays[key], value)


@dataclass(frozen=True)
class Family:
    """A two-layer model: ``hidden`` "sigmoid" or "relu"; ``output`` "probabilities"
    (softmax in predict, chapter 4) or "scores" (softmax only in the loss, chapter 5)."""

    hidden: str
    output: str
    layered: bool = False

    @property
    def name(self) -> str:
        hidden = "sigmoid" if self.hidden == "sigmoid" else "ReLU"
        where = "softmax in predict" if self.output == "probabilities" else \
            "predict returns scores, softmax only in the loss"
        layers = ", layers in an OrderedDict" if self.layered else ""
        book = ""
        if (self.hidden, self.output) == ("sigmoid", "probabilities"):
            book = " (the book's chapter-4 model)"
        elif (self.hidden, self.output) == ("relu", "scores"):
            book = " (the book's chapter-5 model)"
        return f"{hidden} hidden layer, {where}{layers}{book}"


FAMILY_NAMES = {"sigmoid": {"sigmoid", "Sigmoid", "expit", "sigmoid_function"},
                "relu": {"relu", "Relu", "ReLU", "ReLu", "maximum", "relu_function"}}
_OTHERS = {"tanh", "Tanh", "elu", "Elu", "softplus", "LeakyRelu", "leaky_relu", "Dropout",
           "BatchNormalization", "BatchNorm", "gelu", "swish", "selu", "step_function",
           "identity_function"}


def families(definition) -> list[Family] | str:
    """The model families a TwoLayerNet's structure may implement (both output forms:
    its values tell which), or why none is recognised."""
    if definition is None:
        return [Family(hidden, output) for hidden in ("sigmoid", "relu")
                for output in ("probabilities", "scores")]
    names = set(definition.names)
    for method in definition.methods:
        names |= method.names
    hidden = [k for k, spellings in FAMILY_NAMES.items() if names & spellings]
    others = sorted(names & _OTHERS)
    if others and not hidden:
        return f"its hidden layer uses {', '.join(others)}, which no model verify knows does"
    if not hidden:
        if not definition.methods or definition.kind != "class":
            hidden = list(FAMILY_NAMES)  # the structure is not in this file: values decide
        else:
            return ("no sigmoid or ReLU appears in its methods (its layers come from "
                    "elsewhere, or it uses another activation)")
    layered = "OrderedDict" in names or "layers" in names
    return [Family(k, output, layered) for k in hidden for output in ("probabilities",
                                                                        "scores")]
