"""The gradient checker, one pipeline: validate -> plan -> evaluate -> estimate -> verdict.

* :mod:`~gradlab.check.space` - the one perturb-and-restore engine (x as flat coordinates);
* :mod:`~gradlab.check.problem` - validation: f at x, the claim, dtype, bounds;
* :mod:`~gradlab.check.methods` (central, Richardson) and :mod:`~gradlab.check.complexstep` -
  each method in one place;
* :mod:`~gradlab.check.evaluate` - calling f, safe at the edge of its domain;
* :mod:`~gradlab.check.errormodel` and :mod:`~gradlab.check.lines` - the error model, and
  measuring again at other steps where the first cannot judge;
* :mod:`~gradlab.check.full`, :mod:`~gradlab.check.fast` - every element, or k directions;
* :mod:`~gradlab.check.verdict`, :mod:`~gradlab.check.result` - pass / fail / inconclusive,
  the cause, the report;
* :mod:`~gradlab.check.vector` - Jacobians, VJPs and JVPs;
* :mod:`~gradlab.check.layer`, :mod:`~gradlab.check.layerresult` - a layer's backward against
  its own forward, and its report;
* :mod:`~gradlab.check.parallel` - full mode over a concurrent.futures.Executor.
"""

from ..errors import GradCheckError
from .defaults import (
    METHODS,
    MODES,
    SAFETY,
    WORST,
    K,
    fast_mode_evaluations,
    full_mode_evaluations,
    localisation_evaluations,
)
from .gradient import assert_gradient_close, check_gradient
from .layer import LayerCheckResult, check_layer
from .result import CAUSES, STATUSES, Entry, GradCheckResult
from .vector import check_jacobian, check_jvp, check_vjp

__all__ = [
    "check_gradient", "assert_gradient_close", "check_vjp", "check_jvp", "check_jacobian",
    "check_layer", "LayerCheckResult",
    "GradCheckResult", "GradCheckError", "Entry", "CAUSES", "STATUSES", "SAFETY", "K",
    "WORST", "MODES", "METHODS", "full_mode_evaluations", "fast_mode_evaluations",
    "localisation_evaluations",
]
