"""The conformance suite: the same checks against any book-style implementation.

    from gradlab.conformance import gradlab_implementation, run_checks
    records = run_checks(gradlab_implementation(), quick=True)

``gradlab verify`` runs it on gradlab itself (in process) or on a learner's files
(each target in a subprocess, see :mod:`.runner`). Importing this package
imports neither JAX nor the learner's code.
"""

from .loading.implementation import ALIASES, Implementation, gradlab_implementation
from .records import STATUSES, Outcome, Record, worst
from .suite import all_checks, run_check, run_checks

__all__ = [
    "ALIASES", "Implementation", "gradlab_implementation", "STATUSES", "Outcome", "Record",
    "worst", "all_checks", "run_check", "run_checks",
]
