"""Warnings and exceptions that gradlab raises.

They live in one light module so that every part of gradlab (and a user's
``except`` clause) can name them without importing JAX or the checker.
"""

import os
import sys

__all__ = [
    "GradlabError",
    "GradlabTypeError",
    "GradlabValueError",
    "GradlabWarning",
    "PrecisionWarning",
    "DivergenceWarning",
    "StepLostError",
    "GradCheckError",
]


def user_stacklevel() -> int:
    """The ``stacklevel`` that makes ``warnings.warn`` point at the first caller outside gradlab.

    Call it in the function that calls ``warnings.warn``; however deep inside gradlab that
    function sits (``gradient_descent`` -> ``numerical_gradient``, the pytest plugin ->
    ``check_gradient``), the warning names the user's line.
    """
    package = os.path.dirname(os.path.abspath(__file__)) + os.sep
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package):
        frame, level = frame.f_back, level + 1
    return level


class GradlabError(Exception):
    """Base class of the errors gradlab raises for bad input.

    Every input rule (:mod:`gradlab._validation`) raises one of its two subclasses,
    which are also a ``TypeError`` or a ``ValueError``, so ``except ValueError`` in a
    caller's code keeps working. The message names the argument, says what was wrong
    and what to do.
    """


class GradlabTypeError(GradlabError, TypeError):
    """An argument has the wrong type or dtype (a list of str, an integer array to perturb)."""


class GradlabValueError(GradlabError, ValueError):
    """An argument has the right type but a value gradlab refuses (negative, nan, wrong shape)."""


class GradlabWarning(UserWarning):
    """Base class of every warning gradlab emits."""


class PrecisionWarning(GradlabWarning):
    """A computation runs in a dtype too narrow for the accuracy asked of it."""


class DivergenceWarning(GradlabWarning):
    """An iteration (gradient descent, training) stopped because it diverged."""


class StepLostError(GradlabValueError):
    """``x + h == x``: the finite-difference step is below the spacing of floats at ``x``.

    Raised by ``numerical_gradient``; ``gradient_descent`` turns it into a
    :class:`DivergenceWarning`, since a diverging iterate is how it usually happens.
    """


class GradCheckError(AssertionError):
    """A claimed gradient disagrees with the finite-difference estimate.

    Subclasses ``AssertionError`` so that pytest reports it as a test failure.
    """
