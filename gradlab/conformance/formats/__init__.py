"""verify's reports beyond the plain text of :mod:`..report`: for Jupyter (:mod:`.html`),
a colour terminal (:mod:`.terminal`, ``rich``), CI (:mod:`.junit`, :mod:`.github`),
Gradescope (:mod:`.gradescope`) and a whole class (:mod:`.summary`). Each takes a list of
:class:`~gradlab.conformance.batch.TargetResult` and imports nothing heavy."""

FORMATS = ("text", "github", "gradescope")
"""What ``gradlab verify --format`` prints on standard output."""

__all__ = ["FORMATS"]
